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
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"github.com/charmbracelet/x/term"

	"github.com/scimlab/scimlab/app"
	"github.com/scimlab/scimlab/exchange"
	"github.com/scimlab/scimlab/logview"
	"github.com/scimlab/scimlab/scimserver"
	"github.com/scimlab/scimlab/store"
	"github.com/scimlab/scimlab/tui"
	"github.com/scimlab/scimlab/tunnel"
)

// Set by release builds (see .goreleaser.yaml).
var (
	version = "dev"
	commit  = ""
	date    = ""
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		if !errors.Is(err, errUsage) && !errors.Is(err, flag.ErrHelp) {
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
  scimlab version         print the version

The console and serve take the same flags: "scimlab serve -h" lists them.
"scimlab log -h" lists the flags of log.
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

func versionString() string {
	v, c, d := version, commit, date
	if bi, ok := debug.ReadBuildInfo(); ok && c == "" {
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				c = s.Value[:min(len(s.Value), 12)]
			case "vcs.time":
				d = s.Value
			}
		}
	}
	out := "scimlab " + v
	if c != "" {
		out += " (" + c
		if d != "" {
			out += ", " + d
		}
		out += ")"
	}
	return out
}

// addAppFlags declares the flags shared by the console and serve on fs.
func addAppFlags(fs *flag.FlagSet, o *app.Options) {
	fs.StringVar(&o.Listen, "listen", "127.0.0.1:8080", "address to listen on, `HOST:PORT` (port 0 picks a free one)")
	fs.StringVar(&o.Token, "token", "", "bearer `TOKEN` clients must send (default: $SCIMLAB_TOKEN, else the token stored in the database, generated on first start)")
	fs.StringVar(&o.DB, "db", store.DefaultPath(), "SQLite database `FILE`")
	fs.BoolVar(&o.NoTunnel, "no-tunnel", false, "serve on the local address only, without a public tunnel")
	fs.BoolVar(&o.Strict, "strict", false, "refuse IdP quirks the way a strict RFC 7644 server would")
	fs.Int64Var(&o.MaxBody, "max-body", scimserver.DefaultMaxBodyBytes, "largest request body accepted, in `BYTES` (larger ones get 413)")
	fs.IntVar(&o.LogRetention, "log-retention", scimserver.DefaultLogRetention, "number of newest requests the request log keeps (`N`)")
	fs.StringVar(&o.NgrokToken, "ngrok-token", "", "ngrok auth `TOKEN` (default: $NGROK_AUTHTOKEN, else the one saved in scimlab's config file)")
	fs.StringVar(&o.Domain, "domain", "", "reserved or static ngrok `DOMAIN` to publish on; remembered for the next start")
	fs.StringVar(&o.PublicURL, "public-url", "", "public base `URL` of your own reverse proxy or tunnel, shown instead of the local one")
	fs.StringVar(&o.TunnelMode, "tunnel", "", "tunnel `KIND`: \"loopback\" publishes on a second local port, for trying the tunnel path without ngrok")
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
	if err := o.Validate(); err != nil {
		return err
	}
	if !isTerminal(stdin) || !isTerminal(stdout) {
		return errNoTerminal
	}

	// The console owns the terminal, so diagnostics go to a file.
	logPath := app.ConsoleLogPath()
	logFile, err := app.OpenConsoleLog(logPath)
	if err != nil {
		return err
	}
	defer logFile.Close()
	logger := slog.New(slog.NewTextHandler(logFile, nil))

	a, err := app.Start(ctx, o, getenv, logger)
	if err != nil {
		return err
	}
	defer a.Close()

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		// The server stopping under the console (it should not) ends the console
		// rather than leaving a screen that no longer reflects anything.
		if err := <-a.Done(); err != nil {
			logger.Error("the HTTP server stopped", "err", err)
		}
		cancel()
	}()

	err = tui.Run(ctx, a.ConsoleDeps(ctx, logger))
	fmt.Fprintf(stdout, "scimlab stopped. The log of this session is in %s\n", logPath)
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
  Database       %s
  tunnel: %s
  Try it:        curl -H "Authorization: Bearer %s" %s/Users
Press Ctrl+C to stop.
`, a.BaseURL(), a.LocalURL(), a.Token(), tokenNote, mode, a.DBPath(), st.String(), a.Token(), a.LocalURL())
	if warn := a.URLWarning(); warn != "" {
		fmt.Fprintf(w, "  warning: %s\n", warn)
	}
	return st
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
		if ev.Dropped > 0 {
			attrs = append(attrs, "unlogged_before", ev.Dropped)
		}
		logger.Info("request", attrs...)
	}
}

func parseLogFlags(args []string, getenv func(string) string, stdout, stderr io.Writer, now time.Time) (logview.Options, error) {
	var (
		o           = logview.Options{AllIdPs: true}
		since, idpF string
	)
	fs := flag.NewFlagSet("scimlab log", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.DB, "db", store.DefaultPath(), "SQLite database `FILE` written by scimlab or scimlab serve")
	fs.BoolVar(&o.JSON, "json", false, "print one JSON object per line instead of text")
	fs.BoolVar(&o.Follow, "follow", false, "keep printing requests as they are recorded, until Ctrl+C")
	fs.BoolVar(&o.Follow, "f", false, "short for --follow")
	fs.BoolVar(&o.Bodies, "bodies", false, "include request and response headers and bodies (Authorization and passwords stay redacted)")
	fs.BoolVar(&o.Failed, "failed", false, "only requests answered with status 400 or above")
	fs.IntVar(&o.Limit, "limit", logview.DefaultLimit, "print the newest `N` requests, 0 for all; with --since the default is all")
	fs.StringVar(&since, "since", "", "only requests from the last `DURATION` (90s, 15m, 2h, 3d) or since a time (RFC 3339, or local 2006-01-02[T15:04:05])")
	fs.StringVar(&idpF, "idp", "", "only requests from `IDP`: okta, entra or unknown")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), "Usage: scimlab log [flags]\n\nPrints the requests scimlab recorded, oldest first, with the IdP, provisioning step,\nstatus and quirks of each; failures are followed by the error and what to change.\nWorks while scimlab is running.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := parseCommandFlags(fs, args, stderr); err != nil {
		return o, err
	}
	if o.Limit < 0 {
		return o, fmt.Errorf("--limit must be 0 (all) or a positive number of requests, not %d", o.Limit)
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
