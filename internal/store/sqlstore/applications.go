package sqlstore

import (
	"context"
	"fmt"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/odata"
	"github.com/firstkey/firstkey/internal/store"
)

const applicationColumns = `id, client_id, display_name, secret_hash, public_client,
	redirect_uris, permissions, required_strength, created_at, provisioning_token_hash, spa_redirect_uris,
	secret_key_id, secret_hint, secret_display_name, secret_created_at, id_token_signed_response_alg`

var applicationFilter = filterSpec{fields: map[string]field{
	"id":              {col: "id", typ: exactField},
	"appId":           {col: "client_id", typ: exactField},
	"displayName":     {col: "display_name", typ: textField},
	"createdDateTime": {col: "created_at", typ: timeField},
}}

func scanApplication(r rowScanner) (domain.Application, error) {
	var a domain.Application
	var token *string
	err := r.Scan(&a.ID, &a.ClientID, &a.DisplayName, &a.SecretHash, &a.PublicClient,
		jsonDest{&a.RedirectURIs}, jsonDest{&a.Permissions}, &a.RequiredStrength, timeDest{&a.CreatedDateTime}, &token,
		jsonDest{&a.SPARedirectURIs}, &a.Secret.KeyID, &a.Secret.Hint, &a.Secret.DisplayName, nullTimeDest{&a.Secret.StartDateTime}, &a.IDTokenSigningAlg)
	if token != nil {
		a.ProvisioningTokenHash = *token
	}
	a.RedirectURIs = nonNil(a.RedirectURIs)
	a.SPARedirectURIs = nonNil(a.SPARedirectURIs)
	a.Permissions = nonNil(a.Permissions)
	return a, err
}

