package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/scimlab/scimlab/exchange"
)

// dirListing is the names, sizes and modification times in dir, to show that a
// look changed nothing.
func dirListing(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		fi, err := e.Info()
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprintf("%s %s %s %d", e.Name(), fi.ModTime().Format(time.RFC3339Nano), fi.Mode(), fi.Size()))
	}
	return out
}

// fillLab writes 2 users, 1 group, 3 requests and a token.
func fillLab(t *testing.T, db *DB) {
	t.Helper()
	ctx := context.Background()
	u := createUser(t, db, "", `{"userName":"ada@example.com"}`)
	createUser(t, db, "", `{"userName":"alan@example.com"}`)
	createGroup(t, db, "", `{"displayName":"Engineering"}`, u.ID)
	if err := db.AppendRequests(ctx, []*exchange.Record{{Method: "GET", Path: "/scim/v2/Users", Status: 200},
		{Method: "POST", Path: "/scim/v2/Users", Status: 201}, {Method: "POST", Path: "/scim/v2/Groups", Status: 201}}); err != nil {
		t.Fatal(err)
	}
	if err := db.SetBearerToken(ctx, "stored-token-0123456789"); err != nil {
		t.Fatal(err)
	}
}

func TestInspectAClosedDatabaseCreatesNothing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "scimlab.db")
	db, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	fillLab(t, db)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	before := dirListing(t, filepath.Dir(path))

	in, err := Inspect(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	if in.SchemaVersion != SchemaVersion() || in.Users != 2 || in.Groups != 1 || in.Requests != 3 || in.BearerToken != "stored-token-0123456789" {
		t.Errorf("inspection %+v, want schema %d, 2 users, 1 group, 3 requests and the token", in, SchemaVersion())
	}
	if in.ReadWAL {
		t.Error("a closed database has no -wal to read, yet the inspection says it read one")
	}
	if after := dirListing(t, filepath.Dir(path)); !slices.Equal(before, after) {
		t.Errorf("the directory changed:\nbefore %q\nafter  %q", before, after)
	}
}

// Beside a server that has the file open, the look reads what the server
// committed to the -wal file and not yet to the main file.
func TestInspectBesideAnOpenDatabase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "scimlab.db")
	db, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	fillLab(t, db)
	in, err := Inspect(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	if !in.ReadWAL || in.Users != 2 || in.Requests != 3 {
		t.Errorf("inspection %+v, want the -wal read and 2 users, 3 requests", in)
	}
	// The server goes on writing.
	createUser(t, db, "", `{"userName":"grace@example.com"}`)
}

func TestInspectAMissingFile(t *testing.T) {
	dir := t.TempDir()
	_, err := Inspect(context.Background(), filepath.Join(dir, "scimlab.db"))
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("error %v, want fs.ErrNotExist", err)
	}
	if got := dirListing(t, dir); len(got) != 0 {
		t.Errorf("looking at a missing database created %q", got)
	}
}

func TestInspectADamagedFile(t *testing.T) {
	path := labWithUsers(t, 300)
	fi, _ := os.Stat(path)
	mid := int(fi.Size()/4096) / 2
	overwritePages(t, path, mid, mid+2)
	_, err := Inspect(context.Background(), path)
	wantDamaged(t, err, path)

	notes := filepath.Join(t.TempDir(), "notes.db")
	if err := os.WriteFile(notes, []byte("meeting notes, not a database\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = Inspect(context.Background(), notes)
	wantDamaged(t, err, notes)
}

// A file from a newer scimlab, or one not set up yet, is described without
// reading tables this build does not know.
func TestInspectSchemaVersions(t *testing.T) {
	newer := filepath.Join(t.TempDir(), "newer.db")
	raw, err := sql.Open("sqlite", newer)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec("CREATE TABLE future (x); PRAGMA user_version = 999"); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	in, err := Inspect(context.Background(), newer)
	if err != nil || in.SchemaVersion != 999 || in.Users != 0 {
		t.Errorf("a newer schema: %+v, %v", in, err)
	}

	empty := filepath.Join(t.TempDir(), "empty.db")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	in, err = Inspect(context.Background(), empty)
	if err != nil || in.SchemaVersion != 0 {
		t.Errorf("an empty file: %+v, %v", in, err)
	}
}

// Peek reads what Inspect reads but runs no integrity check: a listing of labs stays
// quick on a large file, and changes nothing either, beside a server or not. The
// requests are counted in the log's own file.
func TestPeek(t *testing.T) {
	path := filepath.Join(t.TempDir(), "scimlab.db")
	db, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	fillLab(t, db)
	if err := db.SetSetting(context.Background(), "profile", `{"name":"thinglink"}`); err != nil {
		t.Fatal(err)
	}
	for _, open := range []bool{true, false} {
		if !open {
			if err := db.Close(); err != nil {
				t.Fatal(err)
			}
		}
		before := dirListing(t, filepath.Dir(path))
		in, err := Peek(context.Background(), path)
		if err != nil {
			t.Fatal(err)
		}
		if in.CheckTook != 0 || in.Log.CheckTook != 0 || in.Users != 2 || in.Groups != 1 || in.Requests != 3 || in.Log.Requests != 3 ||
			in.ReadWAL != open || in.BearerToken != "stored-token-0123456789" || in.Settings["profile"] != `{"name":"thinglink"}` {
			t.Errorf("open %v: peek %+v", open, in)
		}
		if after := dirListing(t, filepath.Dir(path)); !slices.Equal(before, after) {
			t.Errorf("open %v: the directory changed:\nbefore %q\nafter  %q", open, before, after)
		}
	}
}

// The look covers the request log's own file: its size, schema, check and count,
// beside the lab's file, and a damaged log is named as the log.
func TestInspectTheRequestLog(t *testing.T) {
	path := filepath.Join(t.TempDir(), "scimlab.db")
	db, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	fillLab(t, db)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	in, err := Inspect(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	l := in.Log
	if l.Path != LogPath(path) || !l.Exists || l.Size == 0 || l.SchemaVersion != LogSchemaVersion() || l.Requests != 3 || in.LogInDatabase {
		t.Errorf("the log's inspection %+v (log in the database: %v), want its file with 3 requests", l, in.LogInDatabase)
	}

	if err := os.WriteFile(LogPath(path), []byte("meeting notes, not a database\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = Inspect(context.Background(), path)
	if de := wantDamaged(t, err, LogPath(path)); !de.RequestLog {
		t.Errorf("damage %+v not named as the request log", de)
	}
}

// A lab as the scimlab before the log's own file left it: the look counts the
// requests where they are, creates no log file, and says the log is still inside.
func TestInspectALabWithItsLogInside(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "old.db")
	mainLab(t, path)
	before := dirListing(t, dir)
	in, err := Inspect(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	if in.SchemaVersion != logMoved-1 || !in.LogInDatabase || in.Requests != 2 || in.Log.Exists {
		t.Errorf("inspection %+v, want schema 6 with its 2 requests inside and no log file", in)
	}
	if after := dirListing(t, dir); !slices.Equal(before, after) {
		t.Errorf("the directory changed:\nbefore %q\nafter  %q", before, after)
	}
}
