package app_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"reflect"
	"strings"
	"testing"

	"github.com/scimlab/scimlab/app"
	"github.com/scimlab/scimlab/exchange"
	"github.com/scimlab/scimlab/fault"
	"github.com/scimlab/scimlab/idp"
	"github.com/scimlab/scimlab/idp/sim"
	"github.com/scimlab/scimlab/lab"
	"github.com/scimlab/scimlab/scimserver"
	"github.com/scimlab/scimlab/store"
	"github.com/scimlab/scimlab/tui"
)

// consoleView is everything the console shows of a lab, read the way the console
// reads it: every request with its headers and bodies, every user and group row
// (tombstones and independent accounts among them) with its detail, the profile, the
// fault rules and both walkthroughs.
type consoleView struct {
	Requests   []*exchange.Record
	Rows       []tui.ResourceRow
	Details    []*tui.ResourceDetail
	Profile    tui.ProfileInfo
	ProfileDoc profileDoc
	Faults     []string
	Walks      map[exchange.IdP][]idp.StepState
}

// profileDoc is what the lab keeps of its profile.
type profileDoc struct{ Name, Source, Text string }

func viewOf(t *testing.T, a *app.App) consoleView {
	t.Helper()
	ctx := context.Background()
	d := a.ConsoleDeps(ctx, slog.New(slog.DiscardHandler))
	var v consoleView
	list, err := d.Reader.Requests(ctx, 0, 100_000)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range list {
		full, err := d.Reader.Request(ctx, r.Seq)
		if err != nil {
			t.Fatal(err)
		}
		v.Requests = append(v.Requests, full)
	}
	for _, kind := range []string{tui.KindUser, tui.KindGroup} {
		rows, err := d.Reader.Users(ctx, "", 100_000)
		if kind == tui.KindGroup {
			rows, err = d.Reader.Groups(ctx, "", 100_000)
		}
		if err != nil {
			t.Fatal(err)
		}
		for _, row := range rows {
			detail, err := d.Reader.Resource(ctx, kind, row.ID)
			if err != nil {
				t.Fatalf("%s %s: %v", kind, row.Name, err)
			}
			v.Rows, v.Details = append(v.Rows, row), append(v.Details, detail)
		}
	}
	v.Profile = d.Profile()
	p := a.Profile()
	v.ProfileDoc = profileDoc{Name: p.Name, Source: p.Source(), Text: string(p.Text())}
	for _, e := range a.Faults() {
		v.Faults = append(v.Faults, fmt.Sprintf("%s on=%v", e.Rule, e.Enabled))
	}
	v.Walks = map[exchange.IdP][]idp.StepState{}
	for _, p := range []exchange.IdP{exchange.Okta, exchange.Entra} {
		steps := a.Walkthrough(p).Steps()
		for i := range steps {
			// The instant is kept, not the clock reading or the zone it was read in.
			steps[i].SeenAt = steps[i].SeenAt.Round(0).UTC()
		}
		v.Walks[p] = steps
	}
	// A resource's JSON names the server that answers: its address is this run's.
	origin := strings.TrimSuffix(a.LocalURL(), scimserver.BasePath)
	for _, d := range v.Details {
		d.JSON = bytes.ReplaceAll(d.JSON, []byte(origin), []byte("http://scimlab"))
	}
	return v
}

