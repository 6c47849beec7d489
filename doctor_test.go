package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/scimlab/scimlab/store"
)

// doctorReport is the JSON report, as much of it as the tests read.
type doctorReport struct {
	OK       bool
	Failures int
	Checks   []struct{ Group, Name, Status, Path, Found, Fix string }
}

func (r doctorReport) check(t *testing.T, group, name string) (status, found string) {
	t.Helper()
	for _, c := range r.Checks {
		if c.Group == group && c.Name == name {
			return c.Status, c.Found
		}
	}
	t.Fatalf("no %s check %q", group, name)
	return "", ""
}

func runDoctorCmd(t *testing.T, getenv func(string) string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err = run(context.Background(), append([]string{"doctor"}, args...), getenv, strings.NewReader(""), &out, &errOut)
	return out.String(), errOut.String(), err
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func TestDoctorCommandLine(t *testing.T) {
	_, stderr, err := runDoctorCmd(t, noEnv, "--no-such-flag")
	if !errors.Is(err, errUsage) || !strings.Contains(stderr, "unknown flag: --no-such-flag") {
		t.Errorf("unknown flag: %v\n%s", err, stderr)
	}
	_, stderr, err = runDoctorCmd(t, noEnv, "now")
	if !errors.Is(err, errUsage) || !strings.Contains(stderr, `unexpected argument "now"`) {
		t.Errorf("extra argument: %v\n%s", err, stderr)
	}
	help, _, err := runDoctorCmd(t, noEnv, "-h")
	if err != nil {
		t.Errorf("-h: %v", err)
	}
	for _, w := range []string{"scimlab doctor [--flags]", "Exit status", "--db ", "SQLite database FILE", "--lab ", "named lab NAME", "--listen ", "HOST:PORT", "--ngrok-token ", "--domain ", "--public-url ", "--no-tunnel ", "--tunnel ", "KIND: \"loopback\"", "--json ", "--no-network "} {
		if !strings.Contains(help, w) {
			t.Errorf("doctor -h lacks %q:\n%s", w, help)
		}
	}
	// Serve's flags doctor does not read are refused, not silently ignored.
	if _, _, err := runDoctorCmd(t, noEnv, "--strict"); !errors.Is(err, errUsage) {
		t.Errorf("--strict: %v", err)
	}
	var out bytes.Buffer
	if err := run(context.Background(), []string{"help"}, noEnv, nil, &out, &out); err != nil || !strings.Contains(out.String(), "doctor [--flags]") {
		t.Errorf("help does not list doctor: %v\n%s", err, out.String())
	}
}

// A healthy setup exits 0, warnings included; a failed check makes the command
// fail without an error line of its own, the report having said it.
func TestDoctorCommand(t *testing.T) {
	db := filepath.Join(t.TempDir(), "scimlab.db")
	stdout, stderr, err := runDoctorCmd(t, noEnv, "--json", "--no-network", "--db", db, "--listen", freeAddr(t))
	if err != nil || stderr != "" {
		t.Fatalf("doctor: %v\n%s", err, stderr)
	}
	var rep doctorReport
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, stdout)
	}
	if !rep.OK || rep.Failures != 0 {
		t.Errorf("a fresh setup: %s", stdout)
	}
	if status, found := rep.check(t, "database", "database"); status != "ok" || !strings.Contains(found, "no database yet") {
		t.Errorf("database: %s %s", status, found)
	}
	if _, err := os.Stat(db); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("doctor created the database: %v", err)
	}

	stdout, stderr, err = runDoctorCmd(t, noEnv, "--no-network", "--db", db, "--listen", freeAddr(t), "--tunnel", "wireguard")
	if !errors.Is(err, errDoctorFound) || stderr != "" {
		t.Errorf("a failed check: %v, stderr %q", err, stderr)
	}
	for _, w := range []string{"✘ tunnel", `not "wireguard"`, "fix: drop --tunnel", "1 failure"} {
		if !strings.Contains(stdout, w) {
			t.Errorf("the report lacks %q:\n%s", w, stdout)
		}
	}
	if strings.Contains(stdout, "\x1b[") {
		t.Errorf("colours in a report that goes to no terminal:\n%q", stdout)
	}
}

