package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/scimlab/scimlab/app"
	"github.com/scimlab/scimlab/scimserver"
	"github.com/scimlab/scimlab/store"
)

// childServe runs this test binary as "scimlab serve" in a process of its own and
// returns it with the base URL its banner printed.
func childServe(t *testing.T, args ...string) (*exec.Cmd, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], append([]string{"serve", "--listen", "127.0.0.1:0", "--no-tunnel"}, args...)...)
	cmd.Env = append(os.Environ(), "SCIMLAB_TEST_AS_MAIN=1", "NGROK_AUTHTOKEN=")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		if m := baseLine.FindStringSubmatch(sc.Text()); m != nil {
			go func() { _, _ = io.Copy(io.Discard, stdout) }()
			return cmd, m[1]
		}
	}
	t.Fatal("the child scimlab printed no base URL")
	return nil, ""
}

// Two servers on one database would each keep their own token: the second start is
// refused with the first one's pid and address, scimlab log still reads alongside, and
// a first server killed without releasing its lock does not keep the next one out.
func TestSecondServerOnOneDatabaseIsRefused(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a subprocess")
	}
	dbPath := filepath.Join(t.TempDir(), "shared.db")
	first, firstBase := childServe(t, "--db", dbPath, "--token", "first-token")
	if status, _ := call(t, "GET", firstBase+"/Users", "first-token", ""); status != 200 {
		t.Fatalf("first server: %d", status)
	}

	stdout, err := serveRefused(t, "--listen", "127.0.0.1:0", "--db", dbPath, "--no-tunnel")
	if err == nil {
		t.Fatalf("a second serve on the same database started:\n%s", stdout)
	}
	for _, want := range []string{fmt.Sprintf("pid %d", first.Process.Pid), firstBase, dbPath, "--db"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %q", err, want)
		}
	}
	if strings.Contains(stdout, "serving") {
		t.Errorf("the refused server printed a banner:\n%s", stdout)
	}
	// The console starts through the same app.Start.
	a, err := app.Start(context.Background(), app.Options{Listen: "127.0.0.1:0", DB: dbPath, NoTunnel: true,
		MaxBody: scimserver.DefaultMaxBodyBytes, LogRetention: scimserver.DefaultLogRetention}, noEnv, slog.New(slog.DiscardHandler))
	if err == nil {
		a.Close()
		t.Error("the console's start on a served database succeeded")
	} else if !strings.Contains(err.Error(), "already serving") {
		t.Errorf("the console's start on a served database: %v", err)
	}

	// Reading is no server: scimlab log works beside the first one. The server writes
	// its log behind the answers, so the row may take a moment to arrive.
	var out string
	deadline := time.Now().Add(10 * time.Second)
	for {
		out, _, err = runLogCmd(t, "--db", dbPath)
		if err != nil || strings.Contains(out, "/Users") || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil || !strings.Contains(out, "/Users") {
		t.Errorf("scimlab log beside the server: %v\n%s", err, out)
	}

	// Killed without releasing anything: its lock died with it.
	if err := first.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = first.Wait()
	if _, err := os.Stat(store.LockPath(dbPath)); err != nil {
		t.Fatalf("the killed server's lock file is gone, so the stale case is not tested: %v", err)
	}
	base, token, _, stop := startServe(t, []string{"--listen", "127.0.0.1:0", "--db", dbPath, "--no-tunnel"}, noEnv)
	if status, _ := call(t, "GET", base+"/Users", token, ""); status != 200 {
		t.Fatalf("the server after the killed one: %d", status)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(store.LockPath(dbPath)); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a clean stop left the lock file: %v", err)
	}
}

