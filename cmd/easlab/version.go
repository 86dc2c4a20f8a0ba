package main

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
)

func newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print easlab's version: its module version and the commit it was built from",
		Long: `Print the module version (a tag, a pseudo-version, or "(devel)" for a build
from a checkout), the VCS revision and time the binary was built from, whether
the checkout had uncommitted changes, and the Go version: what a bug report
needs to name the build.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			info, _ := debug.ReadBuildInfo()
			return writeVersion(cmd.OutOrStdout(), info)
		},
	}
}

// writeVersion prints what the build info says of the binary.
func writeVersion(w io.Writer, info *debug.BuildInfo) error {
	version, revision, when, modified := "unknown", "", "", ""
	if info != nil {
		version = info.Main.Version
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				revision = s.Value
			case "vcs.time":
				when = s.Value
			case "vcs.modified":
				if s.Value == "true" {
					modified = " (with uncommitted changes)"
				}
			}
		}
	}
	_, err := fmt.Fprintf(w, "easlab %s\n", version)
	if err == nil && revision != "" {
		_, err = fmt.Fprintf(w, "commit %s%s, %s\n", revision, modified, when)
	}
	if err == nil {
		_, err = fmt.Fprintf(w, "%s %s/%s\n", runtime.Version(), runtime.GOOS, runtime.GOARCH)
	}
	return err
}
