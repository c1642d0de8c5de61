// Command httpbench measures firstkey over real HTTP against the real binary,
// operation by operation, and writes a markdown table (scripts/bench runs it).
//
// For each setup (SQLite; PostgreSQL; two replicas on PostgreSQL, requests
// round-robin between them; with --million also 1,000,000 users on PostgreSQL
// and 100,000 on SQLite) it starts `firstkey serve` on loopback with a fresh
// data directory (and a fresh PostgreSQL schema), bulk-seeds the users
// (internal/bench/seed), registers two applications with the CLI, gives
// -concurrency people a multi-use pass, a passkey (the software authenticator
// of internal/softkey, registered through My Security Info as the page does)
// and a refresh-token chain, and then runs each operation alone for -duration
// at -concurrency: passkey sign-in (begin + a real ES256 assertion + finish),
// client credentials, refresh rotation, pass sign-in (production argon2id), GET
// user, and the first and the last page of GET /v1.0/users?$top=50.
//
// Per operation it reports throughput, p50/p99, the servers' CPU per operation
// (utime + stime from /proc/<pid>/stat before and after), the crypto bound that
// operation cannot beat measured in the same run on all cores (ECDSA P-256
// verify, the access token's signature, argon2id), and, for client credentials,
// the ratio to the peer: Ory Hydra, when -hydra names its binary, measured in
// the same run. It also reports each firstkey's start-up-to-ready time and its
// idle and peak RSS.
//
// Loopback only; it stops every process it started and drops the schemas it
// made.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"time"
)

type config struct {
	firstkey    string
	hydra       string
	postgres    string
	duration    time.Duration
	concurrency int
	users       int
	million     bool
	out         string
	only        string
}

func main() {
	var c config
	flag.StringVar(&c.firstkey, "firstkey", "", "the firstkey binary (required)")
	flag.StringVar(&c.hydra, "hydra", "", "Ory Hydra's binary, built with -tags sqlite, for the peer column (empty: no peer)")
	flag.StringVar(&c.postgres, "postgres", "", "PostgreSQL connection string; each setup uses a fresh schema in it, dropped afterwards (empty: SQLite only)")
	flag.DurationVar(&c.duration, "duration", 3*time.Second, "how long each operation runs")
	flag.IntVar(&c.concurrency, "concurrency", 8, "requests in flight at once")
	flag.IntVar(&c.users, "users", 1000, "users seeded in the default setups")
	flag.BoolVar(&c.million, "million", false, "also measure 1,000,000 users on PostgreSQL and 100,000 on SQLite (seeding takes minutes)")
	flag.StringVar(&c.out, "out", "", "also write the markdown report to this file")
	flag.StringVar(&c.only, "only", "", "comma-separated operations to run (default: all)")
	flag.Parse()
	if c.firstkey == "" || c.concurrency < 1 || c.duration <= 0 {
		fmt.Fprintln(os.Stderr, "httpbench: -firstkey is required; -concurrency and -duration must be positive")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	rep, err := run(ctx, c)
	if rep != nil {
		text := rep.markdown(c)
		fmt.Println()
		fmt.Print(text)
		if c.out != "" {
			if werr := os.WriteFile(c.out, []byte(text), 0o644); werr != nil {
				fmt.Fprintln(os.Stderr, "httpbench:", werr)
			}
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "httpbench:", err)
		os.Exit(1)
	}
}

// logf prints progress to stderr, so that stdout holds the report.
func logf(format string, args ...any) { fmt.Fprintf(os.Stderr, format+"\n", args...) }

var progress io.Writer = os.Stderr

// setupSpec is one way of running firstkey.
type setupSpec struct {
	name     string
	postgres bool
	replicas int
	users    int
	ops      []string
}

func run(ctx context.Context, c config) (*report, error) {
	rep := &report{started: time.Now()}
	logf("== crypto bounds (all cores, in this process)")
	rep.bounds = measureBounds()
	allOps := []string{"passkey", "cc", "refresh", "pass", "get", "list-first", "list-last"}
	specs := []setupSpec{{name: fmt.Sprintf("SQLite, %s users", count(c.users)), users: c.users, replicas: 1, ops: allOps}}
	if c.postgres != "" {
		specs = append(specs,
			setupSpec{name: fmt.Sprintf("PostgreSQL, %s users", count(c.users)), postgres: true, users: c.users, replicas: 1, ops: allOps},
			setupSpec{name: fmt.Sprintf("PostgreSQL, 2 replicas, %s users", count(c.users)), postgres: true, users: c.users, replicas: 2,
				ops: []string{"passkey", "cc", "refresh", "get", "list-first"}})
	} else {
		logf("PostgreSQL: no -postgres, SQLite only")
	}
	if c.million {
		large := []string{"passkey", "cc", "get", "list-first", "list-last"}
		specs = append(specs, setupSpec{name: "SQLite, 100 k users", users: 100_000, replicas: 1, ops: large})
		if c.postgres != "" {
			specs = append(specs, setupSpec{name: "PostgreSQL, 1 M users", postgres: true, users: 1_000_000, replicas: 1, ops: large})
		}
	}
	for _, s := range specs {
		if c.only != "" {
			s.ops = filterOps(s.ops, c.only)
		}
		if err := runSetup(ctx, c, s, rep); err != nil {
			return rep, fmt.Errorf("%s: %w", s.name, err)
		}
	}
	if c.hydra != "" && (c.only == "" || strings.Contains(c.only, "cc")) {
		if err := runHydra(ctx, c, rep); err != nil {
			logf("peer: %v (the peer column stays empty)", err)
			rep.peerNote = "Hydra could not be measured: " + err.Error()
		}
	} else if c.hydra == "" {
		rep.peerNote = "no peer binary given: the peer column is empty (scripts/bench builds Hydra v2.3.0 from the Go module proxy when it can)"
	}
	// Again at the end: on a shared machine the first measurement may have
	// met a busy moment, and a bound is what the machine can do at best.
	logf("== crypto bounds again")
	rep.bounds = rep.bounds.max(measureBounds())
	return rep, nil
}

func filterOps(ops []string, only string) []string {
	var out []string
	for _, o := range ops {
		for _, w := range strings.Split(only, ",") {
			if strings.TrimSpace(w) == o {
				out = append(out, o)
			}
		}
	}
	return out
}

func count(n int) string {
	switch {
	case n >= 1_000_000 && n%1_000_000 == 0:
		return fmt.Sprintf("%d M", n/1_000_000)
	case n >= 1000 && n%1000 == 0:
		return fmt.Sprintf("%d k", n/1000)
	}
	return fmt.Sprint(n)
}
