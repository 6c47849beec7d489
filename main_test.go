package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/adrg/xdg"

	"github.com/scimlab/scimlab/cli"
	"github.com/scimlab/scimlab/store"
)

// TestMain lets the kill -9 test run this test binary as "scimlab" itself.
func TestMain(m *testing.M) {
	if os.Getenv("SCIMLAB_TEST_AS_MAIN") == "1" {
		main()
		os.Exit(0)
	}
	// Keep every test away from the real config and data directories: the tunnel
	// code reads and writes scimlab's config file.
	home, err := os.MkdirTemp("", "scimlab-test-home-")
	if err != nil {
		panic(err)
	}
	os.Setenv("XDG_CONFIG_HOME", filepath.Join(home, "config"))
	os.Setenv("XDG_DATA_HOME", filepath.Join(home, "data"))
	os.Setenv("XDG_STATE_HOME", filepath.Join(home, "state"))
	xdg.Reload()
	code := m.Run()
	os.RemoveAll(home)
	os.Exit(code)
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func noEnv(string) string { return "" }

// errUsage is every usage error: a command line that exits 2.
var errUsage = cli.ErrUsage

// checkStream wants got to contain want, or to be empty when want is "": a command that
// prints where nothing is expected is as wrong as one that says too little.
func checkStream(t *testing.T, name, got, want string) {
	t.Helper()
	switch {
	case want == "" && got != "":
		t.Errorf("%s is %q, want nothing", name, got)
	case !strings.Contains(got, want):
		t.Errorf("%s %q does not contain %q", name, got, want)
	}
}

func TestCommands(t *testing.T) {
	tests := []struct {
		name       string
		args       []string
		wantErr    error
		wantStdout string
		wantStderr string
	}{
		{"no arguments without a terminal points to serve", nil, errNoTerminal, "", `run "scimlab serve"`},
		{"console flags without a terminal", []string{"--no-tunnel"}, errNoTerminal, "", `run "scimlab serve"`},
		{"-h prints usage", []string{"-h"}, nil, "scimlab serve", ""},
		{"help", []string{"help"}, nil, "version", ""},
		{"version", []string{"version"}, nil, "scimlab ", ""},
		{"unknown command", []string{"frobnicate"}, errUsage, "", "scimlab: unknown command \"frobnicate\"\nRun 'scimlab --help' for usage.\n"},
		{"serve -h", []string{"serve", "-h"}, nil, "--no-tunnel", ""},
		{"unknown flag", []string{"serve", "--tunnel-please"}, errUsage, "", "scimlab serve: unknown flag: --tunnel-please\nRun 'scimlab serve --help' for usage.\n"},
		{"extra argument", []string{"serve", "now"}, errUsage, "", `unexpected argument "now"`},
		{"bad --max-body", []string{"serve", "--max-body", "0"}, errUsage, "", "--max-body must be a positive number"},
		{"bad --log-retention", []string{"serve", "--log-retention", "-1"}, errUsage, "", "--log-retention must be a positive number"},
		{"bad --log-max-age", []string{"serve", "--log-max-age", "soon"}, errUsage, "", `"soon" is not an age; write e.g. 90m, 12h or 7d`},
		{"bad --log-max-age days", []string{"serve", "--log-max-age", "xd"}, errUsage, "", `"xd" is not a number of days`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := run(context.Background(), tc.args, noEnv, strings.NewReader(""), &stdout, &stderr)
			switch {
			case tc.wantErr == nil && err != nil:
				t.Fatalf("error %v", err)
			case tc.wantErr != nil && err == nil:
				t.Fatalf("no error, want %v", tc.wantErr)
			case tc.wantErr != nil && !errors.Is(err, tc.wantErr) && !strings.Contains(err.Error(), tc.wantErr.Error()):
				t.Fatalf("error %v, want %v", err, tc.wantErr)
			}
			checkStream(t, "stdout", stdout.String(), tc.wantStdout)
			checkStream(t, "stderr", stderr.String(), tc.wantStderr)
		})
	}
}

var (
	baseLine  = regexp.MustCompile(`SCIM base URL\s+(http://\S+/scim/v2)`)
	tokenLine = regexp.MustCompile(`Token\s+(\S+)`)
)

