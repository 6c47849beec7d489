package main

// The commands that move labs around: scimlab labs, export, import and replay. Their
// work is in packages lab, bundle and replay; this file holds their flags.

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/scimlab/scimlab/app"
	"github.com/scimlab/scimlab/bundle"
	"github.com/scimlab/scimlab/exchange"
	"github.com/scimlab/scimlab/lab"
	"github.com/scimlab/scimlab/logview"
	"github.com/scimlab/scimlab/profile"
	"github.com/scimlab/scimlab/progress"
	"github.com/scimlab/scimlab/replay"
	"github.com/scimlab/scimlab/scimserver"
	"github.com/scimlab/scimlab/store"
)

// progressInterval is how often a command not on a terminal prints its progress.
const progressInterval = 2 * time.Second

// labFlagUsage describes --lab for every command that takes it.
const labFlagUsage = "named lab `NAME`, one database per rehearsal under scimlab's data directory (\"default\" is " +
	"the database scimlab always used); not with --db"

// flagWasSet tells whether the flag called name was given on the command line.
func flagWasSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

// resolveDB turns --lab into the database it names, or names the lab --db points at:
// exactly one of them says which database a command works on.
func resolveDB(fs *flag.FlagSet, labName, db *string, stderr io.Writer) error {
	if *labName != "" && flagWasSet(fs, "db") {
		fmt.Fprintf(stderr, "%s: --lab and --db both name a database; give one of them\n", fs.Name())
		return errUsage
	}
	dir := lab.DefaultDir()
	if *labName != "" {
		path, err := dir.Path(*labName)
		if err != nil {
			return err
		}
		*db = path
		return nil
	}
	*labName = dir.NameOf(*db)
	return nil
}

// existingDB is the database a reading command works on, which must exist: a command
// that only reads must not create an empty lab by mistyping its name.
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

func runLabs(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var asJSON bool
	fs := flag.NewFlagSet("scimlab labs", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.BoolVar(&asJSON, "json", false, "print the labs as a JSON array")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: scimlab labs [--json]\n\nLists the labs in %s: what each holds, its size, when it was last used\nand the scimlab serving it. Start or create one with scimlab --lab NAME.\n\nFlags:\n", lab.DefaultDir().Root)
		fs.PrintDefaults()
	}
	if err := parseCommandFlags(fs, args, stderr); err != nil {
		return err
	}
	infos, err := lab.DefaultDir().List(ctx)
	if err != nil {
		return err
	}
	if asJSON {
		return lab.WriteJSON(stdout, infos)
	}
	return lab.WriteTable(stdout, infos, time.Now())
}

// requestFlags are the filters of the request log export and replay share with log.
type requestFlags struct {
	since, idp string
	failed     bool
}

