package app_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/scimlab/scimlab/app"
	"github.com/scimlab/scimlab/profile"
	"github.com/scimlab/scimlab/scimserver"
	"github.com/scimlab/scimlab/tui"
)

func labOptions(dbPath string) app.Options {
	return app.Options{Listen: "127.0.0.1:0", DB: dbPath, NoTunnel: true,
		MaxBody: scimserver.DefaultMaxBodyBytes, LogRetention: scimserver.DefaultLogRetention}
}

func startLab(t *testing.T, o app.Options) *app.App {
	t.Helper()
	a, err := app.Start(context.Background(), o, noEnv, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close)
	return a
}

func writeFile(t *testing.T, name, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// A bad profile or seed file stops scimlab before the database is touched.
func TestBadFilesChangeNothing(t *testing.T) {
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "lab", "scimlab.db")
	badProfile := writeFile(t, "app.yaml", "extends: thinglink\nusers:\n  delete: soft\n")
	o := labOptions(dbPath)
	o.Profile = badProfile
	_, err := app.Start(context.Background(), o, noEnv, slog.New(slog.DiscardHandler))
	if err == nil || !strings.Contains(err.Error(), badProfile+": line 3: users.delete:") {
		t.Fatalf("error %v, want the file, line 3 and users.delete", err)
	}
	o.Profile, o.Seed = "", writeFile(t, "people.csv", "userName,colour\nann@example.com,blue\n")
	_, err = app.Start(context.Background(), o, noEnv, slog.New(slog.DiscardHandler))
	if err == nil || !strings.Contains(err.Error(), "line 1: unknown column \"colour\"") {
		t.Fatalf("error %v", err)
	}
	if _, err := os.Stat(filepath.Dir(dbPath)); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the database directory was created: %v", err)
	}
}

// The profile is kept in the database: a restart without --profile plays it again,
// a custom one even after its file is gone.
func TestProfileSurvivesRestart(t *testing.T) {
	dbPath := filepath.Join(t.TempDir(), "scimlab.db")
	o := labOptions(dbPath)
	o.Profile = "thinglink"
	a := startLab(t, o)
	if a.Profile().Name != "thinglink" {
		t.Fatalf("profile %q", a.Profile().Name)
	}
	a.Close()
	a = startLab(t, labOptions(dbPath))
	if a.Profile().Name != "thinglink" {
		t.Fatalf("after a restart: %q", a.Profile().Name)
	}
	a.Close()

	file := writeFile(t, "school.yaml", "extends: thinglink\nname: school\nusers:\n  seatLimit: 7\n")
	o.Profile = file
	a = startLab(t, o)
	a.Close()
	if err := os.Remove(file); err != nil {
		t.Fatal(err)
	}
	a = startLab(t, labOptions(dbPath))
	if p := a.Profile(); p.Name != "school" || p.Users.SeatLimit != 7 || p.Source() != file {
		t.Fatalf("custom profile after its file went: %q %d %q", p.Name, p.Users.SeatLimit, p.Source())
	}
	// The console offers the built-ins and the custom one, and a switch is kept too.
	var names []string
	for _, p := range a.Profiles() {
		names = append(names, p.Name)
	}
	if got := strings.Join(names, " "); got != strings.Join(profile.Names(), " ")+" school" {
		t.Errorf("profiles offered: %s", got)
	}
	if err := a.SetProfile(context.Background(), "toplyne"); err != nil {
		t.Fatal(err)
	}
	if err := a.SetProfile(context.Background(), "slack"); err == nil {
		t.Error("switched to a profile that does not exist")
	}
	a.Close()
	if a = startLab(t, labOptions(dbPath)); a.Profile().Name != "toplyne" {
		t.Errorf("switch not kept: %q", a.Profile().Name)
	}
}

const seedCSV = `userName,givenName,familyName,email,active,role,groups,independent
ann@school.example,Ann,Archer,ann@school.example,true,Teacher,Teachers;Art,
ben@school.example,Ben,Baker,,false,,Teachers,
indie@elsewhere.example,Ida,Indie,,,,,yes
`

