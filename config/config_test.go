package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func write(t *testing.T, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "scimlab", "config.yaml")
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestLoad(t *testing.T) {
	path := write(t, "# a lab for the Okta class\nlisten: 127.0.0.1:9000\nstrict: true\ndb: labs/okta.db\nfaults: /etc/scimlab/faults.txt\nprofile: thinglink\nmax-body: 2048\ndomain:\n")
	f, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Dir(path)
	want := map[string]Value{
		"listen":   {"127.0.0.1:9000", 2},
		"strict":   {"true", 3},
		"db":       {filepath.Join(dir, "labs", "okta.db"), 4},
		"faults":   {"/etc/scimlab/faults.txt", 5},
		"profile":  {"thinglink", 6},
		"max-body": {"2048", 7},
	}
	if !f.Exists || len(f.Values) != len(want) {
		t.Fatalf("exists %v, values %v", f.Exists, f.Values)
	}
	for k, v := range want {
		if f.Values[k] != v {
			t.Errorf("%s = %+v, want %+v", k, f.Values[k], v)
		}
	}
	if got := strings.Join(f.Keys(), ","); got != "listen,db,strict,profile,max-body,faults" {
		t.Errorf("Keys() = %s", got)
	}
}

func TestLoadPaths(t *testing.T) {
	home, err := os.UserHomeDir()
	if err != nil {
		t.Skip("no home directory")
	}
	path := write(t, "db: ~/labs/x.db\nprofile: customers/acme.yaml\n")
	f, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := f.Values["db"].Text; got != filepath.Join(home, "labs", "x.db") {
		t.Errorf("db = %s", got)
	}
	if got := f.Values["profile"].Text; got != filepath.Join(filepath.Dir(path), "customers", "acme.yaml") {
		t.Errorf("profile file = %s", got)
	}
}

func TestLoadMissingOrEmpty(t *testing.T) {
	f, err := Load(filepath.Join(t.TempDir(), "config.yaml"))
	if err != nil || f.Exists || len(f.Values) != 0 {
		t.Errorf("missing file: %+v, %v", f, err)
	}
	f, err = Load(write(t, "# nothing set yet\n"))
	if err != nil || !f.Exists || len(f.Values) != 0 {
		t.Errorf("comments only: %+v, %v", f, err)
	}
}

func TestLoadRefuses(t *testing.T) {
	tests := []struct {
		name, text string
		line       int
		want       string
	}{
		{"syntax", "listen: 127.0.0.1:9000\nstrict true\ndb: x\n", 2, ", line 2: could not find expected ':'"},
		{"tab indentation", "listen: a\n\tdb: b\n", 2, ", line 2: "},
		{"unknown key", "listen: a\nlisen: b\n", 2, `unknown setting "lisen" (did you mean listen?); the config file takes listen, db,`},
		{"unknown key far from any", "colour: blue\n", 1, `unknown setting "colour"; the config file takes`},
		{"secret", "strict: true\ntoken: s3cret\n", 2, "token is not read from the config file: the bearer token is a secret"},
		{"ngrok secret", "ngrok-token: s3cret\n", 1, "NGROK_AUTHTOKEN"},
		{"list", "db:\n  - a\n  - b\n", 2, "db takes one value, not a list or a map"},
		{"twice", "listen: a\nstrict: true\nlisten: b\n", 3, "listen is set twice (lines 1 and 3)"},
		{"not a mapping", "- listen\n", 1, "must be a list of settings"},
		{"lab and db", "db: x.db\nstrict: true\nlab: acme\n", 3, "db and lab both name a database (lines 1 and 3); keep one of them"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := write(t, tc.text)
			_, err := Load(path)
			e, ok := err.(*Error)
			if !ok {
				t.Fatalf("error %v (%T), want *Error", err, err)
			}
			if e.Path != path || e.Line != tc.line || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "config file "+path) {
				t.Errorf("error %q (line %d), want line %d and %q", err, e.Line, tc.line, tc.want)
			}
			if strings.Contains(err.Error(), "s3cret") {
				t.Errorf("the error shows the secret: %v", err)
			}
		})
	}
}

func TestLoadUnreadable(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	_, err := Load(dir)
	if err == nil || !strings.Contains(err.Error(), "cannot be read") || !strings.Contains(err.Error(), dir) {
		t.Errorf("a directory as the config file: %v", err)
	}
}

func TestSettingsAreWellFormed(t *testing.T) {
	seen := map[string]bool{}
	for _, s := range Settings {
		if seen[s.Key] || seen[s.Env] {
			t.Errorf("%s or %s named twice", s.Key, s.Env)
		}
		seen[s.Key], seen[s.Env] = true, true
		if s.Secret != (s.Why != "") {
			t.Errorf("%s: a secret says why the file refuses it, and only a secret", s.Key)
		}
		if s.Apart != "" {
			other, ok := Lookup(s.Apart)
			if !ok || other.Apart != s.Key || other.Names != s.Names || s.Names == "" {
				t.Errorf("%s is apart from %q, which must be a setting apart from it naming the same", s.Key, s.Apart)
			}
		}
		if want := "SCIMLAB_" + strings.ToUpper(strings.ReplaceAll(s.Key, "-", "_")); s.Env != want && s.Key != "ngrok-token" {
			t.Errorf("%s: environment variable %s, want %s", s.Key, s.Env, want)
		}
	}
}
