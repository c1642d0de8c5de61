package directory

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/store"
)

func groupTarget(g domain.Group) domain.AuditTarget {
	return domain.AuditTarget{ID: g.ID, DisplayName: g.DisplayName, Type: "Group"}
}

// GetGroup returns a group by id.
func (s *Service) GetGroup(ctx context.Context, actor domain.Actor, id string) (domain.Group, error) {
	if err := actor.Require(domain.ActReadGroups); err != nil {
		return domain.Group{}, err
	}
	g, err := s.store.GetGroup(ctx, strings.ToLower(id))
	if err != nil {
		return domain.Group{}, notFound(err, "group", id)
	}
	return g, nil
}

// ListGroups lists groups.
func (s *Service) ListGroups(ctx context.Context, actor domain.Actor, opts store.ListOptions) ([]domain.Group, int, error) {
	if err := actor.Require(domain.ActReadGroups); err != nil {
		return nil, 0, err
	}
	return listResult(s.store.ListGroups(ctx, opts))
}

// CreateGroup adds a group.
func (s *Service) CreateGroup(ctx context.Context, actor domain.Actor, g domain.Group) (domain.Group, error) {
	if err := actor.Require(domain.ActWriteGroups); err != nil {
		return domain.Group{}, err
	}
	g.ID, g.CreatedDateTime = newID(), s.now()
	if err := g.Validate(); err != nil {
		return domain.Group{}, err
	}
	err := s.store.InTx(ctx, func(tx store.Store) error {
		if err := tx.CreateGroup(ctx, g); err != nil {
			return fmt.Errorf("create group: %w", err)
		}
		return s.record(ctx, tx, actor, entry{activity: domain.ActivityAddGroup, category: domain.CategoryGroupManagement,
			op: "Add", targets: []domain.AuditTarget{groupTarget(g)}})
	})
	return g, err
}

// DeleteGroup removes a group; its members stay in the directory.
func (s *Service) DeleteGroup(ctx context.Context, actor domain.Actor, id string) error {
	if err := actor.Require(domain.ActWriteGroups); err != nil {
		return err
	}
	return s.store.InTx(ctx, func(tx store.Store) error {
		g, err := tx.GetGroup(ctx, strings.ToLower(id))
		if err != nil {
			return notFound(err, "group", id)
		}
		if err := notPolicyTarget(ctx, tx, g); err != nil {
			return err
		}
		if err := tx.DeleteGroup(ctx, g.ID); err != nil {
			return fmt.Errorf("delete group: %w", err)
		}
		return s.record(ctx, tx, actor, entry{activity: domain.ActivityDeleteGroup, category: domain.CategoryGroupManagement,
			op: "Delete", targets: []domain.AuditTarget{groupTarget(g)}})
	})
}

// notPolicyTarget refuses to delete a group that an authentication-method policy
// targets: with the group gone its exclusion would silently lift (SPEC §9). Both
// policies are read through their update path, which locks them until this
// transaction ends, so a policy change that names the group concurrently either
// commits first and is seen here, or waits and then finds the group gone.
func notPolicyTarget(ctx context.Context, tx store.Store, g domain.Group) error {
	refuse := func(policy, list string) error {
		return &domain.Error{Kind: domain.KindInvalid, Code: "Request_BadRequest", Message: fmt.Sprintf(
			"The group %q (%s) is a target of the %s (%s); remove it from the policy before deleting the group.", g.DisplayName, g.ID, policy, list)}
	}
	if _, err := tx.UpdateTAPPolicy(ctx, func(p domain.TAPPolicy) (domain.TAPPolicy, error) {
		if list := p.TargetsGroup(g.ID); list != "" {
			return p, refuse("Temporary Access Pass policy", list)
		}
		return p, nil
	}); err != nil {
		return err
	}
	_, err := tx.UpdateFido2Policy(ctx, func(p domain.Fido2Policy) (domain.Fido2Policy, error) {
		if list := p.TargetsGroup(g.ID); list != "" {
			return p, refuse("Passkey (FIDO2) policy", list)
		}
		return p, nil
	})
	return err
}

// AddGroupMember adds a user to a group.
func (s *Service) AddGroupMember(ctx context.Context, actor domain.Actor, groupID, userRef string) error {
	return s.changeMembership(ctx, actor, groupID, userRef, true)
}

// RemoveGroupMember removes a user from a group.
func (s *Service) RemoveGroupMember(ctx context.Context, actor domain.Actor, groupID, userRef string) error {
	return s.changeMembership(ctx, actor, groupID, userRef, false)
}

func (s *Service) changeMembership(ctx context.Context, actor domain.Actor, groupID, userRef string, add bool) error {
	if err := actor.Require(domain.ActWriteGroups); err != nil {
		return err
	}
	return s.store.InTx(ctx, func(tx store.Store) error {
		g, err := tx.GetGroup(ctx, strings.ToLower(groupID))
		if err != nil {
			return notFound(err, "group", groupID)
		}
		u, err := resolveUser(ctx, tx, userRef)
		if err != nil {
			return err
		}
		roles, err := tx.ListUserRoles(ctx, u.ID)
		if err != nil {
			return fmt.Errorf("list roles of %s: %w", u.ID, err)
		}
		if err := actor.CanChangeGroupsOf(u, roles); err != nil {
			return err
		}
		activity := domain.ActivityAddMemberToGroup
		if add {
			err = tx.AddGroupMember(ctx, g.ID, u.ID)
			if errors.Is(err, store.ErrAlreadyExists) {
				return &domain.Error{Kind: domain.KindInvalid, Code: "Request_BadRequest",
					Message: "One or more added object references already exist for the following modified properties: 'members'."}
			}
		} else {
			activity = domain.ActivityRemoveMemberFromGroup
			err = tx.RemoveGroupMember(ctx, g.ID, u.ID)
			if errors.Is(err, store.ErrNotFound) {
				return notFound(err, "membership", u.ID)
			}
		}
		if err != nil {
			return fmt.Errorf("change membership: %w", err)
		}
		op := "Add"
		if !add {
			op = "Delete"
		}
		return s.record(ctx, tx, actor, entry{activity: activity, category: domain.CategoryGroupManagement, op: op,
			targets: []domain.AuditTarget{userTarget(u), groupTarget(g)}})
	})
}

// ListGroupMembers lists a group's users.
func (s *Service) ListGroupMembers(ctx context.Context, actor domain.Actor, groupID string, opts store.ListOptions) ([]domain.User, int, error) {
	if err := actor.Require(domain.ActReadGroups); err != nil {
		return nil, 0, err
	}
	g, err := s.store.GetGroup(ctx, strings.ToLower(groupID))
	if err != nil {
		return nil, 0, notFound(err, "group", groupID)
	}
	return listResult(s.store.ListGroupMembers(ctx, g.ID, opts))
}
