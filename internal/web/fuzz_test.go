package web_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fxamacker/cbor/v2"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/testenv"
	"github.com/firstkey/firstkey/internal/web"
)

// The fuzz targets here drive the sign-in pages, the signed-in forms and both
// WebAuthn ceremonies in-process, on one firstkey on SQLite per fuzzing process.
// Whatever the input: no answer is a 5xx, nothing is logged as an error, a
// redirect stays on this site, JSON answers are JSON with the error body on
// refusals, and no page shows an input as it was sent when it holds characters
// HTML must escape.

// fuzzWeb is the server and a signed-in browser session on it.
type fuzzWeb struct {
	env    *testenv.FuzzEnv
	origin string // the issuer: the WebAuthn origin and the forms' Origin
	host   string
	seq    atomic.Int64 // numbers the users and device codes inputs create

	// ada is signed in with a multi-use pass, and has a passkey made by key.
	ada            domain.User
	pass           string // the pass's id
	cookie, csrf   string
	key            *softKey
	passkey        string // the passkey's id
	deviceClientID string
}

func newFuzzWeb(f *testing.F) *fuzzWeb {
	f.Helper()
	env := testenv.NewFuzz(f, testenv.Options{Localhost: true, Web: func(c *web.Config) {
		// One address sends every input; the limiter has tests of its own.
		c.SignInRate = web.Rate{Attempts: 1 << 30, Per: time.Hour}
	}})
	env.EnablePassPolicy(f)
	u, err := url.Parse(env.Issuer)
	if err != nil {
		f.Fatal(err)
	}
	w := &fuzzWeb{env: env, origin: env.Issuer, host: u.Host}
	w.ada = env.CreateUser(f, "ada@example.com")
	w.key = newSoftKey(f, env.Issuer)
	w.deviceClientID, _ = env.CreateApp(f)
	w.signIn(f)
	w.registerPasskey(f)
	env.TakeErrors()
	return w
}

// signIn gives ada a new multi-use pass and signs in with it.
func (w *fuzzWeb) signIn(t testing.TB) {
	t.Helper()
	code, id := w.issuePass(t, w.ada.UserPrincipalName)
	res := w.form("/login/tap", url.Values{"username": {w.ada.UserPrincipalName}, "pass": {code}})
	var cookie string
	for _, c := range res.Result().Cookies() {
		if c.Name == web.SessionCookie {
			cookie = c.Value
		}
	}
	if res.Code != http.StatusSeeOther || cookie == "" {
		t.Fatalf("pass sign-in: %d %s", res.Code, res.Body)
	}
	w.pass, w.cookie = id, cookie
	page := w.get("/mysecurityinfo")
	m := csrfInPage.FindStringSubmatch(page.Body.String())
	if page.Code != http.StatusOK || m == nil {
		t.Fatalf("no CSRF token on My Security Info: %d", page.Code)
	}
	w.csrf = m[1]
}

// registerPasskey registers key for ada in her session.
func (w *fuzzWeb) registerPasskey(t testing.TB) {
	t.Helper()
	begin := w.json("/webauthn/register/begin", []byte(`{}`))
	var c struct {
		CeremonyID string          `json:"ceremonyId"`
		Options    json.RawMessage `json:"options"`
	}
	if begin.Code != http.StatusOK || json.Unmarshal(begin.Body.Bytes(), &c) != nil {
		t.Fatalf("register/begin: %d %s", begin.Code, begin.Body)
	}
	body := mustJSON(t, map[string]any{"ceremonyId": c.CeremonyID, "name": "Fuzz key", "credential": w.key.register(t, c.Options)})
	finish := w.json("/webauthn/register/finish", body)
	var out struct {
		ID string `json:"id"`
	}
	if finish.Code != http.StatusCreated || json.Unmarshal(finish.Body.Bytes(), &out) != nil {
		t.Fatalf("register/finish: %d %s", finish.Code, finish.Body)
	}
	w.passkey = out.ID
}

// issuePass gives upn a fresh multi-use pass and returns its code and id.
func (w *fuzzWeb) issuePass(t testing.TB, upn string) (code, id string) {
	t.Helper()
	once := false
	p, err := w.env.Dir.IssuePass(context.Background(), domain.SystemActor(), upn, domain.PassRequest{IsUsableOnce: &once})
	if err != nil {
		t.Fatalf("issue pass: %v", err)
	}
	return p.Code, p.ID
}

