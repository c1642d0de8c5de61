// Command firstkey is the firstkey server and its command line; see `firstkey --help`.
package main

import (
	"os"

	"github.com/firstkey/firstkey/internal/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
