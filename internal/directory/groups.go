package directory

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/store"
)

func groupTarget(g domain.Group, props ...domain.ModifiedProperty) domain.AuditTarget {
	return domain.AuditTarget{ID: g.ID, DisplayName: g.DisplayName, Type: "Group", ModifiedProperties: props}
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
	return s.CreateGroupWithMembers(ctx, actor, g, nil)
}

// CreateGroupWithMembers adds a group and its first members (user ids or
// userPrincipalNames) together: if one of them does not exist, nothing is created.
func (s *Service) CreateGroupWithMembers(ctx context.Context, actor domain.Actor, g domain.Group, members []string) (domain.Group, error) {
	if err := actor.Require(domain.ActWriteGroups); err != nil {
		return domain.Group{}, err
	}
	g.ID, g.CreatedDateTime = newID(), s.now()
	g.Version, g.LastModifiedDateTime = 1, g.CreatedDateTime
	if err := g.Validate(); err != nil {
		return domain.Group{}, err
	}
	err := s.store.InTx(ctx, func(tx store.Store) error {
		if err := tx.CreateGroup(ctx, g); err != nil {
			return fmt.Errorf("create group: %w", err)
		}
		if err := s.record(ctx, tx, actor, entry{activity: domain.ActivityAddGroup, category: domain.CategoryGroupManagement,
			op: "Add", targets: []domain.AuditTarget{groupTarget(g)}}); err != nil {
			return err
		}
		_, err := s.applyMembers(ctx, tx, actor, g, GroupChange{Add: members})
		return err
	})
	return g, err
}

// GroupChange is what a change does to a group's members besides its
// properties. Members are named by user id or userPrincipalName.
type GroupChange struct {
	Add, Remove []string
	// ReplaceMembers makes Add the group's whole membership: every other member
	// leaves (Remove is then ignored).
	ReplaceMembers bool
}

// UpdateGroup changes a group's properties and members in one transaction.
// apply edits the group in place and says what happens to its members; it sees
// the group as stored, inside the transaction, so it may refuse a stale change.
// Adding a member who is in already, or removing one who is not, changes
// nothing; a member who does not exist is refused and nothing changes. A change
// that changes anything counts as a new version of the group.
func (s *Service) UpdateGroup(ctx context.Context, actor domain.Actor, id string, apply func(*domain.Group) (GroupChange, error)) (domain.Group, error) {
	if err := actor.Require(domain.ActWriteGroups); err != nil {
		return domain.Group{}, err
	}
	var updated domain.Group
	err := s.store.InTx(ctx, func(tx store.Store) error {
		cur, err := tx.GetGroup(ctx, strings.ToLower(id))
		if err != nil {
			return notFound(err, "group", id)
		}
		var (
			before domain.Group
			change GroupChange
		)
		// The group's row is locked first, so that concurrent changes of one
		// group, members included, queue up behind each other.
		updated, err = tx.UpdateGroup(ctx, cur.ID, func(old domain.Group) (domain.Group, error) {
			before = old
			g := old
			var err error
			if change, err = apply(&g); err != nil {
				return old, err
			}
			g.ID, g.CreatedDateTime = old.ID, old.CreatedDateTime
			g.Version, g.LastModifiedDateTime = old.Version, old.LastModifiedDateTime
			return g, g.Validate()
		})
		if err != nil {
			return err
		}
		changed, err := s.applyMembers(ctx, tx, actor, updated, change)
		if err != nil {
			return err
		}
		props := groupChanges(before, updated)
		if len(props) > 0 {
			if err := s.record(ctx, tx, actor, entry{activity: domain.ActivityUpdateGroup, category: domain.CategoryGroupManagement,
				op: "Update", targets: []domain.AuditTarget{groupTarget(updated, props...)}}); err != nil {
				return err
			}
		}
		if len(props) > 0 || changed {
			updated, err = s.bumpGroup(ctx, tx, updated.ID)
		}
		return err
	})
	if err != nil {
		return domain.Group{}, err
	}
	return updated, nil
}

// groupChanges lists what differs between two versions of a group, for the audit log.
func groupChanges(a, b domain.Group) []domain.ModifiedProperty {
	var out []domain.ModifiedProperty
	add := func(name, x, y string) {
		if x != y {
			out = append(out, domain.ModifiedProperty{DisplayName: name, OldValue: x, NewValue: y})
		}
	}
	add("displayName", a.DisplayName, b.DisplayName)
	add("description", a.Description, b.Description)
	add("mailNickname", a.MailNickname, b.MailNickname)
	add("externalId", a.ExternalID, b.ExternalID)
	return out
}

// bumpGroup counts a change of the group: its version and last modified time.
func (s *Service) bumpGroup(ctx context.Context, tx store.Store, id string) (domain.Group, error) {
	g, err := tx.UpdateGroup(ctx, id, func(g domain.Group) (domain.Group, error) {
		g.Version, g.LastModifiedDateTime = g.Version+1, s.now()
		return g, nil
	})
	if err != nil {
		return domain.Group{}, fmt.Errorf("count change of group: %w", err)
	}
	return g, nil
}

