package store

import (
	"bufio"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/scimlab/scimlab/exchange"

	"github.com/adrg/xdg"
)

func TestOpenCreatesPrivateDirAndFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a", "b")
	path := filepath.Join(dir, "scimlab.db")
	db, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for p, want := range map[string]os.FileMode{dir: 0o700, path: 0o600} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != want {
			t.Errorf("%s mode = %v, want %v", p, got, want)
		}
	}
	// A file that exists with loose permissions is tightened.
	loose := filepath.Join(t.TempDir(), "loose.db")
	if err := os.WriteFile(loose, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	db2, err := Open(context.Background(), loose)
	if err != nil {
		t.Fatal(err)
	}
	defer db2.Close()
	if fi, _ := os.Stat(loose); fi.Mode().Perm() != 0o600 {
		t.Errorf("existing file mode = %v, want 0600", fi.Mode().Perm())
	}
}

// TestOpenOddPath checks that characters with a meaning in URIs reach SQLite
// as part of the file name, so the file Open chmods is the one SQLite writes.
func TestOpenOddPath(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a b?c#d%20e", "scim lab.db")
	db, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	createUser(t, db, "u1", `{"userName":"x"}`)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Size() == 0 || fi.Mode().Perm() != 0o600 {
		t.Fatalf("database file: %v %v", fi, err)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 2 || entries[0].Name() != "scim lab.db" || entries[1].Name() != "scim lab.log.db" {
		t.Fatalf("want the lab and its request log, SQLite wrote: %v", entries)
	}
	if fi, err := os.Stat(LogPath(path)); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("request log file: %v %v", fi, err)
	}
}

func TestPragmas(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	check := func(h *sql.DB, pragma, want string) {
		t.Helper()
		var got string
		if err := h.QueryRowContext(ctx, "PRAGMA "+pragma).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("PRAGMA %s = %q, want %q", pragma, got, want)
		}
	}
	check(db.w, "journal_mode", "wal")
	check(db.w, "synchronous", "1") // NORMAL
	check(db.w, "foreign_keys", "1")
	check(db.w, "busy_timeout", "5000")
	check(db.w, "analysis_limit", "1000")
	check(db.r, "busy_timeout", "5000")
	check(db.r, "query_only", "1")
	if _, err := db.r.ExecContext(ctx, `INSERT INTO settings VALUES ('k', 'v')`); err == nil {
		t.Error("reader pool accepted a write")
	}
	if n := db.w.Stats().MaxOpenConnections; n != 1 {
		t.Errorf("writer MaxOpenConnections = %d, want 1", n)
	}
	if n := db.r.Stats().MaxOpenConnections; n < 2 {
		t.Errorf("reader MaxOpenConnections = %d, want several", n)
	}
	check(db.log.w, "journal_mode", "wal")
	check(db.log.w, "synchronous", "1")
	check(db.log.w, "page_size", fmt.Sprint(logPageSize))
	check(db.log.r, "query_only", "1")
	if n := db.log.w.Stats().MaxOpenConnections; n != 1 {
		t.Errorf("log writer MaxOpenConnections = %d, want 1", n)
	}
}

func TestMigrationsIdempotent(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "scimlab.db")
	version := func(db *DB) int {
		var v int
		if err := db.r.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if v := version(db); v != len(migrations) || v == 0 {
		t.Fatalf("user_version = %d, want %d", v, len(migrations))
	}
	createUser(t, db, "u1", `{"userName":"kept"}`)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db, err = Open(ctx, path) // re-running migrations must be a no-op
	if err != nil {
		t.Fatal(err)
	}
	if v := version(db); v != len(migrations) {
		t.Fatalf("user_version after reopen = %d", v)
	}
	if u, err := db.GetUser(ctx, "u1"); err != nil || u.UserName != "kept" {
		t.Fatalf("after reopen: %v %v", u, err)
	}
	// A database written by a newer scimlab is refused, not clobbered.
	if _, err := db.w.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", len(migrations)+1)); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if db, err := Open(ctx, path); err == nil {
		db.Close()
		t.Fatal("Open accepted a newer schema version")
	}
}

func TestDefaultPathUsesXDGDataHome(t *testing.T) {
	home := t.TempDir()
	t.Setenv("XDG_DATA_HOME", home)
	xdg.Reload()
	t.Cleanup(xdg.Reload)
	want := filepath.Join(home, "scimlab", "scimlab.db")
	if got := DefaultPath(); got != want {
		t.Fatalf("DefaultPath() = %q, want %q", got, want)
	}
	if _, err := os.Stat(filepath.Join(home, "scimlab")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("DefaultPath created the directory (stat err %v)", err)
	}
	db, err := Open(context.Background(), DefaultPath())
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	if fi, err := os.Stat(filepath.Join(home, "scimlab")); err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("data dir: %v %v", fi, err)
	}
}

// TestConcurrentCreateSameUserName proves writers queue instead of failing
// with SQLITE_BUSY, and that uniqueness ignores case.
func TestConcurrentCreateSameUserName(t *testing.T) {
	db := openTest(t)
	const n = 40
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			name := "same.user@example.com"
			if i%2 == 1 {
				name = "SAME.User@Example.com"
			}
			errs[i] = db.CreateUser(context.Background(), &Resource{Doc: []byte(`{"userName":"` + name + `"}`)})
		}()
	}
	wg.Wait()
	ok, conflicts := 0, 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case errors.Is(err, ErrConflict):
			conflicts++
		default:
			t.Errorf("unexpected error: %v", err)
		}
	}
	if ok != 1 || conflicts != n-1 {
		t.Fatalf("successes = %d, conflicts = %d; want 1 and %d", ok, conflicts, n-1)
	}
}

