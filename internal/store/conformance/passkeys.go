package conformance

import (
	"math"
	"testing"
	"time"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/store"
)

var passkeyTests = []test{
	{"Passkey/CreateGet", testPasskeyCreateGet},
	{"Passkey/CredentialIDUnique", testPasskeyCredentialIDUnique},
	{"Passkey/SignInReadInOne", testPasskeySignIn},
	{"Passkey/ListOldestFirst", testPasskeyList},
	{"Passkey/Update", testPasskeyUpdate},
	{"Passkey/Delete", testPasskeyDelete},
	{"Passkey/DeleteUserCascades", testPasskeyDeleteUserCascades},
	{"Passkey/RecordUse", testPasskeyRecordUse},
	{"Passkey/ListByUPN", testPasskeyListByUPN},
}

func newPasskey(id, userID string, credentialID ...byte) domain.Passkey {
	return domain.Passkey{
		ID: id, UserID: userID, CredentialID: credentialID,
		PublicKey:       []byte{0xa5, 0x01, 0x02, 0x03, 0x26, 0x20, 0x01, 0x00, 0xff},
		AttestationType: "none", AttestationLevel: "notAttested",
		AAGUID: "00000000-0000-0000-0000-000000000000", SignCount: 0,
		Transports: []string{"internal", "hybrid"}, DisplayName: "Laptop " + id,
		CreatedDateTime: t0,
	}
}

func storedPasskey(p domain.Passkey) domain.Passkey {
	p.CreatedDateTime = norm(p.CreatedDateTime)
	if p.LastUsedDateTime != nil {
		p.LastUsedDateTime = ptr(norm(*p.LastUsedDateTime))
	}
	if p.Transports == nil {
		p.Transports = []string{}
	}
	return p
}

func passkeyID(p domain.Passkey) string { return p.ID }

func testPasskeyCreateGet(t *testing.T, s store.Store) {
	createUsers(t, s, newUser("u1", "a@example.com"))
	// Every field set, the largest sign count included, and bytes that are not text.
	full := domain.Passkey{
		ID: "pk1", UserID: "u1", CredentialID: []byte{0x00, 0xff, 0x10, 0x80, 0x00},
		PublicKey: []byte{0xa5, 0x01, 0x02, 0x00, 0xfe}, AttestationType: "packed",
		AttestationLevel: "attested", AAGUID: "cb69481e-8ff7-4039-93ec-0a2729a154a8",
		SignCount: 4294967295, Transports: []string{"usb", "nfc", "ble"},
		BackupEligible: true, BackupState: true, DisplayName: "Blue key ✓",
		CreatedDateTime: t0, LastUsedDateTime: ptr(t0.Add(time.Hour)), CloneWarning: true,
	}
	must(t, s.CreatePasskey(ctx, full))
	got, err := s.GetPasskey(ctx, "pk1")
	must(t, err)
	wantEqual(t, got, storedPasskey(full))
	if got.LastUsedDateTime.Location() != time.UTC {
		t.Fatalf("last used in %v, want UTC", got.LastUsedDateTime.Location())
	}
	got, err = s.GetPasskeyByCredentialID(ctx, []byte{0x00, 0xff, 0x10, 0x80, 0x00})
	must(t, err)
	wantEqual(t, got, storedPasskey(full))

	// Never used, no transports: nil stays nil, the list comes back empty.
	bare := newPasskey("pk2", "u1", 1, 2, 3)
	bare.Transports = nil
	must(t, s.CreatePasskey(ctx, bare))
	got, err = s.GetPasskey(ctx, "pk2")
	must(t, err)
	if got.LastUsedDateTime != nil || got.Transports == nil {
		t.Fatalf("got last used %v, transports nil %v; want nil and an empty list", got.LastUsedDateTime, got.Transports == nil)
	}
	wantEqual(t, got, storedPasskey(bare))

	_, err = s.GetPasskey(ctx, "ghost")
	wantErr(t, err, store.ErrNotFound)
	// A prefix or extension of a credential id is another credential.
	for _, id := range [][]byte{{0x00, 0xff, 0x10, 0x80}, {0x00, 0xff, 0x10, 0x80, 0x00, 0x00}, {1, 2, 3, 4}} {
		_, err = s.GetPasskeyByCredentialID(ctx, id)
		wantErr(t, err, store.ErrNotFound)
	}
	wantErr(t, s.CreatePasskey(ctx, newPasskey("pk3", "ghost", 9)), store.ErrNotFound)
	wantErr(t, s.CreatePasskey(ctx, newPasskey("pk1", "u1", 9)), store.ErrAlreadyExists)
}