// The exit statuses, from a real process.
func TestDoctorExitStatus(t *testing.T) {
	if testing.Short() {
		t.Skip("starts subprocesses")
	}
	db := filepath.Join(t.TempDir(), "scimlab.db")
	for _, tc := range []struct {
		args []string
		code int
	}{
		{[]string{"--no-network", "--db", db, "--listen", freeAddr(t)}, 0},
		{[]string{"--no-network", "--db", db, "--listen", freeAddr(t), "--public-url", "scim.example.com"}, 1},
		{[]string{"--no-such-flag"}, 2},
	} {
		cmd := exec.Command(os.Args[0], append([]string{"doctor"}, tc.args...)...)
		cmd.Env = append(os.Environ(), "SCIMLAB_TEST_AS_MAIN=1", "NGROK_AUTHTOKEN=")
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		err := cmd.Run()
		code := 0
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			code = exit.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		if code != tc.code {
			t.Errorf("doctor %v: exit %d, want %d\n%s", tc.args, code, tc.code, stderr.String())
		}
		if tc.code == 1 && stderr.Len() > 0 {
			t.Errorf("a failed check also wrote to stderr: %q", stderr.String())
		}
	}
}

// Beside a scimlab serving in another process, doctor names it as the holder of
// the database's lock and of the port, and leaves its lock as it was: held, with
// the same file and contents.
func TestDoctorBesideARunningServer(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a subprocess")
	}
	dbPath := filepath.Join(t.TempDir(), "served.db")
	server, base := childServe(t, "--db", dbPath, "--token", "doctor-test-token-0123456789")
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	lockPath := store.LockPath(dbPath)
	lockBefore, err := os.ReadFile(lockPath)
	if err != nil {
		t.Fatal(err)
	}
	statBefore, err := os.Stat(lockPath)
	if err != nil {
		t.Fatal(err)
	}

	stdout, stderr, err := runDoctorCmd(t, noEnv, "--json", "--no-network", "--db", dbPath, "--listen", u.Host)
	if err != nil {
		t.Fatalf("doctor beside a server: %v\n%s\n%s", err, stderr, stdout)
	}
	var rep doctorReport
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatal(err)
	}
	if status, found := rep.check(t, "paths", "server lock"); status != "ok" || !strings.Contains(found, fmt.Sprintf("held by scimlab pid %d, serving %s", server.Process.Pid, base)) {
		t.Errorf("server lock: %s %s", status, found)
	}
	if status, found := rep.check(t, "port", "listen address"); status != "warn" || !strings.Contains(found, "in use by the scimlab serving "+dbPath) {
		t.Errorf("port: %s %s", status, found)
	}
	// --token serves without storing the token.
	if status, found := rep.check(t, "database", "bearer token"); status != "ok" || !strings.Contains(found, "none stored yet") || strings.Contains(stdout, "doctor-test-token") {
		t.Errorf("bearer token: %s %s", status, found)
	}

	lockAfter, err := os.ReadFile(lockPath)
	if err != nil {
		t.Fatal(err)
	}
	statAfter, err := os.Stat(lockPath)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(lockAfter, lockBefore) || !os.SameFile(statBefore, statAfter) || !statAfter.ModTime().Equal(statBefore.ModTime()) {
		t.Errorf("the lock file changed: %q (%v) → %q (%v)", lockBefore, statBefore.ModTime(), lockAfter, statAfter.ModTime())
	}
	if st, err := store.InspectLock(dbPath); err != nil || st.Held != store.LockHeldByServer || st.Holder.PID != server.Process.Pid {
		t.Errorf("after doctor the lock is %+v, %v", st, err)
	}
	if _, err := serveRefused(t, "--listen", "127.0.0.1:0", "--db", dbPath, "--no-tunnel"); err == nil || !strings.Contains(err.Error(), "already serving") {
		t.Errorf("after doctor a second server was not refused: %v", err)
	}
	if status, _ := call(t, "GET", base+"/Users", "doctor-test-token-0123456789", ""); status != 200 {
		t.Errorf("the server after doctor: %d", status)
	}
}

