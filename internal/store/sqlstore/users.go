package sqlstore

import (
	"context"
	"fmt"
	"time"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/odata"
	"github.com/firstkey/firstkey/internal/store"
)

const userColumns = `users.id, users.user_principal_name, users.display_name, users.given_name,
	users.surname, users.mail, users.mail_nickname, users.job_title, users.department,
	users.account_enabled, users.created_at, users.manager_id, users.employee_hire_date,
	users.employee_id, users.external_id, users.version, users.last_modified_at, users.employee_leave_at`

var userFilter = filterSpec{fields: map[string]field{
	"id":                    {col: "users.id", typ: exactField},
	"userPrincipalName":     {col: "users.upn_key", typ: upnField},
	"displayName":           {col: "users.display_name", typ: textField},
	"givenName":             {col: "users.given_name", typ: textField},
	"surname":               {col: "users.surname", typ: textField},
	"mail":                  {col: "users.mail", typ: textField},
	"accountEnabled":        {col: "users.account_enabled", typ: boolField},
	"createdDateTime":       {col: "users.created_at", typ: timeField},
	"employeeHireDate":      {col: "users.employee_hire_date", typ: timeField, nullable: true},
	"employeeLeaveDateTime": {col: "users.employee_leave_at", typ: timeField, nullable: true},
	"jobTitle":              {col: "users.job_title", typ: textField},
	"department":            {col: "users.department", typ: textField},
	"employeeId":            {col: "users.employee_id", typ: textField},
	// externalId is another system's identifier, compared exactly as SCIM's
	// caseExact says (and so that its index serves eq).
	"externalId":           {col: "users.external_id", typ: exactField},
	"lastModifiedDateTime": {col: "users.last_modified_at", typ: timeField},
}}

var userOrder = []odata.OrderBy{{Field: "userPrincipalName"}}

func scanUser(r rowScanner) (domain.User, error) {
	var u domain.User
	var manager *string
	err := r.Scan(userDest(&u, &manager)...)
	if manager != nil {
		u.ManagerID = *manager
	}
	return u, err
}

// userDest is where a row of userColumns goes, the manager id (nullable)
// into manager.
func userDest(u *domain.User, manager **string) []any {
	return []any{&u.ID, &u.UserPrincipalName, &u.DisplayName, &u.GivenName,
		&u.Surname, &u.Mail, &u.MailNickname, &u.JobTitle, &u.Department,
		&u.AccountEnabled, timeDest{&u.CreatedDateTime}, manager, nullTimeDest{&u.EmployeeHireDate},
		&u.EmployeeID, &u.ExternalID, &u.Version, timeDest{&u.LastModifiedDateTime}, nullTimeDest{&u.EmployeeLeaveDateTime}}
}

