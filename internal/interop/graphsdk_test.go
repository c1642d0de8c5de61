package interop_test

import (
	"crypto/tls"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	abstractions "github.com/microsoft/kiota-abstractions-go"
	azauth "github.com/microsoft/kiota-authentication-azure-go"
	khttp "github.com/microsoft/kiota-http-go"
	msgraph "github.com/microsoftgraph/msgraph-sdk-go"
	msgraphcore "github.com/microsoftgraph/msgraph-sdk-go-core"
	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/models/odataerrors"
	"github.com/microsoftgraph/msgraph-sdk-go/users"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/store/storetest"
	"github.com/firstkey/firstkey/internal/testenv"
)

// graphClient is what a script written for Entra ID builds, with two changes:
// the authority host and the Graph base URL name firstkey. Everything else is
// the SDKs' own: azidentity's client secret credential (MSAL for Go inside),
// the Graph SDK's default middleware (retries, gzip request bodies, its
// /me rewriting) and its JSON (de)serialisation. The test CA is trusted through
// the SDKs' transport options, as a private CA would be.
func graphClient(t *testing.T, e *testenv.Env, tenantID, clientID, secret string) *msgraph.GraphServiceClient {
	t.Helper()
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.TLSClientConfig = &tls.Config{RootCAs: e.CA.Pool}
	cred, err := azidentity.NewClientSecretCredential(tenantID, clientID, secret, &azidentity.ClientSecretCredentialOptions{
		ClientOptions: azcore.ClientOptions{
			Cloud:     cloud.Configuration{ActiveDirectoryAuthorityHost: e.URL + "/"},
			Transport: &http.Client{Transport: transport},
		},
		DisableInstanceDiscovery: true,
	})
	if err != nil {
		t.Fatalf("azidentity: %v", err)
	}
	u, _ := url.Parse(e.URL)
	auth, err := azauth.NewAzureIdentityAuthenticationProviderWithScopesAndValidHosts(cred,
		[]string{"https://graph.microsoft.com/.default"}, []string{u.Hostname()})
	if err != nil {
		t.Fatalf("Graph authentication provider: %v", err)
	}
	opts := msgraph.GetDefaultClientOptions()
	httpClient := &http.Client{Transport: khttp.NewCustomTransportWithParentTransport(transport,
		msgraphcore.GetDefaultMiddlewaresWithOptions(&opts)...)}
	adapter, err := msgraph.NewGraphRequestAdapterWithParseNodeFactoryAndSerializationWriterFactoryAndHttpClient(auth, nil, nil, httpClient)
	if err != nil {
		t.Fatalf("Graph request adapter: %v", err)
	}
	adapter.SetBaseUrl(e.URL + "/v1.0")
	return msgraph.NewGraphServiceClient(adapter)
}

