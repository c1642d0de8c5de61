package interop_test

import (
	"strings"
	"testing"

	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/reports"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/store/storetest"
	"github.com/firstkey/firstkey/internal/testenv"
)

// The Graph SDK for Go reads the authentication methods reports with its own
// request builders: the registration details filtered on a method, and the
// two summaries both without arguments (usersRegisteredByMethod()) and with
// them (usersRegisteredByMethod(includedUserTypes='…',includedUserRoles='…')).
func TestGraphSDKReports(t *testing.T) {
	for _, be := range storetest.Backends() {
		t.Run(be.Name, func(t *testing.T) {
			e := testenv.NewWithOptions(t, be, testenv.Options{TLS: true})
			e.EnablePassPolicy(t)
			e.CreateUser(t, "boss@example.com", domain.RoleGlobalAdministrator)
			ada := e.CreateUser(t, "ada@example.com")
			e.CreateUser(t, "bob@example.com")
			e.IssuePass(t, ada.ID, true)
			clientID, secret := e.CreateApp(t, domain.PermAuditLogReadAll)
			client := graphClient(t, e, e.App.Provider().TenantID(), clientID, secret)
			ctx := t.Context()
			am := client.Reports().AuthenticationMethods()

			filter := "methodsRegistered/any(m:m eq 'temporaryAccessPass')"
			details, err := am.UserRegistrationDetails().Get(ctx, &reports.AuthenticationMethodsUserRegistrationDetailsRequestBuilderGetRequestConfiguration{
				QueryParameters: &reports.AuthenticationMethodsUserRegistrationDetailsRequestBuilderGetQueryParameters{Filter: &filter}})
			if err != nil {
				t.Fatalf("userRegistrationDetails: %v", describe(err))
			}
			if v := details.GetValue(); len(v) != 1 || deref(v[0].GetUserPrincipalName()) != "ada@example.com" ||
				deref(v[0].GetIsPasswordlessCapable()) || len(v[0].GetMethodsRegistered()) != 1 ||
				v[0].GetUserType() == nil || v[0].GetUserType().String() != "member" || v[0].GetLastUpdatedDateTime() == nil {
				t.Errorf("registration details filtered on passes: %+v", v)
			}

			byMethod, err := am.UsersRegisteredByMethod().Get(ctx, nil)
			if err != nil {
				t.Fatalf("usersRegisteredByMethod(): %v", describe(err))
			}
			if deref(byMethod.GetTotalUserCount()) != 3 || methodCount(byMethod.GetUserRegistrationMethodCounts(), "temporaryAccessPass") != 1 {
				t.Errorf("usersRegisteredByMethod(): total %d", deref(byMethod.GetTotalUserCount()))
			}
			roles, types := "privilegedAdmin", "all"
			priv, err := am.UsersRegisteredByMethodWithIncludedUserTypesWithIncludedUserRoles(&roles, &types).Get(ctx, nil)
			if err != nil {
				t.Fatalf("usersRegisteredByMethod(includedUserTypes,includedUserRoles): %v", describe(err))
			}
			if deref(priv.GetTotalUserCount()) != 1 || priv.GetUserRoles() == nil || priv.GetUserRoles().String() != "privilegedAdmin" {
				t.Errorf("privileged admins: total %d", deref(priv.GetTotalUserCount()))
			}
			roles, types = "user", "member"
			feat, err := am.UsersRegisteredByFeatureWithIncludedUserTypesWithIncludedUserRoles(&roles, &types).Get(ctx, nil)
			if err != nil {
				t.Fatalf("usersRegisteredByFeature(…): %v", describe(err))
			}
			if deref(feat.GetTotalUserCount()) != 2 || len(feat.GetUserRegistrationFeatureCounts()) != 5 {
				t.Errorf("features of people without a role: total %d, %d features", deref(feat.GetTotalUserCount()), len(feat.GetUserRegistrationFeatureCounts()))
			}
			all, err := am.UsersRegisteredByFeature().Get(ctx, nil)
			if err != nil {
				t.Fatalf("usersRegisteredByFeature(): %v", describe(err))
			}
			if deref(all.GetTotalUserCount()) != 3 {
				t.Errorf("usersRegisteredByFeature(): total %d", deref(all.GetTotalUserCount()))
			}

			// A bad argument is the SDK's typed error, naming it.
			roles = "everyone"
			_, err = am.UsersRegisteredByMethodWithIncludedUserTypesWithIncludedUserRoles(&roles, &types).Get(ctx, nil)
			if err == nil || !containsAll(describe(err).Error(), "badRequest", "includedUserRoles") {
				t.Errorf("a bad includedUserRoles: %v", describe(err))
			}
		})
	}
}

func methodCount(counts []models.UserRegistrationMethodCountable, method string) int64 {
	for _, c := range counts {
		if deref(c.GetAuthenticationMethod()) == method {
			return deref(c.GetUserCount())
		}
	}
	return -1
}

func containsAll(s string, parts ...string) bool {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}
