package directory_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/firstkey/firstkey/internal/directory"
	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/odata"
	"github.com/firstkey/firstkey/internal/store"
)

// A user's version counts the changes that change something: not a no-op
// update, nor the row lock a pass issuance takes.
func TestUserVersionCountsChanges(t *testing.T) {
	forEachBackend(t, func(t *testing.T, f fixture) {
		ctx := context.Background()
		f.enablePolicy(t, nil)
		u := f.user(t, "v@example.com")
		if u.Version != 1 || !u.LastModifiedDateTime.Equal(u.CreatedDateTime) {
			t.Fatalf("new user: version %d, last modified %v, created %v", u.Version, u.LastModifiedDateTime, u.CreatedDateTime)
		}
		f.clock.Advance(time.Minute)
		same, err := f.dir.UpdateUser(ctx, sys, u.ID, func(x *domain.User) error {
			x.Version = 99 // not the caller's to set
			return nil
		})
		if err != nil || same.Version != 1 || !same.LastModifiedDateTime.Equal(u.LastModifiedDateTime) {
			t.Fatalf("no-op update: %+v, %v", same, err)
		}
		f.issue(t, u, true)
		changed, err := f.dir.UpdateUser(ctx, sys, u.ID, func(x *domain.User) error {
			x.ExternalID, x.EmployeeID = "hr-7", "E-7"
			return nil
		})
		if err != nil || changed.Version != 2 || !changed.LastModifiedDateTime.Equal(f.clock.Now().Truncate(time.Microsecond)) {
			t.Fatalf("update: %+v, %v (now %v)", changed, err, f.clock.Now())
		}
		audits, _, err := f.st.ListAudits(ctx, store.ListOptions{Top: 1, Filter: odata.Compare{Field: "activityDisplayName", Op: odata.Eq,
			Value: odata.Value{Kind: odata.KindString, String: domain.ActivityUpdateUser}}})
		if err != nil || len(audits) != 1 {
			t.Fatalf("update audit: %v, %v", audits, err)
		}
		var names []string
		for _, p := range audits[0].TargetResources[0].ModifiedProperties {
			names = append(names, p.DisplayName)
		}
		if !slices.Equal(names, []string{"employeeId", "externalId"}) {
			t.Fatalf("audited changes %v", names)
		}
	})
}

// A taken userPrincipalName is a rule violation the Graph API shows as before,
// and recognisable as a duplicate for SCIM's 409.
func TestUPNTakenIsRecognisable(t *testing.T) {
	forEachBackend(t, func(t *testing.T, f fixture) {
		ctx := context.Background()
		f.user(t, "taken@example.com")
		other := f.user(t, "other@example.com")
		_, err := f.dir.CreateUser(ctx, sys, domain.User{UserPrincipalName: "TAKEN@example.com", DisplayName: "x"})
		var de *domain.Error
		if !errors.Is(err, directory.ErrUPNTaken) || !errors.As(err, &de) || de.Kind != domain.KindInvalid || !strings.Contains(err.Error(), "already exists") {
			t.Fatalf("create: %v", err)
		}
		_, err = f.dir.UpdateUser(ctx, sys, other.ID, func(u *domain.User) error { u.UserPrincipalName = "taken@example.com"; return nil })
		if !errors.Is(err, directory.ErrUPNTaken) {
			t.Fatalf("update: %v", err)
		}
		_, err = f.dir.CreateUser(ctx, sys, domain.User{UserPrincipalName: "bad", DisplayName: "x"})
		if err == nil || errors.Is(err, directory.ErrUPNTaken) {
			t.Fatalf("an invalid name is no duplicate: %v", err)
		}
	})
}

