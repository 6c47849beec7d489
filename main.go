// Command scimlab is a SCIM 2.0 server for rehearsing Okta and Microsoft Entra ID
// provisioning: it accepts what the identity providers send, stores it in one SQLite
// file and records every request so an admin can see exactly what happened.
//
// This file holds what each command does once package cli has understood its
// command line, and what serve prints. The running program is package app; the
// console is package tui.
package main

import (
	"bufio"
	"context"
	"errors"
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
	"github.com/scimlab/scimlab/cli"
	"github.com/scimlab/scimlab/doctor"
	"github.com/scimlab/scimlab/exchange"
	"github.com/scimlab/scimlab/human"
	"github.com/scimlab/scimlab/idp/sim"
	"github.com/scimlab/scimlab/lab"
	"github.com/scimlab/scimlab/logview"
	"github.com/scimlab/scimlab/profile"
	"github.com/scimlab/scimlab/progress"
	"github.com/scimlab/scimlab/replay"
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
	os.Exit(cli.ExitCode(err))
}

// run is the whole program; main only supplies the process's context, arguments,
// environment and streams, so tests can run it in-process. Package cli understands
// the command line and prints what went wrong; the handlers here do the work.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	env := cli.IO{Getenv: getenv, Stdin: stdin, Stdout: stdout, Stderr: stderr}
	return cli.Execute(ctx, args, env, versionString(), cli.Handlers{
		Console: func(ctx context.Context, o app.Options) error {
			if !isTerminal(stdin) || !isTerminal(stdout) {
				return errNoTerminal
			}
			o.Version = versionString()
			return runConsoleSession(ctx, o, getenv, stdout, stderr, tui.Run)
		},
		Serve: func(ctx context.Context, o app.Options) error { return runServe(ctx, o, getenv, stdout, stderr) },
		Log:   func(ctx context.Context, o logview.Options) error { return logview.Run(ctx, o, stdout, stderr) },
		Simulate: func(ctx context.Context, o cli.SimulateOptions) error {
			return runSimulate(ctx, o, getenv, stdout, stderr)
		},
		Doctor: func(ctx context.Context, o cli.DoctorOptions) error { return runDoctor(ctx, o, getenv, stdout) },
		Labs:   func(ctx context.Context, o cli.LabsOptions) error { return runLabs(ctx, o, stdout) },
		Export: func(ctx context.Context, o cli.ExportOptions) error { return runExport(ctx, o, getenv, stdout, stderr) },
		Import: func(ctx context.Context, o cli.ImportOptions) error { return runImport(ctx, o, stdout, stderr) },
		Replay: func(ctx context.Context, o cli.ReplayOptions) error { return runReplay(ctx, o, getenv, stdout, stderr) },
	})
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
	var damaged error // set before watched closes
	go func() {
		defer close(watched)
		// The server stopping under the console (it should not) ends the console
		// rather than leaving a screen that no longer reflects anything.
		if err := <-a.Done(); err != nil {
			logger.Error("the HTTP server stopped", "err", err)
			if errors.Is(err, store.ErrDamaged) {
				damaged = err
			}
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
	if damaged != nil {
		// The console's screen is gone: say on the terminal why it ended.
		return damaged
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

// runServe is "scimlab serve": the server, its banner on stdout and a line per
// request on stderr, until ctx ends.
func runServe(ctx context.Context, o app.Options, getenv func(string) string, stdout, stderr io.Writer) error {
	logger := slog.New(slog.NewTextHandler(stderr, nil))

	a, err := app.Start(ctx, o, getenv, logger)
	if err != nil {
		return err
	}
	events, cancelEvents := a.Subscribe(1024)
	logged := make(chan struct{})
	go func() {
		defer close(logged)
		logEvents(stderr, events)
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
		if errors.Is(err, store.ErrDamaged) {
			// Says what happened and what to do by itself.
			runErr = err
		}
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
`, a.BaseURL(), a.LocalURL(), a.Token(), tokenNote, mode, profileLine(a.Profile()))
	// What the profile does sits under its name, before anything else is said.
	for _, l := range a.Profile().Summary() {
		fmt.Fprintf(w, "                 · %s\n", l)
	}
	fmt.Fprintf(w, "  Database       %s%s\n", a.DBPath(), labNote(a.Lab()))
	if rep := a.Seeded(); rep != nil {
		fmt.Fprintf(w, "  Seed           %s\n", rep.String())
	}
	fmt.Fprintf(w, "  tunnel: %s\n%s  Try it:        curl -H \"%s\" %s/Users\n",
		st.String(), faultBanner(a), tokenHeaderLine(a.Profile(), a.Token()), a.LocalURL())
	if warn := a.TokenWarning(); warn != "" {
		fmt.Fprintf(w, "  warning: %s\n", warn)
	}
	if warn := a.URLWarning(); warn != "" {
		fmt.Fprintf(w, "  warning: %s\n", warn)
	}
	fmt.Fprintln(w, "Press Ctrl+C to stop.")
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

// logEvents writes one line per request to w. Lines are buffered and written once
// the events that arrived together are done: under load that is one write per batch
// the recorder publishes, not one per request.
func logEvents(w io.Writer, events <-chan exchange.Event) {
	bw := bufio.NewWriter(w)
	defer bw.Flush()
	logger := slog.New(slog.NewTextHandler(bw, nil))
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
		if len(events) == 0 {
			bw.Flush()
		}
	}
}

// runSimulate is "scimlab simulate": the run, against a throw-away scimlab when no
// target was given, and its report.
func runSimulate(ctx context.Context, o cli.SimulateOptions, getenv func(string) string, stdout, stderr io.Writer) error {
	if o.Config.Target == "" {
		stop, err := startThrowAwayServer(ctx, &o.Config, o.Strict, stderr)
		if err != nil {
			return err
		}
		defer stop()
	}
	var obs sim.Observer
	var progress *sim.Progress
	// A lifecycle of a few users reports in a blink; progress is for runs sized for load.
	if loadSized := o.Config.Users > 0 || o.Config.Groups > 0 || o.Config.Concurrency > 1 || o.Config.Rate > 0; loadSized && !o.JSON {
		progress = sim.NewProgress(stderr, isTerminal(stderr), 0, 2*time.Second)
		obs = progress
	}
	rep, err := sim.Run(ctx, o.Config, obs)
	if progress != nil {
		progress.Done()
	}
	if rep != nil {
		if o.JSON {
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
		return &cli.UsageError{Command: "scimlab simulate", Err: err}
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
var errSimulationFailed = cli.Reported("a step failed")

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

// runDoctor is "scimlab doctor": the checks and their report.
func runDoctor(ctx context.Context, o cli.DoctorOptions, getenv func(string) string, stdout io.Writer) error {
	o.Version, o.Getenv, o.Stdout = versionString(), getenv, stdout
	rep := doctor.Run(ctx, o.Options)
	var err error
	if o.JSON {
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
var errDoctorFound = cli.Reported("a check failed")

// progressInterval is how often a command not on a terminal prints its progress.
const progressInterval = 2 * time.Second

// runLabs is "scimlab labs": the labs as a table, or as JSON.
func runLabs(ctx context.Context, o cli.LabsOptions, stdout io.Writer) error {
	infos, err := lab.DefaultDir().List(ctx)
	if err != nil {
		return err
	}
	if o.JSON {
		return lab.WriteJSON(stdout, infos)
	}
	return lab.WriteTable(stdout, infos, time.Now())
}

// runExport is "scimlab export": the lab's HAR or support bundle, with a progress line
// on stderr and what was written on stdout.
func runExport(ctx context.Context, o cli.ExportOptions, getenv func(string) string, stdout, stderr io.Writer) error {
	path, err := existingDB(o.Lab, o.DB)
	if err != nil {
		return err
	}
	st, err := store.Open(ctx, path)
	if err != nil {
		return fmt.Errorf("opening %s: %w", path, err)
	}
	defer st.Close()
	label := o.Lab
	if label == "" {
		label = path
	}
	line := progress.New(stderr, "exporting", "records", isTerminal(stderr), progressInterval)
	eo := lab.ExportOptions{Lab: label, Requests: o.Requests, Secrets: app.ExportSecrets(getenv), Creator: versionString(), Progress: line.Update}
	var res lab.Exported
	if o.HAR != "" {
		res, err = lab.ExportHAR(ctx, st, o.HAR, eo)
	} else {
		res, err = lab.ExportBundle(ctx, st, o.Bundle, eo)
	}
	line.Done()
	if err != nil {
		return err
	}
	if o.HAR != "" {
		fmt.Fprintf(stdout, "Wrote %s: %s (%s), HAR 1.2.\n", res.Path, plural(res.Requests, "request"), human.Bytes(res.Bytes))
		return nil
	}
	fmt.Fprintf(stdout, "Wrote %s: %s, %s, %s, %s, %s%s (%s).\n", res.Path, plural(res.Requests, "request"), plural(res.Users, "user"),
		plural(res.Groups, "group"), plural(res.Memberships, "membership"), plural(res.Settings, "setting"),
		appSide(res.Tombstones, res.AppActions, res.Independent), human.Bytes(res.Bytes))
	return nil
}

// existingDB is the database export reads, which must exist: a command that only reads
// must not create an empty lab because a name was mistyped.
func existingDB(labName, db string) (string, error) {
	if labName != "" {
		return lab.DefaultDir().Existing(labName)
	}
	fi, err := os.Stat(db)
	if err != nil {
		return "", fmt.Errorf("no database at %s: %w", db, errors.Unwrap(err))
	}
	if fi.IsDir() {
		return "", fmt.Errorf("%s is a directory, not a database file", db)
	}
	return db, nil
}

// appSide counts the app-side state an export or import carried, "" when none.
func appSide(tombstones, actions, independent int) string {
	var parts []string
	if tombstones > 0 {
		parts = append(parts, plural(tombstones, "deleted resource")+" kept")
	}
	if independent > 0 {
		parts = append(parts, plural(independent, "independent account"))
	}
	if actions > 0 {
		parts = append(parts, plural(actions, "app action"))
	}
	if len(parts) == 0 {
		return ""
	}
	return "; " + strings.Join(parts, ", ")
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// runImport is "scimlab import": the bundle loaded into a new lab, and how to open it.
func runImport(ctx context.Context, o cli.ImportOptions, stdout, stderr io.Writer) error {
	line := progress.New(stderr, "importing", "records", isTerminal(stderr), progressInterval)
	res, err := lab.DefaultDir().Import(ctx, o.Bundle, o.Lab, lab.ImportOptions{Force: o.Force, Progress: line.Update})
	line.Done()
	if err != nil {
		return err
	}
	from := res.Manifest.Lab
	if from != "" {
		from = fmt.Sprintf(" (exported from %s on %s)", from, res.Manifest.Created.Local().Format("2006-01-02 15:04"))
	}
	fmt.Fprintf(stdout, "Imported %s into the lab %q%s: %s, %s, %s, %s%s.\nOpen it with: scimlab --lab %s\n",
		o.Bundle, res.Name, from, plural(res.Requests, "request"), plural(res.Users, "user"), plural(res.Groups, "group"),
		plural(res.Memberships, "membership"), appSide(res.Tombstones, res.AppActions, res.Independent), res.Name)
	return nil
}

// errReplayDiffers is a replay in which an answer differed; the report said which, so
// nothing more is printed and scimlab exits 1.
var errReplayDiffers = cli.Reported("answers differ")

// runReplay is "scimlab replay": the recording sent again to the target, or to a lab
// started for it, and the report of what differed.
func runReplay(ctx context.Context, o cli.ReplayOptions, getenv func(string) string, stdout, stderr io.Writer) error {
	rec, err := app.OpenRecording(ctx, o.FromLab, o.Bundle)
	if err != nil {
		return err
	}
	defer rec.Close()
	t := replay.Target{BaseURL: o.Target, Token: o.Token, TokenHeader: o.TokenHeader}
	playing := ""
	if o.ToLab != "" {
		a, err := app.StartReplayLab(ctx, o.ToLab, o.Profile, rec.Profile, o.Strict)
		if err != nil {
			return err
		}
		defer a.Close()
		t, playing = a.ReplayTarget(), a.Profile().Name
	}
	line := progress.New(stderr, "replaying", "requests", isTerminal(stderr), progressInterval)
	rep, err := replay.Run(ctx, rec.Requests, rec.Total, t, func(done, total int) { line.Update(int64(done), int64(total)) })
	line.Done()
	if err != nil {
		return err
	}
	if o.ToLab != "" {
		rep.Target = "the lab " + o.ToLab + " (" + rep.Target + ", playing " + playing + ")"
	}
	if o.JSON {
		err = rep.WriteJSON(stdout)
	} else {
		err = rep.WriteText(stdout, isTerminal(stdout) && getenv("NO_COLOR") == "")
	}
	if err != nil {
		return err
	}
	if rep.Differs() {
		return errReplayDiffers
	}
	return nil
}
