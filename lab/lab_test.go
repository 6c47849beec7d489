package lab

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/scimlab/scimlab/exchange"
	"github.com/scimlab/scimlab/store"
)

func TestValidName(t *testing.T) {
	for _, name := range []string{"default", "acme", "Acme-2024", "class_3", "übung", "a", strings.Repeat("x", 64)} {
		if err := ValidName(name); err != nil {
			t.Errorf("%q refused: %v", name, err)
		}
	}
	for name, why := range map[string]string{
		"":                      "empty",
		"../etc":                "a path",
		"a/b":                   "a path",
		`a\b`:                   "a path",
		"..":                    "a path",
		"a..b":                  "a path",
		"demo.db":               `holds '.'`,
		"my lab":                `holds ' '`,
		"-x":                    `holds '-'`,
		"tab\there":             "control characters",
		"nul\x00":               "control characters",
		strings.Repeat("x", 65): "longer than 64",
		"a:b":                   `holds ':'`,
	} {
		err := ValidName(name)
		if err == nil || !strings.Contains(err.Error(), why) || !strings.Contains(err.Error(), "letters, digits") {
			t.Errorf("%q: %v, want an error saying %q and the rule", name, err, why)
		}
	}
}

func TestPaths(t *testing.T) {
	d := Dir{Root: "/data/scimlab"}
	for name, want := range map[string]string{"default": "/data/scimlab/scimlab.db", "acme": "/data/scimlab/labs/acme.db"} {
		if got, err := d.Path(name); err != nil || got != want {
			t.Errorf("Path(%q) = %q, %v; want %q", name, got, err, want)
		}
	}
	if _, err := d.Path("../x"); err == nil {
		t.Error("Path accepted ../x")
	}
	if got := DefaultDir().Root; got != filepath.Dir(store.DefaultPath()) {
		t.Errorf("DefaultDir %q, store.DefaultPath %q", got, store.DefaultPath())
	}
	if p, _ := DefaultDir().Path(Default); p != store.DefaultPath() {
		t.Errorf("the default lab is %s, the database scimlab always used is %s", p, store.DefaultPath())
	}
}

// makeLab creates the lab called name in d with n users, n requests and the profile.
func makeLab(t *testing.T, d Dir, name string, n int, profile string) string {
	t.Helper()
	ctx := context.Background()
	path, err := d.Path(name)
	if err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for i := range n {
		if err := db.CreateUser(ctx, &store.Resource{Doc: []byte(`{"userName":"u` + string(rune('a'+i)) + `@example.com"}`)}); err != nil {
			t.Fatal(err)
		}
		if err := db.AppendRequests(ctx, []*exchange.Record{{Method: "POST", Path: "/scim/v2/Users", Status: 201}}); err != nil {
			t.Fatal(err)
		}
	}
	if profile != "" {
		if err := db.SetSetting(ctx, ProfileSetting, `{"name":"`+profile+`"}`); err != nil {
			t.Fatal(err)
		}
	}
	return path
}

func TestListAndInspect(t *testing.T) {
	d := Dir{Root: t.TempDir()}
	ctx := context.Background()
	if infos, err := d.List(ctx); err != nil || len(infos) != 0 {
		t.Fatalf("an empty data directory lists %v, %v", infos, err)
	}
	makeLab(t, d, "zeta", 1, "")
	makeLab(t, d, "acme-copy", 0, "")
	makeLab(t, d, "acme", 3, "thinglink")
	makeLab(t, d, Default, 2, "")
	// Companion and stray files in labs/ are not labs: acme.log.db, acme's request
	// log, is there already, and a log without its lab is no lab either.
	if _, err := os.Stat(filepath.Join(d.Root, "labs", "acme.log.db")); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"orphan.log.db", "notes.txt", "bad name.db", ".import-x-1"} {
		os.WriteFile(filepath.Join(d.Root, "labs", f), nil, 0o600)
	}
	os.Mkdir(filepath.Join(d.Root, "labs", "dir.db"), 0o700)

	acmePath, _ := d.Path("acme")
	l, err := store.AcquireLock(acmePath, store.Holder{PID: 77, Address: "http://127.0.0.1:9/scim/v2"})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Release()

	infos, err := d.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, in := range infos {
		names = append(names, in.Name)
	}
	if !slices.Equal(names, []string{"default", "acme", "acme-copy", "zeta"}) {
		t.Fatalf("labs %v", names)
	}
	acme := infos[1]
	if acme.Users != 3 || acme.Requests != 3 || acme.Groups != 0 || acme.Profile != "thinglink" || acme.Path != acmePath {
		t.Errorf("acme %+v", acme)
	}
	if acme.ServedBy != "http://127.0.0.1:9/scim/v2" || acme.ServedByPID != 77 {
		t.Errorf("acme served by %q (%d)", acme.ServedBy, acme.ServedByPID)
	}
	if infos[0].ServedBy != "" || infos[0].Users != 2 || infos[0].Profile != "" {
		t.Errorf("default %+v", infos[0])
	}
	if acme.Bytes <= 0 || time.Since(acme.LastUsed) > time.Hour {
		t.Errorf("acme size %d, last used %v", acme.Bytes, acme.LastUsed)
	}

	// A damaged lab lists with what is wrong, and does not hide the others.
	os.WriteFile(filepath.Join(d.Root, "labs", "broken.db"), []byte("this is not a database, just text padding it out"), 0o600)
	infos, err = d.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var damaged *store.DamagedError
	if len(infos) != 5 || infos[3].Name != "broken" || !strings.Contains(infos[3].Error, "damaged") || !errors.As(infos[3].Err, &damaged) {
		t.Errorf("with a damaged lab: %+v", infos)
	}
}

