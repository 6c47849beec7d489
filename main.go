// Command scimlab is a SCIM 2.0 server for rehearsing Okta and Microsoft Entra ID
// provisioning: it accepts what the identity providers send, stores it in one SQLite
// file and records every request so an admin can see exactly what happened.
//
// This file holds the command line only: flags, subcommands and what serve prints.
// The running program is package app; the console is package tui.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"github.com/charmbracelet/x/term"

	"github.com/scimlab/scimlab/app"
	"github.com/scimlab/scimlab/doctor"
	"github.com/scimlab/scimlab/exchange"
	"github.com/scimlab/scimlab/fault"
	"github.com/scimlab/scimlab/idp/sim"
	"github.com/scimlab/scimlab/lab"
	"github.com/scimlab/scimlab/logview"
	"github.com/scimlab/scimlab/profile"
	"github.com/scimlab/scimlab/scimserver"
	"github.com/scimlab/scimlab/store"
	"github.com/scimlab/scimlab/tui"
	"github.com/scimlab/scimlab/tunnel"
)

// Set by release builds with -ldflags -X (see .goreleaser.yaml); empty in a go build,
// go run or go install, where versionString falls back to the build information.
var (
	version = ""
	commit  = ""
	date    = ""
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		if !errors.Is(err, errUsage) && !errors.Is(err, flag.ErrHelp) && !errors.Is(err, errSimulationFailed) && !errors.Is(err, errDoctorFound) &&
			!errors.Is(err, errReplayDiffers) {
			fmt.Fprintln(os.Stderr, "scimlab:", err)
		}
		if errors.Is(err, errUsage) {
			os.Exit(2)
		}
		if !errors.Is(err, flag.ErrHelp) {
			os.Exit(1)
		}
	}
}

// errUsage marks a command line that could not be understood; usage was printed.
var errUsage = errors.New("usage")

const usage = `scimlab: a SCIM 2.0 server for rehearsing Okta and Microsoft Entra ID provisioning

Usage:
  scimlab [flags]         start the SCIM server and open the live console
  scimlab serve [flags]   run the SCIM server headless (no console); logs go to stderr
  scimlab log [flags]     print the recorded requests (JSON lines with --json)
  scimlab simulate okta|entra [flags]
                          play Okta or Entra against a SCIM server (a throw-away scimlab by default)
  scimlab doctor [flags]  check what scimlab needs here: paths, database, labs, tunnel, terminal, port
  scimlab labs            list the labs (one database per rehearsal; --lab NAME picks one)
  scimlab export [flags]  write a lab's requests as HAR, or the lab as a support bundle
  scimlab import BUNDLE --lab NAME
                          load a support bundle into a new lab
  scimlab replay [flags]  send a lab's recorded requests again and report the answers that differ
  scimlab version         print the version

The console and serve take the same flags: "scimlab serve -h" lists them.
"scimlab COMMAND -h" lists the flags of the other commands.
`

// run is the whole program; main only supplies the process's context, arguments,
// environment and streams, so tests can run it in-process.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") && !isHelpOrVersion(args[0]) {
		return runConsole(ctx, args, getenv, stdin, stdout, stderr)
	}
	switch args[0] {
	case "serve":
		return runServe(ctx, args[1:], getenv, stdout, stderr)
	case "log":
		return runLog(ctx, args[1:], getenv, stdout, stderr)
	case "simulate":
		return runSimulate(ctx, args[1:], getenv, stdout, stderr)
	case "doctor":
		return runDoctor(ctx, args[1:], getenv, stdout, stderr)
	case "labs":
		return runLabs(ctx, args[1:], stdout, stderr)
	case "export":
		return runExport(ctx, args[1:], getenv, stdout, stderr)
	case "import":
		return runImport(ctx, args[1:], stdout, stderr)
	case "replay":
		return runReplay(ctx, args[1:], getenv, stdout, stderr)
	case "version", "--version", "-version":
		fmt.Fprintln(stdout, versionString())
		return nil
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprintf(stderr, "scimlab: unknown command %q\n\n%s", args[0], usage)
	return errUsage
}

// isHelpOrVersion tells the flags that print something and exit from the console's
// own flags, so "scimlab --listen :9000" opens the console but "scimlab -h" helps.
func isHelpOrVersion(arg string) bool {
	switch arg {
	case "-h", "-help", "--help", "--version", "-version":
		return true
	}
	return false
}

