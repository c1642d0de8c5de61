package server

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/firstkey/firstkey/internal/httpstatus"
	"github.com/firstkey/firstkey/internal/metrics"
	"github.com/firstkey/firstkey/internal/requestid"
)

// tracing exports a span per request over OTLP/HTTP. A nil *tracing is off
// and costs nothing: its middleware is the handler it wraps.
type tracing struct {
	tp     *sdktrace.TracerProvider
	tracer trace.Tracer
}

// startTracing starts the exporter when c names an endpoint.
func startTracing(ctx context.Context, c Config) (*tracing, error) {
	if c.OTelEndpoint == "" {
		return nil, nil
	}
	endpoint, err := tracesURL(c.OTelEndpoint)
	if err != nil {
		return nil, err
	}
	exp, err := otlptracehttp.New(ctx, otlptracehttp.WithEndpointURL(endpoint))
	if err != nil {
		return nil, fmt.Errorf("start OpenTelemetry exporter: %w", err)
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp, sdktrace.WithBatchTimeout(2*time.Second)),
		sdktrace.WithResource(resource.NewSchemaless(attribute.String("service.name", "firstkey"))))
	return &tracing{tp: tp, tracer: tp.Tracer("github.com/firstkey/firstkey")}, nil
}

// tracesURL is the OTLP/HTTP traces URL of an endpoint given as the
// collector's base URL (http://collector:4318, as OTEL_EXPORTER_OTLP_ENDPOINT)
// or as the full traces URL.
func tracesURL(endpoint string) (string, error) {
	u, err := url.Parse(endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		return "", fmt.Errorf("--otel-endpoint %q: give the collector's OTLP/HTTP URL, such as http://collector:4318", endpoint)
	}
	if strings.Trim(u.Path, "/") == "" {
		u.Path = "/v1/traces"
	}
	return u.String(), nil
}

// middleware starts a server span for each request, continuing a trace the
// client started (W3C traceparent). The span is named by the route pattern
// the mux chose, never the raw path, and carries no header, query or body.
// It must run inside the metrics middleware, which learns the route.
func (t *tracing) middleware(next http.Handler) http.Handler {
	if t == nil {
		return next
	}
	prop := propagation.TraceContext{}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := prop.Extract(r.Context(), propagation.HeaderCarrier(r.Header))
		ctx, span := t.tracer.Start(ctx, r.Method, trace.WithSpanKind(trace.SpanKindServer),
			trace.WithAttributes(attribute.String("http.request.method", r.Method),
				attribute.String("firstkey.request_id", requestid.From(ctx))))
		defer span.End()
		rec := &httpstatus.Writer{ResponseWriter: w}
		next.ServeHTTP(rec, r.WithContext(ctx))
		route := metrics.RouteOf(ctx)
		status := max(rec.Status, http.StatusOK)
		span.SetName(r.Method + " " + route)
		span.SetAttributes(attribute.String("http.route", route), attribute.Int("http.response.status_code", status))
		if status >= 500 {
			span.SetStatus(codes.Error, http.StatusText(status))
		}
	})
}

// shutdown sends the spans not yet exported.
func (t *tracing) shutdown() {
	if t == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = t.tp.Shutdown(ctx)
}
