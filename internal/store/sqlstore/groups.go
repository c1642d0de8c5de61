package sqlstore

import (
	"context"
	"fmt"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/odata"
	"github.com/firstkey/firstkey/internal/store"
)

const groupColumns = "id, display_name, description, mail_nickname, created_at, external_id, version, last_modified_at"

var groupFilter = filterSpec{fields: map[string]field{
	"id":              {col: "id", typ: exactField},
	"displayName":     {col: "display_name", typ: textField},
	"description":     {col: "description", typ: textField},
	"createdDateTime": {col: "created_at", typ: timeField},
	// externalId is another system's identifier, compared exactly as SCIM's
	// caseExact says (and so that its index serves eq).
	"externalId":           {col: "external_id", typ: exactField},
	"lastModifiedDateTime": {col: "last_modified_at", typ: timeField},
}, collections: map[string]collection{
	"members": {
		exists: "EXISTS (SELECT 1 FROM group_members WHERE group_members.group_id = groups.id AND ",
		fields: map[string]field{"id": {col: "group_members.user_id", typ: exactField}},
	},
}}

func scanGroup(r rowScanner) (domain.Group, error) {
	var g domain.Group
	err := r.Scan(&g.ID, &g.DisplayName, &g.Description, &g.MailNickname, timeDest{&g.CreatedDateTime},
		&g.ExternalID, &g.Version, timeDest{&g.LastModifiedDateTime})
	return g, err
}

// CreateGroup stores a new group; ErrAlreadyExists if the id is taken. A zero
// Version is stored as 1 and a zero LastModifiedDateTime as the creation time.
func (s *Store) CreateGroup(ctx context.Context, g domain.Group) error {
	g.Version, g.LastModifiedDateTime = firstVersion(g.Version, g.LastModifiedDateTime, g.CreatedDateTime)
	_, err := s.exec(ctx, `INSERT INTO groups (id, display_name, description, mail_nickname, created_at,
		external_id, version, last_modified_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		g.ID, g.DisplayName, g.Description, g.MailNickname, s.d.time(g.CreatedDateTime),
		g.ExternalID, g.Version, s.d.time(g.LastModifiedDateTime))
	if err != nil {
		return s.fail(fmt.Sprintf("create group %q", g.ID), err)
	}
	return nil
}

// GetGroup returns the group with the given id.
func (s *Store) GetGroup(ctx context.Context, id string) (domain.Group, error) {
	return s.getGroup(ctx, id, "")
}

func (s *Store) getGroup(ctx context.Context, id, suffix string) (domain.Group, error) {
	g, err := scanGroup(s.queryRow(ctx, "SELECT "+groupColumns+" FROM groups WHERE id = ?"+suffix, id))
	if err != nil {
		return domain.Group{}, s.fail(fmt.Sprintf("get group %q", id), err)
	}
	return g, nil
}

// ListGroups returns a page of groups, by default ordered by displayName.
func (s *Store) ListGroups(ctx context.Context, opts store.ListOptions) ([]domain.Group, int, error) {
	return list(ctx, s, listQuery{
		what: "list groups", columns: groupColumns, from: "groups",
		spec: groupFilter, order: []odata.OrderBy{{Field: "displayName"}}, idCol: "id",
	}, opts, scanGroup)
}

// UpdateGroup changes a group with fn inside one transaction. The id cannot change.
func (s *Store) UpdateGroup(ctx context.Context, id string, fn func(domain.Group) (domain.Group, error)) (domain.Group, error) {
	var out domain.Group
	err := s.inTx(ctx, func(tx *Store) error {
		old, err := tx.getGroup(ctx, id, tx.d.ForUpdate)
		if err != nil {
			return err
		}
		g, err := fn(old)
		if err != nil {
			return err
		}
		if _, err := tx.exec(ctx, `UPDATE groups SET display_name = ?, description = ?,
			mail_nickname = ?, created_at = ?, external_id = ?, version = ?, last_modified_at = ?
			WHERE id = ?`,
			g.DisplayName, g.Description, g.MailNickname, tx.d.time(g.CreatedDateTime),
			g.ExternalID, g.Version, tx.d.time(g.LastModifiedDateTime), id); err != nil {
			return tx.fail(fmt.Sprintf("update group %q", id), err)
		}
		out, err = tx.getGroup(ctx, id, "")
		return err
	})
	return out, err
}

// DeleteGroup removes a group and its memberships.
func (s *Store) DeleteGroup(ctx context.Context, id string) error {
	return s.execOne(ctx, fmt.Sprintf("delete group %q", id), "DELETE FROM groups WHERE id = ?", id)
}

// AddGroupMember adds a user to a group: ErrNotFound if either is missing,
// ErrAlreadyExists if the user is a member already.
func (s *Store) AddGroupMember(ctx context.Context, groupID, userID string) error {
	_, err := s.exec(ctx, "INSERT INTO group_members (group_id, user_id) VALUES (?, ?)", groupID, userID)
	if err != nil {
		return s.fail(fmt.Sprintf("add user %q to group %q", userID, groupID), err)
	}
	return nil
}

// RemoveGroupMember removes a user from a group; ErrNotFound if they were not a member.
func (s *Store) RemoveGroupMember(ctx context.Context, groupID, userID string) error {
	return s.execOne(ctx, fmt.Sprintf("remove user %q from group %q", userID, groupID),
		"DELETE FROM group_members WHERE group_id = ? AND user_id = ?", groupID, userID)
}

// ListGroupMembers returns a page of a group's members, with the ListUsers
// filters; ErrNotFound if the group does not exist.
func (s *Store) ListGroupMembers(ctx context.Context, groupID string, opts store.ListOptions) ([]domain.User, int, error) {
	var exists int
	err := s.queryRow(ctx, "SELECT 1 FROM groups WHERE id = ?", groupID).Scan(&exists)
	if err != nil {
		return nil, 0, s.fail(fmt.Sprintf("list members of group %q", groupID), err)
	}
	return list(ctx, s, listQuery{
		what:    fmt.Sprintf("list members of group %q", groupID),
		columns: userColumns,
		from:    "users JOIN group_members ON group_members.user_id = users.id",
		where:   "group_members.group_id = ?", whereArgs: []any{groupID},
		spec: userFilter, order: userOrder, idCol: "users.id",
	}, opts, scanUser)
}

// ListUserGroupIDs returns the ids of the groups a user belongs to, sorted; none
// for an unknown user.
func (s *Store) ListUserGroupIDs(ctx context.Context, userID string) ([]string, error) {
	rows, err := s.query(ctx, "SELECT group_id FROM group_members WHERE user_id = ? ORDER BY group_id", userID)
	if err != nil {
		return nil, s.fail("list user groups", err)
	}
	return scanAll(rows, "list user groups", func(r rowScanner) (string, error) {
		var id string
		return id, r.Scan(&id)
	})
}
