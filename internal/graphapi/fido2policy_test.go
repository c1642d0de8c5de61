package graphapi_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/testenv"
)

const fido2ConfigPath = "/v1.0/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/Fido2"

func TestFido2Policy(t *testing.T) {
	eachBackend(t, func(t *testing.T, env *testenv.Env) {
		a := newAPI(t, env, env.AppToken(t, domain.PermPolicyReadWriteAuthMethod, domain.PermAuditLogReadAll))

		before := a.get(fido2ConfigPath).must(t, http.StatusOK)
		var got map[string]any
		if err := json.Unmarshal(before.Raw, &got); err != nil {
			t.Fatal(err)
		}
		if !strings.HasSuffix(before.str("@odata.context"), "authenticationMethodConfigurations/$entity") {
			t.Errorf("@odata.context = %q", before.str("@odata.context"))
		}
		delete(got, "@odata.context")
		want := map[string]any{
			"@odata.type": "#microsoft.graph.fido2AuthenticationMethodConfiguration", "id": "Fido2", "state": "enabled",
			"isSelfServiceRegistrationAllowed": true, "isAttestationEnforced": false,
			"keyRestrictions": map[string]any{"isEnforced": false, "enforcementType": "block", "aaGuids": []any{}},
			"includeTargets":  []any{map[string]any{"targetType": "group", "id": "all_users", "isRegistrationRequired": false}},
			"excludeTargets":  []any{}, "userVerification": "required", "revokeTemporaryAccessPassOnFirstPasskey": false,
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("Fido2 configuration:\n got %v\nwant %v", got, want)
		}
		// The id is matched case-insensitively, as Graph does.
		a.get(strings.Replace(fido2ConfigPath, "Fido2", "fido2", 1)).must(t, http.StatusOK)

		// Partial PATCH, with the @odata.type the SDKs send: keyRestrictions is
		// patched property by property, so enforcing keeps the list.
		a.do(http.MethodPatch, fido2ConfigPath, map[string]any{"@odata.type": "#microsoft.graph.fido2AuthenticationMethodConfiguration",
			"isAttestationEnforced": true, "keyRestrictions": map[string]any{"enforcementType": "allow", "aaGuids": []string{strings.ToUpper(yubiKey5)}},
			"revokeTemporaryAccessPassOnFirstPasskey": true, "someFutureProperty": 1}).must(t, http.StatusNoContent)
		a.do(http.MethodPatch, fido2ConfigPath, map[string]any{"keyRestrictions": map[string]any{"isEnforced": true}}).must(t, http.StatusNoContent)
		after := a.get(fido2ConfigPath).must(t, http.StatusOK)
		kr, _ := after.JSON["keyRestrictions"].(map[string]any)
		if after.JSON["isAttestationEnforced"] != true || after.JSON["revokeTemporaryAccessPassOnFirstPasskey"] != true ||
			after.str("state") != "enabled" || after.str("userVerification") != "required" || after.JSON["isSelfServiceRegistrationAllowed"] != true ||
			kr["isEnforced"] != true || kr["enforcementType"] != "allow" || !reflect.DeepEqual(kr["aaGuids"], []any{yubiKey5}) {
			t.Fatalf("after PATCH: %s", after.Raw)
		}

		// Refused changes name the field and change nothing.
		a.do(http.MethodPatch, fido2ConfigPath, map[string]any{"keyRestrictions": map[string]any{"aaGuids": []string{"not-an-aaguid"}}}).
			wantError(t, http.StatusBadRequest, "badRequest", "keyRestrictions.aaGuids", "not-an-aaguid")
		a.do(http.MethodPatch, fido2ConfigPath, map[string]any{"keyRestrictions": map[string]any{"enforcementType": "deny"}, "state": "disabled"}).
			wantError(t, http.StatusBadRequest, "badRequest", "keyRestrictions.enforcementType", "allow", "block")
		a.do(http.MethodPatch, fido2ConfigPath, map[string]any{"keyRestrictions": map[string]any{"aaGuids": []string{}}}).
			wantError(t, http.StatusBadRequest, "badRequest", "keyRestrictions")
		a.do(http.MethodPatch, fido2ConfigPath, map[string]any{"isAttestationEnforced": "yes", "state": "disabled"}).
			wantError(t, http.StatusBadRequest, "badRequest", "isAttestationEnforced", "true or false")
		a.do(http.MethodPatch, fido2ConfigPath, map[string]any{"keyRestrictions": map[string]any{"isEnforced": 1}}).
			wantError(t, http.StatusBadRequest, "badRequest", "keyRestrictions.isEnforced")
		a.do(http.MethodPatch, fido2ConfigPath, map[string]any{"keyRestrictions": map[string]any{"aaGuids": yubiKey5}}).
			wantError(t, http.StatusBadRequest, "badRequest", "keyRestrictions.aaGuids", "array of strings")
		a.do(http.MethodPatch, fido2ConfigPath, map[string]any{"keyRestrictions": "allow"}).
			wantError(t, http.StatusBadRequest, "badRequest", "keyRestrictions")
		a.do(http.MethodPatch, fido2ConfigPath, map[string]any{"userVerification": "discouraged"}).
			wantError(t, http.StatusBadRequest, "badRequest", "userVerification")
		a.do(http.MethodPatch, fido2ConfigPath, map[string]any{"includeTargets": []any{}}).
			wantError(t, http.StatusBadRequest, "badRequest", "includeTargets")
		a.do(http.MethodPatch, fido2ConfigPath, map[string]any{"includeTargets": []any{map[string]any{"id": "no-such-group"}}}).
			wantError(t, http.StatusBadRequest, "badRequest", "no-such-group")
		a.do(http.MethodPatch, fido2ConfigPath, map[string]any{"@odata.type": "#microsoft.graph.temporaryAccessPassAuthenticationMethodConfiguration"}).
			wantError(t, http.StatusBadRequest, "badRequest", "@odata.type")
		a.do(http.MethodPatch, fido2ConfigPath, `{"state":`).wantError(t, http.StatusBadRequest, "badRequest", "JSON")
		if again := a.get(fido2ConfigPath).must(t, http.StatusOK); string(again.Raw) != string(after.Raw) {
			t.Fatalf("a refused PATCH changed the policy:\n%s\n%s", after.Raw, again.Raw)
		}

		// The TAP configuration is untouched, and the policy document shows the change.
		if tap := a.get(tapConfigPath).must(t, http.StatusOK); tap.str("id") != "TemporaryAccessPass" || tap.JSON["isAttestationEnforced"] != nil {
			t.Fatalf("TAP configuration: %s", tap.Raw)
		}
		cfgs, _ := a.get("/v1.0/policies/authenticationMethodsPolicy").must(t, http.StatusOK).JSON["authenticationMethodConfigurations"].([]any)
		if len(cfgs) != 2 || cfgs[0].(map[string]any)["isAttestationEnforced"] != true {
			t.Fatalf("configurations in the policy: %v", cfgs)
		}

		// Each accepted change is audited on the Fido2 target, refused ones not at all.
		audits := a.get("/v1.0/auditLogs/directoryAudits?$filter="+url.QueryEscape("activityDisplayName eq '"+domain.ActivityUpdatePolicy+"'")).
			must(t, http.StatusOK).values(t)
		if len(audits) != 2 {
			t.Fatalf("%d policy audit records, want 2", len(audits))
		}
		for _, rec := range audits {
			if target := rec["targetResources"].([]any)[0].(map[string]any); target["id"] != "Fido2" {
				t.Fatalf("audit target: %v", target)
			}
		}

		ro := newAPI(t, env, env.AppToken(t, domain.PermPolicyReadAll))
		ro.get(fido2ConfigPath).must(t, http.StatusOK)
		ro.do(http.MethodPatch, fido2ConfigPath, map[string]any{"state": "disabled"}).wantError(t, http.StatusForbidden, "Authorization_RequestDenied")
		none := newAPI(t, env, env.AppToken(t, domain.PermUserAuthenticationMethodReadWrite))
		none.get(fido2ConfigPath).wantError(t, http.StatusForbidden, "Authorization_RequestDenied")
		none.do(http.MethodPatch, fido2ConfigPath, map[string]any{"state": "disabled"}).wantError(t, http.StatusForbidden, "Authorization_RequestDenied")
		if final := a.get(fido2ConfigPath).must(t, http.StatusOK); final.str("state") != "enabled" {
			t.Fatalf("a forbidden PATCH changed the state: %s", final.Raw)
		}
	})
}
