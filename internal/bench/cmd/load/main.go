// Command load drives a running firstkey with a bounded, mixed load and reports
// throughput and latency percentiles per operation, each also as a multiple of
// GET /healthz measured by the same client against the same server just before.
//
// It is meant for loopback only (scripts/load starts the server): it refuses any
// other address, sends a fixed number of requests and stops at a hard time limit.
//
// Setup, not measured: a token by client credentials (the application comes from
// `firstkey app create --output json`), -users users, a multi-use pass for each
// user of the sign-in half, and, when the mix holds refresh, one refresh token
// per concurrent request: a user of the sign-in half signs in and authorizes the
// public application of -public-app (code flow with PKCE). Then: half of
// -healthz requests to /healthz, -requests requests mixed by -mix over GET
// /v1.0/users/{id}, GET /v1.0/users?$top=50, POST …/temporaryAccessPassMethods
// (the other half of the users, so that issuing never replaces a pass someone is
// signing in with, which would also end the grants behind the refresh tokens),
// POST /login/tap and POST /oauth/token grant_type=refresh_token (each a
// rotation: the answer's refresh token is that chain's next), and the other half
// of the /healthz requests.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"github.com/firstkey/firstkey/internal/bench/webflow"
)

type config struct {
	baseURL     string
	appFile     string
	publicFile  string
	users       int
	requests    int
	healthz     int
	concurrency int
	timeLimit   time.Duration
	mix         string
}

func main() {
	var c config
	flag.StringVar(&c.baseURL, "url", "", "firstkey base URL on loopback, e.g. http://127.0.0.1:41234 (required)")
	flag.StringVar(&c.appFile, "app", "", "file holding `firstkey app create --output json` (required)")
	flag.StringVar(&c.publicFile, "public-app", "", "file holding `firstkey app create --public --redirect-uri … --output json` (required when -mix holds refresh)")
	flag.IntVar(&c.users, "users", 200, "users to create before the load")
	flag.IntVar(&c.requests, "requests", 2000, "requests in the mixed phase")
	flag.IntVar(&c.healthz, "healthz", 4000, "requests in the /healthz reference phase")
	flag.IntVar(&c.concurrency, "concurrency", 8, "requests in flight at once")
	flag.DurationVar(&c.timeLimit, "time-limit", 2*time.Minute, "hard limit for everything, setup included")
	flag.StringVar(&c.mix, "mix", "get=50,list=10,issue=20,signin=20,refresh=20", "weights of the operations in the mixed phase")
	flag.Parse()
	if err := run(c); err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
		os.Exit(1)
	}
}

// op is one kind of request in the report.
type op struct {
	key, label string
	want       int // the status of success
}

var ops = []op{
	{"healthz", "GET /healthz", http.StatusOK},
	{"get", "GET /v1.0/users/{id}", http.StatusOK},
	{"list", "GET /v1.0/users?$top=50", http.StatusOK},
	{"issue", "POST …/temporaryAccessPassMethods", http.StatusCreated},
	{"signin", "POST /login/tap (multi-use pass)", http.StatusSeeOther},
	{"refresh", "POST /oauth/token (refresh rotation)", http.StatusOK},
}

type loader struct {
	base     string
	host     net.IP
	token    string
	origin   string // the issuer's scheme and host, from discovery: where the pages set cookies
	authURL  string
	tokenURL string
	api      *http.Client
	readers  []string // user ids for reads
	issuees  []string // user ids whose passes are replaced
	signers  []signer // users with a multi-use pass
	public   publicApp
	// refresh holds each rotation chain's current refresh token, one chain per
	// request in flight: a refresh takes one and puts back its successor.
	refresh chan string

	mu      sync.Mutex
	clients map[int]*http.Client // sign-in clients by source address
	signins atomic.Int64
}

type signer struct{ upn, code string }

// publicApp is the public client the refresh chains belong to. Its redirect URI
// is never visited: the generator reads the code from the redirect itself.
type publicApp struct {
	ClientID     string   `json:"clientId"`
	RedirectURIs []string `json:"redirectUris"`
}

