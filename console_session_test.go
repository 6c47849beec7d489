package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/adrg/xdg"

	"github.com/scimlab/scimlab/app"
	"github.com/scimlab/scimlab/scimserver"
	"github.com/scimlab/scimlab/tui"
)

var regexpLogPath = regexp.MustCompile(`log of this session is in (\S+)`)

// useStateDir points the console log at dir (XDG_STATE_HOME) for one test.
func useStateDir(t *testing.T, dir string) {
	t.Helper()
	t.Cleanup(xdg.Reload)
	t.Setenv("XDG_STATE_HOME", dir)
	xdg.Reload()
}

func consoleOptions(t *testing.T) app.Options {
	return app.Options{Listen: "127.0.0.1:0", DB: filepath.Join(t.TempDir(), "scimlab.db"), NoTunnel: true,
		MaxBody: scimserver.DefaultMaxBodyBytes, LogRetention: scimserver.DefaultLogRetention}
}

// The console's diagnostics log is no reason to refuse to start: without its
// directory the log goes elsewhere, with a one-line warning.
func TestConsoleStartsWhenItsLogDirectoryCannotBeMade(t *testing.T) {
	useConfigDir(t)
	blocked := filepath.Join(t.TempDir(), "state-is-a-file")
	if err := os.WriteFile(blocked, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	useStateDir(t, blocked)
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)

	var stdout, stderr bytes.Buffer
	ran := false
	err := runConsoleSession(context.Background(), consoleOptions(t), noEnv, &stdout, &stderr, func(_ context.Context, d tui.Deps) error {
		ran = d.LocalURL != ""
		d.Logger.Info("console ran")
		return nil
	})
	if err != nil || !ran {
		t.Fatalf("the console did not run: %v", err)
	}
	if lines := strings.Split(strings.TrimSpace(stderr.String()), "\n"); len(lines) != 1 || !strings.Contains(lines[0], "warning") || !strings.Contains(lines[0], blocked) {
		t.Errorf("want one warning line naming %s, got:\n%s", blocked, stderr.String())
	}
	m := regexpLogPath.FindStringSubmatch(stdout.String())
	if m == nil || !strings.HasPrefix(m[1], tmp) {
		t.Fatalf("stop message %q does not name the fallback log under %s", stdout.String(), tmp)
	}
	if data, _ := os.ReadFile(m[1]); !strings.Contains(string(data), "console ran") {
		t.Errorf("the fallback log holds %q", data)
	}
}

// Quitting the console is no error: the log of a normal session holds nothing at
// error level.
func TestConsoleQuitLogsNoError(t *testing.T) {
	useConfigDir(t)
	useStateDir(t, t.TempDir())
	var stdout, stderr bytes.Buffer
	err := runConsoleSession(context.Background(), consoleOptions(t), noEnv, &stdout, &stderr, func(_ context.Context, d tui.Deps) error {
		if status, _ := call(t, "GET", d.LocalURL+"/Users", d.Token(), ""); status != 200 {
			t.Errorf("GET /Users: %d", status)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(app.ConsoleLogPath())
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(data), "level=ERROR") {
		t.Errorf("a normal quit logged an error:\n%s", data)
	}
	if stderr.Len() != 0 {
		t.Errorf("stderr: %s", stderr.String())
	}
}
