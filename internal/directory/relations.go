package directory

import (
	"context"
	"errors"
	"fmt"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/store"
)

// Manager returns a user's manager; NotFound when they have none.
func (s *Service) Manager(ctx context.Context, actor domain.Actor, userRef string) (domain.User, error) {
	u, err := s.GetUser(ctx, actor, userRef)
	if err != nil {
		return domain.User{}, err
	}
	if u.ManagerID == "" {
		return domain.User{}, &domain.Error{Kind: domain.KindNotFound, Code: "Request_ResourceNotFound",
			Message: "Resource 'manager' does not exist or one of its queried reference-property objects are not present."}
	}
	m, err := s.store.GetUser(ctx, u.ManagerID)
	if err != nil {
		return domain.User{}, notFound(err, "user", u.ManagerID)
	}
	return m, nil
}

// SetManager makes managerRef the user's manager, or removes the manager when
// managerRef is empty. Nobody manages themselves, directly or through a chain.
func (s *Service) SetManager(ctx context.Context, actor domain.Actor, userRef, managerRef string) error {
	var managerID string
	if managerRef != "" {
		u, err := s.ResolveUser(ctx, userRef)
		if err != nil {
			return err
		}
		m, err := s.ResolveUser(ctx, managerRef)
		if err != nil {
			return err
		}
		managerID = m.ID
		// Walk up from the new manager: meeting the user means a cycle.
		for id, hops := m.ID, 0; id != "" && hops < 256; hops++ {
			if id == u.ID {
				return domain.Invalid("The manager cannot be the user or someone the user manages, directly or indirectly.")
			}
			next, err := s.store.GetUser(ctx, id)
			if errors.Is(err, store.ErrNotFound) {
				break
			}
			if err != nil {
				return fmt.Errorf("follow manager chain: %w", err)
			}
			id = next.ManagerID
		}
	}
	_, err := s.UpdateUser(ctx, actor, userRef, func(u *domain.User) error {
		if managerRef == "" && u.ManagerID == "" {
			return &domain.Error{Kind: domain.KindNotFound, Code: "Request_ResourceNotFound",
				Message: "Resource 'manager' does not exist or one of its queried reference-property objects are not present."}
		}
		u.ManagerID = managerID
		return nil
	})
	return err
}

// MemberOf lists the groups a user belongs to, by display name.
func (s *Service) MemberOf(ctx context.Context, actor domain.Actor, userRef string) ([]domain.Group, error) {
	if err := actor.Require(domain.ActReadGroups); err != nil {
		return nil, err
	}
	u, err := s.GetUser(ctx, actor, userRef)
	if err != nil {
		return nil, err
	}
	ids, err := s.store.ListUserGroupIDs(ctx, u.ID)
	if err != nil {
		return nil, fmt.Errorf("list groups of %s: %w", u.ID, err)
	}
	groups := make([]domain.Group, 0, len(ids))
	for _, id := range ids {
		g, err := s.store.GetGroup(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			continue // deleted since the list was read
		}
		if err != nil {
			return nil, fmt.Errorf("read group %s: %w", id, err)
		}
		groups = append(groups, g)
	}
	return groups, nil
}
