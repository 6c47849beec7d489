package tui

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/scimlab/scimlab/exchange"
)

func TestProfileSwitchAsksFirst(t *testing.T) {
	td := newTestDeps(sampleEvents())
	m := newTestModel(t, td, 120, 40)
	m = press(t, m, "p", "down")
	if !m.tabs[m.active].typing() {
		t.Fatal("the picker must take the keys while open")
	}
	m = press(t, m, "enter")
	if m.dialog == nil || !strings.Contains(m.dialog.title, "ThingLink") {
		t.Fatalf("no confirmation: %+v", m.dialog)
	}
	if td.currentProfile().Name != "generic" {
		t.Fatal("switched before the confirmation")
	}
	m = press(t, m, "n")
	if td.currentProfile().Name != "generic" || m.dialog != nil {
		t.Fatal("n must cancel")
	}
	m = press(t, m, "p", "down", "enter", "y")
	if td.currentProfile().Name != "thinglink" {
		t.Fatalf("profile %q after y", td.currentProfile().Name)
	}
	if top := ansi.Strip(strings.Split(m.View().Content, "\n")[0]); !strings.Contains(top, "thinglink · tolerant") {
		t.Errorf("header %q does not name the new profile", top)
	}
	if !strings.Contains(m.toast.text, "Now playing ThingLink") {
		t.Errorf("toast %q", m.toast.text)
	}
	// Choosing the profile already played asks nothing.
	m = press(t, m, "p", "enter")
	if m.dialog != nil {
		t.Error("re-choosing the current profile asked for a switch")
	}
}

func TestGroupTabUsesTheAppsWord(t *testing.T) {
	td := newTestDeps(sampleEvents())
	td.profile = "tiled"
	m := newTestModel(t, td, 120, 40)
	view := ansi.Strip(m.View().Content)
	if !strings.Contains(view, "4 Libraries") {
		t.Errorf("tab bar: %s", strings.Split(view, "\n")[0])
	}
	td.profile = "generic"
	m = send(t, m, profileSetMsg{name: "generic"})
	if view := ansi.Strip(m.View().Content); !strings.Contains(view, "4 Groups") {
		t.Errorf("after switching back: %s", strings.Split(view, "\n")[0])
	}
}

// App-side actions ask first, call the lab with what is selected, and are not offered
// on tombstones or independent accounts.
func TestAppSideActions(t *testing.T) {
	td := newTestDeps(sampleEvents())
	m := newTestModel(t, td, 200, 50)
	m = press(t, m, "3", "d") // alice, inactive: reactivate
	if m.dialog == nil || !strings.Contains(m.dialog.title, "Reactivate alice@example.com") {
		t.Fatalf("dialog %+v", m.dialog)
	}
	m = press(t, m, "y")
	m = press(t, m, "down", "d", "y") // bob, active: deactivate
	m = press(t, m, "D", "y")         // delete bob
	m = press(t, m, "down", "d")      // carol is a tombstone
	if m.dialog != nil {
		t.Errorf("a tombstone offered an action: %+v", m.dialog)
	}
	m = press(t, m, "D", "down", "D") // dana is an independent account
	if m.dialog != nil {
		t.Errorf("an independent account offered an action: %+v", m.dialog)
	}
	m = press(t, m, "4", "D", "y")
	want := []string{"active " + aliceID + " true", "active " + bobID + " false", "delete User " + bobID, "delete Group " + salesID}
	if got := td.lab.done(); !slices.Equal(got, want) {
		t.Errorf("lab calls %q, want %q", got, want)
	}
	td.lab.failed = errors.New("disk full")
	m = press(t, m, "D", "y")
	if !m.toast.bad || !strings.Contains(m.toast.text, "disk full") {
		t.Errorf("a failure must be told: %+v", m.toast)
	}
}

func TestSeedAndReset(t *testing.T) {
	td := newTestDeps(sampleEvents())
	m := newTestModel(t, td, 200, 50)
	m = press(t, m, "S")
	for _, r := range "class.csv" {
		m = press(t, m, string(r))
	}
	m = press(t, m, "enter")
	if !strings.Contains(m.toast.text, "Seeded 2 users") {
		t.Errorf("toast %q", m.toast.text)
	}
	m = press(t, m, "X")
	if m.dialog == nil || !strings.Contains(m.dialog.body, "token and the profile (generic) stay") {
		t.Fatalf("dialog %+v", m.dialog)
	}
	m = press(t, m, "y")
	if got := td.lab.done(); !slices.Equal(got, []string{"seed class.csv", "reset"}) {
		t.Errorf("lab calls %q", got)
	}
	if len(m.reqs.rows) != 0 {
		t.Errorf("%d request rows left after the reset", len(m.reqs.rows))
	}
	// Numbering goes on: the next request is shown.
	m = send(t, m, eventsMsg{newEvent(8, "GET", "/scim/v2/Users", 200, "Okta tested the API credentials: passed")})
	if len(m.reqs.rows) != 1 || m.reqs.rows[0].Seq != 8 {
		t.Errorf("rows after the reset: %+v", m.reqs.rows)
	}
}

// The inspector and the list badge what the profile did, from the typed effects.
func TestEffectsShown(t *testing.T) {
	td := newTestDeps(sampleEvents())
	td.profile = "thinglink"
	m := newTestModel(t, td, 200, 50)
	ev := effectsEvent()
	td.reader.add(ev)
	m = send(t, m, eventsMsg{ev})
	m = press(t, m, "2")
	view := ansi.Strip(m.View().Content)
	if !strings.Contains(view, "kept inactive") {
		t.Errorf("list without the effect badge:\n%s", view)
	}
	m = press(t, m, "enter")
	view = ansi.Strip(m.View().Content)
	for _, want := range []string{"What the app did — profile thinglink", "the app kept the user, inactive, instead of deleting it"} {
		if !strings.Contains(view, want) {
			t.Errorf("inspector lacks %q", want)
		}
	}
	// A request without effects has no such section.
	m = press(t, m, "[")
	if strings.Contains(ansi.Strip(m.View().Content), "What the app did") {
		t.Error("a request without effects shows the section")
	}
	// The search finds requests by their effect's badge.
	m = press(t, m, "esc", "/")
	for _, r := range "kept inactive" {
		m = press(t, m, string(r))
	}
	m = press(t, m, "enter")
	if len(m.reqs.vis) != 1 || m.reqs.rows[m.reqs.vis[0]].Seq != 8 {
		t.Errorf("search by effect matched %d rows", len(m.reqs.vis))
	}
	_ = exchange.EffectKeptInactive
}

func TestOktaBoxFollowsTheProfile(t *testing.T) {
	td := newTestDeps(sampleEvents())
	td.profiles = append(td.profiles, ProfileInfo{Name: "toplyne", Title: "Toplyne", UniqueIdentifier: "email", TokenHeader: "Authorization", GroupsEnabled: false})
	td.profile = "toplyne"
	m := newTestModel(t, td, 200, 50)
	view := ansi.Strip(m.View().Content)
	if !strings.Contains(view, "Unique identifier field        email") {
		t.Errorf("the Okta box must ask for email:\n%s", view)
	}
	m = press(t, m, "4")
	if view := ansi.Strip(m.View().Content); !strings.Contains(view, "the app has no groups") {
		t.Errorf("groups tab of an app without groups:\n%s", view)
	}
}
