// Command scimlab is a SCIM 2.0 server for rehearsing Okta and Microsoft Entra ID
// provisioning: it accepts what the identity providers send, stores it in one SQLite
// file and records every request so an admin can see exactly what happened.
package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"github.com/scimlab/scimlab/scimserver"
	"github.com/scimlab/scimlab/store"
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

// settingToken is the settings key of the bearer token, so the token an admin pasted
// into Okta or Entra survives restarts.
const settingToken = "scim.token"

func parseServeFlags(args []string, stderr io.Writer) (appOptions, error) {
	var o appOptions
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
	return o, o.validate()
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

func runServe(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	o, err := parseServeFlags(args, stderr)
	if err != nil {
		return err
	}
	logger := slog.New(slog.NewTextHandler(stderr, nil))

	a, err := startApp(ctx, o, getenv, logger)
	if err != nil {
		return err
	}
	events, cancelEvents := a.srv.Subscribe(1024)
	logged := make(chan struct{})
	go func() {
		defer close(logged)
		logEvents(logger, events)
	}()

	shown := printBanner(stdout, a)
	tunnelDone := make(chan struct{})
	go func() {
		defer close(tunnelDone)
		reportTunnel(stdout, a, shown)
	}()

	var runErr error
	select {
	case <-ctx.Done():
		logger.Info("shutting down")
	case err := <-a.serveErr:
		runErr = fmt.Errorf("the HTTP server stopped: %w", err)
	}
	a.close()
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
func reportTunnel(w io.Writer, a *app, last tunnel.Status) {
	for st := range a.tunnel.Updates() {
		if st.State == last.State && st.PublicURL == last.PublicURL && st.Reason == last.Reason {
			continue
		}
		last = st
		fmt.Fprintf(w, "tunnel: %s\n", st.String())
		a.noteTunnelStatus(st)
		if st.State == tunnel.Online && st.PublicURL != "" {
			fmt.Fprintf(w, "  Public SCIM base URL  %s\n", scimBase(st.PublicURL))
		}
		if warn := a.URLWarning(); warn != "" {
			fmt.Fprintf(w, "  warning: %s\n", warn)
		}
	}
}

// resolveToken picks the bearer token: --token, then $SCIMLAB_TOKEN, then the stored
// one; on first start it generates one and stores it so the IdP configuration keeps
// working across restarts.
func resolveToken(ctx context.Context, db *store.DB, flagToken string, getenv func(string) string) (token string, generated bool, err error) {
	if t := strings.TrimSpace(flagToken); t != "" {
		return t, false, nil
	}
	if t := strings.TrimSpace(getenv("SCIMLAB_TOKEN")); t != "" {
		return t, false, nil
	}
	stored, ok, err := db.Setting(ctx, settingToken)
	if err != nil {
		return "", false, fmt.Errorf("reading the stored token: %w", err)
	}
	if ok && stored != "" {
		return stored, false, nil
	}
	t, err := newToken()
	if err != nil {
		return "", false, err
	}
	if err := db.SetSetting(ctx, settingToken, t); err != nil {
		return "", false, fmt.Errorf("storing the new token: %w", err)
	}
	return t, true, nil
}

// newToken returns 32 random bytes as unpadded base64url: 256 bits, and safe to paste
// into any IdP field or shell without quoting.
func newToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("generating a token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// displayHost is the host to print in the base URL: a wildcard listen address is
// reachable at loopback, which is what an admin on this machine can use.
func displayHost(addr net.Addr) string {
	host, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		return addr.String()
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port)
}

// printBanner prints what to paste into the IdP and returns the tunnel state it showed.
func printBanner(w io.Writer, a *app) tunnel.Status {
	mode := "tolerant (accepts Okta's and Entra's known quirks)"
	if a.opts.strict {
		mode = "strict (refuses anything RFC 7644 does not allow)"
	}
	tokenNote := ""
	if a.tokenGenerated {
		tokenNote = "  (new; stored in the database and reused on the next start)"
	}
	st := a.tunnel.Status()
	a.noteTunnelStatus(st)
	reach := "tunnel: " + st.String()
	base := a.BaseURL()
	fmt.Fprintf(w, `scimlab is serving SCIM 2.0
  SCIM base URL  %s
  Local URL      %s
  Token          %s%s
  Okta:   SCIM connector base URL = the base URL, API Token = the token (authentication mode: HTTP Header)
  Entra:  Tenant URL = the base URL, Secret Token = the token
  Mode           %s
  Database       %s
  %s
  Try it:        curl -H "Authorization: Bearer %s" %s/Users
Press Ctrl+C to stop.
`, base, a.localURL, a.Token(), tokenNote, mode, a.db.Path(), reach, a.Token(), a.localURL)
	if warn := a.URLWarning(); warn != "" {
		fmt.Fprintf(w, "  warning: %s\n", warn)
	}
	return st
}

func logEvents(logger *slog.Logger, events <-chan scimserver.Event) {
	for ev := range events {
		attrs := []any{
			"seq", ev.Seq, "method", ev.Method, "path", ev.Path, "status", ev.Status,
			"duration", ev.Duration.Round(time.Microsecond), "auth", ev.Auth, "remote", ev.RemoteAddr,
		}
		if ev.Query != "" {
			attrs = append(attrs, "query", ev.Query)
		}
		if len(ev.Quirks) > 0 {
			attrs = append(attrs, "quirks", strings.Join(ev.Quirks, ","))
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
