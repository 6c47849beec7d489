package main

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestGettingStartedCommands runs every command of docs/getting-started.md, as written,
// through a shell with the freshly built scimlab first on PATH, so the page cannot drift
// from the program. Only the listen address is moved off 8080 (through SCIMLAB_LISTEN and
// in the curl URL) so the test never collides with a scimlab the developer is running;
// ngrok cannot be reached here, so the console started with an ngrok token is checked up
// to the tunnel attempt.
func TestGettingStartedCommands(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs the guide's commands; skipped with -short")
	}
	lines := shellLines(t, "docs/getting-started.md")
	if len(lines) < 5 {
		t.Fatalf("found %d commands in docs/getting-started.md; the guide's sh blocks were not read", len(lines))
	}

	dir := t.TempDir()
	bin := filepath.Join(dir, "bin")
	if err := os.Mkdir(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("go", "build", "-o", filepath.Join(bin, "scimlab"), ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	listen := fmt.Sprintf("127.0.0.1:%d", smokeTestPort(t))
	g := &guide{t: t, dir: dir, listen: listen, env: []string{
		"PATH=" + bin + string(os.PathListSeparator) + os.Getenv("PATH"),
		"HOME=" + dir,
		"XDG_DATA_HOME=" + filepath.Join(dir, "data"),
		"XDG_CONFIG_HOME=" + filepath.Join(dir, "config"),
		"XDG_STATE_HOME=" + filepath.Join(dir, "state"),
		"TMPDIR=" + dir,
		"SCIMLAB_LISTEN=" + listen,
		"NGROK_AUTHTOKEN=",
		"TERM=xterm-256color",
	}}

	checks := map[string]func(line string){
		"scimlab version": func(line string) {
			g.expect(line, g.run(line, 0), "scimlab")
		},
		// The tunnel check warns here (no network), which is exit 0; a failed check is 1.
		"scimlab doctor": func(line string) {
			g.expect(line, g.run(line, 0), "config file", "listen address", "ngrok service")
		},
		"NGROK_AUTHTOKEN=your-ngrok-token scimlab": g.console,
		"scimlab simulate okta": func(line string) {
			g.expect(line, g.run(line, 0), "PASSED")
		},
		"scimlab simulate entra": func(line string) {
			g.expect(line, g.run(line, 0), "PASSED")
		},
		"scimlab serve --no-tunnel": g.serve,
		`curl -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:8080/scim/v2/Users?startIndex=1&count=2"`: func(line string) {
			if g.token == "" {
				t.Fatalf("%q runs before the guide's serve printed a token", line)
			}
			line = strings.ReplaceAll(line, "127.0.0.1:8080", listen)
			g.expect(line, g.run(line, 0, "TOKEN="+g.token), `"totalResults":0`)
		},
		"scimlab log": func(line string) {
			g.expect(line, g.run(line, 0), "test-connection", "Okta test connection: passed")
		},
	}
	seen := map[string]bool{}
	for _, line := range lines {
		check, ok := checks[line]
		if !ok {
			t.Errorf("docs/getting-started.md shows %q, which this test does not run: add it to the checks", line)
			continue
		}
		seen[line] = true
		check(line)
	}
	g.stopServe()
	for line := range checks {
		if !seen[line] {
			t.Errorf("the check for %q has no command in docs/getting-started.md any more: remove it", line)
		}
	}
}

// shellLines returns the command lines of a page's ```sh blocks.
func shellLines(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines []string
	inShell := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case strings.HasPrefix(line, "```"):
			inShell = !inShell && line == "```sh"
		case inShell && line != "" && !strings.HasPrefix(line, "#"):
			lines = append(lines, line)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return lines
}

type guide struct {
	t      *testing.T
	dir    string
	listen string
	env    []string

	token     string
	serveStop func()
}

func (g *guide) shell(line string, extraEnv ...string) *exec.Cmd {
	cmd := exec.Command("sh", "-c", line)
	cmd.Dir = g.dir
	cmd.Env = append(append(os.Environ(), g.env...), extraEnv...)
	return cmd
}

// run runs line to the end and wants exit status want.
func (g *guide) run(line string, want int, extraEnv ...string) string {
	g.t.Helper()
	cmd := g.shell(line, extraEnv...)
	out, err := cmd.CombinedOutput()
	got := 0
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		got = exit.ExitCode()
	case err != nil:
		g.t.Fatalf("%s: %v", line, err)
	}
	if got != want {
		g.t.Errorf("%s: exit status %d, want %d\n%s", line, got, want, out)
	}
	return string(out)
}