// versionString says which scimlab this is: version, commit and the commit's date, and
// the Go toolchain and platform, on one line.
func versionString() string {
	bi, _ := debug.ReadBuildInfo()
	return formatVersion(version, commit, date, bi)
}

// formatVersion prefers what a release build set with -ldflags and fills the gaps from
// the build information the Go toolchain records: go install names the module version,
// and a build in a git checkout records the commit unless VCS stamping was off
// (-buildvcs=false, or a git worktree, which the go command does not stamp), in which
// case it says the commit was not recorded rather than guess.
func formatVersion(v, c, d string, bi *debug.BuildInfo) string {
	goVersion := runtime.Version()
	modified := false
	if bi != nil {
		if v == "" {
			v = bi.Main.Version
		}
		if bi.GoVersion != "" {
			goVersion = bi.GoVersion
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				if c == "" {
					c = s.Value[:min(len(s.Value), 12)]
				}
			case "vcs.time":
				if d == "" {
					d = s.Value
				}
			case "vcs.modified":
				modified = s.Value == "true"
			}
		}
	}
	if v == "" {
		v = "(devel)"
	}
	about := "commit not recorded"
	if c != "" {
		about = "commit " + c
	}
	if d != "" {
		about += " of " + d
	}
	if modified {
		about += ", with local changes"
	}
	return fmt.Sprintf("scimlab %s (%s, %s %s/%s)", v, about, goVersion, runtime.GOOS, runtime.GOARCH)
}

// addAppFlags declares the flags shared by the console and serve on fs.
func addAppFlags(fs *flag.FlagSet, o *app.Options) {
	fs.StringVar(&o.Listen, "listen", "127.0.0.1:8080", "address to listen on, `HOST:PORT` (port 0 picks a free one)")
	fs.StringVar(&o.Token, "token", "", "bearer `TOKEN` clients must send (default: $SCIMLAB_TOKEN, else the token stored in the database, generated on first start)")
	fs.StringVar(&o.DB, "db", store.DefaultPath(), "SQLite database `FILE` (not with --lab)")
	fs.StringVar(&o.Lab, "lab", "", labFlagUsage+"; created on first use")
	fs.BoolVar(&o.NoTunnel, "no-tunnel", false, "run no tunnel (no ngrok), even with a token; a --public-url still stands")
	fs.BoolVar(&o.Strict, "strict", false, "refuse IdP quirks the way a strict RFC 7644 server would")
	fs.Int64Var(&o.MaxBody, "max-body", scimserver.DefaultMaxBodyBytes, "largest request body accepted, in `BYTES` (larger ones get 413)")
	fs.IntVar(&o.LogRetention, "log-retention", scimserver.DefaultLogRetention, "number of newest requests the request log keeps (`N`)")
	fs.StringVar(&o.NgrokToken, "ngrok-token", "", "ngrok auth `TOKEN` (default: $NGROK_AUTHTOKEN, else the one saved in scimlab's config file)")
	fs.StringVar(&o.Domain, "domain", "", "reserved or static ngrok `DOMAIN` to publish on; remembered for the next start")
	fs.StringVar(&o.PublicURL, "public-url", "", "public base `URL` of your own reverse proxy or tunnel, shown instead of the local one")
	fs.StringVar(&o.TunnelMode, "tunnel", "", "tunnel `KIND`: \"loopback\" publishes on a second local port, for trying the tunnel path without ngrok")
	fs.StringVar(&o.Profile, "profile", "", "app `NAME|FILE` to play: "+strings.Join(profile.Names(), ", ")+", or a profile file (default: the one stored in the database, else generic)")
	fs.StringVar(&o.Seed, "seed", "", "put the users and groups of a CSV or JSON `FILE` into the lab at start (those already there are kept)")
	fs.Var((*repeated)(&o.Faults), "fault", "fault `RULE` making matching requests fail, e.g. \"POST /Users 429 retry-after=30 times=2\" (repeatable; see docs/faults.md)")
	fs.StringVar(&o.FaultsFile, "faults", "", "`FILE` of fault rules, one per line; with --fault, replaces the rules saved in the database")
	fs.BoolVar(&o.NoFaults, "no-faults", false, "start without fault rules, clearing those saved in the database")
	fs.Uint64Var(&o.FaultSeed, "fault-seed", fault.DefaultSeed, "`SEED` that decides which requests a percent= fault rule fails")
}

// repeated is a flag that may be given several times; each value is kept in order.
type repeated []string

