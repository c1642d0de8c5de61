package domain

import (
	"strings"
	"time"
)

// Policy states.
const (
	StateEnabled  = "enabled"
	StateDisabled = "disabled"
)

// AllUsers is the target id that includes every user.
const AllUsers = "all_users"

// Lifetime and length bounds of the Temporary Access Pass policy (Entra's).
const (
	MinLifetimeMinutes = 10
	MaxLifetimeMinutes = 43200
	MinPassLength      = 8
	MaxPassLength      = 48
)

// Target names a group (or all_users) a policy applies to.
type Target struct {
	ID                     string
	TargetType             string // "group"
	IsRegistrationRequired bool
	// Missing is set when the policy is read and the group no longer exists (a
	// release before groups named by a policy were protected from deletion let
	// that happen). It is never stored: it is a fact about the directory now.
	Missing bool `json:"-"`
}

// TAPPolicy is the directory's Temporary Access Pass policy (Graph:
// temporaryAccessPassAuthenticationMethodConfiguration).
type TAPPolicy struct {
	State                    string
	IncludeTargets           []Target
	ExcludeTargets           []Target
	MinimumLifetimeInMinutes int
	MaximumLifetimeInMinutes int
	DefaultLifetimeInMinutes int
	DefaultLength            int
	IsUsableOnce             bool
	LastModifiedDateTime     time.Time
}

// DefaultTAPPolicy is the policy of a new directory. It follows Entra's defaults,
// including being disabled; `firstkey init` enables it for the bootstrap administrator.
func DefaultTAPPolicy() TAPPolicy {
	return TAPPolicy{
		State:                    StateDisabled,
		IncludeTargets:           []Target{{ID: AllUsers, TargetType: "group"}},
		ExcludeTargets:           []Target{},
		MinimumLifetimeInMinutes: 60,
		MaximumLifetimeInMinutes: 480,
		DefaultLifetimeInMinutes: 60,
		DefaultLength:            8,
		IsUsableOnce:             false,
	}
}

// Validate checks the policy as a whole; the error names the first bad field and
// the range it must lie in.
func (p TAPPolicy) Validate() error {
	if p.State != StateEnabled && p.State != StateDisabled {
		return Invalid("state must be 'enabled' or 'disabled', not %q.", p.State)
	}
	if p.MinimumLifetimeInMinutes < MinLifetimeMinutes || p.MinimumLifetimeInMinutes > MaxLifetimeMinutes {
		return Invalid("minimumLifetimeInMinutes must be between %d and %d; got %d.", MinLifetimeMinutes, MaxLifetimeMinutes, p.MinimumLifetimeInMinutes)
	}
	if p.MaximumLifetimeInMinutes < MinLifetimeMinutes || p.MaximumLifetimeInMinutes > MaxLifetimeMinutes {
		return Invalid("maximumLifetimeInMinutes must be between %d and %d; got %d.", MinLifetimeMinutes, MaxLifetimeMinutes, p.MaximumLifetimeInMinutes)
	}
	if p.MaximumLifetimeInMinutes < p.MinimumLifetimeInMinutes {
		return Invalid("maximumLifetimeInMinutes (%d) must be at least minimumLifetimeInMinutes (%d).", p.MaximumLifetimeInMinutes, p.MinimumLifetimeInMinutes)
	}
	if p.DefaultLifetimeInMinutes < p.MinimumLifetimeInMinutes || p.DefaultLifetimeInMinutes > p.MaximumLifetimeInMinutes {
		return Invalid("defaultLifetimeInMinutes must be between minimumLifetimeInMinutes (%d) and maximumLifetimeInMinutes (%d); got %d.", p.MinimumLifetimeInMinutes, p.MaximumLifetimeInMinutes, p.DefaultLifetimeInMinutes)
	}
	if p.DefaultLength < MinPassLength || p.DefaultLength > MaxPassLength {
		return Invalid("defaultLength must be between %d and %d; got %d.", MinPassLength, MaxPassLength, p.DefaultLength)
	}
	if len(p.IncludeTargets) == 0 {
		return Invalid("includeTargets must name at least one group or all_users.")
	}
	for _, t := range append(append([]Target{}, p.IncludeTargets...), p.ExcludeTargets...) {
		if t.ID == "" {
			return Invalid("every target in includeTargets and excludeTargets needs an id.")
		}
		if t.TargetType != "group" {
			return Invalid("targetType must be 'group'; got %q.", t.TargetType)
		}
	}
	for _, t := range p.ExcludeTargets {
		if t.ID == AllUsers {
			return Invalid("excludeTargets cannot contain all_users; disable the policy instead.")
		}
	}
	return nil
}

// Includes reports whether a user belonging to groupIDs is in the policy's scope.
// A target whose group no longer exists never widens the scope: nobody can tell
// who was in a deleted excluded group, so it excludes everyone until an
// administrator removes it from the policy; a deleted included group includes
// no one.
func (p TAPPolicy) Includes(groupIDs []string) bool {
	member := map[string]bool{AllUsers: true}
	for _, g := range groupIDs {
		member[g] = true
	}
	for _, t := range p.ExcludeTargets {
		if t.Missing || member[t.ID] {
			return false
		}
	}
	for _, t := range p.IncludeTargets {
		if !t.Missing && member[t.ID] {
			return true
		}
	}
	return false
}

// TargetsGroup names the list of the policy that targets group id
// ("includeTargets" or "excludeTargets"), or "" when neither does.
func (p TAPPolicy) TargetsGroup(id string) string {
	return targetsGroup(p.IncludeTargets, p.ExcludeTargets, id)
}

func targetsGroup(include, exclude []Target, id string) string {
	for _, t := range exclude {
		if strings.EqualFold(t.ID, id) {
			return "excludeTargets"
		}
	}
	for _, t := range include {
		if strings.EqualFold(t.ID, id) {
			return "includeTargets"
		}
	}
	return ""
}
