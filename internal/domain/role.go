package domain

import "strings"

// Role is a directory role held by a user. The values are Entra's role template IDs,
// so that scripts that look roles up by template keep working.
type Role string

const (
	RoleGlobalAdministrator                   Role = "62e90394-69f5-4237-9190-012177145e10"
	RolePrivilegedAuthenticationAdministrator Role = "7be44c8a-adaf-4e2a-84d6-ab2649e08a13"
	RoleAuthenticationAdministrator           Role = "c4e39bd9-1100-46d3-8c65-fb160da0071f"
	RoleAuthenticationPolicyAdministrator     Role = "0526716b-113d-4c15-b2c8-68e3c22b9f80"
	RoleUserAdministrator                     Role = "fe930be7-5e62-47db-91af-98c3a49a38b1"
	RoleReportsReader                         Role = "4a5d8f65-41da-4de4-8968-e035b65339cf"
)

// Roles lists every directory role in display order.
var Roles = []Role{
	RoleGlobalAdministrator,
	RolePrivilegedAuthenticationAdministrator,
	RoleAuthenticationAdministrator,
	RoleAuthenticationPolicyAdministrator,
	RoleUserAdministrator,
	RoleReportsReader,
}

var roleNames = map[Role]string{
	RoleGlobalAdministrator:                   "Global Administrator",
	RolePrivilegedAuthenticationAdministrator: "Privileged Authentication Administrator",
	RoleAuthenticationAdministrator:           "Authentication Administrator",
	RoleAuthenticationPolicyAdministrator:     "Authentication Policy Administrator",
	RoleUserAdministrator:                     "User Administrator",
	RoleReportsReader:                         "Reports Reader",
}

// DisplayName is the role's human name, e.g. "Global Administrator".
func (r Role) DisplayName() string { return roleNames[r] }

// Valid reports whether r is a known role.
func (r Role) Valid() bool { _, ok := roleNames[r]; return ok }

// ParseRole accepts a role template ID, its display name, or the display name
// without spaces (any case), so that CLI users can type "AuthenticationAdministrator".
func ParseRole(s string) (Role, error) {
	want := strings.ToLower(strings.ReplaceAll(strings.TrimSpace(s), " ", ""))
	for r, name := range roleNames {
		if string(r) == want || strings.ToLower(strings.ReplaceAll(name, " ", "")) == want {
			return r, nil
		}
	}
	names := make([]string, 0, len(Roles))
	for _, r := range Roles {
		names = append(names, r.DisplayName())
	}
	return "", Invalid("unknown role %q; known roles: %s.", s, strings.Join(names, ", "))
}

// RoleAssignment records that a user holds a role.
type RoleAssignment struct {
	UserID string
	Role   Role
}
