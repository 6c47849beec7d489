package cli

import (
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/scimlab/scimlab/app"
	"github.com/scimlab/scimlab/config"
	"github.com/scimlab/scimlab/fault"
	"github.com/scimlab/scimlab/profile"
	"github.com/scimlab/scimlab/scimserver"
	"github.com/scimlab/scimlab/store"
)

// newRoot is "scimlab": with no command it opens the console in front of the server.
func newRoot(env IO, l *layers, h Handlers) *cobra.Command {
	var o app.Options
	root := &cobra.Command{
		Use:   "scimlab",
		Short: "A SCIM 2.0 server for rehearsing Okta and Microsoft Entra ID provisioning",
		Long: reflow(`scimlab is a SCIM 2.0 server for rehearsing Okta and Microsoft Entra ID provisioning.
With no command it starts the server and opens the live console in front of it: every
request the IdP sends, with what it means and what to change. "scimlab serve" runs the
same server without the console. Each rehearsal can keep a lab of its own (--lab NAME):
"scimlab labs" lists them, and export, import and replay hand them over and play them again.

Settings come from the flags, then the environment (SCIMLAB_*, NGROK_AUTHTOKEN), then
the config file (config.yaml in scimlab's config directory, ~/.config/scimlab on Linux; "scimlab doctor" shows where), then the defaults: docs/cli.md has the table.
` + exitStatus("the console was closed", "the server could not start, or stopped on an error") +
			environment(settingVars(settingKeys()...)...)),
		Example: `# open the console: base URL and token to paste into Okta or Entra, then every request
scimlab
# a lab of its own for one customer's rehearsal, kept apart from the others
scimlab --lab acme
# the same server without the console, on another port, refusing IdP quirks
scimlab serve --listen 127.0.0.1:9000 --strict
# what was recorded, as JSON lines
scimlab log --json
# play Entra's provisioning against a throw-away server
scimlab simulate entra
# hand a lab over as a support bundle
scimlab export --lab acme --bundle acme.scimlab.zip
# what this machine gives scimlab, with the fix for each problem
scimlab doctor`,
		Args: unknownCommand,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := startOptions(cmd, l, &o); err != nil {
				return err
			}
			return run(h.Console(cmd.Context(), o))
		},
	}
	appFlags(root.Flags(), &o)
	root.SetVersionTemplate("{{.Version}}\n")
	// Before the completion command is made: cobra's takes the output stream then.
	root.SetIn(env.Stdin)
	root.SetOut(env.Stdout)
	root.SetErr(env.Stderr)
	root.AddCommand(
		newServe(l, h),
		newLog(env, l, h),
		newSimulate(env, h),
		newDoctor(l, h),
		newLabs(h),
		newExport(l, h),
		newImport(h),
		newReplay(env, h),
		newVersion(),
	)
	root.InitDefaultCompletionCmd()
	for _, c := range root.Commands() {
		if c.Name() == "completion" {
			describeCompletion(c)
		}
	}
	registerCompletions(root)
	return root
}

func newServe(l *layers, h Handlers) *cobra.Command {
	var o app.Options
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the SCIM server headless, without the console; logs go to stderr",
		Long: reflow(`Runs the SCIM 2.0 server without the console: it prints the base URL and the token to
give Okta or Entra, then one log line per request on stderr, until Ctrl+C or SIGTERM.
It takes the same flags as the console.
` + exitStatus("stopped by Ctrl+C or SIGTERM", "the server could not start (port in use, database damaged or served by another scimlab), or stopped on an error") +
			environment(settingVars(settingKeys()...)...)),
		Example: `# on the default port, tunnel from NGROK_AUTHTOKEN if set
scimlab serve
# local only, on a free port, with a database of its own
scimlab serve --no-tunnel --listen 127.0.0.1:0 --db ./customer.db
# the lab class-3, created on first use
scimlab serve --lab class-3
# play ThingLink's SCIM app, and answer the first two user creations with Okta's rate limit
scimlab serve --profile thinglink --fault "POST /Users 429 retry-after=30 times=2"`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := startOptions(cmd, l, &o); err != nil {
				return err
			}
			return run(h.Serve(cmd.Context(), o))
		},
	}
	appFlags(cmd.Flags(), &o)
	return cmd
}

// startOptions completes the options of a start (console or serve) from the
// environment and the config file and checks them.
func startOptions(cmd *cobra.Command, l *layers, o *app.Options) error {
	if err := l.apply(cmd, false); err != nil {
		return err
	}
	if err := chooseDatabase(cmd, &o.Lab, &o.DB); err != nil {
		return err
	}
	if err := o.Validate(); err != nil {
		return usageError(cmd, err)
	}
	return nil
}

