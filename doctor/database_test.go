package doctor

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/scimlab/scimlab/exchange"
	"github.com/scimlab/scimlab/store"
)

const storedToken = "stored-bearer-token-0123456789-wxyz"

// labFile writes a closed database with 2 users, 1 group, 1 request and, when token is
// not "", a stored token.
func labFile(t *testing.T, token string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "scimlab.db")
	ctx := context.Background()
	db, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"ada", "alan"} {
		if err := db.CreateUser(ctx, &store.Resource{Doc: []byte(`{"userName":"` + name + `@example.com"}`)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.CreateGroup(ctx, &store.Resource{Doc: []byte(`{"displayName":"Engineering"}`)}, nil); err != nil {
		t.Fatal(err)
	}
	if err := db.AppendRequests(ctx, []*exchange.Record{{Method: "GET", Path: "/scim/v2/Users", Status: 200}}); err != nil {
		t.Fatal(err)
	}
	if token != "" {
		if err := db.SetBearerToken(ctx, token); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

func setSchemaVersion(t *testing.T, path string, v int) {
	t.Helper()
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.Exec(fmt.Sprintf("PRAGMA user_version = %d", v)); err != nil {
		t.Fatal(err)
	}
}

func TestDatabaseChecksOnAHealthyLab(t *testing.T) {
	path := labFile(t, storedToken)
	before := tree(t, filepath.Dir(path))
	checks := databaseChecks(context.Background(), path, time.Minute, func(string) string { return "" })
	sameTree(t, before, tree(t, filepath.Dir(path)))

	want(t, find(t, checks, GroupDatabase, "schema"), OK, fmt.Sprintf("version %d, this build's", store.SchemaVersion()))
	integrity := find(t, checks, GroupDatabase, "integrity")
	want(t, integrity, OK, "quick_check passed in")
	refuse(t, integrity, "write-ahead log")
	want(t, find(t, checks, GroupDatabase, "contents"), OK, "2 users, 1 group, 1 request in the request log")
	token := find(t, checks, GroupDatabase, "bearer token")
	want(t, token, OK, "stored: ••••••••••••wxyz")
	refuse(t, token, storedToken, "SCIMLAB_TOKEN")
}

func TestDatabaseChecksTokens(t *testing.T) {
	none := labFile(t, "")
	checks := databaseChecks(context.Background(), none, time.Minute, func(string) string { return "" })
	want(t, find(t, checks, GroupDatabase, "bearer token"), OK, "none stored yet")

	stored := labFile(t, storedToken)
	same := func(k string) string {
		if k == "SCIMLAB_TOKEN" {
			return storedToken
		}
		return ""
	}
	c := find(t, databaseChecks(context.Background(), stored, time.Minute, same), GroupDatabase, "bearer token")
	want(t, c, OK, "$SCIMLAB_TOKEN is set")
	refuse(t, c, "differs", storedToken)

	const other = "another-token-from-the-environment-9876"
	differs := func(k string) string {
		if k == "SCIMLAB_TOKEN" {
			return other
		}
		return ""
	}
	c = find(t, databaseChecks(context.Background(), stored, time.Minute, differs), GroupDatabase, "bearer token")
	want(t, c, OK, "differs from the stored token", "••••••••••••9876", "401")
	refuse(t, c, other, storedToken)
}

func TestDatabaseChecksSchemas(t *testing.T) {
	older := labFile(t, "")
	setSchemaVersion(t, older, store.SchemaVersion()-1)
	checks := databaseChecks(context.Background(), older, time.Minute, func(string) string { return "" })
	want(t, find(t, checks, GroupDatabase, "schema"), OK, fmt.Sprintf("version %d; this build upgrades it to %d", store.SchemaVersion()-1, store.SchemaVersion()), "older scimlab cannot open it")
	find(t, checks, GroupDatabase, "contents")

	newer := labFile(t, "")
	setSchemaVersion(t, newer, store.SchemaVersion()+1)
	checks = databaseChecks(context.Background(), newer, time.Minute, func(string) string { return "" })
	want(t, find(t, checks, GroupDatabase, "schema"), Fail, "written by a newer scimlab", "refuses to open it", "--db")
	for _, c := range checks {
		if c.Name == "contents" || c.Name == "bearer token" {
			t.Errorf("a schema this build does not know was read: %+v", c)
		}
	}

	empty := filepath.Join(t.TempDir(), "scimlab.db")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	checks = databaseChecks(context.Background(), empty, time.Minute, func(string) string { return "" })
	want(t, find(t, checks, GroupDatabase, "schema"), OK, "not set up yet")
}

func TestDatabaseChecksProblems(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "scimlab.db")
	checks := databaseChecks(context.Background(), missing, time.Minute, func(string) string { return "" })
	if len(checks) != 1 {
		t.Errorf("a missing database gave %d checks, want 1: %+v", len(checks), checks)
	}
	want(t, checks[0], OK, "no database yet: scimlab creates it on first start")
	if got := tree(t, dir); len(got) != 1 {
		t.Errorf("looking at a missing database created %q", got[1:])
	}

	// A directory named as the database cannot be read as one.
	checks = databaseChecks(context.Background(), dir, time.Minute, func(string) string { return "" })
	want(t, find(t, checks, GroupDatabase, "database"), Fail, "cannot be read", "not a regular file")

	notes := filepath.Join(dir, "notes.db")
	if err := os.WriteFile(notes, []byte(strings.Repeat("meeting notes, not a database\n", 300)), 0o600); err != nil {
		t.Fatal(err)
	}
	checks = databaseChecks(context.Background(), notes, time.Minute, func(string) string { return "" })
	want(t, find(t, checks, GroupDatabase, "integrity"), Fail, "damaged", "not a database", "mv "+notes+" "+notes+".damaged", "fresh, empty lab")

	// A check stopped by its bound is no verdict on the file.
	c := inspectionChecks(store.Inspection{Path: notes, Size: 5 << 30}, context.DeadlineExceeded, 30*time.Second, "")
	if len(c) != 1 {
		t.Fatalf("checks %+v", c)
	}
	want(t, c[0], Warn, "did not finish within 30s", "5.0 GB")
	refuse(t, c[0], "damaged")
	// A bound already passed stops a real check.
	c = databaseChecks(context.Background(), labFile(t, ""), time.Nanosecond, func(string) string { return "" })
	if len(c) != 1 {
		t.Fatalf("checks %+v", c)
	}
	want(t, c[0], Warn, "did not finish within 1ns")
}

// Beside a scimlab that has the database open, what it committed to the
// write-ahead log is counted too.
func TestDatabaseChecksBesideAnOpenDatabase(t *testing.T) {
	path := labFile(t, storedToken)
	db, err := store.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.CreateUser(context.Background(), &store.Resource{Doc: []byte(`{"userName":"grace@example.com"}`)}); err != nil {
		t.Fatal(err)
	}
	checks := databaseChecks(context.Background(), path, time.Minute, func(string) string { return "" })
	want(t, find(t, checks, GroupDatabase, "contents"), OK, "3 users")
	want(t, find(t, checks, GroupDatabase, "integrity"), OK, "read together with its write-ahead log")
}

// The request log's own file is a check of its own, named by its path: there, not
// there yet, damaged (which keeps the lab), or still inside an older lab's database.
func TestDatabaseChecksTheRequestLog(t *testing.T) {
	noEnv := func(string) string { return "" }
	path := labFile(t, storedToken)
	logPath := store.LogPath(path)
	checks := databaseChecks(context.Background(), path, time.Minute, noEnv)
	c := find(t, checks, GroupDatabase, "request log")
	want(t, c, OK, "1 request; SQLite's quick_check passed in")
	if c.Path != logPath {
		t.Errorf("the request log check names %q, want %q", c.Path, logPath)
	}
	if integrity := find(t, checks, GroupDatabase, "integrity"); integrity.Path != "" {
		t.Errorf("the database's checks after the first name the file again: %+v", integrity)
	}

	if err := os.Rename(logPath, logPath+".aside"); err != nil {
		t.Fatal(err)
	}
	checks = databaseChecks(context.Background(), path, time.Minute, noEnv)
	want(t, find(t, checks, GroupDatabase, "request log"), OK, "no file yet", "next start")
	want(t, find(t, checks, GroupDatabase, "contents"), OK, "0 requests in the request log")

	if err := os.WriteFile(logPath, []byte(strings.Repeat("meeting notes, not a database\n", 300)), 0o600); err != nil {
		t.Fatal(err)
	}
	checks = databaseChecks(context.Background(), path, time.Minute, noEnv)
	c = find(t, checks, GroupDatabase, "request log")
	want(t, c, Fail, "damaged", "not a database", "mv "+logPath+" "+logPath+".damaged", "keeps its users")
	refuse(t, c, "fresh, empty lab")
	want(t, find(t, checks, GroupDatabase, "integrity"), OK, "quick_check passed")
}

// A lab an older scimlab wrote still holds its requests; the request log check says
// where they go.
func TestDatabaseChecksALogStillInside(t *testing.T) {
	in := store.Inspection{Path: "/lab/scimlab.db", SchemaVersion: store.SchemaVersion() - 1, Users: 3, Requests: 2, LogInDatabase: true,
		Log: store.LogInspection{Path: "/lab/scimlab.log.db"}}
	checks := inspectionChecks(in, nil, time.Minute, "")
	want(t, find(t, checks, GroupDatabase, "request log"), OK, "no file yet")
	c := find(t, checks, GroupDatabase, "request log")
	if len(c.Notes) != 1 || !strings.Contains(c.Notes[0], "the 2 requests still in the database move to this file at the next start") {
		t.Errorf("notes %q", c.Notes)
	}
	want(t, find(t, checks, GroupDatabase, "contents"), OK, "2 requests in the request log")
	in.LogInDatabase = false
	if c := find(t, inspectionChecks(in, nil, time.Minute, ""), GroupDatabase, "request log"); len(c.Notes) != 0 {
		t.Errorf("a lab whose log has moved got notes %q", c.Notes)
	}
}