// startServe runs "scimlab serve" in-process and returns its base URL and token.
func startServe(t *testing.T, args []string, getenv func(string) string) (base, token string, stdout *lockedBuffer, stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	stdout, stderr := &lockedBuffer{}, &lockedBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, append([]string{"serve"}, args...), getenv, strings.NewReader(""), stdout, stderr)
	}()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if m := baseLine.FindStringSubmatch(stdout.String()); m != nil {
			base = m[1]
			token = tokenLine.FindStringSubmatch(stdout.String())[1]
			break
		}
		select {
		case err := <-done:
			cancel()
			t.Fatalf("serve exited early: %v\nstderr: %s", err, stderr.String())
		case <-time.After(10 * time.Millisecond):
		}
	}
	if base == "" {
		cancel()
		t.Fatalf("serve printed no base URL: %s", stdout.String())
	}
	var once sync.Once
	var stopErr error
	stop = func() error {
		once.Do(func() {
			cancel()
			stopErr = <-done
		})
		return stopErr
	}
	t.Cleanup(func() { stop() })
	return base, token, stdout, stop
}

// send makes one request with the given User-Agent and Authorization header value
// ("" sends none) and returns the status and body.
func send(t *testing.T, method, url, ua, authorization, body string) (int, string) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("User-Agent", ua)
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/scim+json")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// call sends one request with the bearer token, as Go's HTTP client identifies itself.
func call(t *testing.T, method, url, token, body string) (int, string) {
	t.Helper()
	return send(t, method, url, "Go-http-client/1.1", "Bearer "+token, body)
}

func TestServeHeadless(t *testing.T) {
	dbPath := filepath.Join(t.TempDir(), "data", "scimlab.db")
	base, token, stdout, stop := startServe(t, []string{"--listen", "127.0.0.1:0", "--db", dbPath, "--no-tunnel"}, noEnv)

	out := stdout.String()
	for _, want := range []string{"local only", "SCIM connector base URL", "API Token", "Tenant URL", "Secret Token", "new; stored in the database", dbPath} {
		if !strings.Contains(out, want) {
			t.Errorf("banner lacks %q:\n%s", want, out)
		}
	}
	if len(token) != 43 {
		t.Errorf("generated token %q: want 32 random bytes in unpadded base64url (43 chars)", token)
	}
	if status, _ := call(t, "GET", base+"/Users?startIndex=1&count=2", token, ""); status != 200 {
		t.Fatalf("test connection: %d", status)
	}
	if status, body := call(t, "POST", base+"/Users", token, `{"userName":"headless@example.com"}`); status != 201 {
		t.Fatalf("create: %d %s", status, body)
	}
	if status, _ := call(t, "GET", base+"/Users", "wrong", ""); status != 401 {
		t.Fatalf("wrong token: %d", status)
	}
	if err := stop(); err != nil {
		t.Fatalf("serve returned %v", err)
	}
	if !strings.Contains(stdout.String(), "scimlab stopped.") {
		t.Errorf("no clean stop message: %s", stdout.String())
	}

	// The database holds the user, the flushed request log and the token.
	db, err := store.Open(context.Background(), dbPath)
	if err != nil {
		t.Fatal(err)
	}
	reqs, err := db.ListRequests(context.Background(), 0, 10)
	if err != nil || len(reqs) != 3 {
		t.Fatalf("request log after shutdown: %d rows, %v", len(reqs), err)
	}
	stored, _ := db.BearerToken(context.Background())
	db.Close()
	if stored != token {
		t.Errorf("stored token differs from the printed one")
	}

	// A restart reuses the stored token; --token and $SCIMLAB_TOKEN override it.
	_, again, stdout2, stop2 := startServe(t, []string{"--listen", "127.0.0.1:0", "--db", dbPath}, noEnv)
	if again != token || strings.Contains(stdout2.String(), "new; stored") {
		t.Errorf("restart did not reuse the stored token")
	}
	stop2()
	_, flagTok, _, stop3 := startServe(t, []string{"--listen", "127.0.0.1:0", "--db", dbPath, "--token", "from-flag"}, noEnv)
	stop3()
	_, envTok, _, stop4 := startServe(t, []string{"--listen", "127.0.0.1:0", "--db", dbPath}, func(k string) string {
		if k == "SCIMLAB_TOKEN" {
			return "from-env"
		}
		return ""
	})
	stop4()
	if flagTok != "from-flag" || envTok != "from-env" {
		t.Errorf("token precedence: flag %q env %q", flagTok, envTok)
	}
}

