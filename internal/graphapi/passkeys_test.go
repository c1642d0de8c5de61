package graphapi_test

import (
	"context"
	"crypto/rand"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/store"
	"github.com/firstkey/firstkey/internal/testenv"
)

const (
	yubiKey5     = "cb69481e-8ff7-4039-93ec-0a2729a154a8"
	unknownModel = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
)

// addPasskey stores a passkey as registration would: a WebAuthn ceremony needs a
// real authenticator, which a test does not have.
func addPasskey(t *testing.T, env *testenv.Env, userID, name, aaguid string, attested bool) domain.Passkey {
	t.Helper()
	cred, pub := make([]byte, 32), make([]byte, 77)
	_, _ = rand.Read(cred)
	_, _ = rand.Read(pub)
	created := env.Clock.Now().Add(-48 * time.Hour).UTC().Truncate(time.Second)
	used := created.Add(24 * time.Hour)
	k := domain.Passkey{
		ID: uuid.NewString(), UserID: userID, CredentialID: cred, PublicKey: pub,
		AttestationType: "none", AttestationLevel: "notAttested", AAGUID: aaguid, SignCount: 7,
		Transports: []string{"internal", "hybrid"}, BackupEligible: true, BackupState: true,
		DisplayName: name, CreatedDateTime: created, LastUsedDateTime: &used,
	}
	if attested {
		k.AttestationType, k.AttestationLevel = "packed", "attested"
		k.Transports, k.BackupEligible, k.BackupState = []string{"usb", "nfc"}, false, false
	}
	if err := env.Store.CreatePasskey(context.Background(), k); err != nil {
		t.Fatalf("store passkey: %v", err)
	}
	return k
}

func keyPath(user string) string { return "/v1.0/users/" + user + "/authentication/fido2Methods" }

const (
	meKeys    = "/v1.0/me/authentication/fido2Methods"
	meMethods = "/v1.0/me/authentication/methods"
	mePasses  = "/v1.0/me/authentication/temporaryAccessPassMethods"
)

func TestPasskeyMethods(t *testing.T) {
	eachBackend(t, func(t *testing.T, env *testenv.Env) {
		env.EnablePassPolicy(t)
		u := env.CreateUser(t, "carol@example.com")
		yk := addPasskey(t, env, u.ID, "Blue security key", yubiKey5, true)
		other := addPasskey(t, env, u.ID, "Phone", unknownModel, false)
		a := methodsAdmin(t, env)

		list := a.get(keyPath("carol%40example.com")).must(t, http.StatusOK)
		items := list.values(t)
		if len(items) != 2 || !strings.HasSuffix(list.str("@odata.context"), "/authentication/fido2Methods") {
			t.Fatalf("list: %s", list.Raw)
		}
		byID := map[string]map[string]any{}
		for _, it := range items {
			if it["@odata.type"] != "#microsoft.graph.fido2AuthenticationMethod" {
				t.Errorf("item without fido2 @odata.type: %v", it)
			}
			byID[it["id"].(string)] = it
		}
		want := map[string]any{"displayName": "Blue security key", "aaGuid": yubiKey5, "model": "YubiKey 5 Series",
			"attestationLevel": "attested", "backupEligible": false, "cloneWarning": false,
			"createdDateTime": yk.CreatedDateTime.Format(time.RFC3339Nano), "lastUsedDateTime": yk.LastUsedDateTime.Format(time.RFC3339Nano)}
		for k, v := range want {
			if byID[yk.ID][k] != v {
				t.Errorf("%s = %v, want %v", k, byID[yk.ID][k], v)
			}
		}
		if certs, ok := byID[yk.ID]["attestationCertificates"].([]any); !ok || len(certs) != 0 {
			t.Errorf("attestationCertificates = %v, want []", byID[yk.ID]["attestationCertificates"])
		}
		o := byID[other.ID]
		if m, present := o["model"]; !present || m != nil || o["attestationLevel"] != "notAttested" || o["backupEligible"] != true {
			t.Errorf("unknown model passkey: %v", o)
		}
		for _, it := range items {
			for _, secret := range []string{"credentialId", "publicKey"} {
				if _, present := it[secret]; present {
					t.Errorf("passkey exposes %s", secret)
				}
			}
		}

		one := a.get(keyPath(u.ID)+"/"+yk.ID).must(t, http.StatusOK)
		if one.str("id") != yk.ID || one.str("displayName") != "Blue security key" || !strings.HasSuffix(one.str("@odata.context"), "fido2Methods/$entity") {
			t.Fatalf("get: %s", one.Raw)
		}
		a.get(keyPath(u.ID)+"/"+uuid.NewString()).wantError(t, http.StatusNotFound, "Request_ResourceNotFound")
		// Another user's passkey is not found under this user.
		someone := env.CreateUser(t, "dave@example.com")
		theirs := addPasskey(t, env, someone.ID, "Dave's key", yubiKey5, true)
		a.get(keyPath(u.ID)+"/"+theirs.ID).wantError(t, http.StatusNotFound, "Request_ResourceNotFound")
		a.do(http.MethodDelete, keyPath(u.ID)+"/"+theirs.ID, nil).wantError(t, http.StatusNotFound, "Request_ResourceNotFound")

		// All methods, polymorphic: passkeys and the pass, each typed.
		a.do(http.MethodPost, passPath(u.ID), map[string]any{}).must(t, http.StatusCreated)
		types := map[string]int{}
		for _, m := range a.get("/v1.0/users/"+u.ID+"/authentication/methods").must(t, http.StatusOK).values(t) {
			types[m["@odata.type"].(string)]++
		}
		if types["#microsoft.graph.fido2AuthenticationMethod"] != 2 || types["#microsoft.graph.temporaryAccessPassAuthenticationMethod"] != 1 || len(types) != 2 {
			t.Fatalf("methods by type: %v", types)
		}

		// Delete: 204, gone, audited as an administrator's deletion.
		a.do(http.MethodDelete, keyPath(u.ID)+"/"+yk.ID, nil).must(t, http.StatusNoContent)
		a.get(keyPath(u.ID)+"/"+yk.ID).wantError(t, http.StatusNotFound, "Request_ResourceNotFound")
		a.do(http.MethodDelete, keyPath(u.ID)+"/"+yk.ID, nil).wantError(t, http.StatusNotFound, "Request_ResourceNotFound")
		if n := len(a.get(keyPath(u.ID)).must(t, http.StatusOK).values(t)); n != 1 {
			t.Fatalf("%d passkeys after delete, want 1", n)
		}
		rec := findAudit(t, env, domain.ActivityAdminDeletedSecurityInfo, yk.ID)
		if rec.TargetUserID() != u.ID || rec.InitiatedBy.Type != domain.ActorApp || detail(rec, "AuthenticationMethod") != "Passkey" {
			t.Fatalf("audit record: %+v", rec)
		}

		a.do(http.MethodDelete, keyPath(u.ID)+"/"+other.ID, nil).must(t, http.StatusNoContent)

		// Wrong method on the collection gets Graph's 405.
		a.do(http.MethodPost, keyPath(u.ID), map[string]any{}).wantError(t, http.StatusMethodNotAllowed, "Request_BadRequest")
	})
}