// applyMembers carries out a change of g's members in tx, auditing each
// membership that comes or goes; changed says whether any did.
func (s *Service) applyMembers(ctx context.Context, tx store.Store, actor domain.Actor, g domain.Group, c GroupChange) (changed bool, err error) {
	if len(c.Add) == 0 && len(c.Remove) == 0 && !c.ReplaceMembers {
		return false, nil
	}
	current, err := memberIDs(ctx, tx, g.ID)
	if err != nil {
		return false, err
	}
	add := map[string]domain.User{}
	var addOrder []string
	for _, ref := range c.Add {
		u, err := resolveUser(ctx, tx, ref)
		if err != nil {
			return false, domain.Invalid("member %q does not exist.", ref)
		}
		if _, dup := add[u.ID]; !dup {
			add[u.ID] = u
			addOrder = append(addOrder, u.ID)
		}
	}
	var remove []string
	if c.ReplaceMembers {
		for id := range current {
			if _, keep := add[id]; !keep {
				remove = append(remove, id)
			}
		}
		slices.Sort(remove) // audit records in a stable order
	} else {
		for _, ref := range c.Remove {
			u, err := resolveUser(ctx, tx, ref)
			if err != nil {
				continue // not a user, so not a member either
			}
			if _, readded := add[u.ID]; current[u.ID] && !readded {
				remove = append(remove, u.ID)
			}
		}
	}
	for _, id := range remove {
		u, err := tx.GetUser(ctx, id)
		if err != nil {
			return false, fmt.Errorf("load member %q: %w", id, err)
		}
		if err := s.setMembership(ctx, tx, actor, g, u, false); err != nil {
			return false, err
		}
		delete(current, id)
		changed = true
	}
	for _, id := range addOrder {
		if current[id] {
			continue
		}
		if err := s.setMembership(ctx, tx, actor, g, add[id], true); err != nil {
			return false, err
		}
		changed = true
	}
	return changed, nil
}

// memberIDs is the set of a group's members.
func memberIDs(ctx context.Context, tx store.Store, groupID string) (map[string]bool, error) {
	const page = 1000
	ids := map[string]bool{}
	for skip := 0; ; skip += page {
		users, _, err := tx.ListGroupMembers(ctx, groupID, store.ListOptions{Top: page, Skip: skip})
		if err != nil {
			return nil, fmt.Errorf("list members of group %q: %w", groupID, err)
		}
		for _, u := range users {
			ids[u.ID] = true
		}
		if len(users) < page {
			return ids, nil
		}
	}
}

// DeleteGroup removes a group; its members stay in the directory.
func (s *Service) DeleteGroup(ctx context.Context, actor domain.Actor, id string) error {
	return s.DeleteGroupIf(ctx, actor, id, nil)
}

// DeleteGroupIf removes a group if check, which sees the group as stored with
// its row locked, allows it (a nil check allows every deletion).
func (s *Service) DeleteGroupIf(ctx context.Context, actor domain.Actor, id string, check func(domain.Group) error) error {
	if err := actor.Require(domain.ActWriteGroups); err != nil {
		return err
	}
	return s.store.InTx(ctx, func(tx store.Store) error {
		g, err := tx.GetGroup(ctx, strings.ToLower(id))
		if err != nil {
			return notFound(err, "group", id)
		}
		if check != nil {
			if g, err = tx.UpdateGroup(ctx, g.ID, func(old domain.Group) (domain.Group, error) { return old, check(old) }); err != nil {
				return err
			}
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
		if add {
			err = s.setMembership(ctx, tx, actor, g, u, true)
			if errors.Is(err, store.ErrAlreadyExists) {
				return &domain.Error{Kind: domain.KindInvalid, Code: "Request_BadRequest",
					Message: "One or more added object references already exist for the following modified properties: 'members'."}
			}
		} else {
			err = s.setMembership(ctx, tx, actor, g, u, false)
			if errors.Is(err, store.ErrNotFound) {
				return notFound(err, "membership", u.ID)
			}
		}
		if err != nil {
			return err
		}
		_, err = s.bumpGroup(ctx, tx, g.ID)
		return err
	})
}

// setMembership adds u to g or removes them, and audits it. The store's
// ErrAlreadyExists and ErrNotFound come back wrapped, for the caller to judge.
func (s *Service) setMembership(ctx context.Context, tx store.Store, actor domain.Actor, g domain.Group, u domain.User, add bool) error {
	// Policies target groups, so a membership is part of who a person is: the
	// role rules for changing people hold here too, whichever interface asks.
	roles, err := tx.ListUserRoles(ctx, u.ID)
	if err != nil {
		return fmt.Errorf("list roles of %s: %w", u.ID, err)
	}
	if err := actor.CanChangeGroupsOf(u, roles); err != nil {
		return err
	}
	activity, op := domain.ActivityAddMemberToGroup, "Add"
	if add {
		err = tx.AddGroupMember(ctx, g.ID, u.ID)
	} else {
		activity, op = domain.ActivityRemoveMemberFromGroup, "Delete"
		err = tx.RemoveGroupMember(ctx, g.ID, u.ID)
	}
	if err != nil {
		return fmt.Errorf("change membership: %w", err)
	}
	return s.record(ctx, tx, actor, entry{activity: activity, category: domain.CategoryGroupManagement, op: op,
		targets: []domain.AuditTarget{userTarget(u), groupTarget(g)}})
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
