package domain

import (
	"slices"
	"time"
)

// Registration method names as Microsoft Graph writes them in a user's
// methodsRegistered: a passkey that cannot leave its authenticator (a security
// key, a platform authenticator without sync) is device-bound; one that the
// authenticator may back up (backup eligible) is synced.
const (
	RegisteredPassKeyDeviceBound  = "passKeyDeviceBound"
	RegisteredPassKeySynced       = "passKeySynced"
	RegisteredTemporaryAccessPass = "temporaryAccessPass"
)

// RegistrationMethods lists every method the registration reports count, in
// the order the summaries list them.
var RegistrationMethods = []string{RegisteredPassKeyDeviceBound, RegisteredPassKeySynced, RegisteredTemporaryAccessPass}

// Registration features as Graph names them (authenticationMethodFeature).
// firstkey has no passwords, so nobody is registered for or capable of
// self-service password reset: the three sspr features always count zero.
const (
	FeatureSsprRegistered      = "ssprRegistered"
	FeatureSsprEnabled         = "ssprEnabled"
	FeatureSsprCapable         = "ssprCapable"
	FeaturePasswordlessCapable = "passwordlessCapable"
	FeatureMfaCapable          = "mfaCapable"
)

// RegistrationFeatures lists the features in Graph's enumeration order.
var RegistrationFeatures = []string{FeatureSsprRegistered, FeatureSsprEnabled, FeatureSsprCapable,
	FeaturePasswordlessCapable, FeatureMfaCapable}

// Usage method names in sign-in summaries. The sign-in log records that a
// passkey was used but not whether it was synced, so passkey sign-ins are
// counted under Graph's generic FIDO2 name.
const (
	UsageFido2               = "fido2"
	UsageTemporaryAccessPass = "temporaryAccessPass"
)

// UsageMethod names a sign-in log's method as the usage summaries do.
func UsageMethod(logged string) string {
	switch logged {
	case MethodTemporaryAccess:
		return UsageTemporaryAccessPass
	case MethodPasskey:
		return UsageFido2
	}
	return logged
}

// IncludedUserRoles narrows the registration summaries by role, as Graph's
// includedUserRoles does: everyone, holders of a privileged role, holders of
// any role, or people holding none.
type IncludedUserRoles string

const (
	RolesAll             IncludedUserRoles = "all"
	RolesPrivilegedAdmin IncludedUserRoles = "privilegedAdmin"
	RolesAdmin           IncludedUserRoles = "admin"
	RolesUser            IncludedUserRoles = "user"
)

// IncludedUserTypes narrows them by user type. firstkey has members only, so
// "guest" counts nobody.
type IncludedUserTypes string

const (
	TypesAll    IncludedUserTypes = "all"
	TypesMember IncludedUserTypes = "member"
	TypesGuest  IncludedUserTypes = "guest"
)

// ParseIncludedUserRoles accepts Graph's values, exactly as it spells them.
func ParseIncludedUserRoles(s string) (IncludedUserRoles, error) {
	for _, r := range []IncludedUserRoles{RolesAll, RolesPrivilegedAdmin, RolesAdmin, RolesUser} {
		if string(r) == s {
			return r, nil
		}
	}
	return "", Invalid("includedUserRoles must be one of 'all', 'privilegedAdmin', 'admin', 'user', not %q.", s)
}

// ParseIncludedUserTypes accepts Graph's values, exactly as it spells them.
func ParseIncludedUserTypes(s string) (IncludedUserTypes, error) {
	for _, t := range []IncludedUserTypes{TypesAll, TypesMember, TypesGuest} {
		if string(t) == s {
			return t, nil
		}
	}
	return "", Invalid("includedUserTypes must be one of 'all', 'member', 'guest', not %q.", s)
}

// PrivilegedRoles are the roles Graph's privilegedAdmin counts, of those
// firstkey has: Entra lists Global, User and Authentication Administrator;
// the Privileged Authentication Administrator can do more than the last of
// these and so belongs with them.
var PrivilegedRoles = []Role{RoleGlobalAdministrator, RolePrivilegedAuthenticationAdministrator,
	RoleAuthenticationAdministrator, RoleUserAdministrator}

// MethodScope is who may use an authentication method under its policy, in a
// form a store can apply to many users at once.
type MethodScope struct {
	Nobody   bool     // the policy is disabled, or excludes a group that no longer exists
	Everyone bool     // all_users is included (still less ExcludeGroups)
	Include  []string // group ids included
	Exclude  []string // group ids excluded
}

