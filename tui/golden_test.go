package tui

import (
	"fmt"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/scimlab/scimlab/exchange"
	"github.com/scimlab/scimlab/idp"
	"github.com/scimlab/scimlab/tunnel"
)

// screens are the states the golden files pin, each reached by key presses
// from a console showing the sample rehearsal.
var screens = []struct {
	name  string
	setup func(t *testing.T, td *testDeps)
	keys  []string
}{
	{name: "connection"},
	{name: "connection-revealed", keys: []string{"v"}},
	{name: "connection-local-only", setup: func(_ *testing.T, td *testDeps) { td.public = "" }, keys: []string{"!tunnel-off"}},
	{name: "connection-ngrok-input", keys: []string{"n", "a", "b", "c"}},
	{name: "rotate-dialog", keys: []string{"R"}},
	{name: "requests", keys: []string{"2"}},
	{name: "requests-filtered", keys: []string{"2", "m", "s"}},
	{name: "requests-paused", keys: []string{"2", "up", "up", "!event"}},
	{name: "inspector-401", keys: []string{"2", "up", "up", "enter"}},
	{name: "inspector-quirks", keys: []string{"2", "up", "up", "up", "enter"}},
	{name: "users", keys: []string{"3"}},
	{name: "user-detail", keys: []string{"3", "enter"}},
	{name: "user-history", keys: []string{"3", "enter", "right"}},
	{name: "user-json", keys: []string{"3", "enter", "right", "right"}},
	{name: "groups", keys: []string{"4"}},
	{name: "walkthrough", keys: []string{"5"}},
	{name: "walkthrough-okta", keys: []string{"5", "o"}},
	{name: "presenter", keys: []string{"5", "p"}},
	{name: "help", keys: []string{"2", "?"}},
	{name: "empty-requests", setup: func(_ *testing.T, td *testDeps) { td.reader = newFakeReader(nil) }, keys: []string{"2"}},
	{name: "empty-users", setup: func(_ *testing.T, td *testDeps) { td.reader = newFakeReader(nil) }, keys: []string{"3"}},
	{name: "connection-url-changed", setup: urlChanged},
	{name: "requests-url-changed", setup: urlChanged, keys: []string{"2"}},
	{name: "connection-tunnel-failed", setup: func(_ *testing.T, td *testDeps) { td.public = "" }, keys: []string{"!tunnel-failed"}},
	{name: "requests-hints", setup: entraQuiet, keys: []string{"!clock", "2"}},
	{name: "walkthrough-hints", setup: entraQuiet, keys: []string{"!clock", "5"}},
	{name: "walkthrough-reset-dialog", keys: []string{"5", "R"}},
	{name: "faults", setup: withFaults, keys: []string{"6"}},
	{name: "faults-empty", keys: []string{"6"}},
	{name: "faults-add", setup: withFaults, keys: append([]string{"6", "a"}, typed("PATCH /Groups/* 503 retry-after=120 after=3")...)},
	{name: "faults-add-invalid", setup: withFaults, keys: append([]string{"6", "a"}, typed("POST /users 4299")...)},
	{name: "faults-clear-dialog", setup: withFaults, keys: []string{"6", "D"}},
	{name: "inspector-fault", setup: withInjected, keys: []string{"2", "enter"}},
	{name: "demo-panel", setup: func(_ *testing.T, td *testDeps) { td.demo = &fakeDemo{} }, keys: []string{"5", "M", "down", "right"}},
	{name: "connection-thinglink", setup: playing("thinglink")},
	{name: "profile-picker", keys: []string{"p"}},
	{name: "profile-dialog", keys: []string{"p", "down", "enter"}},
	{name: "groups-libraries", setup: playing("tiled"), keys: []string{"4"}},
	{name: "user-reactivate-dialog", keys: []string{"3", "d"}},
	{name: "user-delete-dialog", keys: []string{"3", "D"}},
	{name: "user-tombstone", keys: []string{"3", "down", "down", "enter", "right"}},
	{name: "reset-dialog", keys: []string{"X"}},
	{name: "seed-input", keys: []string{"S", "c", "l", "a", "s", "s", ".", "c", "s", "v"}},
	{name: "inspector-effects", setup: playing("thinglink"), keys: []string{"!effects", "2", "enter"}},
	{name: "labs", keys: []string{"7"}},
	{name: "labs-create-dialog", keys: []string{"7", "n", "c", "l", "a", "s", "s", "-", "3", "enter"}},
	{name: "labs-delete-dialog", keys: []string{"7", "down", "D"}},
	{name: "resend-same", keys: []string{"2", "up", "up", "up", "up", "up", "enter", "S"}},
	{name: "resend-differs", keys: []string{"2", "up", "up", "up", "up", "enter", "S", "y"}},
	{name: "resend-edit", keys: []string{"2", "up", "up", "up", "up", "enter", "E"}},
}

