package cli

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/adrg/xdg"

	"github.com/scimlab/scimlab/app"
	"github.com/scimlab/scimlab/config"
	"github.com/scimlab/scimlab/logview"
)

// useConfig points XDG_CONFIG_HOME at a directory of the test's own and writes text
// (unless empty) as scimlab's config file there; it returns the file's path.
func useConfig(t *testing.T, text string) string {
	t.Helper()
	t.Cleanup(xdg.Reload) // registered first, so it runs after t.Setenv restores the variable
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	xdg.Reload()
	path := config.DefaultPath()
	if text != "" {
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return path
}

func envOf(kv ...string) func(string) string {
	return func(k string) string {
		for i := 0; i+1 < len(kv); i += 2 {
			if kv[i] == k {
				return kv[i+1]
			}
		}
		return ""
	}
}

// serveOptions runs "scimlab serve args" through Execute and returns the options the
// server would have started with.
func serveOptions(t *testing.T, getenv func(string) string, args ...string) (app.Options, string, error) {
	t.Helper()
	var got app.Options
	var stderr bytes.Buffer
	err := Execute(context.Background(), append([]string{"serve"}, args...), IO{Getenv: getenv, Stdout: &bytes.Buffer{}, Stderr: &stderr}, "test",
		Handlers{Serve: func(_ context.Context, o app.Options) error { got = o; return nil }})
	return got, stderr.String(), err
}

// Each level wins over the one below it: a flag over the environment, the
// environment over the config file, the config file over the default.
func TestPrecedence(t *testing.T) {
	path := useConfig(t, "listen: 127.0.0.1:7001\nstrict: true\nmax-body: 2048\ndb: lab.db\nprofile: thinglink\n")
	configDB := filepath.Join(filepath.Dir(path), "lab.db")
	env := envOf("SCIMLAB_LISTEN", "127.0.0.1:7002", "SCIMLAB_STRICT", "false", "SCIMLAB_MAX_BODY", "4096", "SCIMLAB_DB", "/tmp/env.db")
	type view struct {
		listen  string
		strict  bool
		maxBody int64
		db      string
		profile string
	}
	tests := []struct {
		name   string
		config bool
		getenv func(string) string
		args   []string
		want   view
	}{
		{"defaults", false, envOf(), nil, view{"127.0.0.1:8080", false, 1 << 20, "", ""}},
		{"config file over defaults", true, envOf(), nil, view{"127.0.0.1:7001", true, 2048, configDB, "thinglink"}},
		{"environment over config file", true, env, nil, view{"127.0.0.1:7002", false, 4096, "/tmp/env.db", "thinglink"}},
		{"flags over environment", true, env, []string{"--listen", "127.0.0.1:7003", "--strict", "--max-body=8192", "--db", "flag.db", "--profile", "generic"},
			view{"127.0.0.1:7003", true, 8192, "flag.db", "generic"}},
		{"an empty variable is no setting", true, envOf("SCIMLAB_LISTEN", ""), nil, view{"127.0.0.1:7001", true, 2048, configDB, "thinglink"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if !tc.config {
				useConfig(t, "")
			}
			o, stderr, err := serveOptions(t, tc.getenv, tc.args...)
			if err != nil {
				t.Fatalf("%v\n%s", err, stderr)
			}
			got := view{o.Listen, o.Strict, o.MaxBody, o.DB, o.Profile}
			if tc.want.db == "" {
				got.db = "" // the default database lives under the test's XDG_DATA_HOME
			}
			if got != tc.want {
				t.Errorf("got  %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

// The secrets are read by the app itself, which says where a token came from: the
// layers leave --token and --ngrok-token empty when only a variable is set.
func TestSecretsAreLeftToTheApp(t *testing.T) {
	useConfig(t, "")
	o, _, err := serveOptions(t, envOf("SCIMLAB_TOKEN", "from-env", "NGROK_AUTHTOKEN", "ngrok-env"))
	if err != nil || o.Token != "" || o.NgrokToken != "" {
		t.Errorf("token %q, ngrok token %q, err %v", o.Token, o.NgrokToken, err)
	}
}

func TestBadSettingsAreUsageErrors(t *testing.T) {
	tests := []struct {
		name, config string
		getenv       func(string) string
		want         []string
	}{
		{"variable", "", envOf("SCIMLAB_STRICT", "maybe"), []string{`SCIMLAB_STRICT is "maybe", not true or false`}},
		{"number variable", "", envOf("SCIMLAB_MAX_BODY", "1MB"), []string{`SCIMLAB_MAX_BODY is "1MB", not a whole number`}},
		{"config value", "listen: a\nlog-retention: many\n", envOf(), []string{", line 2: log-retention is \"many\", not a whole number"}},
		{"config syntax", "listen: a\nstrict true\n", envOf(), []string{", line 2: could not find expected ':'"}},
		{"config unknown key", "port: 9000\n", envOf(), []string{", line 1: unknown setting \"port\""}},
		{"value checked after the layers", "max-body: 0\n", envOf(), []string{"--max-body must be a positive number"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := useConfig(t, tc.config)
			_, stderr, err := serveOptions(t, tc.getenv)
			if !errors.Is(err, ErrUsage) || ExitCode(err) != ExitUsage {
				t.Fatalf("error %v, want a usage error", err)
			}
			wants := append(tc.want, "Run 'scimlab serve --help' for usage.")
			if tc.config != "" && !strings.HasPrefix(tc.name, "value") {
				wants = append(wants, "config file "+path)
			}
			for _, w := range wants {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr %q lacks %q", stderr, w)
				}
			}
		})
	}
}

// A variable wins over a config line with a bad value: that line is not used, so it
// is not refused.
func TestVariableOverBadConfigValue(t *testing.T) {
	useConfig(t, "strict: maybe\n")
	o, stderr, err := serveOptions(t, envOf("SCIMLAB_STRICT", "true"))
	if err != nil || !o.Strict {
		t.Errorf("strict %v, err %v\n%s", o.Strict, err, stderr)
	}
}

// Doctor runs with a config file it cannot use (it reports it), and reads the
// settings it checks from the environment and a good file like a start does.
func TestDoctorSettings(t *testing.T) {
	var got DoctorOptions
	h := Handlers{Doctor: func(_ context.Context, o DoctorOptions) error { got = o; return nil }}
	useConfig(t, "listen: 127.0.0.1:7001\nno-tunnel: true\n")
	if err := Execute(context.Background(), []string{"doctor"}, IO{Getenv: envOf("SCIMLAB_DB", "/tmp/d.db"), Stdout: &bytes.Buffer{}, Stderr: &bytes.Buffer{}}, "test", h); err != nil {
		t.Fatal(err)
	}
	if got.App.Listen != "127.0.0.1:7001" || !got.App.NoTunnel || got.App.DB != "/tmp/d.db" {
		t.Errorf("doctor's start: %+v", got.App)
	}
	useConfig(t, "listen: [1, 2]\n")
	if err := Execute(context.Background(), []string{"doctor"}, IO{Getenv: envOf(), Stdout: &bytes.Buffer{}, Stderr: &bytes.Buffer{}}, "test", h); err != nil {
		t.Errorf("doctor refused to run with a broken config file: %v", err)
	}
}

// log reads SCIMLAB_DB and the config file's db; simulate's --strict is about its
// throw-away server and takes no SCIMLAB_STRICT.
func TestSettingsPerCommand(t *testing.T) {
	path := useConfig(t, "db: lab.db\nstrict: true\n")
	var logDB string
	var simStrict, simRan bool
	h := Handlers{
		Log:      func(_ context.Context, o logview.Options) error { logDB = o.DB; return nil },
		Simulate: func(_ context.Context, o SimulateOptions) error { simStrict, simRan = o.Strict, true; return nil },
	}
	io := IO{Getenv: envOf("SCIMLAB_STRICT", "true"), Stdout: &bytes.Buffer{}, Stderr: &bytes.Buffer{}}
	if err := Execute(context.Background(), []string{"log"}, io, "test", h); err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(filepath.Dir(path), "lab.db"); logDB != want {
		t.Errorf("log read %s, want %s", logDB, want)
	}
	if err := Execute(context.Background(), []string{"simulate", "okta"}, io, "test", h); err != nil {
		t.Fatal(err)
	}
	if !simRan || simStrict {
		t.Errorf("simulate ran %v, strict %v", simRan, simStrict)
	}
}

// Commands that take no settings never read the config file, so a broken one does
// not stand in the way of help, the version or completions.
func TestBrokenConfigLeavesOtherCommandsAlone(t *testing.T) {
	useConfig(t, "listen: [\n")
	for _, args := range [][]string{{"version"}, {"--help"}, {"serve", "--help"}, {"completion", "bash"}, {"simulate", "--list-scenarios"}} {
		var out bytes.Buffer
		if err := Execute(context.Background(), args, IO{Getenv: envOf(), Stdout: &out, Stderr: &out}, "test", Handlers{}); err != nil || out.Len() == 0 {
			t.Errorf("%v: %v\n%s", args, err, out.String())
		}
	}
}
