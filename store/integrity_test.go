package store

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/scimlab/scimlab/exchange"
)

// labWithUsers writes a closed database holding n users, so every page is in the
// main file (closing checkpoints the WAL) and none is cached by a later opener.
func labWithUsers(t *testing.T, n int) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "scimlab.db")
	db, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		createUser(t, db, "", fmt.Sprintf(`{"userName":"user%04d@example.com","displayName":"User %d","title":"%s"}`, i, i, strings.Repeat("x", 200)))
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// overwritePages fills pages [from, to] (1-based, as SQLite numbers them) with
// random bytes, as a disk or a stray write would. to < 0 counts from the last page.
func overwritePages(t *testing.T, path string, from, to int) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	header := make([]byte, 100)
	if _, err := f.ReadAt(header, 0); err != nil {
		t.Fatal(err)
	}
	pageSize := int64(binary.BigEndian.Uint16(header[16:18]))
	fi, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	pages := int(fi.Size() / pageSize)
	if to < 0 {
		to = pages + 1 + to
	}
	if from < 2 || to > pages || from > to {
		t.Fatalf("pages %d..%d of %d: page 1 holds the header and the file must have them", from, to, pages)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	garbage := make([]byte, pageSize)
	for p := from; p <= to; p++ {
		for i := range garbage {
			garbage[i] = byte(rng.UintN(256))
		}
		if _, err := f.WriteAt(garbage, int64(p-1)*pageSize); err != nil {
			t.Fatal(err)
		}
	}
}

func wantDamaged(t *testing.T, err error, path string) *DamagedError {
	t.Helper()
	var de *DamagedError
	if !errors.As(err, &de) || !errors.Is(err, ErrDamaged) {
		t.Fatalf("error %v, want a *DamagedError", err)
	}
	if de.Path != path {
		t.Errorf("damaged file %q, want %q", de.Path, path)
	}
	if !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "damaged") {
		t.Errorf("error %q does not say that %s is damaged", err, path)
	}
	return de
}

func TestOpenRefusesAFileThatIsNoDatabase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "scimlab.db")
	if err := os.WriteFile(path, []byte(strings.Repeat("these are my notes, not a database\n", 200)), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Open(context.Background(), path)
	de := wantDamaged(t, err, path)
	if strings.Contains(err.Error(), "migrate") {
		t.Errorf("error %q blames the migration", err)
	}
	if !strings.Contains(de.Found, "not a database") {
		t.Errorf("found %q, want SQLite's word for it", de.Found)
	}
}

func TestOpenFindsOverwrittenPages(t *testing.T) {
	path := labWithUsers(t, 300)
	fi, _ := os.Stat(path)
	mid := int(fi.Size()/4096) / 2
	overwritePages(t, path, mid, mid+2)
	_, err := Open(context.Background(), path)
	de := wantDamaged(t, err, path)
	if de.Found == "" || de.Found == "ok" {
		t.Errorf("found %q, want the problems quick_check listed", de.Found)
	}
}

func TestOpenAcceptsAnIntactDatabase(t *testing.T) {
	path := labWithUsers(t, 50)
	db, err := Open(context.Background(), path)
	if err != nil {
		t.Fatalf("an intact database: %v", err)
	}
	db.Close()
}

// Damage that appears after the database was opened is reported as damage by the
// method that meets it, not as an unexplained failure.
func TestDamageFoundWhileServingIsTyped(t *testing.T) {
	path := labWithUsers(t, 300)
	db, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	overwritePages(t, path, 2, -1)

	_, _, err = db.Search(context.Background(), Query{Kind: KindUser, StartIndex: 1, Count: 10})
	wantDamaged(t, err, path)
	_, err = db.GetUser(context.Background(), "nobody")
	wantDamaged(t, err, path)
}