func (g *guide) expect(line, out string, wants ...string) {
	g.t.Helper()
	for _, want := range wants {
		if !strings.Contains(out, want) {
			g.t.Errorf("%s: the output lacks %q, which the guide promises\n%s", line, want, out)
		}
	}
}

var bannerToken = regexp.MustCompile(`(?m)^\s*Token\s+(\S+)`)

// serve starts the headless server as the guide does and keeps it running for the
// commands that follow, reading its token from the banner as the reader would.
func (g *guide) serve(line string) {
	t := g.t
	cmd := g.shell(line)
	// Ctrl+C reaches the whole process group in a terminal: the shell and scimlab.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	out := &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	g.serveStop = func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGINT)
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-done
			t.Errorf("%s did not stop on Ctrl+C within 15 s:\n%s", line, out.String())
		}
	}
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(out.String(), "Press Ctrl+C") {
		if time.Now().After(deadline) {
			g.stopServe()
			t.Fatalf("%s did not start within 30 s:\n%s", line, out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	m := bannerToken.FindStringSubmatch(out.String())
	if m == nil {
		g.stopServe()
		t.Fatalf("%s printed no Token line for the guide's curl:\n%s", line, out.String())
	}
	g.token = m[1]
	g.expect(line, out.String(), "SCIM base URL  http://"+g.listen+"/scim/v2")
}

func (g *guide) stopServe() {
	if g.serveStop != nil {
		g.serveStop()
		g.serveStop = nil
	}
}

// console starts the console as the guide does, in a real terminal, and reads tab 1:
// the URL and the token's place, and a tunnel that was tried (ngrok is unreachable here,
// so it fails and says why, while the local server answers).
func (g *guide) console(line string) {
	t := g.t
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Logf("tmux is not installed (scripts/test.sh installs it): %q not run", line)
		return
	}
	session := fmt.Sprintf("scimlab-guide-%d", os.Getpid())
	env := append(g.env, "TMUX=", "TMUX_TMPDIR="+g.dir)
	tmux := func(args ...string) string {
		cmd := exec.Command("tmux", args...)
		cmd.Env = append(os.Environ(), env...)
		out, _ := cmd.CombinedOutput()
		return string(out)
	}
	// The shell runs the guide's line exactly; env pins the rest of the environment.
	tmux("new-session", "-d", "-s", session, "-x", "100", "-y", "30",
		"env "+shellQuoteAll(env)+" sh -c "+shellQuote(line)+"; sleep 30")
	defer tmux("kill-session", "-t", session)

	wants := []string{"SCIM base URL  http://" + g.listen + "/scim/v2", "Bearer token", "Tunnel", "Secret Token"}
	var screen string
	for range 100 {
		screen = tmux("capture-pane", "-p", "-t", session)
		if containsAll(screen, wants) && (strings.Contains(screen, "tunnel failed") || strings.Contains(screen, "online")) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	g.expect(line, screen, wants...)
	if !strings.Contains(screen, "tunnel failed") && !strings.Contains(screen, "online") {
		t.Errorf("%s: tab 1 shows no ngrok attempt, although the guide passes a token:\n%s", line, screen)
	}
	tmux("send-keys", "-t", session, "q")
	// The guide's serve comes later on the same lab and port: wait until the console
	// has let go of them, or serve would rightly refuse a second server.
	for range 100 {
		conn, err := net.DialTimeout("tcp", g.listen, 100*time.Millisecond)
		if err != nil {
			return
		}
		conn.Close()
		time.Sleep(100 * time.Millisecond)
	}
	t.Errorf("%s: the console still listens on %s after q", line, g.listen)
}

func containsAll(s string, subs []string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

func shellQuoteAll(words []string) string {
	quoted := make([]string, len(words))
	for i, w := range words {
		quoted[i] = shellQuote(w)
	}
	return strings.Join(quoted, " ")
}
