package app_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/adrg/xdg"

	"github.com/scimlab/scimlab/app"
	"github.com/scimlab/scimlab/exchange"
	"github.com/scimlab/scimlab/lab"
	"github.com/scimlab/scimlab/scimserver"
	"github.com/scimlab/scimlab/store"
	"github.com/scimlab/scimlab/tunnel"
)

// labHome gives the test data and config directories of its own.
func labHome(t *testing.T) lab.Dir {
	t.Helper()
	t.Cleanup(xdg.Reload)
	t.Setenv("XDG_DATA_HOME", t.TempDir())
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	xdg.Reload()
	return lab.DefaultDir()
}

// startNamedLab starts scimlab on the lab called name with the loopback tunnel.
func startNamedLab(t *testing.T, dir lab.Dir, name string) *app.App {
	t.Helper()
	path, err := dir.Path(name)
	if err != nil {
		t.Fatal(err)
	}
	a, err := app.Start(context.Background(), app.Options{Listen: "127.0.0.1:0", DB: path, Lab: name, TunnelMode: "loopback",
		MaxBody: scimserver.DefaultMaxBodyBytes, LogRetention: scimserver.DefaultLogRetention}, noEnv, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close)
	return a
}

func publicURL(t *testing.T, a *app.App) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if st := a.TunnelStatus(); st.State == tunnel.Online {
			return a.PublicBaseURL()
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("the loopback tunnel did not come online")
	return ""
}

