// Package metrics is firstkey's Prometheus instrumentation: its own registry
// (never the global one), the HTTP middleware that times each request by its
// route pattern, a store.Store decorator that times every storage call and
// counts what the directory did (sign-ins, passes, lock-outs, deliveries) once
// the transaction that did it commits, and hooks by which handlers report rate
// limits and token grants through the request's context.
//
// No label ever holds a secret or names a person or application: labels are
// route patterns, method names, grant types, error codes and fixed words, so
// their number is bounded by the code, not by the traffic.
package metrics
