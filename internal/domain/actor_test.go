package domain

import "testing"

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
