package main

import (
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/firstkey/firstkey/internal/bench/seed"
	"github.com/firstkey/firstkey/internal/bench/webflow"
	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/odata"
)

// fleet is one setup's running firstkeys and what the operations need.
type fleet struct {
	procs    []*process
	origin   string // the issuer: passkeys and cookies belong to it
	tokenURL string
	authURL  string
	appID    string
	appSec   string
	public   string // the public client's id
	redirect string
	token    string // the application's access token
	people   []*person
	readers  []string // user ids to GET
	lastTok  string   // $skiptoken of the last page of $top=50
}

// urls are the replicas' base URLs, for round-robin.
func (f *fleet) urls() []string {
	out := make([]string, len(f.procs))
	for i, p := range f.procs {
		out[i] = p.url
	}
	return out
}

func (f *fleet) stop() {
	for _, p := range f.procs {
		p.stop()
	}
}

// scratchSchema makes a fresh schema in the PostgreSQL database and returns a
// DSN that puts the tables there, and a function that drops it.
func scratchSchema(ctx context.Context, dsn string) (string, func(), error) {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return "", nil, errors.New("connect to PostgreSQL: the connection failed (the DSN is not repeated here)")
	}
	var b [6]byte
	_, _ = crand.Read(b[:])
	schema := "fkbench_" + hex.EncodeToString(b[:])
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		conn.Close(ctx)
		return "", nil, fmt.Errorf("create schema: %w", err)
	}
	conn.Close(ctx)
	u, err := url.Parse(dsn)
	if err != nil {
		return "", nil, errors.New("-postgres must be a postgres:// URL")
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	drop := func() {
		c, err := pgx.Connect(context.Background(), dsn)
		if err != nil {
			logf("drop schema %s: cannot connect", schema)
			return
		}
		defer c.Close(context.Background())
		if _, err := c.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			logf("drop schema %s: %v", schema, err)
		}
	}
	return u.String(), drop, nil
}