// serveRefused runs a "scimlab serve" that should be refused; one that starts instead
// is stopped at its banner, so the test fails rather than hangs.
func serveRefused(t *testing.T, args ...string) (stdout string, err error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out lockedBuffer
	done := make(chan error, 1)
	go func() { done <- run(ctx, append([]string{"serve"}, args...), noEnv, nil, &out, io.Discard) }()
	deadline := time.After(waitLimit)
	for {
		select {
		case err := <-done:
			return out.String(), err
		case <-deadline:
			cancel()
			<-done
			return out.String(), nil
		case <-time.After(10 * time.Millisecond):
			if strings.Contains(out.String(), "Press Ctrl+C to stop.") {
				cancel()
				<-done
				return out.String(), nil
			}
		}
	}
}

// A start that fails on a busy port leaves nothing behind: no database, no WAL or
// lock file, no directory, so no token was stored either.
func TestFailedStartCreatesNothing(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	dir := filepath.Join(t.TempDir(), "lab")
	dbPath := filepath.Join(dir, "scimlab.db")
	var stdout, stderr bytes.Buffer
	err = run(context.Background(), []string{"serve", "--listen", ln.Addr().String(), "--db", dbPath, "--no-tunnel"}, noEnv, nil, &stdout, &stderr)
	if err == nil || !strings.Contains(err.Error(), "already in use") {
		t.Fatalf("error %v, want the port in use", err)
	}
	for _, p := range []string{dbPath, dbPath + "-wal", dbPath + "-shm", store.LockPath(dbPath), dir} {
		if _, err := os.Stat(p); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s exists after the failed start (%v)", p, err)
		}
	}
}

// Quitting is no error: a normal stop logs nothing at error level, and the app's Done
// channel closes without an error.
func TestNormalStopLogsNoError(t *testing.T) {
	var logBuf lockedBuffer
	a, err := app.Start(context.Background(), app.Options{Listen: "127.0.0.1:0", DB: filepath.Join(t.TempDir(), "s.db"), NoTunnel: true,
		MaxBody: scimserver.DefaultMaxBodyBytes, LogRetention: scimserver.DefaultLogRetention}, noEnv, slog.New(slog.NewTextHandler(&logBuf, nil)))
	if err != nil {
		t.Fatal(err)
	}
	if status, _ := call(t, "GET", a.LocalURL()+"/Users", a.Token(), ""); status != 200 {
		t.Fatalf("GET /Users: %d", status)
	}
	a.Close()
	select {
	case err, ok := <-a.Done():
		if ok {
			t.Errorf("Done after Close delivered %v, want it closed without an error", err)
		}
	case <-time.After(waitLimit):
		t.Fatal("Done was not closed by Close")
	}
	if strings.Contains(logBuf.String(), "level=ERROR") {
		t.Errorf("a normal stop logged an error:\n%s", logBuf.String())
	}

	// serve, stopped as by Ctrl+C.
	_, _, stdout, stop := startServe(t, []string{"--listen", "127.0.0.1:0", "--db", filepath.Join(t.TempDir(), "s.db"), "--no-tunnel"}, noEnv)
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stdout.String(), "scimlab stopped.") {
		t.Errorf("serve did not say it stopped:\n%s", stdout.String())
	}
}