// TestBundleShowsTheLabAsItWas rehearses in a lab with everything scimlab keeps about
// one — a custom profile that changes answers, fault rules (one fired, one off),
// seeded users, app-side memberships and an independent account, accounts deactivated
// and deleted by the app's own admin, Okta's and Entra's lifecycles ticking both
// walkthroughs — exports it as a support bundle from the running scimlab, imports it
// as another lab, serves that one and compares what the console shows of each.
func TestBundleShowsTheLabAsItWas(t *testing.T) {
	dir := labHome(t)
	ctx := context.Background()
	path, _ := dir.Path("acme")
	o := app.Options{Listen: "127.0.0.1:0", DB: path, Lab: "acme", NoTunnel: true,
		MaxBody: scimserver.DefaultMaxBodyBytes, LogRetention: scimserver.DefaultLogRetention,
		Profile:   writeFile(t, "school.yaml", "extends: thinglink\nname: school\ntitle: The school's ThingLink\nusers:\n  seatLimit: 40\n"),
		Faults:    []string{"GET /ServiceProviderConfig 503 times=1", "DELETE /Users/* 500"},
		FaultSeed: fault.DefaultSeed,
	}
	a := startLab(t, o)
	if a.Profile().Name != "school" {
		t.Fatalf("playing %q", a.Profile().Name)
	}
	off := a.Faults()[1]
	if err := a.SetFaultEnabled(ctx, off.ID, false); err != nil {
		t.Fatal(err)
	}
	if status := call(t, "GET", a.LocalURL()+"/ServiceProviderConfig", a.Token(), ""); status != 503 {
		t.Fatalf("the fault rule answered %d", status)
	}
	if _, err := a.SeedFile(ctx, writeFile(t, "class.csv", seedCSV)); err != nil {
		t.Fatal(err)
	}
	for _, p := range []exchange.IdP{exchange.Okta, exchange.Entra} {
		if _, err := sim.Run(ctx, sim.Config{IdP: p, Target: a.LocalURL(), Token: a.Token()}, nil); err != nil {
			t.Fatalf("%s lifecycle: %v", p, err)
		}
	}
	deps := a.ConsoleDeps(ctx, slog.New(slog.DiscardHandler))
	rows, err := deps.Reader.Users(ctx, "ben@", 1)
	if err != nil || len(rows) != 1 {
		t.Fatalf("ben: %v %v", rows, err)
	}
	if err := deps.Lab.SetUserActive(ctx, rows[0].ID, true); err != nil {
		t.Fatal(err)
	}
	if rows, err = deps.Reader.Users(ctx, "ann@", 1); err != nil || len(rows) != 1 {
		t.Fatalf("ann: %v %v", rows, err)
	}
	if err := deps.Lab.Delete(ctx, tui.KindUser, rows[0].ID); err != nil {
		t.Fatal(err)
	}

	// Exporting from the console writes out what was answered just before.
	dest := t.TempDir() + "/acme.scimlab.zip"
	res, err := a.ExportLab(ctx, "", app.ExportBundle, dest, store.RequestFilter{}, "scimlab test", nil)
	if err != nil {
		t.Fatal(err)
	}
	want := viewOf(t, a)
	if res.Requests != len(want.Requests) {
		t.Errorf("exported %d requests of the %d answered", res.Requests, len(want.Requests))
	}
	a.Close()
	// What must travel is there to travel.
	var injected, changed int
	for _, r := range want.Requests {
		if r.Fault != nil {
			injected++
		}
		if len(r.Effects) > 0 {
			changed++
		}
	}
	var tombs, indep, appActions int
	for i, row := range want.Rows {
		if !row.Deleted.IsZero() {
			tombs++
		}
		if row.Independent {
			indep++
		}
		appActions += len(want.Details[i].AppActions)
	}
	doneOkta, doneEntra := done(want.Walks[exchange.Okta]), done(want.Walks[exchange.Entra])
	if injected == 0 || changed == 0 || tombs == 0 || indep == 0 || appActions == 0 || doneOkta == 0 || doneEntra == 0 ||
		res.Tombstones == 0 || res.AppActions == 0 || res.Independent == 0 {
		t.Fatalf("the lab under test lacks something: %d injected, %d changed by the profile, %d tombstones, %d independent, %d app actions, walkthroughs %d/%d; exported %+v",
			injected, changed, tombs, indep, appActions, doneOkta, doneEntra, res)
	}

	imp, err := dir.Import(ctx, dest, "copy", lab.ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	o.DB, o.Lab, o.Profile, o.Faults = imp.Path, "copy", "", nil
	b := startLab(t, o)
	got := viewOf(t, b)
	if b.Token() == "" || b.Token() == a.Token() {
		t.Error("the imported lab serves the exported lab's token, or none")
	}
	compareViews(t, want, got)
}

// done counts the steps done.
func done(steps []idp.StepState) int {
	n := 0
	for _, st := range steps {
		if st.Status == idp.StatusDone {
			n++
		}
	}
	return n
}

func compareViews(t *testing.T, want, got consoleView) {
	t.Helper()
	if len(got.Requests) != len(want.Requests) {
		t.Fatalf("%d requests shown, %d before", len(got.Requests), len(want.Requests))
	}
	for i := range want.Requests {
		if !reflect.DeepEqual(got.Requests[i], want.Requests[i]) {
			t.Errorf("request #%d differs:\n got %+v\nwant %+v", want.Requests[i].Seq, got.Requests[i], want.Requests[i])
		}
	}
	if !reflect.DeepEqual(got.Rows, want.Rows) {
		t.Errorf("user and group rows differ:\n got %+v\nwant %+v", got.Rows, want.Rows)
	}
	for i := range want.Details {
		if i < len(got.Details) && !reflect.DeepEqual(got.Details[i], want.Details[i]) {
			t.Errorf("%s %s's detail differs:\n got %+v\nwant %+v", want.Rows[i].Kind, want.Rows[i].Name, got.Details[i], want.Details[i])
		}
	}
	if !reflect.DeepEqual(got.Profile, want.Profile) || got.ProfileDoc != want.ProfileDoc {
		t.Errorf("profile %+v %+v, want %+v %+v", got.Profile, got.ProfileDoc, want.Profile, want.ProfileDoc)
	}
	if !reflect.DeepEqual(got.Faults, want.Faults) {
		t.Errorf("fault rules %q, want %q", got.Faults, want.Faults)
	}
	for p, steps := range want.Walks {
		for i, st := range steps {
			if i >= len(got.Walks[p]) || !reflect.DeepEqual(got.Walks[p][i], st) {
				t.Errorf("%s walkthrough step %d differs:\n got %+v\nwant %+v", p, i, got.Walks[p][i], st)
			}
		}
	}
}
