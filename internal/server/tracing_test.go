package server_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	coltrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/protobuf/proto"

	"github.com/firstkey/firstkey/internal/server"
	"github.com/firstkey/firstkey/internal/store/storetest"
	"github.com/firstkey/firstkey/internal/testenv"
)

// otlpReceiver is a minimal OTLP/HTTP collector: it decodes every export of
// spans and keeps them, and the raw bodies.
type otlpReceiver struct {
	mu    sync.Mutex
	spans map[string]map[string]string // span name → string attributes
	raw   []byte
}

func (o *otlpReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/v1/traces" || r.Method != http.MethodPost {
		http.NotFound(w, r)
		return
	}
	body, _ := io.ReadAll(r.Body)
	var req coltrace.ExportTraceServiceRequest
	if err := proto.Unmarshal(body, &req); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	o.raw = append(o.raw, body...)
	for _, rs := range req.ResourceSpans {
		for _, ss := range rs.ScopeSpans {
			for _, s := range ss.Spans {
				attrs := map[string]string{}
				for _, a := range s.Attributes {
					attrs[a.Key] = a.Value.GetStringValue()
				}
				o.spans[s.Name] = attrs
			}
		}
	}
	w.Header().Set("Content-Type", "application/x-protobuf")
	out, _ := proto.Marshal(&coltrace.ExportTraceServiceResponse{})
	w.Write(out)
}

func (o *otlpReceiver) span(name string) (map[string]string, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	a, ok := o.spans[name]
	return a, ok
}

// With --otel-endpoint, each request becomes a span named by its route (never
// the raw path), exported over OTLP/HTTP, with no secret in it.
func TestTracingExportsSpansByRoute(t *testing.T) {
	rcv := &otlpReceiver{spans: map[string]map[string]string{}}
	collector := httptest.NewServer(rcv)
	defer collector.Close()
	env := testenv.NewWithOptions(t, storetest.Backends()[0], testenv.Options{Server: func(c *server.Config) {
		c.OTelEndpoint = collector.URL
	}})
	clientID, secret := env.CreateApp(t)
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {clientID}, "client_secret": {secret},
		"scope": {"https://graph.microsoft.com/.default"}}
	resp, err := http.PostForm(env.URL+"/oauth/token", form)
	if err != nil {
		t.Fatal(err)
	}
	tok, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("token: %d %s", resp.StatusCode, tok)
	}
	resp, err = http.Get(env.URL + "/v1.0/users/" + clientID)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()

	deadline := time.Now().Add(15 * time.Second)
	for {
		_, a := rcv.span("POST /oauth/token")
		_, b := rcv.span("GET /v1.0/users/{id}")
		if a && b {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("spans received: %v", rcv.spans)
		}
		time.Sleep(100 * time.Millisecond)
	}
	attrs, _ := rcv.span("POST /oauth/token")
	if attrs["http.route"] != "/oauth/token" || attrs["http.request.method"] != "POST" || !guid.MatchString(attrs["firstkey.request_id"]) {
		t.Errorf("token span attributes %v", attrs)
	}
	rcv.mu.Lock()
	raw := string(rcv.raw)
	rcv.mu.Unlock()
	for what, s := range map[string]string{"client secret": secret, "client id in a path": clientID, "access token": string(tok)[20:60]} {
		if strings.Contains(raw, s) {
			t.Errorf("the exported spans contain the %s", what)
		}
	}
}
