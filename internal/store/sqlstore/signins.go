package sqlstore

import (
	"context"
	"fmt"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/odata"
	"github.com/firstkey/firstkey/internal/store"
)

// Sign-ins keep the user's id and name as they were: the log outlives the user.

const signInColumns = `id, created_at, user_id, user_principal_name, user_display_name, app_id,
	app_display_name, ip_address, user_agent, error_code, failure_reason, authentication_method,
	authentication_method_detail, authentication_requirement, succeeded, correlation_id`

var signInFilter = filterSpec{
	fields: map[string]field{
		"id":                {col: "id", typ: exactField},
		"createdDateTime":   {col: "created_at", typ: timeField},
		"userId":            {col: "user_id", typ: exactField},
		"userPrincipalName": {col: "upn_key", typ: upnField},
		"appId":             {col: "app_id", typ: exactField},
		"ipAddress":         {col: "ip_address", typ: exactField},
		"status/errorCode":  {col: "error_code", typ: intField},
		"appDisplayName":    {col: "app_display_name", typ: textField},
		"userDisplayName":   {col: "user_display_name", typ: textField},
	},
	collections: map[string]collection{
		// One sign-in has one authentication step, so the lambda over Graph's
		// authenticationDetails is a condition on the row itself.
		"authenticationDetails": {
			exists: "EXISTS (SELECT 1 WHERE ",
			fields: map[string]field{
				"authenticationMethod": {col: "sign_ins.authentication_method", typ: exactField},
				"succeeded":            {col: "sign_ins.succeeded", typ: boolField},
			},
		},
	},
}

func scanSignIn(r rowScanner) (domain.SignIn, error) {
	var s domain.SignIn
	err := r.Scan(&s.ID, timeDest{&s.CreatedDateTime}, &s.UserID, &s.UserPrincipalName, &s.UserDisplayName,
		&s.AppID, &s.AppDisplayName, &s.IPAddress, &s.UserAgent, &s.ErrorCode, &s.FailureReason,
		&s.AuthenticationMethod, &s.AuthenticationMethodDetail, &s.AuthenticationRequirement,
		&s.Succeeded, &s.CorrelationID)
	return s, err
}

// CreateSignIn appends a sign-in attempt to the log.
func (s *Store) CreateSignIn(ctx context.Context, si domain.SignIn) error {
	_, err := s.exec(ctx, "INSERT INTO sign_ins (upn_key, "+signInColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		domain.NormalizeUPN(si.UserPrincipalName), si.ID, s.d.time(si.CreatedDateTime), si.UserID,
		si.UserPrincipalName, si.UserDisplayName, si.AppID, si.AppDisplayName, si.IPAddress, si.UserAgent,
		si.ErrorCode, si.FailureReason, si.AuthenticationMethod, si.AuthenticationMethodDetail,
		si.AuthenticationRequirement, si.Succeeded, si.CorrelationID)
	if err != nil {
		return s.fail(fmt.Sprintf("create sign-in %q", si.ID), err)
	}
	return nil
}

// GetSignIn returns the sign-in with the given id.
func (s *Store) GetSignIn(ctx context.Context, id string) (domain.SignIn, error) {
	si, err := scanSignIn(s.queryRow(ctx, "SELECT "+signInColumns+" FROM sign_ins WHERE id = ?", id))
	if err != nil {
		return domain.SignIn{}, s.fail(fmt.Sprintf("get sign-in %q", id), err)
	}
	return si, nil
}

// ListSignIns returns a page of the sign-in log, by default newest first.
func (s *Store) ListSignIns(ctx context.Context, opts store.ListOptions) ([]domain.SignIn, int, error) {
	return list(ctx, s, listQuery{
		what: "list sign-ins", columns: signInColumns, from: "sign_ins",
		spec: signInFilter, order: []odata.OrderBy{{Field: "createdDateTime", Desc: true}}, idCol: "id",
	}, opts, scanSignIn)
}
