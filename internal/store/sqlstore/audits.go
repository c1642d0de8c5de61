package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/odata"
	"github.com/firstkey/firstkey/internal/store"
)

// An audit record is stored whole as JSON in audits.record, with the properties
// it is filtered on copied into columns, and its targets into audit_targets so that
// targetResources/any(...) is an indexed lookup.

var auditFilter = filterSpec{
	fields: map[string]field{
		"id":                                 {col: "audits.id", typ: exactField},
		"activityDateTime":                   {col: "audits.activity_at", typ: timeField},
		"activityDisplayName":                {col: "audits.activity_display_name", typ: textField},
		"category":                           {col: "audits.category", typ: textField},
		"result":                             {col: "audits.result", typ: textField},
		"loggedByService":                    {col: "audits.logged_by_service", typ: textField},
		"initiatedBy/user/id":                {col: "audits.initiator_user_id", typ: exactField},
		"initiatedBy/user/userPrincipalName": {col: "audits.initiator_upn_key", typ: upnField},
		"initiatedBy/app/appId":              {col: "audits.initiator_app_id", typ: exactField},
	},
	collections: map[string]collection{
		"targetResources": {
			exists: "EXISTS (SELECT 1 FROM audit_targets WHERE audit_targets.audit_id = audits.id AND ",
			fields: map[string]field{
				"id":                {col: "audit_targets.target_id", typ: exactField},
				"userPrincipalName": {col: "audit_targets.upn_key", typ: upnField},
			},
		},
	},
}

func scanAudit(r rowScanner) (domain.AuditRecord, error) {
	var a domain.AuditRecord
	err := r.Scan(jsonDest{&a})
	return a, err
}

// CreateAudit appends a record to the audit log.
func (s *Store) CreateAudit(ctx context.Context, r domain.AuditRecord) error {
	r.ActivityDateTime = normTime(r.ActivityDateTime)
	record, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("create audit %q: encode: %w", r.ID, err)
	}
	what := fmt.Sprintf("create audit %q", r.ID)
	return s.inTx(ctx, func(tx *Store) error {
		_, err := tx.exec(ctx, `INSERT INTO audits (id, activity_at, activity_display_name, category,
			logged_by_service, result, initiator_user_id, initiator_upn_key, initiator_app_id, record)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			r.ID, tx.d.time(r.ActivityDateTime), r.ActivityDisplayName, r.Category, r.LoggedByService,
			r.Result, r.InitiatedBy.UserID, domain.NormalizeUPN(r.InitiatedBy.UPN), r.InitiatedBy.AppID, jsonValue(record))
		if err != nil {
			return tx.fail(what, err)
		}
		for i, t := range r.TargetResources {
			if _, err := tx.exec(ctx, `INSERT INTO audit_targets (audit_id, position, target_id, upn_key)
				VALUES (?, ?, ?, ?)`, r.ID, i, t.ID, domain.NormalizeUPN(t.UserPrincipalName)); err != nil {
				return tx.fail(what, err)
			}
		}
		return nil
	})
}

// GetAudit returns the audit record with the given id.
func (s *Store) GetAudit(ctx context.Context, id string) (domain.AuditRecord, error) {
	a, err := scanAudit(s.queryRow(ctx, "SELECT record FROM audits WHERE id = ?", id))
	if err != nil {
		return domain.AuditRecord{}, s.fail(fmt.Sprintf("get audit %q", id), err)
	}
	return a, nil
}

// ListAudits returns a page of the audit log, by default newest first.
func (s *Store) ListAudits(ctx context.Context, opts store.ListOptions) ([]domain.AuditRecord, int, error) {
	return list(ctx, s, listQuery{
		what: "list audits", columns: "audits.record", from: "audits",
		spec: auditFilter, order: []odata.OrderBy{{Field: "activityDateTime", Desc: true}}, idCol: "audits.id",
	}, opts, scanAudit)
}