func TestServeStrictFlag(t *testing.T) {
	base, token, stdout, _ := startServe(t, []string{"--listen", "127.0.0.1:0", "--db", filepath.Join(t.TempDir(), "s.db"), "--strict", "--max-body", "100"}, noEnv)
	if !strings.Contains(stdout.String(), "strict") {
		t.Errorf("banner does not say strict: %s", stdout.String())
	}
	if status, _ := call(t, "POST", base+"/Users", token, `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"s@x","active":"True"}`); status != 400 {
		t.Errorf("strict mode accepted a string boolean: %d", status)
	}
	if status, _ := call(t, "POST", base+"/Users", token, `{"userName":"`+strings.Repeat("x", 200)+`"}`); status != 413 {
		t.Errorf("--max-body 100 accepted a 200-byte body: %d", status)
	}
}

func TestServePortInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var stdout, stderr bytes.Buffer
	err = run(context.Background(), []string{"serve", "--listen", ln.Addr().String(), "--db", filepath.Join(t.TempDir(), "x.db")}, noEnv, nil, &stdout, &stderr)
	if err == nil || !strings.Contains(err.Error(), "already in use") || !strings.Contains(err.Error(), "--listen") {
		t.Fatalf("error %v, want a clear 'already in use' message", err)
	}
}

// TestKill9KeepsAcknowledgedWrites runs scimlab as a separate process, creates users,
// kills it with SIGKILL and checks that every user it acknowledged is in the database.
func TestKill9KeepsAcknowledgedWrites(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a subprocess")
	}
	dbPath := filepath.Join(t.TempDir(), "kill9.db")
	cmd := exec.Command(os.Args[0], "serve", "--listen", "127.0.0.1:0", "--db", dbPath, "--token", "kill9-token")
	cmd.Env = append(os.Environ(), "SCIMLAB_TEST_AS_MAIN=1")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })

	base := ""
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		if m := baseLine.FindStringSubmatch(sc.Text()); m != nil {
			base = m[1]
			break
		}
	}
	if base == "" {
		t.Fatal("the subprocess printed no base URL")
	}
	go func() { _, _ = io.Copy(io.Discard, stdout) }()

	const n = 25
	var ids []string
	for i := range n {
		status, body := call(t, "POST", base+"/Users", "kill9-token", fmt.Sprintf(`{"userName":"k%d@example.com"}`, i))
		if status != 201 {
			t.Fatalf("create %d: %d %s", i, status, body)
		}
		ids = append(ids, regexp.MustCompile(`"id":"([^"]+)"`).FindStringSubmatch(body)[1])
	}
	// Then concurrent creates, which share commits, killed in full flight: every one
	// answered 201 before the kill must be there, whichever commit carried it.
	var (
		mu      sync.Mutex
		wg      sync.WaitGroup
		created = make(chan struct{}, 1000)
	)
	idRE := regexp.MustCompile(`"id":"([^"]+)"`)
	for w := range 8 {
		wg.Go(func() {
			for i := 0; ; i++ {
				req, err := http.NewRequest("POST", base+"/Users", strings.NewReader(fmt.Sprintf(`{"userName":"w%d-%d@example.com"}`, w, i)))
				if err != nil {
					return
				}
				req.Header.Set("Authorization", "Bearer kill9-token")
				req.Header.Set("Content-Type", "application/scim+json")
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					return // the server is gone; this one was never acknowledged
				}
				body, err := io.ReadAll(res.Body)
				res.Body.Close()
				if err != nil || res.StatusCode != 201 {
					return
				}
				mu.Lock()
				ids = append(ids, idRE.FindStringSubmatch(string(body))[1])
				mu.Unlock()
				created <- struct{}{}
			}
		})
	}
	for range 200 {
		<-created
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	go func() {
		for range created {
		}
	}()
	wg.Wait()
	close(created)

	db, err := store.Open(context.Background(), dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for i, id := range ids {
		if _, err := db.GetUser(context.Background(), id); err != nil {
			t.Errorf("user %d (%s) acknowledged with 201 is gone after kill -9: %v", i, id, err)
		}
	}
}
