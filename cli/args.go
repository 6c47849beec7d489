package cli

import (
	"strings"

	"github.com/spf13/cobra"
)

// longFlagsWithOneDash rewrites a long flag written with one dash ("-db FILE",
// "-listen=:9000") to its two-dash form. scimlab's command line was once parsed by
// Go's flag package, whose help printed "-db FILE", so scripts and notes written
// since then keep working; a word that is not a long flag of the command is left for
// the parser, which reads "-f" as a shorthand. Nothing after "--" is touched.
func longFlagsWithOneDash(root *cobra.Command, args []string) []string {
	cmd, _, err := root.Find(args)
	if err != nil || cmd == nil {
		cmd = root
	}
	out := make([]string, 0, len(args))
	for i, a := range args {
		if a == "--" {
			out = append(out, args[i:]...)
			break
		}
		if len(a) > 2 && a[0] == '-' && a[1] != '-' {
			name, _, _ := strings.Cut(a[1:], "=")
			if len(name) > 1 && isLongFlag(cmd, name) {
				a = "-" + a
			}
		}
		out = append(out, a)
	}
	return out
}

func isLongFlag(cmd *cobra.Command, name string) bool {
	switch name {
	case "help":
		return true
	case "version":
		return !cmd.HasParent()
	}
	return cmd.Flags().Lookup(name) != nil || cmd.InheritedFlags().Lookup(name) != nil
}