func (r *repeated) String() string { return strings.Join(*r, "; ") }

func (r *repeated) Set(v string) error {
	*r = append(*r, v)
	return nil
}

func parseServeFlags(args []string, stderr io.Writer) (app.Options, error) {
	var o app.Options
	fs := flag.NewFlagSet("scimlab serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addAppFlags(fs, &o)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), "Usage: scimlab serve [flags]\n\nRuns the SCIM 2.0 server headless and prints the base URL and token to give Okta or Entra.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := parseCommandFlags(fs, args, stderr); err != nil {
		return o, err
	}
	if err := resolveDB(fs, &o.Lab, &o.DB, stderr); err != nil {
		return o, err
	}
	return o, o.Validate()
}

// parseCommandFlags parses a subcommand's flags, which take no positional arguments.
// It returns flag.ErrHelp for -h and errUsage for anything it cannot parse.
func parseCommandFlags(fs *flag.FlagSet, args []string, stderr io.Writer) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "%s: unexpected argument %q\n", fs.Name(), fs.Arg(0))
		fs.Usage()
		return errUsage
	}
	return nil
}

// runConsole is what a bare "scimlab" does: the same server as "scimlab serve", with
// the full-screen console in front of it.
func runConsole(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	var o app.Options
	fs := flag.NewFlagSet("scimlab", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addAppFlags(fs, &o)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), usage+"\nConsole flags (the same as serve's):\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "scimlab: unknown command %q\n\n%s", fs.Arg(0), usage)
		return errUsage
	}
	if err := resolveDB(fs, &o.Lab, &o.DB, stderr); err != nil {
		return err
	}
	o.Version = versionString()
	if err := o.Validate(); err != nil {
		return err
	}
	if !isTerminal(stdin) || !isTerminal(stdout) {
		return errNoTerminal
	}
	return runConsoleSession(ctx, o, getenv, stdout, stderr, tui.Run)
}

// runConsoleSession starts the server with its diagnostics in the console log and runs
// ui, the full-screen console, in front of it until the user quits or ctx ends.
func runConsoleSession(ctx context.Context, o app.Options, getenv func(string) string, stdout, stderr io.Writer,
	ui func(context.Context, tui.Deps) error) error {
	// The console owns the terminal, so diagnostics go to a file.
	consoleLog := app.OpenConsoleLog(app.ConsoleLogPath())
	if consoleLog.Warning != "" {
		// Printed before the console takes the screen; it is there again after quitting.
		fmt.Fprintln(stderr, "scimlab: warning:", consoleLog.Warning)
	}
	defer consoleLog.Close()
	logger := consoleLog.Logger()

	a, err := app.Start(ctx, o, getenv, logger)
	if err != nil {
		return err
	}
	defer a.Close()

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	watched := make(chan struct{})
	go func() {
		defer close(watched)
		// The server stopping under the console (it should not) ends the console
		// rather than leaving a screen that no longer reflects anything.
		if err := <-a.Done(); err != nil {
			logger.Error("the HTTP server stopped", "err", err)
		}
		cancel()
	}()

	err = ui(ctx, a.ConsoleDeps(ctx, logger))
	a.Close()
	<-watched
	if consoleLog.Path != "" {
		fmt.Fprintf(stdout, "scimlab stopped. The log of this session is in %s\n", consoleLog.Path)
	} else {
		fmt.Fprintln(stdout, "scimlab stopped.")
	}
	return err
}

// errNoTerminal is checked before anything starts, so a bare "scimlab" in a pipe or a
// script says what to do instead of failing half-way through opening the screen.
var errNoTerminal = errors.New(`the console needs a terminal; run "scimlab serve" for the headless server (same flags)`)

func isTerminal(stream any) bool {
	f, ok := stream.(*os.File)
	return ok && term.IsTerminal(f.Fd())
}

func runServe(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	o, err := parseServeFlags(args, stderr)
	if err != nil {
		return err
	}
	logger := slog.New(slog.NewTextHandler(stderr, nil))

	a, err := app.Start(ctx, o, getenv, logger)
	if err != nil {
		return err
	}
	events, cancelEvents := a.Subscribe(1024)
	logged := make(chan struct{})
	go func() {
		defer close(logged)
		logEvents(logger, events)
	}()

	shown := printBanner(stdout, a, o.Strict)
	tunnelCtx, stopTunnelReport := context.WithCancel(context.Background())
	tunnelDone := make(chan struct{})
	go func() {
		defer close(tunnelDone)
		reportTunnel(stdout, a, a.TunnelChanges(tunnelCtx), shown)
	}()

	var runErr error
	select {
	case <-ctx.Done():
		logger.Info("shutting down")
	case err := <-a.Done():
		runErr = fmt.Errorf("the HTTP server stopped: %w", err)
	}
	a.Close()
	stopTunnelReport()
	cancelEvents()
	<-logged
	<-tunnelDone
	if runErr != nil {
		return runErr
	}
	fmt.Fprintln(stdout, "scimlab stopped.")
	return nil
}

