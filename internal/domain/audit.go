package domain

import "time"

// Audit categories and services, as Entra names them.
const (
	CategoryUserManagement        = "UserManagement"
	CategoryGroupManagement       = "GroupManagement"
	CategoryRoleManagement        = "RoleManagement"
	CategoryPolicy                = "Policy"
	CategoryApplicationManagement = "ApplicationManagement"
	CategoryKeyManagement         = "KeyManagement"

	ServiceAuthenticationMethods = "Authentication Methods"
	ServiceCoreDirectory         = "Core Directory"
)

// Activities recorded in the directory audit log.
const (
	ActivityAdminRegisteredSecurityInfo = "Admin registered security info"
	ActivityAdminDeletedSecurityInfo    = "Admin deleted security info"
	ActivityUserDeletedSecurityInfo     = "User deleted security info"
	ActivityUserRegisteredSecurityInfo  = "User registered security info"
	ActivityAddUser                     = "Add user"
	ActivityUpdateUser                  = "Update user"
	ActivityDeleteUser                  = "Delete user"
	ActivityAddGroup                    = "Add group"
	ActivityDeleteGroup                 = "Delete group"
	ActivityUpdateGroup                 = "Update group"
	ActivityAddMemberToGroup            = "Add member to group"
	ActivityRemoveMemberFromGroup       = "Remove member from group"
	ActivityAddMemberToRole             = "Add member to role"
	ActivityRemoveMemberFromRole        = "Remove member from role"
	ActivityUpdatePolicy                = "Update authentication methods policy"
	ActivityUpdateDirectorySetting      = "Update directory setting"
	ActivityAddApplication              = "Add application"
	ActivityUpdateApplication           = "Update application"
	ActivityUpdateApplicationSecrets    = "Update application – Certificates and secrets management"
	ActivityDeleteApplication           = "Delete application"
	ActivityBootstrapDirectory          = "Bootstrap directory"
	ActivityAddSigningKey               = "Add token signing key"
	ActivityRevokeSessions              = "Invalidate all refresh tokens for user"
	ActivityResetLockout                = "Reset sign-in lockout"
)

// ModifiedProperty is one changed field of a target, before and after.
type ModifiedProperty struct {
	DisplayName string
	OldValue    string
	NewValue    string
}

// AuditTarget is a resource an audited activity touched.
type AuditTarget struct {
	ID                 string
	DisplayName        string
	Type               string // "User", "Group", "Policy", "Application", "Role"
	UserPrincipalName  string
	ModifiedProperties []ModifiedProperty
}

// KeyValue is an additional detail of an audit record.
type KeyValue struct {
	Key   string
	Value string
}

// AuditRecord is one entry of the directory audit log (Graph directoryAudit). It
// never holds a secret: passes, client secrets and keys are recorded by id only.
type AuditRecord struct {
	ID                  string
	ActivityDateTime    time.Time
	ActivityDisplayName string
	Category            string
	LoggedByService     string
	OperationType       string // Add, Update, Delete
	Result              string // success, failure
	ResultReason        string
	CorrelationID       string
	InitiatedBy         Actor
	TargetResources     []AuditTarget
	AdditionalDetails   []KeyValue
}

// TargetUserID returns the id of the first User target, used for filtering.
func (r AuditRecord) TargetUserID() string {
	for _, t := range r.TargetResources {
		if t.Type == "User" {
			return t.ID
		}
	}
	return ""
}
