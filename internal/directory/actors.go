package directory

import (
	"context"
	"errors"
	"fmt"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/store"
)

func unauthenticated(msg string) error {
	return &domain.Error{Kind: domain.KindUnauthenticated, Code: "InvalidAuthenticationToken", Message: msg}
}

// AppActor builds the actor for an application's token from the application's
// current state, so a deleted application or a withdrawn permission takes effect
// on the next call, on every replica.
func (s *Service) AppActor(ctx context.Context, clientID, ip string) (domain.Actor, error) {
	a, err := s.ApplicationByClientID(ctx, clientID)
	if errors.Is(err, store.ErrNotFound) {
		return domain.Actor{}, unauthenticated("The application of this access token no longer exists.")
	}
	if err != nil {
		return domain.Actor{}, fmt.Errorf("load application: %w", err)
	}
	return domain.Actor{Type: domain.ActorApp, AppID: a.ClientID, AppName: a.DisplayName, Permissions: a.Permissions, IPAddress: ip}, nil
}

// UserActor builds the actor for a signed-in person from their current roles.
func (s *Service) UserActor(ctx context.Context, userID, ip string) (domain.Actor, error) {
	u, err := s.store.GetUser(ctx, userID)
	if errors.Is(err, store.ErrNotFound) {
		return domain.Actor{}, unauthenticated("The user of this access token no longer exists.")
	}
	if err != nil {
		return domain.Actor{}, fmt.Errorf("load user: %w", err)
	}
	if !u.AccountEnabled {
		return domain.Actor{}, unauthenticated("The account of this access token is disabled.")
	}
	roles, err := s.store.ListUserRoles(ctx, u.ID)
	if err != nil {
		return domain.Actor{}, fmt.Errorf("load roles: %w", err)
	}
	return domain.Actor{Type: domain.ActorUser, UserID: u.ID, UPN: u.UserPrincipalName, Roles: roles, IPAddress: ip}, nil
}