// keepSession restores ada's session and passkey when an input ended them, so
// that every input meets a signed-in browser with a passkey.
func (w *fuzzWeb) keepSession(t testing.TB) {
	t.Helper()
	page := w.get("/mysecurityinfo")
	if page.Code != http.StatusOK {
		w.signIn(t)
		page = w.get("/mysecurityinfo")
	}
	if !strings.Contains(page.Body.String(), w.passkey) {
		w.registerPasskey(t)
	}
	w.env.TakeErrors()
}

func (w *fuzzWeb) do(method, target string, body io.Reader, header ...string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, target, body)
	r.Host = w.host
	if w.cookie != "" {
		r.AddCookie(&http.Cookie{Name: web.SessionCookie, Value: w.cookie})
	}
	if method == http.MethodPost {
		r.Header.Set("Origin", w.origin)
		r.Header.Set("Sec-Fetch-Site", "same-origin")
	}
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Set(header[i], header[i+1])
	}
	return w.env.Serve(r)
}

func (w *fuzzWeb) get(target string) *httptest.ResponseRecorder {
	return w.do(http.MethodGet, target, nil)
}

// form posts a form the way the page does, with ada's CSRF token when signed in.
func (w *fuzzWeb) form(path string, v url.Values) *httptest.ResponseRecorder {
	return w.rawForm(path, v.Encode())
}

func (w *fuzzWeb) rawForm(path, body string) *httptest.ResponseRecorder {
	return w.do(http.MethodPost, path, strings.NewReader(body), "Content-Type", "application/x-www-form-urlencoded")
}

// json posts JSON the way the page's script does.
func (w *fuzzWeb) json(path string, body []byte) *httptest.ResponseRecorder {
	return w.do(http.MethodPost, path, strings.NewReader(string(body)), "Content-Type", "application/json", "X-CSRF-Token", w.csrf)
}

// check asserts what holds for every answer of the pages.
func (w *fuzzWeb) check(t *testing.T, what string, res *httptest.ResponseRecorder) {
	t.Helper()
	body := res.Body.String()
	if res.Code >= 500 {
		t.Fatalf("%s: status %d\n%.2000s", what, res.Code, body)
	}
	if errs := w.env.TakeErrors(); len(errs) > 0 {
		t.Fatalf("%s: status %d, but the server logged an error: %s", what, res.Code, strings.Join(errs, "\n"))
	}
	if loc := res.Header().Get("Location"); loc != "" && !onThisSite(loc) {
		t.Fatalf("%s: redirect to %q, off this site", what, loc)
	}
	ct := res.Header().Get("Content-Type")
	switch {
	case strings.HasPrefix(ct, "text/html"):
	case strings.HasPrefix(ct, "application/json"):
		var answer struct {
			Error *struct {
				Code    string `json:"code"`
				Message string `json:"message"`
			} `json:"error"`
			Redirect *string `json:"redirect"`
		}
		if err := json.Unmarshal(res.Body.Bytes(), &answer); err != nil {
			t.Fatalf("%s: status %d with broken JSON: %s", what, res.Code, body)
		}
		if res.Code >= 400 && (answer.Error == nil || answer.Error.Code == "" || answer.Error.Message == "") {
			t.Fatalf("%s: status %d without the error body: %s", what, res.Code, body)
		}
		if answer.Redirect != nil && !onThisSite(*answer.Redirect) {
			t.Fatalf("%s: the script is sent to %q, off this site", what, *answer.Redirect)
		}
	case res.Code >= 300 && res.Code < 400:
	case (res.Code == http.StatusNotFound || res.Code == http.StatusMethodNotAllowed) && strings.HasPrefix(ct, "text/plain"):
		// ServeMux's own answer to a path no route matches, such as an id of
		// a lone escaped slash (/passkeys/%2F/rename), as for any unknown URL.
	default:
		t.Fatalf("%s: status %d with Content-Type %q", what, res.Code, ct)
	}
}