// A lab's requests are in its request log's own file: the listing counts them there,
// and its size and last use include that file.
func TestListCountsTheRequestLog(t *testing.T) {
	d := Dir{Root: t.TempDir()}
	ctx := context.Background()
	path := makeLab(t, d, "acme", 1, "")
	db, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	body := []byte(`{"userName":"` + strings.Repeat("x", 4000) + `@example.com"}`)
	for range 40 {
		if err := db.AppendRequests(ctx, []*exchange.Record{{Method: "POST", Path: "/scim/v2/Users", Status: 409, ReqBody: body}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	logPath := store.LogPath(path)
	logInfo, err := os.Stat(logPath)
	if err != nil {
		t.Fatal(err)
	}
	// The log changed last: only its time can make the lab's last use.
	old := time.Now().Add(-48 * time.Hour).Truncate(time.Second)
	for _, f := range []string{path, path + "-wal"} {
		if err := os.Chtimes(f, old, old); err != nil && !errors.Is(err, os.ErrNotExist) {
			t.Fatal(err)
		}
	}
	recent := time.Now().Add(-time.Hour).Truncate(time.Second)
	if err := os.Chtimes(logPath, recent, recent); err != nil {
		t.Fatal(err)
	}
	labInfo, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}

	info, err := Inspect(ctx, "acme", path)
	if err != nil {
		t.Fatal(err)
	}
	var total int64
	for _, f := range store.Files(path) {
		if fi, err := os.Stat(f); err == nil {
			total += fi.Size()
		}
	}
	if info.Requests != 41 || info.Users != 1 {
		t.Errorf("acme holds %d users and %d requests, want 1 and 41 (counted in %s)", info.Users, info.Requests, logPath)
	}
	if info.Bytes != total || info.Bytes < labInfo.Size()+logInfo.Size() || logInfo.Size() < 40*4000 {
		t.Errorf("acme's size %d, want every file's, %d, the log's %d bytes included", info.Bytes, total, logInfo.Size())
	}
	if !info.LastUsed.Equal(recent) {
		t.Errorf("acme last used %v, want the log's change at %v", info.LastUsed, recent)
	}
}

// Listing reads each lab without changing anything: no -wal or -shm is left, an older
// lab is not upgraded, a lab of a newer scimlab is named as such.
func TestListChangesNothing(t *testing.T) {
	d := Dir{Root: t.TempDir()}
	ctx := context.Background()
	makeLab(t, d, "acme", 2, "tiled")
	newer, _ := d.Path("future")
	raw, err := sql.Open("sqlite", newer)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec("CREATE TABLE future (x); PRAGMA user_version = 999"); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	older, _ := d.Path("older")
	raw, err = sql.Open("sqlite", older)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec("PRAGMA user_version = 0"); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	before := listing(t, filepath.Join(d.Root, "labs"))

	infos, err := d.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if after := listing(t, filepath.Join(d.Root, "labs")); !slices.Equal(before, after) {
		t.Errorf("listing changed the files:\nbefore %q\nafter  %q", before, after)
	}
	var newerErr *NewerError
	if len(infos) != 3 || infos[0].Users != 2 || infos[0].Profile != "tiled" ||
		infos[1].Name != "future" || !errors.As(infos[1].Err, &newerErr) || newerErr.Schema != 999 || !strings.Contains(infos[1].Error, "newer scimlab") ||
		infos[2].Name != "older" || infos[2].Schema != 0 || infos[2].Err != nil {
		t.Errorf("labs %+v", infos)
	}
}

// listing is every file of dir with its size and modification time.
func listing(t *testing.T, dir string) []string {
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
		out = append(out, fmt.Sprint(e.Name(), fi.Size(), fi.ModTime()))
	}
	return out
}

func TestExisting(t *testing.T) {
	d := Dir{Root: t.TempDir()}
	_, err := d.Existing("nope")
	if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), `"nope"`) || !strings.Contains(err.Error(), "scimlab labs") {
		t.Errorf("unknown lab: %v", err)
	}
	if _, err := d.Existing("a/b"); err == nil || errors.Is(err, ErrNotFound) {
		t.Errorf("bad name: %v", err)
	}
	makeLab(t, d, "here", 0, "")
	if p, err := d.Existing("here"); err != nil || filepath.Base(p) != "here.db" {
		t.Errorf("Existing = %q, %v", p, err)
	}
}

