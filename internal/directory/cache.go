package directory

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/firstkey/firstkey/internal/domain"
)

// maxCachedApps bounds the application cache; past it the cache starts over.
const maxCachedApps = 10000

// cache keeps in memory what nearly every request reads and an administrator
// rarely changes: the pass and passkey policies and the applications (by
// client id). It is valid while the store's CacheVersion stays at the value
// it was filled at; the database's triggers move that counter in the same
// transaction as any such change, so one cheap read per request is all it
// takes for a change made through any replica to be seen by every replica at
// once. Reads inside a transaction never use it: they must see (and lock)
// the row itself.
type cache struct {
	mu      sync.Mutex
	version int64
	fido2   *domain.Fido2Policy
	tap     *domain.TAPPolicy
	apps    map[string]domain.Application
}

// cached is the cache as one request sees it: at the version it read once.
type cached struct {
	s       *Service
	version int64
}

// cached reads the cache version: the one statement a request pays for the
// policies and applications it then reads from memory.
func (s *Service) cached(ctx context.Context) (cached, error) {
	v, err := s.store.CacheVersion(ctx)
	if err != nil {
		return cached{}, fmt.Errorf("read cache version: %w", err)
	}
	return cached{s: s, version: v}, nil
}

// at empties the cache when it was filled at another version and reports
// whether it is at c's; the caller holds mu. A request that read an older
// version than the cache's loads from the store without touching the cache.
func (c cached) at() bool {
	k := &c.s.cache
	if k.version != c.version {
		if c.version < k.version {
			return false
		}
		k.version, k.fido2, k.tap, k.apps = c.version, nil, nil, nil
	}
	return true
}

// The value is loaded after the version was read, so it is at least as new
// as that version: keeping it under that version can only make a later
// request load it again, never keep an older one.

func (c cached) fido2Policy(ctx context.Context) (domain.Fido2Policy, error) {
	k := &c.s.cache
	k.mu.Lock()
	if c.at() && k.fido2 != nil {
		p := cloneFido2Policy(*k.fido2)
		k.mu.Unlock()
		return p, nil
	}
	k.mu.Unlock()
	p, err := c.s.store.GetFido2Policy(ctx)
	if err != nil {
		return p, fmt.Errorf("read passkey policy: %w", err)
	}
	k.mu.Lock()
	if c.at() {
		kept := cloneFido2Policy(p)
		k.fido2 = &kept
	}
	k.mu.Unlock()
	return p, nil
}

func (c cached) tapPolicy(ctx context.Context) (domain.TAPPolicy, error) {
	k := &c.s.cache
	k.mu.Lock()
	if c.at() && k.tap != nil {
		p := cloneTAPPolicy(*k.tap)
		k.mu.Unlock()
		return p, nil
	}
	k.mu.Unlock()
	p, err := c.s.store.GetTAPPolicy(ctx)
	if err != nil {
		return p, fmt.Errorf("read pass policy: %w", err)
	}
	k.mu.Lock()
	if c.at() {
		kept := cloneTAPPolicy(p)
		k.tap = &kept
	}
	k.mu.Unlock()
	return p, nil
}

// application finds an application by client id; store.ErrNotFound (wrapped)
// for none, which is not cached.
func (c cached) application(ctx context.Context, clientID string) (domain.Application, error) {
	k := &c.s.cache
	k.mu.Lock()
	if c.at() {
		if a, ok := k.apps[clientID]; ok {
			k.mu.Unlock()
			return cloneApplication(a), nil
		}
	}
	k.mu.Unlock()
	a, err := c.s.store.GetApplicationByClientID(ctx, clientID)
	if err != nil {
		return a, err
	}
	k.mu.Lock()
	if c.at() {
		if k.apps == nil || len(k.apps) >= maxCachedApps {
			k.apps = map[string]domain.Application{}
		}
		k.apps[clientID] = cloneApplication(a)
	}
	k.mu.Unlock()
	return a, nil
}

// ApplicationByClientID is the application with that client id as it is now
// in the store (from memory while nothing changed): for the token endpoint
// and the APIs, which look the caller up on every request.
func (s *Service) ApplicationByClientID(ctx context.Context, clientID string) (domain.Application, error) {
	a, _, err := s.ApplicationAt(ctx, clientID)
	return a, err
}

// ApplicationAt is ApplicationByClientID that also returns the cache version
// it read (store.Store's CacheVersion), so that the token endpoint can check
// its other caches (the signing keys) against it without reading it again.
func (s *Service) ApplicationAt(ctx context.Context, clientID string) (domain.Application, int64, error) {
	c, err := s.cached(ctx)
	if err != nil {
		return domain.Application{}, 0, err
	}
	a, err := c.application(ctx, clientID)
	return a, c.version, err
}

// Callers may change what they are given; the cache keeps its own copies.

func cloneFido2Policy(p domain.Fido2Policy) domain.Fido2Policy {
	p.IncludeTargets = slices.Clone(p.IncludeTargets)
	p.ExcludeTargets = slices.Clone(p.ExcludeTargets)
	p.KeyRestrictions.AAGUIDs = slices.Clone(p.KeyRestrictions.AAGUIDs)
	return p
}

func cloneTAPPolicy(p domain.TAPPolicy) domain.TAPPolicy {
	p.IncludeTargets = slices.Clone(p.IncludeTargets)
	p.ExcludeTargets = slices.Clone(p.ExcludeTargets)
	return p
}

func cloneApplication(a domain.Application) domain.Application {
	a.RedirectURIs = slices.Clone(a.RedirectURIs)
	a.SPARedirectURIs = slices.Clone(a.SPARedirectURIs)
	a.Permissions = slices.Clone(a.Permissions)
	if a.Secret.StartDateTime != nil {
		t := *a.Secret.StartDateTime
		a.Secret.StartDateTime = &t
	}
	return a
}
