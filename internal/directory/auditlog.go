package directory

import (
	"context"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/store"
)

// ListAudits lists directory audit records.
func (s *Service) ListAudits(ctx context.Context, actor domain.Actor, opts store.ListOptions) ([]domain.AuditRecord, int, error) {
	if err := actor.Require(domain.ActReadAudit); err != nil {
		return nil, 0, err
	}
	return listResult(s.store.ListAudits(ctx, opts))
}

// GetAudit returns one audit record.
func (s *Service) GetAudit(ctx context.Context, actor domain.Actor, id string) (domain.AuditRecord, error) {
	if err := actor.Require(domain.ActReadAudit); err != nil {
		return domain.AuditRecord{}, err
	}
	r, err := s.store.GetAudit(ctx, id)
	if err != nil {
		return domain.AuditRecord{}, notFound(err, "audit record", id)
	}
	return r, nil
}

// ListSignIns lists sign-in records.
func (s *Service) ListSignIns(ctx context.Context, actor domain.Actor, opts store.ListOptions) ([]domain.SignIn, int, error) {
	if err := actor.Require(domain.ActReadAudit); err != nil {
		return nil, 0, err
	}
	return listResult(s.store.ListSignIns(ctx, opts))
}

// GetSignIn returns one sign-in record.
func (s *Service) GetSignIn(ctx context.Context, actor domain.Actor, id string) (domain.SignIn, error) {
	if err := actor.Require(domain.ActReadAudit); err != nil {
		return domain.SignIn{}, err
	}
	r, err := s.store.GetSignIn(ctx, id)
	if err != nil {
		return domain.SignIn{}, notFound(err, "sign-in", id)
	}
	return r, nil
}
