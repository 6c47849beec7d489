package lab

import (
	"archive/zip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/scimlab/scimlab/bundle"
	"github.com/scimlab/scimlab/exchange"
	"github.com/scimlab/scimlab/har/hartest"
	"github.com/scimlab/scimlab/idp"
	"github.com/scimlab/scimlab/store"
)

// trafficLab is a lab with Okta's and Entra's lifecycles recorded, and one request
// refused for its token.
func trafficLab(t *testing.T, d Dir, name string) (string, *store.DB) {
	t.Helper()
	path, err := d.Path(name)
	if err != nil {
		t.Fatal(err)
	}
	recordFixtures(t, path, "okta-aiw.jsonl", "entra.jsonl")
	db, err := store.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	refused := &exchange.Record{Time: time.Now(), Method: "GET", Path: "/scim/v2/Users", Status: 401, Auth: exchange.AuthWrongToken,
		ReqHeaders: http.Header{"Authorization": {"Bearer [redacted]"}}, RespBody: []byte(`{"status":"401"}`),
		RespHeaders: http.Header{"Www-Authenticate": {`Bearer realm="scimlab"`}},
		Annotation:  exchange.Annotation{IdP: exchange.Okta, Failed: true}}
	if err := db.AppendRequests(context.Background(), []*exchange.Record{refused}); err != nil {
		t.Fatal(err)
	}
	// The lifecycles delete the groups they create; one group stays, with members.
	var members []store.Member
	db.EachResource(context.Background(), store.KindUser, func(r *store.Resource) error {
		members = append(members, store.Member{UserID: r.ID, Display: r.UserName})
		return nil
	})
	if len(members) == 0 {
		t.Fatal("the lifecycles left no user")
	}
	if err := db.CreateGroup(context.Background(), &store.Resource{Doc: []byte(`{"displayName":"Stays"}`)}, members); err != nil {
		t.Fatal(err)
	}
	// The app's own admin seeded an account outside the organisation and a member, and
	// noted it.
	var first string
	db.EachResource(context.Background(), store.KindUser, func(r *store.Resource) error {
		if first == "" {
			first = r.UserName
		}
		return nil
	})
	if _, err := db.Seed(context.Background(), nil, [][]byte{[]byte(`{"userName":"partner@elsewhere.example","displayName":"Partner"}`)},
		[]store.SeedGroup{{Doc: []byte(`{"displayName":"App side"}`), Members: []string{first}}}); err != nil {
		t.Fatal(err)
	}
	if err := db.AppendAppAction(context.Background(), &store.AppAction{Action: "seed", Name: "people.csv", Detail: "1 independent account"}); err != nil {
		t.Fatal(err)
	}
	return path, db
}

// progressLog records what an export or import reported.
type progressLog struct {
	mu    sync.Mutex
	calls int
	last  [2]int64
}

func (p *progressLog) report(done, total int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls++
	p.last = [2]int64{done, total}
}