func TestDelete(t *testing.T) {
	d := Dir{Root: t.TempDir()}
	path := makeLab(t, d, "gone", 2, "")
	// Both files' companions as a scimlab killed while serving leaves them.
	logPath := store.LogPath(path)
	for _, f := range []string{path + "-wal", logPath + "-wal", logPath + "-shm"} {
		os.WriteFile(f, []byte("x"), 0o600)
	}
	keep := makeLab(t, d, "gone2", 1, "")

	l, err := store.AcquireLock(path, store.Holder{PID: 5, Address: "http://127.0.0.1:1/scim/v2"})
	if err != nil {
		t.Fatal(err)
	}
	err = d.Delete("gone")
	if err == nil || !strings.Contains(err.Error(), "in use by scimlab (pid 5 at http://127.0.0.1:1/scim/v2)") {
		t.Errorf("deleting a served lab: %v", err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Errorf("a refused delete removed the lab: %v", err)
	}
	l.Release()

	if err := d.Delete("gone"); err != nil {
		t.Fatal(err)
	}
	for _, f := range store.Files(path) {
		if _, err := os.Stat(f); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s is still there", f)
		}
	}
	if left, _ := filepath.Glob(filepath.Join(d.LabsDir(), "gone.*")); len(left) != 0 {
		t.Errorf("deleting gone left %q", left)
	}
	if _, err := os.Stat(store.LogPath(keep)); err != nil {
		t.Errorf("deleting gone touched gone2's request log: %v", err)
	}
	if _, err := os.Stat(keep); err != nil {
		t.Errorf("deleting gone touched gone2: %v", err)
	}
	if err := d.Delete("gone"); !errors.Is(err, ErrNotFound) {
		t.Errorf("deleting again: %v", err)
	}
}

func TestReset(t *testing.T) {
	d := Dir{Root: t.TempDir()}
	ctx := context.Background()
	path := makeLab(t, d, "class", 3, "tiled")
	db, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	db.SetBearerToken(ctx, "the-token-of-class")
	db.SetSetting(ctx, WalkthroughSetting(exchange.Okta), "{}")
	db.Close()

	if err := d.Reset(ctx, "class", nil); err != nil {
		t.Fatal(err)
	}
	info, err := Inspect(ctx, "class", path)
	if err != nil {
		t.Fatal(err)
	}
	if info.Users != 0 || info.Requests != 0 || info.Profile != "tiled" {
		t.Errorf("after reset %+v", info)
	}
	db, err = store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if tok, _ := db.BearerToken(ctx); tok != "the-token-of-class" {
		t.Errorf("token after reset %q", tok)
	}
	if _, ok, _ := db.Setting(ctx, WalkthroughSetting(exchange.Okta)); ok {
		t.Error("the walkthrough survived the reset")
	}
	if err := d.Reset(ctx, "nope", nil); !errors.Is(err, ErrNotFound) {
		t.Errorf("reset of an unknown lab: %v", err)
	}
}

func TestTable(t *testing.T) {
	now := time.Date(2024, 6, 1, 12, 0, 0, 0, time.UTC)
	var b strings.Builder
	err := WriteTable(&b, []Info{
		{Name: "default", Users: 12, Groups: 3, Requests: 1234, Bytes: 2 << 20, LastUsed: now.Add(-3 * 24 * time.Hour)},
		{Name: "acme", Profile: "thinglink", Users: 1, Requests: 5, Bytes: 90112, LastUsed: now.Add(-2 * time.Minute), ServedBy: "http://127.0.0.1:8080/scim/v2"},
		{Name: "broken", Bytes: 48, Error: "the database file is damaged"},
	}, now)
	if err != nil {
		t.Fatal(err)
	}
	want := `NAME     PROFILE    USERS  GROUPS  REQUESTS    SIZE  LAST USED
default  -             12       3      1234  2.0 MB  3d ago
acme     thinglink      1       0         5   88 KB  2m ago     served at http://127.0.0.1:8080/scim/v2
broken   -              0       0         0    48 B  -          cannot be read: the database file is damaged
`
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
	b.Reset()
	WriteTable(&b, nil, now)
	if !strings.Contains(b.String(), "scimlab --lab NAME") {
		t.Errorf("no labs: %q", b.String())
	}
}

func TestNameOf(t *testing.T) {
	d := Dir{Root: "/data/scimlab"}
	for path, want := range map[string]string{
		"/data/scimlab/scimlab.db":      "default",
		"/data/scimlab/labs/acme.db":    "acme",
		"/data/scimlab/labs/../x.db":    "",
		"/data/scimlab/labs/a.b.db":     "",
		"/data/scimlab/labs/default.db": "",
		"/tmp/acme.db":                  "",
	} {
		if got := d.NameOf(path); got != want {
			t.Errorf("NameOf(%s) = %q, want %q", path, got, want)
		}
	}
}
