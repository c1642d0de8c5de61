package oidc_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/store/storetest"
	"github.com/firstkey/firstkey/internal/testenv"
)

// Refresh tokens rotate; presenting a spent one revokes the whole family,
// the newest refresh token and access token included.
func TestRefreshTokenReuseRevokesFamily(t *testing.T) {
	for _, be := range storetest.Backends() {
		t.Run(be.Name, func(t *testing.T) {
			t.Parallel()
			e := testenv.New(t, be)
			e.EnablePassPolicy(t)
			u := e.CreateUser(t, "ada@example.com")
			pass := e.IssuePass(t, u.ID, false)
			r := newRP(t, e, domain.Application{PublicClient: true})
			userinfo := r.provider.UserInfoEndpoint()

			first := r.tokens(r.signIn(newBrowser(t), u.UserPrincipalName, pass))
			grantID := grantIDOf(t, first.AccessToken)
			second, err := r.refresh(first.RefreshToken)
			if err != nil {
				t.Fatalf("refresh: %v", err)
			}
			if second.RefreshToken == "" || second.RefreshToken == first.RefreshToken || second.AccessToken == first.AccessToken {
				t.Fatal("refresh did not rotate the refresh token or issue a new access token")
			}
			if g := grantIDOf(t, second.AccessToken); g != grantID {
				t.Fatalf("refreshed access token belongs to grant %s, want %s", g, grantID)
			}
			r.idToken(second, u.ID)
			wantBearerStatus(t, "refreshed access token", userinfo, second.AccessToken, http.StatusOK)

			// The spent token again: refused, and the family is revoked.
			tok, err := r.refresh(first.RefreshToken)
			wantOAuthError(t, "reused refresh token", tok, err, http.StatusBadRequest, "invalid_grant")
			tok, err = r.refresh(second.RefreshToken)
			wantOAuthError(t, "newest refresh token of a revoked family", tok, err, http.StatusBadRequest, "invalid_grant")
			wantBearerStatus(t, "newest access token of a revoked family", userinfo, second.AccessToken, http.StatusUnauthorized)
			wantBearerStatus(t, "first access token of a revoked family", userinfo, first.AccessToken, http.StatusUnauthorized)
			wantGrantRevoked(t, e, grantID, "refresh token reused")
			for _, rt := range []string{first.RefreshToken, second.RefreshToken} {
				if strings.Contains(e.Logs(), rt) {
					t.Fatal("the log holds a refresh token")
				}
			}
		})
	}
}