func (r *requestFlags) add(fs *flag.FlagSet) {
	fs.StringVar(&r.since, "since", "", "only requests from the last `DURATION` (90s, 15m, 2h, 3d) or since a time (RFC 3339, or local 2006-01-02[T15:04:05])")
	fs.StringVar(&r.idp, "idp", "", "only requests from `IDP`: okta, entra or unknown")
	fs.BoolVar(&r.failed, "failed", false, "only requests answered with status 400 or above")
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

func runExport(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var (
		labName, db, harPath, bundlePath string
		reqs                             requestFlags
	)
	fs := flag.NewFlagSet("scimlab export", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&labName, "lab", "", labFlagUsage)
	fs.StringVar(&db, "db", store.DefaultPath(), "SQLite database `FILE` to export (not with --lab)")
	fs.StringVar(&harPath, "har", "", "write the request log as HAR 1.2 to `FILE`, for browser developer tools and HAR viewers")
	fs.StringVar(&bundlePath, "bundle", "", "write a support bundle to `FILE` (a zip): requests, users, groups, settings and a summary")
	reqs.add(fs)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), "Usage: scimlab export [--lab NAME | --db FILE] (--har FILE | --bundle FILE) [--since D] [--idp okta|entra] [--failed]\n\n"+
			"Writes a lab's request log as HAR, or the whole lab as a support bundle that scimlab import\n"+
			"loads again. Secrets never leave: the bearer token, passwords, ngrok credentials and\n"+
			"credential headers are redacted. The file appears complete or not at all. Works while\n"+
			"scimlab serves the lab.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := parseCommandFlags(fs, args, stderr); err != nil {
		return err
	}
	if (harPath == "") == (bundlePath == "") {
		fmt.Fprintln(stderr, "scimlab export: give one of --har FILE or --bundle FILE")
		fs.Usage()
		return errUsage
	}
	if err := resolveDB(fs, &labName, &db, stderr); err != nil {
		return err
	}
	f, err := reqs.filter(time.Now())
	if err != nil {
		return err
	}
	path, err := existingDB(labName, db)
	if err != nil {
		return err
	}
	st, err := store.Open(ctx, path)
	if err != nil {
		return fmt.Errorf("opening %s: %w", path, err)
	}
	defer st.Close()
	label := labName
	if label == "" {
		label = path
	}
	line := progress.New(stderr, "exporting", "records", isTerminal(stderr), progressInterval)
	o := lab.ExportOptions{Lab: label, Requests: f, Secrets: app.ExportSecrets(getenv), Creator: versionString(), Progress: line.Update}
	var res lab.Exported
	if harPath != "" {
		res, err = lab.ExportHAR(ctx, st, harPath, o)
	} else {
		res, err = lab.ExportBundle(ctx, st, bundlePath, o)
	}
	line.Done()
	if err != nil {
		return err
	}
	if harPath != "" {
		fmt.Fprintf(stdout, "Wrote %s: %s (%s), HAR 1.2.\n", res.Path, plural(res.Requests, "request"), lab.Size(res.Bytes))
		return nil
	}
	fmt.Fprintf(stdout, "Wrote %s: %s, %s, %s, %s, %s%s (%s).\n", res.Path, plural(res.Requests, "request"), plural(res.Users, "user"),
		plural(res.Groups, "group"), plural(res.Memberships, "membership"), plural(res.Settings, "setting"),
		appSide(res.Tombstones, res.AppActions, res.Independent), lab.Size(res.Bytes))
	return nil
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

func runImport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var (
		labName string
		force   bool
	)
	fs := flag.NewFlagSet("scimlab import", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&labName, "lab", "", "name of the new lab to load the bundle into (required)")
	fs.BoolVar(&force, "force", false, "replace the lab if it exists (never one a scimlab is serving)")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), "Usage: scimlab import BUNDLE --lab NAME [--force]\n\n"+
			"Loads a support bundle written by scimlab export into a new lab, which then shows exactly\n"+
			"what the exported one showed: the same requests with their numbers, times and readings,\n"+
			"users, groups, what the app holds besides (deleted ones kept, independent accounts, its\n"+
			"admin's actions), the profile, the fault rules and the walkthroughs' progress. A damaged,\n"+
			"truncated or newer bundle, or one whose profile or fault rules this scimlab cannot play,\n"+
			"is refused and nothing is written. The new lab gets its own token on its first start.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	positional, err := splitPositional(fs, args)
	if err != nil {
		fmt.Fprintln(stderr, "scimlab import:", err)
		fs.Usage()
		return errUsage
	}
	if err := parseCommandFlags(fs, positional.flags, stderr); err != nil {
		return err
	}
	if len(positional.args) != 1 || labName == "" {
		fmt.Fprintln(stderr, "scimlab import: name the bundle and the lab to create, e.g. scimlab import acme.scimlab.zip --lab acme")
		fs.Usage()
		return errUsage
	}
	line := progress.New(stderr, "importing", "records", isTerminal(stderr), progressInterval)
	res, err := lab.DefaultDir().Import(ctx, positional.args[0], labName, lab.ImportOptions{Force: force, Progress: line.Update})
	line.Done()
	if err != nil {
		return err
	}
	from := res.Manifest.Lab
	if from != "" {
		from = fmt.Sprintf(" (exported from %s on %s)", from, res.Manifest.Created.Local().Format("2006-01-02 15:04"))
	}
	fmt.Fprintf(stdout, "Imported %s into the lab %q%s: %s, %s, %s, %s%s.\nOpen it with: scimlab --lab %s\n",
		positional.args[0], res.Name, from, plural(res.Requests, "request"), plural(res.Users, "user"), plural(res.Groups, "group"),
		plural(res.Memberships, "membership"), appSide(res.Tombstones, res.AppActions, res.Independent), res.Name)
	return nil
}

