package tui

import (
	"slices"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/scimlab/scimlab/exchange"
	"github.com/scimlab/scimlab/idp"
	"github.com/scimlab/scimlab/tunnel"
)

var sizes = [][2]int{{80, 24}, {200, 50}}

// lineWith returns the number of the first screen line containing s, or -1.
func lineWith(m Model, s string) int {
	for i, l := range splitLines(text(m)) {
		if strings.Contains(l, s) {
			return i
		}
	}
	return -1
}

func TestChangedURLIsWarnedOnEveryTab(t *testing.T) {
	for _, sz := range sizes {
		td := newTestDeps(sampleEvents())
		m := newTestModel(t, td, sz[0], sz[1])
		mustHide(t, m, "URL changed", "still point at the old URL")
		rowsBefore := m.reqs.listRows()

		// main notes a new tunnel URL before it passes the status on.
		td.warning = tunnel.URLChangedWarning("https://old-name.ngrok-free.app", "https://scimlab-demo.ngrok-free.app")
		m = send(t, m, tunnelMsg(tunnel.Status{State: tunnel.Online, Mode: tunnel.ModeNgrok, PublicURL: "https://scimlab-demo.ngrok-free.app", Since: t0}))
		assertFrame(t, m.View().Content, sz[0], sz[1])
		mustShow(t, m, "⚠ The public URL changed: it was https://old-name.ngrok-free.app")
		screen := strings.Join(strings.Fields(text(m)), " ")
		for _, want := range []string{"Okta/Entra still point at the old URL", "to https://scimlab-demo.ngrok-free.app/scim/v2", "SCIM connector base URL", "Tenant URL"} {
			if !strings.Contains(screen, want) {
				t.Fatalf("%dx%d: the Connection tab does not show %q:\n%s", sz[0], sz[1], want, text(m))
			}
		}
		if w, u := lineWith(m, "The public URL changed"), lineWith(m, "SCIM base URL"); w < 0 || w > u {
			t.Fatalf("%dx%d: the warning is on line %d, after the URL on line %d", sz[0], sz[1], w, u)
		}
		mustHide(t, m, "(1 Connection)", "1 Connection shows the new one")

		for _, tab := range []string{"2", "3", "4", "5"} {
			m = press(t, m, tab)
			assertFrame(t, m.View().Content, sz[0], sz[1])
			if got := lineWith(m, "Okta/Entra still point at the old URL"); got != headerLines {
				t.Fatalf("%dx%d tab %s: the banner is on line %d, want %d:\n%s", sz[0], sz[1], tab, got, headerLines, text(m))
			}
		}
		m = press(t, m, "2")
		if got := m.reqs.listRows(); got != rowsBefore-1 {
			t.Fatalf("%dx%d: the request list has %d rows under the banner, want %d", sz[0], sz[1], got, rowsBefore-1)
		}
		// A click lands on the row drawn under it, below the taller header:
		// banner, filter bar, column header and the "start of the log" line.
		m = send(t, m, tea.MouseClickMsg{X: 10, Y: headerLines + 1 + 4, Button: tea.MouseLeft})
		if m.reqs.sel != 2 {
			t.Fatalf("%dx%d: a click on the second row selected #%d", sz[0], sz[1], m.reqs.sel)
		}
	}
}

func TestNoURLWarningWithoutTheDependency(t *testing.T) {
	td := newTestDeps(sampleEvents())
	td.warning = "The public URL changed: it was a and is now b."
	d := td.deps()
	d.URLWarning = nil
	m := New(d)
	m = send(t, m, tea.WindowSizeMsg{Width: 80, Height: 24})
	m = send(t, m, tunnelMsg(tunnel.Status{State: tunnel.Online}))
	mustHide(t, m, "URL changed")
	m = press(t, m, "2")
	mustHide(t, m, "URL changed")
}

