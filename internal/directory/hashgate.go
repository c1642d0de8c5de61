package directory

import (
	"context"
	"runtime"
	"runtime/debug"
	"sync/atomic"
	"time"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/metrics"
)

// hashGate bounds how many memory-hard pass hashes run at once. Each argon2id
// check takes its 19 MiB for as long as it runs; without a bound, a burst of
// attempts (even for names that are no account) takes the server's memory with
// it. A few attempts may wait briefly for a slot; the rest are refused at once,
// without hashing, and told when to try again.
//
// Admission and hashing are two bounds: a sign-in is admitted (or refused) on
// arrival, then does its database work (reserving the attempt, reading the
// user and the pass) holding only its admission, and takes one of the hashing
// slots just for the hash. Admission holds twice as many as hash at once, so
// that the cores hash while other sign-ins wait on the database: when one slot
// covered both, a core sat idle for every round trip of the sign-in holding it
// (on PostgreSQL, a quarter of the hashing rate). Memory is bounded by the
// hashing slots alone.
type hashGate struct {
	slots       chan struct{} // admitted sign-ins (admitPerSlot per hashing slot)
	hashing     chan struct{} // hashes running
	waiting     atomic.Int64
	maxQueue    int64
	maxWait     time.Duration
	lastFree    atomic.Int64 // unix nanoseconds of the last return of memory to the OS
	freePending atomic.Bool
}

// freeEvery spaces out returns of memory to the OS after hashing: each forces a
// garbage collection, cheap for firstkey's small heap but not free.
const freeEvery = 5 * time.Second

// Default hash gate: one slot per core (argon2id with p=1 keeps one core busy),
// and a queue of a few attempts per slot that wait at most a couple of seconds.
const (
	defaultHashQueuePerSlot = 4
	defaultHashMaxWait      = 2 * time.Second
	admitPerSlot            = 2
)

func newHashGate(slots, queue int) *hashGate {
	if slots <= 0 {
		slots = runtime.NumCPU()
	}
	if queue < 0 {
		queue = 0
	} else if queue == 0 {
		queue = defaultHashQueuePerSlot * slots
	}
	return &hashGate{slots: make(chan struct{}, admitPerSlot*slots), hashing: make(chan struct{}, slots),
		maxQueue: int64(queue), maxWait: defaultHashMaxWait}
}

// ErrBusy is what a sign-in is told when every hash slot is taken and the queue
// is full: nothing was checked or counted, so trying again soon is safe.
var ErrBusy = &domain.Error{Kind: domain.KindRateLimited, Code: "tooManyRequests",
	Message: "firstkey is busy checking other sign-ins. Wait a few seconds and try again."}

// BusyRetryAfter is how long a refused attempt is told to wait.
const BusyRetryAfter = 2 * time.Second

// tryAcquire takes a slot, waiting in the bounded queue if all are taken; it
// returns ErrBusy at once when the queue is full too, or after maxWait.
func (g *hashGate) tryAcquire(ctx context.Context) (release func(), err error) {
	select {
	case g.slots <- struct{}{}:
		return g.releaser(), nil
	default:
	}
	if g.waiting.Add(1) > g.maxQueue {
		g.waiting.Add(-1)
		metrics.RateLimited(ctx, metrics.LimitHashQueue)
		return nil, ErrBusy
	}
	defer g.waiting.Add(-1)
	t := time.NewTimer(g.maxWait)
	defer t.Stop()
	select {
	case g.slots <- struct{}{}:
		return g.releaser(), nil
	case <-t.C:
		metrics.RateLimited(ctx, metrics.LimitHashQueue)
		return nil, ErrBusy
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// acquire waits for a hashing slot as long as ctx allows: for work an
// administrator asked for (issuing passes), which should queue rather than fail.
func (g *hashGate) acquire(ctx context.Context) (release func(), err error) {
	select {
	case g.hashing <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	var done atomic.Bool
	return func() {
		if done.CompareAndSwap(false, true) {
			<-g.hashing
		}
	}, nil
}

// hash runs f, a pass check of an admitted sign-in, in a hashing slot. It waits
// without a deadline: the attempt is already counted, and only admitted
// sign-ins (a bounded number) ever wait here.
func (g *hashGate) hash(f func()) {
	g.hashing <- struct{}{}
	defer func() { <-g.hashing }()
	f()
}

// releaser returns a function that frees the slot once, however often it is
// called. When the last hash of a busy spell ends, the memory the hashes took is
// handed back to the OS: the Go runtime would keep it for a while, and an
// identity provider's resident set should fall back to idle after an attack.
func (g *hashGate) releaser() func() {
	var done atomic.Bool
	return func() {
		if !done.CompareAndSwap(false, true) {
			return
		}
		<-g.slots
		if len(g.slots) > 0 || g.waiting.Load() > 0 {
			return
		}
		if !g.freePending.CompareAndSwap(false, true) {
			return
		}
		wait := time.Duration(g.lastFree.Load() + int64(freeEvery) - time.Now().UnixNano())
		time.AfterFunc(max(wait, 0), func() {
			debug.FreeOSMemory()
			g.lastFree.Store(time.Now().UnixNano())
			g.freePending.Store(false)
		})
	}
}

// HashGateStats reports the pass checks running and the sign-ins waiting for
// one, for the metrics.
func (s *Service) HashGateStats() (running, waiting int) {
	return len(s.hashes.hashing), int(s.hashes.waiting.Load())
}
