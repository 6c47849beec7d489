package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/scimlab/scimlab/exchange"
	"github.com/scimlab/scimlab/idp/sim"
	"github.com/scimlab/scimlab/scimserver"
)

// SimulateOptions are the parsed "scimlab simulate" command line.
type SimulateOptions struct {
	// Config is the run; an empty Target asks for a throw-away scimlab.
	Config sim.Config
	// JSON prints the report as one JSON document.
	JSON bool
	// Strict runs the throw-away scimlab in strict mode.
	Strict bool
}

func newSimulate(env IO, h Handlers) *cobra.Command {
	var (
		o             SimulateOptions
		flavour       string
		listScenarios bool
	)
	cmd := &cobra.Command{
		Use:   "simulate okta|entra",
		Short: "Play Okta or Entra against a SCIM server (a throw-away scimlab by default)",
		Long: reflow(`Plays a complete Okta or Microsoft Entra ID provisioning lifecycle against a SCIM server,
with the IdP's headers, query encodings, bodies and quirks; reacts to every answer as the
IdP does; and reports each step: what was sent, what came back, and what the real IdP
would do next.

Without --target it plays against a throw-away scimlab on a free local port, whose
database lives in a temporary directory deleted afterwards: your own database, labs and
settings are left alone.

Built-in scenarios: ` + strings.Join(sim.Scenarios(), ", ") + `
(a scenario file describes users, groups and steps; docs/simulate.md has the format).
` + exitStatus("every step passed", "a step failed or did not run, or the run was interrupted") +
			environment(
				"SCIMLAB_TOKEN", "the token for --target when --token is not given",
				"NO_COLOR", "no colours, even on a terminal",
			)),
		Example: `# against a throw-away scimlab (tolerant mode)
scimlab simulate entra
# which steps a strict RFC server refuses
scimlab simulate entra --strict
# against your own app, as a catalog (OIN) Okta app
scimlab simulate okta --okta-flavour oin --target https://app.example.com/scim/v2 --token "$TOKEN"
# a customer's users and groups from a scenario file
scimlab simulate okta --scenario customer.yaml --target URL --token TOKEN
# load: 1000 users, 50 groups of 20, eight at a time
scimlab simulate entra --scenario entra-load --users 1000 --groups 50 --members 20 --concurrency 8
scimlab simulate okta --json > report.json`,
		ValidArgs: []string{string(exchange.Okta), string(exchange.Entra)},
		Args: func(cmd *cobra.Command, args []string) error {
			if listScenarios {
				return nil
			}
			switch len(args) {
			case 0:
				return usagef(cmd, "name the identity provider to imitate: okta or entra")
			case 1:
				return nil
			}
			return usagef(cmd, "unexpected argument %q: name one identity provider, okta or entra", args[1])
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if listScenarios {
				for _, name := range sim.Scenarios() {
					fmt.Fprintln(cmd.OutOrStdout(), name)
				}
				return nil
			}
			o.Config.IdP = exchange.IdP(strings.ToLower(args[0]))
			o.Config.OktaFlavour = exchange.Flavour(flavour)
			if o.Config.Target != "" && o.Config.Token == "" {
				o.Config.Token = env.Getenv("SCIMLAB_TOKEN")
			}
			if err := checkSimulate(o); err != nil {
				return usageError(cmd, err)
			}
			return run(h.Simulate(cmd.Context(), o))
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&o.Config.Target, "target", "", "the SCIM base URL of the server to play against, ending in /scim/v2 (default: a throw-away local scimlab)")
	fs.StringVar(&o.Config.Token, "token", "", "the bearer TOKEN the server expects (default: $SCIMLAB_TOKEN; not needed with the throw-away server)")
	fs.StringVar(&flavour, "okta-flavour", "", "Okta app FLAVOUR: aiw (App Integration Wizard) or oin (catalog or template app)")
	fs.BoolVar(&o.Config.EntraCompliant, "entra-compliant", false, "send the RFC-style shapes Entra sends with ?aadOptscim062020")
	fs.StringVar(&o.Config.Scenario, "scenario", "", "scenario FILE, or the NAME of a built-in scenario (see --list-scenarios)")
	fs.BoolVar(&listScenarios, "list-scenarios", false, "list the built-in scenarios and exit")
	fs.IntVar(&o.Config.Users, "users", 0, "at least N users")
	fs.IntVar(&o.Config.Groups, "groups", 0, "at least M groups")
	fs.IntVar(&o.Config.Members, "members", 0, "at least K members in each group")
	fs.IntVar(&o.Config.Concurrency, "concurrency", 1, "work on C users or groups of a step at once")
	fs.Float64Var(&o.Config.Rate, "rate", 0, "at most R requests per second in total (0: no limit)")
	fs.DurationVar(&o.Config.Timeout, "timeout", sim.DefaultTimeout, "give up on a request after DURATION, as the IdP does")
	fs.BoolVar(&o.JSON, "json", false, "print the report as one JSON document")
	fs.BoolVar(&o.Strict, "strict", false, "run the throw-away server in strict RFC mode (not with --target)")
	completeWords(fs, "okta-flavour", string(exchange.FlavourAIW), string(exchange.FlavourOIN))
	completeWords(fs, "scenario", append(sim.Scenarios(), filesToo)...)
	return cmd
}

// checkSimulate refuses a run that cannot be what was meant, before a throw-away
// server starts for nothing; the throw-away server's URL and token stand in for the
// ones it will have.
func checkSimulate(o SimulateOptions) error {
	c := o.Config
	if c.Target == "" && c.Token != "" {
		return fmt.Errorf("--token goes with --target; the throw-away server makes its own")
	}
	if c.Target != "" && o.Strict {
		return fmt.Errorf("--strict applies to the throw-away server; start your own scimlab with --strict and pass --target")
	}
	if c.Target == "" {
		c.Target, c.Token = "http://127.0.0.1"+scimserver.BasePath, "throw-away"
	}
	return c.Validate()
}
