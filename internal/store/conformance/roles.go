package conformance

import (
	"testing"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/store"
)

var roleTests = []test{
	{"Role/AssignListRemove", testRoles},
}

func testRoles(t *testing.T, s store.Store) {
	createUsers(t, s, newUser("u1", "a@example.com"), newUser("u2", "b@example.com"))
	roles, err := s.ListUserRoles(ctx, "u1")
	must(t, err)
	wantEqual(t, roles, []domain.Role{})
	all, err := s.ListRoleAssignments(ctx)
	must(t, err)
	wantEqual(t, all, []domain.RoleAssignment{})

	// Assigned out of order; listed in domain.Roles order.
	must(t, s.AssignRole(ctx, domain.RoleAssignment{UserID: "u1", Role: domain.RoleReportsReader}))
	must(t, s.AssignRole(ctx, domain.RoleAssignment{UserID: "u1", Role: domain.RoleGlobalAdministrator}))
	must(t, s.AssignRole(ctx, domain.RoleAssignment{UserID: "u1", Role: domain.RoleUserAdministrator}))
	must(t, s.AssignRole(ctx, domain.RoleAssignment{UserID: "u2", Role: domain.RoleAuthenticationAdministrator}))
	wantErr(t, s.AssignRole(ctx, domain.RoleAssignment{UserID: "u1", Role: domain.RoleReportsReader}), store.ErrAlreadyExists)
	wantErr(t, s.AssignRole(ctx, domain.RoleAssignment{UserID: "ghost", Role: domain.RoleReportsReader}), store.ErrNotFound)

	roles, err = s.ListUserRoles(ctx, "u1")
	must(t, err)
	wantEqual(t, roles, []domain.Role{domain.RoleGlobalAdministrator, domain.RoleUserAdministrator, domain.RoleReportsReader})
	roles, err = s.ListUserRoles(ctx, "ghost")
	must(t, err)
	wantEqual(t, roles, []domain.Role{})

	all, err = s.ListRoleAssignments(ctx)
	must(t, err)
	if len(all) != 4 {
		t.Fatalf("got %d assignments, want 4: %v", len(all), all)
	}
	for i := 1; i < len(all); i++ {
		if all[i-1].UserID > all[i].UserID || (all[i-1].UserID == all[i].UserID && all[i-1].Role >= all[i].Role) {
			t.Fatalf("assignments not ordered by user then role: %v", all)
		}
	}

	must(t, s.RemoveRole(ctx, domain.RoleAssignment{UserID: "u1", Role: domain.RoleGlobalAdministrator}))
	wantErr(t, s.RemoveRole(ctx, domain.RoleAssignment{UserID: "u1", Role: domain.RoleGlobalAdministrator}), store.ErrNotFound)
	wantErr(t, s.RemoveRole(ctx, domain.RoleAssignment{UserID: "u2", Role: domain.RoleReportsReader}), store.ErrNotFound)
	roles, err = s.ListUserRoles(ctx, "u1")
	must(t, err)
	wantEqual(t, roles, []domain.Role{domain.RoleUserAdministrator, domain.RoleReportsReader})
	roles, err = s.ListUserRoles(ctx, "u2")
	must(t, err)
	wantEqual(t, roles, []domain.Role{domain.RoleAuthenticationAdministrator})
}
