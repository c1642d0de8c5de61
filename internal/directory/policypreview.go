package directory

import (
	"context"
	"slices"
	"time"

	"github.com/firstkey/firstkey/internal/domain"
)

// PolicyChange is what saving a policy change would do: the policy before and
// after, and each field that differs (the audit record's modified properties).
type PolicyChange[P any] struct {
	Before, After P
	Changes       []domain.ModifiedProperty
}

// PreviewTAPPolicy checks a change to the pass policy the way UpdateTAPPolicy
// would (the caller's right, the rules, the groups named) and says what it would
// change, without changing anything: the console's confirm step.
func (s *Service) PreviewTAPPolicy(ctx context.Context, actor domain.Actor, apply func(*domain.TAPPolicy) error) (PolicyChange[domain.TAPPolicy], error) {
	if err := actor.Require(domain.ActWritePolicy); err != nil {
		return PolicyChange[domain.TAPPolicy]{}, err
	}
	before, err := s.GetTAPPolicy(ctx, actor)
	if err != nil {
		return PolicyChange[domain.TAPPolicy]{}, err
	}
	p := before // cloned so that an empty list stays empty, not null: no change
	p.IncludeTargets = slices.Clone(before.IncludeTargets)
	p.ExcludeTargets = slices.Clone(before.ExcludeTargets)
	if err := apply(&p); err != nil {
		return PolicyChange[domain.TAPPolicy]{}, err
	}
	if err := p.Validate(); err != nil {
		return PolicyChange[domain.TAPPolicy]{}, err
	}
	if err := targetGroupsExist(ctx, s.store, p.IncludeTargets, p.ExcludeTargets); err != nil {
		return PolicyChange[domain.TAPPolicy]{}, err
	}
	return PolicyChange[domain.TAPPolicy]{Before: before, After: p, Changes: policyChanges(before, p)}, nil
}

// PreviewFido2Policy is PreviewTAPPolicy for the passkey policy.
func (s *Service) PreviewFido2Policy(ctx context.Context, actor domain.Actor, apply func(*domain.Fido2Policy) error) (PolicyChange[domain.Fido2Policy], error) {
	if err := actor.Require(domain.ActWritePolicy); err != nil {
		return PolicyChange[domain.Fido2Policy]{}, err
	}
	before, err := s.GetFido2Policy(ctx, actor)
	if err != nil {
		return PolicyChange[domain.Fido2Policy]{}, err
	}
	p := before // cloned so that an empty list stays empty, not null: no change
	p.IncludeTargets = slices.Clone(before.IncludeTargets)
	p.ExcludeTargets = slices.Clone(before.ExcludeTargets)
	p.KeyRestrictions.AAGUIDs = slices.Clone(before.KeyRestrictions.AAGUIDs)
	if err := apply(&p); err != nil {
		return PolicyChange[domain.Fido2Policy]{}, err
	}
	if err := p.Validate(); err != nil {
		return PolicyChange[domain.Fido2Policy]{}, err
	}
	if err := targetGroupsExist(ctx, s.store, p.IncludeTargets, p.ExcludeTargets); err != nil {
		return PolicyChange[domain.Fido2Policy]{}, err
	}
	p.LastModifiedDateTime = before.LastModifiedDateTime
	return PolicyChange[domain.Fido2Policy]{Before: before, After: p, Changes: changedFields(before, p)}, nil
}

// UnchangedSince is the check a confirm step makes before saving what it
// previewed: the policy must still be the one the person reviewed, or they
// would confirm a change against a policy they never saw.
func UnchangedSince(last, reviewed time.Time) error {
	if !last.Equal(reviewed) {
		return &domain.Error{Kind: domain.KindConflict, Code: "policyChanged",
			Message: "Someone else changed this policy after you reviewed your change. Review it again against the current policy."}
	}
	return nil
}
