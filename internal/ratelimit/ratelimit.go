package ratelimit

import (
	"math"
	"sync"
	"time"

	"github.com/firstkey/firstkey/internal/domain"
)

// maxKeys bounds the memory a Limiter holds; past it, keys whose allowance has
// fully come back are forgotten (forgetting them changes nothing).
const maxKeys = 10000

// Limiter applies one domain.Rate per key. Safe for concurrent use.
type Limiter struct {
	mu    sync.Mutex
	rate  domain.Rate
	clock domain.Clock
	tats  map[string]time.Time
}

// New returns a Limiter; rate must be Valid.
func New(rate domain.Rate, clock domain.Clock) *Limiter {
	return &Limiter{rate: rate, clock: clock, tats: map[string]time.Time{}}
}

// Rate is the limiter's allowance.
func (l *Limiter) Rate() domain.Rate { return l.rate }

// Allow takes one attempt from key's allowance, or says how long until one is back.
func (l *Limiter) Allow(key string) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.clock.Now()
	tat, known := l.tats[key]
	if !known && len(l.tats) >= maxKeys {
		for k, t := range l.tats {
			if !t.After(now) {
				delete(l.tats, k)
			}
		}
	}
	next, ok, wait := l.rate.Take(tat, now)
	if ok {
		l.tats[key] = next
	}
	return ok, wait
}

// RetryAfter is wait in whole seconds for a Retry-After header, at least 1.
func RetryAfter(wait time.Duration) int {
	return max(1, int(math.Ceil(wait.Seconds())))
}
