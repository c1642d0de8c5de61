package conformance

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/store"
)

var deviceTests = []test{
	{"Device/CreateGet", testDeviceCreateGet},
	{"Device/Update", testDeviceUpdate},
	{"Device/DeleteExpired", testDeviceDeleteExpired},
}

// newDevice is a device request as the device authorization endpoint stores it.
func newDevice(hash, userCode string) domain.DeviceAuthorization {
	return domain.DeviceAuthorization{
		DeviceCodeHash: hash, UserCode: userCode, ClientID: "c1", Scopes: []string{"openid", "offline_access"},
		State: domain.DevicePending, CreatedDateTime: t0, ExpiresDateTime: t0.Add(domain.DeviceCodeLifetime),
	}
}

// approvedDevice is d after someone approved it on another screen.
func approvedDevice(d domain.DeviceAuthorization) domain.DeviceAuthorization {
	d.State, d.UserID, d.PassID = domain.DeviceApproved, "u1", "p1"
	d.AMR = []string{domain.AMRTap, domain.AMRMFA}
	d.AuthTime, d.AuthExpires = t0.Add(time.Minute), t0.Add(8*time.Hour)
	d.LastPollDateTime = t0.Add(30 * time.Second)
	return d
}

func storedDevice(d domain.DeviceAuthorization) domain.DeviceAuthorization {
	d.CreatedDateTime, d.ExpiresDateTime, d.LastPollDateTime = norm(d.CreatedDateTime), norm(d.ExpiresDateTime), norm(d.LastPollDateTime)
	d.AuthTime, d.AuthExpires = norm(d.AuthTime), norm(d.AuthExpires)
	d.Scopes, d.AMR = nonNilStrings(d.Scopes), nonNilStrings(d.AMR)
	return d
}

func wantDevice(t testing.TB, s store.Store, want domain.DeviceAuthorization) {
	t.Helper()
	got, err := s.GetDeviceAuthorization(ctx, want.DeviceCodeHash)
	must(t, err)
	wantEqual(t, got, storedDevice(want))
	got, err = s.GetDeviceAuthorizationByUserCode(ctx, want.UserCode)
	must(t, err)
	wantEqual(t, got, storedDevice(want))
}

func testDeviceCreateGet(t *testing.T, s store.Store) {
	pending := newDevice("dc-hash-1", "BCDFGHJK")
	must(t, s.CreateDeviceAuthorization(ctx, pending))
	wantDevice(t, s, pending)

	done := approvedDevice(newDevice("dc-hash-2", "LMNPQRST"))
	done.State, done.GrantID = domain.DeviceRedeemed, "g1"
	must(t, s.CreateDeviceAuthorization(ctx, done))
	wantDevice(t, s, done)

	// No lists and zero times come back as empty lists and zero times.
	bare := domain.DeviceAuthorization{DeviceCodeHash: "dc-hash-3", UserCode: "VWXZBCDF", ClientID: "c2",
		State: domain.DevicePending, CreatedDateTime: t0, ExpiresDateTime: t0.Add(time.Minute)}
	must(t, s.CreateDeviceAuthorization(ctx, bare))
	wantDevice(t, s, bare)
	got, err := s.GetDeviceAuthorization(ctx, "dc-hash-3")
	must(t, err)
	if got.Scopes == nil || got.AMR == nil || !got.LastPollDateTime.IsZero() || !got.AuthTime.IsZero() || !got.AuthExpires.IsZero() {
		t.Fatalf("bare device authorization came back as %+v", got)
	}

	// A user code in use is refused, and so is a device code hash.
	err = s.CreateDeviceAuthorization(ctx, newDevice("dc-hash-4", "BCDFGHJK"))
	wantErr(t, err, store.ErrAlreadyExists)
	wantNoSecret(t, err, "dc-hash-4", "BCDFGHJK")
	err = s.CreateDeviceAuthorization(ctx, newDevice("dc-hash-1", "ZZZZZZZZ"))
	wantErr(t, err, store.ErrAlreadyExists)
	wantNoSecret(t, err, "dc-hash-1", "ZZZZZZZZ")
	_, err = s.GetDeviceAuthorizationByUserCode(ctx, "ZZZZZZZZ")
	wantErr(t, err, store.ErrNotFound)
	wantNoSecret(t, err, "ZZZZZZZZ")
	_, err = s.GetDeviceAuthorization(ctx, "dc-hash-4")
	wantErr(t, err, store.ErrNotFound)
	wantNoSecret(t, err, "dc-hash-4")
	wantDevice(t, s, pending)
}