// A file that is no database is named as damaged, with what to do, not as a failed
// migration.
func TestServeOnAFileThatIsNoDatabase(t *testing.T) {
	dbPath := filepath.Join(t.TempDir(), "scimlab.db")
	if err := os.WriteFile(dbPath, bytes.Repeat([]byte("meeting notes, not a database\n"), 300), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := serveRefused(t, "--listen", "127.0.0.1:0", "--db", dbPath, "--no-tunnel")
	if err == nil {
		t.Fatal("serve started on a file that is no database")
	}
	for _, want := range []string{dbPath + " is damaged", "mv " + dbPath, "-wal", "fresh, empty lab"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if strings.Contains(err.Error(), "migrate") || !errors.Is(err, store.ErrDamaged) {
		t.Errorf("error %q: want a damaged database, not a failed migration", err)
	}
	if _, err := os.Stat(store.LockPath(dbPath)); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the refused start left its lock file: %v", err)
	}
}

// A request log file that is no database is named as the request log, with what to
// do, which keeps the lab: its users are still there once the log is moved aside.
func TestServeOnADamagedRequestLog(t *testing.T) {
	dbPath := filepath.Join(t.TempDir(), "scimlab.db")
	db, err := store.Open(context.Background(), dbPath)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.CreateUser(context.Background(), &store.Resource{Doc: []byte(`{"userName":"kept@example.com"}`)}); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	logPath := store.LogPath(dbPath)
	if err := os.WriteFile(logPath, bytes.Repeat([]byte("meeting notes, not a database\n"), 300), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = serveRefused(t, "--listen", "127.0.0.1:0", "--db", dbPath, "--no-tunnel")
	if err == nil {
		t.Fatal("serve started on a request log that is no database")
	}
	for _, want := range []string{"request log file " + logPath + " is damaged", "mv " + logPath, "keeps its users"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if strings.Contains(err.Error(), "fresh, empty lab") {
		t.Errorf("error %q tells to give up the lab for its log", err)
	}
	if err := os.Rename(logPath, logPath+".damaged"); err != nil {
		t.Fatal(err)
	}
	db, err = store.Open(context.Background(), dbPath)
	if err != nil {
		t.Fatalf("the lab without its damaged log: %v", err)
	}
	defer db.Close()
	if _, page, err := db.Search(context.Background(), store.Query{Kind: store.KindUser, Count: 10}); err != nil || len(page) != 1 {
		t.Errorf("the lab after moving its log aside: %d users, %v; want the one it had", len(page), err)
	}
}

// A lab whose damage lies past its schema opens, and the integrity check that runs
// while serve starts finds it: serve stops with the same explanation a refused start
// gives, and nothing was written to the file. A lab with its token stored writes
// nothing at start; one without has serve store a new token, a write that waits for
// the check and fails with it.
func TestServeStopsOnALabFoundDamaged(t *testing.T) {
	for _, token := range []string{"stored-token-0123456789abcdef", ""} {
		t.Run(fmt.Sprintf("token stored %v", token != ""), func(t *testing.T) {
			dbPath := filepath.Join(t.TempDir(), "scimlab.db")
			db, err := store.Open(context.Background(), dbPath)
			if err != nil {
				t.Fatal(err)
			}
			for i := range 300 {
				doc := fmt.Sprintf(`{"userName":"user%d@example.com","title":"%s"}`, i, strings.Repeat("x", 300))
				if err := db.CreateUser(context.Background(), &store.Resource{Doc: []byte(doc)}); err != nil {
					t.Fatal(err)
				}
			}
			if token != "" {
				if err := db.SetBearerToken(context.Background(), token); err != nil {
					t.Fatal(err)
				}
			}
			if err := db.Close(); err != nil {
				t.Fatal(err)
			}
			data, err := os.ReadFile(dbPath)
			if err != nil {
				t.Fatal(err)
			}
			for i := len(data) / 2; i < len(data)/2+3*4096; i++ {
				data[i] = byte(i*7 + 13)
			}
			if err := os.WriteFile(dbPath, data, 0o600); err != nil {
				t.Fatal(err)
			}

			ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
			defer cancel()
			err = run(ctx, []string{"serve", "--listen", "127.0.0.1:0", "--db", dbPath, "--no-tunnel"}, noEnv, nil, io.Discard, io.Discard)
			if ctx.Err() != nil {
				t.Fatal("serve went on serving a damaged lab")
			}
			if !errors.Is(err, store.ErrDamaged) {
				t.Fatalf("serve ended with %v, want the damage", err)
			}
			for _, want := range []string{"the database file " + dbPath + " is damaged", "mv " + dbPath} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q lacks %q", err, want)
				}
			}
			if after, err := os.ReadFile(dbPath); err != nil || !bytes.Equal(data, after) {
				t.Errorf("the damaged file changed (%v)", err)
			}
		})
	}
}
