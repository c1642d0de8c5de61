package main

import (
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"time"
)

type startInfo struct {
	setup   string
	replica int
	cold    time.Duration // the first start on an empty data directory
	ready   time.Duration // a restart on a warm one (0: not measured)
	idleRSS int64         // KiB
	peakRSS int64         // KiB, after the setup's load
}

type report struct {
	started  time.Time
	bounds   bounds
	results  []result
	peer     []result
	peerNote string
	starts   []startInfo
}

var opLabels = map[string]string{
	"passkey":    "passkey sign-in (begin + finish)",
	"cc":         "client credentials",
	"refresh":    "refresh rotation",
	"pass":       "pass sign-in (argon2id)",
	"get":        "GET /v1.0/users/{id}",
	"list-first": "GET /v1.0/users?$top=50, first page",
	"list-last":  "GET /v1.0/users?$top=50, last page",
}

// bound is the crypto rate an operation cannot beat, and its name.
func (r report) bound(res result) (float64, string) {
	b := r.bounds
	sign, signName := b.es256Sign, "ES256 sign"
	if res.alg == "RS256" {
		sign, signName = b.rs256Sign, "RS256 sign"
	}
	switch res.op {
	case "passkey":
		return b.ecdsaVerify, "ECDSA P-256 verify"
	case "cc":
		if res.alg == "opaque" {
			return 0, ""
		}
		return sign, signName
	case "refresh":
		// An access token and an ID token (RS256 by default): both signatures.
		return 1 / (1/b.rs256Sign + 1/sign), "RS256 + " + signName
	case "pass":
		return b.argon2id, "argon2id"
	}
	return 0, ""
}

func (r report) markdown(c config) string {
	var w strings.Builder
	fmt.Fprintf(&w, "Run %s, %d cores (GOMAXPROCS of the load generator), concurrency %d, %s per operation after a 0.3 s warm-up.\n\n",
		r.started.UTC().Format("2006-01-02 15:04 UTC"), runtime.GOMAXPROCS(0), c.concurrency, c.duration)
	fmt.Fprintf(&w, "Crypto bounds measured in the same run, all cores: ECDSA P-256 verify %s/s, ES256 sign %s/s, RS256 (RSA-2048) sign %s/s, argon2id (m=19 MiB, t=2) %.1f/s.\n\n",
		num(r.bounds.ecdsaVerify), num(r.bounds.es256Sign), num(r.bounds.rs256Sign), r.bounds.argon2id)
	peerRate := 0.0
	for _, p := range r.peer {
		peerRate = max(peerRate, p.rate())
	}
	w.WriteString("| setup | operation | ops/s | p50 | p99 | errors | server CPU/op | of the bound | vs Hydra |\n")
	w.WriteString("|---|---|---|---|---|---|---|---|---|\n")
	for _, res := range r.results {
		ofBound := "—"
		if b, name := r.bound(res); b > 0 && res.rate() > 0 {
			ofBound = fmt.Sprintf("%.1f %% of %s %s/s", 100*res.rate()/b, name, num(b))
		}
		vsPeer := "—"
		if res.op == "cc" && peerRate > 0 && res.rate() > 0 {
			vsPeer = fmt.Sprintf("%.1f×", res.rate()/peerRate)
		}
		label := opLabels[res.op]
		if res.op == "cc" && res.alg != "" {
			label += " (" + res.alg + ")"
		}
		fmt.Fprintf(&w, "| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", res.setup, label, num(res.rate()),
			ms(res.p(50)), ms(res.p(99)), errs(res), ms(res.cpuPerOp()), ofBound, vsPeer)
	}
	for _, res := range r.peer {
		ofBound := "—"
		if b, name := r.bound(res); b > 0 && res.rate() > 0 {
			ofBound = fmt.Sprintf("%.1f %% of %s %s/s", 100*res.rate()/b, name, num(b))
		}
		fmt.Fprintf(&w, "| %s | client credentials (%s) | %s | %s | %s | %s | %s | %s | 1× (peer) |\n", res.setup, res.alg,
			num(res.rate()), ms(res.p(50)), ms(res.p(99)), errs(res), ms(res.cpuPerOp()), ofBound)
	}
	if r.peerNote != "" {
		fmt.Fprintf(&w, "\nPeer: %s\n", r.peerNote)
	} else if peerRate > 0 {
		w.WriteString("\n\"vs Hydra\" divides by the faster of Hydra's two token strategies.\n")
	}
	w.WriteString("\n| process | ready after exec, warm data directory | first start | idle RSS | peak RSS after the load |\n|---|---|---|---|---|\n")
	for _, s := range r.starts {
		name := s.setup
		if !strings.HasPrefix(name, "Ory") {
			name = "firstkey " + strconv.Itoa(s.replica) + ", " + name
		}
		ready := "—"
		if s.ready > 0 {
			ready = ms(s.ready)
		}
		fmt.Fprintf(&w, "| %s | %s | %s | %.1f MiB | %.1f MiB |\n", name, ready, ms(s.cold), float64(s.idleRSS)/1024, float64(s.peakRSS)/1024)
	}
	return w.String()
}

func errs(r result) string {
	if r.errors == 0 {
		return "0"
	}
	e := r.firstErr
	if len(e) > 60 {
		e = e[:60] + "…"
	}
	return fmt.Sprintf("%d (%s)", r.errors, e)
}

func ms(d time.Duration) string {
	v := d.Seconds() * 1000
	switch {
	case v >= 100:
		return strconv.FormatFloat(v, 'f', 0, 64) + " ms"
	case v >= 10:
		return strconv.FormatFloat(v, 'f', 1, 64) + " ms"
	}
	return strconv.FormatFloat(v, 'f', 2, 64) + " ms"
}

// num writes a rate with thousands separators.
func num(x float64) string {
	s := strconv.FormatFloat(x, 'f', 0, 64)
	if x < 10 {
		return strconv.FormatFloat(x, 'f', 1, 64)
	}
	var out []byte
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	return string(out)
}
