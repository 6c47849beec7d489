package cli

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/scimlab/scimlab/exchange"
	"github.com/scimlab/scimlab/logview"
	"github.com/scimlab/scimlab/store"
)

func newLog(env IO, l *layers, h Handlers) *cobra.Command {
	var (
		o                    = logview.Options{AllIdPs: true}
		since, idpF, labName string
	)
	cmd := &cobra.Command{
		Use:   "log",
		Short: "Print the recorded requests, as text or JSON lines",
		Long: reflow(`Prints the requests scimlab recorded, oldest first, with the IdP, provisioning step,
status and quirks of each; failures are followed by the error and what to change.
Works while scimlab is running, and follows it with --follow.
` + exitStatus("the log was printed (an empty one too)", "the database is missing or cannot be read") +
			environment(
				settingVars("db")[0], settingVars("db")[1],
				settingVars("lab")[0], settingVars("lab")[1],
				"SCIMLAB_TOKEN", "a token to keep out of what is printed, besides the stored one",
				"NO_COLOR", "no colours, even on a terminal",
			)),
		Example: `# the newest 50 requests
scimlab log
# the last hour's failures, with headers and bodies
scimlab log --since 1h --failed --bodies
# Entra's requests as JSON lines, for jq
scimlab log --idp entra --json | jq .status
# follow a running scimlab from another terminal
scimlab log -f
# what the lab acme recorded
scimlab log --lab acme`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := l.apply(cmd, false); err != nil {
				return err
			}
			if err := chooseDatabase(cmd, &labName, &o.DB); err != nil {
				return err
			}
			if err := completeLogOptions(cmd, &o, since, idpF, time.Now()); err != nil {
				return usageError(cmd, err)
			}
			if err := existingLab(labName); err != nil {
				return err
			}
			o.Color = isTerminal(env.Stdout) && env.Getenv("NO_COLOR") == ""
			o.Secrets = []string{env.Getenv("SCIMLAB_TOKEN")}
			return run(h.Log(cmd.Context(), o))
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&o.DB, "db", store.DefaultPath(), "the SQLite database FILE written by scimlab or scimlab serve (not with --lab)")
	fs.StringVar(&labName, "lab", "", labFlagText)
	fs.BoolVar(&o.JSON, "json", false, "print one JSON object per line instead of text")
	fs.BoolVarP(&o.Follow, "follow", "f", false, "keep printing requests as they are recorded, until Ctrl+C")
	fs.BoolVar(&o.Bodies, "bodies", false, "include request and response headers and bodies (Authorization and passwords stay redacted)")
	fs.BoolVar(&o.Failed, "failed", false, "only requests answered with status 400 or above")
	fs.IntVar(&o.Limit, "limit", logview.DefaultLimit, "print the newest N requests, 0 for all; with --since the default is all")
	fs.StringVar(&since, "since", "", "only requests from the last DURATION (90s, 15m, 2h, 3d) or since a TIME (RFC 3339, or local 2006-01-02[T15:04:05])")
	fs.StringVar(&idpF, "idp", "", "only requests from IDP: okta, entra or unknown")
	fs.BoolVar(&o.AppActions, "app-actions", false, "print what the app's own admin did in the console (seeding, deactivating, deleting, resetting, switching the profile) instead of the requests")
	completeFiles(fs, "db")
	completeLabs(fs, "lab")
	completeWords(fs, "idp", "okta", "entra", "unknown")
	return cmd
}

// completeLogOptions checks what flag parsing cannot and fills in what the flags imply.
func completeLogOptions(cmd *cobra.Command, o *logview.Options, since, idpF string, now time.Time) error {
	if o.Limit < 0 {
		return fmt.Errorf("--limit must be 0 (all) or a positive number of requests, not %d", o.Limit)
	}
	if o.AppActions && (o.Follow || o.Bodies || o.Failed || strings.TrimSpace(idpF) != "") {
		return errors.New("--app-actions lists what the app's admin did; --follow, --bodies, --failed and --idp apply to requests")
	}
	if since != "" {
		t, err := logview.ParseSince(since, now)
		if err != nil {
			return err
		}
		o.Since = t
		// "The last hour" means all of it; a silent cap of 50 would hide the rest.
		if !cmd.Flags().Changed("limit") {
			o.Limit = 0
		}
	}
	if strings.TrimSpace(idpF) != "" {
		p, ok := exchange.ParseIdP(idpF)
		if !ok {
			return fmt.Errorf("--idp accepts okta, entra or unknown, not %q", strings.TrimSpace(idpF))
		}
		o.IdP, o.AllIdPs = p, false
	}
	return nil
}