// TestConcurrentReadersAndWriters mixes group edits, user creation and
// searches; none may fail.
func TestConcurrentReadersAndWriters(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	createGroup(t, db, "g", `{"displayName":"g"}`)
	var wg sync.WaitGroup
	errc := make(chan error, 100)
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 25 {
				id := fmt.Sprintf("u-%d-%d", w, i)
				if err := db.CreateUser(ctx, &Resource{ID: id, Doc: []byte(`{"userName":"` + id + `"}`)}); err != nil {
					errc <- err
					return
				}
				_, err := db.UpdateGroup(ctx, "g", 0, func(_ *Resource, m MemberTx) (*Resource, error) {
					return nil, m.AddMembers([]Member{{UserID: id}})
				})
				if err != nil {
					errc <- err
					return
				}
			}
		}()
	}
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 50 {
				if _, _, err := db.Search(ctx, Query{Kind: KindUser, Count: 10}); err != nil {
					errc <- err
					return
				}
				if _, err := db.Members(ctx, "g", 5); err != nil {
					errc <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Error(err)
	}
	g, err := db.GetGroup(ctx, "g")
	if err != nil {
		t.Fatal(err)
	}
	if g.Version != 101 {
		t.Errorf("group version = %d, want 101 (one bump per UpdateGroup)", g.Version)
	}
}

func TestUniqueViolationFromResultCode(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	createUser(t, db, "u1", `{"userName":"x"}`)
	_, err := db.w.ExecContext(ctx, `INSERT INTO users (id, user_name, doc, version, created, last_modified) VALUES ('u2', 'X', '{}', 1, '', '')`)
	if !isUniqueViolation(err) || isPrimaryKeyViolation(err) {
		t.Fatalf("unique index violation not recognised: %v", err)
	}
	_, err = db.w.ExecContext(ctx, `INSERT INTO users (id, user_name, doc, version, created, last_modified) VALUES ('u1', 'other', '{}', 1, '', '')`)
	if !isPrimaryKeyViolation(err) {
		t.Fatalf("primary key violation not recognised: %v", err)
	}
	_, err = db.w.ExecContext(ctx, `INSERT INTO memberships (group_id, user_id) VALUES ('nope', 'u1')`)
	if !isForeignKeyViolation(err) {
		t.Fatalf("foreign key violation not recognised: %v", err)
	}
}

func TestTimestampsSortLexicographically(t *testing.T) {
	base := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	times := []time.Time{
		base,
		base.Add(time.Nanosecond),
		base.Add(250 * time.Millisecond),
		base.Add(500 * time.Millisecond),
		base.Add(time.Second),
		base.Add(time.Second + time.Microsecond),
	}
	for i := 1; i < len(times); i++ {
		a, b := formatTime(times[i-1]), formatTime(times[i])
		if len(a) != len(b) || a >= b {
			t.Errorf("%q does not sort before %q", a, b)
		}
	}
	local := time.Date(2024, 5, 6, 9, 8, 9, 123, time.FixedZone("x", 2*3600))
	if got := formatTime(local); got != "2024-05-06T07:08:09.000000123Z" {
		t.Errorf("formatTime = %q", got)
	}
	back, err := parseTime(formatTime(local))
	if err != nil || !back.Equal(local) {
		t.Errorf("round trip = %v, %v", back, err)
	}
}

// TestSurvivesKill commits in a child process, kills it with SIGKILL before it
// closes the database, and reads the data back: synchronous=NORMAL in WAL mode
// loses nothing when only the process dies.
func TestSurvivesKill(t *testing.T) {
	if os.Getenv("SCIMLAB_STORE_KILL_CHILD") != "" {
		return
	}
	path := filepath.Join(t.TempDir(), "scimlab.db")
	cmd := exec.Command(os.Args[0], "-test.run=^TestKillChild$")
	cmd.Env = append(os.Environ(), "SCIMLAB_STORE_KILL_CHILD="+path)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || line != "committed\n" {
		_ = cmd.Process.Kill()
		t.Fatalf("child said %q, %v", line, err)
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	if _, err := os.Stat(path + "-wal"); err != nil {
		t.Fatalf("expected the WAL to survive the kill un-checkpointed: %v", err)
	}
	db, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	u, err := db.GetUser(context.Background(), "survivor")
	if err != nil || u.UserName != "survivor" {
		t.Fatalf("user lost after kill: %v %v", u, err)
	}
	rs, err := db.ListRequests(context.Background(), 0, 0)
	if err != nil || len(rs) != 1 {
		t.Fatalf("requests after kill = %d, %v", len(rs), err)
	}
}

// TestKillChild is the child half of TestSurvivesKill.
func TestKillChild(t *testing.T) {
	path := os.Getenv("SCIMLAB_STORE_KILL_CHILD")
	if path == "" {
		t.Skip("child process of TestSurvivesKill")
	}
	db, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.CreateUser(context.Background(), &Resource{ID: "survivor", Doc: []byte(`{"userName":"survivor"}`)}); err != nil {
		t.Fatal(err)
	}
	if err := db.AppendRequests(context.Background(), []*exchange.Record{{Method: "POST", Path: "/scim/v2/Users"}}); err != nil {
		t.Fatal(err)
	}
	fmt.Println("committed")
	time.Sleep(time.Minute) // killed long before this returns
}
