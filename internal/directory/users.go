package directory

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/store"
)

// ResolveUser finds a user by object id or userPrincipalName.
func (s *Service) ResolveUser(ctx context.Context, ref string) (domain.User, error) {
	return resolveUser(ctx, s.store, ref)
}

func resolveUser(ctx context.Context, st store.Store, ref string) (domain.User, error) {
	var (
		u   domain.User
		err error
	)
	if isGUID(ref) {
		u, err = st.GetUser(ctx, strings.ToLower(ref))
	} else {
		u, err = st.GetUserByUPN(ctx, ref)
	}
	if err != nil {
		return domain.User{}, notFound(err, "user", ref)
	}
	return u, nil
}

// GetUser returns a user the actor may read.
func (s *Service) GetUser(ctx context.Context, actor domain.Actor, ref string) (domain.User, error) {
	if err := actor.Require(domain.ActReadUsers); err != nil {
		return domain.User{}, err
	}
	return s.ResolveUser(ctx, ref)
}

// ListUsers lists users the actor may read.
func (s *Service) ListUsers(ctx context.Context, actor domain.Actor, opts store.ListOptions) ([]domain.User, int, error) {
	if err := actor.Require(domain.ActReadUsers); err != nil {
		return nil, 0, err
	}
	return listResult(s.store.ListUsers(ctx, opts))
}

// CreateUser adds a user. ID and createdDateTime are assigned here.
func (s *Service) CreateUser(ctx context.Context, actor domain.Actor, u domain.User) (domain.User, error) {
	if err := actor.Require(domain.ActWriteUsers); err != nil {
		return domain.User{}, err
	}
	u.ID = newID()
	u.UserPrincipalName = strings.TrimSpace(u.UserPrincipalName)
	u.CreatedDateTime = s.now()
	u.Version, u.LastModifiedDateTime = 1, u.CreatedDateTime
	if u.MailNickname == "" {
		u.MailNickname = strings.SplitN(u.UserPrincipalName, "@", 2)[0]
	}
	if err := u.Validate(); err != nil {
		return domain.User{}, err
	}
	err := s.store.InTx(ctx, func(tx store.Store) error {
		if u.ManagerID != "" {
			m, err := resolveUser(ctx, tx, u.ManagerID)
			if err != nil {
				return domain.Invalid("manager %q does not exist.", u.ManagerID)
			}
			u.ManagerID = m.ID
		}
		if err := tx.CreateUser(ctx, u); err != nil {
			if errors.Is(err, store.ErrAlreadyExists) {
				return upnTaken()
			}
			return fmt.Errorf("create user: %w", err)
		}
		return s.record(ctx, tx, actor, entry{activity: domain.ActivityAddUser, category: domain.CategoryUserManagement,
			op: "Add", targets: []domain.AuditTarget{userTarget(u)}})
	})
	if err != nil {
		return domain.User{}, err
	}
	return u, nil
}

// ErrUPNTaken is in the chain of the error that CreateUser and UpdateUser return
// when the userPrincipalName belongs to another user, so that an interface can
// tell it apart from other rule violations (SCIM answers it with 409).
var ErrUPNTaken = errors.New("userPrincipalName taken")

// takenError is the rule violation that also names its cause.
type takenError struct{ rule *domain.Error }

func (e takenError) Error() string   { return e.rule.Message }
func (e takenError) Unwrap() []error { return []error{e.rule, ErrUPNTaken} }

func upnTaken() error {
	return takenError{&domain.Error{Kind: domain.KindInvalid, Code: "Request_BadRequest",
		Message: "Another object with the same value for property userPrincipalName already exists."}}
}