// CreateUser stores a new user. A taken id or userPrincipalName (in any case)
// gives ErrAlreadyExists; a manager that does not exist gives ErrNotFound. A
// zero Version is stored as 1 and a zero LastModifiedDateTime as the creation time.
func (s *Store) CreateUser(ctx context.Context, u domain.User) error {
	u.Version, u.LastModifiedDateTime = firstVersion(u.Version, u.LastModifiedDateTime, u.CreatedDateTime)
	_, err := s.exec(ctx, `INSERT INTO users (id, user_principal_name, upn_key, display_name,
		given_name, surname, mail, mail_nickname, job_title, department, account_enabled,
		created_at, manager_id, employee_hire_date, employee_id, external_id, version, last_modified_at,
		employee_leave_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		u.ID, u.UserPrincipalName, domain.NormalizeUPN(u.UserPrincipalName), u.DisplayName,
		u.GivenName, u.Surname, u.Mail, u.MailNickname, u.JobTitle, u.Department, u.AccountEnabled,
		s.d.time(u.CreatedDateTime), nullString(u.ManagerID), s.d.nullTime(u.EmployeeHireDate),
		u.EmployeeID, u.ExternalID, u.Version, s.d.time(u.LastModifiedDateTime), s.d.nullTime(u.EmployeeLeaveDateTime))
	if err != nil {
		return s.fail(fmt.Sprintf("create user %q (%s)", u.ID, u.UserPrincipalName), err)
	}
	return nil
}

// GetUser returns the user with the given id.
func (s *Store) GetUser(ctx context.Context, id string) (domain.User, error) {
	return s.getUser(ctx, id, "")
}

func (s *Store) getUser(ctx context.Context, id, suffix string) (domain.User, error) {
	u, err := scanUser(s.queryRow(ctx, "SELECT "+userColumns+" FROM users WHERE id = ?"+suffix, id))
	if err != nil {
		return domain.User{}, s.fail(fmt.Sprintf("get user %q", id), err)
	}
	return u, nil
}

// GetUserByUPN finds a user by userPrincipalName, ignoring case.
func (s *Store) GetUserByUPN(ctx context.Context, upn string) (domain.User, error) {
	u, err := scanUser(s.queryRow(ctx, "SELECT "+userColumns+" FROM users WHERE upn_key = ?", domain.NormalizeUPN(upn)))
	if err != nil {
		return domain.User{}, s.fail(fmt.Sprintf("get user %s", upn), err)
	}
	return u, nil
}

// ListUsers returns a page of users.
func (s *Store) ListUsers(ctx context.Context, opts store.ListOptions) ([]domain.User, int, error) {
	return list(ctx, s, listQuery{
		what: "list users", columns: userColumns, from: "users",
		spec: userFilter, order: userOrder, idCol: "users.id",
	}, opts, scanUser)
}

// UpdateUser changes a user with fn inside one transaction. The id cannot change.
func (s *Store) UpdateUser(ctx context.Context, id string, fn func(domain.User) (domain.User, error)) (domain.User, error) {
	var out domain.User
	err := s.inTx(ctx, func(tx *Store) error {
		old, err := tx.getUser(ctx, id, tx.d.ForUpdate)
		if err != nil {
			return err
		}
		u, err := fn(old)
		if err != nil {
			return err
		}
		u.ID = id
		if _, err := tx.exec(ctx, `UPDATE users SET user_principal_name = ?, upn_key = ?,
			display_name = ?, given_name = ?, surname = ?, mail = ?, mail_nickname = ?,
			job_title = ?, department = ?, account_enabled = ?, created_at = ?, manager_id = ?,
			employee_hire_date = ?, employee_id = ?, external_id = ?, version = ?,
			last_modified_at = ?, employee_leave_at = ? WHERE id = ?`,
			u.UserPrincipalName, domain.NormalizeUPN(u.UserPrincipalName), u.DisplayName,
			u.GivenName, u.Surname, u.Mail, u.MailNickname, u.JobTitle, u.Department,
			u.AccountEnabled, tx.d.time(u.CreatedDateTime), nullString(u.ManagerID),
			tx.d.nullTime(u.EmployeeHireDate), u.EmployeeID, u.ExternalID, u.Version,
			tx.d.time(u.LastModifiedDateTime), tx.d.nullTime(u.EmployeeLeaveDateTime), id); err != nil {
			return tx.fail(fmt.Sprintf("update user %q", id), err)
		}
		out, err = tx.getUser(ctx, id, "")
		return err
	})
	return out, err
}

// DeleteUser removes a user. The schema's foreign keys remove their passes,
// sessions, role assignments and memberships, and clear the manager of those they
// managed, so that no path can delete a user and leave these behind.
func (s *Store) DeleteUser(ctx context.Context, id string) error {
	return s.execOne(ctx, fmt.Sprintf("delete user %q", id), "DELETE FROM users WHERE id = ?", id)
}

// firstVersion fills in the version fields of a new row: version 1, last
// modified when created, unless the caller said otherwise.
func firstVersion(version int, modified, created time.Time) (int, time.Time) {
	if version == 0 {
		version = 1
	}
	if modified.IsZero() {
		modified = created
	}
	return version, modified
}