// CreateApplication stores a new application; ErrAlreadyExists if its id, client
// id or provisioning token hash is taken.
func (s *Store) CreateApplication(ctx context.Context, a domain.Application) error {
	return s.inTx(ctx, func(tx *Store) error {
		_, err := tx.exec(ctx, `INSERT INTO applications (id, client_id, display_name, secret_hash,
			public_client, redirect_uris, permissions, required_strength, created_at, provisioning_token_hash, spa_redirect_uris,
			secret_key_id, secret_hint, secret_display_name, secret_created_at, id_token_signed_response_alg)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			a.ID, a.ClientID, a.DisplayName, a.SecretHash, a.PublicClient,
			jsonText(a.RedirectURIs), jsonText(a.Permissions), string(a.RequiredStrength), tx.d.time(a.CreatedDateTime),
			nullString(a.ProvisioningTokenHash), jsonText(nonNil(a.SPARedirectURIs)),
			a.Secret.KeyID, a.Secret.Hint, a.Secret.DisplayName, tx.d.nullTime(a.Secret.StartDateTime), a.IDTokenSigningAlg)
		if err != nil {
			return tx.fail(fmt.Sprintf("create application %q", a.ID), err)
		}
		return tx.putSPAOrigins(ctx, a)
	})
}

// putSPAOrigins replaces the CORS origins of an application with those of its
// single-page redirect URIs.
func (s *Store) putSPAOrigins(ctx context.Context, a domain.Application) error {
	what := fmt.Sprintf("store origins of application %q", a.ID)
	if _, err := s.exec(ctx, "DELETE FROM application_spa_origins WHERE application_id = ?", a.ID); err != nil {
		return s.fail(what, err)
	}
	for _, o := range a.SPAOrigins() {
		if _, err := s.exec(ctx, "INSERT INTO application_spa_origins (origin, application_id) VALUES (?, ?)", o, a.ID); err != nil {
			return s.fail(what, err)
		}
	}
	return nil
}

// SPAOriginRegistered reports whether origin is the origin of a redirect URI
// of some single-page application.
func (s *Store) SPAOriginRegistered(ctx context.Context, origin string) (bool, error) {
	var n int
	err := s.queryRow(ctx, "SELECT COUNT(*) FROM application_spa_origins WHERE origin = ?", origin).Scan(&n)
	if err != nil {
		return false, s.fail("look up a single-page application origin", err)
	}
	return n > 0, nil
}

// GetApplication returns the application with the given object id.
func (s *Store) GetApplication(ctx context.Context, id string) (domain.Application, error) {
	return s.getApplication(ctx, "id", id, "")
}

// GetApplicationByClientID returns the application with the given client id (appId).
func (s *Store) GetApplicationByClientID(ctx context.Context, clientID string) (domain.Application, error) {
	return s.getApplication(ctx, "client_id", clientID, "")
}

// GetApplicationByProvisioningToken returns the application whose provisioning
// token hashes to hash.
func (s *Store) GetApplicationByProvisioningToken(ctx context.Context, hash string) (domain.Application, error) {
	if hash == "" {
		return domain.Application{}, fmt.Errorf("get application by provisioning token: %w", store.ErrNotFound)
	}
	a, err := scanApplication(s.queryRow(ctx, "SELECT "+applicationColumns+" FROM applications WHERE provisioning_token_hash = ?", hash))
	if err != nil {
		// The hash is not named: it finds a credential.
		return domain.Application{}, s.fail("get application by provisioning token", err)
	}
	return a, nil
}

// getApplication looks an application up by col, which is one of our column names.
func (s *Store) getApplication(ctx context.Context, col, value, suffix string) (domain.Application, error) {
	a, err := scanApplication(s.queryRow(ctx, "SELECT "+applicationColumns+" FROM applications WHERE "+col+" = ?"+suffix, value))
	if err != nil {
		return domain.Application{}, s.fail(fmt.Sprintf("get application %q", value), err)
	}
	return a, nil
}

// ListApplications returns a page of applications, filterable on id, appId,
// displayName and createdDateTime; by default ordered by displayName.
func (s *Store) ListApplications(ctx context.Context, opts store.ListOptions) ([]domain.Application, int, error) {
	return list(ctx, s, listQuery{
		what: "list applications", columns: applicationColumns, from: "applications",
		spec: applicationFilter, order: []odata.OrderBy{{Field: "displayName"}}, idCol: "id",
	}, opts, scanApplication)
}

// UpdateApplication changes an application with fn inside one transaction. The
// object id cannot change.
func (s *Store) UpdateApplication(ctx context.Context, id string, fn func(domain.Application) (domain.Application, error)) (domain.Application, error) {
	var out domain.Application
	err := s.inTx(ctx, func(tx *Store) error {
		old, err := tx.getApplication(ctx, "id", id, tx.d.ForUpdate)
		if err != nil {
			return err
		}
		a, err := fn(old)
		if err != nil {
			return err
		}
		if _, err := tx.exec(ctx, `UPDATE applications SET client_id = ?, display_name = ?,
			secret_hash = ?, public_client = ?, redirect_uris = ?, permissions = ?,
			required_strength = ?, created_at = ?, provisioning_token_hash = ?, spa_redirect_uris = ?,
			secret_key_id = ?, secret_hint = ?, secret_display_name = ?, secret_created_at = ?,
			id_token_signed_response_alg = ? WHERE id = ?`,
			a.ClientID, a.DisplayName, a.SecretHash, a.PublicClient, jsonText(a.RedirectURIs),
			jsonText(a.Permissions), string(a.RequiredStrength), tx.d.time(a.CreatedDateTime),
			nullString(a.ProvisioningTokenHash), jsonText(nonNil(a.SPARedirectURIs)),
			a.Secret.KeyID, a.Secret.Hint, a.Secret.DisplayName, tx.d.nullTime(a.Secret.StartDateTime),
			a.IDTokenSigningAlg, id); err != nil {
			return tx.fail(fmt.Sprintf("update application %q", id), err)
		}
		a.ID = id
		if err := tx.putSPAOrigins(ctx, a); err != nil {
			return err
		}
		out, err = tx.getApplication(ctx, "id", id, "")
		return err
	})
	return out, err
}

// DeleteApplication removes an application.
func (s *Store) DeleteApplication(ctx context.Context, id string) error {
	return s.execOne(ctx, fmt.Sprintf("delete application %q", id), "DELETE FROM applications WHERE id = ?", id)
}