func testPasskeyCredentialIDUnique(t *testing.T, s store.Store) {
	createUsers(t, s, newUser("u1", "a@example.com"), newUser("u2", "b@example.com"))
	must(t, s.CreatePasskey(ctx, newPasskey("pk1", "u1", 7, 7, 7)))
	wantErr(t, s.CreatePasskey(ctx, newPasskey("pk2", "u1", 7, 7, 7)), store.ErrAlreadyExists)
	// A credential belongs to one account: another user cannot register it either.
	wantErr(t, s.CreatePasskey(ctx, newPasskey("pk3", "u2", 7, 7, 7)), store.ErrAlreadyExists)
	must(t, s.CreatePasskey(ctx, newPasskey("pk4", "u2", 7, 7)))
	got, err := s.GetPasskeyByCredentialID(ctx, []byte{7, 7, 7})
	must(t, err)
	wantEqual(t, got.ID, "pk1")
	list, err := s.ListUserPasskeys(ctx, "u2")
	must(t, err)
	wantIDs(t, idsOf(list, passkeyID), []string{"pk4"})
}

func testPasskeyList(t *testing.T, s store.Store) {
	createUsers(t, s, newUser("u1", "a@example.com"), newUser("u2", "b@example.com"))
	list, err := s.ListUserPasskeys(ctx, "u1")
	must(t, err)
	wantEqual(t, list, []domain.Passkey{})

	// Created out of order; equal times fall back to the id.
	for i, c := range []struct {
		id string
		d  time.Duration
	}{{"pk-c", 2 * time.Hour}, {"pk-a", time.Hour}, {"pk-b", 0}, {"pk-0", time.Hour}} {
		p := newPasskey(c.id, "u1", byte(i))
		p.CreatedDateTime = t0.Add(c.d)
		must(t, s.CreatePasskey(ctx, p))
	}
	must(t, s.CreatePasskey(ctx, newPasskey("pk-other", "u2", 100)))
	list, err = s.ListUserPasskeys(ctx, "u1")
	must(t, err)
	wantIDs(t, idsOf(list, passkeyID), []string{"pk-b", "pk-0", "pk-a", "pk-c"})
	want := newPasskey("pk-b", "u1", 2)
	wantEqual(t, list[0], storedPasskey(want))
	list, err = s.ListUserPasskeys(ctx, "ghost")
	must(t, err)
	wantEqual(t, list, []domain.Passkey{})
}

func testPasskeyUpdate(t *testing.T, s store.Store) {
	createUsers(t, s, newUser("u1", "a@example.com"), newUser("u2", "b@example.com"))
	p := newPasskey("pk1", "u1", 1, 2)
	must(t, s.CreatePasskey(ctx, p))
	must(t, s.CreatePasskey(ctx, newPasskey("pk2", "u1", 3, 4)))

	got, err := s.UpdatePasskey(ctx, "pk1", func(old domain.Passkey) (domain.Passkey, error) {
		wantEqual(t, old, storedPasskey(p))
		old.SignCount, old.LastUsedDateTime, old.BackupState = 42, ptr(t0.Add(time.Minute)), true
		old.DisplayName, old.Transports, old.CloneWarning = "Renamed", []string{"usb"}, true
		// Identity cannot change.
		old.ID, old.UserID, old.CredentialID = "other", "u2", []byte{9}
		return old, nil
	})
	must(t, err)
	want := storedPasskey(p)
	want.SignCount, want.LastUsedDateTime, want.BackupState = 42, ptr(at(time.Minute)), true
	want.DisplayName, want.Transports, want.CloneWarning = "Renamed", []string{"usb"}, true
	wantEqual(t, got, want)
	got, err = s.GetPasskeyByCredentialID(ctx, []byte{1, 2})
	must(t, err)
	wantEqual(t, got, want)
	_, err = s.GetPasskeyByCredentialID(ctx, []byte{9})
	wantErr(t, err, store.ErrNotFound)

	// Clearing the last use stores NULL again; a vetoed update changes nothing.
	got, err = s.UpdatePasskey(ctx, "pk1", func(old domain.Passkey) (domain.Passkey, error) {
		old.LastUsedDateTime = nil
		return old, nil
	})
	must(t, err)
	want.LastUsedDateTime = nil
	wantEqual(t, got, want)
	_, err = s.UpdatePasskey(ctx, "pk1", func(old domain.Passkey) (domain.Passkey, error) {
		old.SignCount = 1000
		return old, errRefused
	})
	wantErr(t, err, errRefused)
	got, err = s.GetPasskey(ctx, "pk1")
	must(t, err)
	wantEqual(t, got, want)
	// The other passkey was untouched.
	other, err := s.GetPasskey(ctx, "pk2")
	must(t, err)
	wantEqual(t, other, storedPasskey(newPasskey("pk2", "u1", 3, 4)))

	_, err = s.UpdatePasskey(ctx, "ghost", func(old domain.Passkey) (domain.Passkey, error) {
		t.Error("fn called for a missing passkey")
		return old, nil
	})
	wantErr(t, err, store.ErrNotFound)
}

