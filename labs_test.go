package main

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/adrg/xdg"

	"github.com/scimlab/scimlab/cli"
	"github.com/scimlab/scimlab/exchange"
	"github.com/scimlab/scimlab/har/hartest"
	"github.com/scimlab/scimlab/lab"
	"github.com/scimlab/scimlab/store"
	"github.com/scimlab/scimlab/tunnel"
)

// useDataDir gives the test a data directory of its own, so its labs are the only ones.
func useDataDir(t *testing.T) lab.Dir {
	t.Helper()
	t.Cleanup(xdg.Reload) // registered first, so it runs after t.Setenv restores the variable
	t.Setenv("XDG_DATA_HOME", t.TempDir())
	xdg.Reload()
	return lab.DefaultDir()
}

func runCmd(t *testing.T, getenv func(string) string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err = run(context.Background(), args, getenv, strings.NewReader(""), &out, &errOut)
	return out.String(), errOut.String(), err
}

// rehearse serves the lab called name (with serve's further flags), plays Okta's and
// Entra's lifecycles against it with scimlab simulate, sends one request with a wrong
// token, and stops the server.
func rehearse(t *testing.T, name string, serveFlags ...string) {
	t.Helper()
	base, token, stdout, stop := startServe(t, append([]string{"--listen", "127.0.0.1:0", "--lab", name, "--no-tunnel"}, serveFlags...), noEnv)
	if !strings.Contains(stdout.String(), "(lab "+name+")") {
		t.Errorf("the banner does not name the lab:\n%s", stdout.String())
	}
	for _, idp := range []string{"okta", "entra"} {
		if out, errOut, err := runCmd(t, noEnv, "simulate", idp, "--target", base, "--token", token); err != nil {
			t.Fatalf("simulate %s: %v\n%s\n%s", idp, err, out, errOut)
		}
	}
	if status, _ := send(t, "GET", base+"/Users", "test", "Bearer not-the-token", ""); status != 401 {
		t.Fatalf("a wrong token was answered %d", status)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
}

func TestLabFlag(t *testing.T) {
	dir := useDataDir(t)
	_, _, _, stop := startServe(t, []string{"--listen", "127.0.0.1:0", "--lab", "class-1", "--no-tunnel"}, noEnv)
	stop()
	if ok, _ := dir.Exists("class-1"); !ok {
		t.Error("serve --lab class-1 did not create the lab")
	}
	for _, tc := range []struct {
		args    []string
		wantErr error
		stderr  string
	}{
		{[]string{"serve", "--lab", "a", "--db", "/tmp/x.db"}, errUsage, "--lab and --db both name a database"},
		{[]string{"serve", "--lab", "../etc"}, errors.New("is a path"), ""},
		{[]string{"log", "--lab", "nosuch"}, errors.New(`there is no lab called "nosuch"`), ""},
		{[]string{"labs", "extra"}, errUsage, `unexpected argument "extra"`},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			_, stderr, err := runCmd(t, noEnv, tc.args...)
			if err == nil || !errors.Is(err, tc.wantErr) && !strings.Contains(err.Error(), tc.wantErr.Error()) {
				t.Fatalf("error %v, want %v", err, tc.wantErr)
			}
			if tc.stderr != "" && !strings.Contains(stderr, tc.stderr) {
				t.Errorf("stderr %q lacks %q", stderr, tc.stderr)
			}
		})
	}
}

func TestLabsCommand(t *testing.T) {
	useDataDir(t)
	out, _, err := runCmd(t, noEnv, "labs")
	if err != nil || !strings.Contains(out, "No labs yet") {
		t.Fatalf("no labs: %q %v", out, err)
	}
	rehearse(t, "acme")
	out, _, err = runCmd(t, noEnv, "labs")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "NAME  PROFILE  USERS  GROUPS  REQUESTS") || !strings.HasPrefix(lines[1], "acme ") {
		t.Fatalf("labs:\n%s", out)
	}
	out, _, err = runCmd(t, noEnv, "labs", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var infos []lab.Info
	if err := json.Unmarshal([]byte(out), &infos); err != nil {
		t.Fatalf("labs --json: %v\n%s", err, out)
	}
	if len(infos) != 1 || infos[0].Name != "acme" || infos[0].Requests < 40 || infos[0].Users == 0 || infos[0].ServedBy != "" {
		t.Errorf("labs --json: %+v", infos)
	}
}

