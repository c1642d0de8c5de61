package directory

import (
	"context"
	"fmt"
	"strings"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/secret"
	"github.com/firstkey/firstkey/internal/store"
)

func appTarget(a domain.Application) domain.AuditTarget {
	return domain.AuditTarget{ID: a.ID, DisplayName: a.DisplayName, Type: "Application"}
}

// CreateApplication registers an OAuth client. A confidential client gets a secret,
// returned here once and stored only as a hash.
func (s *Service) CreateApplication(ctx context.Context, actor domain.Actor, a domain.Application) (domain.Application, string, error) {
	if err := actor.Require(domain.ActManageApps); err != nil {
		return domain.Application{}, "", err
	}
	a.ID, a.ClientID, a.CreatedDateTime = newID(), newID(), s.now()
	if a.Permissions == nil {
		a.Permissions = []domain.Permission{}
	}
	if err := a.Validate(); err != nil {
		return domain.Application{}, "", err
	}
	var clientSecret string
	if !a.PublicClient {
		var err error
		if clientSecret, err = secret.Token(); err != nil {
			return domain.Application{}, "", fmt.Errorf("generate client secret: %w", err)
		}
		if a.SecretHash, err = s.hasher.Hash(clientSecret, 256); err != nil {
			return domain.Application{}, "", fmt.Errorf("hash client secret: %w", err)
		}
	}
	err := s.store.InTx(ctx, func(tx store.Store) error {
		if err := tx.CreateApplication(ctx, a); err != nil {
			return fmt.Errorf("create application: %w", err)
		}
		perms := make([]string, len(a.Permissions))
		for i, p := range a.Permissions {
			perms[i] = string(p)
		}
		return s.record(ctx, tx, actor, entry{activity: domain.ActivityAddApplication, category: domain.CategoryApplicationManagement,
			op: "Add", targets: []domain.AuditTarget{appTarget(a)},
			details: []domain.KeyValue{{Key: "AppId", Value: a.ClientID}, {Key: "Permissions", Value: strings.Join(perms, " ")}}})
	})
	if err != nil {
		return domain.Application{}, "", err
	}
	return a, clientSecret, nil
}

// ResolveApplication finds an application by object id or client id.
func (s *Service) ResolveApplication(ctx context.Context, ref string) (domain.Application, error) {
	ref = strings.ToLower(strings.TrimSpace(ref))
	a, err := s.store.GetApplication(ctx, ref)
	if err == nil {
		return a, nil
	}
	a, err = s.store.GetApplicationByClientID(ctx, ref)
	if err != nil {
		return domain.Application{}, notFound(err, "application", ref)
	}
	return a, nil
}

// GetApplication returns an application by object id or client id.
func (s *Service) GetApplication(ctx context.Context, actor domain.Actor, ref string) (domain.Application, error) {
	if err := actor.Require(domain.ActManageApps); err != nil {
		return domain.Application{}, err
	}
	return s.ResolveApplication(ctx, ref)
}

// ListApplications lists applications.
func (s *Service) ListApplications(ctx context.Context, actor domain.Actor, opts store.ListOptions) ([]domain.Application, int, error) {
	if err := actor.Require(domain.ActManageApps); err != nil {
		return nil, 0, err
	}
	return listResult(s.store.ListApplications(ctx, opts))
}

// DeleteApplication removes an application; its tokens stop working at once
// because every API call looks the application up.
func (s *Service) DeleteApplication(ctx context.Context, actor domain.Actor, ref string) error {
	if err := actor.Require(domain.ActManageApps); err != nil {
		return err
	}
	return s.store.InTx(ctx, func(tx store.Store) error {
		a, err := s.ResolveApplication(ctx, ref)
		if err != nil {
			return err
		}
		if err := tx.DeleteApplication(ctx, a.ID); err != nil {
			return fmt.Errorf("delete application: %w", err)
		}
		return s.record(ctx, tx, actor, entry{activity: domain.ActivityDeleteApplication, category: domain.CategoryApplicationManagement,
			op: "Delete", targets: []domain.AuditTarget{appTarget(a)}})
	})
}
