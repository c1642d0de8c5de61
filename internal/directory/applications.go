package directory

import (
	"github.com/google/uuid"

	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/secret"
	"github.com/firstkey/firstkey/internal/store"
)

func appTarget(a domain.Application, props ...domain.ModifiedProperty) domain.AuditTarget {
	return domain.AuditTarget{ID: a.ID, DisplayName: a.DisplayName, Type: "Application", ModifiedProperties: props}
}

func permissionList(ps []domain.Permission) string {
	names := make([]string, len(ps))
	for i, p := range ps {
		names[i] = string(p)
	}
	return strings.Join(names, " ")
}

// checkGrant keeps an application from handing out more than it holds: with
// Application.ReadWrite.All alone it could otherwise register a client with every
// permission, or take over a stronger client by replacing its secret. People
// (Global Administrators) and the local operator are not limited.
func checkGrant(actor domain.Actor, perms []domain.Permission) error {
	if actor.Type != domain.ActorApp {
		return nil
	}
	for _, p := range perms {
		if !slices.Contains(actor.Permissions, p) {
			return &domain.Error{Kind: domain.KindForbidden, Code: "Authorization_RequestDenied",
				Message: fmt.Sprintf("Insufficient privileges to complete the operation: an application cannot grant or take over the permission %s, which it does not hold itself.", p)}
		}
	}
	return nil
}

// newClientSecret generates a client secret and its stored hash.
func (s *Service) newClientSecret() (plain, hash string, err error) {
	if plain, err = secret.Token(); err != nil {
		return "", "", fmt.Errorf("generate client secret: %w", err)
	}
	if hash, err = s.hasher.Hash(plain, 256); err != nil {
		return "", "", fmt.Errorf("hash client secret: %w", err)
	}
	return plain, hash, nil
}

// CreateApplication registers an OAuth client. A confidential client gets a secret,
// returned here once and stored only as a hash.
func (s *Service) CreateApplication(ctx context.Context, actor domain.Actor, a domain.Application) (domain.Application, string, error) {
	if err := actor.Require(domain.ActManageApps); err != nil {
		return domain.Application{}, "", err
	}
	a.ID, a.ClientID, a.CreatedDateTime = newID(), newID(), s.now()
	a.SecretHash = ""
	if a.Permissions == nil {
		a.Permissions = []domain.Permission{}
	}
	if a.RedirectURIs == nil {
		a.RedirectURIs = []string{}
	}
	if a.SPARedirectURIs == nil {
		a.SPARedirectURIs = []string{}
	}
	if err := a.Validate(); err != nil {
		return domain.Application{}, "", err
	}
	if err := checkGrant(actor, a.Permissions); err != nil {
		return domain.Application{}, "", err
	}
	var clientSecret string
	a.Secret = domain.SecretInfo{}
	if !a.PublicClient {
		var err error
		if clientSecret, a.SecretHash, err = s.newClientSecret(); err != nil {
			return domain.Application{}, "", err
		}
		now := a.CreatedDateTime
		a.Secret = domain.SecretInfo{KeyID: newID(), Hint: clientSecret[:3], StartDateTime: &now}
	}
	err := s.store.InTx(ctx, func(tx store.Store) error {
		if err := tx.CreateApplication(ctx, a); err != nil {
			return fmt.Errorf("create application: %w", err)
		}
		return s.record(ctx, tx, actor, entry{activity: domain.ActivityAddApplication, category: domain.CategoryApplicationManagement,
			op: "Add", targets: []domain.AuditTarget{appTarget(a)},
			details: []domain.KeyValue{{Key: "AppId", Value: a.ClientID}, {Key: "Permissions", Value: permissionList(a.Permissions)}}})
	})
	if err != nil {
		return domain.Application{}, "", err
	}
	return a, clientSecret, nil
}

// ResolveApplication finds an application by object id or client id.
func (s *Service) ResolveApplication(ctx context.Context, ref string) (domain.Application, error) {
	return resolveApplication(ctx, s.store, ref)
}