func testPasskeyDelete(t *testing.T, s store.Store) {
	createUsers(t, s, newUser("u1", "a@example.com"))
	must(t, s.CreatePasskey(ctx, newPasskey("pk1", "u1", 1)))
	must(t, s.CreatePasskey(ctx, newPasskey("pk2", "u1", 2)))
	must(t, s.DeletePasskey(ctx, "pk1"))
	wantErr(t, s.DeletePasskey(ctx, "pk1"), store.ErrNotFound)
	_, err := s.GetPasskey(ctx, "pk1")
	wantErr(t, err, store.ErrNotFound)
	_, err = s.GetPasskeyByCredentialID(ctx, []byte{1})
	wantErr(t, err, store.ErrNotFound)
	list, err := s.ListUserPasskeys(ctx, "u1")
	must(t, err)
	wantIDs(t, idsOf(list, passkeyID), []string{"pk2"})
	// The credential id is free again, and the user still exists.
	must(t, s.CreatePasskey(ctx, newPasskey("pk3", "u1", 1)))
	_, err = s.GetUser(ctx, "u1")
	must(t, err)
}

func testPasskeyDeleteUserCascades(t *testing.T, s store.Store) {
	createUsers(t, s, newUser("victim", "v@example.com"), newUser("other", "o@example.com"))
	for i, id := range []string{"victim", "other"} {
		must(t, s.CreatePasskey(ctx, newPasskey("pk-"+id, id, byte(i))))
	}
	must(t, s.DeleteUser(ctx, "victim"))

	_, err := s.GetPasskey(ctx, "pk-victim")
	wantErr(t, err, store.ErrNotFound)
	list, err := s.ListUserPasskeys(ctx, "victim")
	must(t, err)
	wantEqual(t, list, []domain.Passkey{})
	// A new user with the old id starts clean, and can register the credential again.
	createUsers(t, s, newUser("victim", "v@example.com"))
	must(t, s.CreatePasskey(ctx, newPasskey("pk-new", "victim", 0)))

	// Nothing of the other user's went.
	_, err = s.GetPasskey(ctx, "pk-other")
	must(t, err)
}

// testPasskeyRecordUse: the counter only goes up; a counter not above the
// stored one flags the passkey for good, except 0 after 0; the passkey's
// other fields stay as they were.
func testPasskeyRecordUse(t *testing.T, s store.Store) {
	createUsers(t, s, newUser("u1", "a@example.com"))
	p := newPasskey("pk1", "u1", 1, 2)
	never := newPasskey("pk2", "u1", 3, 4)
	must(t, s.CreatePasskey(ctx, p))
	must(t, s.CreatePasskey(ctx, never))
	want := storedPasskey(p)
	check := func(what string, id string, want domain.Passkey) {
		t.Helper()
		got, err := s.GetPasskey(ctx, id)
		must(t, err)
		if got.SignCount != want.SignCount || got.CloneWarning != want.CloneWarning || got.BackupState != want.BackupState {
			t.Errorf("%s: counter %d, clone warning %v, backed up %v; want %d, %v, %v", what,
				got.SignCount, got.CloneWarning, got.BackupState, want.SignCount, want.CloneWarning, want.BackupState)
		}
		wantEqual(t, got, want)
	}

	must(t, s.RecordPasskeyUse(ctx, "pk2", 0, false, false, t0.Add(time.Minute)))
	wantNever := storedPasskey(never)
	wantNever.LastUsedDateTime = ptr(at(time.Minute))
	check("0 after 0", "pk2", wantNever)

	must(t, s.RecordPasskeyUse(ctx, "pk1", 5, true, false, t0.Add(time.Minute)))
	want.SignCount, want.BackupState, want.LastUsedDateTime = 5, true, ptr(at(time.Minute))
	check("5 after 0", "pk1", want)

	must(t, s.RecordPasskeyUse(ctx, "pk1", 3, true, false, t0.Add(2*time.Minute)))
	want.CloneWarning, want.LastUsedDateTime = true, ptr(at(2*time.Minute))
	check("3 after 5: kept at 5 and flagged", "pk1", want)

	must(t, s.RecordPasskeyUse(ctx, "pk1", 9, false, false, t0.Add(3*time.Minute)))
	want.SignCount, want.BackupState, want.LastUsedDateTime = 9, false, ptr(at(3*time.Minute))
	check("9 after 5: up, still flagged", "pk1", want)

	must(t, s.RecordPasskeyUse(ctx, "pk2", 0, false, true, t0.Add(4*time.Minute)))
	wantNever.CloneWarning, wantNever.LastUsedDateTime = true, ptr(at(4*time.Minute))
	check("flagged by the caller", "pk2", wantNever)

	// The counter is a uint32: its top half does not fit a 32-bit integer column
	// or parameter.
	must(t, s.RecordPasskeyUse(ctx, "pk1", math.MaxUint32, false, false, t0.Add(5*time.Minute)))
	want.SignCount, want.LastUsedDateTime = math.MaxUint32, ptr(at(5*time.Minute))
	check("2^32-1 after 9", "pk1", want)

	wantErr(t, s.RecordPasskeyUse(ctx, "ghost", 1, false, false, t0), store.ErrNotFound)
}

