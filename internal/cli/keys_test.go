package cli_test

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/firstkey/firstkey/internal/cli"
)

// clientToken gets a client credentials token from a running server.
func clientToken(t *testing.T, base, clientID, secret string) (int, string) {
	t.Helper()
	form := url.Values{"grant_type": {"client_credentials"}, "scope": {"https://graph.microsoft.com/.default"}}
	req, _ := http.NewRequest(http.MethodPost, base+"/oauth/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(clientID), url.QueryEscape(secret))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var body struct {
		AccessToken string `json:"access_token"`
	}
	_ = json.NewDecoder(res.Body).Decode(&body)
	return res.StatusCode, body.AccessToken
}

// apiStatus calls the Graph API with a bearer token and returns the status.
func apiStatus(t *testing.T, base, path, token string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, base+path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

func jwksKids(t *testing.T, base string) []string {
	t.Helper()
	res, err := http.Get(base + "/keys")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var set struct {
		Keys []struct {
			Kid string `json:"kid"`
		} `json:"keys"`
	}
	if err := json.NewDecoder(res.Body).Decode(&set); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, k := range set.Keys {
		out = append(out, k.Kid)
	}
	return out
}

func tokenKid(t *testing.T, token string) string {
	t.Helper()
	head, _, _ := strings.Cut(token, ".")
	raw, err := base64.RawURLEncoding.DecodeString(head)
	if err != nil {
		t.Fatal(err)
	}
	var h struct {
		Kid string `json:"kid"`
	}
	if err := json.Unmarshal(raw, &h); err != nil {
		t.Fatal(err)
	}
	return h.Kid
}

type keyOut struct {
	KID, Algorithm, CreatedDateTime, SignsUntil, PublishedUntil, Status string
}

func keyByID(keys []keyOut, kid string) keyOut {
	for _, k := range keys {
		if k.KID == kid {
			return k
		}
	}
	return keyOut{}
}

func sameAlgs(keys []keyOut, algs ...string) bool {
	var got []string
	for _, k := range keys {
		got = append(got, k.Algorithm)
	}
	slices.Sort(got)
	return slices.Equal(got, algs)
}

func TestKeysRotate(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		srv := h.serve("--admin", "boot@example.com")
		app := h.obj("app", "create", "--name", "reader", "--permission", "Application.ReadWrite.All")
		code, before := clientToken(t, srv.base, app["clientId"].(string), app["clientSecret"].(string))
		if code != http.StatusOK || apiStatus(t, srv.base, "/v1.0/applications", before) != http.StatusOK {
			t.Fatalf("token before rotation: %d", code)
		}
		var keys []keyOut
		h.json(&keys, "keys", "list")
		// One key of each algorithm signs: ES256 access tokens, RS256 ID tokens.
		if len(keys) != 2 || keys[0].Status != "signing" || keys[1].Status != "signing" ||
			!sameAlgs(keys, "ES256", "RS256") {
			t.Fatalf("keys before rotation = %+v", keys)
		}
		oldKid := tokenKid(t, before)
		if k := keyByID(keys, oldKid); k.Algorithm != "ES256" {
			t.Fatalf("the access token's key %s is %+v, want the ES256 key", oldKid, k)
		}

		table := h.ok("keys", "rotate")
		wantContains(t, table, "Rotated", "KID", "ALG", "SIGNS UNTIL", "PUBLISHED UNTIL", oldKid, "verifying", "signing", "ES256", "RS256")
		h.json(&keys, "keys", "list")
		if len(keys) != 4 || keys[0].Status != "signing" || keys[1].Status != "signing" || !sameAlgs(keys[:2], "ES256", "RS256") ||
			keys[2].Status != "verifying" || keys[3].Status != "verifying" || keyByID(keys[2:], oldKid).KID != oldKid {
			t.Fatalf("keys after rotation = %+v", keys)
		}
		for _, k := range keys[2:] {
			if k.SignsUntil > keys[0].CreatedDateTime || k.PublishedUntil <= k.SignsUntil {
				t.Fatalf("replaced key %+v", k)
			}
		}
		newKid := keys[0].KID
		if keys[0].Algorithm != "ES256" {
			newKid = keys[1].KID
		}
		if kids := strings.Join(jwksKids(t, srv.base), ","); !strings.Contains(kids, oldKid) || !strings.Contains(kids, newKid) {
			t.Errorf("JWKS lists %s, want %s and %s", kids, oldKid, newKid)
		}
		// A token signed before the rotation still verifies; new ones use the new key.
		if st := apiStatus(t, srv.base, "/v1.0/applications", before); st != http.StatusOK {
			t.Errorf("a token signed before the rotation: %d", st)
		}
		_, after := clientToken(t, srv.base, app["clientId"].(string), app["clientSecret"].(string))
		if tokenKid(t, after) != newKid || apiStatus(t, srv.base, "/v1.0/applications", after) != http.StatusOK {
			t.Errorf("a token after the rotation is signed by %s, want %s", tokenKid(t, after), newKid)
		}

		var rotated []keyOut
		h.json(&rotated, "keys", "rotate")
		if len(rotated) != 6 || rotated[0].Status != "signing" || rotated[1].Status != "signing" ||
			keyByID(rotated[2:4], newKid).Status != "verifying" {
			t.Errorf("keys rotate --output json = %+v", rotated)
		}
		// Every key is in the audit log: the first by the token service itself,
		// the rotations by the operator, each naming the keys it retired.
		var audits []struct {
			ID, ActivityDateTime, Result               string
			ActivityDisplayName, Category, InitiatedBy string
			Targets                                    []string
			AdditionalDetails                          map[string]string
		}
		h.json(&audits, "logs", "audit", "--top", "100")
		var reasons, initiators []string
		for _, a := range audits {
			if a.ActivityDisplayName != "Add token signing key" {
				continue
			}
			if a.Category != "KeyManagement" || len(a.Targets) == 0 {
				t.Errorf("key audit record %+v", a)
			}
			reasons = append(reasons, a.AdditionalDetails["Reason"])
			initiators = append(initiators, a.InitiatedBy)
		}
		if !slices.Equal(reasons, []string{"rotation requested", "rotation requested", "first key"}) {
			t.Errorf("key audit reasons, newest first: %q", reasons)
		}
		if len(initiators) != 3 || !strings.Contains(initiators[0], "firstkey CLI") || !strings.Contains(initiators[2], "token service") {
			t.Errorf("key audit initiators, newest first: %q", initiators)
		}
		if logs := h.ok("logs", "audit", "--top", "100", "--output", "json"); strings.Contains(logs, "PRIVATE") || strings.Contains(logs, `"d"`) {
			t.Error("the audit log holds key material")
		}

		h.fail(cli.ExitUsage, "keys", "rotate", "extra")
		h.fail(cli.ExitUsage, "keys", "list", "--as", "boot@example.com")
		if logs := srv.stderr.String(); strings.Contains(logs, app["clientSecret"].(string)) {
			t.Error("the server log contains the client secret")
		}
	})
}

func TestKeysNeedAnInitialisedDirectory(t *testing.T) {
	h := &harness{t: t, data: t.TempDir()}
	wantContains(t, h.fail(cli.ExitError, "keys", "rotate"), "init")
}