func TestTunnelRetryIsOfferedOnlyWhileTheTunnelIsDown(t *testing.T) {
	for _, sz := range sizes {
		td := newTestDeps(sampleEvents())
		m := newTestModel(t, td, sz[0], sz[1])
		m = press(t, m, "r")
		if td.retries != 0 {
			t.Fatal("r retried an online tunnel")
		}
		mustHide(t, m, "retry tunnel now", "tries again now")

		m = send(t, m, tunnelMsg(failedTunnel))
		assertFrame(t, m.View().Content, sz[0], sz[1])
		mustShow(t, m, "✘ tunnel failed", "the connection to ngrok was lost", "next attempt in 12s (at 09:32:05)", "r tries again now", "r retry tunnel now")
		m = press(t, m, "r")
		if td.retries != 1 {
			t.Fatalf("r on a failed tunnel retried %d times, want once", td.retries)
		}
		mustShow(t, m, "Trying the tunnel again now")

		m = send(t, m, tunnelMsg(tunnel.Status{State: tunnel.Reconnecting, Mode: tunnel.ModeNgrok, Attempt: 4, Reason: "the connection to ngrok was lost"}))
		mustShow(t, m, "◌ reconnecting", "r tries again now")
		mustHide(t, m, "next attempt in")
		m = press(t, m, "r")
		if td.retries != 2 {
			t.Fatalf("r while reconnecting: %d retries, want 2", td.retries)
		}
		mustShow(t, m, "if it fails, the next one starts at once")

		// A permanent failure plans no attempt: only the key brings one.
		m = send(t, m, tunnelMsg(tunnel.Status{State: tunnel.Failed, Mode: tunnel.ModeNgrok, Reason: "the ngrok auth token is not valid"}))
		mustShow(t, m, "r tries again now")
		mustHide(t, m, "next attempt in")

		// Other tabs keep r for themselves.
		m = press(t, m, "2", "r")
		if td.retries != 2 {
			t.Fatal("r on the Requests tab retried the tunnel")
		}

		m = press(t, m, "1")
		m = send(t, m, tunnelMsg(tunnel.Status{State: tunnel.Off, Mode: tunnel.ModeLocalOnly, Reason: "--no-tunnel"}))
		m = press(t, m, "r")
		if td.retries != 2 {
			t.Fatal("r retried a tunnel that is off")
		}
		mustHide(t, m, "tries again now", "retry tunnel now")
	}
}

func TestTunnelRetryIsHiddenWithoutTheDependency(t *testing.T) {
	td := newTestDeps(sampleEvents())
	d := td.deps()
	d.RetryTunnel = nil
	m := New(d)
	m.sh.now = func() time.Time { return t0.Add(5 * time.Minute) }
	m = send(t, m, tea.WindowSizeMsg{Width: 200, Height: 50})
	m = send(t, m, tunnelMsg(failedTunnel))
	mustShow(t, m, "next attempt in 12s")
	mustHide(t, m, "tries again now", "retry tunnel now")
	m = press(t, m, "r")
	mustHide(t, m, "Trying the tunnel again")
}

func TestRetryCountdownTicksDownAndStops(t *testing.T) {
	td := newTestDeps(sampleEvents())
	m := newTestModel(t, td, 200, 50)
	now := t0.Add(5 * time.Minute)
	m.sh.now = func() time.Time { return now }
	st := failedTunnel
	st.RetryAt = now.Add(2 * time.Second)
	m = send(t, m, tunnelMsg(st))
	mustShow(t, m, "next attempt in 2s")
	gen := m.sh.countdownGen

	now = now.Add(1500 * time.Millisecond)
	next, cmd := m.Update(retryCountdownMsg{gen: gen})
	m = next.(Model)
	if cmd == nil {
		t.Fatal("the countdown stopped with half a second to go")
	}
	mustShow(t, m, "next attempt in 1s")

	// A tick of an earlier status does not start a second countdown.
	if _, cmd := m.Update(retryCountdownMsg{gen: gen - 1}); cmd != nil {
		t.Fatal("a stale countdown tick kept ticking")
	}

	now = now.Add(time.Second)
	next, cmd = m.Update(retryCountdownMsg{gen: gen})
	m = next.(Model)
	if cmd != nil {
		t.Fatal("the countdown kept ticking after the attempt was due")
	}
	mustShow(t, m, "trying again…")
}

