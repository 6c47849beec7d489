package app

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// blockedPath is a log path whose directory cannot be created: a regular file
// stands where the directory should be (which stops root too).
func blockedPath(t *testing.T) string {
	t.Helper()
	file := filepath.Join(t.TempDir(), "state")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	return filepath.Join(file, "scimlab", "console.log")
}

func TestConsoleLogOpensWhereItBelongs(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state", "scimlab", "console.log")
	l := OpenConsoleLog(path)
	defer l.Close()
	if l.File == nil || l.Path != path || l.Warning != "" {
		t.Fatalf("log %+v, want %s without a warning", l, path)
	}
	l.Logger().Info("hello")
	if data, _ := os.ReadFile(path); !strings.Contains(string(data), "hello") {
		t.Errorf("the log holds %q", data)
	}
}

func TestConsoleLogFallsBackToTheTemporaryDirectory(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	path := blockedPath(t)
	l := OpenConsoleLog(path)
	defer l.Close()
	if l.File == nil || !strings.HasPrefix(l.Path, tmp) {
		t.Fatalf("log %+v, want a file under %s", l, tmp)
	}
	if !strings.Contains(l.Warning, path) || !strings.Contains(l.Warning, l.Path) || strings.Contains(l.Warning, "\n") {
		t.Errorf("warning %q should name both places on one line", l.Warning)
	}
	if fi, err := os.Stat(filepath.Dir(l.Path)); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("fallback directory: %v, %v; want mode 0700", fi.Mode(), err)
	}
	l.Logger().Info("kept")
	if data, _ := os.ReadFile(l.Path); !strings.Contains(string(data), "kept") {
		t.Errorf("the fallback log holds %q", data)
	}
}

func TestConsoleLogWithNowhereToGoKeepsNone(t *testing.T) {
	t.Setenv("TMPDIR", blockedPath(t))
	path := blockedPath(t)
	l := OpenConsoleLog(path)
	if l.File != nil || l.Path != "" {
		t.Fatalf("log %+v, want none", l)
	}
	if !strings.Contains(l.Warning, "keeps no log") || !strings.Contains(l.Warning, path) {
		t.Errorf("warning %q", l.Warning)
	}
	l.Logger().Error("discarded") // must not panic
	if err := l.Close(); err != nil {
		t.Error(err)
	}
}

// A fallback directory that is not private (another user could have made it) is
// not used.
func TestConsoleLogRefusesASharedFallbackDirectory(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("Windows gives each user a temporary directory of their own")
	}
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	if err := os.Mkdir(filepath.Join(tmp, privateDirName()), 0o777); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(filepath.Join(tmp, privateDirName()), 0o777); err != nil {
		t.Fatal(err)
	}
	l := OpenConsoleLog(blockedPath(t))
	if l.File != nil {
		l.Close()
		t.Fatalf("used the world-writable %s", l.Path)
	}
}
