// Command seed fills a firstkey database with many valid users, fast, for
// measuring what a large directory costs (see internal/bench/seed).
//
//	go run ./internal/bench/cmd/seed --database postgres://…  --users 1000000
//	go run ./internal/bench/cmd/seed --sqlite /tmp/fk/firstkey.db --users 100000
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/firstkey/firstkey/internal/bench/seed"
)

func main() {
	var (
		dsn    = flag.String("database", "", "PostgreSQL connection string (its search_path schema gets the users)")
		file   = flag.String("sqlite", "", "SQLite database file (firstkey's <data>/firstkey.db)")
		users  = flag.Int("users", 1000, "users to add")
		prefix = flag.String("prefix", "seed", "userPrincipalName prefix: users are <prefix>0000001@seed.example, …")
	)
	flag.Parse()
	if (*dsn == "") == (*file == "") || *users < 1 {
		fmt.Fprintln(os.Stderr, "seed: give exactly one of --database and --sqlite, and --users ≥ 1")
		os.Exit(2)
	}
	ctx := context.Background()
	start := time.Now()
	var err error
	if *dsn != "" {
		err = seed.Postgres(ctx, *dsn, *users, *prefix, os.Stdout)
	} else {
		err = seed.SQLite(ctx, *file, *users, *prefix, os.Stdout)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "seed:", err)
		os.Exit(1)
	}
	d := time.Since(start)
	fmt.Printf("seeded %d users in %s (%.0f users/s)\n", *users, d.Round(time.Millisecond), float64(*users)/d.Seconds())
}