// reportTunnel prints each tunnel state change until the tunnel closes, so a script or
// an admin watching serve's output learns when the public URL is up or why it is not.
// It starts from the state the banner printed, so a change between the two is printed too.
func reportTunnel(w io.Writer, a *app.App, changes <-chan tunnel.Status, last tunnel.Status) {
	for st := range changes {
		if st.State == last.State && st.PublicURL == last.PublicURL && st.Reason == last.Reason {
			continue
		}
		last = st
		fmt.Fprintf(w, "tunnel: %s\n", st.String())
		if st.State == tunnel.Online && st.PublicURL != "" {
			fmt.Fprintf(w, "  Public SCIM base URL  %s\n", a.PublicBaseURL())
		}
		if warn := a.URLWarning(); warn != "" {
			fmt.Fprintf(w, "  warning: %s\n", warn)
		}
	}
}

// printBanner prints what to paste into the IdP and returns the tunnel state it showed.
func printBanner(w io.Writer, a *app.App, strict bool) tunnel.Status {
	mode := "tolerant (accepts Okta's and Entra's known quirks)"
	if strict {
		mode = "strict (refuses anything RFC 7644 does not allow)"
	}
	tokenNote := ""
	if a.TokenGenerated() {
		tokenNote = "  (new; stored in the database and reused on the next start)"
	}
	st := a.TunnelStatus()
	fmt.Fprintf(w, `scimlab is serving SCIM 2.0
  SCIM base URL  %s
  Local URL      %s
  Token          %s%s
  Okta:   SCIM connector base URL = the base URL, API Token = the token (authentication mode: HTTP Header)
  Entra:  Tenant URL = the base URL, Secret Token = the token
  Mode           %s
  Profile        %s
  Database       %s%s
  tunnel: %s
%s  Try it:        curl -H "%s" %s/Users
Press Ctrl+C to stop.
`, a.BaseURL(), a.LocalURL(), a.Token(), tokenNote, mode, profileLine(a.Profile()), a.DBPath(), labNote(a.Lab()), st.String(), faultBanner(a), tokenHeaderLine(a.Profile(), a.Token()), a.LocalURL())
	for _, l := range a.Profile().Summary() {
		fmt.Fprintf(w, "                 · %s\n", l)
	}
	if rep := a.Seeded(); rep != nil {
		fmt.Fprintf(w, "  Seed           %s\n", rep.String())
	}
	if warn := a.TokenWarning(); warn != "" {
		fmt.Fprintf(w, "  warning: %s\n", warn)
	}
	if warn := a.URLWarning(); warn != "" {
		fmt.Fprintf(w, "  warning: %s\n", warn)
	}
	return st
}

// labNote names the lab after the database file in the banner.
func labNote(name string) string {
	if name == "" {
		return ""
	}
	return "  (lab " + name + ")"
}

// faultBanner lists the fault rules in force, so nobody rehearses against an app that
// fails on purpose without knowing it.
func faultBanner(a *app.App) string {
	lines := a.FaultLines()
	if len(lines) == 0 {
		return ""
	}
	var b strings.Builder
	what := fmt.Sprintf("%d fault rules make", len(lines))
	if len(lines) == 1 {
		what = "1 fault rule makes"
	}
	fmt.Fprintf(&b, "  Faults         %s matching requests fail on purpose (fault seed %d):\n", what, a.FaultSeed())
	for _, l := range lines {
		b.WriteString("                   " + l + "\n")
	}
	return b.String()
}

// profileLine names the profile serve plays and where it comes from.
func profileLine(p *profile.Profile) string {
	line := p.Name + " — " + p.Title
	if !p.Builtin() {
		line += " (" + p.Source() + ")"
	}
	return line
}

