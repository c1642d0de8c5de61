package domain

import "slices"

// Action is something a caller may be allowed to do. Endpoints and commands name the
// action they perform; Actor.Can decides from roles (people) or permissions (applications).
type Action string

const (
	ActReadUsers    Action = "read users"
	ActWriteUsers   Action = "write users"
	ActReadGroups   Action = "read groups"
	ActWriteGroups  Action = "write groups"
	ActReadMethods  Action = "read authentication methods"
	ActWriteMethods Action = "write authentication methods"
	ActReadPolicy   Action = "read policies"
	ActWritePolicy  Action = "write authentication methods policy"
	ActReadAudit    Action = "read audit and sign-in logs"
	ActManageApps   Action = "manage applications"
	ActManageRoles  Action = "manage directory roles"
	// ActReadReports is the authentication methods reports: who has registered
	// what, and how people sign in.
	ActReadReports Action = "read authentication methods reports"
	// ActManageKeys is the token signing keys: the local operator's, the token
	// service's and, in the admin console, a Global Administrator's; never an
	// application's (the API has no signing-key endpoint).
	ActManageKeys Action = "manage token signing keys"
)

// ActorType says who is acting.
type ActorType string

const (
	ActorUser   ActorType = "user"   // a signed-in person, checked by directory role
	ActorApp    ActorType = "app"    // an OAuth client, checked by application permission
	ActorSystem ActorType = "system" // the local operator using the CLI on the data store, or firstkey itself
)

// Actor is the authenticated initiator of a change. It is also what audit records name.
type Actor struct {
	Type        ActorType
	UserID      string
	UPN         string
	Roles       []Role
	AppID       string // client id for applications
	AppName     string
	Permissions []Permission
	IPAddress   string
}

// SystemActor is the local operator running the CLI directly on the store: like
// root, it may do anything, and audit records say so.
func SystemActor() Actor { return Actor{Type: ActorSystem, AppName: "firstkey CLI"} }

// AutomaticActor is firstkey acting on its own by rule, on nobody's request:
// revoking a pass once its holder has registered a first passkey or after too
// many wrong guesses, revoking tokens when a code or refresh token is replayed.
// Audit records name it "firstkey", so that such an entry is never mistaken for
// something the operator did at the CLI.
func AutomaticActor() Actor { return Actor{Type: ActorSystem, AppName: "firstkey"} }

// TokenServiceActor is firstkey's token service acting on its own, as when it
// generates its first signing key or renews one whose signing period ended.
func TokenServiceActor() Actor { return Actor{Type: ActorSystem, AppName: "firstkey token service"} }

var roleActions = map[Role][]Action{
	RoleGlobalAdministrator: {ActReadUsers, ActWriteUsers, ActReadGroups, ActWriteGroups, ActReadMethods,
		ActWriteMethods, ActReadPolicy, ActWritePolicy, ActReadAudit, ActManageApps, ActManageRoles, ActManageKeys, ActReadReports},
	// The authentication administrators see the reports of the onboarding they
	// run (who is passwordless yet), not the logs.
	RolePrivilegedAuthenticationAdministrator: {ActReadUsers, ActReadGroups, ActReadMethods, ActWriteMethods, ActReadPolicy, ActReadReports},
	RoleAuthenticationAdministrator:           {ActReadUsers, ActReadGroups, ActReadMethods, ActWriteMethods, ActReadPolicy, ActReadReports},
	RoleAuthenticationPolicyAdministrator:     {ActReadUsers, ActReadGroups, ActReadPolicy, ActWritePolicy, ActReadReports},
	RoleUserAdministrator:                     {ActReadUsers, ActWriteUsers, ActReadGroups, ActWriteGroups},
	RoleReportsReader:                         {ActReadUsers, ActReadGroups, ActReadAudit, ActReadReports},
}

var permissionActions = map[Permission][]Action{
	PermUserReadAll:                       {ActReadUsers},
	PermUserReadWriteAll:                  {ActReadUsers, ActWriteUsers},
	PermGroupReadAll:                      {ActReadGroups},
	PermGroupReadWriteAll:                 {ActReadGroups, ActWriteGroups},
	PermUserAuthenticationMethodReadAll:   {ActReadMethods},
	PermUserAuthenticationMethodReadWrite: {ActReadMethods, ActWriteMethods},
	PermPolicyReadAll:                     {ActReadPolicy},
	PermPolicyReadWriteAuthMethod:         {ActReadPolicy, ActWritePolicy},
	PermAuditLogReadAll:                   {ActReadAudit, ActReadReports}, // Graph's permission for the reports too
	PermReportsReadAll:                    {ActReadReports},
	PermApplicationReadWriteAll:           {ActManageApps},
	PermRoleManagementReadWriteDirectory:  {ActManageRoles},
	PermProvisioningReadWriteAll:          {ActReadUsers, ActWriteUsers, ActReadGroups, ActWriteGroups},
}

// Can reports whether the actor may perform a.
func (a Actor) Can(act Action) bool {
	switch a.Type {
	case ActorSystem:
		return true
	case ActorUser:
		for _, r := range a.Roles {
			for _, x := range roleActions[r] {
				if x == act {
					return true
				}
			}
		}
	case ActorApp:
		for _, p := range a.Permissions {
			for _, x := range permissionActions[p] {
				if x == act {
					return true
				}
			}
		}
	}
	return false
}

