package cli

import (
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/scimlab/scimlab/doctor"
)

// DoctorOptions are the parsed "scimlab doctor" command line.
type DoctorOptions struct {
	doctor.Options
	// JSON prints the report as one JSON document.
	JSON bool
}

// doctorStartFlags are the flags of a start doctor reads, so "scimlab doctor" with a
// start's flags checks that start.
var doctorStartFlags = []string{"db", "lab", "listen", "ngrok-token", "domain", "public-url", "no-tunnel", "tunnel"}

func newDoctor(l *layers, h Handlers) *cobra.Command {
	var o DoctorOptions
	cmd := &cobra.Command{
		Use:   "doctor",
		Short: "Check what scimlab needs here: paths, config, database, tunnel, terminal, port",
		Long: reflow(`Checks what scimlab needs on this machine and says what to do about each problem. It looks at where the data, database, labs, config files and console log live and whether scimlab can
use them; the database (schema, integrity, what it holds, whether a token is stored);
every lab, with what it holds, the profile it plays and the scimlab serving it;
which tunnel a start brings up and why, and whether ngrok's service can be reached;
whether the terminal gives the console colours, a clipboard and the mouse; and whether
the port is free. It creates, changes and locks nothing, so it runs beside a scimlab
that is serving. Give it the flags you start scimlab with (--lab or --db among them)
to check that start; it
reads the same SCIMLAB_* variables and config file, and reports a config file it
cannot use instead of refusing to run.
` + exitStatus("nothing failed (warnings do not fail)", "a check failed: its line says what to do") +
			environment(append(settingVars(doctorStartFlags...),
				"SCIMLAB_TOKEN", "compared with the token stored in the database",
				"XDG_DATA_HOME", "where scimlab keeps its database",
				"XDG_CONFIG_HOME", "where scimlab keeps its config files",
				"XDG_STATE_HOME", "where the console keeps its log",
				"TERM, COLORTERM", "what the console finds; also NO_COLOR, TMUX, SSH_TTY, SSH_CONNECTION",
			)...)),
		Example: `scimlab doctor
# the start you are about to make
scimlab doctor --lab acme --listen 127.0.0.1:9000
# offline: skip the one check that leaves this machine
scimlab doctor --no-network
scimlab doctor --json | jq '.checks[] | select(.status == "fail")'`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := l.apply(cmd, true); err != nil {
				return err
			}
			if err := chooseDatabase(cmd, &o.App.Lab, &o.App.DB); err != nil {
				return err
			}
			return run(h.Doctor(cmd.Context(), o))
		},
	}
	start := pflag.NewFlagSet("start", pflag.ContinueOnError)
	appFlags(start, &o.App)
	fs := cmd.Flags()
	for _, name := range doctorStartFlags {
		fs.AddFlag(start.Lookup(name))
	}
	fs.BoolVar(&o.JSON, "json", false, "print the report as one JSON document")
	fs.BoolVar(&o.NoNetwork, "no-network", false, "do not check that ngrok's service can be reached (the only check that leaves this machine)")
	return cmd
}