// tokenHeaderLine is the header to send the token in, for serve's curl example.
func tokenHeaderLine(p *profile.Profile, token string) string {
	if h := p.TokenHeader(); h != "Authorization" {
		return h + ": " + token
	}
	return "Authorization: Bearer " + token
}

func logEvents(logger *slog.Logger, events <-chan exchange.Event) {
	for ev := range events {
		attrs := []any{
			"seq", ev.Seq, "method", ev.Method, "path", ev.Path, "status", ev.Status,
			"duration", ev.Duration.Round(time.Microsecond), "auth", ev.Auth, "remote", ev.RemoteAddr,
		}
		if ev.Query != "" {
			attrs = append(attrs, "query", ev.Query)
		}
		if len(ev.Quirks) > 0 {
			qs := make([]string, len(ev.Quirks))
			for i, q := range ev.Quirks {
				qs[i] = string(q)
			}
			attrs = append(attrs, "quirks", strings.Join(qs, ","))
		}
		if ev.ErrorDetail != "" {
			attrs = append(attrs, "error", ev.ErrorDetail)
		}
		if ev.Fault != nil {
			attrs = append(attrs, "fault", ev.Fault.Rule)
		}
		if ev.Dropped > 0 {
			attrs = append(attrs, "unlogged_before", ev.Dropped)
		}
		logger.Info("request", attrs...)
	}
}

func parseLogFlags(args []string, getenv func(string) string, stdout, stderr io.Writer, now time.Time) (logview.Options, error) {
	var (
		o                    = logview.Options{AllIdPs: true}
		since, idpF, labName string
	)
	fs := flag.NewFlagSet("scimlab log", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.DB, "db", store.DefaultPath(), "SQLite database `FILE` written by scimlab or scimlab serve (not with --lab)")
	fs.StringVar(&labName, "lab", "", labFlagUsage)
	fs.BoolVar(&o.JSON, "json", false, "print one JSON object per line instead of text")
	fs.BoolVar(&o.Follow, "follow", false, "keep printing requests as they are recorded, until Ctrl+C")
	fs.BoolVar(&o.Follow, "f", false, "short for --follow")
	fs.BoolVar(&o.Bodies, "bodies", false, "include request and response headers and bodies (Authorization and passwords stay redacted)")
	fs.BoolVar(&o.Failed, "failed", false, "only requests answered with status 400 or above")
	fs.IntVar(&o.Limit, "limit", logview.DefaultLimit, "print the newest `N` requests, 0 for all; with --since the default is all")
	fs.StringVar(&since, "since", "", "only requests from the last `DURATION` (90s, 15m, 2h, 3d) or since a time (RFC 3339, or local 2006-01-02[T15:04:05])")
	fs.StringVar(&idpF, "idp", "", "only requests from `IDP`: okta, entra or unknown")
	fs.BoolVar(&o.AppActions, "app-actions", false, "print what the app's own admin did in the console (seeding, deactivating, deleting, resetting, switching the profile) instead of the requests")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), "Usage: scimlab log [flags]\n\nPrints the requests scimlab recorded, oldest first, with the IdP, provisioning step,\nstatus and quirks of each; failures are followed by the error and what to change.\nWorks while scimlab is running.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := parseCommandFlags(fs, args, stderr); err != nil {
		return o, err
	}
	if err := resolveDB(fs, &labName, &o.DB, stderr); err != nil {
		return o, err
	}
	if labName != "" && labName != lab.Default {
		if _, err := lab.DefaultDir().Existing(labName); err != nil {
			return o, err
		}
	}
	if o.Limit < 0 {
		return o, fmt.Errorf("--limit must be 0 (all) or a positive number of requests, not %d", o.Limit)
	}
	if o.AppActions && (o.Follow || o.Bodies || o.Failed || strings.TrimSpace(idpF) != "") {
		return o, errors.New("--app-actions lists what the app's admin did; --follow, --bodies, --failed and --idp apply to requests")
	}
	if since != "" {
		t, err := logview.ParseSince(since, now)
		if err != nil {
			return o, err
		}
		o.Since = t
		limitSet := false
		fs.Visit(func(f *flag.Flag) { limitSet = limitSet || f.Name == "limit" })
		// "The last hour" means all of it; a silent cap of 50 would hide the rest.
		if !limitSet {
			o.Limit = 0
		}
	}
	if strings.TrimSpace(idpF) != "" {
		p, ok := exchange.ParseIdP(idpF)
		if !ok {
			return o, fmt.Errorf("--idp accepts okta, entra or unknown, not %q", strings.TrimSpace(idpF))
		}
		o.IdP, o.AllIdPs = p, false
	}
	o.Color = isTerminal(stdout) && getenv("NO_COLOR") == ""
	o.Secrets = []string{getenv("SCIMLAB_TOKEN")}
	return o, nil
}

