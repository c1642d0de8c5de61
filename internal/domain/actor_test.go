package domain

import (
	"errors"
	"strings"
	"testing"
)

func TestCanManageMethodsOf(t *testing.T) {
	plain := User{ID: "u-plain"}
	admin := User{ID: "u-admin"}
	adminRoles := []Role{RoleUserAdministrator}
	user := func(id string, roles ...Role) Actor { return Actor{Type: ActorUser, UserID: id, Roles: roles} }
	cases := []struct {
		name   string
		actor  Actor
		target User
		roles  []Role
		ok     bool
	}{
		{"auth admin on plain user", user("a", RoleAuthenticationAdministrator), plain, nil, true},
		{"auth admin on role holder", user("a", RoleAuthenticationAdministrator), admin, adminRoles, false},
		{"privileged auth admin on role holder", user("a", RolePrivilegedAuthenticationAdministrator), admin, adminRoles, true},
		{"global admin on role holder", user("a", RoleGlobalAdministrator), admin, adminRoles, true},
		{"global admin on self", user("u-admin", RoleGlobalAdministrator), admin, adminRoles, false},
		{"privileged admin on self", user("u-plain", RolePrivilegedAuthenticationAdministrator), plain, nil, false},
		{"user admin cannot", user("a", RoleUserAdministrator), plain, nil, false},
		{"no role", user("a"), plain, nil, false},
		{"app with ReadWrite", Actor{Type: ActorApp, Permissions: []Permission{PermUserAuthenticationMethodReadWrite}}, admin, adminRoles, true},
		{"app with Read only", Actor{Type: ActorApp, Permissions: []Permission{PermUserAuthenticationMethodReadAll}}, plain, nil, false},
		{"system", SystemActor(), admin, adminRoles, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.actor.CanManageMethodsOf(c.target, c.roles)
			if (err == nil) != c.ok {
				t.Fatalf("err = %v, want ok=%v", err, c.ok)
			}
			if err != nil && KindOf(err) != KindForbidden {
				t.Fatalf("kind %v, want forbidden", KindOf(err))
			}
		})
	}
}

func TestPermissionsGrantActions(t *testing.T) {
	app := func(p ...Permission) Actor { return Actor{Type: ActorApp, Permissions: p} }
	if !app(PermUserReadWriteAll).Can(ActReadUsers) || app(PermUserReadAll).Can(ActWriteUsers) {
		t.Fatal("User.* permissions wrong")
	}
	if app(PermPolicyReadAll).Can(ActWritePolicy) || !app(PermPolicyReadWriteAuthMethod).Can(ActWritePolicy) {
		t.Fatal("Policy.* permissions wrong")
	}
	if !app(PermAuditLogReadAll).Can(ActReadAudit) || app(PermAuditLogReadAll).Can(ActReadUsers) {
		t.Fatal("AuditLog.Read.All wrong")
	}
	prov := app(PermProvisioningReadWriteAll)
	for _, act := range []Action{ActReadUsers, ActWriteUsers, ActReadGroups, ActWriteGroups} {
		if !prov.Can(act) {
			t.Fatalf("Provisioning.ReadWrite.All cannot %s", act)
		}
	}
	for _, act := range []Action{ActReadMethods, ActWriteMethods, ActReadPolicy, ActWritePolicy, ActReadAudit, ActManageApps, ActManageRoles, ActManageKeys} {
		if prov.Can(act) {
			t.Fatalf("Provisioning.ReadWrite.All can %s", act)
		}
	}
	reader := Actor{Type: ActorUser, Roles: []Role{RoleReportsReader}}
	if !reader.Can(ActReadAudit) || reader.Can(ActWriteMethods) {
		t.Fatal("Reports Reader wrong")
	}
}

func TestParseRoleAndPermission(t *testing.T) {
	for _, s := range []string{"Authentication Administrator", "authenticationadministrator", string(RoleAuthenticationAdministrator)} {
		if r, err := ParseRole(s); err != nil || r != RoleAuthenticationAdministrator {
			t.Errorf("ParseRole(%q) = %v, %v", s, r, err)
		}
	}
	if _, err := ParseRole("Root"); err == nil {
		t.Error("unknown role accepted")
	}
	ps, err := NormalizePermissions([]string{"user.read.all", "User.Read.All", "AuditLog.Read.All"})
	if err != nil || len(ps) != 2 {
		t.Fatalf("NormalizePermissions = %v, %v", ps, err)
	}
	if _, err := NormalizePermissions([]string{"Mail.Send"}); err == nil {
		t.Error("unknown permission accepted")
	}
}

