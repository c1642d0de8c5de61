// Package cli is the firstkey command line. Every command is a thin translator in
// front of directory.Service: it parses flags, calls one service method as the
// local operator (domain.SystemActor) or, with --as, as a directory user checked
// by their roles, and prints the result as a table or as JSON. Rules live in the
// service, never here, so the CLI cannot disagree with the API about them.
package cli