// Tokens obtained with a pass never outlive it: access tokens expire by the
// pass's end, the grant ends with it, and deleting the pass revokes it.
func TestPassBoundsTokens(t *testing.T) {
	for _, be := range storetest.Backends() {
		t.Run(be.Name, func(t *testing.T) {
			t.Parallel()
			e := testenv.New(t, be)
			e.EnablePassPolicy(t)
			ctx := t.Context()
			r := newRP(t, e, domain.Application{PublicClient: true},
				gooidc.ScopeOpenID, "profile", gooidc.ScopeOfflineAccess, scopeAPI)
			userinfo := r.provider.UserInfoEndpoint()
			me := e.URL + "/v1.0/me"
			// The shortest pass the policy allows, and at most an hour: shorter
			// than the access token lifetime, so the cap shows.
			lifetime := max(60, domain.DefaultTAPPolicy().MinimumLifetimeInMinutes)
			multi := false
			issue := func(upn string) (domain.User, domain.TemporaryAccessPass, string) {
				u := e.CreateUser(t, upn)
				p, err := e.Dir.IssuePass(ctx, domain.SystemActor(), u.ID,
					domain.PassRequest{LifetimeInMinutes: &lifetime, IsUsableOnce: &multi})
				if err != nil {
					t.Fatalf("issue pass: %v", err)
				}
				return u, p.TemporaryAccessPass, p.Code
			}

			// Deleting the pass (through the API, as an administrator) revokes the grant.
			bob, bobPass, bobCode := issue("bob@example.com")
			tok := r.tokens(r.signIn(newBrowser(t), bob.UserPrincipalName, bobCode))
			wantBearerStatus(t, "token of a live pass", userinfo, tok.AccessToken, http.StatusOK)
			admin := e.AppToken(t, domain.PermUserAuthenticationMethodReadWrite)
			status, body, _ := bearer(t, http.MethodDelete,
				e.URL+"/v1.0/users/"+bob.ID+"/authentication/temporaryAccessPassMethods/"+bobPass.ID, admin)
			if status != http.StatusNoContent {
				t.Fatalf("delete pass: %d %s", status, body)
			}
			refreshed, err := r.refresh(tok.RefreshToken)
			wantOAuthError(t, "refresh after the pass was deleted", refreshed, err, http.StatusBadRequest, "invalid_grant")
			wantBearerStatus(t, "access token after the pass was deleted", userinfo, tok.AccessToken, http.StatusUnauthorized)
			wantBearerStatus(t, "access token after the pass was deleted", me, tok.AccessToken, http.StatusUnauthorized)
			wantGrantRevoked(t, e, grantIDOf(t, tok.AccessToken), "pass deleted")

			// A pass that runs out ends its grant.
			ada, adaPass, adaCode := issue("ada@example.com")
			passEnd := adaPass.End()
			tok = r.tokens(r.signIn(newBrowser(t), ada.UserPrincipalName, adaCode))
			if exp := int64(jwtClaims(t, tok.AccessToken)["exp"].(float64)); exp > passEnd.Unix() {
				t.Fatalf("access token expires at %v, after the pass (%v)", time.Unix(exp, 0), passEnd)
			}
			g, err := e.Store.GetGrant(ctx, grantIDOf(t, tok.AccessToken))
			if err != nil {
				t.Fatal(err)
			}
			if !g.ExpiresDateTime.Equal(passEnd) || g.PassID != adaPass.ID {
				t.Fatalf("grant ends %v with pass %q, want the pass's end %v and id %s", g.ExpiresDateTime, g.PassID, passEnd, adaPass.ID)
			}
			// Halfway, a refresh still works, and its access token is capped too.
			e.Clock.Advance(time.Duration(lifetime) * time.Minute / 2)
			tok, err = r.refresh(tok.RefreshToken)
			if err != nil {
				t.Fatalf("refresh while the pass lasts: %v", err)
			}
			if exp := int64(jwtClaims(t, tok.AccessToken)["exp"].(float64)); exp > passEnd.Unix() {
				t.Fatalf("refreshed access token expires at %v, after the pass (%v)", time.Unix(exp, 0), passEnd)
			}
			wantBearerStatus(t, "refreshed token while the pass lasts", userinfo, tok.AccessToken, http.StatusOK)

			e.Clock.Set(passEnd.Add(time.Second))
			refreshed, err = r.refresh(tok.RefreshToken)
			wantOAuthError(t, "refresh after the pass ended", refreshed, err, http.StatusBadRequest, "invalid_grant")
			// zitadel checks the token's exp by the real time, which has not
			// reached the pass's end; the grant, checked by firstkey's clock, has.
			wantBearerStatus(t, "access token after the pass ended", userinfo, tok.AccessToken, http.StatusUnauthorized)
			wantBearerStatus(t, "access token after the pass ended", me, tok.AccessToken, http.StatusUnauthorized)
		})
	}
}