func openLab(t *testing.T, dir lab.Dir, name string) *store.DB {
	t.Helper()
	path, err := dir.Existing(name)
	if err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func requests(t *testing.T, db *store.DB) []*exchange.Record {
	t.Helper()
	var out []*exchange.Record
	if err := db.EachRequest(context.Background(), store.RequestFilter{}, func(r *exchange.Record) error {
		out = append(out, r)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestRoundTripThroughTheCommandLine is the round trip a support engineer makes: a lab
// exported as a bundle and imported under another name shows the same requests, users,
// groups and walkthrough state, and replaying it against a fresh lab gives the same
// statuses.
func TestRoundTripThroughTheCommandLine(t *testing.T) {
	dir := useDataDir(t)
	rehearse(t, "acme")
	out := t.TempDir()
	bundlePath := filepath.Join(out, "acme.scimlab.zip")
	stdout, _, err := runCmd(t, noEnv, "export", "--lab", "acme", "--bundle", bundlePath)
	if err != nil || !strings.Contains(stdout, "Wrote "+bundlePath) {
		t.Fatalf("export: %v\n%s", err, stdout)
	}
	stdout, _, err = runCmd(t, noEnv, "import", bundlePath, "--lab", "copy")
	if err != nil || !strings.Contains(stdout, `into the lab "copy"`) || !strings.Contains(stdout, "scimlab --lab copy") {
		t.Fatalf("import: %v\n%s", err, stdout)
	}
	src, dst := openLab(t, dir, "acme"), openLab(t, dir, "copy")
	want, got := requests(t, src), requests(t, dst)
	if len(want) < 40 || len(got) != len(want) {
		t.Errorf("the imported lab holds %d requests, the exported one %d", len(got), len(want))
	}
	for i := range min(len(got), len(want)) {
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Errorf("request #%d differs after the round trip:\n got %+v\nwant %+v", want[i].Seq, got[i], want[i])
		}
	}
	ctx := context.Background()
	for _, kind := range []store.Kind{store.KindUser, store.KindGroup} {
		var a, b []*store.Resource
		src.EachResource(ctx, kind, func(r *store.Resource) error { a = append(a, r); return nil })
		dst.EachResource(ctx, kind, func(r *store.Resource) error { b = append(b, r); return nil })
		if !reflect.DeepEqual(a, b) {
			t.Errorf("%ss differ: %d exported, %d imported", kind, len(a), len(b))
		}
	}
	for _, p := range []exchange.IdP{exchange.Okta, exchange.Entra} {
		a, okA, _ := src.Setting(ctx, lab.WalkthroughSetting(p))
		b, okB, _ := dst.Setting(ctx, lab.WalkthroughSetting(p))
		if !okA || a != b {
			t.Errorf("%s walkthrough: exported %v %.60q, imported %v %.60q", p, okA, a, okB, b)
		}
	}

	// Replaying the copy against a fresh lab answers every request as recorded.
	stdout, stderr, err := runCmd(t, noEnv, "replay", "--lab", "copy", "--to-lab", "fresh")
	if err != nil {
		t.Fatalf("replay: %v\n%s\n%s", err, stdout, stderr)
	}
	if !strings.Contains(stdout, "0 different status, 0 different body, 1 not sent (1 refused for authentication when recorded), 0 failed") {
		t.Errorf("replay report:\n%s", stdout)
	}
	fresh := requests(t, openLab(t, dir, "fresh"))
	if len(fresh) != len(want)-1 {
		t.Errorf("the fresh lab logged %d requests, want %d", len(fresh), len(want)-1)
	}

	// The bundle's HAR and a HAR export both pass the HAR 1.2 check.
	harPath := filepath.Join(out, "acme.har")
	if _, _, err := runCmd(t, noEnv, "export", "--lab", "acme", "--har", harPath, "--idp", "entra"); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(harPath)
	if err := hartest.Check(data); err != nil {
		t.Error(err)
	}
	var doc struct {
		Log struct {
			Entries []struct {
				Scimlab struct {
					IdP string `json:"idp"`
				} `json:"_scimlab"`
			} `json:"entries"`
		} `json:"log"`
	}
	json.Unmarshal(data, &doc)
	if len(doc.Log.Entries) < 10 {
		t.Errorf("--idp entra exported %d entries", len(doc.Log.Entries))
	}
	for _, e := range doc.Log.Entries {
		if e.Scimlab.IdP != "entra" {
			t.Errorf("--idp entra exported a request from %q", e.Scimlab.IdP)
		}
	}
}

// A fresh lab replayed into plays the profile the recording was made with, so the
// same app gives the same answers; --profile makes it play another, and the answers
// the other app gives differently are reported.
func TestReplayPlaysTheRecordingsProfile(t *testing.T) {
	useDataDir(t)
	rehearse(t, "tl", "--profile", "thinglink")
	stdout, stderr, err := runCmd(t, noEnv, "replay", "--lab", "tl", "--to-lab", "same")
	if err != nil || !strings.Contains(stdout, "playing thinglink)") || !strings.Contains(stdout, "0 different status, 0 different body") {
		t.Errorf("replay against a new lab: %v\n%s\n%s", err, stdout, stderr)
	}
	stdout, _, err = runCmd(t, noEnv, "replay", "--lab", "tl", "--to-lab", "gen", "--profile", "generic")
	if !errors.Is(err, errReplayDiffers) || !strings.Contains(stdout, "playing generic)") || !strings.Contains(stdout, "different body") ||
		strings.Contains(stdout, " 0 different body") || !strings.Contains(stdout, "roles: recorded") {
		t.Errorf("replay against generic: %v\n%s", err, stdout)
	}
	bundlePath := filepath.Join(t.TempDir(), "tl.zip")
	if _, _, err := runCmd(t, noEnv, "export", "--lab", "tl", "--bundle", bundlePath); err != nil {
		t.Fatal(err)
	}
	stdout, _, err = runCmd(t, noEnv, "replay", "--bundle", bundlePath, "--to-lab", "from-bundle")
	if err != nil || !strings.Contains(stdout, "playing thinglink)") {
		t.Errorf("replay of the bundle: %v\n%s", err, stdout)
	}
	// An existing lab plays its own: gen now plays generic.
	stdout, _, err = runCmd(t, noEnv, "replay", "--bundle", bundlePath, "--to-lab", "gen")
	if !errors.Is(err, errReplayDiffers) || !strings.Contains(stdout, "playing generic)") {
		t.Errorf("replay into an existing lab: %v\n%s", err, stdout)
	}
	_, stderr, err = runCmd(t, noEnv, "replay", "--lab", "tl", "--target", "http://127.0.0.1:1/scim/v2", "--token", "t", "--profile", "generic")
	if !errors.Is(err, errUsage) || !strings.Contains(stderr, "--profile applies to the --to-lab lab") {
		t.Errorf("--profile with --target: %v\n%s", err, stderr)
	}
}

// TestReplayExitStatus: 1 when answers differ (a strict lab refuses Entra's quirks),
// 2 for a command line that cannot be understood.
func TestReplayExitStatus(t *testing.T) {
	useDataDir(t)
	rehearse(t, "acme")
	stdout, stderr, err := runCmd(t, noEnv, "replay", "--lab", "acme", "--to-lab", "strict", "--strict", "--json")
	if !errors.Is(err, errReplayDiffers) || cli.ExitCode(err) != cli.ExitFailure {
		t.Fatalf("replay against a strict lab: %v\n%s", err, stdout)
	}
	if strings.Contains(stderr, "scimlab:") {
		t.Errorf("the report said what differed; stderr adds %q", stderr)
	}
	var rep struct {
		Summary struct {
			DifferentStatus int `json:"differentStatus"`
		} `json:"summary"`
		Results []struct {
			IdP     string `json:"idp"`
			Outcome string `json:"outcome"`
		} `json:"results"`
	}
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatalf("--json: %v\n%s", err, stdout)
	}
	if rep.Summary.DifferentStatus == 0 {
		t.Error("no different status reported")
	}
	for _, r := range rep.Results {
		if r.IdP == "okta" && r.Outcome != "same" {
			t.Errorf("an Okta request differs in strict mode: %+v", r)
		}
	}
	for _, tc := range []struct {
		args   []string
		stderr string
	}{
		{[]string{"replay", "--to-lab", "x"}, "give one of --lab NAME or --bundle FILE"},
		{[]string{"replay", "--lab", "acme", "--bundle", "b.zip", "--to-lab", "x"}, "give one of --lab NAME or --bundle FILE"},
		{[]string{"replay", "--lab", "acme"}, "give one of --target URL or --to-lab NAME"},
		{[]string{"replay", "--lab", "acme", "--target", "http://127.0.0.1:1/scim/v2"}, "--target needs --token"},
		{[]string{"replay", "--lab", "acme", "--to-lab", "acme"}, "into itself"},
		{[]string{"replay", "--lab", "acme", "--to-lab", "b", "--token", "t"}, "--token and --token-header go with --target"},
		{[]string{"export", "--lab", "acme"}, "give one of --har FILE or --bundle FILE"},
		{[]string{"export", "--lab", "acme", "--har", "a", "--bundle", "b"}, "give one of --har FILE or --bundle FILE"},
		{[]string{"import", "b.zip"}, "name the bundle and the lab"},
		{[]string{"import", "--lab", "x"}, "name the bundle and the lab"},
	} {
		_, stderr, err := runCmd(t, noEnv, tc.args...)
		if !errors.Is(err, errUsage) || !strings.Contains(stderr, tc.stderr) {
			t.Errorf("%v: %v, stderr %q; want a usage error saying %q", tc.args, err, stderr, tc.stderr)
		}
	}
	help, _, err := runCmd(t, noEnv, "replay", "-h")
	if err != nil || !strings.Contains(help, "1  an answer differed") || !strings.Contains(help, "--to-lab") {
		t.Errorf("replay -h: %v\n%s", err, help)
	}
}

// TestBadInputIsRefusedCleanly: an unknown lab, an unwritable export path, a truncated
// bundle and one with a path-traversal file name each get a clear error and leave
// nothing behind.
func TestBadInputIsRefusedCleanly(t *testing.T) {
	dir := useDataDir(t)
	rehearse(t, "acme")
	out := t.TempDir()
	good := filepath.Join(out, "good.zip")
	if _, _, err := runCmd(t, noEnv, "export", "--lab", "acme", "--bundle", good); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(good)
	truncated := filepath.Join(out, "truncated.zip")
	os.WriteFile(truncated, data[:len(data)/2], 0o600)
	evil := filepath.Join(out, "evil.zip")
	{
		f, _ := os.Create(evil)
		zw := zip.NewWriter(f)
		zr, _ := zip.OpenReader(good)
		for _, zf := range zr.File {
			w, _ := zw.Create(zf.Name)
			rc, _ := zf.Open()
			io.Copy(w, rc)
			rc.Close()
		}
		zr.Close()
		w, _ := zw.Create("../../escaped.txt")
		w.Write([]byte("x"))
		zw.Close()
		f.Close()
	}
	before := listFiles(t, dir.Root)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"export", "--lab", "nosuch", "--har", filepath.Join(out, "x.har")}, `there is no lab called "nosuch"; scimlab labs lists them`},
		{[]string{"export", "--db", filepath.Join(out, "none.db"), "--har", filepath.Join(out, "x.har")}, "no database at"},
		{[]string{"export", "--lab", "acme", "--har", filepath.Join(out, "missing", "x.har")}, "cannot write " + filepath.Join(out, "missing", "x.har")},
		{[]string{"export", "--lab", "acme", "--bundle", out}, "is a directory"},
		{[]string{"import", truncated, "--lab", "t1"}, "is not a complete zip archive (truncated or damaged)"},
		{[]string{"import", evil, "--lab", "t2"}, `the file name "../../escaped.txt" climbs out of the bundle`},
		{[]string{"import", good, "--lab", "acme"}, `the lab "acme" exists; import into a new name, or pass --force`},
		{[]string{"replay", "--lab", "nosuch", "--to-lab", "x"}, `there is no lab called "nosuch"`},
		{[]string{"replay", "--bundle", truncated, "--to-lab", "x"}, "truncated or damaged"},
	} {
		t.Run(strings.Join(tc.args[:2], " "), func(t *testing.T) {
			_, _, err := runCmd(t, noEnv, tc.args...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want %q", err, tc.want)
			}
		})
	}
	if after := listFiles(t, dir.Root); !reflect.DeepEqual(before, after) {
		t.Errorf("refused commands changed the data directory:\nbefore %v\nafter  %v", before, after)
	}
	if entries, _ := os.ReadDir(out); len(entries) != 3 {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("the export directory holds %v; refused exports must leave nothing", names)
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(filepath.Dir(out)), "escaped.txt")); err == nil {
		t.Error("the traversal wrote a file")
	}
}

