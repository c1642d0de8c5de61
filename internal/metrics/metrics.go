package metrics

import (
	"database/sql"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Namespace prefixes every series firstkey exports.
const Namespace = "firstkey"

// Metrics holds firstkey's series and the registry they are scraped from.
type Metrics struct {
	reg *prometheus.Registry

	signIns      *prometheus.CounterVec
	passes       *prometheus.CounterVec
	lockouts     *prometheus.CounterVec
	rateLimited  *prometheus.CounterVec
	tokenGrants  *prometheus.CounterVec
	httpDuration *prometheus.HistogramVec
	storeTime    *prometheus.HistogramVec
	deliveries   *prometheus.CounterVec
	queued       *prometheus.CounterVec
}

// New builds the series on a registry of their own, with the Go runtime and
// process collectors beside them.
func New() *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry()}
	counter := func(name, help string, labels ...string) *prometheus.CounterVec {
		c := prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: Namespace, Name: name, Help: help}, labels)
		m.reg.MustRegister(c)
		return c
	}
	m.signIns = counter("sign_ins_total", "Sign-in attempts recorded in the sign-in log, by method and result (0 for success, else the error code).", "method", "result")
	m.passes = counter("passes_total", "Temporary Access Pass events: issued, consumed (one-time pass used), used (multi-use pass signed in), expired (purged after its end), revoked (deleted before its end).", "event")
	m.lockouts = counter("lockouts_total", "Sign-in lock-outs started, by scope (source: one name from one address; account: one name from anywhere).", "scope")
	m.rateLimited = counter("rate_limited_total", "Requests refused by a rate limit, by which limit.", "limit")
	m.tokenGrants = counter("token_grants_total", "Token endpoint requests by grant type and result (success, or the OAuth error code).", "grant_type", "result")
	m.deliveries = counter("delivery_attempts_total", "Delivery attempts by method and result: delivered, failed (will be retried), gave_up, cancelled.", "method", "result")
	m.queued = counter("deliveries_queued_total", "Deliveries queued in the outbox, by method.", "method")
	m.httpDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: Namespace, Name: "http_request_duration_seconds",
		Help:    "HTTP request latency by route pattern (never the raw path), method and status class.",
		Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30}}, []string{"route", "method", "code"})
	m.storeTime = prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: Namespace, Name: "store_call_duration_seconds",
		Help:    "Storage call latency by store method (transaction: a whole InTx, the code inside it included).",
		Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, 1, 5}}, []string{"op"})
	m.reg.MustRegister(m.httpDuration, m.storeTime,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m.zero()
	return m
}

// zero creates the series of the bounded label values at 0, so that a
// dashboard shows them (and rate() works) before the first event.
func (m *Metrics) zero() {
	for _, e := range []string{"issued", "consumed", "used", "expired", "revoked"} {
		m.passes.WithLabelValues(e)
	}
	for _, s := range []string{"source", "account"} {
		m.lockouts.WithLabelValues(s)
	}
	for _, l := range []string{LimitSignInAddress, LimitHashQueue, LimitGraphApp, LimitGraphUser, LimitSCIM, LimitSCIMAddress} {
		m.rateLimited.WithLabelValues(l)
	}
	for _, method := range []string{"temporaryAccessPass", "passkey"} {
		m.signIns.WithLabelValues(method, "0")
	}
	for _, gt := range []string{"authorization_code", "refresh_token", "client_credentials", "urn:ietf:params:oauth:grant-type:device_code"} {
		m.tokenGrants.WithLabelValues(gt, "success")
	}
	for _, method := range []string{"email", "webhook"} {
		m.queued.WithLabelValues(method)
		for _, r := range []string{"delivered", "failed", "gave_up", "cancelled"} {
			m.deliveries.WithLabelValues(method, r)
		}
	}
}

// Handler serves the registry in the Prometheus exposition format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// Registry is where the series live, for tests and for collectors added by wiring.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// WatchDB exports the connection pool's statistics (sql.DBStats) as
// go_sql_* series labelled db_name=firstkey.
func (m *Metrics) WatchDB(db *sql.DB) {
	m.reg.MustRegister(collectors.NewDBStatsCollector(db, "firstkey"))
}

// WatchHashGate exports the memory-hard pass checks running and waiting, read
// at every scrape through stats.
func (m *Metrics) WatchHashGate(stats func() (running, waiting int)) {
	m.reg.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: Namespace, Name: "hash_checks_running",
			Help: "Memory-hard pass checks running now."}, func() float64 { r, _ := stats(); return float64(r) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: Namespace, Name: "hash_checks_waiting",
			Help: "Sign-ins waiting for a pass check slot."}, func() float64 { _, w := stats(); return float64(w) }))
}

// WatchOutbox exports the number of pending deliveries, read at every scrape
// through pending (which should bound its own time).
func (m *Metrics) WatchOutbox(pending func() (int, error)) {
	m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: Namespace, Name: "deliveries_pending",
		Help: "Deliveries waiting in the outbox (all replicas); -1 when the database did not answer."}, func() float64 {
		n, err := pending()
		if err != nil {
			return -1
		}
		return float64(n)
	}))
}
