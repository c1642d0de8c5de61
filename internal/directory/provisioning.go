package directory

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/secret"
	"github.com/firstkey/firstkey/internal/store"
)

// ProvisioningTokenPrefix starts every provisioning token, so that people and
// secret scanners can tell one when they see it, and the SCIM endpoint can tell
// it from an access token.
const ProvisioningTokenPrefix = "fkscim_"

// IssueProvisioningToken gives an application a long-lived bearer token for the
// SCIM endpoint, as provisioning clients (Entra ID's "Secret Token", Okta's
// bearer header) expect. It replaces the application's previous token at once;
// it is returned here once and stored only as a hash. The application must be
// confidential and hold Provisioning.ReadWrite.All.
func (s *Service) IssueProvisioningToken(ctx context.Context, actor domain.Actor, ref string) (domain.Application, string, error) {
	if err := actor.Require(domain.ActManageApps); err != nil {
		return domain.Application{}, "", err
	}
	random, err := secret.Token()
	if err != nil {
		return domain.Application{}, "", fmt.Errorf("generate provisioning token: %w", err)
	}
	token := ProvisioningTokenPrefix + random
	app, err := s.setProvisioningToken(ctx, actor, ref, secret.LookupHash(token), func(a domain.Application) error {
		if a.PublicClient {
			return domain.Invalid("Application %s is a public client, which holds no secret.", a.ClientID)
		}
		if !slices.Contains(a.Permissions, domain.PermProvisioningReadWriteAll) {
			return domain.Invalid("Application %s does not hold %s; grant it before issuing a provisioning token.", a.ClientID, domain.PermProvisioningReadWriteAll)
		}
		return nil
	})
	if err != nil {
		return domain.Application{}, "", err
	}
	return app, token, nil
}

// RevokeProvisioningToken withdraws an application's provisioning token; the
// next request that presents it is refused.
func (s *Service) RevokeProvisioningToken(ctx context.Context, actor domain.Actor, ref string) (domain.Application, error) {
	if err := actor.Require(domain.ActManageApps); err != nil {
		return domain.Application{}, err
	}
	return s.setProvisioningToken(ctx, actor, ref, "", func(a domain.Application) error {
		if a.ProvisioningTokenHash == "" {
			return domain.Invalid("Application %s has no provisioning token.", a.ClientID)
		}
		return nil
	})
}

func (s *Service) setProvisioningToken(ctx context.Context, actor domain.Actor, ref, hash string, check func(domain.Application) error) (domain.Application, error) {
	var updated domain.Application
	err := s.store.InTx(ctx, func(tx store.Store) error {
		cur, err := resolveApplication(ctx, tx, ref)
		if err != nil {
			return err
		}
		if err := check(cur); err != nil {
			return err
		}
		if err := checkGrant(actor, cur.Permissions); err != nil {
			return err
		}
		updated, err = tx.UpdateApplication(ctx, cur.ID, func(old domain.Application) (domain.Application, error) {
			old.ProvisioningTokenHash = hash
			return old, nil
		})
		if err != nil {
			return fmt.Errorf("store provisioning token: %w", err)
		}
		change := domain.ModifiedProperty{DisplayName: "KeyDescription", NewValue: "[KeyType=ProvisioningToken,KeyUsage=Verify]"}
		if hash == "" {
			change = domain.ModifiedProperty{DisplayName: "KeyDescription", OldValue: "[KeyType=ProvisioningToken,KeyUsage=Verify]"}
		}
		return s.record(ctx, tx, actor, entry{activity: domain.ActivityUpdateApplicationSecrets, category: domain.CategoryApplicationManagement,
			op: "Update", targets: []domain.AuditTarget{appTarget(updated, change)},
			details: []domain.KeyValue{{Key: "AppId", Value: updated.ClientID}}})
	})
	if err != nil {
		return domain.Application{}, err
	}
	return updated, nil
}

// ProvisioningActor builds the actor for a provisioning token from the
// application's current state, as AppActor does for an access token.
func (s *Service) ProvisioningActor(ctx context.Context, token, ip string) (domain.Actor, error) {
	if !strings.HasPrefix(token, ProvisioningTokenPrefix) {
		return domain.Actor{}, unauthenticated("The provisioning token is not valid.")
	}
	a, err := s.store.GetApplicationByProvisioningToken(ctx, secret.LookupHash(token))
	if errors.Is(err, store.ErrNotFound) {
		return domain.Actor{}, unauthenticated("The provisioning token is not valid; it may have been replaced or revoked.")
	}
	if err != nil {
		return domain.Actor{}, fmt.Errorf("load application of provisioning token: %w", err)
	}
	return domain.Actor{Type: domain.ActorApp, AppID: a.ClientID, AppName: a.DisplayName, Permissions: a.Permissions, IPAddress: ip}, nil
}
