package graphapi_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/firstkey/firstkey/internal/directory"
	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/testenv"
)

func TestDirectoryAudits(t *testing.T) {
	eachBackend(t, func(t *testing.T, env *testenv.Env) {
		env.EnablePassPolicy(t)
		issuer := env.CreateUser(t, "issuer@example.com", domain.RolePrivilegedAuthenticationAdministrator)
		frank := env.CreateUser(t, "frank@example.com")
		grace := env.CreateUser(t, "grace@example.com")
		byUser := userAPI(t, env, issuer.ID)
		reader := appAPI(t, env, domain.PermAuditLogReadAll)

		advance(env, time.Hour, byUser, reader)
		t1 := env.Clock.Now()
		p := byUser.do(http.MethodPost, passPath(frank.ID), map[string]any{"lifetimeInMinutes": 60}, "client-request-id", "my-script-42").
			must(t, http.StatusCreated)
		if p.Header.Get("client-request-id") != "my-script-42" || p.Header.Get("request-id") == "" {
			t.Fatalf("request ids: %v", p.Header)
		}
		advance(env, time.Hour, byUser, reader)
		t2 := env.Clock.Now()
		byUser.do(http.MethodPost, passPath(grace.ID), map[string]any{}).must(t, http.StatusCreated)

		q := func(filter string) []map[string]any {
			t.Helper()
			return reader.get("/v1.0/auditLogs/directoryAudits?$filter="+url.QueryEscape(filter)).must(t, http.StatusOK).values(t)
		}
		byFrank := q("targetResources/any(t:t/id eq '" + frank.ID + "')")
		if len(byFrank) != 2 { // "Add user" and the pass
			t.Fatalf("records targeting frank: %d, want 2", len(byFrank))
		}
		window := q("activityDateTime ge " + t1.Add(-time.Second).UTC().Format(time.RFC3339) + " and activityDateTime le " + t1.Add(time.Minute).UTC().Format(time.RFC3339))
		if len(window) != 1 {
			t.Fatalf("records in the first window: %d, want 1", len(window))
		}
		rec := window[0]
		if rec["activityDisplayName"] != domain.ActivityAdminRegisteredSecurityInfo || rec["loggedByService"] != domain.ServiceAuthenticationMethods ||
			rec["correlationId"] != p.Header.Get("request-id") || rec["result"] != "success" || rec["operationType"] != "Add" {
			t.Fatalf("pass audit record: %v", rec)
		}
		if ts, _ := rec["activityDateTime"].(string); !strings.HasSuffix(ts, "Z") {
			t.Errorf("activityDateTime %q lacks Z", ts)
		}
		by := rec["initiatedBy"].(map[string]any)
		if by["app"] != nil || by["user"].(map[string]any)["userPrincipalName"] != "issuer@example.com" || by["user"].(map[string]any)["id"] != issuer.ID {
			t.Fatalf("initiatedBy: %v", by)
		}
		target := rec["targetResources"].([]any)[0].(map[string]any)
		if target["id"] != frank.ID || target["type"] != "User" || target["userPrincipalName"] != "frank@example.com" {
			t.Fatalf("target: %v", target)
		}
		details := map[string]string{}
		for _, d := range rec["additionalDetails"].([]any) {
			m := d.(map[string]any)
			details[m["key"].(string)] = m["value"].(string)
		}
		if details["PassId"] != p.str("id") || details["LifetimeInMinutes"] != "60" {
			t.Fatalf("additionalDetails: %v", details)
		}
		if later := q("activityDateTime ge " + t2.Add(-time.Second).UTC().Format(time.RFC3339)); len(later) != 1 {
			t.Fatalf("records since t2: %d, want 1", len(later))
		}

		one := reader.get("/v1.0/auditLogs/directoryAudits/"+rec["id"].(string)).must(t, http.StatusOK)
		if one.str("id") != rec["id"] || !strings.HasSuffix(one.str("@odata.context"), "#auditLogs/directoryAudits/$entity") {
			t.Fatalf("one record: %s", one.Raw)
		}
		reader.get("/v1.0/auditLogs/directoryAudits/"+frank.ID).wantError(t, http.StatusNotFound, "Request_ResourceNotFound")

		// Paging over the log, newest first.
		var seen []time.Time
		next := "/v1.0/auditLogs/directoryAudits?$top=2"
		for next != "" {
			r := reader.get(next).must(t, http.StatusOK)
			for _, v := range r.values(t) {
				at, err := time.Parse(time.RFC3339, v["activityDateTime"].(string))
				if err != nil {
					t.Fatal(err)
				}
				seen = append(seen, at)
			}
			next = r.str("@odata.nextLink")
		}
		all := reader.get("/v1.0/auditLogs/directoryAudits?$count=true").must(t, http.StatusOK)
		if float64(len(seen)) != all.JSON["@odata.count"] || len(seen) < 6 {
			t.Fatalf("paged %d records, count says %v", len(seen), all.JSON["@odata.count"])
		}
		for i := 1; i < len(seen); i++ {
			if seen[i].After(seen[i-1]) {
				t.Fatalf("audit log not newest first: %v", seen)
			}
		}

		reader.get("/v1.0/auditLogs/directoryAudits?$filter="+url.QueryEscape("shoeSize eq 3")).wantError(t, http.StatusBadRequest, "Request_UnsupportedQuery")
		byUser.get("/v1.0/auditLogs/directoryAudits").wantError(t, http.StatusForbidden, "Authorization_RequestDenied")
	})
}