// testPasskeyListByUPN: a user's passkeys by their name, in any letter case,
// oldest first, and nobody else's.
func testPasskeyListByUPN(t *testing.T, s store.Store) {
	createUsers(t, s, newUser("u1", "Ada@Example.com"), newUser("u2", "b@example.com"))
	list, err := s.ListPasskeysByUPN(ctx, "ada@example.com")
	must(t, err)
	wantEqual(t, list, []domain.Passkey{})
	later := newPasskey("pk-2", "u1", 2)
	later.CreatedDateTime = t0.Add(time.Hour)
	must(t, s.CreatePasskey(ctx, later))
	must(t, s.CreatePasskey(ctx, newPasskey("pk-1", "u1", 1)))
	must(t, s.CreatePasskey(ctx, newPasskey("pk-other", "u2", 3)))
	list, err = s.ListPasskeysByUPN(ctx, "ADA@example.COM")
	must(t, err)
	wantIDs(t, idsOf(list, passkeyID), []string{"pk-1", "pk-2"})
	wantEqual(t, list[1], storedPasskey(later))
	list, err = s.ListPasskeysByUPN(ctx, "nobody@example.com")
	must(t, err)
	wantEqual(t, list, []domain.Passkey{})
}

// testPasskeySignIn: the passkey a credential id names comes with its whole
// owner (a manager, a hire date: the nullable columns too) and the cache
// version as CacheVersion reads it; an unknown credential is not found.
func testPasskeySignIn(t *testing.T, s store.Store) {
	u := newUser("u1", "Ada@Example.com")
	u.ManagerID, u.EmployeeHireDate, u.JobTitle = "boss", ptr(t0.Add(time.Hour)), "Analyst"
	createUsers(t, s, newUser("boss", "boss@example.com"), u, newUser("u2", "b@example.com"))
	key := newPasskey("pk1", "u1", 0x00, 0xff, 0x10)
	key.LastUsedDateTime = ptr(t0.Add(time.Minute))
	must(t, s.CreatePasskey(ctx, key))
	bare := newPasskey("pk2", "u2", 9)
	bare.Transports = nil
	must(t, s.CreatePasskey(ctx, bare))
	must(t, s.CreateApplication(ctx, newApp("a1", "client-1", "Payroll"))) // moves the cache version

	version, err := s.CacheVersion(ctx)
	must(t, err)
	got, err := s.GetPasskeySignIn(ctx, []byte{0x00, 0xff, 0x10})
	must(t, err)
	wantEqual(t, got.Passkey, storedPasskey(key))
	owner, err := s.GetUser(ctx, "u1")
	must(t, err)
	wantEqual(t, got.Owner, owner)
	wantEqual(t, got.CacheVersion, version)

	got, err = s.GetPasskeySignIn(ctx, []byte{9})
	must(t, err)
	wantEqual(t, got.Passkey, storedPasskey(bare))
	wantEqual(t, got.Owner.ID, "u2")
	if got.Owner.ManagerID != "" || got.Owner.EmployeeHireDate != nil {
		t.Errorf("owner without a manager or hire date: %+v", got.Owner)
	}
	for _, id := range [][]byte{{0x00, 0xff}, {0x00, 0xff, 0x10, 0x00}, {}} {
		_, err = s.GetPasskeySignIn(ctx, id)
		wantErr(t, err, store.ErrNotFound)
	}
}
