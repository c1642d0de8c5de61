package graphapi_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/testenv"
)

const tapConfigPath = "/v1.0/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/TemporaryAccessPass"

func TestPolicy(t *testing.T) {
	eachBackend(t, func(t *testing.T, env *testenv.Env) {
		a := newAPI(t, env, env.AppToken(t, domain.PermPolicyReadWriteAuthMethod, domain.PermAuditLogReadAll))

		whole := a.get("/v1.0/policies/authenticationMethodsPolicy").must(t, http.StatusOK)
		cfgs, _ := whole.JSON["authenticationMethodConfigurations"].([]any)
		if whole.str("id") != "authenticationMethodsPolicy" || len(cfgs) != 2 ||
			whole.str("@odata.context") != env.URL+"/v1.0/$metadata#policies/authenticationMethodsPolicy" {
			t.Fatalf("policy: %s", whole.Raw)
		}
		if c := cfgs[1].(map[string]any); c["@odata.type"] != "#microsoft.graph.temporaryAccessPassAuthenticationMethodConfiguration" || c["id"] != "TemporaryAccessPass" {
			t.Fatalf("configuration in policy: %v", c)
		}
		if c := cfgs[0].(map[string]any); c["@odata.type"] != "#microsoft.graph.fido2AuthenticationMethodConfiguration" || c["id"] != "Fido2" {
			t.Fatalf("configuration in policy: %v", c)
		}

		before := a.get(tapConfigPath).must(t, http.StatusOK)
		wantCfg := map[string]any{"@odata.type": "#microsoft.graph.temporaryAccessPassAuthenticationMethodConfiguration", "id": "TemporaryAccessPass",
			"state": "disabled", "minimumLifetimeInMinutes": 60.0, "maximumLifetimeInMinutes": 480.0, "defaultLifetimeInMinutes": 60.0,
			"defaultLength": 8.0, "isUsableOnce": false}
		for k, v := range wantCfg {
			if before.JSON[k] != v {
				t.Errorf("%s = %v, want %v", k, before.JSON[k], v)
			}
		}
		inc, _ := before.JSON["includeTargets"].([]any)
		if len(inc) != 1 || inc[0].(map[string]any)["id"] != "all_users" || inc[0].(map[string]any)["targetType"] != "group" {
			t.Errorf("includeTargets: %v", before.JSON["includeTargets"])
		}

		// Partial PATCH: only the properties sent change. The SDKs send @odata.type.
		a.do(http.MethodPatch, tapConfigPath, map[string]any{"@odata.type": "#microsoft.graph.temporaryAccessPassAuthenticationMethodConfiguration",
			"state": "enabled", "maximumLifetimeInMinutes": 600, "someFutureProperty": 1}).must(t, http.StatusNoContent)
		after := a.get(tapConfigPath).must(t, http.StatusOK)
		if after.str("state") != "enabled" || after.JSON["maximumLifetimeInMinutes"] != 600.0 ||
			after.JSON["minimumLifetimeInMinutes"] != 60.0 || after.JSON["defaultLength"] != 8.0 {
			t.Fatalf("after PATCH: %s", after.Raw)
		}

		// Refused changes name the field (and range) and change nothing.
		a.do(http.MethodPatch, tapConfigPath, map[string]any{"minimumLifetimeInMinutes": 5}).
			wantError(t, http.StatusBadRequest, "badRequest", "minimumLifetimeInMinutes", "10", "43200")
		a.do(http.MethodPatch, tapConfigPath, map[string]any{"defaultLength": 49, "state": "disabled"}).
			wantError(t, http.StatusBadRequest, "badRequest", "defaultLength", "8", "48")
		a.do(http.MethodPatch, tapConfigPath, map[string]any{"maximumLifetimeInMinutes": "long"}).
			wantError(t, http.StatusBadRequest, "badRequest", "maximumLifetimeInMinutes")
		a.do(http.MethodPatch, tapConfigPath, map[string]any{"includeTargets": "everyone"}).
			wantError(t, http.StatusBadRequest, "badRequest", "includeTargets")
		a.do(http.MethodPatch, tapConfigPath, map[string]any{"includeTargets": []any{map[string]any{"id": "no-such-group"}}}).
			wantError(t, http.StatusBadRequest, "badRequest", "no-such-group")
		a.do(http.MethodPatch, tapConfigPath, map[string]any{"@odata.type": "#microsoft.graph.fido2AuthenticationMethodConfiguration"}).
			wantError(t, http.StatusBadRequest, "badRequest", "@odata.type")
		a.do(http.MethodPatch, tapConfigPath, `{"state":`).wantError(t, http.StatusBadRequest, "badRequest", "JSON")
		if again := a.get(tapConfigPath).must(t, http.StatusOK); string(again.Raw) != string(after.Raw) {
			t.Fatalf("a refused PATCH changed the policy:\n%s\n%s", after.Raw, again.Raw)
		}

		// The change is audited with before and after.
		audits := a.get("/v1.0/auditLogs/directoryAudits?$filter="+url.QueryEscape("activityDisplayName eq '"+domain.ActivityUpdatePolicy+"'")).
			must(t, http.StatusOK).values(t)
		if len(audits) != 1 {
			t.Fatalf("%d policy audit records, want 1 (refused changes are not changes)", len(audits))
		}
		targets := audits[0]["targetResources"].([]any)
		props := targets[0].(map[string]any)["modifiedProperties"].([]any)
		seen := map[string][2]any{}
		for _, p := range props {
			m := p.(map[string]any)
			seen[m["displayName"].(string)] = [2]any{m["oldValue"], m["newValue"]}
		}
		if seen["maximumLifetimeInMinutes"] != [2]any{"480", "600"} || seen["state"] != [2]any{`"disabled"`, `"enabled"`} {
			t.Fatalf("modifiedProperties: %v", seen)
		}
		if app := audits[0]["initiatedBy"].(map[string]any)["app"].(map[string]any); app["appId"] == nil {
			t.Fatalf("initiatedBy.app: %v", app)
		}

		a.get("/v1.0/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/Sms").wantError(t, http.StatusNotFound, "Request_ResourceNotFound")
		if list := a.get("/v1.0/policies/authenticationMethodsPolicy/authenticationMethodConfigurations").must(t, http.StatusOK).values(t); len(list) != 2 {
			t.Fatalf("configurations: %v", list)
		}

		ro := newAPI(t, env, env.AppToken(t, domain.PermPolicyReadAll))
		ro.get(tapConfigPath).must(t, http.StatusOK)
		ro.do(http.MethodPatch, tapConfigPath, map[string]any{"state": "disabled"}).wantError(t, http.StatusForbidden, "Authorization_RequestDenied")
		none := newAPI(t, env, env.AppToken(t, domain.PermUserReadAll))
		none.get(tapConfigPath).wantError(t, http.StatusForbidden, "Authorization_RequestDenied")
	})
}