func allRequests(t *testing.T, db *store.DB, f store.RequestFilter) []*exchange.Record {
	t.Helper()
	var out []*exchange.Record
	if err := db.EachRequest(context.Background(), f, func(r *exchange.Record) error { out = append(out, r); return nil }); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestExportHAR(t *testing.T) {
	d := Dir{Root: t.TempDir()}
	_, db := trafficLab(t, d, "acme")
	ctx := context.Background()
	all := allRequests(t, db, store.RequestFilter{})
	out := t.TempDir()

	for _, tc := range []struct {
		name string
		f    store.RequestFilter
		keep func(*exchange.Record) bool
	}{
		{"whole log", store.RequestFilter{}, func(*exchange.Record) bool { return true }},
		{"entra", store.RequestFilter{OnlyIdP: true, IdP: exchange.Entra}, func(r *exchange.Record) bool { return r.IdP == exchange.Entra }},
		{"failed", store.RequestFilter{Failed: true}, func(r *exchange.Record) bool { return r.Status >= 400 }},
		{"since", store.RequestFilter{Since: all[len(all)-3].Time}, func(r *exchange.Record) bool { return !r.Time.Before(all[len(all)-3].Time) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var want []int64
			for _, r := range all {
				if tc.keep(r) {
					want = append(want, r.Seq)
				}
			}
			if len(want) == 0 {
				t.Fatal("the filter keeps nothing; the test proves nothing")
			}
			dest := filepath.Join(out, strings.ReplaceAll(tc.name, " ", "-")+".har")
			p := &progressLog{}
			res, err := ExportHAR(ctx, db, dest, ExportOptions{Lab: "acme", Requests: tc.f, Creator: "test", Progress: p.report})
			if err != nil {
				t.Fatal(err)
			}
			data, err := os.ReadFile(dest)
			if err != nil {
				t.Fatal(err)
			}
			if err := hartest.Check(data); err != nil {
				t.Fatal(err)
			}
			var doc struct {
				Log struct {
					Comment string `json:"comment"`
					Entries []struct {
						Scimlab struct {
							Seq int64 `json:"seq"`
						} `json:"_scimlab"`
					} `json:"entries"`
				} `json:"log"`
			}
			if err := json.Unmarshal(data, &doc); err != nil {
				t.Fatal(err)
			}
			var got []int64
			for _, e := range doc.Log.Entries {
				got = append(got, e.Scimlab.Seq)
			}
			if !reflect.DeepEqual(got, want) || res.Requests != len(want) {
				t.Errorf("exported %v (%d), want %v", got, res.Requests, want)
			}
			if p.last != [2]int64{int64(len(want)), int64(len(want))} || p.calls < len(want) {
				t.Errorf("progress ended at %v after %d calls", p.last, p.calls)
			}
			if !strings.Contains(doc.Log.Comment, "acme") {
				t.Errorf("comment %q", doc.Log.Comment)
			}
			if fi, _ := os.Stat(dest); fi.Mode().Perm() != 0o600 || res.Bytes != fi.Size() {
				t.Errorf("file mode %v size %d, reported %d", fi.Mode().Perm(), fi.Size(), res.Bytes)
			}
		})
	}
}

// TestRoundTrip exports a lab as a bundle and imports it under another name: the new
// lab holds the same requests (numbers, times, annotations), users, groups, memberships
// and walkthrough progress.
func TestRoundTrip(t *testing.T) {
	d := Dir{Root: t.TempDir()}
	_, src := trafficLab(t, d, "acme")
	ctx := context.Background()
	dest := filepath.Join(t.TempDir(), "acme.zip")
	p := &progressLog{}
	res, err := ExportBundle(ctx, src, dest, ExportOptions{Lab: "acme", Creator: "scimlab test", Progress: p.report})
	if err != nil {
		t.Fatal(err)
	}
	c, _ := src.Count(ctx)
	if res.Requests != int(c.Requests) || res.Users != int(c.Users) || res.Groups != int(c.Groups) || res.Memberships != int(c.Memberships) {
		t.Errorf("exported %+v of %+v", res, c)
	}
	if total := 2*c.Requests + c.Users + c.Groups + c.Memberships; p.last != [2]int64{total, total} {
		t.Errorf("export progress ended at %v, want %d of %d", p.last, total, total)
	}

	ip := &progressLog{}
	imp, err := d.Import(ctx, dest, "copy", ImportOptions{Progress: ip.report})
	if err != nil {
		t.Fatal(err)
	}
	if imp.Requests != res.Requests || imp.Users != res.Users || imp.Manifest.Lab != "acme" {
		t.Errorf("imported %+v", imp)
	}
	if total := c.Requests + c.Users + c.Groups + c.Memberships; ip.last != [2]int64{total, total} {
		t.Errorf("import progress ended at %v, want %d", ip.last, total)
	}
	dst, err := store.Open(ctx, imp.Path)
	if err != nil {
		t.Fatal(err)
	}
	defer dst.Close()

	want, got := allRequests(t, src, store.RequestFilter{}), allRequests(t, dst, store.RequestFilter{})
	if len(got) != len(want) {
		t.Fatalf("%d requests imported, %d exported", len(got), len(want))
	}
	for i := range want {
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Errorf("request #%d differs:\n got %+v\nwant %+v", want[i].Seq, got[i], want[i])
		}
	}
	for _, kind := range []store.Kind{store.KindUser, store.KindGroup} {
		var a, b []*store.Resource
		src.EachResource(ctx, kind, func(r *store.Resource) error { a = append(a, r); return nil })
		dst.EachResource(ctx, kind, func(r *store.Resource) error { b = append(b, r); return nil })
		if len(a) == 0 || !reflect.DeepEqual(a, b) {
			t.Errorf("%ss differ (%d exported, %d imported)", kind, len(a), len(b))
		}
	}
	var ma, mb []string
	src.EachMembership(ctx, func(m store.Membership) error { ma = append(ma, fmt.Sprint(m)); return nil })
	dst.EachMembership(ctx, func(m store.Membership) error { mb = append(mb, fmt.Sprint(m)); return nil })
	if !reflect.DeepEqual(ma, mb) {
		t.Errorf("memberships %v, want %v", mb, ma)
	}
	// The app-side state: tombstones of what the lifecycles deleted, the seeded
	// independent account and app-side membership, the admin's actions.
	for _, kind := range []store.Kind{store.KindUser, store.KindGroup} {
		a, _ := src.Tombstones(ctx, kind, "", 0)
		b, _ := dst.Tombstones(ctx, kind, "", 0)
		if len(a) == 0 || !reflect.DeepEqual(a, b) {
			t.Errorf("%s tombstones: %d exported, %d imported, or they differ", kind, len(a), len(b))
		}
	}
	aa, _ := src.AppActions(ctx, "", "", 0)
	ab, _ := dst.AppActions(ctx, "", "", 0)
	ia, _ := src.IndependentAccounts(ctx, "", 0)
	ib, _ := dst.IndependentAccounts(ctx, "", 0)
	if len(aa) == 0 || !reflect.DeepEqual(aa, ab) || len(ia) == 0 || !reflect.DeepEqual(ia, ib) {
		t.Errorf("app actions %d/%d, independent accounts %d/%d, or they differ", len(aa), len(ab), len(ia), len(ib))
	}
	if imp.Tombstones == 0 || imp.AppActions != len(aa) || imp.Independent != len(ia) {
		t.Errorf("import counted %+v", imp)
	}
	for _, p := range []exchange.IdP{exchange.Okta, exchange.Entra} {
		a, _, _ := src.Setting(ctx, WalkthroughSetting(p))
		b, _, _ := dst.Setting(ctx, WalkthroughSetting(p))
		wa, wb := idp.NewWalkthrough(p), idp.NewWalkthrough(p)
		if json.Unmarshal([]byte(a), wa) != nil || json.Unmarshal([]byte(b), wb) != nil {
			t.Fatalf("%s walkthrough unreadable: %q / %q", p, a, b)
		}
		if done, total := wa.Progress(); done == 0 || done != total {
			t.Errorf("%s walkthrough exported at %d/%d; the fixtures complete it", p, done, total)
		}
		if !reflect.DeepEqual(wa.Steps(), wb.Steps()) {
			t.Errorf("%s walkthrough differs after import", p)
		}
	}
	if tok, _ := dst.BearerToken(ctx); tok != "" {
		t.Errorf("the imported lab has the exported lab's token %q", tok)
	}
	if next, _ := dst.NextRequestSeq(ctx); next != want[len(want)-1].Seq+1 {
		t.Errorf("the imported lab numbers its next request %d", next)
	}

	// The summary says what happened, what failed and which hints fired.
	r, err := bundle.Open(dest)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	sum, err := r.File(bundle.SummaryFile)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Lab:      acme", "Okta:", "Microsoft Entra ID:", "1 request was answered with an error status",
		"→ 401", "Walkthrough Okta: ", "Walkthrough Entra: ", "Hints that fired", "IdP quirks seen",
		"Besides, the app holds", "1 independent account", "Profile: generic (none chosen)", "Fault rules: none."} {
		if !strings.Contains(string(sum), want) {
			t.Errorf("the summary lacks %q:\n%s", want, sum)
		}
	}
	har, err := r.File(bundle.HARFile)
	if err != nil {
		t.Fatal(err)
	}
	if err := hartest.Check(har); err != nil {
		t.Error(err)
	}
}