func TestSignInLogs(t *testing.T) {
	eachBackend(t, func(t *testing.T, env *testenv.Env) {
		env.EnablePassPolicy(t)
		u := env.CreateUser(t, "heidi@example.com")
		pass := methodsAdmin(t, env).do(http.MethodPost, passPath(u.ID), map[string]any{}).must(t, http.StatusCreated)
		ctx := context.Background()
		at := directory.Attempt{UserPrincipalName: u.UserPrincipalName, IPAddress: "198.51.100.4", UserAgent: "test-agent"}
		if _, err := env.Dir.SignInWithPass(ctx, at, "WRONGCODE"); err == nil {
			t.Fatal("a wrong pass signed in")
		}
		env.Clock.Advance(time.Minute)
		if _, err := env.Dir.SignInWithPass(ctx, at, pass.str("temporaryAccessPass")); err != nil {
			t.Fatalf("sign in: %v", err)
		}
		_, _ = env.Dir.SignInWithPass(ctx, directory.Attempt{UserPrincipalName: "ghost@example.com"}, "WRONGCODE")

		reader := newAPI(t, env, env.AppToken(t, domain.PermAuditLogReadAll))
		list := reader.get("/v1.0/auditLogs/signIns?$filter="+url.QueryEscape("userId eq '"+u.ID+"'")).must(t, http.StatusOK)
		vals := list.values(t)
		if len(vals) != 2 || list.str("@odata.context") != env.URL+"/v1.0/$metadata#auditLogs/signIns" {
			t.Fatalf("sign-ins of heidi: %s", list.Raw)
		}
		ok, failed := vals[0], vals[1] // newest first
		st := ok["status"].(map[string]any)
		if st["errorCode"] != 0.0 || ok["userPrincipalName"] != "heidi@example.com" || ok["ipAddress"] != "198.51.100.4" ||
			ok["authenticationRequirement"] != domain.RequirementMFA || ok["userId"] != u.ID {
			t.Fatalf("successful sign-in: %v", ok)
		}
		det := ok["authenticationDetails"].([]any)[0].(map[string]any)
		if det["authenticationMethod"] != domain.MethodTemporaryAccess || det["authenticationMethodDetail"] != pass.str("id") || det["succeeded"] != true {
			t.Fatalf("authenticationDetails: %v", det)
		}
		if fs := failed["status"].(map[string]any); fs["errorCode"] != float64(domain.SignInPassInvalid) || fs["failureReason"] == nil {
			t.Fatalf("failed sign-in status: %v", fs)
		}
		if d := failed["authenticationDetails"].([]any)[0].(map[string]any); d["succeeded"] != false {
			t.Fatalf("failed sign-in details: %v", d)
		}

		byCode := reader.get("/v1.0/auditLogs/signIns?$filter="+url.QueryEscape("status/errorCode eq 50034")).must(t, http.StatusOK).values(t)
		if len(byCode) != 1 || byCode[0]["userPrincipalName"] != "ghost@example.com" || byCode[0]["userId"] != nil {
			t.Fatalf("unknown-user sign-ins: %v", byCode)
		}
		one := reader.get("/v1.0/auditLogs/signIns/"+ok["id"].(string)).must(t, http.StatusOK)
		if one.str("id") != ok["id"] || !strings.HasSuffix(one.str("@odata.context"), "/$entity") {
			t.Fatalf("one sign-in: %s", one.Raw)
		}
		reader.get("/v1.0/auditLogs/signIns/"+u.ID).wantError(t, http.StatusNotFound, "Request_ResourceNotFound")
		methodsAdmin(t, env).get("/v1.0/auditLogs/signIns").wantError(t, http.StatusForbidden, "Authorization_RequestDenied")
	})
}