// findAudit returns the audit record of activity whose PasskeyId or PassId is id.
func findAudit(t *testing.T, env *testenv.Env, activity, id string) domain.AuditRecord {
	t.Helper()
	recs, _, err := env.Store.ListAudits(context.Background(), store.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		if r.ActivityDisplayName == activity && (detail(r, "PasskeyId") == id || detail(r, "PassId") == id) {
			return r
		}
	}
	t.Fatalf("no %q audit record for %s", activity, id)
	return domain.AuditRecord{}
}

func TestPasskeyPermissions(t *testing.T) {
	eachBackend(t, func(t *testing.T, env *testenv.Env) {
		plain := env.CreateUser(t, "plain@example.com")
		userAdmin := env.CreateUser(t, "useradmin@example.com", domain.RoleUserAdministrator)
		authAdmin := env.CreateUser(t, "authadmin@example.com", domain.RoleAuthenticationAdministrator)
		privAdmin := env.CreateUser(t, "privadmin@example.com", domain.RolePrivilegedAuthenticationAdministrator)
		plainKey := addPasskey(t, env, plain.ID, "Laptop", yubiKey5, true)
		adminKey := addPasskey(t, env, userAdmin.ID, "Admin key", yubiKey5, true)

		// Applications: reading needs a methods permission, deleting the write one.
		usersOnly := newAPI(t, env, env.AppToken(t, domain.PermUserReadWriteAll))
		usersOnly.get(keyPath(plain.ID)).wantError(t, http.StatusForbidden, "Authorization_RequestDenied")
		usersOnly.get(keyPath(plain.ID)+"/"+plainKey.ID).wantError(t, http.StatusForbidden, "Authorization_RequestDenied")
		readOnly := newAPI(t, env, env.AppToken(t, domain.PermUserAuthenticationMethodReadAll))
		readOnly.get(keyPath(plain.ID)).must(t, http.StatusOK)
		readOnly.do(http.MethodDelete, keyPath(plain.ID)+"/"+plainKey.ID, nil).wantError(t, http.StatusForbidden, "Authorization_RequestDenied")
		readOnly.get(meKeys).wantError(t, http.StatusBadRequest, "BadRequest", "delegated")

		// A person with no role reads their own methods, not anyone else's.
		me := userAPI(t, env, plain.ID)
		if items := me.get(meKeys).must(t, http.StatusOK).values(t); len(items) != 1 || items[0]["id"] != plainKey.ID {
			t.Fatalf("/me passkeys: %v", items)
		}
		me.get(meKeys+"/"+plainKey.ID).must(t, http.StatusOK)
		me.get(keyPath(plain.ID)).must(t, http.StatusOK)
		if items := me.get(meMethods).must(t, http.StatusOK).values(t); len(items) != 1 || items[0]["@odata.type"] != "#microsoft.graph.fido2AuthenticationMethod" {
			t.Fatalf("/me methods: %v", items)
		}
		me.get(keyPath(userAdmin.ID)).wantError(t, http.StatusForbidden, "Authorization_RequestDenied")
		me.get("/v1.0/users/"+userAdmin.ID+"/authentication/methods").wantError(t, http.StatusForbidden, "Authorization_RequestDenied")
		me.do(http.MethodDelete, keyPath(userAdmin.ID)+"/"+adminKey.ID, nil).wantError(t, http.StatusForbidden, "Authorization_RequestDenied")
		// Someone else's passkey is not one of mine.
		me.get(meKeys+"/"+adminKey.ID).wantError(t, http.StatusNotFound, "Request_ResourceNotFound")
		me.do(http.MethodDelete, meKeys+"/"+adminKey.ID, nil).wantError(t, http.StatusNotFound, "Request_ResourceNotFound")

		// Authentication Administrators may not touch role holders; Privileged ones may.
		aa := userAPI(t, env, authAdmin.ID)
		aa.do(http.MethodDelete, keyPath(userAdmin.ID)+"/"+adminKey.ID, nil).
			wantError(t, http.StatusForbidden, "Authorization_RequestDenied", "User Administrator")
		userAPI(t, env, userAdmin.ID).do(http.MethodDelete, keyPath(plain.ID)+"/"+plainKey.ID, nil).
			wantError(t, http.StatusForbidden, "Authorization_RequestDenied")
		pa := userAPI(t, env, privAdmin.ID)
		pa.do(http.MethodDelete, keyPath(userAdmin.ID)+"/"+adminKey.ID, nil).must(t, http.StatusNoContent)
		rec := findAudit(t, env, domain.ActivityAdminDeletedSecurityInfo, adminKey.ID)
		if rec.InitiatedBy.UserID != privAdmin.ID || rec.TargetUserID() != userAdmin.ID {
			t.Fatalf("audit record: %+v", rec)
		}

		// Deleting one's own last passkey with no usable pass: accepted, as the
		// caller is deliberate, and audited as the user's own act.
		me.do(http.MethodDelete, meKeys+"/"+plainKey.ID, nil).must(t, http.StatusNoContent)
		if items := me.get(meKeys).must(t, http.StatusOK).values(t); len(items) != 0 {
			t.Fatalf("passkeys after deleting the last: %v", items)
		}
		if rec := findAudit(t, env, domain.ActivityUserDeletedSecurityInfo, plainKey.ID); rec.InitiatedBy.UserID != plain.ID {
			t.Fatalf("audit record: %+v", rec)
		}
	})
}

