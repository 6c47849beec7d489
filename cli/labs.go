package cli

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/scimlab/scimlab/exchange"
	"github.com/scimlab/scimlab/lab"
	"github.com/scimlab/scimlab/logview"
	"github.com/scimlab/scimlab/profile"
	"github.com/scimlab/scimlab/store"
)

// labFlagText describes --lab for every command that opens a lab.
const labFlagText = "the named lab NAME, one database per rehearsal under scimlab's data directory (\"default\" is " +
	"the database scimlab always used); not with --db"

// chooseDatabase makes --lab and --db say the same thing: the database of the lab
// named, or the name of the lab the database is ("" for a file that is no lab's).
func chooseDatabase(cmd *cobra.Command, labName, db *string) error {
	dir := lab.DefaultDir()
	if *labName == "" {
		*labName = dir.NameOf(*db)
		return nil
	}
	path, err := dir.Path(*labName)
	if err != nil {
		return usageError(cmd, err)
	}
	*db = path
	return nil
}

// existingLab refuses a lab that is not there, for a command that only reads: it must
// not create an empty lab because a name was mistyped.
func existingLab(name string) error {
	if name == "" || name == lab.Default {
		return nil
	}
	_, err := lab.DefaultDir().Existing(name)
	return run(err)
}

// LabsOptions are the parsed "scimlab labs" command line.
type LabsOptions struct {
	// JSON prints the labs as a JSON array.
	JSON bool
}

func newLabs(h Handlers) *cobra.Command {
	var o LabsOptions
	cmd := &cobra.Command{
		Use:   "labs",
		Short: "List the labs: one database per rehearsal, opened with --lab NAME",
		Long: reflow(`Lists the labs in scimlab's data directory: for each, the profile it plays, how many users,
groups and requests it holds, its size, when it was last used and the scimlab serving it.
"scimlab --lab NAME" opens a lab, creating it on first use; the console's Labs tab
switches, creates, resets and deletes them.
` + exitStatus("the labs were listed (none too)", "the data directory or a lab could not be read") +
			environment("XDG_DATA_HOME", "where scimlab keeps its database and the labs")),
		Example: `scimlab labs
# the labs a scimlab is serving now, for a script
scimlab labs --json | jq -r '.[] | select(.served) | .name'`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return run(h.Labs(cmd.Context(), o))
		},
	}
	cmd.Flags().BoolVar(&o.JSON, "json", false, "print the labs as a JSON array")
	return cmd
}

// ExportOptions are the parsed "scimlab export" command line.
type ExportOptions struct {
	// Lab is the lab to export, "" for a database file of no lab's; DB is its file.
	Lab, DB string
	// HAR or Bundle is the file to write; exactly one is given.
	HAR, Bundle string
	// Requests picks the requests to write.
	Requests store.RequestFilter
}

func newExport(l *layers, h Handlers) *cobra.Command {
	var (
		o    ExportOptions
		reqs requestFlags
	)
	cmd := &cobra.Command{
		Use:   "export (--har FILE | --bundle FILE)",
		Short: "Write a lab's requests as HAR, or the whole lab as a support bundle",
		Long: reflow(`Writes a lab's request log as HAR 1.2, which browser developer tools and HAR viewers open,
with scimlab's reading of each request (IdP, step, quirks, hints) in custom fields; or the
whole lab as a support bundle that "scimlab import" loads again: the requests and answers,
users, groups and memberships, the profile, fault rules and walkthrough progress, what the
app holds besides, and a short summary of what happened.

Secrets never leave: the bearer token, passwords, ngrok credentials and every header named
like a credential are redacted. The file appears complete or not at all. It works while a
scimlab serves the lab.
` + exitStatus("the file was written", "the lab or database is not there or cannot be read, or the file cannot be written") +
			environment(
				settingVars("db")[0], settingVars("db")[1],
				settingVars("lab")[0], settingVars("lab")[1],
				"SCIMLAB_TOKEN", "a token to redact, besides the stored one",
				"NGROK_AUTHTOKEN", "an ngrok token to redact, besides the saved one",
			)),
		Example: `# a support bundle of the lab acme, for a colleague or a vendor
scimlab export --lab acme --bundle acme.scimlab.zip
# the last hour's failed Entra requests as HAR, for the browser's developer tools
scimlab export --lab acme --har entra-failures.har --since 1h --idp entra --failed
# a database file given by path
scimlab export --db ./customer.db --har customer.har`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if (o.HAR == "") == (o.Bundle == "") {
				return usagef(cmd, "give one of --har FILE or --bundle FILE")
			}
			if err := l.apply(cmd, false); err != nil {
				return err
			}
			if err := chooseDatabase(cmd, &o.Lab, &o.DB); err != nil {
				return err
			}
			f, err := reqs.filter(time.Now())
			if err != nil {
				return usageError(cmd, err)
			}
			o.Requests = f
			return run(h.Export(cmd.Context(), o))
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&o.Lab, "lab", "", labFlagText)
	fs.StringVar(&o.DB, "db", store.DefaultPath(), "the SQLite database FILE to export (not with --lab)")
	fs.StringVar(&o.HAR, "har", "", "write the request log as HAR 1.2 to FILE, for browser developer tools and HAR viewers")
	fs.StringVar(&o.Bundle, "bundle", "", "write a support bundle to FILE (a zip): requests, users, groups, settings and a summary")
	reqs.add(fs)
	completeFiles(fs, "db", "har", "bundle")
	completeLabs(fs, "lab")
	return cmd
}

