// Package e2e holds end-to-end tests of the real firstkey binary: it is built once
// per run, started as separate processes on loopback, and driven only through its
// command line, its HTTP endpoints and its output, as an operator would.
package e2e