func listFiles(t *testing.T, root string) []string {
	t.Helper()
	var out []string
	filepath.Walk(root, func(p string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			out = append(out, p)
		}
		return nil
	})
	return out
}

// TestExportLeavesSecretsBehind: the token, the ngrok token saved in the config file
// or set in the environment, and passwords do not reach an export, wherever the IdP put
// them.
func TestExportLeavesSecretsBehind(t *testing.T) {
	useDataDir(t)
	t.Cleanup(xdg.Reload)
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	xdg.Reload()
	const ngrokSaved, ngrokEnv, password = "2saved_NGROK_token_0123456789", "2env_NGROK_token_9876543210", "Sup3r-Secret-Passw0rd!"
	if err := tunnel.SaveConfig(tunnel.DefaultConfigPath(), tunnel.Config{NgrokAuthToken: ngrokSaved}); err != nil {
		t.Fatal(err)
	}
	env := func(k string) string {
		if k == "NGROK_AUTHTOKEN" {
			return ngrokEnv
		}
		return ""
	}
	base, token, _, stop := startServe(t, []string{"--listen", "127.0.0.1:0", "--lab", "leak", "--no-tunnel"}, noEnv)
	body := `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"leak@example.com","password":"` + password +
		`","displayName":"` + token + `","nickName":"` + ngrokSaved + `","title":"` + ngrokEnv + `"}`
	req, _ := http.NewRequest("POST", base+"/Users?note="+token+"&n="+ngrokSaved, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/scim+json")
	req.Header.Set("X-Debug", token+" "+ngrokSaved+" "+ngrokEnv)
	req.Header.Set("User-Agent", "Okta SCIM Client "+ngrokEnv)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 201 {
		t.Fatalf("create answered %d", resp.StatusCode)
	}
	stop()

	out := t.TempDir()
	for _, args := range [][]string{{"--har", filepath.Join(out, "l.har")}, {"--bundle", filepath.Join(out, "l.zip")}} {
		if _, _, err := runCmd(t, env, append([]string{"export", "--lab", "leak"}, args...)...); err != nil {
			t.Fatal(err)
		}
	}
	check := func(where string, data []byte) {
		for _, secret := range []string{token, ngrokSaved, ngrokEnv, password} {
			if bytes.Contains(data, []byte(secret)) {
				t.Errorf("%s holds %q", where, secret)
			}
		}
	}
	data, _ := os.ReadFile(filepath.Join(out, "l.har"))
	check("the HAR", data)
	raw, _ := os.ReadFile(filepath.Join(out, "l.zip"))
	check("the bundle", raw)
	zr, err := zip.OpenReader(filepath.Join(out, "l.zip"))
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	for _, f := range zr.File {
		rc, _ := f.Open()
		data, _ := io.ReadAll(rc)
		rc.Close()
		check("the bundle's "+f.Name, data)
	}
	// The lab itself holds them (the log keeps what the IdP sent, bar credentials), so
	// the export had something to leave out.
	db := openLab(t, lab.DefaultDir(), "leak")
	recs := requests(t, db)
	if len(recs) != 1 || !bytes.Contains(recs[0].ReqBody, []byte(ngrokSaved)) {
		t.Fatalf("the lab under test does not hold the ngrok token")
	}
}
