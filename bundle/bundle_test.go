package bundle

import (
	"archive/zip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/scimlab/scimlab/exchange"
)

// writeSample writes a small bundle to dir/name with the writer and returns its path.
func writeSample(t *testing.T, dir string) string {
	t.Helper()
	path := filepath.Join(dir, "lab.scimlab.zip")
	w, err := Create(path)
	if err != nil {
		t.Fatal(err)
	}
	recs := []*exchange.Record{
		{Seq: 3, Time: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), Method: "GET", Path: "/scim/v2/Users", Status: 200},
		{Seq: 5, Time: time.Date(2024, 1, 1, 0, 0, 1, 0, time.UTC), Method: "POST", Path: "/scim/v2/Users", Status: 409, ReqBody: []byte(`{"userName":"a"}`)},
	}
	add := func(name string, lines ...any) {
		t.Helper()
		if err := w.Add(name, func(out io.Writer) error {
			for _, l := range lines {
				var b []byte
				var err error
				if r, ok := l.(*exchange.Record); ok {
					b, err = MarshalRecord(r)
				} else {
					b, err = json.Marshal(l)
				}
				if err != nil {
					return err
				}
				if _, err := out.Write(append(b, '\n')); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	add(RequestsFile, recs[0], recs[1])
	add(UsersFile, Resource{ID: "u1", Version: 2, Created: recs[0].Time, LastModified: recs[1].Time, Doc: json.RawMessage(`{"userName":"a"}`)})
	add(GroupsFile, Resource{ID: "g1", Version: 1, Created: recs[0].Time, LastModified: recs[0].Time, Doc: json.RawMessage(`{"displayName":"G"}`)})
	add(MembershipsFile, Membership{Group: "g1", User: "u1"})
	if err := w.Add(SettingsFile, func(out io.Writer) error {
		_, err := out.Write([]byte(`{"walkthrough.okta":"{}"}`))
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if err := w.Add(SummaryFile, func(out io.Writer) error { _, err := io.WriteString(out, "hello\n"); return err }); err != nil {
		t.Fatal(err)
	}
	if err := w.Commit(Manifest{Lab: "demo", Creator: "scimlab test", Created: recs[0].Time, Counts: Counts{Requests: 2, Users: 1}}); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestWriteThenRead(t *testing.T) {
	dir := t.TempDir()
	path := writeSample(t, dir)
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("the directory holds %d files after the commit, want the bundle only", len(entries))
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("bundle mode %v, want 0600", fi.Mode().Perm())
	}
	r, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	m := r.Manifest()
	if m.Format != Format || m.Version != Version || m.Lab != "demo" || m.Counts.Requests != 2 || len(m.Files) != 6 {
		t.Errorf("manifest %+v", m)
	}
	var seqs []int64
	if err := r.EachRequest(func(rec *exchange.Record) error { seqs = append(seqs, rec.Seq); return nil }); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(seqs, []int64{3, 5}) {
		t.Errorf("requests %v", seqs)
	}
	var users []Resource
	if err := r.EachResource(UsersFile, func(res Resource) error { users = append(users, res); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(users) != 1 || users[0].ID != "u1" || users[0].Version != 2 || string(users[0].Doc) != `{"userName":"a"}` {
		t.Errorf("users %+v", users)
	}
	var ms []Membership
	if err := r.EachMembership(func(m Membership) error { ms = append(ms, m); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(ms) != 1 || ms[0] != (Membership{Group: "g1", User: "u1"}) {
		t.Errorf("memberships %+v", ms)
	}
	s, err := r.Settings()
	if err != nil || s["walkthrough.okta"] != "{}" {
		t.Errorf("settings %v %v", s, err)
	}
	if sum, err := r.File(SummaryFile); err != nil || string(sum) != "hello\n" {
		t.Errorf("summary %q %v", sum, err)
	}
}

func TestCreateRefusesUnwritableDestinations(t *testing.T) {
	dir := t.TempDir()
	for name, dest := range map[string]string{
		"missing directory": filepath.Join(dir, "nope", "b.zip"),
		"a directory":       dir,
	} {
		if w, err := Create(dest); err == nil {
			w.Abort()
			t.Errorf("%s: Create(%s) succeeded", name, dest)
		}
	}
	if os.Getuid() != 0 {
		ro := filepath.Join(dir, "ro")
		if err := os.Mkdir(ro, 0o500); err != nil {
			t.Fatal(err)
		}
		if _, err := Create(filepath.Join(ro, "b.zip")); err == nil || !strings.Contains(err.Error(), "permission denied") {
			t.Errorf("read-only directory: %v", err)
		}
	}
	// Abort leaves nothing behind.
	w, err := Create(filepath.Join(dir, "x.zip"))
	if err != nil {
		t.Fatal(err)
	}
	w.Abort()
	if left, _ := filepath.Glob(filepath.Join(dir, ".x.zip*")); len(left) != 0 {
		t.Errorf("Abort left %v", left)
	}
}

// rawZip writes a zip of the given entries (name → content) and, unless manifest is
// nil, a manifest listing them with their real sizes and checksums after changing it
// with manifest.
func rawZip(t *testing.T, entries map[string]string, manifest func(m map[string]any)) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "b.zip")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	files := map[string]any{}
	for name, content := range entries {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate})
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(w, content)
		sum := sha256.Sum256([]byte(content))
		files[name] = map[string]any{"size": len(content), "sha256": hex.EncodeToString(sum[:])}
	}
	if manifest != nil {
		m := map[string]any{"format": Format, "version": Version, "files": files, "creator": "scimlab test"}
		manifest(m)
		b, _ := json.Marshal(m)
		w, _ := zw.Create(ManifestFile)
		w.Write(b)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	return path
}

func minimal() map[string]string {
	return map[string]string{RequestsFile: "", UsersFile: "", GroupsFile: "", MembershipsFile: "", SettingsFile: "{}"}
}

func TestOpenRefusesBadBundles(t *testing.T) {
	keep := func(map[string]any) {}
	with := func(extra map[string]string) map[string]string {
		m := minimal()
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	good := writeSample(t, t.TempDir())
	data, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	truncated := filepath.Join(t.TempDir(), "cut.zip")
	os.WriteFile(truncated, data[:len(data)*2/3], 0o600)
	flipped := filepath.Join(t.TempDir(), "flipped.zip")
	damaged := append([]byte{}, data...)
	// A byte inside the first file's compressed data, past its local header.
	damaged[80] ^= 0xff
	os.WriteFile(flipped, damaged, 0o600)
	notZip := filepath.Join(t.TempDir(), "text.zip")
	os.WriteFile(notZip, []byte("hello, this is no zip"), 0o600)

	for _, tc := range []struct {
		name, path, want string
		newer            bool
	}{
		{"truncated", truncated, "truncated or damaged", false},
		{"not a zip", notZip, "truncated or damaged", false},
		{"damaged byte", flipped, "is damaged", false},
		{"path traversal", rawZip(t, with(map[string]string{"../../evil": "x"}), keep), `"../../evil" climbs out`, false},
		{"absolute name", rawZip(t, with(map[string]string{"/etc/passwd": "x"}), keep), "unsafe", false},
		{"backslash name", rawZip(t, with(map[string]string{`..\evil`: "x"}), keep), "unsafe", false},
		{"no manifest", rawZip(t, minimal(), nil), "has no manifest.json", false},
		{"other format", rawZip(t, minimal(), func(m map[string]any) { m["format"] = "har" }), `format "har"`, false},
		{"newer version", rawZip(t, minimal(), func(m map[string]any) { m["version"] = Version + 1 }), "upgrade scimlab", true},
		{"unlisted file", rawZip(t, minimal(), func(m map[string]any) { delete(m["files"].(map[string]any), UsersFile) }), "does not list", false},
		{"missing file", rawZip(t, minimal(), func(m map[string]any) {
			m["files"].(map[string]any)["extra.txt"] = map[string]any{"size": 0, "sha256": ""}
		}), "which it does not hold", false},
		{"checksum", rawZip(t, minimal(), func(m map[string]any) {
			m["files"].(map[string]any)[SettingsFile] = map[string]any{"size": 2, "sha256": strings.Repeat("0", 64)}
		}), "checksum", false},
		{"size", rawZip(t, minimal(), func(m map[string]any) {
			m["files"].(map[string]any)[SettingsFile] = map[string]any{"size": 3, "sha256": ""}
		}), "its manifest says 3", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := Open(tc.path)
			if err == nil {
				r.Close()
				t.Fatal("accepted")
			}
			var newer *NewerError
			if tc.newer != errors.As(err, &newer) {
				t.Errorf("NewerError %v for %v", !tc.newer, err)
			}
			if !tc.newer && !errors.Is(err, ErrInvalid) {
				t.Errorf("%v does not wrap ErrInvalid", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %q, want it to contain %q", err, tc.want)
			}
		})
	}
}

// Lines that do not decode are refused with the file and line.
func TestBadLinesNameTheirPlace(t *testing.T) {
	entries := minimal()
	entries[UsersFile] = `{"id":"u1","version":1,"doc":{"userName":"a"}}` + "\n" + `{"id":"u2","version":1}` + "\n"
	entries[RequestsFile] = "\n" + `{"seq":1}` + "\n" + `{"seq":"two"}` + "\n"
	r, err := Open(rawZip(t, entries, func(map[string]any) {}))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	err = r.EachResource(UsersFile, func(Resource) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "users.jsonl line 2") {
		t.Errorf("users: %v", err)
	}
	n := 0
	err = r.EachRequest(func(*exchange.Record) error { n++; return nil })
	if err == nil || !strings.Contains(err.Error(), "requests.jsonl line 3") || n != 1 {
		t.Errorf("requests: %v after %d", err, n)
	}
}

func TestCheckName(t *testing.T) {
	for name, ok := range map[string]bool{
		"requests.har": true, "dir/file.txt": true,
		"": false, "../x": false, "a/../../x": false, "/abs": false, `a\b`: false, "C:x": false, "a//b": false, "./a": false, "a\x00b": false,
	} {
		if err := checkName(name); (err == nil) != ok {
			t.Errorf("%q: %v, want ok=%v", name, err, ok)
		}
	}
}