// appFlags declares the flags of a start, shared by the console and serve. A value's
// name is in capitals in its text: the help and the man page show the text as it is.
func appFlags(fs *pflag.FlagSet, o *app.Options) {
	fs.StringVar(&o.Listen, "listen", "127.0.0.1:8080", "the address to listen on, HOST:PORT (port 0 picks a free one)")
	fs.StringVar(&o.Token, "token", "", "the bearer TOKEN the IdP must send (default: $SCIMLAB_TOKEN, else the one stored in the database, made on the first start)")
	fs.StringVar(&o.DB, "db", store.DefaultPath(), "the SQLite database FILE (not with --lab); the request log is kept beside it, in the same name with .log.db")
	fs.StringVar(&o.Lab, "lab", "", labFlagText+"; created on first use")
	fs.BoolVar(&o.NoTunnel, "no-tunnel", false, "run no tunnel (no ngrok), even with a token; a --public-url still stands")
	fs.BoolVar(&o.Strict, "strict", false, "refuse IdP quirks the way a strict RFC 7644 server would")
	fs.Int64Var(&o.MaxBody, "max-body", scimserver.DefaultMaxBodyBytes, "the largest request body accepted, in BYTES (larger ones get 413)")
	fs.IntVar(&o.LogRetention, "log-retention", scimserver.DefaultLogRetention, "the number N of newest requests the request log keeps")
	fs.Var((*ageValue)(&o.LogMaxAge), "log-max-age", "drop logged requests older than AGE (90m, 12h, 7d; default 0: keep them until --log-retention pushes them out)")
	fs.StringVar(&o.NgrokToken, "ngrok-token", "", "the ngrok auth TOKEN (default: $NGROK_AUTHTOKEN, else the one saved from the console)")
	fs.StringVar(&o.Domain, "domain", "", "a reserved or static ngrok DOMAIN to publish on; remembered for the next start")
	fs.StringVar(&o.PublicURL, "public-url", "", "the public base URL of your own reverse proxy or tunnel, shown instead of the local one")
	fs.StringVar(&o.TunnelMode, "tunnel", "", "tunnel KIND: \"loopback\" publishes on a second local port, to try the tunnel path without ngrok")
	fs.StringVar(&o.Profile, "profile", "", "the app NAME or FILE to play: "+strings.Join(profile.Names(), ", ")+", or a profile file (default: the one stored in the database, else generic)")
	fs.StringVar(&o.Seed, "seed", "", "put the users and groups of a CSV or JSON FILE into the lab at start (those already there are kept)")
	fs.StringArrayVar(&o.Faults, "fault", nil, "fault RULE making matching requests fail, e.g. \"POST /Users 429 retry-after=30 times=2\" (repeatable; see docs/faults.md)")
	fs.StringVar(&o.FaultsFile, "faults", "", "a FILE of fault rules, one per line; with --fault, replaces the rules saved in the database")
	fs.BoolVar(&o.NoFaults, "no-faults", false, "start without fault rules, clearing those saved in the database")
	fs.Uint64Var(&o.FaultSeed, "fault-seed", fault.DefaultSeed, "the SEED that decides which requests a percent= fault rule fails")
	completeFiles(fs, "db", "faults", "seed")
	completeLabs(fs, "lab")
	completeWords(fs, "tunnel", "loopback")
	// A profile is a built-in name or a file: the names are offered, and files too.
	completeWords(fs, "profile", append(profile.Names(), filesToo)...)
}

func newVersion() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version, commit and date of this scimlab",
		Long: reflow(`Prints which scimlab this is: the version, the commit and its date, the Go version and the
platform, on one line. "scimlab --version" prints the same.
` + exitStatus("the version was printed", "")),
		Example: `scimlab version`,
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			fmt.Fprintln(cmd.OutOrStdout(), cmd.Root().Version)
			return nil
		},
	}
}

// describeCompletion gives cobra's "completion" command scimlab's kind of help, and
// makes a missing or unknown shell a usage error rather than a page of help.
func describeCompletion(c *cobra.Command) {
	shells := []string{}
	for _, sub := range c.Commands() {
		shells = append(shells, sub.Name())
	}
	c.Short = "Print the shell completion script for bash, zsh, fish or powershell"
	c.Long = reflow(`Prints the script that makes your shell complete scimlab's commands, flags and values
(profile names, IdPs, scenario names, files). "scimlab completion SHELL --help" says how to
load it for good; the release archives carry the scripts in completions/.
` + exitStatus("the script was printed", "the script could not be written") + `
`)
	c.Example = `# try it in this bash session
source <(scimlab completion bash)
# for every new zsh session
scimlab completion zsh > "${fpath[1]}/_scimlab"
scimlab completion fish > ~/.config/fish/completions/scimlab.fish
scimlab completion powershell | Out-String | Invoke-Expression`
	c.Args = func(cmd *cobra.Command, args []string) error {
		if len(args) == 0 {
			return usagef(cmd, "name the shell: %s", strings.Join(shells, ", "))
		}
		return usagef(cmd, "unknown shell %q: use %s", args[0], strings.Join(shells, ", "))
	}
	c.RunE = func(*cobra.Command, []string) error { return nil }
}