func memberUPNs(t *testing.T, f fixture, groupID string) []string {
	t.Helper()
	users, _, err := f.dir.ListGroupMembers(context.Background(), sys, groupID, store.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, u := range users {
		out = append(out, u.UserPrincipalName)
	}
	return out
}

func countAudits(t *testing.T, f fixture, activity string) int {
	t.Helper()
	_, n, err := f.st.ListAudits(context.Background(), store.ListOptions{Count: true, Top: 1, Filter: odata.Compare{
		Field: "activityDisplayName", Op: odata.Eq, Value: odata.Value{Kind: odata.KindString, String: activity}}})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// UpdateGroup changes properties and members together: adding a member twice or
// removing a non-member changes nothing, an unknown member refuses the whole
// change, replacing the members keeps those named, and every change counts as a
// version, the Graph API's membership changes too.
func TestUpdateGroupMembers(t *testing.T) {
	forEachBackend(t, func(t *testing.T, f fixture) {
		ctx := context.Background()
		a, b, c := f.user(t, "a@example.com"), f.user(t, "b@example.com"), f.user(t, "c@example.com")
		g, err := f.dir.CreateGroupWithMembers(ctx, sys, domain.Group{DisplayName: "Sales", ExternalID: "hr-1"}, []string{a.ID, "B@example.com"})
		if err != nil || g.Version != 1 {
			t.Fatalf("create: %+v, %v", g, err)
		}
		if got := memberUPNs(t, f, g.ID); !slices.Equal(got, []string{"a@example.com", "b@example.com"}) {
			t.Fatalf("members after create: %v", got)
		}
		_, err = f.dir.CreateGroupWithMembers(ctx, sys, domain.Group{DisplayName: "Ghosts"}, []string{a.ID, "ghost@example.com"})
		if domain.KindOf(err) != domain.KindInvalid || !strings.Contains(err.Error(), "ghost@example.com") {
			t.Fatalf("create with an unknown member: %v", err)
		}
		if groups, _, _ := f.dir.ListGroups(ctx, sys, store.ListOptions{}); len(groups) != 1 {
			t.Fatalf("a refused group was created: %v", groups)
		}

		f.clock.Advance(time.Minute)
		g, err = f.dir.UpdateGroup(ctx, sys, g.ID, func(x *domain.Group) (directory.GroupChange, error) {
			x.DisplayName = "Sales EMEA"
			return directory.GroupChange{Add: []string{a.ID, c.ID}, Remove: []string{b.ID, "nobody@example.com"}}, nil
		})
		if err != nil || g.Version != 2 || g.DisplayName != "Sales EMEA" || !g.LastModifiedDateTime.Equal(f.clock.Now()) {
			t.Fatalf("update: %+v, %v", g, err)
		}
		if got := memberUPNs(t, f, g.ID); !slices.Equal(got, []string{"a@example.com", "c@example.com"}) {
			t.Fatalf("members after update: %v", got)
		}

		// Nothing to do is no new version.
		g, err = f.dir.UpdateGroup(ctx, sys, g.ID, func(x *domain.Group) (directory.GroupChange, error) {
			return directory.GroupChange{Add: []string{a.ID}, Remove: []string{b.ID}}, nil
		})
		if err != nil || g.Version != 2 {
			t.Fatalf("no-op update: %+v, %v", g, err)
		}

		// An unknown member, or a refusal, leaves everything as it was.
		_, err = f.dir.UpdateGroup(ctx, sys, g.ID, func(x *domain.Group) (directory.GroupChange, error) {
			x.DisplayName = "Renamed"
			return directory.GroupChange{Add: []string{b.ID, "ghost"}}, nil
		})
		if domain.KindOf(err) != domain.KindInvalid {
			t.Fatalf("unknown member: %v", err)
		}
		errStale := errors.New("stale")
		_, err = f.dir.UpdateGroup(ctx, sys, g.ID, func(x *domain.Group) (directory.GroupChange, error) {
			x.DisplayName = "Renamed"
			return directory.GroupChange{}, errStale
		})
		if !errors.Is(err, errStale) {
			t.Fatalf("refusal: %v", err)
		}
		now, _ := f.dir.GetGroup(ctx, sys, g.ID)
		if now.DisplayName != "Sales EMEA" || now.Version != 2 {
			t.Fatalf("refused changes left %+v", now)
		}
		if got := memberUPNs(t, f, g.ID); !slices.Equal(got, []string{"a@example.com", "c@example.com"}) {
			t.Fatalf("members after refusals: %v", got)
		}

		// Replacing the members.
		g, err = f.dir.UpdateGroup(ctx, sys, g.ID, func(x *domain.Group) (directory.GroupChange, error) {
			return directory.GroupChange{Add: []string{b.ID, c.ID}, ReplaceMembers: true}, nil
		})
		if err != nil || g.Version != 3 {
			t.Fatalf("replace: %+v, %v", g, err)
		}
		if got := memberUPNs(t, f, g.ID); !slices.Equal(got, []string{"b@example.com", "c@example.com"}) {
			t.Fatalf("members after replace: %v", got)
		}
		g, err = f.dir.UpdateGroup(ctx, sys, g.ID, func(x *domain.Group) (directory.GroupChange, error) {
			return directory.GroupChange{ReplaceMembers: true}, nil
		})
		if err != nil || g.Version != 4 || len(memberUPNs(t, f, g.ID)) != 0 {
			t.Fatalf("replace with none: %+v, %v", g, err)
		}

		// The Graph API's membership calls count as versions too.
		if err := f.dir.AddGroupMember(ctx, sys, g.ID, a.ID); err != nil {
			t.Fatal(err)
		}
		if err := f.dir.RemoveGroupMember(ctx, sys, g.ID, a.ID); err != nil {
			t.Fatal(err)
		}
		if now, _ := f.dir.GetGroup(ctx, sys, g.ID); now.Version != 6 {
			t.Fatalf("version after Graph membership changes: %d", now.Version)
		}

		// Audit: 2 added at creation, +c, -b; replace: -a, +b; replace with none: -b, -c; Graph: +a, -a.
		if n := countAudits(t, f, domain.ActivityAddMemberToGroup); n != 5 {
			t.Errorf("%d member additions audited, want 5", n)
		}
		if n := countAudits(t, f, domain.ActivityRemoveMemberFromGroup); n != 5 {
			t.Errorf("%d member removals audited, want 5", n)
		}
		if n := countAudits(t, f, domain.ActivityUpdateGroup); n != 1 {
			t.Errorf("%d group updates audited, want 1", n)
		}
	})
}

// A provisioning token stands for its application while it is the current one,
// is issued only to a confidential application holding Provisioning.ReadWrite.All,
// and appears in no audit record.
func TestProvisioningToken(t *testing.T) {
	forEachBackend(t, func(t *testing.T, f fixture) {
		ctx := context.Background()
		app, _, err := f.dir.CreateApplication(ctx, sys, domain.Application{DisplayName: "HR",
			Permissions: []domain.Permission{domain.PermProvisioningReadWriteAll}})
		if err != nil {
			t.Fatal(err)
		}
		_, first, err := f.dir.IssueProvisioningToken(ctx, sys, app.ClientID)
		if err != nil || !strings.HasPrefix(first, directory.ProvisioningTokenPrefix) || len(first) < 40 {
			t.Fatalf("issue: %q, %v", first, err)
		}
		actor, err := f.dir.ProvisioningActor(ctx, first, "192.0.2.1")
		if err != nil || actor.Type != domain.ActorApp || actor.AppID != app.ClientID || actor.IPAddress != "192.0.2.1" ||
			!actor.Can(domain.ActWriteUsers) || actor.Can(domain.ActWriteMethods) {
			t.Fatalf("actor: %+v, %v", actor, err)
		}
		_, second, err := f.dir.IssueProvisioningToken(ctx, sys, app.ID)
		if err != nil || second == first {
			t.Fatalf("second issue: %v", err)
		}
		for _, tok := range []string{first, "", "fkscim_", "eyJhbGciOi.x.y", second + "x", strings.ToUpper(second)} {
			if _, err := f.dir.ProvisioningActor(ctx, tok, ""); domain.KindOf(err) != domain.KindUnauthenticated {
				t.Errorf("token %.12q…: %v, want unauthenticated", tok, err)
			}
		}
		if _, err := f.dir.ProvisioningActor(ctx, second, ""); err != nil {
			t.Fatalf("current token: %v", err)
		}
		if _, err := f.dir.RevokeProvisioningToken(ctx, sys, app.ClientID); err != nil {
			t.Fatal(err)
		}
		if _, err := f.dir.ProvisioningActor(ctx, second, ""); domain.KindOf(err) != domain.KindUnauthenticated {
			t.Fatalf("revoked token: %v", err)
		}
		if _, err := f.dir.RevokeProvisioningToken(ctx, sys, app.ClientID); domain.KindOf(err) != domain.KindInvalid {
			t.Fatalf("revoking none: %v", err)
		}

		// Who may have one.
		reader, _, _ := f.dir.CreateApplication(ctx, sys, domain.Application{DisplayName: "reader", Permissions: []domain.Permission{domain.PermUserReadWriteAll}})
		if _, _, err := f.dir.IssueProvisioningToken(ctx, sys, reader.ClientID); domain.KindOf(err) != domain.KindInvalid ||
			!strings.Contains(err.Error(), string(domain.PermProvisioningReadWriteAll)) {
			t.Fatalf("without the permission: %v", err)
		}
		public, _, _ := f.dir.CreateApplication(ctx, sys, domain.Application{DisplayName: "cli", PublicClient: true,
			Permissions: []domain.Permission{domain.PermProvisioningReadWriteAll}})
		if _, _, err := f.dir.IssueProvisioningToken(ctx, sys, public.ClientID); domain.KindOf(err) != domain.KindInvalid {
			t.Fatalf("public client: %v", err)
		}
		manager, _, _ := f.dir.CreateApplication(ctx, sys, domain.Application{DisplayName: "apps", Permissions: []domain.Permission{domain.PermApplicationReadWriteAll}})
		appActor, _ := f.dir.AppActor(ctx, manager.ClientID, "")
		if _, _, err := f.dir.IssueProvisioningToken(ctx, appActor, app.ClientID); domain.KindOf(err) != domain.KindForbidden {
			t.Fatalf("an application that does not hold the permission itself: %v", err)
		}
		if n := countAudits(t, f, domain.ActivityUpdateApplicationSecrets); n != 3 {
			t.Fatalf("%d token changes audited, want 3", n)
		}
		assertNoSecret(t, f, first, second, strings.TrimPrefix(first, directory.ProvisioningTokenPrefix))
	})
}

// DeleteUserIf and DeleteGroupIf delete only what their check allows, seeing
// the stored version.
func TestDeleteIfChecksVersion(t *testing.T) {
	forEachBackend(t, func(t *testing.T, f fixture) {
		ctx := context.Background()
		u := f.user(t, "gone@example.com")
		g, err := f.dir.CreateGroup(ctx, sys, domain.Group{DisplayName: "G"})
		if err != nil {
			t.Fatal(err)
		}
		errStale := errors.New("stale")
		var seen int
		if err := f.dir.DeleteUserIf(ctx, sys, u.ID, func(x domain.User) error { seen = x.Version; return errStale }); !errors.Is(err, errStale) || seen != 1 {
			t.Fatalf("refused user deletion: %v (saw version %d)", err, seen)
		}
		if err := f.dir.DeleteGroupIf(ctx, sys, g.ID, func(x domain.Group) error { return errStale }); !errors.Is(err, errStale) {
			t.Fatalf("refused group deletion: %v", err)
		}
		if _, err := f.dir.GetUser(ctx, sys, u.ID); err != nil {
			t.Fatalf("a refused deletion deleted the user: %v", err)
		}
		if _, err := f.dir.GetGroup(ctx, sys, g.ID); err != nil {
			t.Fatalf("a refused deletion deleted the group: %v", err)
		}
		if err := f.dir.DeleteUserIf(ctx, sys, u.ID, func(domain.User) error { return nil }); err != nil {
			t.Fatal(err)
		}
		if err := f.dir.DeleteGroupIf(ctx, sys, g.ID, func(domain.Group) error { return nil }); err != nil {
			t.Fatal(err)
		}
		if _, err := f.dir.GetUser(ctx, sys, u.ID); domain.KindOf(err) != domain.KindNotFound {
			t.Fatalf("user after deletion: %v", err)
		}
	})
}
