package conformance

import (
	"errors"
	"testing"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/odata"
	"github.com/firstkey/firstkey/internal/store"
)

var applicationTests = []test{
	{"Application/CRUD", testApplicationCRUD},
	{"Application/ProvisioningToken", testApplicationProvisioningToken},
	{"Application/List", testApplicationList},
	{"Application/SPA", testApplicationSPA},
}

func newApp(id, clientID, name string) domain.Application {
	return domain.Application{
		ID: id, ClientID: clientID, DisplayName: name, SecretHash: "$sha256$abc",
		RedirectURIs:     []string{"https://app.example.com/cb", "http://localhost:8080/cb"},
		Permissions:      []domain.Permission{domain.PermUserReadAll, domain.PermAuditLogReadAll},
		RequiredStrength: domain.StrengthMFA, CreatedDateTime: t0,
	}
}

func storedApp(a domain.Application) domain.Application {
	a.CreatedDateTime = norm(a.CreatedDateTime)
	if a.RedirectURIs == nil {
		a.RedirectURIs = []string{}
	}
	if a.Permissions == nil {
		a.Permissions = []domain.Permission{}
	}
	if a.SPARedirectURIs == nil {
		a.SPARedirectURIs = []string{}
	}
	return a
}

func appID(a domain.Application) string { return a.ID }

func testApplicationCRUD(t *testing.T, s store.Store) {
	a := newApp("a1", "client-1", "Payroll")
	must(t, s.CreateApplication(ctx, a))
	wantErr(t, s.CreateApplication(ctx, newApp("a1", "client-2", "X")), store.ErrAlreadyExists)
	wantErr(t, s.CreateApplication(ctx, newApp("a2", "client-1", "X")), store.ErrAlreadyExists)

	got, err := s.GetApplication(ctx, "a1")
	must(t, err)
	wantEqual(t, got, storedApp(a))
	got, err = s.GetApplicationByClientID(ctx, "client-1")
	must(t, err)
	wantEqual(t, got, storedApp(a))
	_, err = s.GetApplication(ctx, "client-1")
	wantErr(t, err, store.ErrNotFound)
	_, err = s.GetApplicationByClientID(ctx, "a1")
	wantErr(t, err, store.ErrNotFound)

	// A public client with no lists comes back with empty, non-nil lists.
	pub := domain.Application{ID: "a3", ClientID: "client-3", DisplayName: "CLI", PublicClient: true, CreatedDateTime: t0}
	must(t, s.CreateApplication(ctx, pub))
	got, err = s.GetApplication(ctx, "a3")
	must(t, err)
	wantEqual(t, got, storedApp(pub))

	got, err = s.UpdateApplication(ctx, "a1", func(a domain.Application) (domain.Application, error) {
		a.ID = "ignored"
		a.DisplayName = "Payroll 2"
		a.RedirectURIs = []string{"https://new.example.com/cb"}
		a.Permissions = nil
		a.SecretHash = ""
		a.PublicClient = true
		a.RequiredStrength = domain.StrengthPhishingResistant
		a.IDTokenSigningAlg = domain.AlgES256
		return a, nil
	})
	must(t, err)
	want := storedApp(a)
	want.IDTokenSigningAlg = domain.AlgES256
	want.DisplayName, want.RedirectURIs, want.Permissions = "Payroll 2", []string{"https://new.example.com/cb"}, []domain.Permission{}
	want.SecretHash, want.PublicClient, want.RequiredStrength = "", true, domain.StrengthPhishingResistant
	wantEqual(t, got, want)
	got, err = s.GetApplication(ctx, "a1")
	must(t, err)
	wantEqual(t, got, want)

	_, err = s.UpdateApplication(ctx, "a1", func(a domain.Application) (domain.Application, error) {
		a.ClientID = "client-3"
		return a, nil
	})
	wantErr(t, err, store.ErrAlreadyExists)
	errVeto := errors.New("veto")
	_, err = s.UpdateApplication(ctx, "a1", func(a domain.Application) (domain.Application, error) {
		a.DisplayName = "vetoed"
		return a, errVeto
	})
	wantErr(t, err, errVeto)
	_, err = s.UpdateApplication(ctx, "ghost", func(a domain.Application) (domain.Application, error) { return a, nil })
	wantErr(t, err, store.ErrNotFound)
	got, err = s.GetApplication(ctx, "a1")
	must(t, err)
	wantEqual(t, got, want)

	must(t, s.DeleteApplication(ctx, "a1"))
	wantErr(t, s.DeleteApplication(ctx, "a1"), store.ErrNotFound)
	_, err = s.GetApplicationByClientID(ctx, "client-1")
	wantErr(t, err, store.ErrNotFound)
}

