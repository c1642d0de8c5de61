package scim

import (
	"math"
	"sync"
	"time"

	"github.com/firstkey/firstkey/internal/domain"
)

// Rate is an allowance of requests: a client may spend Requests at once and
// gets them back evenly over Per.
type Rate struct {
	Requests int
	Per      time.Duration
}

// DefaultRate lets a provisioning client run its initial cycle briskly (twenty
// requests a second) while one that loops cannot take the server down.
var DefaultRate = Rate{Requests: 1200, Per: time.Minute}

// limiter is an in-memory token bucket per client. Each replica counts on its
// own: the limit protects the server a client talks to, and provisioning
// clients retry a 429 after Retry-After.
type limiter struct {
	mu      sync.Mutex
	rate    Rate
	clock   domain.Clock
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	last   time.Time
}

// maxBuckets bounds the memory the limiter holds; past it, full buckets are forgotten.
const maxBuckets = 10000

func newLimiter(r Rate, clock domain.Clock) *limiter {
	return &limiter{rate: r, clock: clock, buckets: map[string]*bucket{}}
}

// allow takes one request from key's allowance, or says how long until one is back.
func (l *limiter) allow(key string) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.clock.Now()
	capacity := float64(l.rate.Requests)
	perToken := l.rate.Per / time.Duration(l.rate.Requests)
	b, ok := l.buckets[key]
	if !ok {
		if len(l.buckets) >= maxBuckets {
			for k, old := range l.buckets {
				if old.tokens+float64(now.Sub(old.last))/float64(perToken) >= capacity {
					delete(l.buckets, k)
				}
			}
		}
		b = &bucket{tokens: capacity, last: now}
		l.buckets[key] = b
	}
	if elapsed := now.Sub(b.last); elapsed > 0 {
		b.tokens = math.Min(capacity, b.tokens+float64(elapsed)/float64(perToken))
		b.last = now
	}
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	return false, time.Duration((1 - b.tokens) * float64(perToken))
}