func run(c config) error {
	u, err := url.Parse(c.baseURL)
	if err != nil || u.Scheme != "http" {
		return fmt.Errorf("-url must be http://127.x.x.x:port, got %q", c.baseURL)
	}
	host := net.ParseIP(u.Hostname())
	if host == nil || !host.IsLoopback() || host.To4() == nil {
		return fmt.Errorf("-url must be an IPv4 loopback address; this tool never loads another machine")
	}
	if c.users < 2 || c.requests < 1 || c.concurrency < 1 || c.healthz < 1 {
		return errors.New("-users must be at least 2; -requests, -healthz and -concurrency at least 1")
	}
	weights, err := parseMix(c.mix)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), c.timeLimit)
	defer cancel()

	l := &loader{base: strings.TrimRight(c.baseURL, "/"), host: host, api: newClient(nil), clients: map[int]*http.Client{}}
	start := time.Now()
	if err := l.setup(ctx, c, weights["refresh"] > 0); err != nil {
		return err
	}
	fmt.Printf("setup: %d users, %d multi-use passes, %d refresh chains in %s\n", c.users, len(l.signers), cap(l.refresh), time.Since(start).Round(time.Millisecond))

	// The reference is measured in two halves, before and after the mixed phase, so
	// that a machine busier at one moment than the other skews it less.
	healthz := func(int) string { return "healthz" }
	base := l.phase(ctx, c.concurrency, c.healthz/2, healthz)
	schedule := plan(c.requests, weights)
	mixed := l.phase(ctx, c.concurrency, c.requests, func(i int) string { return schedule[i] })
	base = base.merge(l.phase(ctx, c.concurrency, c.healthz-c.healthz/2, healthz))
	report(os.Stdout, c, base, mixed)
	if ctx.Err() != nil {
		return fmt.Errorf("stopped at the %s time limit before every request was sent", c.timeLimit)
	}
	return nil
}

func parseMix(s string) (map[string]int, error) {
	w := map[string]int{}
	var keys []string
	for _, o := range ops[1:] {
		keys = append(keys, o.key)
	}
	for _, part := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		n, err := strconv.Atoi(v)
		if !ok || err != nil || n < 0 || !slices.Contains(keys, k) {
			return nil, fmt.Errorf("-mix: %q is not op=weight with op one of %s", part, strings.Join(keys, ", "))
		}
		w[k] = n
	}
	return w, nil
}

