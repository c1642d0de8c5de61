package testenv

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/server"
	"github.com/firstkey/firstkey/internal/store/storetest"
)

// FuzzEnv is a firstkey for a fuzz target: started once per fuzzing process,
// called in-process (no TCP per input), and logging only its errors.
type FuzzEnv struct {
	*Env
	errs *errorLog
}

// FuzzBackendEnv names the variable that picks the fuzz targets' database:
// SQLite unless it says "postgres". Fuzzing itself runs on SQLite, in-process
// and fast; FIRSTKEY_FUZZ_BACKEND=postgres go test -run Fuzz replays the seed
// corpora on PostgreSQL, which refuses text SQLite stores.
const FuzzBackendEnv = "FIRSTKEY_FUZZ_BACKEND"

// NewFuzz starts firstkey for a fuzz target. Call it before f.Fuzz, so that
// every input reuses the one server.
func NewFuzz(t testing.TB, o Options) *FuzzEnv {
	t.Helper()
	errs := newErrorLog()
	o.Logger = slog.New(errs)
	// A fuzzer sends thousands of requests a second as one application: the
	// API throttles (tested in graphapi) would answer most of them 429.
	adjust := o.Server
	o.Server = func(c *server.Config) {
		c.APIAppRate = domain.Rate{Attempts: 1 << 30, Per: time.Second}
		c.APIUserRate = c.APIAppRate
		if adjust != nil {
			adjust(c)
		}
	}
	name := "sqlite"
	if os.Getenv(FuzzBackendEnv) == "postgres" {
		name = "postgres"
	}
	var backend storetest.Backend
	for _, b := range storetest.Backends() {
		if b.Name == name {
			backend = b
		}
	}
	return &FuzzEnv{Env: NewWithOptions(t, backend, o), errs: errs}
}

// Serve runs one request through the whole server in-process, with the same
// middleware as over the network, and returns the recorded answer.
func (e *FuzzEnv) Serve(r *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	e.App.Handler().ServeHTTP(w, r)
	return w
}

// TakeErrors returns what the server logged at level ERROR since the last call
// and forgets it. A fuzz input that makes firstkey log an error found a fault
// even when the answer looked fine (a template that failed half-way, say).
func (e *FuzzEnv) TakeErrors() []string { return e.errs.take() }

// errorLog is a slog.Handler that keeps ERROR records only, so that a long
// fuzzing run does not accumulate every access-log line in memory.
type errorLog struct {
	sink  *errorSink
	attrs []slog.Attr
}

type errorSink struct {
	mu    sync.Mutex
	lines []string
}

func newErrorLog() *errorLog { return &errorLog{sink: &errorSink{}} }

func (l *errorLog) Enabled(_ context.Context, lv slog.Level) bool { return lv >= slog.LevelError }

func (l *errorLog) Handle(_ context.Context, r slog.Record) error {
	line := r.Message
	for _, a := range l.attrs {
		line += fmt.Sprintf(" %s=%v", a.Key, a.Value)
	}
	r.Attrs(func(a slog.Attr) bool {
		line += fmt.Sprintf(" %s=%v", a.Key, a.Value)
		return true
	})
	l.sink.mu.Lock()
	defer l.sink.mu.Unlock()
	if len(l.sink.lines) < 100 {
		l.sink.lines = append(l.sink.lines, line)
	}
	return nil
}

func (l *errorLog) WithAttrs(as []slog.Attr) slog.Handler {
	return &errorLog{sink: l.sink, attrs: append(append([]slog.Attr{}, l.attrs...), as...)}
}

func (l *errorLog) WithGroup(string) slog.Handler { return l }

func (l *errorLog) take() []string {
	l.sink.mu.Lock()
	defer l.sink.mu.Unlock()
	out := l.sink.lines
	l.sink.lines = nil
	return out
}
