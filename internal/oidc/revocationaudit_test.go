package oidc_test

import (
	"testing"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/store"
	"github.com/firstkey/firstkey/internal/testenv"
)

// wantRevocationBy checks who the audit log says revoked a grant: firstkey
// itself when a rule did (a replayed code), the application when it asked
// (RFC 7009) — never the CLI operator, who had nothing to do with it.
func wantRevocationBy(t *testing.T, e *testenv.Env, grantID string, want domain.Actor) {
	t.Helper()
	recs, _, err := e.Store.ListAudits(t.Context(), store.ListOptions{Top: 500})
	if err != nil {
		t.Fatalf("audit log: %v", err)
	}
	for _, r := range recs {
		for _, d := range r.AdditionalDetails {
			if r.ActivityDisplayName == "Revoke application tokens" && d.Key == "GrantId" && d.Value == grantID {
				got := r.InitiatedBy
				if got.Type != want.Type || got.AppID != want.AppID || got.AppName != want.AppName {
					t.Fatalf("revocation of grant %s initiated by %+v, want %+v", grantID, got, want)
				}
				return
			}
		}
	}
	t.Fatalf("no audit record of the revocation of grant %s", grantID)
}
