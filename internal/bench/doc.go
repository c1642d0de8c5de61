// Package bench holds whole-server benchmarks of firstkey's hot paths over real
// HTTP on loopback, each next to a reference measured in the same run (GET
// /healthz for the HTTP stack, one SHA-256 for the CPU), and the two commands
// behind scripts/bench and scripts/load: cmd/benchratio turns `go test -bench`
// output into ratios, cmd/load drives a running server. See BENCHMARKS.md.
package bench
