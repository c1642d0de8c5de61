package directory

import (
	"context"
	"fmt"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/store"
)

// entry describes one audited activity; record fills in the rest.
type entry struct {
	activity string
	category string
	service  string
	op       string // Add, Update, Delete
	targets  []domain.AuditTarget
	details  []domain.KeyValue
}

// record writes an audit record in the caller's transaction, so that a change
// and its audit entry commit together or not at all.
func (s *Service) record(ctx context.Context, tx store.Store, actor domain.Actor, e entry) error {
	if e.service == "" {
		e.service = domain.ServiceCoreDirectory
	}
	r := domain.AuditRecord{
		ID:                  newID(),
		ActivityDateTime:    s.now(),
		ActivityDisplayName: e.activity,
		Category:            e.category,
		LoggedByService:     e.service,
		OperationType:       e.op,
		Result:              "success",
		CorrelationID:       correlationID(ctx),
		InitiatedBy:         auditActor(actor),
		TargetResources:     e.targets,
		AdditionalDetails:   e.details,
	}
	if err := tx.CreateAudit(ctx, r); err != nil {
		return fmt.Errorf("write audit record %q: %w", e.activity, err)
	}
	return nil
}

// auditActor keeps only who acted: roles and permissions are not part of the record.
func auditActor(a domain.Actor) domain.Actor {
	return domain.Actor{Type: a.Type, UserID: a.UserID, UPN: a.UPN, AppID: a.AppID, AppName: a.AppName, IPAddress: a.IPAddress}
}

func userTarget(u domain.User, props ...domain.ModifiedProperty) domain.AuditTarget {
	return domain.AuditTarget{ID: u.ID, DisplayName: u.DisplayName, Type: "User", UserPrincipalName: u.UserPrincipalName, ModifiedProperties: props}
}

type correlationKey struct{}

// WithCorrelationID attaches a request id that audit records carry, so an entry
// can be matched with the request that caused it.
func WithCorrelationID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, correlationKey{}, id)
}

func correlationID(ctx context.Context) string {
	if id, ok := ctx.Value(correlationKey{}).(string); ok && id != "" {
		return id
	}
	return newID()
}