func TestValidateUPN(t *testing.T) {
	for _, ok := range []string{"ada@example.com", "a.b-c+d@sub.example.co"} {
		if err := ValidateUPN(ok); err != nil {
			t.Errorf("%q rejected: %v", ok, err)
		}
	}
	for _, bad := range []string{"", "ada", "@example.com", "ada@", "ada@example", "a@b@c.com", "a b@example.com", ".a@example.com", "a@exa_mple.com"} {
		if err := ValidateUPN(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// TestCanManageUser is SPEC §1's table: who may change, disable or delete whom.
func TestCanManageUser(t *testing.T) {
	person := func(roles ...Role) Actor { return Actor{Type: ActorUser, UserID: "actor", Roles: roles} }
	app := func(p ...Permission) Actor { return Actor{Type: ActorApp, Permissions: p} }
	var (
		ga    = person(RoleGlobalAdministrator)
		ua    = person(RoleUserAdministrator)
		pa    = person(RolePrivilegedAuthenticationAdministrator)
		uaApp = app(PermUserReadWriteAll)
	)
	target := User{ID: "target", UserPrincipalName: "target@example.com"}
	cases := []struct {
		name   string
		actor  Actor
		roles  []Role
		ok     bool
		reason string // part of the refusal
	}{
		{"user admin on plain user", ua, nil, true, ""},
		{"user admin on user admin", ua, []Role{RoleUserAdministrator}, true, ""},
		{"user admin on reports reader", ua, []Role{RoleReportsReader}, true, ""},
		{"user admin on user admin and reports reader", ua, []Role{RoleReportsReader, RoleUserAdministrator}, true, ""},
		{"user admin on global admin", ua, []Role{RoleGlobalAdministrator}, false, "Only a Global Administrator"},
		{"user admin on privileged auth admin", ua, []Role{RolePrivilegedAuthenticationAdministrator}, false, "Privileged Authentication Administrator"},
		{"user admin on auth admin", ua, []Role{RoleAuthenticationAdministrator}, false, "holds Authentication Administrator"},
		{"user admin on auth policy admin", ua, []Role{RoleAuthenticationPolicyAdministrator}, false, "holds Authentication Policy Administrator"},
		{"user admin on reports reader who is also global admin", ua, []Role{RoleReportsReader, RoleGlobalAdministrator}, false, "holds Global Administrator"},
		{"global admin on global admin", ga, []Role{RoleGlobalAdministrator}, true, ""},
		{"global admin on privileged auth admin", ga, []Role{RolePrivilegedAuthenticationAdministrator}, true, ""},
		{"global and user admin on global admin", person(RoleUserAdministrator, RoleGlobalAdministrator), []Role{RoleGlobalAdministrator}, true, ""},
		{"privileged auth admin cannot manage users", pa, nil, false, "Insufficient privileges"},
		{"no role", person(), nil, false, "Insufficient privileges"},
		{"app on plain user", uaApp, nil, true, ""},
		{"app on reports reader", uaApp, []Role{RoleReportsReader}, false, "An application"},
		{"app on global admin", uaApp, []Role{RoleGlobalAdministrator}, false, "Only a Global Administrator"},
		{"app with User.Read.All", app(PermUserReadAll), nil, false, "lacks a permission"},
		{"local operator on global admin", SystemActor(), []Role{RoleGlobalAdministrator}, true, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.actor.CanManageUser(target, c.roles)
			if (err == nil) != c.ok {
				t.Fatalf("err = %v, want ok=%v", err, c.ok)
			}
			if err == nil {
				return
			}
			var e *Error
			if !errors.As(err, &e) || e.Kind != KindForbidden || e.Code != "Authorization_RequestDenied" {
				t.Fatalf("error %#v, want a forbidden Authorization_RequestDenied", err)
			}
			if !strings.Contains(e.Message, c.reason) {
				t.Fatalf("message %q does not say %q", e.Message, c.reason)
			}
		})
	}
}

// TestCanChangeGroupsOf: group membership gates authentication methods, so it is
// held to the same ranking, under the group permission instead of the user one.
func TestCanChangeGroupsOf(t *testing.T) {
	target := User{ID: "target", UserPrincipalName: "target@example.com"}
	ua := Actor{Type: ActorUser, UserID: "a", Roles: []Role{RoleUserAdministrator}}
	groupsApp := Actor{Type: ActorApp, Permissions: []Permission{PermGroupReadWriteAll}}
	usersApp := Actor{Type: ActorApp, Permissions: []Permission{PermUserReadWriteAll}}
	if err := ua.CanChangeGroupsOf(target, nil); err != nil {
		t.Errorf("user admin on plain user: %v", err)
	}
	if err := ua.CanChangeGroupsOf(target, []Role{RoleGlobalAdministrator}); err == nil || !strings.Contains(err.Error(), "group memberships") {
		t.Errorf("user admin on global admin: %v", err)
	}
	if err := groupsApp.CanChangeGroupsOf(target, nil); err != nil {
		t.Errorf("Group.ReadWrite.All on plain user: %v", err)
	}
	if err := groupsApp.CanChangeGroupsOf(target, []Role{RoleAuthenticationAdministrator}); err == nil {
		t.Error("Group.ReadWrite.All changed the groups of an administrator")
	}
	if err := usersApp.CanChangeGroupsOf(target, nil); err == nil {
		t.Error("User.ReadWrite.All changed group memberships")
	}
}
