package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/adrg/xdg"

	"github.com/scimlab/scimlab/lab"
	"github.com/scimlab/scimlab/logview"
)

// useDataDir points XDG_DATA_HOME at a directory of the test's own holding the labs
// named (empty files: only their names are read here).
func useDataDir(t *testing.T, labs ...string) lab.Dir {
	t.Helper()
	t.Cleanup(xdg.Reload)
	t.Setenv("XDG_DATA_HOME", t.TempDir())
	xdg.Reload()
	dir := lab.DefaultDir()
	for _, name := range labs {
		path, err := dir.Path(name)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// The lab to open is a setting like the database: --lab, SCIMLAB_LAB, "lab:" in the
// config file. --lab and --db name the database two ways, so the one given higher up
// wins over the other given lower down, and one place giving both is refused.
func TestLabSetting(t *testing.T) {
	dir := useDataDir(t)
	acme, _ := dir.Path("acme")
	def, _ := dir.Path(lab.Default)
	tests := []struct {
		name, config string
		getenv       func(string) string
		args         []string
		lab, db      string
	}{
		{"default", "", envOf(), nil, lab.Default, def},
		{"flag", "", envOf(), []string{"--lab", "acme"}, "acme", acme},
		{"variable", "", envOf("SCIMLAB_LAB", "acme"), nil, "acme", acme},
		{"config file", "lab: acme\n", envOf(), nil, "acme", acme},
		{"--db over SCIMLAB_LAB", "", envOf("SCIMLAB_LAB", "acme"), []string{"--db", "/tmp/x.db"}, "", "/tmp/x.db"},
		{"--lab over SCIMLAB_DB", "", envOf("SCIMLAB_DB", "/tmp/x.db"), []string{"--lab", "acme"}, "acme", acme},
		{"SCIMLAB_DB over lab:", "lab: acme\n", envOf("SCIMLAB_DB", "/tmp/x.db"), nil, "", "/tmp/x.db"},
		{"SCIMLAB_LAB over db:", "db: /tmp/x.db\n", envOf("SCIMLAB_LAB", "acme"), nil, "acme", acme},
		{"--db naming a lab's file", "", envOf(), []string{"--db", acme}, "acme", acme},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			useConfig(t, tc.config)
			o, stderr, err := serveOptions(t, tc.getenv, tc.args...)
			if err != nil {
				t.Fatalf("%v\n%s", err, stderr)
			}
			if o.Lab != tc.lab || o.DB != tc.db {
				t.Errorf("lab %q, db %s; want lab %q, db %s", o.Lab, o.DB, tc.lab, tc.db)
			}
		})
	}

	refused := []struct {
		name, config string
		getenv       func(string) string
		args         []string
		want         string
	}{
		{"flags", "", envOf(), []string{"--lab", "a", "--db", "/tmp/x.db"}, "scimlab serve: --lab and --db both name a database; give one of them\n"},
		{"variables", "", envOf("SCIMLAB_LAB", "a", "SCIMLAB_DB", "/tmp/x.db"), nil, "scimlab serve: SCIMLAB_LAB and SCIMLAB_DB both name a database; set one of them\n"},
		{"config file", "db: x.db\nlab: a\n", envOf(), nil, ", line 2: db and lab both name a database (lines 1 and 2); keep one of them\n"},
		{"a path for a name", "", envOf(), []string{"--lab", "../etc"}, `the lab name "../etc" is a path`},
		{"a bad name in the variable", "", envOf("SCIMLAB_LAB", "a b"), nil, `the lab name "a b" holds ' '`},
	}
	for _, tc := range refused {
		t.Run(tc.name, func(t *testing.T) {
			useConfig(t, tc.config)
			_, stderr, err := serveOptions(t, tc.getenv, tc.args...)
			if ExitCode(err) != ExitUsage || !strings.Contains(stderr, tc.want) || !strings.HasSuffix(stderr, "Run 'scimlab serve --help' for usage.\n") {
				t.Errorf("exit %d (%v), stderr %q; want a usage error saying %q", ExitCode(err), err, stderr, tc.want)
			}
		})
	}
}

// export, log and doctor read the lab setting; import and replay name their labs on
// the command line only, so a lab set for every start does not become a replay's
// source or an import's destination.
func TestLabSettingPerCommand(t *testing.T) {
	dir := useDataDir(t, "acme")
	acme, _ := dir.Path("acme")
	useConfig(t, "")
	var export ExportOptions
	var doctor DoctorOptions
	var replay ReplayOptions
	var logDB string
	h := noop
	h.Export = func(_ context.Context, o ExportOptions) error { export = o; return nil }
	h.Doctor = func(_ context.Context, o DoctorOptions) error { doctor = o; return nil }
	h.Replay = func(_ context.Context, o ReplayOptions) error { replay = o; return nil }
	h.Log = func(_ context.Context, o logview.Options) error { logDB = o.DB; return nil }
	env := envOf("SCIMLAB_LAB", "acme")
	run := func(args ...string) (string, error) {
		var out, errOut bytes.Buffer
		err := Execute(context.Background(), args, IO{Getenv: env, Stdout: &out, Stderr: &errOut}, "test", h)
		return errOut.String(), err
	}
	if stderr, err := run("export", "--har", "x.har"); err != nil || export.Lab != "acme" || export.DB != acme {
		t.Errorf("export: %+v %v\n%s", export, err, stderr)
	}
	if stderr, err := run("log"); err != nil || logDB != acme {
		t.Errorf("log read %s: %v\n%s", logDB, err, stderr)
	}
	// A lab that is not there is a failure of log, as a missing database is.
	if stderr, err := run("log", "--lab", "nosuch"); ExitCode(err) != ExitFailure || !strings.Contains(stderr, `there is no lab called "nosuch"`) {
		t.Errorf("log --lab nosuch: exit %d %v\n%s", ExitCode(err), err, stderr)
	}
	if stderr, err := run("doctor"); err != nil || doctor.App.Lab != "acme" || doctor.App.DB != acme {
		t.Errorf("doctor: %+v %v\n%s", doctor.App, err, stderr)
	}
	if stderr, err := run("replay", "--bundle", "b.zip", "--to-lab", "fresh"); err != nil || replay.FromLab != "" {
		t.Errorf("replay took SCIMLAB_LAB: %+v %v\n%s", replay, err, stderr)
	}
	if stderr, _ := run("replay", "--to-lab", "fresh"); !strings.Contains(stderr, "give one of --lab NAME or --bundle FILE") {
		t.Errorf("replay without a source: %s", stderr)
	}
	if stderr, err := run("import", "b.zip"); ExitCode(err) != ExitUsage || !strings.Contains(stderr, "name the bundle and the lab to create") {
		t.Errorf("import took SCIMLAB_LAB: %v\n%s", err, stderr)
	}
}