func TestPendingHintsArePolledOnTheClockTick(t *testing.T) {
	for _, sz := range sizes {
		td := newTestDeps(sampleEvents())
		td.hints = []exchange.Hint{entraCycleHint}
		m := newTestModel(t, td, sz[0], sz[1])
		m = press(t, m, "5")
		mustHide(t, m, "Provision on demand")
		rows := m.reqs.listRows()

		tick := t0.Add(4 * time.Minute)
		m = send(t, m, clockMsg(tick))
		if !slices.Contains(td.askedAt, tick) {
			t.Fatalf("Pending was asked about %v, want the tick's time %v", td.askedAt, tick)
		}
		assertFrame(t, m.View().Content, sz[0], sz[1])
		mustShow(t, m, "› Entra has been quiet for 12 minutes.", "Provision on demand")

		m = press(t, m, "2")
		assertFrame(t, m.View().Content, sz[0], sz[1])
		mustShow(t, m, "── Hints", "Entra has been quiet for 12 minutes")
		if m.reqs.listRows() >= rows {
			t.Fatalf("%dx%d: the list kept %d rows beside the hints", sz[0], sz[1], m.reqs.listRows())
		}

		// Traffic disproves "quiet": the hints are asked for again at once,
		// but a flood does not ask on every burst.
		td.hints = nil
		asked := len(td.askedAt)
		m = send(t, m, events(8, 8))
		if len(td.askedAt) != asked+1 {
			t.Fatalf("traffic while hints were shown asked %d times, want once", len(td.askedAt)-asked)
		}
		mustHide(t, m, "── Hints", "quiet for")
		if m.reqs.listRows() != rows {
			t.Fatalf("the list has %d rows once the hints are gone, want %d", m.reqs.listRows(), rows)
		}
		td.hints = []exchange.Hint{entraCycleHint}
		m = send(t, m, clockMsg(t0))
		m = send(t, m, events(9, 9))
		m = send(t, m, events(10, 10))
		if n := len(td.askedAt); n != asked+3 {
			t.Fatalf("two bursts in a row asked %d times, want once", n-asked-2)
		}
	}
}

func TestHintsThatDoNotFitPointToTheWalkthrough(t *testing.T) {
	td := newTestDeps(sampleEvents())
	okta := exchange.Hint{Cause: idp.HintOktaAssignments, Severity: exchange.SeverityWarn,
		Text: "Okta's connection test passed 4 minutes ago but Okta has provisioned nobody yet. Okta: check Assignments of the SCIM app, not only the SSO app, and that Provisioning → To App has Create Users enabled. People assigned before provisioning was turned on are pushed only after a forced sync (for instance by unassigning and re-assigning them)."}
	td.hints = []exchange.Hint{okta, entraCycleHint}
	m := newTestModel(t, td, 80, 24)
	m = send(t, m, clockMsg(t0))
	m = press(t, m, "2")
	assertFrame(t, m.View().Content, 80, 24)
	mustShow(t, m, "⚠ Okta's connection test passed", "… the full advice is on 5 Walkthrough")
	m = press(t, m, "5")
	screen := strings.Join(strings.Fields(text(m)), " ")
	if !strings.Contains(screen, "check Assignments of the SCIM app, not only the SSO app") {
		t.Fatalf("the Walkthrough tab does not give Okta's advice:\n%s", text(m))
	}
}

func TestStalePendingAnswerIsIgnored(t *testing.T) {
	td := newTestDeps(sampleEvents())
	m := newTestModel(t, td, 80, 24)
	m = send(t, m, clockMsg(t0.Add(2*time.Minute)))
	m = send(t, m, pendingMsg{at: t0.Add(time.Minute), hints: []exchange.Hint{entraCycleHint}})
	m = press(t, m, "5")
	mustHide(t, m, "quiet for")
}

func TestNoPendingDependencyAsksNothing(t *testing.T) {
	td := newTestDeps(sampleEvents())
	d := td.deps()
	d.Pending = nil
	m := New(d)
	m = send(t, m, tea.WindowSizeMsg{Width: 80, Height: 24})
	m = send(t, m, clockMsg(t0))
	m = send(t, m, events(8, 8))
	mustShow(t, m, "8 requests")
	if len(td.askedAt) != 0 {
		t.Fatal("Pending was asked for although it is nil")
	}
}

