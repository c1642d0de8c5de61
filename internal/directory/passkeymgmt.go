package directory

import (
	"context"
	"fmt"
	"strings"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/store"
)

// methodsReadableBy resolves a user whose methods the actor wants to read: their
// own, or anyone's with the right to read methods.
func (s *Service) methodsReadableBy(ctx context.Context, actor domain.Actor, userRef string) (domain.User, error) {
	u, err := s.ResolveUser(ctx, userRef)
	if err != nil {
		return domain.User{}, err
	}
	if !(actor.Type == domain.ActorUser && actor.UserID == u.ID) {
		if err := actor.Require(domain.ActReadMethods); err != nil {
			return domain.User{}, err
		}
	}
	return u, nil
}

// ListPasskeys lists a user's passkeys for an administrator.
func (s *Service) ListPasskeys(ctx context.Context, actor domain.Actor, userRef string) ([]domain.Passkey, error) {
	u, err := s.methodsReadableBy(ctx, actor, userRef)
	if err != nil {
		return nil, err
	}
	keys, err := s.store.ListUserPasskeys(ctx, u.ID)
	if err != nil {
		return nil, fmt.Errorf("list passkeys: %w", err)
	}
	return keys, nil
}

// GetPasskey returns one passkey of a user.
func (s *Service) GetPasskey(ctx context.Context, actor domain.Actor, userRef, id string) (domain.Passkey, error) {
	keys, err := s.ListPasskeys(ctx, actor, userRef)
	if err != nil {
		return domain.Passkey{}, err
	}
	for _, k := range keys {
		if strings.EqualFold(k.ID, id) {
			return k, nil
		}
	}
	return domain.Passkey{}, notFound(store.ErrNotFound, "passkey", id)
}

// RenamePasskey changes the name a person gave their passkey.
func (s *Service) RenamePasskey(ctx context.Context, actor domain.Actor, userID, id, name string) (domain.Passkey, error) {
	name, err := domain.ValidatePasskeyName(name)
	if err != nil {
		return domain.Passkey{}, err
	}
	k, err := s.GetPasskey(ctx, actor, userID, id)
	if err != nil {
		return domain.Passkey{}, err
	}
	return s.store.UpdatePasskey(ctx, k.ID, func(p domain.Passkey) (domain.Passkey, error) {
		p.DisplayName = name
		return p, nil
	})
}

// ErrLastPasskey asks the person to confirm deleting the passkey that is their
// last way in.
var ErrLastPasskey = &domain.Error{Kind: domain.KindConflict, Code: "lastPasskey",
	Message: "This is your last passkey and you have no usable Temporary Access Pass: after deleting it you cannot sign in until an administrator issues you a pass. Confirm to delete it anyway."}

// DeletePasskey removes a passkey. A person deleting their own last way in must
// confirm; an administrator acts under the same role rules as for passes.
func (s *Service) DeletePasskey(ctx context.Context, actor domain.Actor, userRef, id string, confirmLast bool) error {
	return s.store.InTx(ctx, func(tx store.Store) error {
		u, err := resolveUser(ctx, tx, userRef)
		if err != nil {
			return err
		}
		self, err := mayChangeMethodsOf(ctx, tx, actor, u)
		if err != nil {
			return err
		}
		k, err := tx.GetPasskey(ctx, strings.ToLower(id))
		if err != nil || k.UserID != u.ID {
			return notFound(store.ErrNotFound, "passkey", id)
		}
		if self && !confirmLast {
			keys, err := tx.ListUserPasskeys(ctx, u.ID)
			if err != nil {
				return fmt.Errorf("list passkeys: %w", err)
			}
			if len(keys) == 1 {
				views, err := s.passViews(ctx, u)
				if err != nil {
					return err
				}
				usable := false
				for _, v := range views {
					usable = usable || v.IsUsable
				}
				if !usable {
					return ErrLastPasskey
				}
			}
		}
		if err := tx.DeletePasskey(ctx, k.ID); err != nil {
			return fmt.Errorf("delete passkey: %w", err)
		}
		activity, reason := domain.ActivityAdminDeletedSecurityInfo, "Deleted by an administrator"
		if self {
			activity, reason = domain.ActivityUserDeletedSecurityInfo, "Deleted by the user"
		}
		return s.record(ctx, tx, actor, entry{activity: activity, category: domain.CategoryUserManagement,
			service: domain.ServiceAuthenticationMethods, op: "Delete", targets: []domain.AuditTarget{userTarget(u)},
			details: passkeyDetails(k, reason)})
	})
}

// GetFido2Policy returns the passkey policy.
func (s *Service) GetFido2Policy(ctx context.Context, actor domain.Actor) (domain.Fido2Policy, error) {
	if err := actor.Require(domain.ActReadPolicy); err != nil {
		return domain.Fido2Policy{}, err
	}
	p, err := s.store.GetFido2Policy(ctx)
	if err != nil {
		return domain.Fido2Policy{}, fmt.Errorf("read passkey policy: %w", err)
	}
	return p, nil
}

// UpdateFido2Policy applies a partial change to the passkey policy, validated as a whole.
func (s *Service) UpdateFido2Policy(ctx context.Context, actor domain.Actor, apply func(*domain.Fido2Policy) error) (domain.Fido2Policy, error) {
	if err := actor.Require(domain.ActWritePolicy); err != nil {
		return domain.Fido2Policy{}, err
	}
	var updated domain.Fido2Policy
	err := s.store.InTx(ctx, func(tx store.Store) error {
		var before domain.Fido2Policy
		var err error
		updated, err = tx.UpdateFido2Policy(ctx, func(old domain.Fido2Policy) (domain.Fido2Policy, error) {
			before = old
			p := old
			p.IncludeTargets = append([]domain.Target(nil), old.IncludeTargets...)
			p.ExcludeTargets = append([]domain.Target(nil), old.ExcludeTargets...)
			p.KeyRestrictions.AAGUIDs = append([]string(nil), old.KeyRestrictions.AAGUIDs...)
			if err := apply(&p); err != nil {
				return old, err
			}
			if err := p.Validate(); err != nil {
				return old, err
			}
			if err := targetGroupsExist(ctx, tx, p.IncludeTargets, p.ExcludeTargets); err != nil {
				return old, err
			}
			p.LastModifiedDateTime = s.now()
			return p, nil
		})
		if err != nil {
			return err
		}
		return s.record(ctx, tx, actor, entry{activity: domain.ActivityUpdatePolicy, category: domain.CategoryPolicy,
			service: domain.ServiceAuthenticationMethods, op: "Update",
			targets: []domain.AuditTarget{{ID: "Fido2", DisplayName: "Passkey (FIDO2) policy", Type: "Policy",
				ModifiedProperties: changedFields(before, updated)}}})
	})
	return updated, err
}

// OwnPasskeys lists the signed-in person's passkeys.
func (s *Service) OwnPasskeys(ctx context.Context, userID string) ([]domain.Passkey, error) {
	keys, err := s.store.ListUserPasskeys(ctx, userID)
	if err != nil {
		return nil, fmt.Errorf("list passkeys: %w", err)
	}
	return keys, nil
}
