package domain

import (
	"sort"
	"strings"
)

// Permission is an application permission (Graph "app role") an OAuth client holds for the API.
type Permission string

const (
	PermUserReadAll                       Permission = "User.Read.All"
	PermUserReadWriteAll                  Permission = "User.ReadWrite.All"
	PermGroupReadAll                      Permission = "Group.Read.All"
	PermGroupReadWriteAll                 Permission = "Group.ReadWrite.All"
	PermUserAuthenticationMethodReadAll   Permission = "UserAuthenticationMethod.Read.All"
	PermUserAuthenticationMethodReadWrite Permission = "UserAuthenticationMethod.ReadWrite.All"
	PermPolicyReadAll                     Permission = "Policy.Read.All"
	PermPolicyReadWriteAuthMethod         Permission = "Policy.ReadWrite.AuthenticationMethod"
	PermAuditLogReadAll                   Permission = "AuditLog.Read.All"
	PermReportsReadAll                    Permission = "Reports.Read.All"
	PermApplicationReadWriteAll           Permission = "Application.ReadWrite.All"
	PermRoleManagementReadWriteDirectory  Permission = "RoleManagement.ReadWrite.Directory"
	// PermProvisioningReadWriteAll is a provisioning client's (an HR system's or
	// an identity governance tool's): it creates, changes and removes users and
	// groups, over SCIM or the Graph API, and nothing else.
	PermProvisioningReadWriteAll Permission = "Provisioning.ReadWrite.All"
)

// Permissions lists every permission an application may be granted.
var Permissions = []Permission{
	PermUserReadAll, PermUserReadWriteAll,
	PermGroupReadAll, PermGroupReadWriteAll,
	PermUserAuthenticationMethodReadAll, PermUserAuthenticationMethodReadWrite,
	PermPolicyReadAll, PermPolicyReadWriteAuthMethod,
	PermAuditLogReadAll, PermApplicationReadWriteAll, PermRoleManagementReadWriteDirectory,
	PermProvisioningReadWriteAll,
	PermReportsReadAll,
}

// ParsePermission accepts a permission name in any case.
func ParsePermission(s string) (Permission, error) {
	for _, p := range Permissions {
		if strings.EqualFold(string(p), strings.TrimSpace(s)) {
			return p, nil
		}
	}
	names := make([]string, len(Permissions))
	for i, p := range Permissions {
		names[i] = string(p)
	}
	return "", Invalid("unknown permission %q; known permissions: %s.", s, strings.Join(names, ", "))
}

// NormalizePermissions parses, de-duplicates and sorts a permission list.
func NormalizePermissions(in []string) ([]Permission, error) {
	seen := map[Permission]bool{}
	out := []Permission{}
	for _, s := range in {
		p, err := ParsePermission(s)
		if err != nil {
			return nil, err
		}
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out, nil
}