func call(t *testing.T, method, url, token, body string) int {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, _ := http.NewRequest(method, url, rd)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("User-Agent", "Okta SCIM Client 1.0.0")
	if body != "" {
		req.Header.Set("Content-Type", "application/scim+json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

func labCount(t *testing.T, dir lab.Dir, name string) store.Counts {
	t.Helper()
	path, _ := dir.Path(name)
	db, err := store.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	c, err := db.Count(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func createUser(t *testing.T, base, token, userName string) {
	t.Helper()
	if status := call(t, "POST", base+"/Users", token, `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"`+userName+`"}`); status != 201 {
		t.Fatalf("create %s: %d", userName, status)
	}
}

// TestSwitchLabKeepsAddressTunnelAndToken switches the running scimlab to a new lab and
// back: the local address and the tunnel's public URL keep answering, each lab keeps
// its own users and log, a new lab starts with the token the IdP has, and a lab whose
// token was rotated is served with its own.
func TestSwitchLabKeepsAddressTunnelAndToken(t *testing.T) {
	dir := labHome(t)
	a := startNamedLab(t, dir, "one")
	public, local := publicURL(t, a), a.LocalURL()
	token := a.Token()
	createUser(t, public, token, "alice@example.com")

	sw, err := a.SwitchLab(context.Background(), "two", true)
	if err != nil {
		t.Fatal(err)
	}
	if !sw.Created || sw.TokenChanged || sw.Name != "two" || a.Lab() != "two" || a.Token() != token {
		t.Errorf("switch %+v, lab %q, token kept %v", sw, a.Lab(), a.Token() == token)
	}
	if p, _ := dir.Path("two"); a.DBPath() != p {
		t.Errorf("DBPath %s, want %s", a.DBPath(), p)
	}
	if a.PublicBaseURL() != public || a.LocalURL() != local {
		t.Errorf("the URLs changed: %s %s", a.PublicBaseURL(), a.LocalURL())
	}
	// The new lab answers on both addresses, empty.
	if status := call(t, "GET", public+"/Users/does-not-exist", token, ""); status != 404 {
		t.Errorf("through the tunnel after the switch: %d", status)
	}
	createUser(t, local, token, "bob@example.com")
	createUser(t, local, token, "alice@example.com") // a lab of its own: no conflict

	if _, err := a.RotateToken(context.Background()); err != nil {
		t.Fatal(err)
	}
	rotated := a.Token()
	sw, err = a.SwitchLab(context.Background(), "one", false)
	if err != nil {
		t.Fatal(err)
	}
	if sw.Created || !sw.TokenChanged || a.Token() != token {
		t.Errorf("back to one: %+v, token is one's own: %v", sw, a.Token() == token)
	}
	if status := call(t, "GET", local+"/Users", rotated, ""); status != 401 {
		t.Errorf("lab two's token accepted by lab one: %d", status)
	}
	a.Close()
	if c := labCount(t, dir, "one"); c.Users != 1 || c.Requests != 2 {
		t.Errorf("lab one holds %+v", c)
	}
	if c := labCount(t, dir, "two"); c.Users != 2 || c.Requests != 3 {
		t.Errorf("lab two holds %+v", c)
	}
}

func TestSwitchLabRefusals(t *testing.T) {
	dir := labHome(t)
	a := startNamedLab(t, dir, "one")
	ctx := context.Background()
	for _, tc := range []struct {
		name   string
		create bool
		want   error
		text   string
	}{
		{"nope", false, lab.ErrNotFound, `there is no lab called "nope"`},
		{"one", true, lab.ErrExists, `the lab "one" exists`},
		{"one", false, app.ErrCurrentLab, `serving the lab "one" already`},
		{"a/b", true, nil, "is a path"},
	} {
		_, err := a.SwitchLab(ctx, tc.name, tc.create)
		if err == nil || tc.want != nil && !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.text) {
			t.Errorf("switch to %q (create %v): %v, want %q", tc.name, tc.create, err, tc.text)
		}
	}
	if a.Lab() != "one" || call(t, "GET", a.LocalURL()+"/Users", a.Token(), "") != 200 {
		t.Error("a refused switch disturbed the lab served")
	}
	// A lab another scimlab serves is refused, and the current one stays.
	other := startNamedLab(t, dir, "busy")
	_, err := a.SwitchLab(ctx, "busy", false)
	if err == nil || !strings.Contains(err.Error(), "already serving the database") {
		t.Errorf("switch to a lab served elsewhere: %v", err)
	}
	other.Close()
	if err := a.DeleteLab("one"); !errors.Is(err, app.ErrCurrentLab) {
		t.Errorf("deleting the lab served: %v", err)
	}
	if err := a.DeleteLab("busy"); err != nil {
		t.Errorf("deleting another lab: %v", err)
	}
	if ok, _ := dir.Exists("busy"); ok {
		t.Error("busy still exists")
	}
}

// TestSwitchUnderTraffic switches labs while a client keeps sending: every request is
// answered by one lab or the other, none is dropped or fails.
func TestSwitchUnderTraffic(t *testing.T) {
	dir := labHome(t)
	a := startNamedLab(t, dir, "one")
	token, base := a.Token(), a.LocalURL()
	var (
		stop    atomic.Bool
		wg      sync.WaitGroup
		mu      sync.Mutex
		answers = map[int]int{}
		errs    []error
	)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				req, _ := http.NewRequest("GET", base+"/Users?count=1", nil)
				req.Header.Set("Authorization", "Bearer "+token)
				resp, err := http.DefaultClient.Do(req)
				mu.Lock()
				if err != nil {
					errs = append(errs, err)
				} else {
					answers[resp.StatusCode]++
					resp.Body.Close()
				}
				mu.Unlock()
			}
		}()
	}
	time.Sleep(50 * time.Millisecond)
	for i, name := range []string{"two", "one", "two"} {
		if _, err := a.SwitchLab(context.Background(), name, i == 0); err != nil {
			t.Fatal(err)
		}
		time.Sleep(30 * time.Millisecond)
	}
	stop.Store(true)
	wg.Wait()
	if len(errs) > 0 || len(answers) != 1 || answers[200] == 0 {
		t.Errorf("answers %v, errors %v", answers, errs)
	}
}

func TestResetTheLabServed(t *testing.T) {
	dir := labHome(t)
	a := startNamedLab(t, dir, "class")
	token := a.Token()
	createUser(t, a.LocalURL(), token, "alice@example.com")
	// An Okta test connection ticks the first walkthrough step.
	if status := call(t, "GET", a.LocalURL()+"/Users?startIndex=1&count=2", token, ""); status != 200 {
		t.Fatal(status)
	}
	waitUntil(t, "the walkthrough to move", func() bool {
		done, _ := a.Walkthrough(exchange.Okta).Progress()
		return done > 0
	})
	current, err := a.ResetLabNamed(context.Background(), "class")
	if err != nil || !current {
		t.Fatalf("reset: current %v, %v", current, err)
	}
	if done, _ := a.Walkthrough(exchange.Okta).Progress(); done != 0 {
		t.Errorf("the walkthrough has %d steps done after the reset", done)
	}
	if a.Token() != token || call(t, "GET", a.LocalURL()+"/Users/x", token, "") != 404 {
		t.Error("the reset lab does not answer with its token")
	}
	createUser(t, a.LocalURL(), token, "alice@example.com")
	a.Close()
	if c := labCount(t, dir, "class"); c.Users != 1 || c.Requests != 2 {
		t.Errorf("after reset and two requests: %+v", c)
	}
}

func TestExportAndResendFromTheRunningApp(t *testing.T) {
	dir := labHome(t)
	a := startNamedLab(t, dir, "acme")
	createUser(t, a.LocalURL(), a.Token(), "alice@example.com")
	ctx := context.Background()
	dest := t.TempDir() + "/acme.zip"
	waitUntil(t, "the request in the log", func() bool { return labCount(t, dir, "acme").Requests == 1 })
	res, err := a.ExportLab(ctx, "", app.ExportBundle, dest, store.RequestFilter{}, "test", nil)
	if err != nil || res.Requests != 1 || res.Users != 1 {
		t.Fatalf("export: %+v %v", res, err)
	}
	// Another lab is exported from its own file.
	b := startNamedLab(t, dir, "other")
	createUser(t, b.LocalURL(), b.Token(), "x@example.com")
	createUser(t, b.LocalURL(), b.Token(), "y@example.com")
	b.Close()
	res, err = a.ExportLab(ctx, "other", app.ExportHAR, t.TempDir()+"/o.har", store.RequestFilter{}, "test", nil)
	if err != nil || res.Requests != 2 {
		t.Fatalf("export of another lab: %+v %v", res, err)
	}

	// Resending a recorded create answers 409: the user exists now.
	path, _ := dir.Path("acme")
	db, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	rec, err := db.GetRequest(ctx, 1)
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	ans, err := a.Resend(ctx, rec)
	if err != nil || ans.Status != 409 {
		t.Fatalf("resend: %+v %v", ans, err)
	}
	rec.ReqBody = []byte(strings.Replace(string(rec.ReqBody), "alice@", "carol@", 1))
	if ans, err := a.Resend(ctx, rec); err != nil || ans.Status != 201 || !strings.Contains(string(ans.Body), "carol@example.com") {
		t.Fatalf("resend edited: %+v %v", ans, err)
	}
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Each lab plays its own profile and fault rules: those of the command line go to the
// lab scimlab starts on; a lab switched to plays what it kept, and switching back
// brings the first lab's again.
func TestEachLabPlaysItsOwnProfileAndFaults(t *testing.T) {
	dir := labHome(t)
	path, _ := dir.Path("one")
	a := startLab(t, app.Options{Listen: "127.0.0.1:0", DB: path, Lab: "one", NoTunnel: true, Profile: "thinglink",
		Faults: []string{"POST /Users 503"}, MaxBody: scimserver.DefaultMaxBodyBytes, LogRetention: scimserver.DefaultLogRetention})
	ctx := context.Background()
	if _, err := a.SwitchLab(ctx, "two", true); err != nil {
		t.Fatal(err)
	}
	if p := a.Profile().Name; p != "generic" || len(a.Faults()) != 0 {
		t.Fatalf("a new lab plays %s with %d fault rules; want generic and none", p, len(a.Faults()))
	}
	if status := call(t, "POST", a.LocalURL()+"/Users", a.Token(), `{"userName":"x@example.com"}`); status != 201 {
		t.Errorf("the new lab answered a create %d: the first lab's fault rule followed", status)
	}
	if err := a.SetProfile(ctx, "tiled"); err != nil {
		t.Fatal(err)
	}
	if _, err := a.SwitchLab(ctx, "one", false); err != nil {
		t.Fatal(err)
	}
	if p, fs := a.Profile().Name, a.Faults(); p != "thinglink" || len(fs) != 1 || fs[0].Rule.String() != "POST /Users 503" {
		t.Errorf("back on the first lab: %s, %v", p, fs)
	}
	if status := call(t, "POST", a.LocalURL()+"/Users", a.Token(), `{"userName":"y@example.com"}`); status != 503 {
		t.Errorf("the first lab's fault rule answered %d", status)
	}
	if _, err := a.SwitchLab(ctx, "two", false); err != nil {
		t.Fatal(err)
	}
	if p := a.Profile().Name; p != "tiled" {
		t.Errorf("the second lab plays %s; it kept tiled", p)
	}
}
