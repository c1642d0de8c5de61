package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"time"
)

// runHydra measures the peer: Ory Hydra with an in-memory database, one
// client of its own, client credentials at the same concurrency and duration.
// Its access tokens are opaque by default (an HMAC, no signature) and JWTs
// (RS256) with STRATEGIES_ACCESS_TOKEN=jwt; both are measured.
func runHydra(ctx context.Context, c config, rep *report) error {
	for _, strategy := range []string{"opaque", "jwt"} {
		logf("== Ory Hydra (%s access tokens, in-memory database)", strategy)
		pub, err := freePort()
		if err != nil {
			return err
		}
		adm, err := freePort()
		if err != nil {
			return err
		}
		cmd := exec.CommandContext(ctx, c.hydra, "serve", "all", "--dev", "--sqa-opt-out")
		cmd.Env = append(os.Environ(),
			"DSN=memory",
			fmt.Sprintf("SERVE_PUBLIC_PORT=%d", pub), "SERVE_PUBLIC_HOST=127.0.0.1",
			fmt.Sprintf("SERVE_ADMIN_PORT=%d", adm), "SERVE_ADMIN_HOST=127.0.0.1",
			fmt.Sprintf("URLS_SELF_ISSUER=http://127.0.0.1:%d", pub),
			"SECRETS_SYSTEM=bench-only-system-secret-0123456789",
			"STRATEGIES_ACCESS_TOKEN="+strategy,
			"LOG_LEVEL=error",
		)
		base := fmt.Sprintf("http://127.0.0.1:%d", pub)
		p, ready, err := start(ctx, "hydra", cmd, base, "/health/ready")
		if err != nil {
			return err
		}
		time.Sleep(time.Second)
		rss, _, _ := rssKiB(p.pid())
		var client struct {
			ID     string `json:"client_id"`
			Secret string `json:"client_secret"`
		}
		_, err = call(ctx, newClient(), http.MethodPost, fmt.Sprintf("http://127.0.0.1:%d/admin/clients", adm),
			jsonBody(map[string]any{"grant_types": []string{"client_credentials"}, "token_endpoint_auth_method": "client_secret_basic"}),
			jsonHdr, http.StatusCreated, &client)
		if err != nil {
			p.stop()
			return fmt.Errorf("create a Hydra client: %w", err)
		}
		tokenURL := base + "/oauth2/token"
		tok, err := clientCredentials(ctx, newClient(), tokenURL, client.ID, client.Secret, "")
		if err != nil {
			p.stop()
			return fmt.Errorf("Hydra client credentials: %w", err)
		}
		res := drive(ctx, c, []string{base}, []int{p.pid()}, func(ctx context.Context, hc *http.Client, _ string, _ int) error {
			_, err := clientCredentials(ctx, hc, tokenURL, client.ID, client.Secret, "")
			return err
		})
		res.setup, res.op, res.alg = "Ory Hydra v2.3.0, in-memory", "cc", jwtAlg(tok)
		_, peak, _ := rssKiB(p.pid())
		p.stop()
		rep.peer = append(rep.peer, res)
		rep.starts = append(rep.starts, startInfo{setup: "Ory Hydra v2.3.0 (" + strategy + ")", replica: 1, cold: ready, idleRSS: rss, peakRSS: peak})
		logf("  cc %8.0f/s  p50 %s  p99 %s  CPU %s/op  errors %d %s; ready in %s, idle RSS %.1f MiB",
			res.rate(), ms(res.p(50)), ms(res.p(99)), ms(res.cpuPerOp()), res.errors, res.firstErr, ready.Round(time.Millisecond), float64(rss)/1024)
	}
	return nil
}
