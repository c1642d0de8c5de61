package cli

import (
	"fmt"
	"log/slog"
	"math"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
)

// Default soft memory limit of serve, when neither --memory-limit nor
// GOMEMLIMIT says otherwise: a base for everything but pass checks, and room
// for each hash slot's argon2id buffer (19 MiB, new for every check) and the
// garbage it leaves. Without a limit the collector lets the heap grow to twice
// what is live after each cycle, and a run of pass checks (their buffers all
// garbage a few tens of milliseconds later) takes the resident set well past
// what is ever in use at once.
const (
	memoryLimitBase    = 48 << 20
	memoryLimitPerHash = 32 << 20
)

// memoryLimitValue is --memory-limit: a size such as 200MiB or 1GiB (B, KiB,
// MiB, GiB, as GOMEMLIMIT writes them), "off" for none, or "auto" (the
// default).
type memoryLimitValue struct{ s *string }

func (v memoryLimitValue) String() string {
	if v.s == nil {
		return ""
	}
	return *v.s
}

func (v memoryLimitValue) Set(s string) error {
	if _, _, err := parseMemoryLimit(s); err != nil {
		return err
	}
	*v.s = s
	return nil
}

func (memoryLimitValue) Type() string { return "size" }

// parseMemoryLimit returns the limit s names; auto is true for "auto" or "".
func parseMemoryLimit(s string) (limit int64, auto bool, err error) {
	switch t := strings.TrimSpace(s); strings.ToLower(t) {
	case "", "auto":
		return 0, true, nil
	case "off":
		return math.MaxInt64, false, nil
	default:
		num, mult := t, int64(1)
		for _, u := range []struct {
			suffix string
			mult   int64
		}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"B", 1}} {
			if strings.HasSuffix(t, u.suffix) {
				num, mult = strings.TrimSuffix(t, u.suffix), u.mult
				break
			}
		}
		n, err := strconv.ParseInt(num, 10, 64)
		if err != nil || n <= 0 || n > math.MaxInt64/mult {
			return 0, false, fmt.Errorf("%q is not a memory size: write a number of bytes with B, KiB, MiB or GiB (such as 200MiB), or auto, or off", s)
		}
		return n * mult, false, nil
	}
}

// applyMemoryLimit sets the runtime's soft memory limit for serve. GOMEMLIMIT,
// read by the runtime itself at start, wins over the default but not over an
// explicit --memory-limit.
func applyMemoryLimit(log *slog.Logger, flag string, hashConcurrency int) {
	limit, auto, err := parseMemoryLimit(flag)
	if err != nil { // checked when the flag was set
		return
	}
	if auto {
		if os.Getenv("GOMEMLIMIT") != "" {
			log.Info("memory limit from GOMEMLIMIT", "limit_bytes", debug.SetMemoryLimit(-1))
			return
		}
		slots := hashConcurrency
		if slots <= 0 {
			slots = runtime.NumCPU() // as the hash gate counts them
		}
		limit = memoryLimitBase + int64(slots)*memoryLimitPerHash
	}
	debug.SetMemoryLimit(limit)
	log.Info("memory limit", "limit_bytes", limit, "default", auto)
}
