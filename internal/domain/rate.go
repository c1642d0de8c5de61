package domain

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Rate is an allowance: up to Attempts at once, then one more each
// Per/Attempts, so that Attempts spread over Per always pass.
type Rate struct {
	Attempts int
	Per      time.Duration
}

// Valid reports whether the rate allows anything at all.
func (r Rate) Valid() bool { return r.Attempts > 0 && r.Per > 0 }

// String writes the rate as ParseRate reads it, e.g. "20/1m".
func (r Rate) String() string {
	per := r.Per.String()
	switch {
	case r.Per > 0 && r.Per%time.Hour == 0:
		per = strconv.FormatInt(int64(r.Per/time.Hour), 10) + "h"
	case r.Per > 0 && r.Per%time.Minute == 0:
		per = strconv.FormatInt(int64(r.Per/time.Minute), 10) + "m"
	}
	return strconv.Itoa(r.Attempts) + "/" + per
}

// ParseRate reads "ATTEMPTS/PERIOD" with a Go duration as the period, for
// example "20/1m" or "2000/10s".
func ParseRate(s string) (Rate, error) {
	n, per, ok := strings.Cut(strings.TrimSpace(s), "/")
	if !ok {
		return Rate{}, fmt.Errorf("rate %q: write it as ATTEMPTS/PERIOD, for example 20/1m", s)
	}
	attempts, err := strconv.Atoi(strings.TrimSpace(n))
	if err != nil || attempts <= 0 {
		return Rate{}, fmt.Errorf("rate %q: the number of attempts must be a whole number above 0", s)
	}
	d, err := time.ParseDuration(strings.TrimSpace(per))
	if err != nil || d <= 0 {
		return Rate{}, fmt.Errorf("rate %q: the period must be a duration above 0 such as 30s, 1m or 1h", s)
	}
	if d/time.Duration(attempts) <= 0 {
		return Rate{}, fmt.Errorf("rate %q: more attempts than nanoseconds in the period", s)
	}
	return Rate{Attempts: attempts, Per: d}, nil
}

// Take spends one attempt at now from an allowance whose state is tat, the
// theoretical arrival time of the generic cell rate algorithm (GCRA): the zero
// time, or any time not after now, is a full allowance. It returns the state
// after the attempt when it is allowed, or, when it is not, the state unchanged
// and how long until an attempt is allowed again. The state is one instant, so
// that replicas can share it in one database row.
func (r Rate) Take(tat, now time.Time) (next time.Time, ok bool, wait time.Duration) {
	return r.TakeN(tat, now, 1)
}

// TakeN spends n attempts at now at once, as n calls to Take would, or none
// of them: wait is then how long until all n would be allowed.
func (r Rate) TakeN(tat, now time.Time, n int) (next time.Time, ok bool, wait time.Duration) {
	interval := r.Per / time.Duration(r.Attempts)
	tolerance := r.Per - time.Duration(n)*interval
	if tat.Before(now) {
		tat = now
	}
	if ahead := tat.Sub(now); ahead > tolerance {
		return tat, false, ahead - tolerance
	}
	return tat.Add(time.Duration(n) * interval), true, 0
}

// Left is how many attempts the allowance in state tat holds at now.
func (r Rate) Left(tat, now time.Time) int {
	interval := r.Per / time.Duration(r.Attempts)
	// More attempts than nanoseconds in the period (ParseRate refuses it, a
	// Config may not) is no limit at all.
	if tat.Before(now) || interval <= 0 {
		return r.Attempts
	}
	return int((r.Per - tat.Sub(now)) / interval)
}