// playing makes the console's server play the named profile.
func playing(name string) func(*testing.T, *testDeps) {
	return func(_ *testing.T, td *testDeps) { td.profile = name }
}

// effectsEvent is Entra deleting a user the thinglink profile keeps, inactive.
func effectsEvent() scimEvent {
	ev := newEvent(8, "DELETE", "/scim/v2/Users/"+aliceID, 204, "Entra deleted user alice@example.com (hard delete)")
	ev.IdP, ev.UserAgent, ev.Step, ev.Subject = exchange.Entra, "", exchange.StepDeleteUser, "alice@example.com"
	ev.ResourceType, ev.ResourceID, ev.Profile = "User", aliceID, "thinglink"
	ev.Effects = []exchange.Effect{{Kind: exchange.EffectKeptInactive}}
	return ev
}

// urlChanged is a run whose tunnel came up on another URL than last time.
func urlChanged(_ *testing.T, td *testDeps) {
	td.warning = tunnel.URLChangedWarning("https://old-name.ngrok-free.app", "https://scimlab-demo.ngrok-free.app")
}

// entraQuiet is a run where Entra has said nothing for a while.
func entraQuiet(_ *testing.T, td *testDeps) { td.hints = []exchange.Hint{entraCycleHint} }

var entraCycleHint = exchange.Hint{Cause: idp.HintEntraCycle, Severity: exchange.SeverityInfo,
	Text: "Entra has been quiet for 12 minutes. Entra provisions in cycles of ~40 minutes: use Provision on demand (Provisioning → Provision on demand) to send one user or group now, or Start provisioning on the Overview page if it is stopped."}

// failedTunnel is an ngrok tunnel waiting out its back-off: the next attempt
// is 12 s after the pinned clock.
var failedTunnel = tunnel.Status{State: tunnel.Failed, Mode: tunnel.ModeNgrok, PublicURL: "https://scimlab-demo.ngrok-free.app",
	Reason: "the connection to ngrok was lost", Hint: "Check this machine's internet connection.", Attempt: 3,
	RetryIn: 16 * time.Second, RetryAt: t0.Add(5*time.Minute + 12*time.Second)}

// TestGolden pins every screen at 80x24 and 200x50. The files hold the text
// without colour; TestStyles checks the colours separately. Regenerate with
// go test ./tui -run TestGolden -update and review the diff.
func TestGolden(t *testing.T) {
	for _, sz := range [][2]int{{80, 24}, {200, 50}} {
		for _, sc := range screens {
			t.Run(fmt.Sprintf("%s_%dx%d", sc.name, sz[0], sz[1]), func(t *testing.T) {
				td := newTestDeps(sampleEvents())
				if sc.setup != nil {
					sc.setup(t, td)
				}
				m := newTestModel(t, td, sz[0], sz[1])
				for _, k := range sc.keys {
					switch k {
					case "!event":
						m = send(t, m, eventsMsg{newEvent(8, "POST", "/scim/v2/Groups", 201, "Okta pushed group Engineering")})
					case "!tunnel-failed":
						m = send(t, m, tunnelMsg(failedTunnel))
					case "!effects":
						td.reader.add(effectsEvent())
						m = send(t, m, eventsMsg{effectsEvent()})
					case "!clock":
						m = send(t, m, clockMsg(t0.Add(5*time.Minute)))
					case "!tunnel-off":
						m = send(t, m, tunnelMsg(tunnel.Status{State: tunnel.Off, Mode: tunnel.ModeLocalOnly, Reason: tunnel.ReasonNoToken, Hint: tunnel.EnableHint}))
					default:
						m = press(t, m, k)
					}
				}
				view := m.View().Content
				assertFrame(t, view, sz[0], sz[1])
				golden.RequireEqual(t, ansi.Strip(view))
			})
		}
	}
}

// newEvent is a request event after the sample rehearsal.
func newEvent(seq int64, method, path string, status int, summary string) scimEvent {
	return scimEvent{Record: exchange.Record{
		Seq: seq, Time: t0.Add(time.Duration(seq) * 40 * time.Second), Method: method, Path: path, Status: status,
		Duration: 2 * time.Millisecond, Auth: exchange.AuthOK, UserAgent: "Okta SCIM Client 1.0.0",
		Annotation: exchange.Annotation{IdP: exchange.Okta, Summary: summary},
	}}
}

// assertFrame checks the view is exactly w×h cells: nothing wraps or spills
// past the edge, whatever the content.
func assertFrame(t *testing.T, view string, w, h int) {
	t.Helper()
	lines := splitLines(view)
	if len(lines) != h {
		t.Fatalf("view has %d lines, want %d", len(lines), h)
	}
	for i, l := range lines {
		if got := ansi.StringWidth(l); got != w {
			t.Fatalf("line %d is %d cells wide, want %d: %q", i, got, w, ansi.Strip(l))
		}
	}
}