func testDeviceUpdate(t *testing.T, s store.Store) {
	d := newDevice("dc-hash-1", "BCDFGHJK")
	must(t, s.CreateDeviceAuthorization(ctx, d))
	other := newDevice("dc-hash-2", "LMNPQRST")
	must(t, s.CreateDeviceAuthorization(ctx, other))

	// Approval; the device code hash and user code cannot change.
	want := approvedDevice(d)
	got, err := s.UpdateDeviceAuthorization(ctx, "dc-hash-1", func(x domain.DeviceAuthorization) (domain.DeviceAuthorization, error) {
		wantEqual(t, x, storedDevice(d))
		x = approvedDevice(x)
		x.DeviceCodeHash, x.UserCode = "dc-hash-changed", "CHANGED1"
		return x, nil
	})
	must(t, err)
	wantEqual(t, got, storedDevice(want))
	wantDevice(t, s, want)
	_, err = s.GetDeviceAuthorization(ctx, "dc-hash-changed")
	wantErr(t, err, store.ErrNotFound)
	_, err = s.GetDeviceAuthorizationByUserCode(ctx, "CHANGED1")
	wantErr(t, err, store.ErrNotFound)
	// Not even to another request's keys.
	_, err = s.UpdateDeviceAuthorization(ctx, "dc-hash-1", func(x domain.DeviceAuthorization) (domain.DeviceAuthorization, error) {
		x.DeviceCodeHash, x.UserCode = other.DeviceCodeHash, other.UserCode
		return x, nil
	})
	must(t, err)
	wantDevice(t, s, want)
	wantDevice(t, s, other)

	// Redemption, then every field set back to empty.
	want.State, want.GrantID = domain.DeviceRedeemed, "g1"
	got, err = s.UpdateDeviceAuthorization(ctx, "dc-hash-1", func(x domain.DeviceAuthorization) (domain.DeviceAuthorization, error) {
		x.State, x.GrantID = domain.DeviceRedeemed, "g1"
		return x, nil
	})
	must(t, err)
	wantEqual(t, got, storedDevice(want))
	cleared := domain.DeviceAuthorization{DeviceCodeHash: "dc-hash-1", UserCode: "BCDFGHJK", ClientID: "c9",
		State: domain.DeviceDenied, CreatedDateTime: t0.Add(time.Second), ExpiresDateTime: t0.Add(time.Hour)}
	got, err = s.UpdateDeviceAuthorization(ctx, "dc-hash-1", func(domain.DeviceAuthorization) (domain.DeviceAuthorization, error) {
		return cleared, nil
	})
	must(t, err)
	wantEqual(t, got, storedDevice(cleared))
	wantDevice(t, s, cleared)

	// A refused change changes nothing.
	_, err = s.UpdateDeviceAuthorization(ctx, "dc-hash-1", func(x domain.DeviceAuthorization) (domain.DeviceAuthorization, error) {
		x.State = domain.DeviceApproved
		return x, errRefused
	})
	wantErr(t, err, errRefused)
	wantDevice(t, s, cleared)

	_, err = s.UpdateDeviceAuthorization(ctx, "dc-hash-ghost", func(x domain.DeviceAuthorization) (domain.DeviceAuthorization, error) {
		return x, nil
	})
	wantErr(t, err, store.ErrNotFound)
	wantNoSecret(t, err, "dc-hash-ghost")
}

func testDeviceDeleteExpired(t *testing.T, s store.Store) {
	for i, d := range []time.Duration{time.Minute, 5 * time.Minute, 10 * time.Minute} {
		dev := newDevice(fmt.Sprintf("dc-hash-%d", i), fmt.Sprintf("CODE%04d", i))
		dev.ExpiresDateTime = t0.Add(d)
		must(t, s.CreateDeviceAuthorization(ctx, dev))
	}
	n, err := s.DeleteExpiredDeviceAuthorizations(ctx, t0)
	must(t, err)
	wantEqual(t, n, 0)
	// Expiring exactly at `before` is not "before".
	n, err = s.DeleteExpiredDeviceAuthorizations(ctx, t0.Add(5*time.Minute))
	must(t, err)
	wantEqual(t, n, 1)
	n, err = s.DeleteExpiredDeviceAuthorizations(ctx, t0.Add(5*time.Minute+time.Microsecond))
	must(t, err)
	wantEqual(t, n, 1)
	for i, want := range []error{store.ErrNotFound, store.ErrNotFound, nil} {
		if _, err := s.GetDeviceAuthorization(ctx, fmt.Sprintf("dc-hash-%d", i)); !errors.Is(err, want) {
			t.Fatalf("device authorization %d: got %v, want %v", i, err, want)
		}
	}
	// The user codes of deleted requests can be given out again.
	must(t, s.CreateDeviceAuthorization(ctx, newDevice("dc-hash-new", "CODE0000")))
}