func TestPresenterShowsPendingHints(t *testing.T) {
	td := newTestDeps(sampleEvents())
	td.hints = []exchange.Hint{entraCycleHint}
	m := newTestModel(t, td, 200, 50)
	m = send(t, m, clockMsg(t0))
	m = press(t, m, "5", "p")
	assertFrame(t, m.View().Content, 200, 50)
	mustShow(t, m, "STEP 2 OF 10", "Entra has been quiet for 12 minutes", "What just happened")
	if lineWith(m, "quiet for") > lineWith(m, "What just happened") {
		t.Fatal("the hint is drawn under the narration")
	}
}

func TestWalkthroughRestartAsksFirst(t *testing.T) {
	for _, sz := range sizes {
		td := newTestDeps(sampleEvents())
		m := newTestModel(t, td, sz[0], sz[1])
		m = press(t, m, "5")
		mustShow(t, m, "Microsoft Entra ID walkthrough · 4 of 10 done")
		m = press(t, m, "R")
		assertFrame(t, m.View().Content, sz[0], sz[1])
		mustShow(t, m, "Restart the Microsoft Entra ID walkthrough?", "y restart")
		m = press(t, m, "n")
		if len(td.resetIdP) != 0 {
			t.Fatal("n restarted the walkthrough")
		}
		mustShow(t, m, "4 of 10 done")

		m = press(t, m, "R", "y")
		if !slices.Equal(td.resetIdP, []exchange.IdP{exchange.Entra}) {
			t.Fatalf("restarted %v, want Entra's walkthrough", td.resetIdP)
		}
		mustShow(t, m, "Microsoft Entra ID walkthrough · 0 of 10 done", "starts afresh")
		if m.walk.sel != 0 {
			t.Fatalf("after a restart step %d is selected, want the first", m.walk.sel+1)
		}
		// The story of the old rehearsal goes, and the Entra view never told Okta's.
		if sz[0] >= wideWidth {
			mustShow(t, m, "Waiting for the first request from Microsoft Entra ID")
		}
		mustHide(t, m, "Entra deactivated alice@example.com", "Okta created user alice@example.com")

		// Okta's checklist is untouched.
		m = press(t, m, "o")
		mustShow(t, m, "Okta walkthrough · 4 of 10 done")
	}
}

func TestWalkthroughRestartIsHiddenWithoutTheDependency(t *testing.T) {
	td := newTestDeps(sampleEvents())
	d := td.deps()
	d.ResetWalkthrough = nil
	m := New(d)
	m = send(t, m, tea.WindowSizeMsg{Width: 200, Height: 50})
	m = send(t, m, subscribedMsg{cancel: func() {}})
	m = press(t, m, "5", "R")
	if m.dialog != nil {
		t.Fatal("R opened a dialog with nothing to restart")
	}
	mustHide(t, m, "restart the walkthrough")
}

func TestNoticesNeverSpillAtOddSizes(t *testing.T) {
	td := newTestDeps(sampleEvents())
	td.warning = tunnel.URLChangedWarning("https://old-name.ngrok-free.app", "https://scimlab-demo.ngrok-free.app")
	td.hints = []exchange.Hint{entraCycleHint, entraCycleHint}
	m := newTestModel(t, td, 80, 24)
	m = send(t, m, tunnelMsg(failedTunnel))
	m = send(t, m, clockMsg(t0))
	keys := [][]string{{"1"}, {"2"}, {"2", "enter"}, {"5"}, {"5", "p"}, {"5", "R"}, {"?"}}
	for _, sz := range [][2]int{{40, 10}, {41, 11}, {60, 15}, {79, 23}, {100, 30}, {140, 40}, {200, 12}} {
		for _, ks := range keys {
			m.reqs.open, m.walk.presenter, m.dialog, m.showHelp = false, false, nil, false
			m2 := send(t, m, tea.WindowSizeMsg{Width: sz[0], Height: sz[1]})
			m2 = press(t, m2, ks...)
			assertFrame(t, m2.View().Content, sz[0], sz[1])
		}
	}
}