// resolveApplication looks an application up in st, which may be a transaction.
func resolveApplication(ctx context.Context, st store.Store, ref string) (domain.Application, error) {
	ref = strings.ToLower(strings.TrimSpace(ref))
	a, err := st.GetApplication(ctx, ref)
	if err == nil {
		return a, nil
	}
	a, err = st.GetApplicationByClientID(ctx, ref)
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

// UpdateApplication applies a change to an application: apply edits its display
// name, redirect URIs, permissions or required strength in place. The ids, the
// creation time, the secret and the client type cannot change this way; a
// refused change leaves the application as it was.
func (s *Service) UpdateApplication(ctx context.Context, actor domain.Actor, ref string, apply func(*domain.Application) error) (domain.Application, error) {
	if err := actor.Require(domain.ActManageApps); err != nil {
		return domain.Application{}, err
	}
	var updated domain.Application
	err := s.store.InTx(ctx, func(tx store.Store) error {
		cur, err := resolveApplication(ctx, tx, ref)
		if err != nil {
			return err
		}
		if err := checkGrant(actor, cur.Permissions); err != nil {
			return err
		}
		var before domain.Application
		updated, err = tx.UpdateApplication(ctx, cur.ID, func(old domain.Application) (domain.Application, error) {
			before = old
			a := old
			a.RedirectURIs = slices.Clone(old.RedirectURIs)
			a.SPARedirectURIs = slices.Clone(old.SPARedirectURIs)
			a.Permissions = slices.Clone(old.Permissions)
			if err := apply(&a); err != nil {
				return old, err
			}
			a.ID, a.ClientID, a.CreatedDateTime = old.ID, old.ClientID, old.CreatedDateTime
			a.SecretHash, a.PublicClient = old.SecretHash, old.PublicClient
			if a.RedirectURIs == nil {
				a.RedirectURIs = []string{}
			}
			if a.Permissions == nil {
				a.Permissions = []domain.Permission{}
			}
			if a.SPARedirectURIs == nil {
				a.SPARedirectURIs = []string{}
			}
			if err := a.Validate(); err != nil {
				return old, err
			}
			return a, checkGrant(actor, a.Permissions)
		})
		if err != nil {
			return err
		}
		changes := appChanges(before, updated)
		if len(changes) == 0 {
			return nil
		}
		return s.record(ctx, tx, actor, entry{activity: domain.ActivityUpdateApplication, category: domain.CategoryApplicationManagement,
			op: "Update", targets: []domain.AuditTarget{appTarget(updated, changes...)},
			details: []domain.KeyValue{{Key: "AppId", Value: updated.ClientID}}})
	})
	if err != nil {
		return domain.Application{}, err
	}
	return updated, nil
}

// appChanges lists what differs between two versions of an application, for the audit log.
func appChanges(a, b domain.Application) []domain.ModifiedProperty {
	var out []domain.ModifiedProperty
	add := func(name, x, y string) {
		if x != y {
			out = append(out, domain.ModifiedProperty{DisplayName: name, OldValue: x, NewValue: y})
		}
	}
	add("displayName", a.DisplayName, b.DisplayName)
	add("redirectUris", strings.Join(a.RedirectURIs, " "), strings.Join(b.RedirectURIs, " "))
	add("spa.redirectUris", strings.Join(a.SPARedirectURIs, " "), strings.Join(b.SPARedirectURIs, " "))
	add("permissions", permissionList(a.Permissions), permissionList(b.Permissions))
	add("requiredAuthenticationStrength", string(a.RequiredStrength), string(b.RequiredStrength))
	add("idTokenSignedResponseAlg", a.IDTokenAlg(), b.IDTokenAlg())
	return out
}

// ClientSecret is a newly generated client secret. Text is shown once and never
// stored; KeyID names it in the audit log.
type ClientSecret struct {
	KeyID         string
	Text          string
	Hint          string // the first three characters, as Graph shows them
	StartDateTime time.Time
}

// AddApplicationSecret gives a confidential client a new secret that replaces the
// old one at once: the old secret can no longer get tokens, while tokens already
// issued with it keep working until they expire.
func (s *Service) AddApplicationSecret(ctx context.Context, actor domain.Actor, ref, displayName string) (domain.Application, ClientSecret, error) {
	if err := actor.Require(domain.ActManageApps); err != nil {
		return domain.Application{}, ClientSecret{}, err
	}
	plain, hash, err := s.newClientSecret()
	if err != nil {
		return domain.Application{}, ClientSecret{}, err
	}
	cs := ClientSecret{KeyID: newID(), Text: plain, Hint: plain[:3], StartDateTime: s.now()}
	var updated domain.Application
	err = s.store.InTx(ctx, func(tx store.Store) error {
		cur, err := resolveApplication(ctx, tx, ref)
		if err != nil {
			return err
		}
		if cur.PublicClient {
			return domain.Invalid("Application %s is a public client, which holds no secret.", cur.ClientID)
		}
		if err := checkGrant(actor, cur.Permissions); err != nil {
			return err
		}
		updated, err = tx.UpdateApplication(ctx, cur.ID, func(old domain.Application) (domain.Application, error) {
			start := cs.StartDateTime
			old.SecretHash = hash
			old.Secret = domain.SecretInfo{KeyID: cs.KeyID, Hint: cs.Hint, DisplayName: displayName, StartDateTime: &start}
			return old, nil
		})
		if err != nil {
			return fmt.Errorf("store client secret: %w", err)
		}
		return s.record(ctx, tx, actor, entry{activity: domain.ActivityUpdateApplicationSecrets, category: domain.CategoryApplicationManagement,
			op: "Update", targets: []domain.AuditTarget{appTarget(updated, domain.ModifiedProperty{DisplayName: "KeyDescription", NewValue: "[KeyIdentifier=" + cs.KeyID + ",KeyType=Password,KeyUsage=Verify]"})},
			details: []domain.KeyValue{{Key: "AppId", Value: updated.ClientID}, {Key: "KeyId", Value: cs.KeyID}}})
	})
	if err != nil {
		return domain.Application{}, ClientSecret{}, err
	}
	return updated, cs, nil
}

// SecretKeyID is the key id under which an application's secret is listed:
// its own, or for a secret made before key ids were kept, one derived from the
// application's id (stable, so that it can be removed by it).
func SecretKeyID(a domain.Application) string {
	if a.SecretHash == "" {
		return ""
	}
	if a.Secret.KeyID != "" {
		return a.Secret.KeyID
	}
	return uuid.NewSHA1(uuid.NameSpaceOID, []byte("firstkey application secret "+a.ID)).String()
}

// RemoveApplicationSecret removes the application's secret with keyID (Graph's
// removePassword): it gets no tokens with it any more, until a new one is added.
func (s *Service) RemoveApplicationSecret(ctx context.Context, actor domain.Actor, ref, keyID string) error {
	if err := actor.Require(domain.ActManageApps); err != nil {
		return err
	}
	return s.store.InTx(ctx, func(tx store.Store) error {
		cur, err := resolveApplication(ctx, tx, ref)
		if err != nil {
			return err
		}
		if err := checkGrant(actor, cur.Permissions); err != nil {
			return err
		}
		if keyID == "" || !strings.EqualFold(SecretKeyID(cur), keyID) {
			return &domain.Error{Kind: domain.KindNotFound, Code: "Request_ResourceNotFound",
				Message: fmt.Sprintf("No password credential with keyId %q exists on application %s.", keyID, cur.ClientID)}
		}
		updated, err := tx.UpdateApplication(ctx, cur.ID, func(old domain.Application) (domain.Application, error) {
			old.SecretHash, old.Secret = "", domain.SecretInfo{}
			return old, nil
		})
		if err != nil {
			return fmt.Errorf("remove client secret: %w", err)
		}
		return s.record(ctx, tx, actor, entry{activity: domain.ActivityUpdateApplicationSecrets, category: domain.CategoryApplicationManagement,
			op: "Update", targets: []domain.AuditTarget{appTarget(updated, domain.ModifiedProperty{DisplayName: "KeyDescription", OldValue: "[KeyIdentifier=" + keyID + ",KeyType=Password,KeyUsage=Verify]"})},
			details: []domain.KeyValue{{Key: "AppId", Value: updated.ClientID}, {Key: "KeyId", Value: keyID}, {Key: "Reason", Value: "Password credential removed"}}})
	})
}

// DeleteApplication removes an application; its tokens stop working at once
// because every API call looks the application up.
func (s *Service) DeleteApplication(ctx context.Context, actor domain.Actor, ref string) error {
	if err := actor.Require(domain.ActManageApps); err != nil {
		return err
	}
	return s.store.InTx(ctx, func(tx store.Store) error {
		a, err := resolveApplication(ctx, tx, ref)
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

// SPAOriginAllowed reports whether a browser page of origin may call the token
// endpoints (CORS): it must be the origin of a registered single-page
// application's redirect URI. Origin is the request's Origin header.
func (s *Service) SPAOriginAllowed(ctx context.Context, origin string) (bool, error) {
	norm := domain.Origin(origin)
	if norm == "" || norm != strings.ToLower(origin) {
		return false, nil // "null", a path, user info: no page of a registered application
	}
	ok, err := s.store.SPAOriginRegistered(ctx, norm)
	if err != nil {
		return false, fmt.Errorf("look up origin: %w", err)
	}
	return ok, nil
}