// A script written for Entra ID runs against firstkey unchanged but for the
// authority host and the base URL: azidentity gets a token from the
// Entra-style authority and the Graph SDK lists users page by page, reads one
// by its userPrincipalName, creates a Temporary Access Pass and reads it back.
func TestAzureIdentityWithGraphSDK(t *testing.T) {
	for _, be := range storetest.Backends() {
		t.Run(be.Name, func(t *testing.T) {
			e := testenv.NewWithOptions(t, be, testenv.Options{TLS: true})
			e.EnablePassPolicy(t)
			ada := e.CreateUser(t, "ada@example.com")
			for _, upn := range []string{"grace@example.com", "alan@example.com"} {
				e.CreateUser(t, upn)
			}
			clientID, secret := e.CreateApp(t, domain.PermUserReadAll, domain.PermUserAuthenticationMethodReadWrite)
			tenant := e.App.Provider().TenantID()
			client := graphClient(t, e, tenant, clientID, secret)
			ctx := t.Context()

			// Two users a page: the page iterator follows @odata.nextLink.
			top := int32(2)
			page, err := client.Users().Get(ctx, &users.UsersRequestBuilderGetRequestConfiguration{
				QueryParameters: &users.UsersRequestBuilderGetQueryParameters{Top: &top}})
			if err != nil {
				t.Fatalf("list users: %v", describe(err))
			}
			it, err := msgraphcore.NewPageIterator[models.Userable](page, client.GetAdapter(), models.CreateUserCollectionResponseFromDiscriminatorValue)
			if err != nil {
				t.Fatalf("page iterator: %v", err)
			}
			var upns []string
			if err := it.Iterate(ctx, func(u models.Userable) bool {
				upns = append(upns, deref(u.GetUserPrincipalName()))
				return true
			}); err != nil {
				t.Fatalf("iterate users: %v", describe(err))
			}
			slices.Sort(upns)
			if want := []string{"ada@example.com", "alan@example.com", "grace@example.com"}; !slices.Equal(upns, want) {
				t.Fatalf("users %v, want %v", upns, want)
			}

			// The SDK percent-encodes the @ of a userPrincipalName in the path.
			got, err := client.Users().ByUserId("ada@example.com").Get(ctx, nil)
			if err != nil {
				t.Fatalf("get user by UPN: %v", describe(err))
			}
			if deref(got.GetId()) != ada.ID {
				t.Fatalf("user by UPN has id %s, want %s", deref(got.GetId()), ada.ID)
			}

			body := models.NewTemporaryAccessPassAuthenticationMethod()
			lifetime, once := int32(60), true
			body.SetLifetimeInMinutes(&lifetime)
			body.SetIsUsableOnce(&once)
			passes := client.Users().ByUserId(ada.ID).Authentication().TemporaryAccessPassMethods()
			created, err := passes.Post(ctx, body, nil)
			if err != nil {
				t.Fatalf("create pass: %v", describe(err))
			}
			if code := deref(created.GetTemporaryAccessPass()); len(code) < 8 {
				t.Fatalf("created pass has code %q", code)
			}
			if deref(created.GetLifetimeInMinutes()) != 60 || !deref(created.GetIsUsableOnce()) || created.GetStartDateTime() == nil {
				t.Errorf("created pass: lifetime %d, once %v, start %v", deref(created.GetLifetimeInMinutes()),
					deref(created.GetIsUsableOnce()), created.GetStartDateTime())
			}
			read, err := passes.ByTemporaryAccessPassAuthenticationMethodId(deref(created.GetId())).Get(ctx, nil)
			if err != nil {
				t.Fatalf("read pass: %v", describe(err))
			}
			if deref(read.GetId()) != deref(created.GetId()) || read.GetTemporaryAccessPass() != nil {
				t.Errorf("read pass %s (code shown: %v), want %s without its code", deref(read.GetId()), read.GetTemporaryAccessPass() != nil, deref(created.GetId()))
			}
			if start := read.GetStartDateTime(); start == nil || time.Since(*start) > time.Hour || !deref(read.GetIsUsable()) {
				t.Errorf("read pass: start %v, usable %v", start, deref(read.GetIsUsable()))
			}
			list, err := passes.Get(ctx, nil)
			if err != nil {
				t.Fatalf("list passes: %v", describe(err))
			}
			if v := list.GetValue(); len(v) != 1 || deref(v[0].GetId()) != deref(created.GetId()) {
				t.Errorf("listed passes: %d", len(v))
			}

			// All of ada's methods: the SDK picks each one's type by @odata.type.
			methods, err := client.Users().ByUserId(ada.ID).Authentication().Methods().Get(ctx, nil)
			if err != nil {
				t.Fatalf("list methods: %v", describe(err))
			}
			var typed bool
			for _, m := range methods.GetValue() {
				if tap, ok := m.(models.TemporaryAccessPassAuthenticationMethodable); ok && deref(tap.GetId()) == deref(created.GetId()) {
					typed = deref(tap.GetLifetimeInMinutes()) == 60
				}
			}
			if !typed {
				t.Errorf("the methods list does not give the pass as a temporaryAccessPassAuthenticationMethod")
			}

			// Deleted, the pass is gone, and the SDK reads Graph's error.
			item := passes.ByTemporaryAccessPassAuthenticationMethodId(deref(created.GetId()))
			if err := item.Delete(ctx, nil); err != nil {
				t.Fatalf("delete pass: %v", describe(err))
			}
			_, err = item.Get(ctx, nil)
			var odataErr *odataerrors.ODataError
			if !errors.As(err, &odataErr) || odataErr.ResponseStatusCode != http.StatusNotFound || odataErr.GetErrorEscaped() == nil ||
				deref(odataErr.GetErrorEscaped().GetCode()) == "" {
				t.Errorf("read a deleted pass: %v, want a 404 ODataError with a code", describe(err))
			}

			// azidentity went the Entra way: the tenant's discovery, then its token endpoint.
			logs := e.Logs()
			for _, path := range []string{"/v2.0/.well-known/openid-configuration", "/oauth2/v2.0/token"} {
				if !strings.Contains(logs, `"path":"/`+tenant+path+`","status":200`) {
					t.Errorf("azidentity did not use %s of the tenant authority", path)
				}
			}
		})
	}
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// describe adds the Graph error's code and message, which the SDK's error
// value does not print.
func describe(err error) error {
	var odataErr *odataerrors.ODataError
	if errors.As(err, &odataErr) && odataErr.GetErrorEscaped() != nil {
		e := odataErr.GetErrorEscaped()
		return &graphError{err: err, code: deref(e.GetCode()), message: deref(e.GetMessage())}
	}
	return err
}

type graphError struct {
	err           error
	code, message string
}

func (g *graphError) Error() string { return g.err.Error() + ": " + g.code + ": " + g.message }

// The rest of a typical onboarding script, through the same SDK: find people
// with $filter and $count (ConsistencyLevel: eventual), create a person and a
// group, add the person with members/$ref, read the members back as users,
// read the pass policy as its own type and change it, and delete the person.
func TestGraphSDKOnboardingScript(t *testing.T) {
	for _, be := range storetest.Backends() {
		t.Run(be.Name, func(t *testing.T) {
			e := testenv.NewWithOptions(t, be, testenv.Options{TLS: true})
			e.CreateUser(t, "ada@example.com")
			e.CreateUser(t, "alan@example.com")
			e.CreateUser(t, "grace@example.com")
			clientID, secret := e.CreateApp(t, domain.PermUserReadWriteAll, domain.PermGroupReadWriteAll,
				domain.PermPolicyReadAll, domain.PermPolicyReadWriteAuthMethod)
			client := graphClient(t, e, e.App.Provider().TenantID(), clientID, secret)
			ctx := t.Context()

			filter, count := "startswith(userPrincipalName,'a')", true
			headers := abstractions.NewRequestHeaders()
			headers.Add("ConsistencyLevel", "eventual")
			found, err := client.Users().Get(ctx, &users.UsersRequestBuilderGetRequestConfiguration{Headers: headers,
				QueryParameters: &users.UsersRequestBuilderGetQueryParameters{Filter: &filter, Count: &count,
					Select: []string{"id", "userPrincipalName"}}})
			if err != nil {
				t.Fatalf("filter users: %v", describe(err))
			}
			if len(found.GetValue()) != 2 || deref(found.GetOdataCount()) != 2 {
				t.Errorf("filter found %d users, count %d, want 2 and 2", len(found.GetValue()), deref(found.GetOdataCount()))
			}

			nu := models.NewUser()
			upn, name, nick, enabled := "bob@example.com", "Bob", "bob", true
			nu.SetUserPrincipalName(&upn)
			nu.SetDisplayName(&name)
			nu.SetMailNickname(&nick)
			nu.SetAccountEnabled(&enabled)
			bob, err := client.Users().Post(ctx, nu, nil)
			if err != nil {
				t.Fatalf("create user: %v", describe(err))
			}
			ng := models.NewGroup()
			gname, gnick, security, mail := "Pilots", "pilots", true, false
			ng.SetDisplayName(&gname)
			ng.SetMailNickname(&gnick)
			ng.SetSecurityEnabled(&security)
			ng.SetMailEnabled(&mail)
			group, err := client.Groups().Post(ctx, ng, nil)
			if err != nil {
				t.Fatalf("create group: %v", describe(err))
			}
			ref := models.NewReferenceCreate()
			odataID := e.URL + "/v1.0/directoryObjects/" + deref(bob.GetId())
			ref.SetOdataId(&odataID)
			if err := client.Groups().ByGroupId(deref(group.GetId())).Members().Ref().Post(ctx, ref, nil); err != nil {
				t.Fatalf("add member: %v", describe(err))
			}
			members, err := client.Groups().ByGroupId(deref(group.GetId())).Members().Get(ctx, nil)
			if err != nil {
				t.Fatalf("list members: %v", describe(err))
			}
			if v := members.GetValue(); len(v) != 1 || deref(v[0].GetId()) != deref(bob.GetId()) {
				t.Errorf("members: %d", len(v))
			} else if _, isUser := v[0].(models.Userable); !isUser {
				t.Errorf("the member is a %T, want a user (by @odata.type)", v[0])
			}

			configs := client.Policies().AuthenticationMethodsPolicy().AuthenticationMethodConfigurations()
			got, err := configs.ByAuthenticationMethodConfigurationId("TemporaryAccessPass").Get(ctx, nil)
			if err != nil {
				t.Fatalf("get pass policy: %v", describe(err))
			}
			if _, ok := got.(models.TemporaryAccessPassAuthenticationMethodConfigurationable); !ok {
				t.Fatalf("pass policy is a %T", got)
			}
			upd := models.NewTemporaryAccessPassAuthenticationMethodConfiguration()
			lifetime := int32(120)
			upd.SetDefaultLifetimeInMinutes(&lifetime)
			if _, err := configs.ByAuthenticationMethodConfigurationId("TemporaryAccessPass").Patch(ctx, upd, nil); err != nil {
				t.Fatalf("change pass policy: %v", describe(err))
			}
			got, err = configs.ByAuthenticationMethodConfigurationId("TemporaryAccessPass").Get(ctx, nil)
			if tap, ok := got.(models.TemporaryAccessPassAuthenticationMethodConfigurationable); err != nil || !ok || deref(tap.GetDefaultLifetimeInMinutes()) != 120 {
				t.Errorf("pass policy after the change: %v %v", got, describe(err))
			}

			if err := client.Users().ByUserId(deref(bob.GetId())).Delete(ctx, nil); err != nil {
				t.Fatalf("delete user: %v", describe(err))
			}
		})
	}
}
