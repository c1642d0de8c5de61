package directory_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/firstkey/firstkey/internal/directory"
	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/store"
)

func TestDecide(t *testing.T) {
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	passkey := &domain.Session{AMR: []string{domain.AMRHwk, domain.AMRMFA}, AuthTime: now.Add(-time.Hour)}
	pass := &domain.Session{AMR: []string{domain.AMRTap, domain.AMRMFA}, AuthTime: now.Add(-time.Minute)}
	noUV := &domain.Session{AMR: []string{domain.AMRSwk}, AuthTime: now}
	oneTime := &domain.Session{AMR: []string{domain.AMRTap, domain.AMRMFA}, RegistrationOnly: true, AuthTime: now}
	app := func(s domain.Strength) domain.Application { return domain.Application{RequiredStrength: s} }
	dur := func(d time.Duration) *time.Duration { return &d }
	cases := []struct {
		name      string
		sess      *domain.Session
		app       domain.Application
		maxAge    *time.Duration
		requested time.Time
		want      directory.AuthDecision
	}{
		{"nobody", nil, app(""), nil, now, directory.AuthSignIn},
		{"pass, any app", pass, app(""), nil, now, directory.AuthApprove},
		{"pass, mfa app", pass, app(domain.StrengthMFA), nil, now, directory.AuthApprove},
		{"pass, phishing-resistant app", pass, app(domain.StrengthPhishingResistant), nil, now, directory.AuthStepUp},
		{"passkey, phishing-resistant app", passkey, app(domain.StrengthPhishingResistant), nil, now, directory.AuthApprove},
		{"passkey without user verification, mfa app", noUV, app(domain.StrengthMFA), nil, now, directory.AuthStepUp},
		{"one-time pass", oneTime, app(""), nil, now, directory.AuthRegistrationOnly},
		{"max_age satisfied", passkey, app(""), dur(2 * time.Hour), now, directory.AuthApprove},
		{"max_age exceeded", passkey, app(""), dur(30 * time.Minute), now, directory.AuthSignIn},
		{"prompt=login, signed in before the request", pass, app(""), dur(0), now, directory.AuthSignIn},
		{"prompt=login, signed in after the request", pass, app(""), dur(0), now.Add(-2 * time.Minute), directory.AuthApprove},
		{"max_age before strength", pass, app(domain.StrengthPhishingResistant), dur(0), now, directory.AuthSignIn},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := directory.Decide(c.sess, c.app, c.maxAge, c.requested, now); got != c.want {
				t.Fatalf("Decide = %v, want %v", got, c.want)
			}
		})
	}
}

// Housekeeping removes what expired and keeps what is still in use.
func TestHousekeepRemovesExpiredState(t *testing.T) {
	forEachBackend(t, func(t *testing.T, f fixture) {
		ctx := context.Background()
		u := f.user(t, "hk@example.com")
		app, _, err := f.dir.CreateApplication(ctx, sys, domain.Application{DisplayName: "hk", RedirectURIs: []string{"https://rp.example.com/cb"}})
		if err != nil {
			t.Fatal(err)
		}
		old, err := f.dir.CreateAuthRequest(ctx, domain.AuthRequest{ClientID: app.ClientID, RedirectURI: "https://rp.example.com/cb",
			Scopes: []string{"openid"}, ResponseType: "code"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.dir.StartDeviceAuthorization(ctx, app.ClientID, "device-code-old", "BCDF-GHJK", []string{"openid"}); err != nil {
			t.Fatal(err)
		}
		now := f.clock.Now()
		must(t, f.st.CreateGrant(ctx, domain.Grant{ID: "g-old", ClientID: app.ClientID, UserID: u.ID, CreatedDateTime: now,
			ExpiresDateTime: now.Add(time.Hour), AMR: []string{}, Scopes: []string{}}))
		must(t, f.st.CreateCeremony(ctx, domain.Ceremony{ID: "c-old", Kind: "login", Data: []byte("{}"), ExpiresDateTime: now.Add(domain.CeremonyLifetime)}))

		f.clock.Advance(2 * time.Hour)
		fresh, err := f.dir.CreateAuthRequest(ctx, domain.AuthRequest{ClientID: app.ClientID, RedirectURI: "https://rp.example.com/cb",
			Scopes: []string{"openid"}, ResponseType: "code"})
		if err != nil {
			t.Fatal(err)
		}
		if err := f.dir.Housekeep(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := f.st.GetAuthRequest(ctx, old.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("expired auth request: %v", err)
		}
		if _, err := f.st.GetAuthRequest(ctx, fresh.ID); err != nil {
			t.Errorf("live auth request was removed: %v", err)
		}
		if _, err := f.st.GetDeviceAuthorizationByUserCode(ctx, "BCDFGHJK"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("expired device request: %v", err)
		}
		if _, err := f.st.GetGrant(ctx, "g-old"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("expired grant: %v", err)
		}
		if _, err := f.st.TakeCeremony(ctx, "c-old"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("expired ceremony: %v", err)
		}
	})
}

// A public client must use PKCE with S256.
func TestPublicClientNeedsPKCE(t *testing.T) {
	forEachBackend(t, func(t *testing.T, f fixture) {
		ctx := context.Background()
		app, _, err := f.dir.CreateApplication(ctx, sys, domain.Application{DisplayName: "spa", PublicClient: true,
			RedirectURIs: []string{"http://localhost:8080/cb"}})
		if err != nil {
			t.Fatal(err)
		}
		req := domain.AuthRequest{ClientID: app.ClientID, RedirectURI: "http://localhost:8080/cb", Scopes: []string{"openid"}, ResponseType: "code"}
		if _, err := f.dir.CreateAuthRequest(ctx, req); domain.KindOf(err) != domain.KindInvalid {
			t.Fatalf("without PKCE: %v, want a rule violation", err)
		}
		req.CodeChallenge, req.CodeChallengeMethod = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", "S256"
		if _, err := f.dir.CreateAuthRequest(ctx, req); err != nil {
			t.Fatalf("with S256: %v", err)
		}
	})
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
