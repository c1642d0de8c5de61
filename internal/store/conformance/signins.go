package conformance

import (
	"testing"
	"time"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/odata"
	"github.com/firstkey/firstkey/internal/store"
)

var signInTests = []test{
	{"SignIn/CreateGet", testSignInCreateGet},
	{"SignIn/ListAndFilter", testSignInList},
}

func signInID(s domain.SignIn) string { return s.ID }

func newSignIn(id string, when time.Time, userID, upn string, code int) domain.SignIn {
	return domain.SignIn{
		ID: id, CreatedDateTime: when, UserID: userID, UserPrincipalName: upn, UserDisplayName: "User " + userID,
		AppID: "app-1", AppDisplayName: "Portal", IPAddress: "192.0.2.10", UserAgent: "test/1.0",
		ErrorCode: code, FailureReason: "", AuthenticationMethod: domain.MethodTemporaryAccess,
		AuthenticationMethodDetail: "p1", AuthenticationRequirement: domain.RequirementMFA,
		Succeeded: code == 0, CorrelationID: "corr-" + id,
	}
}

func testSignInCreateGet(t *testing.T, s store.Store) {
	si := newSignIn("s1", t0, "u1", "Ada@Example.com", domain.SignInPassUsed)
	si.FailureReason = "The pass was already used."
	must(t, s.CreateSignIn(ctx, si))
	wantErr(t, s.CreateSignIn(ctx, si), store.ErrAlreadyExists)
	got, err := s.GetSignIn(ctx, "s1")
	must(t, err)
	si.CreatedDateTime = norm(si.CreatedDateTime)
	wantEqual(t, got, si)
	_, err = s.GetSignIn(ctx, "s2")
	wantErr(t, err, store.ErrNotFound)

	// A sign-in for a name that matched nobody has no user id; it needs no user row.
	unknown := newSignIn("s2", t0, "", "nobody@example.com", domain.SignInUserNotFound)
	must(t, s.CreateSignIn(ctx, unknown))
	got, err = s.GetSignIn(ctx, "s2")
	must(t, err)
	unknown.CreatedDateTime = norm(unknown.CreatedDateTime)
	wantEqual(t, got, unknown)
}

func testSignInList(t *testing.T, s store.Store) {
	ins := []domain.SignIn{
		newSignIn("s1", t0, "u1", "Ada@example.com", 0),
		newSignIn("s2", t0.Add(time.Second), "u2", "bob@example.com", domain.SignInPassInvalid),
		newSignIn("s3", t0.Add(2*time.Second), "u1", "ada@example.com", domain.SignInPassExpired),
		newSignIn("s4", t0.Add(3*time.Second), "", "ghost@example.com", domain.SignInUserNotFound),
	}
	ins[1].AppID = "app-2"
	ins[2].IPAddress = "2001:db8::1"
	for _, si := range ins {
		must(t, s.CreateSignIn(ctx, si))
	}
	got, n, err := s.ListSignIns(ctx, store.ListOptions{Count: true})
	must(t, err)
	wantIDs(t, idsOf(got, signInID), []string{"s4", "s3", "s2", "s1"})
	wantEqual(t, n, 4)

	for _, tc := range []struct {
		name   string
		filter odata.Expr
		want   []string
	}{
		{"id", odata.Compare{Field: "id", Op: odata.Eq, Value: str("s2")}, []string{"s2"}},
		{"time gt", odata.Compare{Field: "createdDateTime", Op: odata.Gt, Value: dt(t0.Add(time.Second))}, []string{"s4", "s3"}},
		{"time le", odata.Compare{Field: "createdDateTime", Op: odata.Le, Value: dt(t0.Add(time.Second))}, []string{"s2", "s1"}},
		{"userId", odata.Compare{Field: "userId", Op: odata.Eq, Value: str("u1")}, []string{"s3", "s1"}},
		{"userId empty", odata.Compare{Field: "userId", Op: odata.Eq, Value: odata.Value{Kind: odata.KindNull}}, []string{"s4"}},
		{"upn any case", odata.Compare{Field: "userPrincipalName", Op: odata.Eq, Value: str("ADA@EXAMPLE.COM")}, []string{"s3", "s1"}},
		{"upn startswith", odata.Func{Name: "startswith", Field: "userPrincipalName", Value: str("Gh")}, []string{"s4"}},
		{"appId", odata.Compare{Field: "appId", Op: odata.Eq, Value: str("app-2")}, []string{"s2"}},
		{"ipAddress", odata.Compare{Field: "ipAddress", Op: odata.Eq, Value: str("2001:db8::1")}, []string{"s3"}},
		{"errorCode eq 0", odata.Compare{Field: "status/errorCode", Op: odata.Eq, Value: num(0)}, []string{"s1"}},
		{"errorCode ne 0", odata.Compare{Field: "status/errorCode", Op: odata.Ne, Value: num(0)}, []string{"s4", "s3", "s2"}},
		{"errorCode gt", odata.Compare{Field: "status/errorCode", Op: odata.Gt, Value: num(domain.SignInPassInvalid)}, []string{"s3"}},
		{"failures of a user", and(odata.Compare{Field: "userId", Op: odata.Eq, Value: str("u1")},
			odata.Compare{Field: "status/errorCode", Op: odata.Ne, Value: num(0)}), []string{"s3"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, n, err := s.ListSignIns(ctx, store.ListOptions{Filter: tc.filter, Count: true})
			must(t, err)
			wantIDs(t, idsOf(got, signInID), tc.want)
			wantEqual(t, n, len(tc.want))
		})
	}
	got, _, err = s.ListSignIns(ctx, store.ListOptions{OrderBy: []odata.OrderBy{{Field: "createdDateTime"}}, Skip: 1, Top: 2})
	must(t, err)
	wantIDs(t, idsOf(got, signInID), []string{"s2", "s3"})

	_, _, err = s.ListSignIns(ctx, store.ListOptions{Filter: odata.Compare{Field: "status/errorCode", Op: odata.Eq, Value: str("0")}})
	wantUnsupported(t, err, "status/errorCode")
	_, _, err = s.ListSignIns(ctx, store.ListOptions{Filter: odata.Compare{Field: "userAgent", Op: odata.Eq, Value: str("x")}})
	wantUnsupported(t, err, "userAgent")
}

func num(n int64) odata.Value { return odata.Value{Kind: odata.KindNumber, Number: n} }
