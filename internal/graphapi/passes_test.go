package graphapi_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/firstkey/firstkey/internal/directory"
	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/store"
	"github.com/firstkey/firstkey/internal/testenv"
)

func TestPassLifecycle(t *testing.T) {
	eachBackend(t, func(t *testing.T, env *testenv.Env) {
		env.EnablePassPolicy(t)
		u := env.CreateUser(t, "alice@example.com")
		a := methodsAdmin(t, env)

		// Created through the UPN, percent-encoded as SDKs send it.
		created := a.do(http.MethodPost, passPath("alice%40example.com"), map[string]any{}).must(t, http.StatusCreated)
		code := created.str("temporaryAccessPass")
		if len(code) != 8 {
			t.Fatalf("pass %q: want the policy's default length 8", code)
		}
		if created.str("@odata.type") != "#microsoft.graph.temporaryAccessPassAuthenticationMethod" ||
			created.str("signInUrl") != env.URL+"/mysecurityinfo" ||
			!strings.HasPrefix(created.str("@odata.context"), env.URL+"/v1.0/$metadata#users(") ||
			created.JSON["isUsable"] != true || created.str("methodUsabilityReason") != "EnabledByPolicy" ||
			created.JSON["lifetimeInMinutes"] != float64(60) || created.JSON["isUsableOnce"] != false {
			t.Fatalf("creation response: %s", created.Raw)
		}
		for _, k := range []string{"createdDateTime", "startDateTime"} {
			if s := created.str(k); !strings.HasSuffix(s, "Z") {
				t.Errorf("%s = %q, want UTC with Z", k, s)
			}
		}
		id := created.str("id")

		// Shown once: reads carry null.
		list := a.get(passPath(u.ID)).must(t, http.StatusOK)
		items := list.values(t)
		if len(items) != 1 || items[0]["id"] != id || items[0]["temporaryAccessPass"] != nil {
			t.Fatalf("list: %s", list.Raw)
		}
		if _, present := items[0]["temporaryAccessPass"]; !present {
			t.Errorf("list item lacks temporaryAccessPass: null")
		}
		one := a.get(passPath(u.ID)+"/"+id).must(t, http.StatusOK)
		if one.JSON["temporaryAccessPass"] != nil || one.str("id") != id || !strings.HasSuffix(one.str("@odata.context"), "/$entity") {
			t.Fatalf("get: %s", one.Raw)
		}
		methods := a.get("/v1.0/users/"+u.ID+"/authentication/methods").must(t, http.StatusOK).values(t)
		if len(methods) != 1 || methods[0]["@odata.type"] != "#microsoft.graph.temporaryAccessPassAuthenticationMethod" || methods[0]["temporaryAccessPass"] != nil {
			t.Fatalf("methods: %v", methods)
		}
		if strings.Contains(string(list.Raw)+string(one.Raw), code) {
			t.Fatal("a read returned the pass code")
		}

		// A second pass replaces the first, and the audit log says so.
		second := a.do(http.MethodPost, passPath(u.ID), map[string]any{"lifetimeInMinutes": 120}).must(t, http.StatusCreated)
		if second.str("id") == id || second.JSON["lifetimeInMinutes"] != float64(120) {
			t.Fatalf("second pass: %s", second.Raw)
		}
		a.get(passPath(u.ID)+"/"+id).wantError(t, http.StatusNotFound, "Request_ResourceNotFound")
		if n := len(a.get(passPath(u.ID)).must(t, http.StatusOK).values(t)); n != 1 {
			t.Fatalf("%d passes after replacement, want 1", n)
		}
		recs, _, err := env.Store.ListAudits(context.Background(), store.ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		replaced := false
		for _, r := range recs {
			if r.ActivityDisplayName == domain.ActivityAdminDeletedSecurityInfo && detail(r, "PassId") == id &&
				strings.Contains(detail(r, "Reason"), "Replaced") {
				replaced = true
			}
		}
		if !replaced {
			t.Fatalf("no audit record of pass %s being replaced", id)
		}

		// Delete: 204, then gone.
		sid := second.str("id")
		a.do(http.MethodDelete, passPath(u.ID)+"/"+sid, nil).must(t, http.StatusNoContent)
		a.get(passPath(u.ID)+"/"+sid).wantError(t, http.StatusNotFound, "Request_ResourceNotFound")
		a.do(http.MethodDelete, passPath(u.ID)+"/"+sid, nil).wantError(t, http.StatusNotFound, "Request_ResourceNotFound")
		if n := len(a.get(passPath(u.ID)).must(t, http.StatusOK).values(t)); n != 0 {
			t.Fatalf("%d passes after delete, want 0", n)
		}
	})
}

func detail(r domain.AuditRecord, key string) string {
	for _, d := range r.AdditionalDetails {
		if d.Key == key {
			return d.Value
		}
	}
	return ""
}

func TestPassRequestValidation(t *testing.T) {
	eachBackend(t, func(t *testing.T, env *testenv.Env) {
		u := env.CreateUser(t, "bob@example.com")
		a := methodsAdmin(t, env)
		path := passPath(u.ID)

		a.do(http.MethodPost, path, map[string]any{}).wantError(t, http.StatusBadRequest, "badRequest", "policy is disabled")
		env.EnablePassPolicy(t)

		a.do(http.MethodPost, path, `{"lifetimeInMinutes": 60,`).wantError(t, http.StatusBadRequest, "badRequest", "not valid JSON")
		a.do(http.MethodPost, path, `[1]`).wantError(t, http.StatusBadRequest, "badRequest", "JSON object")
		a.do(http.MethodPost, path, map[string]any{"lifetimeInMinutes": "sixty"}).wantError(t, http.StatusBadRequest, "badRequest", "lifetimeInMinutes")
		a.do(http.MethodPost, path, map[string]any{"isUsableOnce": "yes"}).wantError(t, http.StatusBadRequest, "badRequest", "isUsableOnce")
		a.do(http.MethodPost, path, map[string]any{"startDateTime": "tomorrow"}).wantError(t, http.StatusBadRequest, "badRequest", "startDateTime")
		a.do(http.MethodPost, path, map[string]any{"lifetimeInMinutes": 30}).
			wantError(t, http.StatusBadRequest, "badRequest", "lifetimeInMinutes", "between 60 and 480")
		a.do(http.MethodPost, path, map[string]any{"lifetimeInMinutes": 481}).
			wantError(t, http.StatusBadRequest, "badRequest", "between 60 and 480")
		a.do(http.MethodPost, passPath("nobody%40example.com"), map[string]any{}).wantError(t, http.StatusNotFound, "Request_ResourceNotFound")
		a.do(http.MethodPost, path, "not json", "Content-Encoding", "gzip").wantError(t, http.StatusBadRequest, "badRequest", "gzip")
		a.do(http.MethodPost, path, "", "Content-Encoding", "gzip").wantError(t, http.StatusBadRequest, "badRequest", "gzip") // found by FuzzJSONBodies
		a.do(http.MethodPost, path, map[string]any{}, "Content-Encoding", "br").wantError(t, http.StatusUnsupportedMediaType, "unsupportedMediaType")
		a.do(http.MethodPost, path, `{"x":"`+strings.Repeat("a", 1<<20)+`"}`).wantError(t, http.StatusRequestEntityTooLarge, "requestEntityTooLarge")
		if n := len(a.get(path).must(t, http.StatusOK).values(t)); n != 0 {
			t.Fatalf("refused requests created %d passes", n)
		}

		// A one-time policy refuses a multi-use pass.
		a2 := newAPI(t, env, env.AppToken(t, domain.PermPolicyReadWriteAuthMethod))
		a2.do(http.MethodPatch, "/v1.0/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/TemporaryAccessPass",
			map[string]any{"isUsableOnce": true}).must(t, http.StatusNoContent)
		a.do(http.MethodPost, path, map[string]any{"isUsableOnce": false}).wantError(t, http.StatusBadRequest, "badRequest", "isUsableOnce")
		defaulted := a.do(http.MethodPost, path, map[string]any{}).must(t, http.StatusCreated)
		if defaulted.JSON["isUsableOnce"] != true {
			t.Fatalf("pass under a one-time policy: %s", defaulted.Raw)
		}

		// Unknown properties are ignored; a gzip body (as Graph SDKs send) works.
		start := env.Clock.Now().Add(2 * time.Hour).UTC().Truncate(time.Second)
		body := gzipped(t, map[string]any{"lifetimeInMinutes": 90, "startDateTime": start.Format(time.RFC3339), "isUsableOnce": true,
			"@odata.type": "#microsoft.graph.temporaryAccessPassAuthenticationMethod", "favouriteColour": "green"})
		z := a.do(http.MethodPost, path, body, "Content-Encoding", "gzip").must(t, http.StatusCreated)
		if z.JSON["lifetimeInMinutes"] != float64(90) || z.str("startDateTime") != start.Format(time.RFC3339) ||
			z.str("methodUsabilityReason") != "NotYetValid" || z.JSON["isUsable"] != false {
			t.Fatalf("gzip request: %s", z.Raw)
		}
	})
}

func TestPassPermissions(t *testing.T) {
	eachBackend(t, func(t *testing.T, env *testenv.Env) {
		env.EnablePassPolicy(t)
		plain := env.CreateUser(t, "plain@example.com")
		admin := env.CreateUser(t, "helpdesk-lead@example.com", domain.RoleUserAdministrator)
		authAdmin := env.CreateUser(t, "authadmin@example.com", domain.RoleAuthenticationAdministrator)
		privAdmin := env.CreateUser(t, "privadmin@example.com", domain.RolePrivilegedAuthenticationAdministrator)

		readOnly := newAPI(t, env, env.AppToken(t, domain.PermUserAuthenticationMethodReadAll))
		readOnly.do(http.MethodPost, passPath(plain.ID), map[string]any{}).wantError(t, http.StatusForbidden, "Authorization_RequestDenied")
		readOnly.get(passPath(plain.ID)).must(t, http.StatusOK)
		usersOnly := newAPI(t, env, env.AppToken(t, domain.PermUserReadWriteAll))
		usersOnly.get(passPath(plain.ID)).wantError(t, http.StatusForbidden, "Authorization_RequestDenied")

		aa := newAPI(t, env, env.UserToken(t, authAdmin.ID))
		aa.do(http.MethodPost, passPath(admin.ID), map[string]any{}).
			wantError(t, http.StatusForbidden, "Authorization_RequestDenied", "User Administrator")
		aa.do(http.MethodPost, passPath(plain.ID), map[string]any{}).must(t, http.StatusCreated)
		aa.do(http.MethodPost, passPath(authAdmin.ID), map[string]any{}).wantError(t, http.StatusForbidden, "accessDenied")
		aa.do(http.MethodPost, "/v1.0/me/authentication/temporaryAccessPassMethods", map[string]any{}).wantError(t, http.StatusForbidden, "accessDenied")

		pa := newAPI(t, env, env.UserToken(t, privAdmin.ID))
		pa.do(http.MethodPost, passPath(admin.ID), map[string]any{}).must(t, http.StatusCreated)
		pa.do(http.MethodPost, passPath(authAdmin.ID), map[string]any{}).must(t, http.StatusCreated)

		// A person without a methods role cannot issue at all.
		ua := newAPI(t, env, env.UserToken(t, admin.ID))
		ua.do(http.MethodPost, passPath(plain.ID), map[string]any{}).wantError(t, http.StatusForbidden, "Authorization_RequestDenied")

		// /me is for people only, in Graph's words.
		readOnly.get("/v1.0/me").wantError(t, http.StatusBadRequest, "BadRequest", "/me request is only valid with delegated authentication flow.")
		readOnly.get("/v1.0/me/authentication/temporaryAccessPassMethods").wantError(t, http.StatusBadRequest, "BadRequest")
		me := newAPI(t, env, env.UserToken(t, plain.ID)).get("/v1.0/me").must(t, http.StatusOK)
		if me.str("id") != plain.ID || me.str("userPrincipalName") != "plain@example.com" || !strings.HasSuffix(me.str("@odata.context"), "#users/$entity") {
			t.Fatalf("/me: %s", me.Raw)
		}
	})
}

func TestPassUsability(t *testing.T) {
	eachBackend(t, func(t *testing.T, env *testenv.Env) {
		env.EnablePassPolicy(t)
		u := env.CreateUser(t, "newjoiner@example.com")
		a := methodsAdmin(t, env)
		pol := appAPI(t, env, domain.PermPolicyReadWriteAuthMethod)
		groups := appAPI(t, env, domain.PermGroupReadWriteAll)
		const tapConfig = "/v1.0/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/TemporaryAccessPass"

		reason := func(id string) string {
			t.Helper()
			r := a.get(passPath(u.ID)+"/"+id).must(t, http.StatusOK)
			if usable := r.JSON["isUsable"] == true; usable != (r.str("methodUsabilityReason") == "EnabledByPolicy") {
				t.Errorf("isUsable %v with reason %s", r.JSON["isUsable"], r.str("methodUsabilityReason"))
			}
			return r.str("methodUsabilityReason")
		}
		want := func(id, w string) {
			t.Helper()
			if got := reason(id); got != w {
				t.Fatalf("methodUsabilityReason %s, want %s", got, w)
			}
		}

		start := env.Clock.Now().Add(time.Hour)
		p := a.do(http.MethodPost, passPath(u.ID), map[string]any{"startDateTime": start.Format(time.RFC3339Nano), "lifetimeInMinutes": 60}).must(t, http.StatusCreated)
		id := p.str("id")
		want(id, "NotYetValid")
		advance(env, time.Hour, a, pol, groups)
		want(id, "EnabledByPolicy")

		pol.do(http.MethodPatch, tapConfig, map[string]any{"state": "disabled"}).must(t, http.StatusNoContent)
		want(id, "DisabledByPolicy")
		pol.do(http.MethodPatch, tapConfig, map[string]any{"state": "enabled"}).must(t, http.StatusNoContent)
		want(id, "EnabledByPolicy")

		g := groups.do(http.MethodPost, "/v1.0/groups", map[string]any{"displayName": "No passes"}).must(t, http.StatusCreated)
		groups.do(http.MethodPost, "/v1.0/groups/"+g.str("id")+"/members/$ref",
			map[string]any{"@odata.id": env.URL + "/v1.0/directoryObjects/" + u.ID}).must(t, http.StatusNoContent)
		pol.do(http.MethodPatch, tapConfig, map[string]any{"excludeTargets": []any{map[string]any{"id": g.str("id"), "targetType": "group"}}}).
			must(t, http.StatusNoContent)
		want(id, "DisabledByPolicy")
		pol.do(http.MethodPatch, tapConfig, map[string]any{"excludeTargets": []any{}}).must(t, http.StatusNoContent)
		want(id, "EnabledByPolicy")

		advance(env, 61*time.Minute, a)
		want(id, "Expired")

		once := a.do(http.MethodPost, passPath(u.ID), map[string]any{"isUsableOnce": true}).must(t, http.StatusCreated)
		if _, err := env.Dir.SignInWithPass(context.Background(), directory.Attempt{UserPrincipalName: u.UserPrincipalName, IPAddress: "192.0.2.7"},
			once.str("temporaryAccessPass")); err != nil {
			t.Fatalf("sign in with the pass: %v", err)
		}
		want(once.str("id"), "OneTimeUsed")
	})
}

// TestNoSecretsInLogsOrAudit issues passes and an application secret, exercises
// the API, and then looks for any of them in the log and every audit record.
func TestNoSecretsInLogsOrAudit(t *testing.T) {
	eachBackend(t, func(t *testing.T, env *testenv.Env) {
		env.EnablePassPolicy(t)
		clientID, clientSecret := env.CreateApp(t, domain.PermUserAuthenticationMethodReadWrite, domain.PermAuditLogReadAll)
		token := env.ClientCredentialsToken(t, clientID, clientSecret)
		a := newAPI(t, env, token)
		var secrets []string
		for _, upn := range []string{"s1@example.com", "s2@example.com"} {
			u := env.CreateUser(t, upn)
			for range 2 {
				r := a.do(http.MethodPost, passPath(u.ID), map[string]any{"isUsableOnce": true}).must(t, http.StatusCreated)
				secrets = append(secrets, r.str("temporaryAccessPass"))
			}
			_, _ = env.Dir.SignInWithPass(context.Background(), directory.Attempt{UserPrincipalName: upn}, secrets[len(secrets)-1])
			_, _ = env.Dir.SignInWithPass(context.Background(), directory.Attempt{UserPrincipalName: upn}, "WRONGPASS")
		}
		a.get("/v1.0/auditLogs/directoryAudits").must(t, http.StatusOK)
		a.get("/v1.0/auditLogs/signIns").must(t, http.StatusOK)
		secrets = append(secrets, clientSecret, token)

		recs, _, err := env.Store.ListAudits(context.Background(), store.ListOptions{Top: 10000})
		if err != nil {
			t.Fatal(err)
		}
		audit := a.get("/v1.0/auditLogs/directoryAudits?$top=999").must(t, http.StatusOK)
		signIns := a.get("/v1.0/auditLogs/signIns?$top=999").must(t, http.StatusOK)
		haystacks := map[string]string{"logs": env.Logs(), "audit API": string(audit.Raw), "sign-in API": string(signIns.Raw)}
		for _, r := range recs {
			haystacks["audit record "+r.ID] = auditText(r)
		}
		if len(recs) < 5 {
			t.Fatalf("only %d audit records; the test exercises too little", len(recs))
		}
		for name, hay := range haystacks {
			for _, s := range secrets {
				if s == "" {
					t.Fatal("empty secret")
				}
				if strings.Contains(hay, s) {
					t.Errorf("%s contains a secret", name)
				}
			}
		}
	})
}

func auditText(r domain.AuditRecord) string {
	var b strings.Builder
	b.WriteString(r.ActivityDisplayName + r.ResultReason + r.CorrelationID)
	b.WriteString(r.InitiatedBy.AppName + r.InitiatedBy.AppID + r.InitiatedBy.UPN)
	for _, t := range r.TargetResources {
		b.WriteString(t.ID + t.DisplayName + t.UserPrincipalName)
		for _, p := range t.ModifiedProperties {
			b.WriteString(p.DisplayName + p.OldValue + p.NewValue)
		}
	}
	for _, d := range r.AdditionalDetails {
		b.WriteString(d.Key + d.Value)
	}
	return b.String()
}
