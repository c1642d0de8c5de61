package directory

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/store"
)

// GetTAPPolicy returns the Temporary Access Pass policy.
func (s *Service) GetTAPPolicy(ctx context.Context, actor domain.Actor) (domain.TAPPolicy, error) {
	if err := actor.Require(domain.ActReadPolicy); err != nil {
		return domain.TAPPolicy{}, err
	}
	p, err := s.store.GetTAPPolicy(ctx)
	if err != nil {
		return domain.TAPPolicy{}, fmt.Errorf("read pass policy: %w", err)
	}
	return p, nil
}

// UpdateTAPPolicy applies a partial change to the policy. The result is validated as
// a whole; an invalid result changes nothing. Groups named as targets must exist.
func (s *Service) UpdateTAPPolicy(ctx context.Context, actor domain.Actor, apply func(*domain.TAPPolicy) error) (domain.TAPPolicy, error) {
	if err := actor.Require(domain.ActWritePolicy); err != nil {
		return domain.TAPPolicy{}, err
	}
	var updated domain.TAPPolicy
	err := s.store.InTx(ctx, func(tx store.Store) error {
		var before domain.TAPPolicy
		var err error
		updated, err = tx.UpdateTAPPolicy(ctx, func(old domain.TAPPolicy) (domain.TAPPolicy, error) {
			before = old
			p := old
			p.IncludeTargets = append([]domain.Target(nil), old.IncludeTargets...)
			p.ExcludeTargets = append([]domain.Target(nil), old.ExcludeTargets...)
			if err := apply(&p); err != nil {
				return old, err
			}
			if err := p.Validate(); err != nil {
				return old, err
			}
			if err := targetGroupsExist(ctx, tx, p.IncludeTargets, p.ExcludeTargets); err != nil {
				return old, err
			}
			p.LastModifiedDateTime = s.now()
			return p, nil
		})
		if err != nil {
			return err
		}
		return s.record(ctx, tx, actor, entry{
			activity: domain.ActivityUpdatePolicy, category: domain.CategoryPolicy,
			service: domain.ServiceAuthenticationMethods, op: "Update",
			targets: []domain.AuditTarget{{ID: "TemporaryAccessPass", DisplayName: "Temporary Access Pass policy", Type: "Policy",
				ModifiedProperties: policyChanges(before, updated)}},
		})
	})
	return updated, err
}

// policyChanges records every changed field of the pass policy.
func policyChanges(a, b domain.TAPPolicy) []domain.ModifiedProperty {
	a.LastModifiedDateTime = b.LastModifiedDateTime
	return changedFields(a, b)
}

// changedFields records every field that differs between two values of one struct
// type, each value as JSON, so the audit log shows exactly what a policy was
// before and after. LastModifiedDateTime is bookkeeping, not a change.
func changedFields[T any](a, b T) []domain.ModifiedProperty {
	var out []domain.ModifiedProperty
	av, bv := reflect.ValueOf(a), reflect.ValueOf(b)
	for i := 0; i < av.NumField(); i++ {
		name := av.Type().Field(i).Name
		if name == "LastModifiedDateTime" {
			continue
		}
		x, _ := json.Marshal(av.Field(i).Interface())
		y, _ := json.Marshal(bv.Field(i).Interface())
		if string(x) != string(y) {
			out = append(out, domain.ModifiedProperty{DisplayName: lowerFirst(name), OldValue: string(x), NewValue: string(y)})
		}
	}
	return out
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return string(s[0]|0x20) + s[1:]
}

// targetGroupsExist checks that every group a policy names exists.
func targetGroupsExist(ctx context.Context, tx store.Store, lists ...[]domain.Target) error {
	for _, l := range lists {
		for _, t := range l {
			if t.ID == domain.AllUsers {
				continue
			}
			if _, err := tx.GetGroup(ctx, t.ID); err != nil {
				return domain.Invalid("target group %q does not exist (it may have been deleted); remove it from the policy's targets.", t.ID)
			}
		}
	}
	return nil
}
