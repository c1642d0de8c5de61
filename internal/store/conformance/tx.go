package conformance

import (
	"errors"
	"testing"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/store"
)

var txTests = []test{
	{"Tx/Commit", testTxCommit},
	{"Tx/ErrorRollsBack", testTxRollback},
	{"Tx/NestedJoinsOuter", testTxNested},
	{"Tx/UpdateInsideTx", testTxUpdate},
}

func testTxCommit(t *testing.T, s store.Store) {
	must(t, s.InTx(ctx, func(tx store.Store) error {
		createUsers(t, tx, newUser("u1", "a@example.com"))
		must(t, tx.CreateGroup(ctx, newGroup("g1", "G")))
		must(t, tx.AddGroupMember(ctx, "g1", "u1"))
		// The transaction sees its own writes; others do not yet.
		if _, err := tx.GetUser(ctx, "u1"); err != nil {
			return err
		}
		_, err := s.GetUser(ctx, "u1")
		wantErr(t, err, store.ErrNotFound)
		return nil
	}))
	ids, err := s.ListUserGroupIDs(ctx, "u1")
	must(t, err)
	wantIDs(t, ids, []string{"g1"})
}

func testTxRollback(t *testing.T, s store.Store) {
	createUsers(t, s, newUser("keep", "keep@example.com"))
	errBoom := errors.New("boom")
	err := s.InTx(ctx, func(tx store.Store) error {
		createUsers(t, tx, newUser("u1", "a@example.com"))
		must(t, tx.CreatePass(ctx, newPass("p1", "u1")))
		must(t, tx.AssignRole(ctx, domain.RoleAssignment{UserID: "keep", Role: domain.RoleReportsReader}))
		must(t, tx.PutSetting(ctx, "init", "done", true))
		must(t, tx.DeleteUser(ctx, "keep"))
		_, err := tx.UpdateTAPPolicy(ctx, func(p domain.TAPPolicy) (domain.TAPPolicy, error) {
			p.State = domain.StateEnabled
			return p, nil
		})
		must(t, err)
		return errBoom
	})
	wantErr(t, err, errBoom)
	_, err = s.GetUser(ctx, "u1")
	wantErr(t, err, store.ErrNotFound)
	_, err = s.GetPass(ctx, "p1")
	wantErr(t, err, store.ErrNotFound)
	_, err = s.GetSetting(ctx, "init")
	wantErr(t, err, store.ErrNotFound)
	_, err = s.GetUser(ctx, "keep")
	must(t, err)
	roles, err := s.ListUserRoles(ctx, "keep")
	must(t, err)
	wantEqual(t, roles, []domain.Role{})
	p, err := s.GetTAPPolicy(ctx)
	must(t, err)
	wantEqual(t, p, domain.DefaultTAPPolicy())

	// A store error inside fn that fn passes on rolls back the rest too.
	err = s.InTx(ctx, func(tx store.Store) error {
		createUsers(t, tx, newUser("u2", "b@example.com"))
		return tx.CreateUser(ctx, newUser("u3", "KEEP@example.com"))
	})
	wantErr(t, err, store.ErrAlreadyExists)
	_, err = s.GetUser(ctx, "u2")
	wantErr(t, err, store.ErrNotFound)

	// The store is usable afterwards.
	createUsers(t, s, newUser("u1", "a@example.com"))
}

func testTxNested(t *testing.T, s store.Store) {
	errBoom := errors.New("boom")
	// An inner InTx joins the outer transaction: its commit is not a commit.
	err := s.InTx(ctx, func(tx store.Store) error {
		must(t, tx.InTx(ctx, func(inner store.Store) error {
			createUsers(t, inner, newUser("u1", "a@example.com"))
			return nil
		}))
		if _, err := tx.GetUser(ctx, "u1"); err != nil {
			t.Errorf("outer transaction does not see the inner one's write: %v", err)
		}
		return errBoom
	})
	wantErr(t, err, errBoom)
	_, err = s.GetUser(ctx, "u1")
	wantErr(t, err, store.ErrNotFound)

	// An inner error that the outer fn returns rolls everything back.
	err = s.InTx(ctx, func(tx store.Store) error {
		createUsers(t, tx, newUser("u1", "a@example.com"))
		return tx.InTx(ctx, func(inner store.Store) error {
			createUsers(t, inner, newUser("u2", "b@example.com"))
			return errBoom
		})
	})
	wantErr(t, err, errBoom)
	for _, id := range []string{"u1", "u2"} {
		_, err = s.GetUser(ctx, id)
		wantErr(t, err, store.ErrNotFound)
	}

	// Nested success commits with the outer transaction.
	must(t, s.InTx(ctx, func(tx store.Store) error {
		return tx.InTx(ctx, func(inner store.Store) error {
			return inner.InTx(ctx, func(innermost store.Store) error {
				return innermost.CreateUser(ctx, newUser("u3", "c@example.com"))
			})
		})
	}))
	_, err = s.GetUser(ctx, "u3")
	must(t, err)
}

func testTxUpdate(t *testing.T, s store.Store) {
	createUsers(t, s, newUser("u1", "a@example.com"))
	errBoom := errors.New("boom")
	// Update methods on a transaction-bound store are part of that transaction.
	err := s.InTx(ctx, func(tx store.Store) error {
		_, err := tx.UpdateUser(ctx, "u1", func(u domain.User) (domain.User, error) {
			u.DisplayName = "Changed"
			return u, nil
		})
		must(t, err)
		u, err := tx.GetUser(ctx, "u1")
		must(t, err)
		wantEqual(t, u.DisplayName, "Changed")
		return errBoom
	})
	wantErr(t, err, errBoom)
	u, err := s.GetUser(ctx, "u1")
	must(t, err)
	wantEqual(t, u.DisplayName, "User u1")

	must(t, s.InTx(ctx, func(tx store.Store) error {
		_, err := tx.UpdateUser(ctx, "u1", func(u domain.User) (domain.User, error) {
			u.DisplayName = "Committed"
			return u, nil
		})
		return err
	}))
	u, err = s.GetUser(ctx, "u1")
	must(t, err)
	wantEqual(t, u.DisplayName, "Committed")
}