// userinfo answers the claims the scopes ask for; introspection tells only
// the owning client about a token; revocation ends the grant.
func TestUserinfoIntrospectionRevocation(t *testing.T) {
	for _, be := range storetest.Backends() {
		t.Run(be.Name, func(t *testing.T) {
			t.Parallel()
			e := testenv.New(t, be)
			e.EnablePassPolicy(t)
			u := e.CreateUser(t, "ada@example.com")
			pass := e.IssuePass(t, u.ID, false)
			owner := newRP(t, e, domain.Application{})
			other := newRP(t, e, domain.Application{})
			b := newBrowser(t)
			ctx := t.Context()
			userinfo := owner.provider.UserInfoEndpoint()

			claimsFor := func(scopes ...string) map[string]any {
				t.Helper()
				tok := owner.tokens(owner.codeFlow(b, owner.withScopes(scopes...), u.UserPrincipalName, pass))
				pass = "" // signed in from now on
				var c map[string]any
				if err := json.Unmarshal([]byte(wantBearerStatus(t, "userinfo", userinfo, tok.AccessToken, http.StatusOK)), &c); err != nil {
					t.Fatalf("userinfo is not JSON: %v", err)
				}
				if c["sub"] != u.ID {
					t.Fatalf("userinfo for %v: sub %v, want %s", scopes, c["sub"], u.ID)
				}
				return c
			}
			for _, c := range []struct {
				scopes        []string
				want, missing []string
			}{
				{[]string{"openid"}, nil, []string{"email", "email_verified", "name", "preferred_username"}},
				{[]string{"openid", "profile"}, []string{"name", "preferred_username"}, []string{"email", "email_verified"}},
				{[]string{"openid", "email"}, []string{"email", "email_verified"}, []string{"name", "preferred_username"}},
				{[]string{"openid", "profile", "email"}, []string{"name", "preferred_username", "email", "email_verified"}, nil},
			} {
				got := claimsFor(c.scopes...)
				for _, k := range c.missing {
					if _, ok := got[k]; ok {
						t.Fatalf("userinfo for %v has %s: %v", c.scopes, k, got)
					}
				}
				want := map[string]any{"name": "ada", "preferred_username": u.UserPrincipalName,
					"email": u.UserPrincipalName, "email_verified": true}
				for _, k := range c.want {
					if got[k] != want[k] {
						t.Fatalf("userinfo for %v: %s = %v, want %v", c.scopes, k, got[k], want[k])
					}
				}
			}

			tok := owner.tokens(owner.signIn(b, u.UserPrincipalName, ""))
			// go-oidc's client reads the same claims.
			info, err := owner.provider.UserInfo(ctx, oauth2.StaticTokenSource(tok))
			if err != nil || info.Subject != u.ID || info.Email != u.UserPrincipalName || !info.EmailVerified {
				t.Fatalf("go-oidc userinfo %+v, %v", info, err)
			}

			introspect := func(clientID, secret string) (int, map[string]any) {
				t.Helper()
				return postForm(t, owner.endpoint("introspection_endpoint"), url.Values{"token": {tok.AccessToken}}, clientID, secret)
			}
			status, in := introspect(owner.app.ClientID, owner.secret)
			if status != http.StatusOK || in["active"] != true || in["sub"] != u.ID || in["client_id"] != owner.app.ClientID ||
				in["scope"] != "openid profile email offline_access" || in["username"] != u.UserPrincipalName {
				t.Fatalf("introspection by the owner: %d %v", status, in)
			}
			status, in = introspect(other.app.ClientID, other.secret)
			if status != http.StatusOK || in["active"] != false || len(in) != 1 {
				t.Fatalf("introspection by another client: %d %v, want only active=false", status, in)
			}
			if status, in = introspect(owner.app.ClientID, "wrong"); status != http.StatusUnauthorized || in["active"] == true {
				t.Fatalf("introspection with a wrong secret: %d %v", status, in)
			}

			// Another client cannot revoke the owner's token.
			revoke := func(clientID, secret string) {
				t.Helper()
				status, body := postForm(t, owner.endpoint("revocation_endpoint"),
					url.Values{"token": {tok.RefreshToken}, "token_type_hint": {"refresh_token"}}, clientID, secret)
				if status != http.StatusOK {
					t.Fatalf("revocation by %s: %d %v", clientID, status, body)
				}
			}
			revoke(other.app.ClientID, other.secret)
			if _, in = introspect(owner.app.ClientID, owner.secret); in["active"] != true {
				t.Fatalf("another client's revocation ended the token: %v", in)
			}

			revoke(owner.app.ClientID, owner.secret)
			if status, in = introspect(owner.app.ClientID, owner.secret); status != http.StatusOK || in["active"] != false {
				t.Fatalf("introspection after revocation: %d %v", status, in)
			}
			wantBearerStatus(t, "access token after revocation", userinfo, tok.AccessToken, http.StatusUnauthorized)
			refreshed, err := owner.refresh(tok.RefreshToken)
			wantOAuthError(t, "refresh after revocation", refreshed, err, http.StatusBadRequest, "invalid_grant")
			wantGrantRevoked(t, e, grantIDOf(t, tok.AccessToken), "revoked by the application")
			wantRevocationBy(t, e, grantIDOf(t, tok.AccessToken), domain.Actor{Type: domain.ActorApp, AppID: owner.app.ClientID, AppName: owner.app.DisplayName})
		})
	}
}

// A person's access token with the API scope calls /v1.0 with that person's
// directory roles; without the scope it is not a token for the API.
func TestDelegatedAPIToken(t *testing.T) {
	for _, be := range storetest.Backends() {
		t.Run(be.Name, func(t *testing.T) {
			t.Parallel()
			e := testenv.New(t, be)
			e.EnablePassPolicy(t)
			root := e.CreateUser(t, "root@example.com", domain.RoleGlobalAdministrator)
			ada := e.CreateUser(t, "ada@example.com")
			rootPass := e.IssuePass(t, root.ID, false)
			adaPass := e.IssuePass(t, ada.ID, false)
			r := newRP(t, e, domain.Application{PublicClient: true})
			api := r.withScopes(gooidc.ScopeOpenID, scopeAPI)
			users := e.URL + "/v1.0/users"

			rootBrowser := newBrowser(t)
			tok := r.tokens(r.codeFlow(rootBrowser, api, root.UserPrincipalName, rootPass))
			c := jwtClaims(t, tok.AccessToken)
			if aud, _ := c["aud"].([]any); !slices.Contains(aud, any("api://firstkey")) || !slices.Contains(aud, any(r.app.ClientID)) {
				t.Fatalf("access token aud %v, want the client and api://firstkey", c["aud"])
			}
			body := wantBearerStatus(t, "Global Administrator's token", users, tok.AccessToken, http.StatusOK)
			if !strings.Contains(body, ada.UserPrincipalName) || !strings.Contains(body, root.UserPrincipalName) {
				t.Fatalf("user list misses users: %s", body)
			}

			adaBrowser := newBrowser(t)
			tok = r.tokens(r.codeFlow(adaBrowser, api, ada.UserPrincipalName, adaPass))
			wantBearerStatus(t, "token of a user without roles", users, tok.AccessToken, http.StatusForbidden)
			wantBearerStatus(t, "token of a user without roles", e.URL+"/v1.0/me", tok.AccessToken, http.StatusOK)

			// An ordinary sign-in's token is for the application only, even an administrator's.
			tok = r.tokens(r.codeFlow(rootBrowser, r.withScopes(gooidc.ScopeOpenID), root.UserPrincipalName, ""))
			if aud := jwtClaims(t, tok.AccessToken)["aud"]; !audIs(aud, r.app.ClientID) {
				t.Fatalf("access token without the API scope has aud %v, want only the client", aud)
			}
			wantBearerStatus(t, "token without the API scope", users, tok.AccessToken, http.StatusUnauthorized)
			wantBearerStatus(t, "token without the API scope", e.URL+"/v1.0/me", tok.AccessToken, http.StatusUnauthorized)
			wantBearerStatus(t, "token without the API scope", r.provider.UserInfoEndpoint(), tok.AccessToken, http.StatusOK)
		})
	}
}

