package conformance

import (
	"testing"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/store"
)

var textTests = []test{
	{"Text/LookupByInvalidTextIsNotFound", testTextLookup},
	{"Text/InvalidTextIsNeverStored", testTextRefused},
	{"Text/UnicodeRoundTrips", testTextRoundTrip},
}

// badText is text no backend stores alike: PostgreSQL refuses it, SQLite would
// keep the bytes.
var badText = []string{"\x00", "ab\x00cd", "\xc0\xae", "\xff\xfe", "\xed\xa0\x80", "ada@exa\xffmple.com"}

// A key that is not valid text names nothing: every lookup says not found,
// the same on every backend, instead of a database error.
func testTextLookup(t *testing.T, s store.Store) {
	createUsers(t, s, newUser("u1", "ada@example.com"))
	for _, k := range badText {
		lookups := map[string]error{}
		_, lookups["GetUser"] = s.GetUser(ctx, k)
		_, lookups["GetUserByUPN"] = s.GetUserByUPN(ctx, k)
		_, lookups["GetGroup"] = s.GetGroup(ctx, k)
		_, lookups["GetApplication"] = s.GetApplication(ctx, k)
		_, lookups["GetApplicationByClientID"] = s.GetApplicationByClientID(ctx, k)
		_, lookups["GetPass"] = s.GetPass(ctx, k)
		_, lookups["GetPasskey"] = s.GetPasskey(ctx, k)
		_, lookups["GetAudit"] = s.GetAudit(ctx, k)
		_, lookups["GetSignIn"] = s.GetSignIn(ctx, k)
		_, lookups["GetSession"] = s.GetSession(ctx, k)
		_, lookups["GetAuthRequest"] = s.GetAuthRequest(ctx, k)
		_, lookups["GetGrant"] = s.GetGrant(ctx, k)
		_, lookups["GetRefreshToken"] = s.GetRefreshToken(ctx, k)
		_, lookups["GetDeviceAuthorizationByUserCode"] = s.GetDeviceAuthorizationByUserCode(ctx, k)
		_, lookups["UpdateUser"] = s.UpdateUser(ctx, k, func(u domain.User) (domain.User, error) { return u, nil })
		lookups["DeleteUser"] = s.DeleteUser(ctx, k)
		lookups["DeleteGroup"] = s.DeleteGroup(ctx, k)
		for name, err := range lookups {
			if err == nil {
				t.Errorf("%s(%q) found something", name, k)
				continue
			}
			wantErr(t, err, store.ErrNotFound)
		}
	}
	got, err := s.GetUser(ctx, "u1")
	must(t, err)
	wantEqual(t, got, stored(newUser("u1", "ada@example.com")))
}

// A write holding text that is not valid UTF-8 or holds a NUL, whether in a
// column or inside a JSON column (jsonb refuses \u0000), is refused with
// ErrInvalidText and stores nothing.
func testTextRefused(t *testing.T, s store.Store) {
	createUsers(t, s, newUser("u1", "ada@example.com"))
	for _, bad := range badText {
		u := newUser("x", "x@example.com")
		u.DisplayName = bad
		wantErr(t, s.CreateUser(ctx, u), store.ErrInvalidText)
		_, err := s.UpdateUser(ctx, "u1", func(u domain.User) (domain.User, error) { u.JobTitle = bad; return u, nil })
		wantErr(t, err, store.ErrInvalidText)
		g := newGroup("g", "Group")
		g.Description = bad
		wantErr(t, s.CreateGroup(ctx, g), store.ErrInvalidText)
		si := newSignIn("s", t0, "u1", "ada@example.com", 0)
		si.UserAgent = "Mozilla " + bad
		wantErr(t, s.CreateSignIn(ctx, si), store.ErrInvalidText)
	}
	// Inside a JSON column (and a userPrincipalName key, which is lower-cased),
	// invalid UTF-8 has already become U+FFFD on the way; a NUL stays, and JSON
	// escapes it as \u0000, which jsonb refuses.
	a := newApp("a", "client-a", "App")
	a.RedirectURIs = []string{"https://rp.example.com/\x00"}
	wantErr(t, s.CreateApplication(ctx, a), store.ErrInvalidText)
	r := newAudit("r", t0, domain.ActivityAddUser, "admin", "admin@example.com", "u1", "ada@example.com")
	r.TargetResources[0].DisplayName = "Ada\x00"
	wantErr(t, s.CreateAudit(ctx, r), store.ErrInvalidText)
	r.TargetResources[0].DisplayName, r.TargetResources[0].UserPrincipalName = "Ada", "ada\x00@example.com"
	wantErr(t, s.CreateAudit(ctx, r), store.ErrInvalidText)
	users, _, err := s.ListUsers(ctx, store.ListOptions{})
	must(t, err)
	if len(users) != 1 || users[0].JobTitle != "" {
		t.Errorf("users after refused writes: %+v", users)
	}
	for name, n := range map[string]func() (int, error){
		"groups":       func() (int, error) { l, _, err := s.ListGroups(ctx, store.ListOptions{}); return len(l), err },
		"applications": func() (int, error) { l, _, err := s.ListApplications(ctx, store.ListOptions{}); return len(l), err },
		"sign-ins":     func() (int, error) { l, _, err := s.ListSignIns(ctx, store.ListOptions{}); return len(l), err },
		"audits":       func() (int, error) { l, _, err := s.ListAudits(ctx, store.ListOptions{}); return len(l), err },
	} {
		got, err := n()
		must(t, err)
		if got != 0 {
			t.Errorf("%d %s stored from refused writes", got, name)
		}
	}
}

// Text that is valid comes back as it went in: other scripts, emoji, combining
// marks, and a backslash followed by u0000 (text, not a NUL) inside JSON.
func testTextRoundTrip(t *testing.T, s store.Store) {
	u := newUser("u1", "zoë@example.com")
	u.DisplayName, u.JobTitle, u.Department = "Zoë 李 🙂", "Ingenieur\u0301", `C:\u0000\dir`
	createUsers(t, s, u)
	got, err := s.GetUserByUPN(ctx, "ZOË@example.com")
	must(t, err)
	wantEqual(t, got, stored(u))

	a := newApp("a1", "client-1", "App")
	a.RedirectURIs = []string{`https://rp.example.com/cb?x=\u0000`, "https://rp.example.com/ünïcode"}
	must(t, s.CreateApplication(ctx, a))
	gotApp, err := s.GetApplication(ctx, "a1")
	must(t, err)
	wantEqual(t, gotApp.RedirectURIs, a.RedirectURIs)
}