func TestExportToAnUnwritablePath(t *testing.T) {
	d := Dir{Root: t.TempDir()}
	_, db := trafficLab(t, d, "acme")
	ctx := context.Background()
	dir := t.TempDir()
	ro := filepath.Join(dir, "ro")
	os.Mkdir(ro, 0o500)
	dests := map[string]string{"missing directory": filepath.Join(dir, "nope", "x"), "a directory": dir}
	if os.Getuid() != 0 {
		dests["read-only directory"] = filepath.Join(ro, "x")
	}
	for name, dest := range dests {
		for kind, export := range map[string]func(context.Context, *store.DB, string, ExportOptions) (Exported, error){"har": ExportHAR, "bundle": ExportBundle} {
			if _, err := export(ctx, db, dest, ExportOptions{Lab: "acme"}); err == nil {
				t.Errorf("%s %s: exported to %s", kind, name, dest)
			}
		}
	}
	for _, d := range []string{dir, ro} {
		entries, _ := os.ReadDir(d)
		for _, e := range entries {
			if e.Name() != "ro" {
				t.Errorf("a failed export left %s in %s", e.Name(), d)
			}
		}
	}
}

// TestExportStopsHalfWayWithoutATrace cancels an export part way through: the
// destination is not created and no temporary file stays.
func TestExportStopsHalfWayWithoutATrace(t *testing.T) {
	d := Dir{Root: t.TempDir()}
	_, db := trafficLab(t, d, "acme")
	dir := t.TempDir()
	for kind, export := range map[string]func(context.Context, *store.DB, string, ExportOptions) (Exported, error){"har": ExportHAR, "bundle": ExportBundle} {
		ctx, cancel := context.WithCancel(context.Background())
		dest := filepath.Join(dir, "out."+kind)
		_, err := export(ctx, db, dest, ExportOptions{Lab: "acme", Progress: func(done, total int64) {
			if done == 5 {
				cancel()
			}
		}})
		cancel()
		if !errors.Is(err, context.Canceled) {
			t.Errorf("%s: %v, want the cancellation", kind, err)
		}
		if entries, _ := os.ReadDir(dir); len(entries) != 0 {
			t.Errorf("%s: a stopped export left %v", kind, entries[0].Name())
		}
	}
}

