package conformance

import (
	"errors"
	"testing"
	"time"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/odata"
	"github.com/firstkey/firstkey/internal/store"
)

var groupTests = []test{
	{"Group/CRUD", testGroupCRUD},
	{"Group/Members", testGroupMembers},
	{"Group/DeleteRemovesMemberships", testGroupDeleteMemberships},
}

func newGroup(id, name string) domain.Group {
	return domain.Group{ID: id, DisplayName: name, Description: "about " + name, MailNickname: id, CreatedDateTime: t0}
}

func storedGroup(g domain.Group) domain.Group {
	if g.Version == 0 {
		g.Version = 1
	}
	if g.LastModifiedDateTime.IsZero() {
		g.LastModifiedDateTime = g.CreatedDateTime
	}
	g.LastModifiedDateTime = norm(g.LastModifiedDateTime)
	g.CreatedDateTime = norm(g.CreatedDateTime)
	return g
}

func groupID(g domain.Group) string { return g.ID }

func testGroupCRUD(t *testing.T, s store.Store) {
	g := newGroup("g1", "Engineering")
	must(t, s.CreateGroup(ctx, g))
	wantErr(t, s.CreateGroup(ctx, newGroup("g1", "Other")), store.ErrAlreadyExists)
	got, err := s.GetGroup(ctx, "g1")
	must(t, err)
	wantEqual(t, got, storedGroup(g))
	_, err = s.GetGroup(ctx, "g2")
	wantErr(t, err, store.ErrNotFound)

	must(t, s.CreateGroup(ctx, newGroup("g2", "accounting")))
	must(t, s.CreateGroup(ctx, newGroup("g3", "Board")))
	groups, n, err := s.ListGroups(ctx, store.ListOptions{Count: true})
	must(t, err)
	wantIDs(t, idsOf(groups, groupID), []string{"g2", "g3", "g1"}) // by displayName, ignoring case
	wantEqual(t, n, 3)

	ext := newGroup("g4", "From HR")
	ext.ExternalID, ext.Version, ext.LastModifiedDateTime = "hr:4", 5, t0.Add(time.Hour)
	must(t, s.CreateGroup(ctx, ext))
	got, err = s.GetGroup(ctx, "g4")
	must(t, err)
	wantEqual(t, got, storedGroup(ext))
	must(t, s.DeleteGroup(ctx, "g4"))

	got, err = s.UpdateGroup(ctx, "g1", func(g domain.Group) (domain.Group, error) {
		g.ID = "ignored"
		g.DisplayName, g.Description = "Eng", ""
		g.ExternalID, g.Version, g.LastModifiedDateTime = "ext-1", 2, t0.Add(time.Hour)
		return g, nil
	})
	must(t, err)
	want := storedGroup(g)
	want.DisplayName, want.Description = "Eng", ""
	want.ExternalID, want.Version, want.LastModifiedDateTime = "ext-1", 2, at(time.Hour)
	wantEqual(t, got, want)
	got, err = s.GetGroup(ctx, "g1")
	must(t, err)
	wantEqual(t, got, want)

	errVeto := errors.New("veto")
	_, err = s.UpdateGroup(ctx, "g1", func(g domain.Group) (domain.Group, error) { g.DisplayName = "x"; return g, errVeto })
	wantErr(t, err, errVeto)
	_, err = s.UpdateGroup(ctx, "nope", func(g domain.Group) (domain.Group, error) { return g, nil })
	wantErr(t, err, store.ErrNotFound)
	got, err = s.GetGroup(ctx, "g1")
	must(t, err)
	wantEqual(t, got, want)

	must(t, s.DeleteGroup(ctx, "g1"))
	wantErr(t, s.DeleteGroup(ctx, "g1"), store.ErrNotFound)
	_, err = s.GetGroup(ctx, "g1")
	wantErr(t, err, store.ErrNotFound)
}

