package domain

import (
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

func enabledPolicy() TAPPolicy {
	p := DefaultTAPPolicy()
	p.State = StateEnabled
	return p
}

func ptr[T any](v T) *T { return &v }

func TestPassTerms(t *testing.T) {
	oneTimePolicy := enabledPolicy()
	oneTimePolicy.IsUsableOnce = true
	disabled := DefaultTAPPolicy()
	cases := []struct {
		name   string
		policy TAPPolicy
		req    PassRequest
		want   PassTerms
		err    string
	}{
		{"defaults from policy", enabledPolicy(), PassRequest{}, PassTerms{StartDateTime: t0, LifetimeInMinutes: 60}, ""},
		{"one-time policy default", oneTimePolicy, PassRequest{}, PassTerms{StartDateTime: t0, LifetimeInMinutes: 60, IsUsableOnce: true}, ""},
		{"delayed start", enabledPolicy(), PassRequest{StartDateTime: ptr(t0.Add(72 * time.Hour))}, PassTerms{StartDateTime: t0.Add(72 * time.Hour), LifetimeInMinutes: 60}, ""},
		{"start slightly in the past is now", enabledPolicy(), PassRequest{StartDateTime: ptr(t0.Add(-time.Minute))}, PassTerms{StartDateTime: t0, LifetimeInMinutes: 60}, ""},
		{"start in the past", enabledPolicy(), PassRequest{StartDateTime: ptr(t0.Add(-time.Hour))}, PassTerms{}, "must not be in the past"},
		{"start too far", enabledPolicy(), PassRequest{StartDateTime: ptr(t0.Add(400 * 24 * time.Hour))}, PassTerms{}, "within 365 days"},
		{"lifetime at max", enabledPolicy(), PassRequest{LifetimeInMinutes: ptr(480)}, PassTerms{StartDateTime: t0, LifetimeInMinutes: 480}, ""},
		{"lifetime too short", enabledPolicy(), PassRequest{LifetimeInMinutes: ptr(59)}, PassTerms{}, "Invalid lifetimeInMinutes specified. The valid range is between 60 and 480."},
		{"lifetime too long", enabledPolicy(), PassRequest{LifetimeInMinutes: ptr(481)}, PassTerms{}, "The valid range is between 60 and 480."},
		{"multi-use refused by one-time policy", oneTimePolicy, PassRequest{IsUsableOnce: ptr(false)}, PassTerms{}, "requires every Temporary Access Pass to be usable once"},
		{"one-time chosen", enabledPolicy(), PassRequest{IsUsableOnce: ptr(true)}, PassTerms{StartDateTime: t0, LifetimeInMinutes: 60, IsUsableOnce: true}, ""},
		{"policy disabled", disabled, PassRequest{}, PassTerms{}, "policy is disabled"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := c.req.Terms(t0, c.policy)
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("error %v, want %q", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != c.want {
				t.Fatalf("got %+v, want %+v", got, c.want)
			}
		})
	}
}

func TestPassUsabilityOverTime(t *testing.T) {
	p := TemporaryAccessPass{StartDateTime: t0.Add(time.Hour), LifetimeInMinutes: 60, IsUsableOnce: true}
	pol := enabledPolicy()
	steps := []struct {
		at     time.Time
		policy TAPPolicy
		scope  bool
		used   bool
		usable bool
		reason UsabilityReason
	}{
		{t0, pol, true, false, false, NotYetValid},
		{t0.Add(time.Hour), pol, true, false, true, EnabledByPolicy},
		{t0.Add(90 * time.Minute), pol, false, false, false, DisabledByPolicy},
		{t0.Add(90 * time.Minute), DefaultTAPPolicy(), true, false, false, DisabledByPolicy},
		{t0.Add(90 * time.Minute), pol, true, true, false, OneTimeUsed},
		{t0.Add(2 * time.Hour), pol, true, false, false, Expired},
		{t0.Add(2 * time.Hour), DefaultTAPPolicy(), true, false, false, Expired},
	}
	for i, s := range steps {
		q := p
		if s.used {
			q.UsedDateTime = ptr(t0)
		}
		usable, reason := q.Usability(s.at, s.policy, s.scope)
		if usable != s.usable || reason != s.reason {
			t.Errorf("step %d: got %v %s, want %v %s", i, usable, reason, s.usable, s.reason)
		}
	}
	multi := p
	multi.IsUsableOnce = false
	oneTime := enabledPolicy()
	oneTime.IsUsableOnce = true
	if ok, reason := multi.Usability(t0.Add(time.Hour), oneTime, true); ok || reason != DisabledByPolicy {
		t.Errorf("multi-use pass under a one-time policy: %v %s", ok, reason)
	}
}