// labWithRequests writes a closed lab whose request log holds n requests with bodies.
func labWithRequests(t *testing.T, n int) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "scimlab.db")
	db, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	body := []byte(`{"title":"` + strings.Repeat("x", 2000) + `"}`)
	for range n {
		if err := db.AppendRequests(context.Background(), []*exchange.Record{{Method: "POST", Path: "/scim/v2/Users",
			Status: 201, ReqBody: body, RespBody: body}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// Damage to the request log's file is named as that file, at open and while serving.
func TestDamagedRequestLog(t *testing.T) {
	path := labWithRequests(t, 200)
	logPath := LogPath(path)
	db, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	overwritePages(t, logPath, 2, -1)
	_, err = db.ListRequests(context.Background(), 0, 10)
	wantDamaged(t, err, logPath)
	_, err = db.GetRequest(context.Background(), 7)
	wantDamaged(t, err, logPath)
	if _, err := db.GetUser(context.Background(), "nobody"); !errors.Is(err, ErrNotFound) {
		t.Errorf("the lab's own file answers %v, want ErrNotFound", err)
	}
	db.Close()

	_, err = Open(context.Background(), path)
	wantDamaged(t, err, logPath)
}

// An ordinary failure stays what it was.
func TestNotFoundIsNoDamage(t *testing.T) {
	db := openTest(t)
	_, err := db.GetUser(context.Background(), "nobody")
	if errors.Is(err, ErrDamaged) || !errors.Is(err, ErrNotFound) {
		t.Errorf("error %v, want ErrNotFound and no damage", err)
	}
}

// OpenServing returns before the check of an up-to-date lab is done; the check then
// finds damage in the middle of the file, and no write reaches the file.
func TestOpenServingChecksInTheBackground(t *testing.T) {
	path := labWithUsers(t, 300)
	fi, _ := os.Stat(path)
	mid := int(fi.Size()/4096) / 2
	overwritePages(t, path, mid, mid+2)
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	db, err := OpenServing(context.Background(), path)
	if err != nil {
		t.Fatalf("OpenServing of a lab whose damage is inside: %v, want the check to find it after", err)
	}
	defer db.Close()
	wantDamaged(t, db.Check(context.Background()), path)
	err = db.CreateUser(context.Background(), &Resource{Doc: []byte(`{"userName":"new@example.com"}`)})
	wantDamaged(t, err, path)
	if err := db.SetSetting(context.Background(), "k", "v"); !errors.Is(err, ErrDamaged) {
		t.Errorf("a setting written to a damaged lab: %v", err)
	}
	db.Close()
	if after, err := os.ReadFile(path); err != nil || !bytes.Equal(before, after) {
		t.Errorf("the damaged file changed (%v)", err)
	}
}

// A lab that must be migrated is checked before the migration writes to it, even by
// OpenServing.
func TestOpenServingChecksBeforeMigrating(t *testing.T) {
	path := filepath.Join(t.TempDir(), "old.db")
	mainLab(t, path)
	fi, _ := os.Stat(path)
	overwritePages(t, path, int(fi.Size()/4096)-1, -1)
	_, err := OpenServing(context.Background(), path)
	wantDamaged(t, err, path)
}

// Writes wait for their file's check: none runs before it passed, and after a failed
// one every write fails with the damage it found.
func TestWritesWaitForTheCheck(t *testing.T) {
	db := openTest(t)
	for _, verdict := range []error{nil, &DamagedError{Path: db.path, Found: "page 7 is wrong"}} {
		gate := newIntegrity()
		c := newCommitter(db.w, nil, gate)
		done := make(chan error, 1)
		go func() {
			done <- c.write(func(tx *sql.Tx) error {
				_, err := tx.Exec(`INSERT INTO settings (key, value) VALUES ('gated', 'x') ON CONFLICT (key) DO NOTHING`)
				return err
			}, nil)
		}()
		select {
		case err := <-done:
			t.Fatalf("a write finished (%v) before the check was in", err)
		case <-time.After(50 * time.Millisecond):
		}
		gate.finish(verdict)
		err := <-done
		if verdict == nil && err != nil {
			t.Errorf("a write after a passed check: %v", err)
		}
		if verdict != nil && !errors.Is(err, ErrDamaged) {
			t.Errorf("a write after a failed check: %v, want the damage", err)
		}
		c.close()
	}
}

// The request log's file is checked in the background too: its damage is named as
// the log, appends never reach it, and the lab's own writes go on.
func TestOpenServingChecksTheLog(t *testing.T) {
	path := labWithRequests(t, 200)
	logPath := LogPath(path)
	fi, _ := os.Stat(logPath)
	mid := int(fi.Size()/logPageSize) / 2
	overwritePages(t, logPath, mid, mid+1)
	db, err := OpenServing(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if de := wantDamaged(t, db.Check(context.Background()), logPath); !de.RequestLog {
		t.Errorf("damage %+v not named as the request log", de)
	}
	err = db.AppendRequests(context.Background(), []*exchange.Record{{Method: "GET", Path: "/scim/v2/Users", Status: 200}})
	wantDamaged(t, err, logPath)
	if err := db.SetSetting(context.Background(), "k", "v"); err != nil {
		t.Errorf("the lab's own file refused a write: %v", err)
	}
}
