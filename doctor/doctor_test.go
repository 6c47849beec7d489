package doctor

import (
	"bytes"
	"context"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/scimlab/scimlab/app"
	"github.com/scimlab/scimlab/store"
	"github.com/scimlab/scimlab/tunnel"
)

func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// On a machine where scimlab never ran, doctor finds nothing wrong and leaves no
// trace: no directory, database, lock, config file or log.
func TestRunOnAFreshMachineCreatesNothing(t *testing.T) {
	root := freshHome(t)
	before := tree(t, root)
	var out bytes.Buffer
	rep := Run(context.Background(), Options{
		App:     app.Options{DB: store.DefaultPath(), Listen: freePort(t)},
		Version: "scimlab test",
		Getenv:  envOf(map[string]string{"TERM": "xterm-256color"}),
		Stdout:  &out,
		Probe:   tunnel.ProbeConfig{Dialer: offline{}},
	})
	sameTree(t, before, tree(t, root))
	if rep.Failed() {
		t.Errorf("a fresh machine fails: %+v", rep.Checks)
	}
	var groups []Group
	for _, c := range rep.Checks {
		if len(groups) == 0 || groups[len(groups)-1] != c.Group {
			groups = append(groups, c.Group)
		}
		if c.Status == Fail {
			t.Errorf("failed: %+v", c)
		}
	}
	order := []Group{GroupScimlab, GroupPaths, GroupDatabase, GroupLabs, GroupTunnel, GroupTerminal, GroupPort}
	if len(groups) != len(order) {
		t.Fatalf("groups %v, want %v", groups, order)
	}
	for i := range order {
		if groups[i] != order[i] {
			t.Errorf("groups %v, want %v", groups, order)
		}
	}
	want(t, find(t, rep.Checks, GroupScimlab, "version"), OK, "scimlab test")
	want(t, find(t, rep.Checks, GroupScimlab, "platform"), OK, runtime.GOOS+"/"+runtime.GOARCH)
	want(t, find(t, rep.Checks, GroupScimlab, "built with"), OK, runtime.Version())
	want(t, find(t, rep.Checks, GroupDatabase, "database"), OK, "no database yet")
	want(t, find(t, rep.Checks, GroupPaths, "labs directory"), OK, "not created yet")
	want(t, find(t, rep.Checks, GroupLabs, "labs"), OK, "none yet", "--lab NAME")
	want(t, find(t, rep.Checks, GroupTunnel, "ngrok service"), Warn, "unreachable")
	want(t, find(t, rep.Checks, GroupTerminal, "terminal"), OK, "not a terminal")
	want(t, find(t, rep.Checks, GroupPort, "listen address"), OK, "is free")
}

// Beside a server holding its database's lock and its port, doctor reads both
// without taking, breaking or changing anything, and says who holds them.
func TestRunBesideAServer(t *testing.T) {
	root := freshHome(t)
	dbPath := filepath.Join(root, "lab", "scimlab.db")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	address := "http://" + ln.Addr().String() + "/scim/v2"
	lock, err := store.AcquireLock(dbPath, store.Holder{PID: os.Getpid(), Address: address})
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Release()
	db, err := store.Open(context.Background(), dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.SetBearerToken(context.Background(), storedToken); err != nil {
		t.Fatal(err)
	}

	lockBefore, err := os.ReadFile(store.LockPath(dbPath))
	if err != nil {
		t.Fatal(err)
	}
	before := tree(t, filepath.Dir(dbPath))
	rep := Run(context.Background(), Options{App: app.Options{DB: dbPath, Listen: ln.Addr().String()}, NoNetwork: true, Getenv: envOf(nil)})
	if after := tree(t, filepath.Dir(dbPath)); len(after) != len(before) {
		t.Errorf("files appeared or vanished:\nbefore %q\nafter  %q", before, after)
	}
	if lockAfter, _ := os.ReadFile(store.LockPath(dbPath)); !bytes.Equal(lockAfter, lockBefore) {
		t.Errorf("the lock file changed from %q to %q", lockBefore, lockAfter)
	}
	if _, err := store.AcquireLock(dbPath, store.Holder{PID: 1}); err == nil {
		t.Error("after doctor, another server could take the lock")
	}

	want(t, find(t, rep.Checks, GroupPaths, "server lock"), OK, "held by scimlab pid", address)
	want(t, find(t, rep.Checks, GroupPaths, "write-ahead log"), OK, "a scimlab has the database open")
	want(t, find(t, rep.Checks, GroupDatabase, "bearer token"), OK, "••••wxyz")
	want(t, find(t, rep.Checks, GroupPort, "listen address"), Warn, "in use by the scimlab serving "+dbPath)
	if rep.Failed() {
		t.Errorf("doctor beside a healthy server fails: %+v", rep.Checks)
	}
}
