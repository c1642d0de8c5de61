package domain

import "time"

// UsabilityReason says why a pass can or cannot be used (Graph methodUsabilityReason).
type UsabilityReason string

const (
	EnabledByPolicy  UsabilityReason = "EnabledByPolicy"
	DisabledByPolicy UsabilityReason = "DisabledByPolicy"
	Expired          UsabilityReason = "Expired"
	NotYetValid      UsabilityReason = "NotYetValid"
	OneTimeUsed      UsabilityReason = "OneTimeUsed"
)

// MaxPassFailures is the number of wrong guesses against one pass after which it is revoked.
const MaxPassFailures = 100

// MaxStartDelay bounds how far in the future a pass may start, to catch typos
// such as a wrong year that would leave a live credential waiting for months.
const MaxStartDelay = 365 * 24 * time.Hour

// startSkew tolerates an issuer's clock being slightly behind ours.
const startSkew = 5 * time.Minute

// TemporaryAccessPass is a stored pass. The code itself is never stored: only Hash.
type TemporaryAccessPass struct {
	ID                string
	UserID            string
	Hash              string // self-describing encoded hash, see package secret
	CreatedDateTime   time.Time
	StartDateTime     time.Time
	LifetimeInMinutes int
	IsUsableOnce      bool
	UsedDateTime      *time.Time // set when a one-time pass is consumed
	FailedAttempts    int
	CreatedBy         string // initiator, for the audit trail
	// Recovery marks a pass for someone who lost their authenticators: the first
	// passkey registered with it replaces every passkey they had.
	Recovery bool
}

// End is the instant the pass stops working.
func (p TemporaryAccessPass) End() time.Time {
	return p.StartDateTime.Add(time.Duration(p.LifetimeInMinutes) * time.Minute)
}

// Usability tells whether the pass can be used to sign in at now, given the policy
// and whether its user is in the policy's scope. Permanent states (used, expired)
// win over transient ones (policy, not yet valid), so an administrator sees the
// reason that will still hold tomorrow.
func (p TemporaryAccessPass) Usability(now time.Time, policy TAPPolicy, userInScope bool) (bool, UsabilityReason) {
	switch {
	case p.IsUsableOnce && p.UsedDateTime != nil:
		return false, OneTimeUsed
	case !now.Before(p.End()):
		return false, Expired
	case policy.State != StateEnabled, !userInScope, policy.IsUsableOnce && !p.IsUsableOnce:
		return false, DisabledByPolicy
	case now.Before(p.StartDateTime):
		return false, NotYetValid
	}
	return true, EnabledByPolicy
}

// PassRequest is what an issuer asks for; nil fields take the policy's values.
type PassRequest struct {
	StartDateTime     *time.Time
	LifetimeInMinutes *int
	IsUsableOnce      *bool
	// Recovery: the first passkey registered with the pass replaces the ones
	// the holder had (see TemporaryAccessPass.Recovery).
	Recovery bool
	// Deliver, when set, sends the pass instead of returning it to the issuer.
	Deliver *DeliveryRequest
}

// PassTerms is a validated request: the start, lifetime and use of a new pass.
type PassTerms struct {
	StartDateTime     time.Time
	LifetimeInMinutes int
	IsUsableOnce      bool
}

// Terms validates a request against the policy at now and fills in defaults.
func (r PassRequest) Terms(now time.Time, policy TAPPolicy) (PassTerms, error) {
	if policy.State != StateEnabled {
		return PassTerms{}, &Error{Kind: KindInvalid, Code: "badRequest",
			Message: "The Temporary Access Pass policy is disabled; enable it before issuing passes."}
	}
	t := PassTerms{StartDateTime: now, LifetimeInMinutes: policy.DefaultLifetimeInMinutes, IsUsableOnce: policy.IsUsableOnce}
	if r.StartDateTime != nil {
		start := r.StartDateTime.UTC()
		if start.Before(now.Add(-startSkew)) {
			return PassTerms{}, Invalid("Invalid startDateTime specified. The start must not be in the past.")
		}
		if start.After(now.Add(MaxStartDelay)) {
			return PassTerms{}, Invalid("Invalid startDateTime specified. The start must be within 365 days from now.")
		}
		if start.After(now) {
			t.StartDateTime = start
		}
	}
	if r.LifetimeInMinutes != nil {
		l := *r.LifetimeInMinutes
		if l < policy.MinimumLifetimeInMinutes || l > policy.MaximumLifetimeInMinutes {
			return PassTerms{}, Invalid("Invalid lifetimeInMinutes specified. The valid range is between %d and %d.",
				policy.MinimumLifetimeInMinutes, policy.MaximumLifetimeInMinutes)
		}
		t.LifetimeInMinutes = l
	}
	if r.IsUsableOnce != nil {
		if policy.IsUsableOnce && !*r.IsUsableOnce {
			return PassTerms{}, Invalid("Invalid isUsableOnce specified. The policy requires every Temporary Access Pass to be usable once.")
		}
		t.IsUsableOnce = *r.IsUsableOnce
	}
	return t, nil
}
