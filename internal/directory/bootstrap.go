package directory

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/store"
)

const settingInitialized = "initialized_admin"

// InitResult is the outcome of Init. On a directory that was already initialised,
// Created is false and there is no pass.
type InitResult struct {
	Created  bool
	Admin    domain.User
	Pass     IssuedPass
	TenantID string
}

// Init bootstraps an empty directory: it creates the first Global Administrator,
// enables the pass policy and issues that administrator a one-time pass, so that
// even the first administrator never has a password. It is safe to run again, and
// safe when two processes run it at once: exactly one creates the directory.
// The tenant id is fixed here too, if nothing has fixed it before.
func (s *Service) Init(ctx context.Context, adminUPN string) (InitResult, error) {
	tenant, err := s.TenantID(ctx)
	if err != nil {
		return InitResult{}, err
	}
	res, err := s.initDirectory(ctx, adminUPN)
	res.TenantID = tenant
	return res, err
}

func (s *Service) initDirectory(ctx context.Context, adminUPN string) (InitResult, error) {
	if err := domain.ValidateUPN(strings.TrimSpace(adminUPN)); err != nil {
		return InitResult{}, err
	}
	if existing, err := s.store.GetSetting(ctx, settingInitialized); err == nil {
		return s.alreadyInitialised(ctx, existing)
	} else if !errors.Is(err, store.ErrNotFound) {
		return InitResult{}, fmt.Errorf("read initialisation marker: %w", err)
	}
	actor := domain.SystemActor()
	code, err := s.preparePass(ctx)
	if err != nil {
		return InitResult{}, err
	}
	var res InitResult
	err = s.store.InTx(ctx, func(tx store.Store) error {
		admin := domain.User{
			ID: newID(), UserPrincipalName: strings.TrimSpace(adminUPN), DisplayName: "Administrator",
			MailNickname: strings.SplitN(adminUPN, "@", 2)[0], AccountEnabled: true, CreatedDateTime: s.now(),
		}
		if err := tx.PutSetting(ctx, settingInitialized, admin.ID, true); err != nil {
			return fmt.Errorf("mark directory initialised: %w", err)
		}
		if err := tx.CreateUser(ctx, admin); err != nil {
			if errors.Is(err, store.ErrAlreadyExists) {
				return upnTaken()
			}
			return fmt.Errorf("create bootstrap administrator: %w", err)
		}
		if err := tx.AssignRole(ctx, domain.RoleAssignment{UserID: admin.ID, Role: domain.RoleGlobalAdministrator}); err != nil {
			return fmt.Errorf("make bootstrap administrator a Global Administrator: %w", err)
		}
		var before domain.TAPPolicy
		after, err := tx.UpdateTAPPolicy(ctx, func(p domain.TAPPolicy) (domain.TAPPolicy, error) {
			before = p
			p.State = domain.StateEnabled
			p.LastModifiedDateTime = s.now()
			return p, nil
		})
		if err != nil {
			return fmt.Errorf("enable pass policy: %w", err)
		}
		if err := s.record(ctx, tx, actor, entry{activity: domain.ActivityBootstrapDirectory, category: domain.CategoryUserManagement,
			op: "Add", targets: []domain.AuditTarget{
				userTarget(admin, domain.ModifiedProperty{DisplayName: "role", NewValue: domain.RoleGlobalAdministrator.DisplayName()}),
				{ID: "TemporaryAccessPass", DisplayName: "Temporary Access Pass policy", Type: "Policy", ModifiedProperties: policyChanges(before, after)},
			}}); err != nil {
			return err
		}
		once := true
		pass, err := s.issuePass(ctx, tx, actor, admin.ID, domain.PassRequest{IsUsableOnce: &once}, code)
		if err != nil {
			return fmt.Errorf("issue bootstrap pass: %w", err)
		}
		res = InitResult{Created: true, Admin: admin, Pass: pass}
		return nil
	})
	if errors.Is(err, store.ErrAlreadyExists) {
		existing, gerr := s.store.GetSetting(ctx, settingInitialized)
		if gerr != nil {
			return InitResult{}, fmt.Errorf("read initialisation marker: %w", gerr)
		}
		return s.alreadyInitialised(ctx, existing)
	}
	if err != nil {
		return InitResult{}, err
	}
	s.log.InfoContext(ctx, "directory initialised", "admin", res.Admin.UserPrincipalName, "pass_id", res.Pass.ID)
	return res, nil
}

func (s *Service) alreadyInitialised(ctx context.Context, adminID string) (InitResult, error) {
	admin, err := s.store.GetUser(ctx, adminID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return InitResult{}, fmt.Errorf("read bootstrap administrator: %w", err)
	}
	return InitResult{Created: false, Admin: admin}, nil
}

// Initialized reports whether Init has run on this directory.
func (s *Service) Initialized(ctx context.Context) (bool, error) {
	_, err := s.store.GetSetting(ctx, settingInitialized)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("read initialisation marker: %w", err)
	}
	return true, nil
}
