package sqlstore

import (
	"context"
	"fmt"
	"slices"

	"github.com/firstkey/firstkey/internal/domain"
)

// AssignRole gives a user a role: ErrNotFound for a missing user, ErrAlreadyExists
// if they hold it already.
func (s *Store) AssignRole(ctx context.Context, a domain.RoleAssignment) error {
	_, err := s.exec(ctx, "INSERT INTO role_assignments (user_id, role) VALUES (?, ?)", a.UserID, string(a.Role))
	if err != nil {
		return s.fail(fmt.Sprintf("assign role %s to user %q", a.Role, a.UserID), err)
	}
	return nil
}

// RemoveRole takes a role from a user; ErrNotFound if they did not hold it.
func (s *Store) RemoveRole(ctx context.Context, a domain.RoleAssignment) error {
	return s.execOne(ctx, fmt.Sprintf("remove role %s from user %q", a.Role, a.UserID),
		"DELETE FROM role_assignments WHERE user_id = ? AND role = ?", a.UserID, string(a.Role))
}

// ListUserRoles returns the roles a user holds, in domain.Roles order; none for an
// unknown user.
func (s *Store) ListUserRoles(ctx context.Context, userID string) ([]domain.Role, error) {
	rows, err := s.query(ctx, "SELECT role FROM role_assignments WHERE user_id = ?", userID)
	if err != nil {
		return nil, s.fail("list user roles", err)
	}
	roles, err := scanAll(rows, "list user roles", func(r rowScanner) (domain.Role, error) {
		var role domain.Role
		return role, r.Scan(&role)
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(roles, func(a, b domain.Role) int { return roleRank(a) - roleRank(b) })
	return roles, nil
}

// roleRank orders roles as domain.Roles lists them, unknown ones last.
func roleRank(r domain.Role) int {
	if i := slices.Index(domain.Roles, r); i >= 0 {
		return i
	}
	return len(domain.Roles)
}

// ListRoleAssignments returns every assignment, ordered by user id then role.
func (s *Store) ListRoleAssignments(ctx context.Context) ([]domain.RoleAssignment, error) {
	rows, err := s.query(ctx, "SELECT user_id, role FROM role_assignments ORDER BY user_id, role")
	if err != nil {
		return nil, s.fail("list role assignments", err)
	}
	return scanAll(rows, "list role assignments", func(r rowScanner) (domain.RoleAssignment, error) {
		var a domain.RoleAssignment
		return a, r.Scan(&a.UserID, &a.Role)
	})
}
