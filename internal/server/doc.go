// Package server wires firstkey together: it opens the store named by the
// configuration, checks the master key, and mounts each HTTP concern (tokens,
// Graph API, sign-in pages, health) on one mux. It holds no rules of its own.
package server