func testApplicationList(t *testing.T, s store.Store) {
	must(t, s.CreateApplication(ctx, newApp("a1", "c1", "zeta")))
	must(t, s.CreateApplication(ctx, newApp("a2", "c2", "Alpha")))
	a3 := newApp("a3", "c3", "beta")
	a3.CreatedDateTime = t0.Add(1e9)
	must(t, s.CreateApplication(ctx, a3))

	apps, n, err := s.ListApplications(ctx, store.ListOptions{Count: true})
	must(t, err)
	wantIDs(t, idsOf(apps, appID), []string{"a2", "a3", "a1"})
	wantEqual(t, n, 3)
	wantEqual(t, apps[0], storedApp(newApp("a2", "c2", "Alpha")))

	for _, tc := range []struct {
		filter odata.Expr
		want   []string
	}{
		{odata.Compare{Field: "id", Op: odata.Eq, Value: str("a1")}, []string{"a1"}},
		{odata.Compare{Field: "appId", Op: odata.Eq, Value: str("c3")}, []string{"a3"}},
		{odata.Compare{Field: "displayName", Op: odata.Eq, Value: str("ALPHA")}, []string{"a2"}},
		{odata.Func{Name: "startswith", Field: "displayName", Value: str("Z")}, []string{"a1"}},
		{odata.Compare{Field: "createdDateTime", Op: odata.Gt, Value: dt(t0)}, []string{"a3"}},
	} {
		apps, _, err := s.ListApplications(ctx, store.ListOptions{Filter: tc.filter})
		must(t, err)
		wantIDs(t, idsOf(apps, appID), tc.want)
	}
	apps, _, err = s.ListApplications(ctx, store.ListOptions{OrderBy: []odata.OrderBy{{Field: "appId", Desc: true}}, Top: 2})
	must(t, err)
	wantIDs(t, idsOf(apps, appID), []string{"a3", "a2"})
	_, _, err = s.ListApplications(ctx, store.ListOptions{Filter: odata.Compare{Field: "secretHash", Op: odata.Eq, Value: str("x")}})
	wantUnsupported(t, err, "secretHash")
}

