package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"
)

// result is one operation measured on one setup.
type result struct {
	setup, op string
	lat       []time.Duration // sorted
	errors    int
	firstErr  string
	elapsed   time.Duration
	cpu       time.Duration // the servers' CPU over the run
	alg       string        // the access token's signing algorithm, for client credentials
}

func (r result) rate() float64 {
	if r.elapsed <= 0 {
		return 0
	}
	return float64(len(r.lat)) / r.elapsed.Seconds()
}

// p is the nearest-rank percentile.
func (r result) p(q float64) time.Duration {
	if len(r.lat) == 0 {
		return 0
	}
	i := int(float64(len(r.lat))*q/100+0.5) - 1
	return r.lat[min(max(i, 0), len(r.lat)-1)]
}

func (r result) cpuPerOp() time.Duration {
	if len(r.lat) == 0 {
		return 0
	}
	return r.cpu / time.Duration(len(r.lat))
}

// opFunc sends one operation as worker w, to base.
type opFunc func(ctx context.Context, c *http.Client, base string, w int) error

func (f *fleet) op(name string) opFunc {
	get := func(path string) opFunc {
		return func(ctx context.Context, c *http.Client, base string, w int) error {
			_, err := call(ctx, c, http.MethodGet, base+path, nil, bearer(f.token), http.StatusOK, nil)
			return err
		}
	}
	switch name {
	case "passkey":
		return func(ctx context.Context, c *http.Client, base string, w int) error {
			return passkeySignIn(ctx, c, base, f.people[w])
		}
	case "cc":
		return func(ctx context.Context, c *http.Client, base string, w int) error {
			_, err := clientCredentials(ctx, c, base+"/oauth/token", f.appID, f.appSec, "https://graph.microsoft.com/.default")
			return err
		}
	case "refresh":
		return func(ctx context.Context, c *http.Client, base string, w int) error {
			return refresh(ctx, c, base+"/oauth/token", f.public, f.people[w])
		}
	case "pass":
		return func(ctx context.Context, c *http.Client, base string, w int) error {
			p := f.people[w]
			form := url.Values{"username": {p.upn}, "pass": {p.pass}}
			_, err := call(ctx, c, http.MethodPost, base+"/login/tap", strings.NewReader(form.Encode()), formHdr, http.StatusSeeOther, nil)
			return err
		}
	case "get":
		var i int
		var mu sync.Mutex
		return func(ctx context.Context, c *http.Client, base string, w int) error {
			mu.Lock()
			id := f.readers[i%len(f.readers)]
			i++
			mu.Unlock()
			return get("/v1.0/users/"+id)(ctx, c, base, w)
		}
	case "list-first":
		return get("/v1.0/users?$top=50")
	case "list-last":
		if f.lastTok == "" {
			return nil
		}
		return get("/v1.0/users?$top=50&$skiptoken=" + url.QueryEscape(f.lastTok))
	}
	return nil
}

// measure runs one operation alone at -concurrency for -duration, requests
// spread round-robin over the replicas, after a short warm-up.
func (f *fleet) measure(ctx context.Context, c config, name string) result {
	res := result{op: name}
	fn := f.op(name)
	if fn == nil {
		res.firstErr = "not measured"
		return res
	}
	if name == "cc" {
		if tok, err := clientCredentials(ctx, newClient(), f.tokenURL, f.appID, f.appSec, "https://graph.microsoft.com/.default"); err == nil {
			res.alg = jwtAlg(tok)
		}
	}
	urls := f.urls()
	pids := make([]int, len(f.procs))
	for i, p := range f.procs {
		pids[i] = p.pid()
	}
	r := drive(ctx, c, urls, pids, fn)
	r.setup, r.op, r.alg = res.setup, name, res.alg
	return r
}

// drive is the measuring loop shared by firstkey and the peer.
func drive(ctx context.Context, c config, urls []string, pids []int, fn opFunc) result {
	client := newClient()
	// Warm-up: connections open, caches filled; not counted.
	loop(ctx, time.Now().Add(300*time.Millisecond), c.concurrency, urls, client, fn, nil)

	before := sumTicks(pids)
	var res result
	t0 := time.Now()
	loop(ctx, t0.Add(c.duration), c.concurrency, urls, client, fn, &res)
	res.elapsed = time.Since(t0)
	res.cpu = time.Duration(sumTicks(pids)-before) * clockTick
	sort.Slice(res.lat, func(i, j int) bool { return res.lat[i] < res.lat[j] })
	return res
}

func sumTicks(pids []int) int64 {
	var n int64
	for _, p := range pids {
		t, err := cpuTicks(p)
		if err == nil {
			n += t
		}
	}
	return n
}

// loop runs fn from `workers` goroutines, each starting requests until the
// deadline and sending to the replicas in turn. Requests are never cut short
// (a refresh cut short after the server rotated the token would break its
// chain): the last ones finish after the deadline, and count.
func loop(ctx context.Context, deadline time.Time, workers int, urls []string, client *http.Client, fn opFunc, res *result) {
	var mu sync.Mutex
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; ctx.Err() == nil && time.Now().Before(deadline); i++ {
				t0 := time.Now()
				err := fn(ctx, client, urls[i%len(urls)], w)
				d := time.Since(t0)
				if res == nil {
					continue
				}
				mu.Lock()
				if err != nil {
					res.errors++
					if res.firstErr == "" {
						res.firstErr = err.Error()
					}
				} else {
					res.lat = append(res.lat, d)
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
}

// jwtAlg reads the alg of a JWT's header; "opaque" for anything else.
func jwtAlg(tok string) string {
	h, _, ok := strings.Cut(tok, ".")
	if !ok {
		return "opaque"
	}
	raw, err := base64.RawURLEncoding.DecodeString(h)
	if err != nil {
		return "opaque"
	}
	var hdr struct {
		Alg string `json:"alg"`
	}
	if json.Unmarshal(raw, &hdr) != nil || hdr.Alg == "" {
		return "opaque"
	}
	return hdr.Alg
}