// Seeding at start puts users, groups (app-side members) and independent accounts into
// the lab; starting again with the same file adds nothing.
func TestSeedAtStart(t *testing.T) {
	dbPath := filepath.Join(t.TempDir(), "scimlab.db")
	o := labOptions(dbPath)
	o.Seed = writeFile(t, "class.csv", seedCSV)
	a := startLab(t, o)
	rep := a.Seeded()
	if rep == nil || rep.Users != 2 || rep.Independent != 1 || rep.Groups != 2 || rep.Members != 3 {
		t.Fatalf("report %+v", rep)
	}
	if s := rep.String(); s != "seeded 2 users, 2 new groups, 1 independent account, 3 memberships" {
		t.Errorf("report %q", s)
	}
	a.Close()
	a = startLab(t, o)
	if rep := a.Seeded(); rep.Users != 0 || rep.Skipped != 3 || rep.Groups != 0 || rep.Members != 0 {
		t.Errorf("second start: %+v", rep)
	}
	deps := a.ConsoleDeps(context.Background(), nil)
	users, err := deps.Reader.Users(context.Background(), "", 100)
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]tui.ResourceRow{}
	for _, u := range users {
		byName[u.Name] = u
	}
	if !byName["ann@school.example"].Active || byName["ben@school.example"].Active || !byName["indie@elsewhere.example"].Independent {
		t.Errorf("users %+v", users)
	}
	// The independent account is outside the organisation: SCIM does not see it, and
	// a create for it is refused.
	r := httpDo(t, a, "POST", "/Users", `{"userName":"indie@elsewhere.example"}`, "curl/8")
	if r.StatusCode != http.StatusConflict {
		t.Errorf("create of an independent account's userName: %d", r.StatusCode)
	}
}

// App-side actions change the lab, leave tombstones, and are listed in the history of
// what they changed, not in the request log.
func TestAppSideActionsAndReset(t *testing.T) {
	dbPath := filepath.Join(t.TempDir(), "scimlab.db")
	o := labOptions(dbPath)
	o.Seed = writeFile(t, "class.csv", seedCSV)
	o.Profile = "thinglink"
	a := startLab(t, o)
	ctx := context.Background()
	deps := a.ConsoleDeps(ctx, nil)
	find := func(kind, name string) tui.ResourceRow {
		t.Helper()
		list := deps.Reader.Users
		if kind == tui.KindGroup {
			list = deps.Reader.Groups
		}
		rows, err := list(ctx, name, 10)
		if err != nil || len(rows) == 0 {
			t.Fatalf("%s %s: %v %v", kind, name, rows, err)
		}
		return rows[0]
	}
	ann, art := find(tui.KindUser, "ann@"), find(tui.KindGroup, "Art")
	if err := deps.Lab.SetUserActive(ctx, ann.ID, false); err != nil {
		t.Fatal(err)
	}
	if find(tui.KindUser, "ann@").Active {
		t.Error("ann still active")
	}
	if err := deps.Lab.Delete(ctx, tui.KindGroup, art.ID); err != nil {
		t.Fatal(err)
	}
	if err := deps.Lab.Delete(ctx, tui.KindUser, ann.ID); err != nil {
		t.Fatal(err)
	}
	gone := find(tui.KindUser, "ann@")
	if gone.Deleted.IsZero() || gone.ID != ann.ID {
		t.Fatalf("no tombstone for ann: %+v", gone)
	}
	if find(tui.KindGroup, "Art").Deleted.IsZero() {
		t.Error("no tombstone for Art")
	}
	d, err := deps.Reader.Resource(ctx, tui.KindUser, ann.ID)
	if err != nil {
		t.Fatal(err)
	}
	var whats []string
	for _, act := range d.AppActions {
		whats = append(whats, act.What)
	}
	if got := strings.Join(whats, "; "); got != "deleted in the app by its admin; deactivated in the app by its admin" {
		t.Errorf("ann's app actions: %s", got)
	}
	if !strings.Contains(string(d.JSON), "ann@school.example") || d.MembershipTotal != 1 {
		t.Errorf("tombstone detail %s %d", d.JSON, d.MembershipTotal)
	}
	// The IdP sees none of it as traffic, and finds ann gone.
	r := httpDo(t, a, "GET", "/Users/"+ann.ID, "", "Okta SCIM Client 1.0.0")
	if r.StatusCode != 404 {
		t.Errorf("GET of a user deleted in the app: %d", r.StatusCode)
	}
	waitFor(t, func() bool { reqs, _ := deps.Reader.Requests(ctx, 0, 100); return len(reqs) == 1 })

	// Reset empties the lab and keeps the token and profile.
	token := a.Token()
	if err := deps.Lab.Reset(ctx); err != nil {
		t.Fatal(err)
	}
	for _, kind := range []string{tui.KindUser, tui.KindGroup} {
		list := deps.Reader.Users
		if kind == tui.KindGroup {
			list = deps.Reader.Groups
		}
		if rows, _ := list(ctx, "", 100); len(rows) != 0 {
			t.Errorf("%s rows after the reset: %+v", kind, rows)
		}
	}
	if reqs, _ := deps.Reader.Requests(ctx, 0, 100); len(reqs) != 0 {
		t.Errorf("%d requests after the reset", len(reqs))
	}
	if a.Token() != token || a.Profile().Name != "thinglink" {
		t.Error("the reset lost the token or the profile")
	}
	a.Close()
	a = startLab(t, labOptions(dbPath))
	if a.Token() != token || a.Profile().Name != "thinglink" {
		t.Error("the token or the profile did not survive the reset and a restart")
	}
}

