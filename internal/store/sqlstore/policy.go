package sqlstore

import (
	"context"
	"errors"
	"strings"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/store"
)

// The policy is the single row of tap_policy with id 1.
const policyColumns = `state, include_targets, exclude_targets, minimum_lifetime_minutes,
	maximum_lifetime_minutes, default_lifetime_minutes, default_length, usable_once, last_modified_at`

func scanPolicy(r rowScanner) (domain.TAPPolicy, error) {
	var p domain.TAPPolicy
	err := r.Scan(&p.State, jsonDest{&p.IncludeTargets}, jsonDest{&p.ExcludeTargets},
		&p.MinimumLifetimeInMinutes, &p.MaximumLifetimeInMinutes, &p.DefaultLifetimeInMinutes,
		&p.DefaultLength, &p.IsUsableOnce, timeDest{&p.LastModifiedDateTime})
	p.IncludeTargets = nonNil(p.IncludeTargets)
	p.ExcludeTargets = nonNil(p.ExcludeTargets)
	return p, err
}

// GetTAPPolicy returns the saved policy, or domain.DefaultTAPPolicy() if none was saved.
func (s *Store) GetTAPPolicy(ctx context.Context) (domain.TAPPolicy, error) {
	return s.getPolicy(ctx, "")
}

func (s *Store) getPolicy(ctx context.Context, suffix string) (domain.TAPPolicy, error) {
	p, err := scanPolicy(s.queryRow(ctx, "SELECT "+policyColumns+" FROM tap_policy WHERE id = 1"+suffix))
	if err != nil {
		err = s.fail("get TAP policy", err)
		if errors.Is(err, store.ErrNotFound) {
			return domain.DefaultTAPPolicy(), nil
		}
		return domain.TAPPolicy{}, err
	}
	if err := s.markMissingTargets(ctx, p.IncludeTargets, p.ExcludeTargets); err != nil {
		return domain.TAPPolicy{}, err
	}
	return p, nil
}

// UpdateTAPPolicy changes the policy with fn inside one transaction.
func (s *Store) UpdateTAPPolicy(ctx context.Context, fn func(domain.TAPPolicy) (domain.TAPPolicy, error)) (domain.TAPPolicy, error) {
	var out domain.TAPPolicy
	err := s.inTx(ctx, func(tx *Store) error {
		// Make sure the row exists before locking it: two first-ever updates racing
		// would otherwise both start from the default and one would be lost. The
		// default written here commits only together with fn's result.
		if err := tx.putPolicy(ctx, domain.DefaultTAPPolicy(), "ON CONFLICT (id) DO NOTHING"); err != nil {
			return err
		}
		old, err := tx.getPolicy(ctx, tx.d.ForUpdate)
		if err != nil {
			return err
		}
		p, err := fn(old)
		if err != nil {
			return err
		}
		if err := tx.putPolicy(ctx, p, `ON CONFLICT (id) DO UPDATE SET state = excluded.state,
			include_targets = excluded.include_targets, exclude_targets = excluded.exclude_targets,
			minimum_lifetime_minutes = excluded.minimum_lifetime_minutes,
			maximum_lifetime_minutes = excluded.maximum_lifetime_minutes,
			default_lifetime_minutes = excluded.default_lifetime_minutes,
			default_length = excluded.default_length, usable_once = excluded.usable_once,
			last_modified_at = excluded.last_modified_at`); err != nil {
			return err
		}
		out, err = tx.getPolicy(ctx, "")
		return err
	})
	return out, err
}

func (s *Store) putPolicy(ctx context.Context, p domain.TAPPolicy, onConflict string) error {
	_, err := s.exec(ctx, "INSERT INTO tap_policy (id, "+policyColumns+`)
		VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?) `+onConflict,
		p.State, jsonText(p.IncludeTargets), jsonText(p.ExcludeTargets), p.MinimumLifetimeInMinutes,
		p.MaximumLifetimeInMinutes, p.DefaultLifetimeInMinutes, p.DefaultLength, p.IsUsableOnce,
		s.d.time(p.LastModifiedDateTime))
	if err != nil {
		return s.fail("save TAP policy", err)
	}
	return nil
}

// markMissingTargets sets Missing on every target whose group no longer exists,
// in place, so that a dangling target can never widen a policy
// (domain.TAPPolicy.Includes). The ids are looked up a bounded number at a time.
func (s *Store) markMissingTargets(ctx context.Context, lists ...[]domain.Target) error {
	var ids []any
	for _, l := range lists {
		for _, t := range l {
			if t.ID != domain.AllUsers {
				ids = append(ids, t.ID)
			}
		}
	}
	exists := map[string]bool{}
	for len(ids) > 0 {
		chunk := ids[:min(len(ids), 500)]
		ids = ids[len(chunk):]
		rows, err := s.query(ctx, "SELECT id FROM groups WHERE id IN (?"+strings.Repeat(", ?", len(chunk)-1)+")", chunk...)
		if err != nil {
			return s.fail("look up policy target groups", err)
		}
		found, err := scanAll(rows, "look up policy target groups", func(r rowScanner) (string, error) {
			var id string
			return id, r.Scan(&id)
		})
		if err != nil {
			return err
		}
		for _, id := range found {
			exists[id] = true
		}
	}
	for _, l := range lists {
		for i := range l {
			l[i].Missing = l[i].ID != domain.AllUsers && !exists[l[i].ID]
		}
	}
	return nil
}