// plan spreads the operations by weight over n requests, shuffled with a fixed
// seed so that every run sends the same sequence.
func plan(n int, weights map[string]int) []string {
	total := 0
	for _, w := range weights {
		total += w
	}
	var out []string
	for _, o := range ops[1:] {
		k := n * weights[o.key] / max(total, 1)
		for range k {
			out = append(out, o.key)
		}
	}
	for len(out) < n {
		out = append(out, "get")
	}
	r := rand.New(rand.NewPCG(1, 2))
	r.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

func newClient(local net.IP) *http.Client {
	d := &net.Dialer{Timeout: 5 * time.Second}
	if local != nil {
		d.LocalAddr = &net.TCPAddr{IP: local}
	}
	return &http.Client{
		Transport:     &http.Transport{DialContext: d.DialContext, MaxIdleConnsPerHost: 64},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Timeout:       30 * time.Second,
	}
}

// signInsPerAddress stays under the sign-in pages' per-address burst (20).
const signInsPerAddress = 15

// signInClient returns the client for the n-th sign-in. The server limits
// sign-ins per source address, as it should against guessing; the load stands
// for many people, so it spreads sign-ins over loopback source addresses
// 127.0.x.y, which Linux routes to the loopback interface without setup.
func (l *loader) signInClient(n int) *http.Client {
	k := n / signInsPerAddress
	l.mu.Lock()
	defer l.mu.Unlock()
	if c, ok := l.clients[k]; ok {
		return c
	}
	ip := net.IPv4(127, byte(1+k/250), byte(k%250+2), 1)
	if c, ok := l.clients[-1]; ok { // binding failed before: one address it is
		return c
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(ip.String(), "0"))
	if err != nil {
		fmt.Fprintf(os.Stderr, "load: cannot use source address %s (%v); sign-ins will hit the per-address rate limit\n", ip, err)
		l.clients[-1] = l.api
		return l.api
	}
	ln.Close()
	c := newClient(ip)
	l.clients[k] = c
	return c
}

func (l *loader) setup(ctx context.Context, c config, refresh bool) error {
	var app struct {
		ClientID     string `json:"clientId"`
		ClientSecret string `json:"clientSecret"`
	}
	raw, err := os.ReadFile(c.appFile)
	if err != nil {
		return fmt.Errorf("read application: %w", err)
	}
	if err := json.Unmarshal(raw, &app); err != nil || app.ClientID == "" || app.ClientSecret == "" {
		return fmt.Errorf("%s does not hold clientId and clientSecret from `firstkey app create --output json`", c.appFile)
	}
	if refresh {
		if c.publicFile == "" {
			return errors.New("-mix holds refresh: -public-app must name a public application's JSON")
		}
		raw, err := os.ReadFile(c.publicFile)
		if err != nil {
			return fmt.Errorf("read public application: %w", err)
		}
		if err := json.Unmarshal(raw, &l.public); err != nil || l.public.ClientID == "" || len(l.public.RedirectURIs) == 0 {
			return fmt.Errorf("%s does not hold clientId and redirectUris from `firstkey app create --public --redirect-uri … --output json`", c.publicFile)
		}
	}
	if err := l.discover(ctx); err != nil {
		return err
	}
	if l.token, err = l.clientCredentials(ctx, app.ClientID, app.ClientSecret); err != nil {
		return err
	}
	run := strconv.FormatInt(time.Now().UnixNano()%1e9, 36)
	ids := make([]string, c.users)
	if err := parallel(ctx, c.concurrency, c.users, func(i int) error {
		body := fmt.Sprintf(`{"userPrincipalName":"load-%s-%05d@example.com","displayName":"Load %05d","accountEnabled":true}`, run, i, i)
		var out struct {
			ID string `json:"id"`
		}
		if err := l.apiJSON(ctx, http.MethodPost, "/v1.0/users", body, http.StatusCreated, &out); err != nil {
			return fmt.Errorf("create user: %w", err)
		}
		ids[i] = out.ID
		return nil
	}); err != nil {
		return err
	}
	l.readers = ids
	half := c.users / 2
	l.issuees = ids[half:]
	l.signers = make([]signer, half)
	if err := parallel(ctx, c.concurrency, half, func(i int) error {
		var out struct {
			Pass string `json:"temporaryAccessPass"`
		}
		if err := l.apiJSON(ctx, http.MethodPost, "/v1.0/users/"+ids[i]+"/authentication/temporaryAccessPassMethods",
			`{"isUsableOnce":false}`, http.StatusCreated, &out); err != nil {
			return fmt.Errorf("issue pass: %w", err)
		}
		l.signers[i] = signer{upn: fmt.Sprintf("load-%s-%05d@example.com", run, i), code: out.Pass}
		return nil
	}); err != nil || !refresh {
		return err
	}
	// One chain per request in flight, so that a refresh never waits for a token.
	chains := make([]string, c.concurrency)
	if err := parallel(ctx, c.concurrency, len(chains), func(i int) error {
		rt, err := l.startChain(ctx, l.signers[i%len(l.signers)])
		chains[i] = rt
		return err
	}); err != nil {
		return err
	}
	l.refresh = make(chan string, len(chains))
	for _, rt := range chains {
		l.refresh <- rt
	}
	return nil
}

// discover reads the provider's endpoints. They are named by the issuer, which
// need not be the -url the load was given (firstkey serve on 127.0.0.1 calls
// itself localhost, for passkeys), so each must be on loopback too.
func (l *loader) discover(ctx context.Context) error {
	var disc struct {
		Issuer                string `json:"issuer"`
		AuthorizationEndpoint string `json:"authorization_endpoint"`
		TokenEndpoint         string `json:"token_endpoint"`
	}
	if err := l.apiJSON(ctx, http.MethodGet, "/.well-known/openid-configuration", "", http.StatusOK, &disc); err != nil {
		return fmt.Errorf("discovery: %w", err)
	}
	for _, s := range []string{disc.Issuer, disc.AuthorizationEndpoint, disc.TokenEndpoint} {
		u, err := url.Parse(s)
		if err != nil || u.Host == "" {
			return fmt.Errorf("discovery: %q is not an absolute URL", s)
		}
		if ip := net.ParseIP(u.Hostname()); u.Hostname() != "localhost" && (ip == nil || !ip.IsLoopback()) {
			return fmt.Errorf("discovery: %s is not on loopback; this tool never loads another machine", s)
		}
		if s == disc.Issuer {
			l.origin = u.Scheme + "://" + u.Host
		}
	}
	l.authURL, l.tokenURL = disc.AuthorizationEndpoint, disc.TokenEndpoint
	return nil
}

// startChain signs s in on the pass page, from a sign-in source address with a
// cookie jar of this chain's own, and gets the chain's first refresh token
// (internal/bench/webflow).
func (l *loader) startChain(ctx context.Context, s signer) (string, error) {
	jar, err := cookiejar.New(nil)
	if err != nil {
		return "", err
	}
	browser := &http.Client{
		Transport:     l.signInClient(int(l.signins.Add(1) - 1)).Transport,
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Timeout:       30 * time.Second,
	}
	return webflow.StartChain(ctx, browser, l.origin, l.authURL, l.tokenURL, l.public.ClientID, l.public.RedirectURIs[0], s.upn, s.code)
}

func (l *loader) clientCredentials(ctx context.Context, id, secret string) (string, error) {
	form := url.Values{"grant_type": {"client_credentials"}, "scope": {"https://graph.microsoft.com/.default"}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, l.tokenURL, strings.NewReader(form.Encode()))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(secret))
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := l.send(req, http.StatusOK, &tok); err != nil || tok.AccessToken == "" {
		return "", fmt.Errorf("client credentials grant: %v", err)
	}
	return tok.AccessToken, nil
}

