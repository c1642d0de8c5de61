// Command benchratio reads `go test -bench` output and prints each benchmark as a
// multiple of the reference measured in the same package in the same run: GET
// /healthz (BenchmarkRefHealthz) for HTTP benchmarks, one SHA-256 of 32 bytes
// (BenchmarkRefSHA256) otherwise. Absolute times depend on the machine and on
// whatever else it is doing; ratios to a floor measured alongside travel better.
//
// Usage: go test -run '^$' -bench . -count 3 ./... | benchratio
package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

const (
	refCPU  = "RefSHA256"
	refHTTP = "RefHealthz"
)

// result is every run of one benchmark.
type result struct {
	ns, bytes, allocs []float64
}

// pkg is one package's benchmarks in the order they first appeared.
type pkg struct {
	name    string
	order   []string
	results map[string]*result
}

// line matches "BenchmarkName/sub-2   123   456.7 ns/op   89 B/op   3 allocs/op".
var line = regexp.MustCompile(`^Benchmark(\S+?)(?:-\d+)?\s+\d+\s+([\d.]+) ns/op(?:\s+([\d.]+) B/op)?(?:\s+([\d.]+) allocs/op)?`)

func main() {
	var in io.Reader = os.Stdin
	if len(os.Args) > 1 {
		f, err := os.Open(os.Args[1])
		if err != nil {
			fmt.Fprintln(os.Stderr, "benchratio:", err)
			os.Exit(1)
		}
		defer f.Close()
		in = f
	}
	pkgs, err := parse(in)
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchratio:", err)
		os.Exit(1)
	}
	if len(pkgs) == 0 {
		fmt.Fprintln(os.Stderr, "benchratio: no benchmark results in the input")
		os.Exit(1)
	}
	report(os.Stdout, pkgs)
}

func parse(r io.Reader) ([]*pkg, error) {
	var pkgs []*pkg
	var cur *pkg
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		t := sc.Text()
		if name, ok := strings.CutPrefix(t, "pkg: "); ok {
			cur = &pkg{name: strings.TrimPrefix(strings.TrimSpace(name), "github.com/firstkey/firstkey/"), results: map[string]*result{}}
			pkgs = append(pkgs, cur)
			continue
		}
		m := line.FindStringSubmatch(t)
		if m == nil {
			continue
		}
		if cur == nil {
			cur = &pkg{name: "?", results: map[string]*result{}}
			pkgs = append(pkgs, cur)
		}
		res := cur.results[m[1]]
		if res == nil {
			res = &result{}
			cur.results[m[1]] = res
			cur.order = append(cur.order, m[1])
		}
		res.ns = append(res.ns, num(m[2]))
		if m[3] != "" {
			res.bytes = append(res.bytes, num(m[3]))
		}
		if m[4] != "" {
			res.allocs = append(res.allocs, num(m[4]))
		}
	}
	return pkgs, sc.Err()
}

func num(s string) float64 { f, _ := strconv.ParseFloat(s, 64); return f }

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// spread is (max-min)/median in percent: how much the runs disagreed.
func spread(xs []float64) float64 {
	m := median(xs)
	if m == 0 || len(xs) < 2 {
		return 0
	}
	return 100 * (slices.Max(xs) - slices.Min(xs)) / m
}

func report(w io.Writer, pkgs []*pkg) {
	fmt.Fprintln(w, "Ratios are median ns/op over median ns/op of the reference in the same package and run.")
	for _, p := range pkgs {
		fmt.Fprintf(w, "\n%s\n", p.name)
		cpu, http := p.results[refCPU], p.results[refHTTP]
		for _, name := range p.order {
			r := p.results[name]
			ns := median(r.ns)
			var ratio string
			switch {
			case name == refCPU:
				ratio = "CPU floor"
			case name == refHTTP && cpu != nil:
				ratio = fmt.Sprintf("%s× sha256", fmtRatio(ns/median(cpu.ns)))
			case name == refHTTP:
				ratio = "HTTP floor"
			case http != nil:
				ratio = fmt.Sprintf("%s× /healthz", fmtRatio(ns/median(http.ns)))
			case cpu != nil:
				ratio = fmt.Sprintf("%s× sha256", fmtRatio(ns/median(cpu.ns)))
			default:
				ratio = "no reference"
			}
			fmt.Fprintf(w, "  %-58s %18s   %12s ±%3.0f%%  %9s B/op  %6s allocs/op\n",
				label(p.name, name)+":", ratio, fmtNs(ns), spread(r.ns), fmtInt(median(r.bytes)), fmtInt(median(r.allocs)))
		}
	}
}

