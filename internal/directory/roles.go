package directory

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/store"
)

// AssignRole gives a user a directory role.
func (s *Service) AssignRole(ctx context.Context, actor domain.Actor, userRef string, role domain.Role) error {
	return s.changeRole(ctx, actor, userRef, role, true)
}

// RemoveRole takes a directory role from a user. The last Global Administrator
// cannot be removed, so the directory always has someone who can manage it.
func (s *Service) RemoveRole(ctx context.Context, actor domain.Actor, userRef string, role domain.Role) error {
	return s.changeRole(ctx, actor, userRef, role, false)
}

func (s *Service) changeRole(ctx context.Context, actor domain.Actor, userRef string, role domain.Role, add bool) error {
	if err := actor.Require(domain.ActManageRoles); err != nil {
		return err
	}
	if !role.Valid() {
		return domain.Invalid("unknown role %q.", role)
	}
	return s.store.InTx(ctx, func(tx store.Store) error {
		u, err := resolveUser(ctx, tx, userRef)
		if err != nil {
			return err
		}
		a := domain.RoleAssignment{UserID: u.ID, Role: role}
		activity, op := domain.ActivityAddMemberToRole, "Add"
		if add {
			err = tx.AssignRole(ctx, a)
			if errors.Is(err, store.ErrAlreadyExists) {
				return &domain.Error{Kind: domain.KindConflict, Code: "Request_BadRequest",
					Message: fmt.Sprintf("%s already holds the role %s.", u.UserPrincipalName, role.DisplayName())}
			}
		} else {
			activity, op = domain.ActivityRemoveMemberFromRole, "Delete"
			held, err := tx.ListUserRoles(ctx, u.ID)
			if err != nil {
				return fmt.Errorf("list roles: %w", err)
			}
			if !slices.Contains(held, role) {
				return domain.NotFound("%s does not hold the role %s.", u.UserPrincipalName, role.DisplayName())
			}
			if role == domain.RoleGlobalAdministrator {
				all, err := tx.ListRoleAssignments(ctx)
				if err != nil {
					return fmt.Errorf("list role assignments: %w", err)
				}
				n := 0
				for _, x := range all {
					if x.Role == domain.RoleGlobalAdministrator {
						n++
					}
				}
				if n <= 1 {
					return domain.Invalid("%s is the last Global Administrator; assign the role to someone else first.", u.UserPrincipalName)
				}
			}
			err = tx.RemoveRole(ctx, a)
			if errors.Is(err, store.ErrNotFound) {
				return domain.NotFound("%s does not hold the role %s.", u.UserPrincipalName, role.DisplayName())
			}
		}
		if err != nil {
			return fmt.Errorf("change role: %w", err)
		}
		return s.record(ctx, tx, actor, entry{activity: activity, category: domain.CategoryRoleManagement, op: op,
			targets: []domain.AuditTarget{userTarget(u), {ID: string(role), DisplayName: role.DisplayName(), Type: "Role"}}})
	})
}

// RoleMember is a role assignment with its user, for listing.
type RoleMember struct {
	Role domain.Role
	User domain.User
}

// ListRoleAssignments lists who holds which role.
func (s *Service) ListRoleAssignments(ctx context.Context, actor domain.Actor) ([]RoleMember, error) {
	if err := actor.Require(domain.ActReadUsers); err != nil {
		return nil, err
	}
	all, err := s.store.ListRoleAssignments(ctx)
	if err != nil {
		return nil, fmt.Errorf("list role assignments: %w", err)
	}
	out := make([]RoleMember, 0, len(all))
	for _, a := range all {
		u, err := s.store.GetUser(ctx, a.UserID)
		if err != nil {
			return nil, fmt.Errorf("role holder %s: %w", a.UserID, err)
		}
		out = append(out, RoleMember{Role: a.Role, User: u})
	}
	return out, nil
}

// UserRoles lists the roles a user holds.
func (s *Service) UserRoles(ctx context.Context, userID string) ([]domain.Role, error) {
	r, err := s.store.ListUserRoles(ctx, userID)
	if err != nil {
		return nil, fmt.Errorf("list roles of %s: %w", userID, err)
	}
	return r, nil
}