// audIs reports whether an aud claim (a string or an array) is exactly one value.
func audIs(aud any, want string) bool {
	switch a := aud.(type) {
	case string:
		return a == want
	case []any:
		return len(a) == 1 && a[0] == want
	}
	return false
}

// An application gets its own token with x/oauth2's client credentials
// against the discovered token endpoint, and calls the API with it.
func TestClientCredentialsWithOAuth2Library(t *testing.T) {
	for _, be := range storetest.Backends() {
		t.Run(be.Name, func(t *testing.T) {
			t.Parallel()
			e := testenv.New(t, be)
			ctx := t.Context()
			e.CreateUser(t, "ada@example.com")
			provider, err := gooidc.NewProvider(ctx, e.Issuer)
			if err != nil {
				t.Fatalf("discovery: %v", err)
			}
			reader, readerSecret := e.RegisterApp(t, domain.Application{Permissions: []domain.Permission{domain.PermUserReadAll}})
			nobody, nobodySecret := e.RegisterApp(t, domain.Application{})
			users := e.URL + "/v1.0/users"

			for _, c := range []struct {
				style oauth2.AuthStyle
				scope string
			}{
				{oauth2.AuthStyleInHeader, "https://graph.microsoft.com/.default"},
				{oauth2.AuthStyleInParams, scopeAPI},
			} {
				cc := clientcredentials.Config{ClientID: reader.ClientID, ClientSecret: readerSecret,
					TokenURL: provider.Endpoint().TokenURL, Scopes: []string{c.scope}, AuthStyle: c.style}
				tok, err := cc.Token(ctx)
				if err != nil {
					t.Fatalf("client credentials (%v, %s): %v", c.style, c.scope, err)
				}
				claims := jwtClaims(t, tok.AccessToken)
				if claims["idtyp"] != "app" || claims["sub"] != reader.ClientID || !audIs(claims["aud"], "api://firstkey") ||
					!slices.Equal(claims["roles"].([]any), []any{"User.Read.All"}) {
					t.Fatalf("app token claims %v", claims)
				}
				resp, err := cc.Client(ctx).Get(users)
				if err != nil {
					t.Fatal(err)
				}
				var list struct {
					Value []struct{ UserPrincipalName string }
				}
				err = json.NewDecoder(resp.Body).Decode(&list)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK || err != nil || len(list.Value) != 1 || list.Value[0].UserPrincipalName != "ada@example.com" {
					t.Fatalf("GET /v1.0/users with the app token: %d %+v %v", resp.StatusCode, list, err)
				}
			}

			// An application without the permission gets a token, but not the users.
			cc := clientcredentials.Config{ClientID: nobody.ClientID, ClientSecret: nobodySecret,
				TokenURL: provider.Endpoint().TokenURL, Scopes: []string{scopeAPI}, AuthStyle: oauth2.AuthStyleInHeader}
			tok, err := cc.Token(ctx)
			if err != nil {
				t.Fatal(err)
			}
			wantBearerStatus(t, "token of an app without User.Read.All", users, tok.AccessToken, http.StatusForbidden)

			// A wrong secret gets nothing.
			cc.ClientSecret = "wrong"
			tok, err = cc.Token(ctx)
			wantOAuthError(t, "client credentials with a wrong secret", tok, err, http.StatusUnauthorized, "invalid_client")
		})
	}
}