// TestMyPasses checks that people see their own pass but never an expired one,
// which administrators still see until it is purged.
func TestMyPasses(t *testing.T) {
	eachBackend(t, func(t *testing.T, env *testenv.Env) {
		env.EnablePassPolicy(t)
		u := env.CreateUser(t, "erin@example.com")
		stranger := env.CreateUser(t, "frank@example.com")
		a := methodsAdmin(t, env)
		me := userAPI(t, env, u.ID)

		id := a.do(http.MethodPost, passPath(u.ID), map[string]any{"lifetimeInMinutes": 60}).must(t, http.StatusCreated).str("id")
		items := me.get(mePasses).must(t, http.StatusOK).values(t)
		if len(items) != 1 || items[0]["id"] != id || items[0]["temporaryAccessPass"] != nil || items[0]["isUsable"] != true {
			t.Fatalf("/me passes: %v", items)
		}
		me.get(mePasses+"/"+id).must(t, http.StatusOK)
		me.get(passPath(stranger.ID)).wantError(t, http.StatusForbidden, "Authorization_RequestDenied")

		advance(env, 61*time.Minute, a, me)
		if items := me.get(mePasses).must(t, http.StatusOK).values(t); len(items) != 0 {
			t.Fatalf("/me shows an expired pass: %v", items)
		}
		me.get(mePasses+"/"+id).wantError(t, http.StatusNotFound, "Request_ResourceNotFound")
		if items := me.get(meMethods).must(t, http.StatusOK).values(t); len(items) != 0 {
			t.Fatalf("/me methods shows an expired pass: %v", items)
		}
		if items := a.get(passPath(u.ID)).must(t, http.StatusOK).values(t); len(items) != 1 || items[0]["methodUsabilityReason"] != "Expired" {
			t.Fatalf("administrator's view: %v", items)
		}

		// A fresh pass the person deletes themself.
		id = a.do(http.MethodPost, passPath(u.ID), map[string]any{}).must(t, http.StatusCreated).str("id")
		me.do(http.MethodDelete, mePasses+"/"+id, nil).must(t, http.StatusNoContent)
		if items := a.get(passPath(u.ID)).must(t, http.StatusOK).values(t); len(items) != 0 {
			t.Fatalf("passes after the user deleted theirs: %v", items)
		}
		findAudit(t, env, domain.ActivityUserDeletedSecurityInfo, id)
	})
}
