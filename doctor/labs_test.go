package doctor

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"testing"

	"github.com/scimlab/scimlab/app"
	"github.com/scimlab/scimlab/lab"
	"github.com/scimlab/scimlab/store"
)

// newLab writes the lab called name with a user and the profile setting, closed.
func newLab(t *testing.T, d lab.Dir, name, profile string) string {
	t.Helper()
	path, err := d.Path(name)
	if err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.CreateUser(context.Background(), &store.Resource{Doc: []byte(`{"userName":"ada@example.com"}`)}); err != nil {
		t.Fatal(err)
	}
	if profile != "" {
		if err := db.SetSetting(context.Background(), lab.ProfileSetting, `{"name":"`+profile+`"}`); err != nil {
			t.Fatal(err)
		}
	}
	return path
}

// Doctor names where the labs live and lists each with what it holds, who serves it
// and which one the flags select; a lab it cannot open is a warning with its fix, not
// a failure: the other labs work. Nothing is created, changed or locked.
func TestLabsAreListed(t *testing.T) {
	root := freshHome(t)
	d := lab.DefaultDir()
	newLab(t, d, lab.Default, "")
	acme := newLab(t, d, "acme", "thinglink")
	newLab(t, d, "class-2", "")
	l, err := store.AcquireLock(acme, store.Holder{PID: os.Getpid(), Address: "http://127.0.0.1:8181/scim/v2"})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Release()
	broken, _ := d.Path("broken")
	if err := os.WriteFile(broken, []byte("meeting notes, not a database, padded out to look like a file"), 0o600); err != nil {
		t.Fatal(err)
	}
	newer, _ := d.Path("future")
	raw, err := sql.Open("sqlite", newer)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec("CREATE TABLE future (x); PRAGMA user_version = 999"); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	before := tree(t, root)

	class2, _ := d.Path("class-2")
	rep := Run(context.Background(), Options{App: app.Options{DB: class2, Listen: freePort(t)}, NoNetwork: true, Getenv: envOf(nil)})
	sameTree(t, before, tree(t, root))

	want(t, find(t, rep.Checks, GroupPaths, "labs directory"), OK, filepath.Join(d.Root, "labs"), "exists")
	want(t, find(t, rep.Checks, GroupLabs, "labs"), OK, "5 labs: default, acme, broken, class-2, future")
	want(t, find(t, rep.Checks, GroupLabs, "default"), OK, "1 user, 0 groups, 0 requests")
	a := find(t, rep.Checks, GroupLabs, "acme")
	want(t, a, OK, "1 user", "plays thinglink", "served by scimlab pid", "at http://127.0.0.1:8181/scim/v2")
	refuse(t, a, "the lab a start with these flags serves")
	want(t, find(t, rep.Checks, GroupLabs, "class-2"), OK, "the lab a start with these flags serves")
	want(t, find(t, rep.Checks, GroupLabs, "broken"), Warn, "damaged", "the other labs work", "mv "+broken+" "+broken+".damaged")
	want(t, find(t, rep.Checks, GroupLabs, "future"), Warn, "newer scimlab", "schema version 999", "scimlab export --lab future")
	if _, err := store.AcquireLock(acme, store.Holder{PID: 1}); err == nil {
		t.Error("after doctor, another server could take the lock of a lab being served")
	}
	if rep.Failed() {
		for _, c := range rep.Checks {
			if c.Status == Fail {
				t.Errorf("failed: %+v", c)
			}
		}
	}
}