// Replay's exit statuses: 0 the same answers, 1 differences (the report said which,
// so nothing more is printed), 2 a command line that names no replay.
func TestReplayExitStatuses(t *testing.T) {
	useConfig(t, "")
	differs := noop
	differs.Replay = func(context.Context, ReplayOptions) error { return Reported("answers differ") }
	for _, tc := range []struct {
		name   string
		h      Handlers
		args   []string
		code   int
		stderr string
	}{
		{"same", noop, []string{"replay", "--lab", "a", "--to-lab", "b"}, ExitOK, ""},
		{"differs", differs, []string{"replay", "--lab", "a", "--to-lab", "b"}, ExitFailure, ""},
		{"no source", noop, []string{"replay", "--to-lab", "b"}, ExitUsage, "give one of --lab NAME or --bundle FILE"},
		{"no target", noop, []string{"replay", "--lab", "a"}, ExitUsage, "give one of --target URL or --to-lab NAME"},
		{"no token", noop, []string{"replay", "--lab", "a", "--target", "http://127.0.0.1:1/scim/v2"}, ExitUsage, "--target needs --token"},
		{"into itself", noop, []string{"replay", "--lab", "a", "--to-lab", "a"}, ExitUsage, "into itself"},
		{"bad lab name", noop, []string{"replay", "--lab", "a", "--to-lab", "../b"}, ExitUsage, "is a path"},
		{"export without a file", noop, []string{"export"}, ExitUsage, "give one of --har FILE or --bundle FILE"},
		{"export with a bad --since", noop, []string{"export", "--har", "x", "--since", "soon"}, ExitUsage, "soon"},
		{"export with a bad --idp", noop, []string{"export", "--har", "x", "--idp", "ping"}, ExitUsage, "--idp accepts okta, entra or unknown"},
		{"import without a lab", noop, []string{"import", "b.zip"}, ExitUsage, "name the bundle and the lab to create"},
		{"import of two bundles", noop, []string{"import", "a.zip", "b.zip", "--lab", "x"}, ExitUsage, "name the bundle and the lab to create"},
		{"labs with an argument", noop, []string{"labs", "extra"}, ExitUsage, `unexpected argument "extra"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, stderr, err := execute(t, tc.h, tc.args...)
			if ExitCode(err) != tc.code || tc.stderr == "" && stderr != "" || !strings.Contains(stderr, tc.stderr) {
				t.Errorf("exit %d (%v), stderr %q; want %d and %q", ExitCode(err), err, stderr, tc.code, tc.stderr)
			}
		})
	}
}

// The shell completes --lab with the labs there are, --idp with the IdPs, and a
// bundle or HAR with file names.
func TestLabCompletions(t *testing.T) {
	useDataDir(t, lab.Default, "acme", "class-3")
	for _, tc := range []struct {
		args  []string
		words []string
		files bool
	}{
		{[]string{"serve", "--lab", ""}, []string{"default", "acme", "class-3"}, false},
		{[]string{"--lab", "a"}, []string{"default", "acme", "class-3"}, false},
		{[]string{"replay", "--to-lab", ""}, []string{"default", "acme", "class-3"}, false},
		{[]string{"log", "--lab", ""}, []string{"default", "acme", "class-3"}, false},
		{[]string{"export", "--idp", ""}, []string{"okta", "entra", "unknown"}, false},
		{[]string{"export", "--bundle", ""}, nil, true},
		{[]string{"export", "--har", ""}, nil, true},
		{[]string{"replay", "--bundle", ""}, nil, true},
		{[]string{"import", ""}, nil, true},
	} {
		stdout, stderr, err := execute(t, noop, append([]string{"__complete"}, tc.args...)...)
		if err != nil {
			t.Fatalf("%v: %v\n%s", tc.args, err, stderr)
		}
		lines := strings.Split(strings.TrimSpace(stdout), "\n")
		directive := lines[len(lines)-1]
		var words []string
		for _, l := range lines[:len(lines)-1] {
			if w, _, _ := strings.Cut(l, "\t"); !strings.HasPrefix(w, "_activeHelp_") {
				words = append(words, w)
			}
		}
		if tc.words != nil && strings.Join(words, " ") != strings.Join(tc.words, " ") {
			t.Errorf("%v completes to %q, want %q", tc.args, words, tc.words)
		}
		// ":0" lets the shell complete file names; ":4" does not.
		if wantFiles := directive == ":0"; wantFiles != tc.files {
			t.Errorf("%v: directive %s, file names %v", tc.args, directive, tc.files)
		}
	}
}