func runLog(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	o, err := parseLogFlags(args, getenv, stdout, stderr, time.Now())
	if err != nil {
		return err
	}
	return logview.Run(ctx, o, stdout, stderr)
}

// simulateOptions is the parsed "scimlab simulate" command line.
type simulateOptions struct {
	cfg    sim.Config
	json   bool
	strict bool
}

func parseSimulateFlags(args []string, getenv func(string) string, stderr io.Writer) (simulateOptions, error) {
	var (
		o             simulateOptions
		flavour       string
		listScenarios bool
	)
	fs := flag.NewFlagSet("scimlab simulate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.cfg.Target, "target", "", "SCIM base `URL` of the server to play against, ending in /scim/v2 (default: a throw-away local scimlab)")
	fs.StringVar(&o.cfg.Token, "token", "", "bearer `TOKEN` the server expects (default: $SCIMLAB_TOKEN; not needed with the throw-away server)")
	fs.StringVar(&flavour, "okta-flavour", "", "Okta app `FLAVOUR`: aiw (App Integration Wizard) or oin (catalog or template app)")
	fs.BoolVar(&o.cfg.EntraCompliant, "entra-compliant", false, "send the RFC-style shapes Entra sends with ?aadOptscim062020")
	fs.StringVar(&o.cfg.Scenario, "scenario", "", "scenario `FILE`, or the name of a built-in scenario (see --list-scenarios)")
	fs.BoolVar(&listScenarios, "list-scenarios", false, "list the built-in scenarios and exit")
	fs.IntVar(&o.cfg.Users, "users", 0, "at least `N` users")
	fs.IntVar(&o.cfg.Groups, "groups", 0, "at least `M` groups")
	fs.IntVar(&o.cfg.Members, "members", 0, "at least `K` members in each group")
	fs.IntVar(&o.cfg.Concurrency, "concurrency", 1, "work on `C` users or groups of a step at once")
	fs.Float64Var(&o.cfg.Rate, "rate", 0, "at most `R` requests per second in total (0: no limit)")
	fs.DurationVar(&o.cfg.Timeout, "timeout", sim.DefaultTimeout, "give up on a request after `D`, as the IdP does")
	fs.BoolVar(&o.json, "json", false, "print the report as one JSON document")
	fs.BoolVar(&o.strict, "strict", false, "run the throw-away server in strict RFC mode (not with --target)")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), simulateUsage, strings.Join(sim.Scenarios(), ", "))
		fs.PrintDefaults()
	}
	positional, err := splitPositional(fs, args)
	if err != nil {
		fmt.Fprintln(stderr, "scimlab simulate:", err)
		fs.Usage()
		return o, errUsage
	}
	if err := fs.Parse(positional.flags); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return o, err
		}
		return o, errUsage
	}
	if listScenarios {
		return o, errListScenarios
	}
	if len(positional.args) != 1 {
		fmt.Fprintln(stderr, "scimlab simulate: name the identity provider to imitate: okta or entra")
		fs.Usage()
		return o, errUsage
	}
	o.cfg.IdP = exchange.IdP(strings.ToLower(positional.args[0]))
	o.cfg.OktaFlavour = exchange.Flavour(flavour)
	if o.cfg.Target == "" && o.cfg.Token != "" {
		fmt.Fprintln(stderr, "scimlab simulate: --token goes with --target; the throw-away server makes its own")
		return o, errUsage
	}
	if o.cfg.Target != "" && o.strict {
		fmt.Fprintln(stderr, "scimlab simulate: --strict applies to the throw-away server; start your own scimlab with --strict and pass --target")
		return o, errUsage
	}
	if o.cfg.Target != "" && o.cfg.Token == "" {
		o.cfg.Token = getenv("SCIMLAB_TOKEN")
	}
	return o, nil
}