func testApplicationProvisioningToken(t *testing.T, s store.Store) {
	a := newApp("a1", "c1", "HR")
	a.ProvisioningTokenHash = "hash-1"
	must(t, s.CreateApplication(ctx, a))
	must(t, s.CreateApplication(ctx, newApp("a2", "c2", "No token")))
	got, err := s.GetApplicationByProvisioningToken(ctx, "hash-1")
	must(t, err)
	wantEqual(t, got, storedApp(a))
	for _, h := range []string{"", "HASH-1", "hash-2"} {
		_, err = s.GetApplicationByProvisioningToken(ctx, h)
		wantErr(t, err, store.ErrNotFound)
	}
	// A hash belongs to one application.
	dup := newApp("a3", "c3", "Copy")
	dup.ProvisioningTokenHash = "hash-1"
	wantErr(t, s.CreateApplication(ctx, dup), store.ErrAlreadyExists)
	_, err = s.UpdateApplication(ctx, "a2", func(a domain.Application) (domain.Application, error) {
		a.ProvisioningTokenHash = "hash-1"
		return a, nil
	})
	wantErr(t, err, store.ErrAlreadyExists)

	// Replacing the token forgets the old one; clearing it leaves none.
	_, err = s.UpdateApplication(ctx, "a1", func(a domain.Application) (domain.Application, error) {
		a.ProvisioningTokenHash = "hash-2"
		return a, nil
	})
	must(t, err)
	_, err = s.GetApplicationByProvisioningToken(ctx, "hash-1")
	wantErr(t, err, store.ErrNotFound)
	got, err = s.GetApplicationByProvisioningToken(ctx, "hash-2")
	must(t, err)
	wantEqual(t, got.ID, "a1")
	got, err = s.UpdateApplication(ctx, "a1", func(a domain.Application) (domain.Application, error) {
		a.ProvisioningTokenHash = ""
		return a, nil
	})
	must(t, err)
	wantEqual(t, got.ProvisioningTokenHash, "")
	_, err = s.GetApplicationByProvisioningToken(ctx, "hash-2")
	wantErr(t, err, store.ErrNotFound)
	// Applications without a token do not collide with each other.
	must(t, s.CreateApplication(ctx, newApp("a4", "c4", "Also none")))
}

// A single-page application's redirect URIs are kept, and their origins are
// found by SPAOriginRegistered until the application drops them or is deleted.
func testApplicationSPA(t *testing.T, s store.Store) {
	spa := domain.Application{ID: "s1", ClientID: "spa-1", DisplayName: "Dashboard", PublicClient: true, CreatedDateTime: t0,
		SPARedirectURIs: []string{"https://Dash.example.com/cb", "https://dash.example.com:443/silent", "http://localhost:5173/"}}
	must(t, s.CreateApplication(ctx, spa))
	must(t, s.CreateApplication(ctx, newApp("w1", "web-1", "Web")))
	got, err := s.GetApplication(ctx, "s1")
	must(t, err)
	wantEqual(t, got, storedApp(spa))

	registered := func(origin string, want bool) {
		t.Helper()
		ok, err := s.SPAOriginRegistered(ctx, origin)
		must(t, err)
		if ok != want {
			t.Fatalf("SPAOriginRegistered(%q) = %v, want %v", origin, ok, want)
		}
	}
	registered("https://dash.example.com", true)
	registered("http://localhost:5173", true)
	registered("https://app.example.com", false) // a web application's redirect URI is no CORS origin
	registered("http://dash.example.com", false)
	registered("https://dash.example.com:8443", false)

	_, err = s.UpdateApplication(ctx, "s1", func(a domain.Application) (domain.Application, error) {
		a.SPARedirectURIs = []string{"https://new.example.com/cb"}
		return a, nil
	})
	must(t, err)
	registered("https://dash.example.com", false)
	registered("https://new.example.com", true)

	// Another application's origin survives this one's deletion.
	other := domain.Application{ID: "s2", ClientID: "spa-2", DisplayName: "Other", PublicClient: true, CreatedDateTime: t0,
		SPARedirectURIs: []string{"https://new.example.com/other"}}
	must(t, s.CreateApplication(ctx, other))
	must(t, s.DeleteApplication(ctx, "s1"))
	registered("https://new.example.com", true)
	must(t, s.DeleteApplication(ctx, "s2"))
	registered("https://new.example.com", false)

	// A failed creation (a taken client id) leaves no origin behind.
	dup := domain.Application{ID: "s3", ClientID: "web-1", DisplayName: "Dup", PublicClient: true, CreatedDateTime: t0,
		SPARedirectURIs: []string{"https://dup.example.com/cb"}}
	wantErr(t, s.CreateApplication(ctx, dup), store.ErrAlreadyExists)
	registered("https://dup.example.com", false)
}