// Require returns a Forbidden error unless the actor may perform act.
func (a Actor) Require(act Action) error {
	if a.Can(act) {
		return nil
	}
	if a.Type == ActorApp {
		return &Error{Kind: KindForbidden, Code: "Authorization_RequestDenied",
			Message: "Insufficient privileges to complete the operation: the application lacks a permission to " + string(act) + "."}
	}
	return &Error{Kind: KindForbidden, Code: "Authorization_RequestDenied",
		Message: "Insufficient privileges to complete the operation: no directory role of the caller allows it to " + string(act) + "."}
}

func (a Actor) hasRole(r Role) bool {
	for _, x := range a.Roles {
		if x == r {
			return true
		}
	}
	return false
}

// CanManageMethodsOf decides whether the actor may create or delete authentication
// methods (passes, passkeys) of target, who holds targetRoles. An Authentication
// Administrator may act only on users with no role; a Privileged Authentication
// Administrator or Global Administrator on anyone; nobody on themselves, so that a
// compromised administrator cannot mint their own way back in.
func (a Actor) CanManageMethodsOf(target User, targetRoles []Role) error {
	if err := a.Require(ActWriteMethods); err != nil {
		return err
	}
	if a.Type != ActorUser {
		return nil
	}
	if a.UserID == target.ID {
		return &Error{Kind: KindForbidden, Code: "accessDenied",
			Message: "Administrators cannot manage their own authentication methods through the admin API; ask another administrator."}
	}
	if a.hasRole(RoleGlobalAdministrator) || a.hasRole(RolePrivilegedAuthenticationAdministrator) {
		return nil
	}
	if len(targetRoles) > 0 {
		return &Error{Kind: KindForbidden, Code: "Authorization_RequestDenied",
			Message: "An Authentication Administrator can manage methods only of users who hold no directory role; this user holds " + targetRoles[0].DisplayName() + "."}
	}
	return nil
}

// userAdministrable holds the roles whose holders a User Administrator may still
// manage. Entra lets a User Administrator manage people without an administrator
// role and holders of a few limited roles; of firstkey's roles, these two.
var userAdministrable = map[Role]bool{RoleUserAdministrator: true, RoleReportsReader: true}

// onlyGlobalAdmin holds the roles whose holders only a Global Administrator may
// change, disable or delete: either could otherwise take over the directory.
var onlyGlobalAdmin = map[Role]bool{RoleGlobalAdministrator: true, RolePrivilegedAuthenticationAdministrator: true}

// CanManageUser decides whether the actor may change, disable or delete target,
// who holds targetRoles (SPEC §1). A Global Administrator may manage anyone; a
// User Administrator only people with no role or with only the User
// Administrator / Reports Reader roles, and never a Global Administrator or a
// Privileged Authentication Administrator. An application with User.ReadWrite.All
// may manage only people who hold no role: in Entra an app-only caller needs an
// administrator role of its own to change or delete an administrator, and an
// application cannot hold a role in firstkey.
func (a Actor) CanManageUser(target User, targetRoles []Role) error {
	if err := a.Require(ActWriteUsers); err != nil {
		return err
	}
	return a.mayAffect(target, targetRoles, "change, disable or delete")
}

// CanChangeGroupsOf decides whether the actor may add target to a group or remove
// them from one. Groups decide who may use which authentication method (the
// policies target groups), so a membership change is a change to the person and
// the same role rules as CanManageUser apply.
func (a Actor) CanChangeGroupsOf(target User, targetRoles []Role) error {
	if err := a.Require(ActWriteGroups); err != nil {
		return err
	}
	return a.mayAffect(target, targetRoles, "change the group memberships of")
}

// mayAffect applies the role ranking of CanManageUser; verb says what was refused.
func (a Actor) mayAffect(target User, targetRoles []Role, verb string) error {
	if a.Type == ActorSystem || len(targetRoles) == 0 {
		return nil
	}
	if a.Type == ActorUser && a.hasRole(RoleGlobalAdministrator) {
		return nil
	}
	// Roles lists the most privileged first, so the message names the role that matters.
	held := func(match func(Role) bool) (Role, bool) {
		for _, r := range Roles {
			if match(r) && slices.Contains(targetRoles, r) {
				return r, true
			}
		}
		return "", false
	}
	who := target.UserPrincipalName
	if who == "" {
		who = "this user"
	}
	if r, ok := held(func(r Role) bool { return onlyGlobalAdmin[r] }); ok {
		return denied("Only a Global Administrator can %s a Global Administrator or a Privileged Authentication Administrator; %s holds %s.",
			verb, who, r.DisplayName())
	}
	if a.Type == ActorApp {
		r, _ := held(func(Role) bool { return true })
		return denied("An application can %s only users who hold no directory role; %s holds %s. Ask a Global Administrator.",
			verb, who, r.DisplayName())
	}
	if r, ok := held(func(r Role) bool { return !userAdministrable[r] }); ok {
		return denied("A User Administrator can %s only users who hold no directory role or only the User Administrator or Reports Reader roles; %s holds %s.",
			verb, who, r.DisplayName())
	}
	return nil
}

func denied(format string, args ...any) *Error {
	e := Forbidden(format, args...)
	e.Code = "Authorization_RequestDenied"
	return e
}
