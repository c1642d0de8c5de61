package sqlstore

import (
	"context"
	"errors"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/store"
)

// The passkey policy is the single row of fido2_policy with id 1, stored like the
// TAP policy.
const fido2PolicyColumns = `state, include_targets, exclude_targets, self_service_registration,
	attestation_enforced, key_restrictions_enforced, key_restrictions_type, key_restrictions_aaguids,
	user_verification, revoke_pass_on_first_passkey, last_modified_at`

func scanFido2Policy(r rowScanner) (domain.Fido2Policy, error) {
	var p domain.Fido2Policy
	err := r.Scan(&p.State, jsonDest{&p.IncludeTargets}, jsonDest{&p.ExcludeTargets},
		&p.IsSelfServiceRegistrationAllowed, &p.IsAttestationEnforced, &p.KeyRestrictions.IsEnforced,
		&p.KeyRestrictions.EnforcementType, jsonDest{&p.KeyRestrictions.AAGUIDs}, &p.UserVerification,
		&p.RevokePassOnFirstPasskey, timeDest{&p.LastModifiedDateTime})
	p.IncludeTargets = nonNil(p.IncludeTargets)
	p.ExcludeTargets = nonNil(p.ExcludeTargets)
	p.KeyRestrictions.AAGUIDs = nonNil(p.KeyRestrictions.AAGUIDs)
	return p, err
}

// GetFido2Policy returns the saved passkey policy, or domain.DefaultFido2Policy().
func (s *Store) GetFido2Policy(ctx context.Context) (domain.Fido2Policy, error) {
	return s.getFido2Policy(ctx, "")
}

func (s *Store) getFido2Policy(ctx context.Context, suffix string) (domain.Fido2Policy, error) {
	p, err := scanFido2Policy(s.queryRow(ctx, "SELECT "+fido2PolicyColumns+" FROM fido2_policy WHERE id = 1"+suffix))
	if err != nil {
		err = s.fail("get passkey policy", err)
		if errors.Is(err, store.ErrNotFound) {
			return domain.DefaultFido2Policy(), nil
		}
		return domain.Fido2Policy{}, err
	}
	if err := s.markMissingTargets(ctx, p.IncludeTargets, p.ExcludeTargets); err != nil {
		return domain.Fido2Policy{}, err
	}
	return p, nil
}

// UpdateFido2Policy changes the passkey policy with fn inside one transaction.
func (s *Store) UpdateFido2Policy(ctx context.Context, fn func(domain.Fido2Policy) (domain.Fido2Policy, error)) (domain.Fido2Policy, error) {
	var out domain.Fido2Policy
	err := s.inTx(ctx, func(tx *Store) error {
		// As for the TAP policy: insert the default first so that there is a row to
		// lock, or two first-ever updates would both start from the default.
		if err := tx.putFido2Policy(ctx, domain.DefaultFido2Policy(), "ON CONFLICT (id) DO NOTHING"); err != nil {
			return err
		}
		old, err := tx.getFido2Policy(ctx, tx.d.ForUpdate)
		if err != nil {
			return err
		}
		p, err := fn(old)
		if err != nil {
			return err
		}
		if err := tx.putFido2Policy(ctx, p, `ON CONFLICT (id) DO UPDATE SET state = excluded.state,
			include_targets = excluded.include_targets, exclude_targets = excluded.exclude_targets,
			self_service_registration = excluded.self_service_registration,
			attestation_enforced = excluded.attestation_enforced,
			key_restrictions_enforced = excluded.key_restrictions_enforced,
			key_restrictions_type = excluded.key_restrictions_type,
			key_restrictions_aaguids = excluded.key_restrictions_aaguids,
			user_verification = excluded.user_verification,
			revoke_pass_on_first_passkey = excluded.revoke_pass_on_first_passkey,
			last_modified_at = excluded.last_modified_at`); err != nil {
			return err
		}
		out, err = tx.getFido2Policy(ctx, "")
		return err
	})
	return out, err
}

func (s *Store) putFido2Policy(ctx context.Context, p domain.Fido2Policy, onConflict string) error {
	_, err := s.exec(ctx, "INSERT INTO fido2_policy (id, "+fido2PolicyColumns+`)
		VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) `+onConflict,
		p.State, jsonText(p.IncludeTargets), jsonText(p.ExcludeTargets), p.IsSelfServiceRegistrationAllowed,
		p.IsAttestationEnforced, p.KeyRestrictions.IsEnforced, p.KeyRestrictions.EnforcementType,
		jsonText(p.KeyRestrictions.AAGUIDs), p.UserVerification, p.RevokePassOnFirstPasskey,
		s.d.time(p.LastModifiedDateTime))
	if err != nil {
		return s.fail("save passkey policy", err)
	}
	return nil
}
