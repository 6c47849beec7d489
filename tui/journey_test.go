package tui

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest/v2"
)

// waitScreen waits until the program has written every want (escape sequences
// stripped) to its terminal.
func waitScreen(t *testing.T, tm *teatest.TestModel, wants ...string) {
	t.Helper()
	waitOut(t, tm, nil, wants)
}

// waitOut waits for exact byte sequences (raw, e.g. an OSC 52 clipboard write)
// and for text (plain) in what the program writes from now on. Reading
// consumes the output, so one wait must name everything a step produces.
func waitOut(t *testing.T, tm *teatest.TestModel, raw, plain []string) {
	t.Helper()
	var seen bytes.Buffer
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool {
		seen.Write(b)
		out := seen.String()
		for _, w := range raw {
			if !strings.Contains(out, w) {
				return false
			}
		}
		stripped := ansi.Strip(out)
		for _, w := range plain {
			if !strings.Contains(stripped, w) {
				return false
			}
		}
		return true
	}, teatest.WithDuration(5*time.Second), teatest.WithCheckInterval(20*time.Millisecond))
}

// TestJourney drives the real program as a user would: read the connection
// panel, reveal and copy the token, watch a request arrive, filter, open it,
// quit. Events come through the subscription channel, as from the server.
func TestJourney(t *testing.T) {
	for _, sz := range [][2]int{{80, 24}, {200, 50}} {
		t.Run(fmt.Sprintf("%dx%d", sz[0], sz[1]), func(t *testing.T) {
			td := newTestDeps(sampleEvents())
			m := New(td.deps())
			m.sh.now = func() time.Time { return t0.Add(5 * time.Minute) }
			tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(sz[0], sz[1]))

			waitScreen(t, tm, "SCIM base URL", "Tenant URL", "Secret Token", "••••••••••••wxyz")
			tm.Send(keyPress("v"))
			waitScreen(t, tm, "0123456789")
			tm.Send(keyPress("t"))
			waitOut(t, tm, []string{ansi.SetSystemClipboard(testTok)}, []string{"Sent the bearer token to the terminal's"})

			tm.Send(keyPress("2"))
			waitScreen(t, tm, "following new requests")
			e := newEvent(8, "POST", "/scim/v2/Users", 201, "Okta created user bob@example.com")
			td.reader.add(e)
			td.events <- e
			waitScreen(t, tm, "Okta created user bob@exam")

			tm.Send(keyPress("/"))
			tm.Type("user bob")
			tm.Send(keyPress("enter"))
			waitScreen(t, tm, "filter “user bob”")
			tm.Send(keyPress("enter"))
			waitScreen(t, tm, "prev/next")
			tm.Send(keyPress("G")) // scroll the inspector to the response

			tm.Send(keyPress("q"))
			tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
			final := tm.FinalModel(t).(Model)
			if final.active != tabRequests || !final.reqs.open || final.reqs.sel != 8 || final.reqs.filter.text != "user bob" || len(final.reqs.vis) != 1 {
				t.Fatalf("final state: tab %d open=%v sel=#%d filter=%q", final.active, final.reqs.open, final.reqs.sel, final.reqs.filter.text)
			}
			screen := ansi.Strip(final.View().Content)
			for _, want := range []string{"POST /scim/v2/Users", "Response · 201 Created", `"userName": "alice@example.com"`} {
				if !strings.Contains(screen, want) {
					t.Fatalf("final screen lacks %q:\n%s", want, screen)
				}
			}
			assertFrame(t, final.View().Content, sz[0], sz[1])
		})
	}
}

// TestJourneyWalkthroughAndResize switches to the walkthrough, opens the
// presenter, resizes the terminal twice and quits with ctrl+c.
func TestJourneyWalkthroughAndResize(t *testing.T) {
	td := newTestDeps(sampleEvents())
	m := New(td.deps())
	m.sh.now = func() time.Time { return t0.Add(5 * time.Minute) }
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(200, 50))
	waitScreen(t, tm, "SCIM base URL")
	tm.Send(keyPress("5"))
	waitScreen(t, tm, "Microsoft Entra ID walkthrough")
	tm.Send(keyPress("p"))
	waitScreen(t, tm, "STEP 2 OF 10", "What just happened")
	tm.Send(tea.WindowSizeMsg{Width: 80, Height: 24})
	tm.Send(keyPress("p"))
	tm.Send(tea.WindowSizeMsg{Width: 120, Height: 30})
	tm.Send(keyPress("shift+tab"))
	waitScreen(t, tm, "DISPLAY NAME")
	tm.Send(keyPress("ctrl+c"))
	tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
	final := tm.FinalModel(t).(Model)
	if final.active != tabGroups {
		t.Fatalf("shift+tab from the walkthrough went to tab %d, want Groups", final.active)
	}
	assertFrame(t, final.View().Content, 120, 30)
	_, _ = io.Copy(io.Discard, tm.FinalOutput(t))
}