// simulateUsage heads "scimlab simulate -h"; %s is the list of built-in scenarios.
const simulateUsage = `Usage: scimlab simulate okta|entra [flags]

Plays a complete Okta or Microsoft Entra ID provisioning lifecycle against a SCIM server,
with the IdP's headers, query encodings, bodies and quirks; reacts to every answer as the
IdP does; and reports each step: what was sent, what came back, and what the real IdP
would do next.

Without --target it plays against a throw-away scimlab on a free local port, whose
database lives in a temporary directory deleted afterwards: your own database, labs and
settings are left alone.

Examples:
  scimlab simulate entra                     against a throw-away scimlab (tolerant mode)
  scimlab simulate entra --strict            which steps a strict RFC server refuses
  scimlab simulate okta --okta-flavour oin --target https://app.example.com/scim/v2 --token "$TOKEN"
  scimlab simulate okta --scenario customer.yaml --target URL --token TOKEN
  scimlab simulate entra --scenario entra-load --users 1000 --groups 50 --members 20 --concurrency 8
  scimlab simulate okta --json > report.json

Built-in scenarios: %s
(a scenario file describes users, groups and steps; docs/simulate.md has the format).

Exit status:
  0  every step passed
  1  a step failed or did not run, or the run was interrupted
  2  usage error: a bad flag, option or scenario file

Environment:
  SCIMLAB_TOKEN  the token for --target when --token is not given
  NO_COLOR       no colours, even on a terminal

Flags:
`

// errListScenarios is --list-scenarios: print them instead of running.
var errListScenarios = errors.New("list scenarios")

// positionalSplit is a command line with its flags and its bare words apart, so
// "scimlab simulate okta --users 5" and "scimlab simulate --users 5 okta" both work.
type positionalSplit struct{ flags, args []string }

// splitPositional moves the words that are not flags or flag values out of args. A
// flag of fs takes the next word as its value unless it is boolean or written
// --flag=value; a flag fs does not know is left for fs.Parse to refuse.
func splitPositional(fs *flag.FlagSet, args []string) (positionalSplit, error) {
	takesValue := func(name string) bool {
		f := fs.Lookup(name)
		if f == nil {
			return false
		}
		b, isBool := f.Value.(interface{ IsBoolFlag() bool })
		return !isBool || !b.IsBoolFlag()
	}
	var out positionalSplit
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			out.args = append(out.args, args[i+1:]...)
			break
		}
		if !strings.HasPrefix(a, "-") || a == "-" {
			out.args = append(out.args, a)
			continue
		}
		out.flags = append(out.flags, a)
		name := strings.TrimLeft(a, "-")
		if strings.Contains(name, "=") || !takesValue(name) {
			continue
		}
		if i+1 >= len(args) {
			return out, fmt.Errorf("flag %s needs a value", a)
		}
		i++
		out.flags = append(out.flags, args[i])
	}
	return out, nil
}

func runSimulate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	o, err := parseSimulateFlags(args, getenv, stderr)
	if errors.Is(err, errListScenarios) {
		for _, name := range sim.Scenarios() {
			fmt.Fprintln(stdout, name)
		}
		return nil
	}
	if err != nil {
		return err
	}
	// A usage error is told before a throw-away server starts for nothing; its URL and
	// token stand in for the ones it will have.
	check := o.cfg
	if check.Target == "" {
		check.Target, check.Token = "http://127.0.0.1"+scimserver.BasePath, "throw-away"
	}
	if err := check.Validate(); err != nil {
		fmt.Fprintln(stderr, "scimlab simulate:", err)
		return errUsage
	}
	if o.cfg.Target == "" {
		stop, err := startThrowAwayServer(ctx, &o.cfg, o.strict, stderr)
		if err != nil {
			return err
		}
		defer stop()
	}
	var obs sim.Observer
	var progress *sim.Progress
	// A lifecycle of a few users reports in a blink; progress is for runs sized for load.
	if loadSized := o.cfg.Users > 0 || o.cfg.Groups > 0 || o.cfg.Concurrency > 1 || o.cfg.Rate > 0; loadSized && !o.json {
		progress = sim.NewProgress(stderr, isTerminal(stderr), 0, 2*time.Second)
		obs = progress
	}
	rep, err := sim.Run(ctx, o.cfg, obs)
	if progress != nil {
		progress.Done()
	}
	if rep != nil {
		if o.json {
			if werr := rep.WriteJSON(stdout); werr != nil {
				return werr
			}
		} else {
			rep.WriteText(stdout, isTerminal(stdout) && getenv("NO_COLOR") == "")
		}
	}
	switch sim.ExitStatus(rep, err) {
	case 0:
		return nil
	case 2:
		fmt.Fprintln(stderr, "scimlab simulate:", err)
		return errUsage
	}
	if errors.Is(err, context.Canceled) {
		return errors.New("simulate: interrupted; the report above ends where the run stopped")
	}
	if err != nil {
		return err
	}
	return errSimulationFailed
}

