package seal

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/firstkey/firstkey/internal/store"
)

// Column is a database column that holds sealed values. Every package that
// seals something into the database registers its column (Register), so that
// a master-key rotation re-seals it.
type Column struct {
	Table, Column string
	// Keys name the row (text columns) and AD turns their values into the
	// additional data the value was sealed with.
	Keys []string
	AD   func(keys []string) []byte
	// Text means the column holds base64 text rather than bytes.
	Text bool
	// Only, when set, picks the rows that hold sealed values.
	Only func(keys []string) bool
}

var (
	registryMu sync.Mutex
	registry   = []Column{{
		// The marker first: moving it makes replicas seal with the new key.
		Table: "settings", Column: "value", Keys: []string{"key"}, Text: true,
		AD:   func(k []string) []byte { return []byte(k[0]) },
		Only: func(k []string) bool { return k[0] == checkSetting },
	}, {
		Table: "settings", Column: "value", Keys: []string{"key"}, Text: true,
		AD:   func(k []string) []byte { return []byte(k[0]) },
		Only: func(k []string) bool { return k[0] == rootSetting },
	}}
)

// Register adds a column of sealed values; call it from an init function.
func Register(c Column) {
	registryMu.Lock()
	defer registryMu.Unlock()
	registry = append(registry, c)
}

// Columns lists every registered column of sealed values.
func Columns() []Column {
	registryMu.Lock()
	defer registryMu.Unlock()
	return append([]Column(nil), registry...)
}

// RotateOptions tune Rotate.
type RotateOptions struct {
	// Settle is how long Rotate waits before looking again for values a
	// replica sealed with the old key just before it learnt of the new one (a
	// request in flight); at least the longest request. Rotate repeats until
	// a pass finds nothing left.
	Settle time.Duration
	Logger *slog.Logger
}

// RotateReport says what Rotate did.
type RotateReport struct {
	From, To string // key ids
	Resealed int
	Passes   int
}

// Rotate re-seals every registered sealed value under s's configured key
// (the first given to New); s must also hold the key the database is under
// now. It runs online: each value is replaced by a compare-and-set, replicas
// holding both keys open either and switch to sealing with the new key once
// the marker has moved (Follow). Run again, it finishes an interrupted
// rotation and otherwise changes nothing.
func Rotate(ctx context.Context, st store.Store, r store.Resealer, s *Sealer, o RotateOptions) (RotateReport, error) {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if err := CheckKey(ctx, st, s); err != nil {
		return RotateReport{}, err
	}
	rep := RotateReport{From: s.CurrentKeyID(), To: s.ConfiguredKeyID()}
	// The derivation root stays that of the key the database was first under,
	// so that lock-out counts and signed links outlive the rotation.
	root := *s.root.Load()
	sealedRoot, err := s.sealWith(s.keys[0], root, []byte(rootSetting))
	if err != nil {
		return rep, err
	}
	if err := st.PutSetting(ctx, rootSetting, base64.StdEncoding.EncodeToString(sealedRoot), true); err != nil && !errors.Is(err, store.ErrAlreadyExists) {
		return rep, fmt.Errorf("store master key derivation root: %w", err)
	}
	for pass := 1; pass <= 10; pass++ {
		rep.Passes = pass
		n, err := resealAll(ctx, r, s)
		rep.Resealed += n
		if err != nil {
			return rep, err
		}
		o.Logger.InfoContext(ctx, "master key rotation pass", "pass", pass, "resealed", n, "to", rep.To)
		if n == 0 && pass > 1 {
			s.current.Store(s.keys[0])
			return rep, nil
		}
		select {
		case <-ctx.Done():
			return rep, ctx.Err()
		case <-time.After(o.Settle):
		}
	}
	return rep, errors.New("rotate master key: values sealed with an old key keep appearing; is a replica running without the new key?")
}

func resealAll(ctx context.Context, r store.Resealer, s *Sealer) (int, error) {
	total := 0
	for _, c := range Columns() {
		n, err := r.ResealColumn(ctx, c.Table, c.Column, c.Keys, func(keys []string, v any) (any, error) {
			if c.Only != nil && !c.Only(keys) {
				return nil, nil
			}
			var sealed []byte
			switch x := v.(type) {
			case []byte:
				sealed = x
			case string:
				if !c.Text {
					sealed = []byte(x)
					break
				}
				b, err := base64.StdEncoding.DecodeString(x)
				if err != nil {
					return nil, fmt.Errorf("not base64: %w", err)
				}
				sealed = b
			default:
				return nil, fmt.Errorf("a sealed value of type %T", v)
			}
			out, err := s.Reseal(sealed, c.AD(keys))
			if err != nil || out == nil {
				return nil, err
			}
			if c.Text {
				return base64.StdEncoding.EncodeToString(out), nil
			}
			return out, nil
		})
		total += n
		if err != nil {
			return total, fmt.Errorf("rotate master key: %w", err)
		}
	}
	return total, nil
}
