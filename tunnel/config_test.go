package tunnel

import (
	"bytes"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/adrg/xdg"
)

func useTempXDG(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	t.Cleanup(xdg.Reload) // runs after Setenv's own cleanup restores the variable
	t.Setenv("XDG_CONFIG_HOME", dir)
	xdg.Reload()
	return dir
}

func TestConfigRoundTripAndModes(t *testing.T) {
	home := useTempXDG(t)
	path := DefaultConfigPath()
	if want := filepath.Join(home, "scimlab", "config.json"); path != want {
		t.Fatalf("DefaultConfigPath = %s, want %s", path, want)
	}
	if _, err := os.Stat(filepath.Dir(path)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("DefaultConfigPath created its directory: %v", err)
	}

	cfg, err := LoadConfig(path)
	if err != nil || cfg != (Config{}) {
		t.Fatalf("missing file: %+v, %v", cfg, err)
	}

	want := Config{NgrokAuthToken: fakeToken, Domain: "scim.ngrok-free.app", LastPublicURL: "https://scim.ngrok-free.app"}
	if err := SaveConfig(path, want); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("file mode = %v, want 0600", fi.Mode().Perm())
	}
	di, err := os.Stat(filepath.Dir(path))
	if err != nil {
		t.Fatal(err)
	}
	if di.Mode().Perm() != 0o700 {
		t.Errorf("dir mode = %v, want 0700", di.Mode().Perm())
	}
	got, err := LoadConfig(path)
	if err != nil || got != want {
		t.Fatalf("round trip: %+v, %v; want %+v", got, err, want)
	}

	// Overwriting keeps 0600 even if someone loosened the file.
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	want.LastPublicURL = "https://other.ngrok-free.app"
	if err := SaveConfig(path, want); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("mode after overwrite = %v", fi.Mode().Perm())
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("temp files left: %v", entries)
	}
	if got, _ := LoadConfig(path); got != want {
		t.Errorf("after overwrite: %+v", got)
	}
}

func TestLoadConfigBadJSONDoesNotQuoteTheFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.json")
	if err := os.WriteFile(path, []byte(`{"ngrok_authtoken": "`+fakeToken+`" oops`), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := LoadConfig(path)
	if err == nil {
		t.Fatal("invalid JSON accepted")
	}
	if strings.Contains(err.Error(), fakeToken) {
		t.Errorf("error quotes the token: %v", err)
	}
	empty := filepath.Join(t.TempDir(), "empty.json")
	os.WriteFile(empty, nil, 0o600)
	if c, err := LoadConfig(empty); err != nil || c != (Config{}) {
		t.Errorf("empty file: %+v, %v", c, err)
	}
}

func TestConfigLogValueMasksToken(t *testing.T) {
	var buf bytes.Buffer
	slog.New(slog.NewTextHandler(&buf, nil)).Info("loaded", "config", Config{NgrokAuthToken: fakeToken, Domain: "d.ngrok.app"})
	if strings.Contains(buf.String(), fakeToken) {
		t.Errorf("token logged: %s", buf.String())
	}
	mustContain(t, "log", buf.String(), "****cdef", "d.ngrok.app")
}

func TestResolveToken(t *testing.T) {
	env := func(v string) func(string) string {
		return func(k string) string {
			if k == "NGROK_AUTHTOKEN" {
				return v
			}
			return ""
		}
	}
	file := Config{NgrokAuthToken: "file-token"}
	tests := []struct {
		name        string
		flag        string
		getenv      func(string) string
		cfg         Config
		token, from string
	}{
		{"flag first", "flag-token", env("env-token"), file, "flag-token", SourceFlag},
		{"env second", "", env("env-token"), file, "env-token", SourceEnv},
		{"file last", "", env(""), file, "file-token", SourceConfig},
		{"blank values skipped", "  ", env(" \n"), file, "file-token", SourceConfig},
		{"trimmed", " flag-token\n", nil, Config{}, "flag-token", SourceFlag},
		{"none", "", nil, Config{}, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			token, from := ResolveToken(tt.flag, tt.getenv, tt.cfg)
			if token != tt.token || from != tt.from {
				t.Errorf("= %q, %q; want %q, %q", token, from, tt.token, tt.from)
			}
		})
	}
}

func TestResolveDomain(t *testing.T) {
	saved := Config{Domain: "saved.ngrok-free.app"}
	tests := []struct {
		name     string
		flag     string
		cfg      Config
		want     string
		remember bool
		ok       bool
	}{
		{"remembered", "", saved, "saved.ngrok-free.app", false, true},
		{"new flag is remembered", "https://New.ngrok-free.app/", saved, "new.ngrok-free.app", true, true},
		{"same flag", "saved.ngrok-free.app", saved, "saved.ngrok-free.app", false, true},
		{"none", "", Config{}, "", false, true},
		{"bad flag", "a b", saved, "", false, false},
		{"bad saved", "", Config{Domain: "x:1"}, "", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, remember, err := ResolveDomain(tt.flag, tt.cfg)
			if d != tt.want || remember != tt.remember || (err == nil) != tt.ok {
				t.Errorf("= %q, %v, %v; want %q, %v, ok=%v", d, remember, err, tt.want, tt.remember, tt.ok)
			}
		})
	}
}

func TestURLChanged(t *testing.T) {
	tests := []struct {
		last, now string
		changed   bool
	}{
		{"", "https://a.ngrok-free.app", false},
		{"https://a.ngrok-free.app", "https://a.ngrok-free.app", false},
		{"https://a.ngrok-free.app/", "https://A.ngrok-free.app", false},
		{"https://a.ngrok-free.app", "https://b.ngrok-free.app", true},
		{"https://a.ngrok-free.app", "", false},
	}
	for _, tt := range tests {
		old, changed := URLChanged(Config{LastPublicURL: tt.last}, tt.now)
		if changed != tt.changed || old != tt.last {
			t.Errorf("URLChanged(%q, %q) = %q, %v; want changed=%v", tt.last, tt.now, old, changed, tt.changed)
		}
	}
	msg := URLChangedWarning("https://a.ngrok-free.app", "https://b.ngrok-free.app/")
	mustContain(t, "warning", msg, "Okta/Entra still point at the old URL", "https://a.ngrok-free.app",
		"https://b.ngrok-free.app/scim/v2", "--domain")
	// A --public-url given with the SCIM path must not get it twice.
	msg = URLChangedWarning("https://old.example.com/scim/v2", "https://scim.example.com/scim/v2")
	mustContain(t, "warning", msg, "to https://scim.example.com/scim/v2.", "your own proxy")
}

func TestMaskToken(t *testing.T) {
	for in, want := range map[string]string{"": "", "short": "****", fakeToken: "****cdef", " " + fakeToken + "\n": "****cdef"} {
		if got := MaskToken(in); got != want {
			t.Errorf("MaskToken(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRedactHandler(t *testing.T) {
	var buf bytes.Buffer
	l := newRedactLogger(slog.New(slog.NewTextHandler(&buf, nil)), fakeToken)
	l.With("pre", "t="+fakeToken).WithGroup("g").Info("auth "+fakeToken,
		"err", errors.New("bad "+fakeToken),
		"s", fakeToken,
		slog.Group("inner", "x", fakeToken),
		"any", struct{ Token string }{fakeToken},
		"n", 7)
	out := buf.String()
	if strings.Contains(out, fakeToken) {
		t.Errorf("token in log: %s", out)
	}
	if strings.Count(out, redacted) < 6 {
		t.Errorf("expected every field redacted: %s", out)
	}
	mustContain(t, "log", out, "g.n=7")
}