func runSetup(ctx context.Context, c config, s setupSpec, rep *report) error {
	logf("== %s", s.name)
	dir, err := os.MkdirTemp("", "fkbench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	base := []string{"--data", filepath.Join(dir, "data")}
	if err := os.MkdirAll(filepath.Join(dir, "data"), 0o700); err != nil {
		return err
	}
	t0 := time.Now()
	if s.postgres {
		dsn, drop, err := scratchSchema(ctx, c.postgres)
		if err != nil {
			return err
		}
		defer drop()
		base = append(base, "--database", dsn)
		err = seed.Postgres(ctx, dsn, s.users, "seed", progress)
		if err != nil {
			return fmt.Errorf("seed: %w", err)
		}
	} else if err := seed.SQLite(ctx, filepath.Join(dir, "data", "firstkey.db"), s.users, "seed", progress); err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	logf("  seeded %d users in %s", s.users, time.Since(t0).Round(time.Millisecond))

	f := &fleet{}
	defer f.stop()
	ports := make([]int, s.replicas)
	for i := range ports {
		if ports[i], err = freePort(); err != nil {
			return err
		}
	}
	// One issuer for every replica, as behind a load balancer: passkeys and
	// tokens are the issuer's, whichever replica answers.
	f.origin = fmt.Sprintf("http://localhost:%d", ports[0])
	for i, port := range ports {
		args := append(append([]string{}, base...), "serve", "--listen", fmt.Sprintf("127.0.0.1:%d", port),
			"--issuer", f.origin, "--sign-in-rate", "1000000000/1s", "--api-rate-app", "1000000000/1s",
			"--api-rate-user", "1000000000/1s")
		name, url := fmt.Sprintf("firstkey %d", i+1), fmt.Sprintf("http://127.0.0.1:%d", port)
		p, cold, err := start(ctx, name, exec.CommandContext(ctx, c.firstkey, args...), url, "/healthz")
		if err != nil {
			return err
		}
		var warm time.Duration
		if i == 0 {
			// The first start makes the signing keys and the bootstrap
			// administrator; what matters day to day is a restart on a warm
			// data directory: the first replica starts twice more, and the
			// last start's time is the one reported.
			for range 2 {
				p.stop()
				if p, warm, err = start(ctx, name, exec.CommandContext(ctx, c.firstkey, args...), url, "/healthz"); err != nil {
					return err
				}
			}
		}
		f.procs = append(f.procs, p)
		time.Sleep(time.Second) // idle: nothing has asked anything yet
		rss, _, _ := rssKiB(p.pid())
		rep.starts = append(rep.starts, startInfo{setup: s.name, replica: i + 1, cold: cold, ready: warm, idleRSS: rss})
		logf("  firstkey %d ready in %s (first start %s), idle RSS %.1f MiB", i+1, warm.Round(time.Millisecond), cold.Round(time.Millisecond), float64(rss)/1024)
	}
	if err := f.prepare(ctx, c, base); err != nil {
		return err
	}
	for _, op := range s.ops {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		res := f.measure(ctx, c, op)
		res.setup = s.name
		rep.results = append(rep.results, res)
		logf("  %-10s %8.0f/s  p50 %s  p99 %s  CPU %s/op  errors %d %s", op, res.rate(), ms(res.p(50)), ms(res.p(99)),
			ms(res.cpuPerOp()), res.errors, res.firstErr)
	}
	for i, p := range f.procs {
		_, peak, _ := rssKiB(p.pid())
		rep.starts[len(rep.starts)-len(f.procs)+i].peakRSS = peak
	}
	return nil
}

// prepare registers the applications with the CLI, gets a token, and gives
// -concurrency people a pass, a passkey and a refresh chain.
func (f *fleet) prepare(ctx context.Context, c config, base []string) error {
	var app struct {
		ClientID     string   `json:"clientId"`
		ClientSecret string   `json:"clientSecret"`
		RedirectURIs []string `json:"redirectUris"`
	}
	out, err := exec.CommandContext(ctx, c.firstkey, append(append([]string{}, base...), "app", "create", "--name", "bench",
		"--permission", "User.ReadWrite.All", "--permission", "UserAuthenticationMethod.ReadWrite.All", "--output", "json")...).Output()
	if err != nil || json.Unmarshal(out, &app) != nil {
		return fmt.Errorf("firstkey app create: %v", err)
	}
	f.appID, f.appSec = app.ClientID, app.ClientSecret
	out, err = exec.CommandContext(ctx, c.firstkey, append(append([]string{}, base...), "app", "create", "--name", "bench public",
		"--public", "--redirect-uri", "http://127.0.0.1:9/cb", "--output", "json")...).Output()
	if err != nil || json.Unmarshal(out, &app) != nil || len(app.RedirectURIs) == 0 {
		return fmt.Errorf("firstkey app create --public: %v", err)
	}
	f.public, f.redirect = app.ClientID, app.RedirectURIs[0]

	api := newClient()
	var disc struct {
		AuthorizationEndpoint string `json:"authorization_endpoint"`
		TokenEndpoint         string `json:"token_endpoint"`
	}
	if _, err := call(ctx, api, http.MethodGet, f.origin+"/.well-known/openid-configuration", nil, nil, http.StatusOK, &disc); err != nil {
		return fmt.Errorf("discovery: %w", err)
	}
	f.authURL, f.tokenURL = disc.AuthorizationEndpoint, disc.TokenEndpoint
	if f.token, err = clientCredentials(ctx, api, f.tokenURL, f.appID, f.appSec, "https://graph.microsoft.com/.default"); err != nil {
		return err
	}

	run := strconv.FormatInt(time.Now().UnixNano()%1e9, 36)
	f.people = make([]*person, c.concurrency)
	errs := make([]error, len(f.people))
	var wg sync.WaitGroup
	for i := range f.people {
		wg.Go(func() {
			p := &person{upn: fmt.Sprintf("bench-%s-%d@example.com", run, i)}
			f.people[i] = p
			var u struct {
				ID string `json:"id"`
			}
			if _, err := call(ctx, api, http.MethodPost, f.origin+"/v1.0/users", jsonBody(map[string]any{
				"userPrincipalName": p.upn, "displayName": "Bench " + strconv.Itoa(i), "accountEnabled": true,
			}), bearer(f.token), http.StatusCreated, &u); err != nil {
				errs[i] = fmt.Errorf("create user: %w", err)
				return
			}
			p.id = u.ID
			var pass struct {
				Pass string `json:"temporaryAccessPass"`
			}
			if _, err := call(ctx, api, http.MethodPost, f.origin+"/v1.0/users/"+u.ID+"/authentication/temporaryAccessPassMethods",
				strings.NewReader(`{"isUsableOnce":false}`), bearer(f.token), http.StatusCreated, &pass); err != nil {
				errs[i] = fmt.Errorf("issue pass: %w", err)
				return
			}
			p.pass = pass.Pass
			if err := registerPasskey(ctx, f.origin, p); err != nil {
				errs[i] = fmt.Errorf("register passkey: %w", err)
				return
			}
			b, err := browser()
			if err != nil {
				errs[i] = err
				return
			}
			if p.refresh, err = webflow.StartChain(ctx, b, f.origin, f.authURL, f.tokenURL, f.public, f.redirect, p.upn, p.pass); err != nil {
				errs[i] = err
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	// Readers: seeded users spread over the whole list.
	var page struct {
		Value []struct {
			ID  string `json:"id"`
			UPN string `json:"userPrincipalName"`
		} `json:"value"`
	}
	if _, err := call(ctx, api, http.MethodGet, f.origin+"/v1.0/users?$top=100&$select=id", nil, bearer(f.token), http.StatusOK, &page); err != nil {
		return fmt.Errorf("list users: %w", err)
	}
	for _, v := range page.Value {
		f.readers = append(f.readers, v.ID)
	}
	// The last page of $top=50 starts after the 51st user from the end. Its
	// $skiptoken is made here as the server would make it (the row's position
	// in the default order: upn key, id), so that reaching it does not take
	// walking a million users.
	if _, err := call(ctx, api, http.MethodGet, f.origin+"/v1.0/users?$top=51&$orderby=userPrincipalName%20desc&$select=id,userPrincipalName",
		nil, bearer(f.token), http.StatusOK, &page); err != nil {
		return fmt.Errorf("list users from the end: %w", err)
	}
	if len(page.Value) == 51 {
		last := page.Value[50]
		pos, _ := json.Marshal([]any{domain.NormalizeUPN(last.UPN), last.ID})
		f.lastTok = odata.EncodeSkipToken(pos, nil)
	}
	return nil
}
