package interop_test

import (
	"testing"

	abstractions "github.com/microsoft/kiota-abstractions-go"
	msgraphcore "github.com/microsoftgraph/msgraph-sdk-go-core"
	"github.com/microsoftgraph/msgraph-sdk-go/models"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/store/storetest"
	"github.com/firstkey/firstkey/internal/testenv"
)

// TestGraphSDKBatchRequestCollection: the Graph SDK for Go's own batching
// (BatchRequestCollection), unmodified, sends requests built by the SDK's request
// builders to firstkey's /v1.0/$batch and reads each answer by its id: users read
// and created, a pass created for one of them, and a refused read.
func TestGraphSDKBatchRequestCollection(t *testing.T) {
	for _, be := range storetest.Backends() {
		t.Run(be.Name, func(t *testing.T) {
			e := testenv.NewWithOptions(t, be, testenv.Options{TLS: true})
			e.EnablePassPolicy(t)
			e.CreateUser(t, "ada@example.com")
			clientID, secret := e.CreateApp(t, domain.PermUserReadWriteAll, domain.PermUserAuthenticationMethodReadWrite)
			client := graphClient(t, e, e.App.Provider().TenantID(), clientID, secret)
			ctx := t.Context()
			adapter := client.GetAdapter()

			batch := msgraphcore.NewBatchRequestCollection(adapter)
			readAda, err := client.Users().ByUserId("ada@example.com").ToGetRequestInformation(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			newUser := models.NewUser()
			upn, name, enabled := "grace@example.com", "Grace Hopper", true
			newUser.SetUserPrincipalName(&upn)
			newUser.SetDisplayName(&name)
			newUser.SetAccountEnabled(&enabled)
			createGrace, err := client.Users().ToPostRequestInformation(ctx, newUser, nil)
			if err != nil {
				t.Fatal(err)
			}
			pass := models.NewTemporaryAccessPassAuthenticationMethod()
			lifetime := int32(120)
			pass.SetLifetimeInMinutes(&lifetime)
			createPass, err := client.Users().ByUserId("ada@example.com").Authentication().TemporaryAccessPassMethods().ToPostRequestInformation(ctx, pass, nil)
			if err != nil {
				t.Fatal(err)
			}
			readNobody, err := client.Users().ByUserId("nobody@example.com").ToGetRequestInformation(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for i, info := range []*abstractions.RequestInformation{readAda, createGrace, createPass, readNobody} {
				item, err := batch.AddBatchRequestStep(*info)
				if err != nil {
					t.Fatalf("request %d: add to batch: %v", i, err)
				}
				ids = append(ids, *item.GetId())
			}
			resp, err := batch.Send(ctx, adapter)
			if err != nil {
				t.Fatalf("send batch: %v", describe(err))
			}
			codes := resp.GetStatusCodes()
			if codes[ids[0]] != 200 || codes[ids[1]] != 201 || codes[ids[2]] != 201 || codes[ids[3]] != 404 {
				t.Fatalf("status codes %v for %v", codes, ids)
			}
			ada, err := msgraphcore.GetBatchResponseById[models.Userable](resp, ids[0], models.CreateUserFromDiscriminatorValue)
			if err != nil || deref(ada.GetUserPrincipalName()) != "ada@example.com" {
				t.Fatalf("read ada from the batch: %v, %v", err, ada)
			}
			grace, err := msgraphcore.GetBatchResponseById[models.Userable](resp, ids[1], models.CreateUserFromDiscriminatorValue)
			if err != nil || deref(grace.GetId()) == "" || deref(grace.GetDisplayName()) != name {
				t.Fatalf("created user from the batch: %v, %v", err, grace)
			}
			tap, err := msgraphcore.GetBatchResponseById[models.TemporaryAccessPassAuthenticationMethodable](resp, ids[2],
				models.CreateTemporaryAccessPassAuthenticationMethodFromDiscriminatorValue)
			// (The SDK's batch item parser drops integers from an answer's body, so
			// the lifetime is read back with an ordinary request.)
			if err != nil || deref(tap.GetTemporaryAccessPass()) == "" {
				t.Fatalf("pass from the batch: %v, %v", err, tap)
			}
			stored, err := client.Users().ByUserId("ada@example.com").Authentication().TemporaryAccessPassMethods().Get(ctx, nil)
			if err != nil || len(stored.GetValue()) != 1 || deref(stored.GetValue()[0].GetLifetimeInMinutes()) != lifetime ||
				deref(stored.GetValue()[0].GetId()) != deref(tap.GetId()) {
				t.Fatalf("the batch's pass read back: %v", describe(err))
			}
			if _, err := msgraphcore.GetBatchResponseById[models.Userable](resp, ids[3], models.CreateUserFromDiscriminatorValue); err == nil {
				t.Error("a 404 in the batch read as a user")
			}
		})
	}
}