func TestImportRefusals(t *testing.T) {
	d := Dir{Root: t.TempDir()}
	_, db := trafficLab(t, d, "acme")
	ctx := context.Background()
	good := filepath.Join(t.TempDir(), "good.zip")
	if _, err := ExportBundle(ctx, db, good, ExportOptions{Lab: "acme"}); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(good)
	truncated := filepath.Join(t.TempDir(), "cut.zip")
	os.WriteFile(truncated, data[:len(data)-200], 0o600)

	traversal := filepath.Join(t.TempDir(), "evil.zip")
	{
		zr, err := zip.OpenReader(good)
		if err != nil {
			t.Fatal(err)
		}
		f, _ := os.Create(traversal)
		zw := zip.NewWriter(f)
		for _, zf := range zr.File {
			w, _ := zw.Create(zf.Name)
			rc, _ := zf.Open()
			io.Copy(w, rc)
			rc.Close()
		}
		w, _ := zw.Create("../../../etc/cron.d/evil")
		w.Write([]byte("* * * * * root true\n"))
		zw.Close()
		f.Close()
		zr.Close()
	}

	// A bundle a newer scimlab wrote, in a format this one does not read.
	newer := filepath.Join(t.TempDir(), "newer.zip")
	{
		zr, err := zip.OpenReader(good)
		if err != nil {
			t.Fatal(err)
		}
		f, _ := os.Create(newer)
		zw := zip.NewWriter(f)
		for _, zf := range zr.File {
			rc, _ := zf.Open()
			data, _ := io.ReadAll(rc)
			rc.Close()
			if zf.Name == bundle.ManifestFile {
				var m map[string]any
				json.Unmarshal(data, &m)
				m["version"], m["creator"] = bundle.Version+1, "scimlab v9.0.0"
				data, _ = json.Marshal(m)
			}
			w, _ := zw.Create(zf.Name)
			w.Write(data)
		}
		zw.Close()
		f.Close()
		zr.Close()
	}

	for _, tc := range []struct {
		name, bundle, lab, want string
		force                   bool
	}{
		{"truncated", truncated, "t1", "truncated or damaged", false},
		{"newer", newer, "t4", fmt.Sprintf("written by scimlab v9.0.0 in format %d; this scimlab reads format %d and older: upgrade scimlab", bundle.Version+1, bundle.Version), false},
		{"path traversal", traversal, "t2", `"../../../etc/cron.d/evil" climbs out of the bundle`, false},
		{"missing file", filepath.Join(t.TempDir(), "none.zip"), "t3", "no such file", false},
		{"bad name", good, "../acme", "is a path", false},
		{"existing lab", good, "acme", "exists; import into a new name, or pass --force", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := snapshotDir(t, d.Root)
			_, err := d.Import(ctx, tc.bundle, tc.lab, ImportOptions{Force: tc.force})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want %q", err, tc.want)
			}
			if after := snapshotDir(t, d.Root); !reflect.DeepEqual(before, after) {
				t.Errorf("a refused import changed the data directory:\nbefore %v\nafter  %v", before, after)
			}
		})
	}
	if _, err := os.Stat("/etc/cron.d/evil"); err == nil {
		t.Fatal("the traversal wrote outside")
	}

	// --force replaces, but never a lab a server is serving.
	path, _ := d.Path("acme")
	l, err := store.AcquireLock(path, store.Holder{PID: 9})
	if err != nil {
		t.Fatal(err)
	}
	before := snapshotDir(t, d.Root)
	if _, err := d.Import(ctx, good, "acme", ImportOptions{Force: true}); err == nil || !strings.Contains(err.Error(), "in use") {
		t.Errorf("forced import over a served lab: %v", err)
	}
	if after := snapshotDir(t, d.Root); !reflect.DeepEqual(before, after) {
		t.Errorf("a refused import changed the data directory:\nbefore %v\nafter  %v", before, after)
	}
	l.Release()
}