func fmtRatio(x float64) string {
	switch {
	case x >= 100:
		return fmtInt(x)
	case x >= 10:
		return strconv.FormatFloat(x, 'f', 0, 64)
	default:
		return strconv.FormatFloat(x, 'f', 1, 64)
	}
}

func fmtNs(ns float64) string {
	switch {
	case ns >= 1e6:
		return strconv.FormatFloat(ns/1e6, 'f', 2, 64) + " ms/op"
	case ns >= 1e3:
		return strconv.FormatFloat(ns/1e3, 'f', 1, 64) + " µs/op"
	default:
		return strconv.FormatFloat(ns, 'f', 0, 64) + " ns/op"
	}
}

// fmtInt writes a whole number with thousands separators.
func fmtInt(x float64) string {
	s := strconv.FormatFloat(x, 'f', 0, 64)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// labels names each benchmark for people; a trailing /sqlite or /postgres
// becomes the backend in parentheses.
var labels = map[string]string{
	"internal/secret RefSHA256":                      "sha256 of 32 bytes",
	"internal/secret HashVerify/argon2id-production": "pass hash + verify, argon2id production (8 chars)",
	"internal/secret HashVerify/sha256-long-pass":    "pass hash + verify, SHA-256 (48 chars)",
	"internal/secret Verify/argon2id-production":     "pass verify only, argon2id production",
	"internal/secret Verify/sha256-long-pass":        "pass verify only, SHA-256 (48 chars)",
	"internal/oidc RefSHA256":                        "sha256 of 32 bytes",
	"internal/oidc VerifyAccessToken":                "VerifyAccessToken (ES256 JWT)",
	"internal/directory RefSHA256":                   "sha256 of 32 bytes",
	"internal/directory SignInWithPass":              "SignInWithPass, multi-use pass, fast argon2",
	"internal/directory IssuePass":                   "IssuePass, multi-use, fast argon2",
	"internal/bench RefSHA256":                       "sha256 of 32 bytes",
	"internal/bench RefHealthz":                      "GET /healthz",
	"internal/bench GetUser":                         "GET /v1.0/users/{id}",
	"internal/bench ListUsers":                       "GET /v1.0/users?$top=50 (500 users)",
	"internal/bench IssuePass":                       "POST …/temporaryAccessPassMethods",
	"internal/bench SignInPass":                      "POST /login/tap, multi-use pass",
	"internal/bench RefreshRotation":                 "POST /oauth/token refresh_token (rotation)",
	"internal/bench CodeExchange":                    "POST /oauth/token authorization_code + PKCE",
	"internal/bench Userinfo":                        "GET /userinfo with a person's token",
	"internal/bench RefSignRS256":                    "RSA-2048 signature, 8 in flight (the RS256 bound)",
	"internal/bench RefSignES256":                    "P-256 signature, 8 in flight (the ES256 bound)",
	"internal/bench ClientCredentials":               "POST /oauth/token client_credentials, 8 in flight",
	"internal/bench RefreshRotationParallel":         "POST /oauth/token refresh_token, 8 chains in flight",
	"internal/bench CodeExchangeParallel":            "POST /oauth/token authorization_code, 8 in flight",
}

func label(pkg, name string) string {
	backend := ""
	if base, b, ok := strings.Cut(name, "/"); ok && (b == "sqlite" || b == "postgres") {
		name, backend = base, " ("+b+")"
	}
	if l, ok := labels[pkg+" "+name]; ok {
		return l + backend
	}
	return name + backend
}
