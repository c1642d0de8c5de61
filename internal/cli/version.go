package cli

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// Version is stamped by scripts/release with -ldflags "-X …/cli.Version=v1.2.3";
// a plain `go build` says "dev" and the commit the toolchain recorded.
var Version = "dev"

// versionInfo is what `firstkey version` prints.
type versionInfo struct {
	Version  string `json:"version"`
	Commit   string `json:"commit,omitempty"`
	Modified bool   `json:"modified,omitempty"`
	Go       string `json:"go"`
	Platform string `json:"platform"`
	Cgo      bool   `json:"cgo"`
}

func buildInfo() versionInfo {
	v := versionInfo{Version: Version, Go: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				v.Commit = s.Value
			case "vcs.modified":
				v.Modified = s.Value == "true"
			case "CGO_ENABLED":
				v.Cgo = s.Value == "1"
			}
		}
	}
	return v
}

func newVersionCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print firstkey's version, commit and platform",
		Args:  cobra.NoArgs,
		RunE: g.run(func(cmd *cobra.Command, _ []string) error {
			v := buildInfo()
			if g.jsonOutput() {
				return printJSON(g.stdout, v)
			}
			commit := v.Commit
			if commit == "" {
				commit = "unknown commit"
			}
			if v.Modified {
				commit += " (modified)"
			}
			_, err := fmt.Fprintf(g.stdout, "firstkey %s (%s, %s, %s, cgo %v)\n", v.Version, commit, v.Go, v.Platform, v.Cgo)
			return err
		}),
	}
}
