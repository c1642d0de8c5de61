package domain

import (
	"strings"
	"testing"
)

// Text properties refuse what no backend stores alike (invalid UTF-8, NUL) and
// control characters that disguise a name, with a 400 that names the property.
func TestTextPropertiesRefuseControlCharacters(t *testing.T) {
	user := func(f func(*User)) error {
		u := User{UserPrincipalName: "ada@example.com", DisplayName: "Ada"}
		f(&u)
		return u.Validate()
	}
	group := func(f func(*Group)) error {
		g := Group{DisplayName: "Pilots"}
		f(&g)
		return g.Validate()
	}
	app := func(f func(*Application)) error {
		a := Application{DisplayName: "Portal"}
		f(&a)
		return a.Validate()
	}
	passkey := func(name string) error { _, err := ValidatePasskeyName(name); return err }
	for _, c := range []struct {
		name string
		err  error
		want string // "" when valid
	}{
		{"UPN NUL", user(func(u *User) { u.UserPrincipalName = "ada\x00@example.com" }), "userPrincipalName contains the control character U+0000"},
		{"UPN overlong UTF-8", user(func(u *User) { u.UserPrincipalName = "ad\xc0\xaea@example.com" }), "userPrincipalName is not valid UTF-8"},
		{"displayName escape", user(func(u *User) { u.DisplayName = "Ada\x1b[31m" }), "displayName contains the control character U+001B"},
		{"givenName", user(func(u *User) { u.GivenName = "A\x00" }), "givenName"},
		{"surname", user(func(u *User) { u.Surname = "\xff" }), "surname"},
		{"mail", user(func(u *User) { u.Mail = "a\x00@example.com" }), "mail"},
		{"mailNickname", user(func(u *User) { u.MailNickname = "a\x7f" }), "mailNickname"},
		{"jobTitle newline", user(func(u *User) { u.JobTitle = "Pilot\nCaptain" }), "jobTitle contains the control character U+000A"},
		{"department", user(func(u *User) { u.Department = "\u0085" }), "department"},
		{"user in other scripts", user(func(u *User) { u.DisplayName, u.Surname = "Zoë 李 🙂", "Ōtsuka" }), ""},
		{"group displayName", group(func(g *Group) { g.DisplayName = "P\x00" }), "displayName"},
		{"group mailNickname", group(func(g *Group) { g.MailNickname = "p\x01" }), "mailNickname"},
		{"group description NUL", group(func(g *Group) { g.Description = "a\x00" }), "description"},
		{"group description lines", group(func(g *Group) { g.Description = "two\r\nlines\tand a tab" }), ""},
		{"app displayName", app(func(a *Application) { a.DisplayName = "\xc0\xae" }), "displayName is not valid UTF-8"},
		{"app redirect URI", app(func(a *Application) { a.RedirectURIs = []string{"https://rp.example.com/\xff"} }), "redirect URI is not valid UTF-8"},
		{"passkey name", passkey("Key\x00"), "passkey name contains the control character U+0000"},
		{"passkey name ok", passkey("Clé 🔑"), ""},
	} {
		switch {
		case c.want == "" && c.err != nil:
			t.Errorf("%s: %v, want valid", c.name, c.err)
		case c.want != "" && (c.err == nil || KindOf(c.err) != KindInvalid || !strings.Contains(c.err.Error(), c.want)):
			t.Errorf("%s: %v, want an invalid-request error with %q", c.name, c.err, c.want)
		}
	}
}
