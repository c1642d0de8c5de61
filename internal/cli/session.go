package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/spf13/cobra"

	"github.com/firstkey/firstkey/internal/directory"
	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/odata"
	"github.com/firstkey/firstkey/internal/secret"
	"github.com/firstkey/firstkey/internal/server"
	"github.com/firstkey/firstkey/internal/store"
)

// session is an open directory and the actor a command acts as.
type session struct {
	dir   *directory.Service
	actor domain.Actor
	close io.Closer
}

// open opens the directory for a management command: it must have been
// initialised (by `firstkey init` or a first `firstkey serve`).
func (g *globals) open(ctx context.Context, issuer string) (*session, error) {
	if g.database == "" {
		if _, err := os.Stat(g.data); errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("no firstkey directory in %s: run 'firstkey init' or 'firstkey serve' first, or point --data at it", g.data)
		}
	}
	dir, closer, err := server.OpenDirectory(ctx, g.config(issuer))
	if err != nil {
		return nil, fmt.Errorf("open directory: %w", err)
	}
	s := &session{dir: dir, close: closer}
	ok, err := dir.Initialized(ctx)
	if err != nil {
		s.Close()
		return nil, err
	}
	if !ok {
		s.Close()
		return nil, errors.New("the directory is not initialised: run 'firstkey init --admin you@example.com' or 'firstkey serve' first")
	}
	if s.actor, err = g.actor(ctx, dir); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

func (s *session) Close() { _ = s.close.Close() }

// actor is the operator, or with --as the named directory user with their
// current roles.
func (g *globals) actor(ctx context.Context, dir *directory.Service) (domain.Actor, error) {
	if g.as == "" {
		return domain.SystemActor(), nil
	}
	u, err := dir.ResolveUser(ctx, g.as)
	if domain.KindOf(err) == domain.KindNotFound {
		return domain.Actor{}, &domain.Error{Kind: domain.KindUnauthenticated, Message: fmt.Sprintf("--as %s: no such user in the directory", g.as)}
	}
	if err != nil {
		return domain.Actor{}, err
	}
	a, err := dir.UserActor(ctx, u.ID, "")
	if err != nil {
		return domain.Actor{}, fmt.Errorf("--as %s: %w", g.as, err)
	}
	return a, nil
}

// config is the server configuration for this invocation. The master key comes
// from the environment or a file, never from a flag, so it never shows in a
// process list.
func (g *globals) config(issuer string) server.Config {
	return server.Config{
		Listen:        envOr("FIRSTKEY_LISTEN", "127.0.0.1:8080"),
		DataDir:       g.data,
		DatabaseURL:   g.database,
		Issuer:        issuer,
		MasterKey:     os.Getenv("FIRSTKEY_MASTER_KEY"),
		MasterKeyFile: g.masterKeyFile,
		// During a master-key rotation: the old key (see keys rotate-master).
		PreviousMasterKey:     os.Getenv("FIRSTKEY_PREVIOUS_MASTER_KEY"),
		PreviousMasterKeyFile: g.previousMasterKeyFile,
		// Management commands report through their output; only warnings (which
		// the operator must see) go to stderr.
		Logger:   slog.New(slog.NewTextHandler(g.stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
		Hasher:   hasherFromEnv(),
		Delivery: deliveryFromEnv(),
	}
}

// hasherFromEnv returns the production hasher unless FIRSTKEY_TEST_FAST_HASH=1,
// which automated tests set so that thousands of passes hash quickly. It makes
// stolen pass hashes cheap to attack: never set it in production.
func hasherFromEnv() secret.Hasher {
	if os.Getenv("FIRSTKEY_TEST_FAST_HASH") == "1" {
		return secret.Hasher{Argon2: secret.FastArgon2}
	}
	return secret.Hasher{}
}

// act wraps a command that works on an initialised directory: it opens it, works
// out the actor, runs fn and closes the directory. issuer, when not nil, points
// at the command's --issuer value (for commands that print sign-in URLs).
func (g *globals) act(issuer *string, fn func(ctx context.Context, s *session, args []string) error) func(*cobra.Command, []string) error {
	return g.run(func(cmd *cobra.Command, args []string) error {
		var iss string
		if issuer != nil {
			iss = *issuer
		}
		s, err := g.open(cmd.Context(), iss)
		if err != nil {
			return err
		}
		defer s.Close()
		return fn(cmd.Context(), s, args)
	})
}

// pageSize is how many rows one call fetches when a command lists everything.
const pageSize = 100

// listAll fetches the rows matching the --filter text: the first top rows, or
// every row when top is 0, page by page.
func listAll[T any](top int, filterText string, page func(store.ListOptions) ([]T, int, error)) ([]T, error) {
	filter, err := parseFilter(filterText)
	if err != nil {
		return nil, err
	}
	if top < 0 {
		return nil, usagef("--top must not be negative")
	}
	if top > 0 {
		items, _, err := page(store.ListOptions{Filter: filter, Top: top})
		return items, err
	}
	var all []T
	for {
		items, _, err := page(store.ListOptions{Filter: filter, Top: pageSize, Skip: len(all)})
		if err != nil {
			return nil, err
		}
		all = append(all, items...)
		if len(items) < pageSize {
			return all, nil
		}
	}
}

// parseFilter reads an OData $filter given on the command line.
func parseFilter(s string) (odata.Expr, error) {
	if s == "" {
		return nil, nil
	}
	e, err := odata.ParseFilter(s)
	if err != nil {
		return nil, usagef("--filter: %v", err)
	}
	return e, nil
}