// errReplayDiffers is a replay in which an answer differed; the report said which, so
// main prints nothing more and exits 1.
var errReplayDiffers = errors.New("answers differ")

func runReplay(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var (
		fromLab, bundlePath, target, token, toLab, tokenHeader, profileArg string
		asJSON, strict                                                     bool
	)
	fs := flag.NewFlagSet("scimlab replay", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&fromLab, "lab", "", "replay the requests recorded in the lab `NAME`")
	fs.StringVar(&bundlePath, "bundle", "", "replay the requests of the support bundle `FILE`")
	fs.StringVar(&target, "target", "", "SCIM base `URL` of the server to replay against, ending in /scim/v2")
	fs.StringVar(&token, "token", "", "bearer `TOKEN` the --target server expects (default: $SCIMLAB_TOKEN)")
	fs.StringVar(&tokenHeader, "token-header", "", "`HEADER` the --target server reads the token from, alone (default: Authorization: Bearer)")
	fs.StringVar(&toLab, "to-lab", "", "replay against a scimlab serving the lab `NAME`, started for the replay (created if new)")
	fs.BoolVar(&strict, "strict", false, "serve the --to-lab lab in strict RFC mode")
	fs.StringVar(&profileArg, "profile", "", "the app the --to-lab lab plays: a built-in profile `NAME` or a profile file "+
		"(default: a new lab plays the recording's profile, an existing one its own)")
	fs.BoolVar(&asJSON, "json", false, "print the report as one JSON document")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), "Usage: scimlab replay (--lab NAME | --bundle FILE) (--target URL --token T | --to-lab NAME [--profile P]) [--json]\n\n"+
			"Sends a lab's recorded requests again, in order, following the ids the target assigns, and\n"+
			"reports each request whose answer differs: another status, or another body (ids, meta,\n"+
			"timestamps and versions ignored). Requests refused for authentication, or answered by a\n"+
			"fault rule, when recorded are reported, not sent. A new --to-lab lab plays the profile the\n"+
			"recording was made with unless --profile names another, to see what another app answers.\n"+
			"Exit status: 0 every answer the same, 1 an answer differed, 2 usage error.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := parseCommandFlags(fs, args, stderr); err != nil {
		return err
	}
	usage := func(msg string) error {
		fmt.Fprintln(stderr, "scimlab replay:", msg)
		fs.Usage()
		return errUsage
	}
	switch {
	case (fromLab == "") == (bundlePath == ""):
		return usage("give one of --lab NAME or --bundle FILE: the recorded requests to replay")
	case (target == "") == (toLab == ""):
		return usage("give one of --target URL or --to-lab NAME: where to replay")
	case toLab != "" && (token != "" || tokenHeader != ""):
		return usage("--token and --token-header go with --target; the --to-lab lab has its own")
	case target != "" && strict:
		return usage("--strict applies to the --to-lab lab; start your own scimlab with --strict and pass --target")
	case target != "" && profileArg != "":
		return usage("--profile applies to the --to-lab lab; start your own scimlab with --profile and pass --target")
	case toLab != "" && toLab == fromLab:
		return usage("replaying a lab into itself would mix the replay with its recording; name another --to-lab")
	}
	if target != "" && token == "" {
		token = getenv("SCIMLAB_TOKEN")
		if token == "" {
			return usage("--target needs --token (or $SCIMLAB_TOKEN)")
		}
	}

	rec, err := replaySource(ctx, fromLab, bundlePath)
	if err != nil {
		return err
	}
	defer rec.close()
	t := replay.Target{BaseURL: target, Token: token, TokenHeader: tokenHeader}
	playing := ""
	if toLab != "" {
		a, err := startReplayLab(ctx, toLab, profileArg, rec.profile, strict)
		if err != nil {
			return err
		}
		defer a.Close()
		t, playing = a.ReplayTarget(), a.Profile().Name
	}
	src, total := rec.requests, rec.total
	line := progress.New(stderr, "replaying", "requests", isTerminal(stderr), progressInterval)
	rep, err := replay.Run(ctx, src, total, t, func(done, total int) { line.Update(int64(done), int64(total)) })
	line.Done()
	if err != nil {
		return err
	}
	if toLab != "" {
		rep.Target = "the lab " + toLab + " (" + rep.Target + ", playing " + playing + ")"
	}
	if asJSON {
		if err := rep.WriteJSON(stdout); err != nil {
			return err
		}
	} else if err := rep.WriteText(stdout, isTerminal(stdout) && getenv("NO_COLOR") == ""); err != nil {
		return err
	}
	if rep.Differs() {
		return errReplayDiffers
	}
	return nil
}

