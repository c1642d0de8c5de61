package domain

import (
	"testing"
	"time"
)

func TestParseRate(t *testing.T) {
	for in, want := range map[string]Rate{
		"20/1m":      {Attempts: 20, Per: time.Minute},
		" 2000/10s ": {Attempts: 2000, Per: 10 * time.Second},
		"1/1h":       {Attempts: 1, Per: time.Hour},
	} {
		got, err := ParseRate(in)
		if err != nil || got != want {
			t.Errorf("ParseRate(%q) = %v, %v; want %v", in, got, err, want)
		}
		if back, err := ParseRate(got.String()); err != nil || back != got {
			t.Errorf("ParseRate(%q.String()) = %v, %v", in, back, err)
		}
	}
	for r, want := range map[Rate]string{{20, time.Minute}: "20/1m", {2000, 10 * time.Second}: "2000/10s", {5, 2 * time.Hour}: "5/2h", {3, 90 * time.Second}: "3/1m30s"} {
		if got := r.String(); got != want {
			t.Errorf("%#v.String() = %q, want %q", r, got, want)
		}
	}
	for _, in := range []string{"", "20", "20/", "/1m", "0/1m", "-3/1m", "20/0s", "20/minute", "x/1m", "5/3ns"} {
		if r, err := ParseRate(in); err == nil {
			t.Errorf("ParseRate(%q) = %v, want an error", in, r)
		}
	}
}

// A burst of Attempts passes, the next waits one interval, and the allowance
// refills at one attempt per interval however long it stays unused.
func TestRateTake(t *testing.T) {
	r := Rate{Attempts: 3, Per: time.Minute}
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	var tat time.Time
	for i := range 3 {
		var ok bool
		if tat, ok, _ = r.Take(tat, now); !ok {
			t.Fatalf("attempt %d of the burst refused", i+1)
		}
	}
	next, ok, wait := r.Take(tat, now)
	if ok || wait != 20*time.Second || !next.Equal(tat) {
		t.Fatalf("fourth attempt: ok %v, wait %v, state moved %v", ok, wait, !next.Equal(tat))
	}
	now = now.Add(19 * time.Second)
	if _, ok, wait := r.Take(tat, now); ok || wait != time.Second {
		t.Fatalf("after 19s: ok %v, wait %v", ok, wait)
	}
	now = now.Add(time.Second)
	if tat, ok, _ = r.Take(tat, now); !ok {
		t.Fatal("after 20s one attempt is back, but it was refused")
	}
	if _, ok, _ := r.Take(tat, now); ok {
		t.Fatal("only one attempt came back after 20s")
	}
	// Long unused: a full burst again, not more.
	now = now.Add(time.Hour)
	n := 0
	for ; n < 10; n++ {
		if tat, ok, _ = r.Take(tat, now); !ok {
			break
		}
	}
	if n != 3 {
		t.Fatalf("after an hour, %d attempts passed; want the burst of 3", n)
	}
}

// TakeN is n Takes or nothing, and Left counts what n could be.
func TestRateTakeN(t *testing.T) {
	r := Rate{Attempts: 10, Per: 10 * time.Second}
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	var tat time.Time
	if l := r.Left(tat, now); l != 10 {
		t.Fatalf("Left of a full allowance = %d", l)
	}
	tat, ok, _ := r.TakeN(tat, now, 4)
	if !ok || r.Left(tat, now) != 6 {
		t.Fatalf("after taking 4: ok %v, left %d", ok, r.Left(tat, now))
	}
	var one time.Time
	for range 4 {
		one, _, _ = r.Take(one, now)
	}
	if !one.Equal(tat) {
		t.Errorf("TakeN(4) = %v, four Takes = %v", tat, one)
	}
	if next, ok, wait := r.TakeN(tat, now, 7); ok || !next.Equal(tat) || wait != time.Second {
		t.Errorf("taking 7 of 6: %v %v %v", next, ok, wait)
	}
	if tat, ok, _ = r.TakeN(tat, now, 6); !ok || r.Left(tat, now) != 0 {
		t.Errorf("taking the last 6: %v, left %d", ok, r.Left(tat, now))
	}
	if l := r.Left(tat, now.Add(2500*time.Millisecond)); l != 2 {
		t.Errorf("Left 2.5s later = %d, want 2", l)
	}
}

// A rate finer than a nanosecond never refuses, and Left does not divide by
// its zero interval.
func TestRateFinerThanANanosecond(t *testing.T) {
	r := Rate{Attempts: 1 << 30, Per: time.Second}
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	tat, ok, _ := r.TakeN(time.Time{}, now, 64)
	if !ok || r.Left(tat, now) != r.Attempts {
		t.Errorf("TakeN: %v, Left %d", ok, r.Left(tat, now))
	}
}