// onThisSite reports whether a redirect target is a path on this server. A
// browser reads "//host" and "/\host" as another host.
func onThisSite(loc string) bool {
	return strings.HasPrefix(loc, "/") && !strings.HasPrefix(loc, "//") && !strings.HasPrefix(loc, `/\`)
}

// checkEscaped fails when an HTML answer shows one of vals as it was sent
// although it holds characters HTML must escape. A value that merely occurs in
// the page's own markup as well (`"`, say) is told apart by sending it again
// with a marker appended: only an unescaped echo shows the marker right after it.
func (w *fuzzWeb) checkEscaped(t *testing.T, what string, res *httptest.ResponseRecorder, vals []string, resend func([]string) *httptest.ResponseRecorder) {
	t.Helper()
	if !strings.HasPrefix(res.Header().Get("Content-Type"), "text/html") {
		return
	}
	for i, v := range vals {
		if !strings.ContainsAny(v, `<>"'`) || !strings.Contains(res.Body.String(), v) {
			continue
		}
		marked := slices.Clone(vals)
		marked[i] = v + "zQj"
		again := resend(marked)
		w.check(t, what+" (marked)", again)
		if strings.Contains(again.Body.String(), marked[i]) {
			t.Fatalf("%s: the page shows %q unescaped:\n%.3000s", what, v, again.Body)
		}
	}
}

// FuzzSignInForms fills in the sign-in pages: the username step (GET /login),
// the pass page (GET /login/pass) and the pass form (POST /login/tap, encoded
// and as raw text). {USER} and {PASS} stand for a fresh user and their pass.
func FuzzSignInForms(f *testing.F) {
	for _, s := range [][3]string{
		{"{USER}", "{PASS}", ""},
		{"{USER}", "{PASS}", "/device?user_code=BCDFGHJK"},
		{"{USER}", "{PASS}", "/authorize/continue?request=00000000-0000-0000-0000-000000000000"},
		{"{USER}", "{PASS}", "/device?user_code=a&user_code=b"},
		{"{USER}", "WRONGPASS", "//evil.example/x"},
		{" {USER} ", " {PASS} ", "https://evil.example/"},
		{"{USER}", "{PASS}{PASS}", `/\evil.example`},
		{"nobody@example.com", "ABCD1234", "/device#fragment"},
		{"", "", ""},
		{" ", "x", "javascript:alert(1)"},
		{"<script>alert(1)</script>@example.com", `"><img src=x onerror=alert(1)>`, `/device?user_code="><svg onload=alert(1)>`},
		{`' onmouseover='alert(1)`, "'", `/authorize/continue?request='"><b>`},
		{"a\x00b@example.com", "\xff\xfe", "/device?%zz"},
		{"ada@example.com&pass=x", "&next=//evil.example", "&username="},
		{strings.Repeat("a", 300) + "@example.com", strings.Repeat("P", 17000), strings.Repeat("/", 600)},
	} {
		f.Add(s[0], s[1], s[2])
	}

	w := newFuzzWeb(f)
	w.cookie = "" // these pages are for people who are not signed in
	f.Fuzz(func(t *testing.T, username, pass, next string) {
		if strings.Contains(username+pass+next, "{USER}") || strings.Contains(username+pass+next, "{PASS}") {
			upn := fmt.Sprintf("person%d@example.com", w.seq.Add(1))
			w.env.CreateUser(t, upn)
			code, _ := w.issuePass(t, upn)
			fill := strings.NewReplacer("{USER}", upn, "{PASS}", code)
			username, pass, next = fill.Replace(username), fill.Replace(pass), fill.Replace(next)
		}
		pages := []struct {
			what string
			send func(v []string) *httptest.ResponseRecorder
		}{
			{"GET /login?username", func(v []string) *httptest.ResponseRecorder {
				return w.get("/login?" + url.Values{"username": {v[0]}, "next": {v[2]}}.Encode())
			}},
			{"GET /login?login_hint", func(v []string) *httptest.ResponseRecorder {
				return w.get("/login?" + url.Values{"login_hint": {v[0]}, "m": {v[1]}, "next": {v[2]}}.Encode())
			}},
			{"GET /login/pass", func(v []string) *httptest.ResponseRecorder {
				return w.get("/login/pass?" + url.Values{"username": {v[0]}, "next": {v[2]}}.Encode())
			}},
			{"POST /login/tap", func(v []string) *httptest.ResponseRecorder {
				return w.form("/login/tap", url.Values{"username": {v[0]}, "pass": {v[1]}, "next": {v[2]}})
			}},
			{"POST /login/tap as raw text", func(v []string) *httptest.ResponseRecorder {
				return w.rawForm("/login/tap", "username="+v[0]+"&pass="+v[1]+"&next="+v[2])
			}},
		}
		vals := []string{username, pass, next}
		for _, p := range pages {
			res := p.send(vals)
			w.check(t, p.what, res)
			w.checkEscaped(t, p.what, res, vals, p.send)
		}
	})
}

// FuzzSignedInForms fills in the forms of a signed-in person: the device code
// page and its answer (GET and POST /device), and renaming and deleting
// passkeys and the pass on My Security Info. {CODE} stands for the user code of
// a fresh device request, {PASSKEY} and {PASS} for the ids of the person's own.
func FuzzSignedInForms(f *testing.F) {
	for _, s := range [][4]string{
		{"{CODE}", "approve", "{PASSKEY}", "Work laptop"},
		{"{CODE}", "deny", "{PASS}", "<b>bold</b>"},
		{"{CODE}", "approve", "{PASSKEY}", `' onfocus='alert(1)`},
		{"bcdf-ghjk", "approve", "00000000-0000-0000-0000-000000000000", ""},
		{"", "", "", "  "},
		{`"><script>alert(1)</script>`, "<x>", "..%2F..%2Fx", `"><script>alert(1)</script>`},
		{"{CODE}{CODE}", "APPROVE", "{PASSKEY}x", strings.Repeat("n", 300)},
		{"\x00\xff", "approve\x00", "%00", "name\x00with\xffbytes"},
		{" {CODE} ", "approve", "{PASSKEY}", "\u202eevil\u202c"},
	} {
		f.Add(s[0], s[1], s[2], s[3])
	}

	w := newFuzzWeb(f)
	f.Fuzz(func(t *testing.T, userCode, action, id, name string) {
		w.keepSession(t)
		if strings.Contains(userCode, "{CODE}") {
			code := fuzzUserCode(w.seq.Add(1))
			if _, err := w.env.Dir.StartDeviceAuthorization(context.Background(), w.deviceClientID,
				"device-"+code, code, []string{"openid"}); err != nil {
				t.Fatalf("start device request: %v", err)
			}
			userCode = strings.ReplaceAll(userCode, "{CODE}", code)
		}
		id = strings.NewReplacer("{PASSKEY}", w.passkey, "{PASS}", w.pass).Replace(id)
		ownPasskey, ownPass := strings.EqualFold(id, w.passkey), strings.EqualFold(id, w.pass)
		escID := url.PathEscape(id)
		// A page that shows the passkey's stored name is checked again by
		// renaming it to the marked name first.
		stored := func(v []string) {
			if v[2] != name {
				w.form("/mysecurityinfo/passkeys/"+w.passkey+"/rename", url.Values{"name": {v[2]}, "csrf": {w.csrf}})
				w.env.TakeErrors()
			}
		}

		forms := []struct {
			what string
			skip bool
			send func(v []string) *httptest.ResponseRecorder
		}{
			{"GET /device", false, func(v []string) *httptest.ResponseRecorder {
				return w.get("/device?" + url.Values{"user_code": {v[0]}}.Encode())
			}},
			{"POST /device", false, func(v []string) *httptest.ResponseRecorder {
				return w.form("/device", url.Values{"user_code": {v[0]}, "action": {v[1]}, "csrf": {w.csrf}})
			}},
			{"POST rename passkey", false, func(v []string) *httptest.ResponseRecorder {
				return w.form("/mysecurityinfo/passkeys/"+escID+"/rename", url.Values{"name": {v[2]}, "csrf": {w.csrf}})
			}},
			// Before the deletions, which may take the renamed passkey away.
			{"GET /mysecurityinfo", false, func(v []string) *httptest.ResponseRecorder {
				stored(v)
				return w.get("/mysecurityinfo")
			}},
			// The person's own passkey is deleted without confirm=1, which asks
			// first (showing its name) when it is the last way in; keepSession
			// registers a new one for the next input.
			{"POST delete passkey", false, func(v []string) *httptest.ResponseRecorder {
				stored(v)
				confirm := "1"
				if ownPasskey {
					confirm = ""
				}
				return w.form("/mysecurityinfo/passkeys/"+escID+"/delete", url.Values{"confirm": {confirm}, "csrf": {w.csrf}})
			}},
			// Deleting the session's own pass would end the session every input needs.
			{"POST delete pass", ownPass, func(v []string) *httptest.ResponseRecorder {
				return w.form("/mysecurityinfo/pass/"+escID+"/delete", url.Values{"csrf": {w.csrf}})
			}},
		}
		vals := []string{userCode, action, name}
		for _, fm := range forms {
			if fm.skip {
				continue
			}
			res := fm.send(vals)
			w.check(t, fm.what, res)
			if fm.what != "POST rename passkey" { // a second rename would only rename again
				w.checkEscaped(t, fm.what, res, vals, fm.send)
			}
		}
	})
}

// fuzzUserCode makes the n-th device user code, in the alphabet devices show.
func fuzzUserCode(n int64) string {
	const letters = "BCDFGHJKLMNPQRSTVWXZ"
	b := make([]byte, 8)
	for i := range b {
		b[len(b)-1-i] = letters[n%int64(len(letters))]
		n /= int64(len(letters))
	}
	return string(b)
}

// Placeholders in the WebAuthn seeds, filled in for each input from a fresh
// ceremony and the registered key. The body names the parts; clientDataJSON,
// authenticatorData and the attestation object are inputs of their own so that
// the fuzzer mutates their bytes rather than their base64.
var (
	rpIDHash = sha256.Sum256([]byte("localhost"))

	loginBody = `{"ceremonyId":"{CEREMONY}","username":"ada@example.com","credential":{"id":"{CREDID}","rawId":"{CREDID}",` +
		`"type":"public-key","clientExtensionResults":{},"response":{"clientDataJSON":"{CLIENTDATA}",` +
		`"authenticatorData":"{AUTHDATA}","signature":"{SIGNATURE}","userHandle":"{USERHANDLE}"}},"next":"/device?user_code=BCDFGHJK"}`
	getClientData    = `{"type":"webauthn.get","challenge":"{CHALLENGE}","origin":"{ORIGIN}","crossOrigin":false}`
	createClientData = `{"type":"webauthn.create","challenge":"{CHALLENGE}","origin":"{ORIGIN}","crossOrigin":false}`
	registerBody     = `{"ceremonyId":"{CEREMONY}","name":"Fuzz key","credential":{"id":"{CREDID}","rawId":"{CREDID}",` +
		`"type":"public-key","clientExtensionResults":{},"response":{"clientDataJSON":"{CLIENTDATA}",` +
		`"attestationObject":"{ATTESTATION}","transports":["internal"]}}}`
)

// assertionData is authenticator data for a sign-in: the RP id hash, flags and
// a signature counter (0: an authenticator that does not count).
func assertionData(flags byte, counter uint32) []byte {
	out := append(append([]byte{}, rpIDHash[:]...), flags)
	return binary.BigEndian.AppendUint32(out, counter)
}

// fuzzCredID is the credential id of the registration seeds; the body's {CREDID}
// is the id inside the input's attestation object when it has one.
var fuzzCredID = []byte("firstkey fuzz credential id 0001")

// attestationObject is a "none" attestation of a P-256 key (the curve's base
// point, a valid public key whose private key is 1: registration never signs).
func attestationObject(t testing.TB, format string, flags byte, alg int, attStmt map[string]any) []byte {
	t.Helper()
	p := elliptic.P256().Params()
	x, y := make([]byte, 32), make([]byte, 32)
	p.Gx.FillBytes(x)
	p.Gy.FillBytes(y)
	cose, err := cbor.Marshal(map[int]any{1: 2, 3: alg, -1: 1, -2: x, -3: y})
	if err != nil {
		t.Fatal(err)
	}
	ad := append(assertionData(flags, 0), make([]byte, 16)...) // zero AAGUID
	ad = binary.BigEndian.AppendUint16(ad, uint16(len(fuzzCredID)))
	ad = append(append(ad, fuzzCredID...), cose...)
	att, err := cbor.Marshal(map[string]any{"fmt": format, "attStmt": attStmt, "authData": ad})
	if err != nil {
		t.Fatal(err)
	}
	return att
}

// beginCeremony starts a ceremony and returns its id and challenge; both are
// empty when begin refused the request (which check has then judged).
func (w *fuzzWeb) beginCeremony(t *testing.T, path string, body []byte) (id, challenge string) {
	t.Helper()
	res := w.json(path, body)
	w.check(t, "POST "+path, res)
	if res.Code != http.StatusOK {
		return "", ""
	}
	var c struct {
		CeremonyID string `json:"ceremonyId"`
		Options    struct {
			PublicKey struct {
				Challenge string `json:"challenge"`
			} `json:"publicKey"`
		} `json:"options"`
	}
	if err := json.Unmarshal(res.Body.Bytes(), &c); err != nil || c.CeremonyID == "" || c.Options.PublicKey.Challenge == "" {
		t.Fatalf("POST %s: 200 without a ceremony: %s", path, res.Body)
	}
	return c.CeremonyID, c.Options.PublicKey.Challenge
}

// FuzzPasskeySignIn answers passkey sign-in ceremonies: each input is sent to
// /webauthn/login/begin (which reads its username), then, with the new
// ceremony's id and challenge filled in, to /webauthn/login/finish. With sign
// set, the assertion is signed by the registered key over the input's
// authenticator data and client data, so inputs reach the checks that follow
// a valid signature.
func FuzzPasskeySignIn(f *testing.F) {
	ad := assertionData(0x05, 0) // user present and verified
	discoverable := strings.Replace(loginBody, `"username":"ada@example.com",`, "", 1)
	for _, s := range []struct {
		body, clientData string
		authData         []byte
		sign             bool
	}{
		{loginBody, getClientData, ad, true},
		{discoverable, getClientData, ad, true},
		{loginBody, getClientData, ad, false},
		{loginBody, getClientData, assertionData(0x01, 0), true}, // not verified
		{loginBody, getClientData, assertionData(0x1d, 7), true}, // synced, counting
		{loginBody, getClientData, assertionData(0x05, 0xffffffff), true},
		{loginBody, getClientData, append(assertionData(0x85, 0), 0xa1, 0x61, 0x78, 0xf5), true}, // extension data
		{loginBody, getClientData, ad[:20], true},
		{loginBody, createClientData, ad, true},
		{loginBody, strings.Replace(getClientData, "{ORIGIN}", "https://evil.example", 1), ad, true},
		{loginBody, strings.Replace(getClientData, "{CHALLENGE}", "AAAA", 1), ad, true},
		{loginBody, strings.Replace(getClientData, "false}", `true,"topOrigin":"https://evil.example"}`, 1), ad, true},
		{loginBody, `{"type":"webauthn.get"`, ad, true},
		{strings.Replace(loginBody, `"{USERHANDLE}"`, `"AAAA"`, 1), getClientData, ad, true},
		{strings.Replace(loginBody, `"{USERHANDLE}"`, `null`, 1), getClientData, ad, true},
		{strings.Replace(loginBody, `"public-key"`, `"password"`, 1), getClientData, ad, true},
		{strings.Replace(loginBody, `/device?user_code=BCDFGHJK`, `//evil.example`, 1), getClientData, ad, true},
		{`{"ceremonyId":"{CEREMONY}","credential":null}`, getClientData, ad, true},
		{`{"ceremonyId":"{CEREMONY}","credential":"x"}`, getClientData, ad, true},
		{`{"ceremonyId":"{CEREMONY}","credential":{"response":{}}}`, getClientData, ad, true},
		{`{"ceremonyId":"00000000-0000-0000-0000-000000000000","credential":{}}`, getClientData, ad, true},
		{`{"username":"<b>x</b>\u0000","ceremonyId":7}`, "", nil, false},
		{`{}`, "", nil, false},
		{`not json`, "", nil, false},
	} {
		f.Add([]byte(s.body), []byte(s.clientData), s.authData, s.sign)
	}

	w := newFuzzWeb(f)
	w.cookie, w.csrf = "", "" // a sign-in comes from a browser without a session
	f.Fuzz(func(t *testing.T, body, clientData, authData []byte, sign bool) {
		ceremony, challenge := w.beginCeremony(t, "/webauthn/login/begin", body)
		cd := []byte(strings.NewReplacer("{CHALLENGE}", challenge, "{ORIGIN}", w.origin).Replace(string(clientData)))
		sig := []byte("not a signature")
		if sign {
			h := sha256.Sum256(cd)
			digest := sha256.Sum256(append(append([]byte{}, authData...), h[:]...))
			var err error
			if sig, err = ecdsa.SignASN1(rand.Reader, w.key.Private, digest[:]); err != nil {
				t.Fatal(err)
			}
		}
		finish := strings.NewReplacer("{CEREMONY}", ceremony, "{CREDID}", b64.EncodeToString(w.key.CredentialID),
			"{CLIENTDATA}", b64.EncodeToString(cd), "{AUTHDATA}", b64.EncodeToString(authData),
			"{SIGNATURE}", b64.EncodeToString(sig), "{USERHANDLE}", b64.EncodeToString(w.key.UserHandle)).Replace(string(body))
		w.check(t, "POST /webauthn/login/finish", w.json("/webauthn/login/finish", []byte(finish)))
	})
}

// FuzzPasskeyRegistration answers passkey registration ceremonies in a signed-in
// session: for each input a ceremony is begun, and the input's body, client
// data and attestation object (CBOR) are sent to /webauthn/register/finish with
// the ceremony's id and challenge filled in. A passkey an input registers is
// deleted again, so that the next input can register the same credential.
func FuzzPasskeyRegistration(f *testing.F) {
	none := attestationObject(f, "none", 0x45, -7, map[string]any{})
	for _, s := range []struct {
		body, clientData string
		attestation      []byte
	}{
		{registerBody, createClientData, none},
		{registerBody, createClientData, attestationObject(f, "none", 0x41, -7, map[string]any{})},   // not verified
		{registerBody, createClientData, attestationObject(f, "none", 0x5d, -7, map[string]any{})},   // synced
		{registerBody, createClientData, attestationObject(f, "none", 0x45, -257, map[string]any{})}, // RS256 with an EC key
		{registerBody, createClientData, attestationObject(f, "packed", 0x45, -7, map[string]any{"alg": -7, "sig": []byte{0x30, 0x00}})},
		{registerBody, createClientData, attestationObject(f, "fido-u2f", 0x45, -7, map[string]any{"x5c": [][]byte{{0x30}}, "sig": []byte{1}})},
		{registerBody, createClientData, attestationObject(f, "tpm", 0x45, -7, map[string]any{"ver": "2.0"})},
		{registerBody, createClientData, attestationObject(f, "none", 0x05, -7, map[string]any{})}, // no attested credential
		{registerBody, createClientData, none[:len(none)/2]},
		{registerBody, getClientData, none},
		{registerBody, strings.Replace(createClientData, "{ORIGIN}", "http://localhost.evil.example", 1), none},
		{strings.Replace(registerBody, `"Fuzz key"`, `"<script>alert(1)</script>"`, 1), createClientData, none},
		{strings.Replace(registerBody, `"Fuzz key"`, `"   "`, 1), createClientData, none},
		{strings.Replace(registerBody, `"Fuzz key"`, `"`+strings.Repeat("k", 300)+`"`, 1), createClientData, none},
		{strings.Replace(registerBody, `["internal"]`, `"usb"`, 1), createClientData, none},
		{`{"ceremonyId":"{CEREMONY}","name":"x","credential":[]}`, createClientData, none},
		{`{"ceremonyId":"{CEREMONY}","name":"x"}`, createClientData, none},
		{`{`, "", nil},
	} {
		f.Add([]byte(s.body), []byte(s.clientData), s.attestation)
	}

	w := newFuzzWeb(f)
	f.Fuzz(func(t *testing.T, body, clientData, attestation []byte) {
		w.keepSession(t)
		ceremony, challenge := w.beginCeremony(t, "/webauthn/register/begin", []byte(`{}`))
		if ceremony == "" {
			t.Fatal("register/begin refused a signed-in person")
		}
		cd := strings.NewReplacer("{CHALLENGE}", challenge, "{ORIGIN}", w.origin).Replace(string(clientData))
		finish := strings.NewReplacer("{CEREMONY}", ceremony, "{CREDID}", b64.EncodeToString(fuzzCredID),
			"{CLIENTDATA}", b64.EncodeToString([]byte(cd)), "{ATTESTATION}", b64.EncodeToString(attestation)).Replace(string(body))
		res := w.json("/webauthn/register/finish", []byte(finish))
		w.check(t, "POST /webauthn/register/finish", res)
		if res.Code == http.StatusCreated {
			var out struct {
				ID string `json:"id"`
			}
			if err := json.Unmarshal(res.Body.Bytes(), &out); err != nil || out.ID == "" {
				t.Fatalf("register/finish: 201 without an id: %s", res.Body)
			}
			if err := w.env.Dir.DeletePasskey(context.Background(), domain.SystemActor(), w.ada.ID, out.ID, true); err != nil {
				t.Fatalf("delete the registered passkey: %v", err)
			}
		}
	})
}
