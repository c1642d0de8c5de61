package ratelimit

import (
	"strconv"
	"testing"
	"time"

	"github.com/firstkey/firstkey/internal/domain"
)

func TestLimiterPerKey(t *testing.T) {
	clock := domain.NewFakeClock(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))
	l := New(domain.Rate{Attempts: 2, Per: 10 * time.Second}, clock)
	for range 2 {
		if ok, _ := l.Allow("a"); !ok {
			t.Fatal("burst refused")
		}
	}
	if ok, wait := l.Allow("a"); ok || RetryAfter(wait) != 5 {
		t.Fatalf("third: ok %v, wait %v", ok, wait)
	}
	if ok, _ := l.Allow("b"); !ok {
		t.Fatal("another key shares a's allowance")
	}
	clock.Advance(5 * time.Second)
	if ok, _ := l.Allow("a"); !ok {
		t.Fatal("a's allowance did not refill")
	}
}

// Past maxKeys, keys with their whole allowance back are forgotten; active
// ones are kept.
func TestLimiterForgetsRefilledKeys(t *testing.T) {
	clock := domain.NewFakeClock(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))
	l := New(domain.Rate{Attempts: 1, Per: time.Minute}, clock)
	l.Allow("busy")
	clock.Advance(30 * time.Second)
	for i := range maxKeys {
		l.Allow(strconv.Itoa(i))
	}
	clock.Advance(31 * time.Second) // "busy" is refilled, the others are not
	l.Allow("new")
	if _, held := l.tats["busy"]; held {
		t.Fatal("a refilled key was kept past maxKeys")
	}
	if ok, _ := l.Allow("0"); ok {
		t.Fatal("an active key was forgotten")
	}
}

func TestRetryAfter(t *testing.T) {
	for wait, want := range map[time.Duration]int{0: 1, time.Millisecond: 1, time.Second: 1, 1001 * time.Millisecond: 2, time.Minute: 60} {
		if got := RetryAfter(wait); got != want {
			t.Errorf("RetryAfter(%v) = %d, want %d", wait, got, want)
		}
	}
}