func (l *loader) apiJSON(ctx context.Context, method, path, body string, want int, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, l.base+path, strings.NewReader(body))
	if err != nil {
		return err
	}
	if l.token != "" {
		req.Header.Set("Authorization", "Bearer "+l.token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	return l.send(req, want, out)
}

// send does req with the API client; the error names the status only, never a
// body, which for a pass or a token would hold a secret.
func (l *loader) send(req *http.Request, want int, out any) error {
	return sendWith(l.api, req, want, out)
}

func sendWith(c *http.Client, req *http.Request, want int, out any) error {
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != want {
		return fmt.Errorf("%s %s: status %d, want %d", req.Method, req.URL.Path, resp.StatusCode, want)
	}
	if out == nil {
		return nil
	}
	return json.NewDecoder(resp.Body).Decode(out)
}

func parallel(ctx context.Context, workers, n int, fn func(i int) error) error {
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make([]error, workers)
	for w := range workers {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= n || ctx.Err() != nil {
					return
				}
				if err := fn(i); err != nil {
					errs[w] = err
					return
				}
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	return ctx.Err()
}

// stats is what one phase measured for one operation.
type stats struct {
	lat    []time.Duration
	errors map[string]int
}

type phaseResult struct {
	elapsed time.Duration
	byOp    map[string]*stats
	sent    int
}

// merge adds another phase's requests, as if both had run back to back.
func (p phaseResult) merge(q phaseResult) phaseResult {
	p.elapsed += q.elapsed
	p.sent += q.sent
	for k, s := range q.byOp {
		t := p.byOp[k]
		if t == nil {
			p.byOp[k] = s
			continue
		}
		t.lat = append(t.lat, s.lat...)
		for e, n := range s.errors {
			t.errors[e] += n
		}
	}
	return p
}

// phase sends n requests from `workers` goroutines; pick names the i-th request's
// operation. It stops early when ctx ends.
func (l *loader) phase(ctx context.Context, workers, n int, pick func(i int) string) phaseResult {
	res := phaseResult{byOp: map[string]*stats{}}
	var mu sync.Mutex
	var next atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for range workers {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= n || ctx.Err() != nil {
					return
				}
				key := pick(i)
				t0 := time.Now()
				errText := l.do(ctx, key, i)
				d := time.Since(t0)
				mu.Lock()
				s := res.byOp[key]
				if s == nil {
					s = &stats{errors: map[string]int{}}
					res.byOp[key] = s
				}
				res.sent++
				if errText == "" {
					s.lat = append(s.lat, d)
				} else {
					s.errors[errText]++
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	res.elapsed = time.Since(start)
	return res
}

// do sends one request of kind key and returns "" on success, else what went wrong.
func (l *loader) do(ctx context.Context, key string, i int) string {
	var req *http.Request
	var err error
	var rt *string // the refresh token taken; its successor replaces it
	c := l.api
	switch key {
	case "healthz":
		req, err = http.NewRequestWithContext(ctx, http.MethodGet, l.base+"/healthz", nil)
	case "get":
		req, err = http.NewRequestWithContext(ctx, http.MethodGet, l.base+"/v1.0/users/"+l.readers[i%len(l.readers)], nil)
	case "list":
		req, err = http.NewRequestWithContext(ctx, http.MethodGet, l.base+"/v1.0/users?%24top=50", nil)
	case "issue":
		req, err = http.NewRequestWithContext(ctx, http.MethodPost,
			l.base+"/v1.0/users/"+l.issuees[i%len(l.issuees)]+"/authentication/temporaryAccessPassMethods",
			bytes.NewReader([]byte(`{"isUsableOnce":false}`)))
	case "signin":
		s := l.signers[i%len(l.signers)]
		form := url.Values{"username": {s.upn}, "pass": {s.code}}.Encode()
		req, err = http.NewRequestWithContext(ctx, http.MethodPost, l.base+"/login/tap", strings.NewReader(form))
		c = l.signInClient(int(l.signins.Add(1) - 1))
	case "refresh":
		// Never waits: there is a chain per request in flight. A failed rotation
		// puts the same token back, and the chain's next refreshes fail too.
		cur := <-l.refresh
		rt = &cur
		defer func() { l.refresh <- *rt }()
		form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {cur}, "client_id": {l.public.ClientID}}
		req, err = http.NewRequestWithContext(ctx, http.MethodPost, l.tokenURL, strings.NewReader(form.Encode()))
	}
	if err != nil {
		return err.Error()
	}
	switch key {
	case "get", "list", "issue":
		req.Header.Set("Authorization", "Bearer "+l.token)
	}
	switch key {
	case "issue":
		req.Header.Set("Content-Type", "application/json")
	case "signin", "refresh":
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := c.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return "stopped by the time limit"
		}
		return "transport error"
	}
	defer resp.Body.Close()
	if want := opByKey(key).want; resp.StatusCode != want {
		_, _ = io.Copy(io.Discard, resp.Body)
		return "status " + strconv.Itoa(resp.StatusCode)
	}
	if rt != nil {
		var tok struct {
			RefreshToken string `json:"refresh_token"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil || tok.RefreshToken == "" {
			return "no refresh token in the answer"
		}
		*rt = tok.RefreshToken
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	return ""
}

func opByKey(k string) op {
	i := slices.IndexFunc(ops, func(o op) bool { return o.key == k })
	return ops[i]
}

// pct is the nearest-rank percentile of sorted latencies.
func pct(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(float64(len(sorted))*p/100+0.5) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

func report(w io.Writer, c config, base, mixed phaseResult) {
	hz := base.byOp["healthz"]
	if hz == nil || len(hz.lat) == 0 {
		fmt.Fprintln(w, "no successful /healthz request: no reference")
		return
	}
	sort.Slice(hz.lat, func(i, j int) bool { return hz.lat[i] < hz.lat[j] })
	hzRate := float64(len(hz.lat)) / base.elapsed.Seconds()
	ref := [3]time.Duration{pct(hz.lat, 50), pct(hz.lat, 95), pct(hz.lat, 99)}

	fmt.Fprintf(w, "reference: %d × GET /healthz (half before, half after the mixed phase), concurrency %d, in %s\n", base.sent, c.concurrency, base.elapsed.Round(time.Millisecond))
	fmt.Fprintf(w, "mixed:     %d requests (%s), concurrency %d, in %s: %.0f req/s = %s of /healthz's %.0f req/s\n\n",
		mixed.sent, c.mix, c.concurrency, mixed.elapsed.Round(time.Millisecond),
		float64(mixed.sent)/mixed.elapsed.Seconds(), frac(float64(mixed.sent)/mixed.elapsed.Seconds()/hzRate), hzRate)

	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "operation\tok\terrors\treq/s\tp50\tp95\tp99\tp50 ×hz\tp95 ×hz\tp99 ×hz\t")
	row := func(label string, s *stats, elapsed time.Duration) {
		sort.Slice(s.lat, func(i, j int) bool { return s.lat[i] < s.lat[j] })
		n := 0
		for _, k := range s.errors {
			n += k
		}
		p := [3]time.Duration{pct(s.lat, 50), pct(s.lat, 95), pct(s.lat, 99)}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%.0f\t%s\t%s\t%s\t%s\t%s\t%s\t\n", label, len(s.lat), n,
			float64(len(s.lat))/elapsed.Seconds(), ms(p[0]), ms(p[1]), ms(p[2]),
			ratio(p[0], ref[0]), ratio(p[1], ref[1]), ratio(p[2], ref[2]))
	}
	row("GET /healthz (reference)", hz, base.elapsed)
	for _, o := range ops[1:] {
		if s := mixed.byOp[o.key]; s != nil {
			row(o.label, s, mixed.elapsed)
		}
	}
	tw.Flush()
	for _, o := range ops {
		for _, ph := range []phaseResult{base, mixed} {
			if s := ph.byOp[o.key]; s != nil {
				for e, n := range s.errors {
					fmt.Fprintf(w, "errors: %s: %d × %s\n", o.label, n, e)
				}
			}
		}
	}
}

func ms(d time.Duration) string { return strconv.FormatFloat(d.Seconds()*1000, 'f', 2, 64) + "ms" }

func ratio(a, b time.Duration) string {
	if b <= 0 || a <= 0 {
		return "-"
	}
	x := float64(a) / float64(b)
	if x >= 10 {
		return strconv.FormatFloat(x, 'f', 0, 64) + "×"
	}
	return strconv.FormatFloat(x, 'f', 1, 64) + "×"
}

func frac(x float64) string {
	if x <= 0 {
		return "0"
	}
	if x >= 1 {
		return strconv.FormatFloat(x, 'f', 1, 64) + "×"
	}
	return "1/" + strconv.FormatFloat(1/x, 'f', 0, 64)
}