// recording is what a replay sends again: the requests, how many, and the profile the
// lab they were recorded on kept (as lab.ProfileSetting holds it, "" for none).
type recording struct {
	requests replay.Source
	total    int
	profile  string
	close    func()
}

// replaySource opens the recorded requests to replay: a lab's request log or a bundle's.
func replaySource(ctx context.Context, labName, bundlePath string) (recording, error) {
	if bundlePath != "" {
		b, err := bundle.Open(bundlePath)
		if err != nil {
			return recording{}, fmt.Errorf("reading %s: %w", bundlePath, err)
		}
		settings, err := b.Settings()
		if err != nil {
			b.Close()
			return recording{}, fmt.Errorf("reading %s: %w", bundlePath, err)
		}
		return recording{requests: b.EachRequest, total: b.Manifest().Counts.Requests, profile: settings[lab.ProfileSetting],
			close: func() { b.Close() }}, nil
	}
	path, err := lab.DefaultDir().Existing(labName)
	if err != nil {
		return recording{}, err
	}
	st, err := store.Open(ctx, path)
	if err != nil {
		return recording{}, fmt.Errorf("opening the lab %q: %w", labName, err)
	}
	n, newest, err := st.CountRequests(ctx, store.RequestFilter{})
	var kept string
	if err == nil {
		kept, _, err = st.Setting(ctx, lab.ProfileSetting)
	}
	if err != nil {
		st.Close()
		return recording{}, err
	}
	src := func(yield func(*exchange.Record) error) error {
		return st.EachRequest(ctx, store.RequestFilter{UpToSeq: newest}, yield)
	}
	return recording{requests: src, total: int(n), profile: kept, close: func() { st.Close() }}, nil
}

// startReplayLab starts a scimlab serving the lab called name for a replay, playing
// the profile given, else (for a new lab) the one the recording was made with, so
// that the same app answers the same requests and only a change shows as a
// difference.
func startReplayLab(ctx context.Context, name, given, recorded string, strict bool) (*app.App, error) {
	dir := lab.DefaultDir()
	path, err := dir.Path(name)
	if err != nil {
		return nil, err
	}
	exists, err := dir.Exists(name)
	if err != nil {
		return nil, err
	}
	if !exists && given == "" && recorded != "" {
		sp, err := profile.DecodeStored(recorded)
		if err == nil {
			_, err = sp.Profile()
		}
		if err != nil {
			return nil, fmt.Errorf("the recording was made playing a profile this scimlab cannot play (%v); name one with --profile", err)
		}
		if err := keepProfile(ctx, path, recorded); err != nil {
			return nil, err
		}
	}
	a, err := app.Start(ctx, app.Options{Listen: "127.0.0.1:0", DB: path, Lab: name, NoTunnel: true, Strict: strict, Profile: given,
		MaxBody: scimserver.DefaultMaxBodyBytes, LogRetention: scimserver.DefaultLogRetention}, func(string) string { return "" }, slog.New(slog.DiscardHandler))
	if err != nil {
		return nil, fmt.Errorf("starting scimlab on the lab %q: %w", name, err)
	}
	return a, nil
}

// keepProfile creates the lab at path keeping the profile kept, as a lab started with
// it would.
func keepProfile(ctx context.Context, path, kept string) error {
	db, err := store.Open(ctx, path)
	if err != nil {
		return err
	}
	return errors.Join(db.SetSetting(ctx, lab.ProfileSetting, kept), db.Close())
}