func TestImportForceReplaces(t *testing.T) {
	d := Dir{Root: t.TempDir()}
	_, db := trafficLab(t, d, "acme")
	ctx := context.Background()
	good := filepath.Join(t.TempDir(), "good.zip")
	if _, err := ExportBundle(ctx, db, good, ExportOptions{Lab: "acme", Requests: store.RequestFilter{Failed: true}}); err != nil {
		t.Fatal(err)
	}
	other := makeLab(t, d, "other", 5, "thinglink")
	if _, err := d.Import(ctx, good, "other", ImportOptions{Force: true}); err != nil {
		t.Fatal(err)
	}
	info, err := Inspect(ctx, "other", other)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := db.Count(ctx)
	if info.Requests != 1 || info.Users != c.Users || info.Profile != "" {
		t.Errorf("the replaced lab holds %+v; want the bundle's 1 failed request and %d users", info, c.Users)
	}
	entries, _ := os.ReadDir(filepath.Dir(other))
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".import-") {
			t.Errorf("the import left %s", e.Name())
		}
	}
}

// snapshotDir lists every file under root with its size and modification time.
func snapshotDir(t *testing.T, root string) map[string]string {
	t.Helper()
	out := map[string]string{}
	filepath.Walk(root, func(p string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			out[p] = fmt.Sprintf("%v/%d", fi.ModTime(), fi.Size())
		}
		return nil
	})
	return out
}

// A bundle whose profile or fault rules this scimlab cannot play (a newer scimlab's
// knob or rule syntax) is refused before anything is written: the lab would serve
// something else than the one exported.
func TestImportRefusesWhatItCannotPlay(t *testing.T) {
	d := Dir{Root: t.TempDir()}
	ctx := context.Background()
	for _, tc := range []struct{ name, key, value, want string }{
		{"profile", ProfileSetting, `{"name":"school","source":"school.yaml","text":"name: school\nusers:\n  teleport: true\n"}`,
			"its lab plays a profile this scimlab cannot"},
		{"built-in profile", ProfileSetting, `{"name":"slack"}`, `no built-in profile "slack"`},
		{"fault rule", FaultsSetting, `[{"rule":"POST /Users explode","enabled":true}]`, "its lab holds fault rules this scimlab cannot read"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db, err := store.Open(ctx, filepath.Join(t.TempDir(), "src.db"))
			if err != nil {
				t.Fatal(err)
			}
			if err := db.SetSetting(ctx, tc.key, tc.value); err != nil {
				t.Fatal(err)
			}
			dest := filepath.Join(t.TempDir(), "b.zip")
			_, err = ExportBundle(ctx, db, dest, ExportOptions{Lab: "src"})
			db.Close()
			if err != nil {
				t.Fatal(err)
			}
			before := snapshotDir(t, d.Root)
			if _, err := d.Import(ctx, dest, "copy", ImportOptions{}); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want %q", err, tc.want)
			}
			if after := snapshotDir(t, d.Root); !reflect.DeepEqual(before, after) {
				t.Errorf("a refused import changed the data directory:\nbefore %v\nafter  %v", before, after)
			}
		})
	}
}