// The running app tells the server which IdP sends each request, so ThingLink keeps
// Okta's attributes for Okta and Entra's for Entra.
func TestPerIdPAttributesThroughTheApp(t *testing.T) {
	o := labOptions(filepath.Join(t.TempDir(), "scimlab.db"))
	o.Profile = "thinglink"
	a := startLab(t, o)
	okta := decode(t, httpDo(t, a, "POST", "/Users", `{"userName":"o@example.com","name":{"givenName":"O","familyName":"K"},"externalId":"00u1","emails":[{"value":"o@example.com"}],"active":true}`, "Okta SCIM Client 1.0.0"))
	entra := decode(t, httpDo(t, a, "POST", "/Users", `{"userName":"e@example.com","name":{"givenName":"E","familyName":"N"},"externalId":"guid-1","meta":{"resourceType":"User"},"active":true}`, ""))
	if okta["name"] == nil || okta["externalId"] != nil || okta["emails"] != nil {
		t.Errorf("Okta's user %v: ThingLink keeps the names from Okta, not externalId or e-mail", okta)
	}
	if entra["name"] != nil || entra["externalId"] != "guid-1" {
		t.Errorf("Entra's user %v: ThingLink keeps externalId from Entra, not the names", entra)
	}
}

func httpDo(t *testing.T, a *app.App, method, path, body, ua string) *http.Response {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, a.LocalURL()+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+a.Token())
	req.Header.Set("Content-Type", "application/scim+json")
	req.Header.Set("User-Agent", ua)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { res.Body.Close() })
	return res
}

func decode(t *testing.T, res *http.Response) map[string]any {
	t.Helper()
	data, _ := io.ReadAll(res.Body)
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatalf("%d %s: %v", res.StatusCode, data, err)
	}
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("status %d: %s", res.StatusCode, data)
	}
	return m
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 10 s")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Seed files are refused with the line at fault.
func TestSeedFileErrors(t *testing.T) {
	cases := []struct {
		file, text, want string
	}{
		{"a.csv", "givenName\nAnn\n", "line 1: the first line must name a userName column"},
		{"a.csv", "userName,active\nann@x.example,maybe\n", "line 2: active must be true or false, not \"maybe\""},
		{"a.csv", "userName\nann@x.example\n\nANN@x.example\n", "line 4: userName ANN@x.example is listed twice (first on line 2)"},
		{"a.csv", "userName,groups,independent\nann@x.example,Art,true\n", "line 2: ann@x.example is an independent account"},
		{"a.csv", "userName\n\"ann@x.example\n", "line 2:"},
		{"a.csv", "", "the file is empty"},
		{"a.json", "{\n  \"users\": [\n    {\"userName\": \"ann@x.example\"},\n    {\"givenName\": \"Ben\"}\n  ]\n}\n", "line 4: a user needs a userName"},
		{"a.json", "{\n  \"users\": [\n    {\"userName\": \"ann@x.example\", \"colour\": \"blue\"}\n  ]\n}\n", "line 3: unknown field \"colour\""},
		{"a.json", "{\n  \"groups\": [\n    {\"members\": []}\n  ]\n}\n", "line 3: a group needs a displayName"},
		{"a.json", "{\"people\": []}", "line 1: unknown member \"people\""},
		{"a.json", "[1]", "line 1: a JSON seed file is an object"},
	}
	for _, c := range cases {
		_, err := app.ParseSeed(c.file, []byte(c.text))
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), "seed "+c.file) {
			t.Errorf("%q: error %v, want %q", c.text, err, c.want)
		}
	}
	// A member who is neither seeded nor in the lab is named by the group's line.
	a := startLab(t, labOptions(filepath.Join(t.TempDir(), "scimlab.db")))
	_, err := a.SeedFile(context.Background(), writeFile(t, "g.json", "{\n \"groups\": [\n  {\"displayName\": \"Art\", \"members\": [\"nobody@x.example\"]}\n ]\n}\n"))
	if err == nil || !strings.Contains(err.Error(), "line 3: ") || !strings.Contains(err.Error(), "nobody@x.example") {
		t.Errorf("unknown member: %v", err)
	}
}