// In a real terminal doctor sees one, with its size, and paints its marks unless
// NO_COLOR is set.
func TestDoctorInARealTerminal(t *testing.T) {
	if testing.Short() {
		t.Skip("drives tmux")
	}
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux is not installed (scripts/test.sh installs it)")
	}
	screen := doctorInTmux(t, "")
	for _, w := range []string{"stdout is a terminal of 80×24 (TERM=xterm-256color)", "\x1b[32m✔", "below 140 columns"} {
		if !strings.Contains(screen, w) {
			t.Errorf("the terminal shows no %q:\n%s", w, screen)
		}
	}
	for line := range strings.SplitSeq(screen, "\n") {
		if strings.Contains(line, "not a terminal") {
			t.Errorf("in a terminal doctor says %q", line)
		}
	}
	screen = doctorInTmux(t, "1")
	if !strings.Contains(screen, "stdout is a terminal of 80×24") || strings.Contains(screen, "\x1b[32m") || strings.Contains(screen, "\x1b[31m") {
		t.Errorf("with NO_COLOR=1 the marks are still painted, or no terminal was seen:\n%q", screen)
	}
}

// doctorInTmux runs doctor in an 80x24 tmux terminal with NO_COLOR=noColor and
// returns the screen and its scrollback, escape sequences included.
func doctorInTmux(t *testing.T, noColor string) string {
	t.Helper()
	dir := t.TempDir()
	socket := filepath.Join(dir, "tmux.sock")
	out := filepath.Join(dir, "exit")
	shell := fmt.Sprintf("SCIMLAB_TEST_AS_MAIN=1 TERM=xterm-256color NO_COLOR=%s %s doctor --no-network --db %s --listen %s; echo $? > %s; sleep 60",
		noColor, os.Args[0], filepath.Join(dir, "scimlab.db"), freeAddr(t), out)
	cmd := exec.Command("tmux", "-S", socket, "-f", "/dev/null", "new-session", "-d", "-x", "80", "-y", "24", shell)
	cmd.Env = append(os.Environ(), "TMUX=")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("tmux: %v\n%s", err, b)
	}
	t.Cleanup(func() { _ = exec.Command("tmux", "-S", socket, "kill-server").Run() })
	deadline := time.Now().Add(waitLimit)
	for {
		if _, err := os.Stat(out); err == nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if code, err := os.ReadFile(out); err != nil || strings.TrimSpace(string(code)) != "0" {
		t.Errorf("doctor in the terminal: exit %q, %v", code, err)
	}
	capture, err := exec.Command("tmux", "-S", socket, "capture-pane", "-p", "-e", "-S", "-200").Output()
	if err != nil {
		t.Fatal(err)
	}
	return string(capture)
}

// doctor --lab checks the start serving that lab, and lists every lab; --lab and --db
// together are refused as for serve.
func TestDoctorWithALab(t *testing.T) {
	d := useDataDir(t)
	rehearse(t, "acme")
	stdout, stderr, err := runDoctorCmd(t, noEnv, "--json", "--no-network", "--lab", "acme", "--listen", freeAddr(t))
	if err != nil || stderr != "" {
		t.Fatalf("doctor --lab acme: %v\n%s", err, stderr)
	}
	var rep doctorReport
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, stdout)
	}
	path, _ := d.Path("acme")
	if status, found := rep.check(t, "paths", "database"); status != "ok" || !strings.Contains(found, "mode 0600") {
		t.Errorf("database: %s %s", status, found)
	}
	for _, c := range rep.Checks {
		if c.Group == "paths" && c.Name == "database" && c.Path != path {
			t.Errorf("doctor --lab acme checked %s, want %s", c.Path, path)
		}
	}
	if _, found := rep.check(t, "labs", "labs"); found != "1 lab, acme; scimlab --lab NAME creates another" {
		t.Errorf("labs: %q", found)
	}
	if status, found := rep.check(t, "labs", "acme"); status != "ok" || !regexp.MustCompile(`^\d+ users?, \d+ groups?, [1-9]\d* requests; `).MatchString(found) {
		t.Errorf("acme: %s %q", status, found)
	}
	_, stderr, err = runDoctorCmd(t, noEnv, "--lab", "acme", "--db", path)
	if !errors.Is(err, errUsage) || !strings.Contains(stderr, "--lab and --db both name a database") {
		t.Errorf("--lab with --db: %v\n%s", err, stderr)
	}
	if _, _, err := runDoctorCmd(t, noEnv, "--lab", "../x"); err == nil || !strings.Contains(err.Error(), "is a path") {
		t.Errorf("--lab ../x: %v", err)
	}
}