// UpdateUser applies a change to a user. apply edits the user in place; it sees
// the user as stored, inside the transaction, so it may refuse a stale change. Id,
// createdDateTime and the version cannot change; a change that changes anything
// counts as a new version. Disabling an account ends its sessions.
func (s *Service) UpdateUser(ctx context.Context, actor domain.Actor, ref string, apply func(*domain.User) error) (domain.User, error) {
	if err := actor.Require(domain.ActWriteUsers); err != nil {
		return domain.User{}, err
	}
	var updated domain.User
	err := s.store.InTx(ctx, func(tx store.Store) error {
		cur, err := resolveUser(ctx, tx, ref)
		if err != nil {
			return err
		}
		var before domain.User
		updated, err = tx.UpdateUser(ctx, cur.ID, func(old domain.User) (domain.User, error) {
			before = old
			// Checked with the row locked, so the user is judged as they are now.
			if err := mayManageUser(ctx, tx, actor, old); err != nil {
				return old, err
			}
			u := old
			if err := apply(&u); err != nil {
				return old, err
			}
			u.ID, u.CreatedDateTime = old.ID, old.CreatedDateTime
			u.Version, u.LastModifiedDateTime = old.Version, old.LastModifiedDateTime
			u.UserPrincipalName = strings.TrimSpace(u.UserPrincipalName)
			if u.ManagerID != "" && u.ManagerID != old.ManagerID {
				m, err := resolveUser(ctx, tx, u.ManagerID)
				if err != nil {
					return old, domain.Invalid("manager %q does not exist.", u.ManagerID)
				}
				u.ManagerID = m.ID
			}
			if err := u.Validate(); err != nil {
				return old, err
			}
			if len(userChanges(old, u)) > 0 {
				u.Version, u.LastModifiedDateTime = old.Version+1, s.now()
			}
			return u, nil
		})
		if errors.Is(err, store.ErrAlreadyExists) {
			return upnTaken()
		}
		if err != nil {
			return err
		}
		if before.AccountEnabled && !updated.AccountEnabled {
			if _, err := tx.DeleteUserSessions(ctx, updated.ID); err != nil {
				return fmt.Errorf("end sessions of disabled user: %w", err)
			}
		}
		changes := userChanges(before, updated)
		if len(changes) == 0 {
			return nil
		}
		return s.record(ctx, tx, actor, entry{activity: domain.ActivityUpdateUser, category: domain.CategoryUserManagement,
			op: "Update", targets: []domain.AuditTarget{userTarget(updated, changes...)}})
	})
	return updated, err
}

// userChanges lists what differs between two versions of a user, for the audit log.
func userChanges(a, b domain.User) []domain.ModifiedProperty {
	var out []domain.ModifiedProperty
	add := func(name, x, y string) {
		if x != y {
			out = append(out, domain.ModifiedProperty{DisplayName: name, OldValue: x, NewValue: y})
		}
	}
	add("userPrincipalName", a.UserPrincipalName, b.UserPrincipalName)
	add("displayName", a.DisplayName, b.DisplayName)
	add("givenName", a.GivenName, b.GivenName)
	add("surname", a.Surname, b.Surname)
	add("mail", a.Mail, b.Mail)
	add("mailNickname", a.MailNickname, b.MailNickname)
	add("jobTitle", a.JobTitle, b.JobTitle)
	add("department", a.Department, b.Department)
	add("accountEnabled", strconv.FormatBool(a.AccountEnabled), strconv.FormatBool(b.AccountEnabled))
	add("manager", a.ManagerID, b.ManagerID)
	add("employeeHireDate", dateString(a.EmployeeHireDate), dateString(b.EmployeeHireDate))
	add("employeeLeaveDateTime", dateString(a.EmployeeLeaveDateTime), dateString(b.EmployeeLeaveDateTime))
	add("employeeId", a.EmployeeID, b.EmployeeID)
	add("externalId", a.ExternalID, b.ExternalID)
	return out
}

// DeleteUser removes a user and everything that is theirs.
func (s *Service) DeleteUser(ctx context.Context, actor domain.Actor, ref string) error {
	return s.DeleteUserIf(ctx, actor, ref, nil)
}

// DeleteUserIf removes a user if check, which sees the user as stored with its
// row locked, allows it (a nil check allows every deletion): a caller can refuse
// to delete a version it has not seen.
func (s *Service) DeleteUserIf(ctx context.Context, actor domain.Actor, ref string, check func(domain.User) error) error {
	if err := actor.Require(domain.ActWriteUsers); err != nil {
		return err
	}
	return s.store.InTx(ctx, func(tx store.Store) error {
		u, err := resolveUser(ctx, tx, ref)
		if err != nil {
			return err
		}
		if actor.Type == domain.ActorUser && actor.UserID == u.ID {
			return domain.Forbidden("You cannot delete your own account.")
		}
		if check != nil {
			// A no-op update locks the row, so no change slips in between the check and the deletion.
			if u, err = tx.UpdateUser(ctx, u.ID, func(old domain.User) (domain.User, error) { return old, check(old) }); err != nil {
				return err
			}
		}
		if err := mayManageUser(ctx, tx, actor, u); err != nil {
			return err
		}
		if err := tx.DeleteUser(ctx, u.ID); err != nil {
			return fmt.Errorf("delete user: %w", err)
		}
		return s.record(ctx, tx, actor, entry{activity: domain.ActivityDeleteUser, category: domain.CategoryUserManagement,
			op: "Delete", targets: []domain.AuditTarget{userTarget(u)}})
	})
}

// mayManageUser holds the actor to the role rules for changing, disabling or
// deleting u (domain.Actor.CanManageUser), with u's roles read in tx.
func mayManageUser(ctx context.Context, tx store.Store, actor domain.Actor, u domain.User) error {
	roles, err := tx.ListUserRoles(ctx, u.ID)
	if err != nil {
		return fmt.Errorf("list roles of %s: %w", u.ID, err)
	}
	return actor.CanManageUser(u, roles)
}