// requestFlags are the filters of the request log export shares with log.
type requestFlags struct {
	since, idp string
	failed     bool
}

func (r *requestFlags) add(fs *pflag.FlagSet) {
	fs.StringVar(&r.since, "since", "", "only requests from the last DURATION (90s, 15m, 2h, 3d) or since a TIME (RFC 3339, or local 2006-01-02[T15:04:05])")
	fs.StringVar(&r.idp, "idp", "", "only requests from IDP: okta, entra or unknown")
	fs.BoolVar(&r.failed, "failed", false, "only requests answered with status 400 or above")
	completeWords(fs, "idp", "okta", "entra", "unknown")
}

func (r *requestFlags) filter(now time.Time) (store.RequestFilter, error) {
	f := store.RequestFilter{Failed: r.failed}
	if r.since != "" {
		t, err := logview.ParseSince(r.since, now)
		if err != nil {
			return f, err
		}
		f.Since = t
	}
	if strings.TrimSpace(r.idp) != "" {
		p, ok := exchange.ParseIdP(r.idp)
		if !ok {
			return f, fmt.Errorf("--idp accepts okta, entra or unknown, not %q", strings.TrimSpace(r.idp))
		}
		f.IdP, f.OnlyIdP = p, true
	}
	return f, nil
}

// ImportOptions are the parsed "scimlab import" command line.
type ImportOptions struct {
	// Bundle is the support bundle to load, Lab the lab to create.
	Bundle, Lab string
	// Force replaces the lab if it exists.
	Force bool
}

func newImport(h Handlers) *cobra.Command {
	var o ImportOptions
	cmd := &cobra.Command{
		Use:   "import BUNDLE --lab NAME",
		Short: "Load a support bundle into a new lab",
		Long: reflow(`Loads a support bundle written by "scimlab export" into a new lab, which then shows exactly
what the exported one showed: the same requests with their numbers, times and readings,
users, groups, what the app holds besides (deleted ones kept, independent accounts, its
admin's actions), the profile, the fault rules and the walkthroughs' progress. The new lab
gets its own token on its first start.

A lab that exists is never replaced without --force, nor one a scimlab is serving. A
damaged, truncated or newer bundle, or one whose profile or fault rules this scimlab
cannot play, is refused and nothing is written.
` + exitStatus("the lab was created", "the bundle was refused, the lab exists or is being served, or the lab could not be written") +
			environment("XDG_DATA_HOME", "where scimlab keeps the labs")),
		Example: `scimlab import acme.scimlab.zip --lab acme
# then open it
scimlab --lab acme
# load a newer capture over the lab acme
scimlab import acme-2.scimlab.zip --lab acme --force`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usagef(cmd, "name the bundle and the lab to create, e.g. scimlab import acme.scimlab.zip --lab acme")
			}
			return nil
		},
		ValidArgsFunction: func(*cobra.Command, []string, string) ([]cobra.Completion, cobra.ShellCompDirective) {
			return nil, cobra.ShellCompDirectiveDefault // the bundle is a file
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.Lab == "" {
				return usagef(cmd, "name the bundle and the lab to create, e.g. scimlab import %s --lab acme", args[0])
			}
			if err := lab.ValidName(o.Lab); err != nil {
				return usageError(cmd, err)
			}
			o.Bundle = args[0]
			return run(h.Import(cmd.Context(), o))
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&o.Lab, "lab", "", "the NAME of the new lab to load the bundle into (required)")
	fs.BoolVar(&o.Force, "force", false, "replace the lab if it exists (never one a scimlab is serving)")
	return cmd
}

// ReplayOptions are the parsed "scimlab replay" command line.
type ReplayOptions struct {
	// FromLab or Bundle holds the recorded requests; exactly one is given.
	FromLab, Bundle string
	// Target, Token and TokenHeader are a SCIM server to replay against; else ToLab is
	// a lab to start for the replay, with Profile and Strict.
	Target, Token, TokenHeader string
	ToLab, Profile             string
	Strict                     bool
	// JSON prints the report as one JSON document.
	JSON bool
}

