package directory

import (
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/go-webauthn/webauthn/webauthn"
	"github.com/google/uuid"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/seal"
	"github.com/firstkey/firstkey/internal/secret"
	"github.com/firstkey/firstkey/internal/store"
)

// Service is the directory's rule keeper. Build it with New.
type Service struct {
	store   store.Store
	clock   domain.Clock
	hasher  secret.Hasher
	log     *slog.Logger
	baseURL string
	// dummyHash is verified against when a sign-in names nobody or someone with no
	// pass, so that failures take as long as a wrong pass would. It is made on
	// first use: made in New, its argon2id run added tens of milliseconds to every
	// start and left 19 MiB in the heap of an idle server until the next collection.
	dummyHash func() string
	nameKey   []byte
	hashes    *hashGate
	// wa is the WebAuthn relying party, or nil with waErr saying why passkeys are
	// unavailable (for example a base URL with an IP address).
	wa    *webauthn.WebAuthn
	waErr error
	// sealer seals pass codes in the delivery outbox; reportKey signs the links
	// in notices. Both nil when no master key was given (deliveries refused).
	sealer    *seal.Sealer
	reportKey []byte
	delivery  DeliveryOptions
	// cache keeps the policies and applications between changes (cache.go).
	cache cache
	// leases hold batches of busy addresses' shared sign-in allowances
	// (addresslimit.go).
	leases addressLeases
}

// Config holds what a Service needs.
type Config struct {
	Store   store.Store
	Clock   domain.Clock  // defaults to the system clock
	Hasher  secret.Hasher // zero value uses production argon2id parameters
	Logger  *slog.Logger  // defaults to slog.Default()
	BaseURL string        // public URL of this firstkey, e.g. https://id.example.com
	// NameKey keys the hashes under which sign-in lock-outs count typed names.
	// Replicas sharing a database must share it (the server derives it from the
	// master key); when empty, a random one is made, good for one process.
	NameKey []byte
	// HashConcurrency bounds the memory-hard pass hashes running at once (0: one
	// per core); HashQueue is how many sign-ins may wait for one (0: four per
	// slot, negative: none). Beyond that, sign-ins are refused at once.
	HashConcurrency int
	HashQueue       int
	// Sealer is the master key: it seals pass codes waiting for delivery and
	// keys the links in notices to users. Without it, passes cannot be delivered.
	Sealer   *seal.Sealer
	Delivery DeliveryOptions
}

// New builds a Service.
func New(cfg Config) (*Service, error) {
	if cfg.Store == nil {
		return nil, errors.New("directory: a store is required")
	}
	if cfg.Clock == nil {
		cfg.Clock = domain.SystemClock{}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	nameKey := cfg.NameKey
	if len(nameKey) == 0 {
		nameKey = make([]byte, 32)
		if _, err := rand.Read(nameKey); err != nil {
			return nil, fmt.Errorf("directory: make name key: %w", err)
		}
	}
	s := &Service{store: cfg.Store, clock: cfg.Clock, hasher: cfg.Hasher, log: cfg.Logger,
		baseURL: strings.TrimRight(cfg.BaseURL, "/"), nameKey: nameKey,
		hashes: newHashGate(cfg.HashConcurrency, cfg.HashQueue)}
	s.dummyHash = sync.OnceValue(func() string {
		h, err := cfg.Hasher.Hash("timing-equaliser", secret.EntropyBits(domain.MinPassLength, secret.PassAlphabet))
		if err != nil {
			// Only a broken random source gets here; the sign-in still fails as it must.
			s.log.Error("prepare the timing-equaliser hash", "error", err)
		}
		return h
	})
	s.wa, s.waErr = newWebAuthn(s.baseURL)
	s.sealer, s.delivery = cfg.Sealer, cfg.Delivery
	if s.delivery.Retry.MaxAttempts <= 0 {
		s.delivery.Retry = domain.DefaultDeliveryRetry
	}
	if cfg.Sealer != nil {
		k, err := cfg.Sealer.DeriveKey("report link")
		if err != nil {
			return nil, fmt.Errorf("directory: %w", err)
		}
		s.reportKey = k[:]
	}
	return s, nil
}

// Store exposes the underlying store for read paths that need no rules (health checks).
func (s *Service) Store() store.Store { return s.store }

// Clock is the service's clock.
func (s *Service) Clock() domain.Clock { return s.clock }

// SignInURL is the page a pass holder opens: My Security Info, which asks them to sign in.
func (s *Service) SignInURL() string { return s.baseURL + "/mysecurityinfo" }

// now is the current time at the precision every store keeps (microseconds), so
// that a value read back equals the value written.
func (s *Service) now() time.Time { return s.clock.Now().UTC().Truncate(time.Microsecond) }

func newID() string { return uuid.NewString() }

// isGUID reports whether ref looks like an object id rather than a userPrincipalName.
func isGUID(ref string) bool { _, err := uuid.Parse(ref); return err == nil && len(ref) == 36 }

// notFound maps store.ErrNotFound to a domain error naming what was looked for.
func notFound(err error, what, ref string) error {
	if errors.Is(err, store.ErrNotFound) {
		return &domain.Error{Kind: domain.KindNotFound, Code: "Request_ResourceNotFound",
			Message: fmt.Sprintf("Resource '%s' does not exist or one of its queried reference-property objects are not present.", ref)}
	}
	return fmt.Errorf("get %s %s: %w", what, ref, err)
}