// ScopeOf is the scope of a policy with the given state and targets; it
// matches TAPPolicy.Includes for every user.
func ScopeOf(state string, include, exclude []Target) MethodScope {
	if state != StateEnabled {
		return MethodScope{Nobody: true}
	}
	s := MethodScope{Include: []string{}, Exclude: []string{}}
	for _, t := range exclude {
		if t.Missing || t.ID == AllUsers {
			return MethodScope{Nobody: true}
		}
		s.Exclude = append(s.Exclude, t.ID)
	}
	for _, t := range include {
		switch {
		case t.Missing:
		case t.ID == AllUsers:
			s.Everyone = true
		default:
			s.Include = append(s.Include, t.ID)
		}
	}
	if !s.Everyone && len(s.Include) == 0 {
		return MethodScope{Nobody: true}
	}
	return s
}

// RegistrationDetails is one person's registration state (Graph
// userRegistrationDetails), computed from what they hold now.
type RegistrationDetails struct {
	UserID            string
	UserPrincipalName string
	UserDisplayName   string
	IsAdmin           bool
	DeviceBoundKeys   int  // passkeys that are not backup eligible
	SyncedKeys        int  // passkeys that are
	HasPass           bool // a pass that has not ended
	PasskeysAllowed   bool // the passkey policy lets them use passkeys
	// LastUpdatedDateTime is the latest change to the person or their methods
	// that firstkey still holds.
	LastUpdatedDateTime time.Time
}

// MethodsRegistered lists their methods by Graph's names.
func (r RegistrationDetails) MethodsRegistered() []string {
	out := []string{}
	if r.DeviceBoundKeys > 0 {
		out = append(out, RegisteredPassKeyDeviceBound)
	}
	if r.SyncedKeys > 0 {
		out = append(out, RegisteredPassKeySynced)
	}
	if r.HasPass {
		out = append(out, RegisteredTemporaryAccessPass)
	}
	return out
}

// IsMfaRegistered: a passkey is a strong method whatever the policy says. A
// pass is not counted: it is temporary, the way in to registering one.
func (r RegistrationDetails) IsMfaRegistered() bool { return r.DeviceBoundKeys+r.SyncedKeys > 0 }

// IsMfaCapable is a strong method that the policy allows. Every passkey is
// also passwordless, so the two capabilities coincide in firstkey.
func (r RegistrationDetails) IsMfaCapable() bool { return r.IsMfaRegistered() && r.PasskeysAllowed }

// IsPasswordlessCapable is the same as IsMfaCapable; see there.
func (r RegistrationDetails) IsPasswordlessCapable() bool { return r.IsMfaCapable() }

// RegistrationQuery says whom the registration reports cover and what the
// policies allow now.
type RegistrationQuery struct {
	Now          time.Time
	PasskeyScope MethodScope
	Roles        IncludedUserRoles // "" is all
	Types        IncludedUserTypes // "" is all
}

// RegistrationSummary counts the people a RegistrationQuery covers: in total,
// per method (Graph's names) and per feature.
type RegistrationSummary struct {
	TotalUsers int
	ByMethod   map[string]int
	ByFeature  map[string]int
}

// DayCount is a number for one UTC day.
type DayCount struct {
	Day   time.Time // midnight UTC
	Count int
}

// SignInTally counts the sign-ins of one UTC day with the same method,
// requirement and outcome.
type SignInTally struct {
	Day         time.Time
	Method      string // as logged: MethodPasskey, MethodTemporaryAccess, or ""
	Requirement string
	Succeeded   bool
	ErrorCode   int
	Count       int
}

// DaysBetween lists the UTC midnights from from's day up to, not including,
// to's day when to is a midnight (to's day otherwise).
func DaysBetween(from, to time.Time) []time.Time {
	d := from.UTC().Truncate(24 * time.Hour)
	var out []time.Time
	for d.Before(to) {
		out = append(out, d)
		d = d.Add(24 * time.Hour)
	}
	return out
}

// Covers reports whether a person holding roles is covered by r.
func (r IncludedUserRoles) Covers(roles []Role) bool {
	switch r {
	case RolesPrivilegedAdmin:
		for _, x := range roles {
			if slices.Contains(PrivilegedRoles, x) {
				return true
			}
		}
		return false
	case RolesAdmin:
		return len(roles) > 0
	case RolesUser:
		return len(roles) == 0
	}
	return true
}

// MaxReportDays bounds the time range of an activity report: a year of days
// keeps the charts readable and the queries cheap.
const MaxReportDays = 366

// ValidateReportRange checks the range [from, to) of an activity report.
func ValidateReportRange(from, to time.Time) error {
	switch {
	case from.IsZero() || to.IsZero():
		return Invalid("A report needs a start and an end.")
	case !from.Before(to):
		return Invalid("The start of the report (%s) must be before its end (%s).", from.UTC().Format(time.RFC3339), to.UTC().Format(time.RFC3339))
	case to.Sub(from) > MaxReportDays*24*time.Hour:
		return Invalid("A report covers at most %d days.", MaxReportDays)
	}
	return nil
}