func newReplay(env IO, h Handlers) *cobra.Command {
	var o ReplayOptions
	cmd := &cobra.Command{
		Use:   "replay (--lab NAME | --bundle FILE) (--target URL --token TOKEN | --to-lab NAME)",
		Short: "Send a lab's recorded requests again and report the answers that differ",
		Long: reflow(`Sends a lab's or a support bundle's recorded requests again, in order, following the ids
the target assigns, and reports each request whose answer differs: another status, or
another body (ids, meta, timestamps and versions ignored), then a summary line. This is
how a fix is proven against a customer's capture.

It replays against any SCIM server (--target and --token), or against a lab served for
the replay (--to-lab, created if new). A new --to-lab lab plays the profile the recording
was made with, unless --profile names another, to see what another app answers. Requests
refused for authentication, or answered by a fault rule, when recorded are reported, not
sent.
` + exitStatus("every answer was the same", "an answer differed (the report says which), or the replay could not run") +
			environment(
				"SCIMLAB_TOKEN", "the token for --target when --token is not given",
				"NO_COLOR", "no colours, even on a terminal",
			)),
		Example: `# a customer's capture against a fresh lab: the same answers?
scimlab replay --bundle acme.scimlab.zip --to-lab acme-check
# the same requests against another app's profile
scimlab replay --lab acme --to-lab acme-generic --profile generic
# against your own SCIM app, with a report for a script
scimlab replay --lab acme --target https://app.example.com/scim/v2 --token "$TOKEN" --json > replay.json`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.Target != "" && o.Token == "" {
				o.Token = env.Getenv("SCIMLAB_TOKEN")
			}
			if err := checkReplay(o); err != nil {
				return usageError(cmd, err)
			}
			return run(h.Replay(cmd.Context(), o))
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&o.FromLab, "lab", "", "replay the requests recorded in the lab NAME")
	fs.StringVar(&o.Bundle, "bundle", "", "replay the requests of the support bundle FILE")
	fs.StringVar(&o.Target, "target", "", "the SCIM base URL of the server to replay against, ending in /scim/v2")
	fs.StringVar(&o.Token, "token", "", "the bearer TOKEN the --target server expects (default: $SCIMLAB_TOKEN)")
	fs.StringVar(&o.TokenHeader, "token-header", "", "the HEADER the --target server reads the token from, alone (default: Authorization: Bearer)")
	fs.StringVar(&o.ToLab, "to-lab", "", "replay against a scimlab serving the lab NAME, started for the replay (created if new)")
	fs.BoolVar(&o.Strict, "strict", false, "serve the --to-lab lab in strict RFC mode")
	fs.StringVar(&o.Profile, "profile", "", "the app the --to-lab lab plays: a built-in profile NAME or a profile FILE "+
		"(default: a new lab plays the recording's profile, an existing one its own)")
	fs.BoolVar(&o.JSON, "json", false, "print the report as one JSON document")
	completeFiles(fs, "bundle")
	completeLabs(fs, "lab", "to-lab")
	completeWords(fs, "profile", append(profile.Names(), filesToo)...)
	return cmd
}

// checkReplay refuses a replay that cannot be what was meant, before anything is
// opened or started.
func checkReplay(o ReplayOptions) error {
	switch {
	case (o.FromLab == "") == (o.Bundle == ""):
		return fmt.Errorf("give one of --lab NAME or --bundle FILE: the recorded requests to replay")
	case (o.Target == "") == (o.ToLab == ""):
		return fmt.Errorf("give one of --target URL or --to-lab NAME: where to replay")
	case o.ToLab != "" && (o.Token != "" || o.TokenHeader != ""):
		return fmt.Errorf("--token and --token-header go with --target; the --to-lab lab has its own")
	case o.Target != "" && o.Strict:
		return fmt.Errorf("--strict applies to the --to-lab lab; start your own scimlab with --strict and pass --target")
	case o.Target != "" && o.Profile != "":
		return fmt.Errorf("--profile applies to the --to-lab lab; start your own scimlab with --profile and pass --target")
	case o.ToLab != "" && o.ToLab == o.FromLab:
		return fmt.Errorf("replaying a lab into itself would mix the replay with its recording; name another --to-lab")
	case o.Target != "" && o.Token == "":
		return fmt.Errorf("--target needs --token (or $SCIMLAB_TOKEN)")
	}
	for _, name := range []string{o.FromLab, o.ToLab} {
		if name != "" {
			if err := lab.ValidName(name); err != nil {
				return err
			}
		}
	}
	return nil
}

// completeLabs offers the names of the labs there are for the flags' values.
func completeLabs(fs *pflag.FlagSet, names ...string) {
	for _, n := range names {
		_ = fs.SetAnnotation(n, labsAnnotation, []string{"true"})
	}
}

// labsAnnotation marks a flag whose value is a lab's name, for registerCompletions.
const labsAnnotation = "scimlab_labs"

// labNames are the labs there are, for a shell completing --lab.
func labNames(*cobra.Command, []string, string) ([]cobra.Completion, cobra.ShellCompDirective) {
	names, _ := lab.DefaultDir().Names()
	return names, cobra.ShellCompDirectiveNoFileComp
}