// unknownCommand refuses a word the console was given that names no command.
func unknownCommand(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	msg := fmt.Sprintf("unknown command %q", args[0])
	if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
		msg += fmt.Sprintf(" (did you mean %s?)", strings.Join(s, " or "))
	}
	return usagef(cmd, "%s", msg)
}

func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usagef(cmd, "unexpected argument %q: %s takes flags only", args[0], cmd.CommandPath())
	}
	return nil
}

// exitStatus is the help's paragraph on exit statuses: ok says when a command exits
// 0, failed when 1 (none: it does not fail); 2 is always a command line, environment variable or config file
// that could not be understood.
func exitStatus(ok, failed string) string {
	lines := "\nExit status:\n  0  " + ok + "\n"
	if failed != "" {
		lines += "  1  " + failed + "\n"
	}
	return lines + "  2  usage error: a bad command, flag or value, or a bad SCIMLAB_* variable or config file\n"
}

// environment is the help's paragraph on environment variables, given as name, what.
func environment(pairs ...string) string {
	var b strings.Builder
	b.WriteString("\nEnvironment:\n")
	for i := 0; i+1 < len(pairs); i += 2 {
		fmt.Fprintf(&b, "  %-22s %s\n", pairs[i], pairs[i+1])
	}
	return b.String()
}

// settingKeys are the keys of every setting.
func settingKeys() []string {
	var keys []string
	for _, s := range config.Settings {
		keys = append(keys, s.Key)
	}
	return keys
}

// settingVars are the environment variables of the settings with the keys, as the
// name-and-what pairs environment takes.
func settingVars(keys ...string) []string {
	var pairs []string
	for _, k := range keys {
		s, ok := config.Lookup(k)
		if !ok {
			panic("no setting " + k)
		}
		what := "--" + k + " when not given"
		if !s.Secret {
			what += "; else \"" + k + ":\" in the config file"
		}
		pairs = append(pairs, s.Env, what)
	}
	return pairs
}

func completeFiles(fs *pflag.FlagSet, names ...string) {
	for _, n := range names {
		_ = fs.SetAnnotation(n, cobra.BashCompFilenameExt, []string{})
	}
}

// completeWords offers words for a flag's value to the shell completions.
func completeWords(fs *pflag.FlagSet, name string, words ...string) {
	_ = fs.SetAnnotation(name, wordsAnnotation, words)
}

// wordsAnnotation holds a flag's completion words until the flag's command is known
// (cobra registers value completions per command).
const wordsAnnotation = "scimlab_words"

// filesToo among a flag's completion words offers file names as well.
const filesToo = "\x00files"

// registerCompletions registers the completion words of every flag of cmd and its
// subcommands.
func registerCompletions(cmd *cobra.Command) {
	cmd.Flags().VisitAll(func(f *pflag.Flag) {
		if _, ok := f.Annotations[labsAnnotation]; ok {
			_ = cmd.RegisterFlagCompletionFunc(f.Name, labNames)
			return
		}
		words, ok := f.Annotations[wordsAnnotation]
		if !ok {
			return
		}
		directive := cobra.ShellCompDirectiveNoFileComp
		if i := slices.Index(words, filesToo); i >= 0 {
			words, directive = slices.Delete(slices.Clone(words), i, i+1), cobra.ShellCompDirectiveDefault
		}
		_ = cmd.RegisterFlagCompletionFunc(f.Name, cobra.FixedCompletions(words, directive))
	})
	for _, sub := range cmd.Commands() {
		registerCompletions(sub)
	}
}

// reflow joins the lines of each paragraph of a help text into one line, so the help
// wraps it to the terminal's width and the man page keeps it one paragraph. Indented
// lines (lists) and lines ending in ":" (headings) stay as they are.
func reflow(text string) string {
	var out []string
	joinable := false
	for _, line := range strings.Split(strings.TrimSpace(text), "\n") {
		switch {
		case line == "":
			out = append(out, "")
			joinable = false
		case strings.HasPrefix(line, " ") || strings.HasSuffix(line, ":"):
			out = append(out, line)
			joinable = false
		case joinable:
			out[len(out)-1] += " " + line
		default:
			out = append(out, line)
			joinable = true
		}
	}
	return strings.Join(out, "\n")
}
