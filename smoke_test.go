package main

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// TestConsoleInRealTerminal builds the binary and runs scripts/tmux-smoke.sh: the
// console in a real tmux terminal at 80x24 and 200x50, against its real server, with
// requests sent by curl, checking every screen, a resize and a clean quit.
func TestConsoleInRealTerminal(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and drives tmux; skipped with -short")
	}
	for _, tool := range []string{"tmux", "curl", "bash"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed (scripts/test.sh installs it): %v", tool, err)
		}
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "scimlab")
	build := exec.Command("go", "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	smoke := exec.CommandContext(ctx, "bash", "scripts/tmux-smoke.sh", bin, strconv.Itoa(smokeTestPort(t)), filepath.Join(dir, "captures"))
	// The script starts its own tmux server socket per session name; keep it away from
	// a tmux the developer may be running.
	smoke.Env = append(os.Environ(), "TMUX=", "TMUX_TMPDIR="+dir)
	out, err := smoke.CombinedOutput()
	if err != nil {
		t.Fatalf("tmux smoke test failed: %v\n%s", err, out)
	}
	t.Logf("%s", out)
}

func smokeTestPort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
