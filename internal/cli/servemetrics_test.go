package cli_test

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// Metrics are on the main listener by default; --metrics-listen moves them to
// a listener of their own (and off the main one), and the JSON log lines of a
// request carry its request id.
func TestServeMetricsListener(t *testing.T) {
	h := &harness{t: t, backend: "sqlite", data: t.TempDir()}
	get := func(u string) (int, string) {
		t.Helper()
		resp, err := http.Get(u)
		if err != nil {
			t.Fatalf("GET %s: %v", u, err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	s := h.serve()
	if code, body := get(s.base + "/metrics"); code != http.StatusOK || !strings.Contains(body, "firstkey_http_request_duration_seconds") {
		t.Fatalf("/metrics on the main listener: %d", code)
	}
	s.stop()

	metricsAddr := freeAddr(t)
	s = h.serve("--metrics-listen", metricsAddr)
	if code, _ := get(s.base + "/metrics"); code != http.StatusNotFound {
		t.Errorf("/metrics on the main listener with --metrics-listen: %d, want 404", code)
	}
	code, body := get("http://" + metricsAddr + "/metrics")
	if code != http.StatusOK || !strings.Contains(body, `firstkey_http_request_duration_seconds_count{code="4xx",method="GET",route="unmatched"}`) {
		t.Errorf("/metrics on --metrics-listen: %d\n%s", code, body)
	}
	req, _ := http.NewRequest("GET", s.base+"/nowhere", nil)
	req.Header.Set("client-request-id", "0b5e4c1d-2f3a-4b6c-8d9e-0f1a2b3c4d5e")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	s.stop()
	if !strings.Contains(s.stderr.String(), `"request_id":"0b5e4c1d-2f3a-4b6c-8d9e-0f1a2b3c4d5e"`) {
		t.Errorf("serve's log has no line with the request's id:\n%s", s.stderr.String())
	}
}
