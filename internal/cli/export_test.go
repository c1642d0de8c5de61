package cli

// Execute runs the command line with a caller's context, so that tests can stop
// `serve` the way SIGTERM would.
var Execute = execute