func testGroupMembers(t *testing.T, s store.Store) {
	createUsers(t, s, newUser("u1", "c@example.com"), newUser("u2", "a@example.com"), newUser("u3", "b@example.com"))
	must(t, s.CreateGroup(ctx, newGroup("g1", "One")))
	must(t, s.CreateGroup(ctx, newGroup("g2", "Two")))
	must(t, s.CreateGroup(ctx, newGroup("g0", "Empty")))

	must(t, s.AddGroupMember(ctx, "g1", "u1"))
	must(t, s.AddGroupMember(ctx, "g1", "u2"))
	must(t, s.AddGroupMember(ctx, "g2", "u1"))
	wantErr(t, s.AddGroupMember(ctx, "g1", "u1"), store.ErrAlreadyExists)
	wantErr(t, s.AddGroupMember(ctx, "ghost", "u1"), store.ErrNotFound)
	wantErr(t, s.AddGroupMember(ctx, "g1", "ghost"), store.ErrNotFound)

	members, n, err := s.ListGroupMembers(ctx, "g1", store.ListOptions{Count: true})
	must(t, err)
	wantIDs(t, idsOf(members, userID), []string{"u2", "u1"}) // by userPrincipalName
	wantEqual(t, n, 2)
	wantEqual(t, members[1], stored(newUser("u1", "c@example.com")))

	// Members take the user filters, and paging.
	members, n, err = s.ListGroupMembers(ctx, "g1", store.ListOptions{
		Filter: odata.Compare{Field: "userPrincipalName", Op: odata.Eq, Value: str("C@EXAMPLE.COM")}, Count: true})
	must(t, err)
	wantIDs(t, idsOf(members, userID), []string{"u1"})
	wantEqual(t, n, 1)
	members, n, err = s.ListGroupMembers(ctx, "g1", store.ListOptions{Top: 1, Skip: 1, Count: true})
	must(t, err)
	wantIDs(t, idsOf(members, userID), []string{"u1"})
	wantEqual(t, n, 2)
	_, _, err = s.ListGroupMembers(ctx, "g1", store.ListOptions{Filter: odata.Compare{Field: "nonsense", Op: odata.Eq, Value: str("x")}})
	wantUnsupported(t, err, "nonsense")

	members, _, err = s.ListGroupMembers(ctx, "g0", store.ListOptions{})
	must(t, err)
	wantIDs(t, idsOf(members, userID), nil)
	_, _, err = s.ListGroupMembers(ctx, "ghost", store.ListOptions{})
	wantErr(t, err, store.ErrNotFound)

	ids, err := s.ListUserGroupIDs(ctx, "u1")
	must(t, err)
	wantIDs(t, ids, []string{"g1", "g2"})
	ids, err = s.ListUserGroupIDs(ctx, "u3")
	must(t, err)
	wantIDs(t, ids, nil)

	must(t, s.RemoveGroupMember(ctx, "g1", "u1"))
	wantErr(t, s.RemoveGroupMember(ctx, "g1", "u1"), store.ErrNotFound)
	wantErr(t, s.RemoveGroupMember(ctx, "g1", "u3"), store.ErrNotFound)
	ids, err = s.ListUserGroupIDs(ctx, "u1")
	must(t, err)
	wantIDs(t, ids, []string{"g2"})
	// Removing a membership removes neither user nor group.
	_, err = s.GetUser(ctx, "u1")
	must(t, err)
	_, err = s.GetGroup(ctx, "g1")
	must(t, err)
}

func testGroupDeleteMemberships(t *testing.T, s store.Store) {
	createUsers(t, s, newUser("u1", "a@example.com"))
	must(t, s.CreateGroup(ctx, newGroup("g1", "One")))
	must(t, s.CreateGroup(ctx, newGroup("g2", "Two")))
	must(t, s.AddGroupMember(ctx, "g1", "u1"))
	must(t, s.AddGroupMember(ctx, "g2", "u1"))
	must(t, s.DeleteGroup(ctx, "g1"))
	ids, err := s.ListUserGroupIDs(ctx, "u1")
	must(t, err)
	wantIDs(t, ids, []string{"g2"})
	_, err = s.GetUser(ctx, "u1")
	must(t, err)
	// A new group with the old id starts empty.
	must(t, s.CreateGroup(ctx, newGroup("g1", "Again")))
	members, _, err := s.ListGroupMembers(ctx, "g1", store.ListOptions{})
	must(t, err)
	wantIDs(t, idsOf(members, userID), nil)
}

func str(s string) odata.Value { return odata.Value{Kind: odata.KindString, String: s} }