// errSimulationFailed is a run in which a step failed; the report already said which,
// so main prints nothing more and exits 1.
var errSimulationFailed = errors.New("a step failed")

// startThrowAwayServer starts the throw-away scimlab (app.StartThrowAway), points cfg
// at it and says so on stderr; it returns what stops it.
func startThrowAwayServer(ctx context.Context, cfg *sim.Config, strict bool, stderr io.Writer) (func(), error) {
	a, stop, err := app.StartThrowAway(ctx, strict)
	if err != nil {
		return nil, err
	}
	cfg.Target, cfg.Token = a.LocalURL(), a.Token()
	mode := "tolerant"
	if strict {
		mode = "strict"
	}
	fmt.Fprintf(stderr, "Playing against a throw-away scimlab (%s mode) at %s; it is deleted afterwards.\n", mode, cfg.Target)
	return stop, nil
}

// doctorOptions is the parsed "scimlab doctor" command line.
type doctorOptions struct {
	doctor.Options
	json bool
}

// doctorServeFlags are serve's flags doctor reads, so "scimlab doctor" with a start's
// flags checks that start.
var doctorServeFlags = []string{"db", "lab", "listen", "ngrok-token", "domain", "public-url", "no-tunnel", "tunnel"}

func parseDoctorFlags(args []string, stderr io.Writer) (doctorOptions, error) {
	var o doctorOptions
	serve := flag.NewFlagSet("scimlab serve", flag.ContinueOnError)
	addAppFlags(serve, &o.App)
	fs := flag.NewFlagSet("scimlab doctor", flag.ContinueOnError)
	fs.SetOutput(stderr)
	for _, name := range doctorServeFlags {
		f := serve.Lookup(name)
		fs.Var(f.Value, f.Name, f.Usage)
	}
	fs.BoolVar(&o.json, "json", false, "print the report as one JSON document")
	fs.BoolVar(&o.NoNetwork, "no-network", false, "do not check that ngrok's service can be reached (the only check that leaves this machine)")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), doctorUsage)
		fs.PrintDefaults()
	}
	if err := parseCommandFlags(fs, args, stderr); err != nil {
		return o, err
	}
	return o, resolveDB(fs, &o.App.Lab, &o.App.DB, stderr)
}

const doctorUsage = `Usage: scimlab doctor [flags]

Checks what scimlab needs on this machine and says what to do about each problem:
where the data, database, labs, config file and console log live and whether scimlab
can use them; the database (schema, integrity, what it holds, whether a token is
stored); every lab, with what it holds, the profile it plays and the scimlab serving
it; which tunnel a start brings up and why, and whether ngrok's service can be reached;
whether the terminal gives the console colours, a clipboard and the mouse; and whether
the port is free. It creates, changes and locks nothing, so it runs beside a scimlab
that is serving. Give it the flags you start scimlab with (--lab or --db among them)
to check that start.

Exit status:
  0  nothing failed (warnings do not fail)
  1  a check failed: its line says what to do
  2  usage error

Environment:
  NGROK_AUTHTOKEN, SCIMLAB_TOKEN   as for serve
  XDG_DATA_HOME, XDG_CONFIG_HOME, XDG_STATE_HOME   where scimlab keeps its files
  TERM, COLORTERM, NO_COLOR, TMUX, SSH_TTY, SSH_CONNECTION   what the console finds

Flags:
`

func runDoctor(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	o, err := parseDoctorFlags(args, stderr)
	if err != nil {
		return err
	}
	o.Version, o.Getenv, o.Stdout = versionString(), getenv, stdout
	rep := doctor.Run(ctx, o.Options)
	if o.json {
		err = rep.WriteJSON(stdout)
	} else {
		width := 0
		if f, ok := stdout.(*os.File); ok && isTerminal(f) {
			width, _, _ = term.GetSize(f.Fd())
		}
		err = rep.WriteText(stdout, isTerminal(stdout) && getenv("NO_COLOR") == "", width)
	}
	if err != nil {
		return err
	}
	if rep.Failed() {
		return errDoctorFound
	}
	return nil
}

// errDoctorFound is a doctor report with a failed check; the report said which, so
// main prints nothing more and exits 1.
var errDoctorFound = errors.New("a check failed")
