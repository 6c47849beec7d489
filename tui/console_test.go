package tui

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/scimlab/scimlab/exchange"
	"github.com/scimlab/scimlab/tunnel"
)

// text is the screen without colour.
func text(m Model) string { return ansi.Strip(m.View().Content) }

func mustShow(t *testing.T, m Model, wants ...string) {
	t.Helper()
	screen := text(m)
	for _, w := range wants {
		if !strings.Contains(screen, w) {
			t.Fatalf("screen does not show %q:\n%s", w, screen)
		}
	}
}

func mustHide(t *testing.T, m Model, unwanted ...string) {
	t.Helper()
	screen := text(m)
	for _, u := range unwanted {
		if strings.Contains(screen, u) {
			t.Fatalf("screen shows %q:\n%s", u, screen)
		}
	}
}

// collect runs cmd (and the batches it returns) and gathers the messages,
// without feeding them back to a model.
func collect(cmd tea.Cmd) []tea.Msg {
	if cmd == nil {
		return nil
	}
	msg := runCmd(cmd)
	if b, ok := msg.(tea.BatchMsg); ok {
		var out []tea.Msg
		for _, c := range b {
			out = append(out, collect(c)...)
		}
		return out
	}
	return []tea.Msg{msg}
}

// clipboard returns what a command would put on the clipboard through OSC 52,
// following a copy through the console's report of it.
func clipboard(cmd tea.Cmd) (string, bool) {
	want := reflect.TypeOf(tea.SetClipboard("")())
	for _, m := range collect(cmd) {
		if done, ok := m.(copyDoneMsg); ok {
			if text, ok := clipboard(onCopied(done)); ok {
				return text, true
			}
		}
		if reflect.TypeOf(m) == want {
			return reflect.ValueOf(m).String(), true
		}
	}
	return "", false
}

func events(from, to int64) eventsMsg {
	var evs eventsMsg
	for s := from; s <= to; s++ {
		evs = append(evs, newEvent(s, "GET", "/scim/v2/Users", 200, fmt.Sprintf("request %d", s)))
	}
	return evs
}

func TestFollowPausesWhenScrollingUpAndResumesAtEnd(t *testing.T) {
	td := newTestDeps(sampleEvents())
	m := newTestModel(t, td, 80, 24)
	m = press(t, m, "2")
	if got := m.reqs.sel; got != 7 {
		t.Fatalf("selected #%d at start, want the newest, #7", got)
	}
	m = send(t, m, events(8, 8))
	if got := m.reqs.sel; got != 8 {
		t.Fatalf("following: selected #%d after a new request, want #8", got)
	}
	mustShow(t, m, "● live")

	m = press(t, m, "up")
	m = send(t, m, events(9, 11))
	if got := m.reqs.sel; got != 7 {
		t.Fatalf("paused: selection moved to #%d, want it to stay on #7", got)
	}
	mustShow(t, m, "paused — 3 new", "G/end to follow")

	m = press(t, m, "G")
	if got := m.reqs.sel; got != 11 {
		t.Fatalf("after G selected #%d, want #11", got)
	}
	mustShow(t, m, "● live")
	mustHide(t, m, "paused")

	// Moving back onto the newest row with ↓ also resumes following.
	m = press(t, m, "up", "down")
	if !m.reqs.follow {
		t.Fatal("↓ onto the newest request did not resume following")
	}
}

func TestWindowStaysBoundedUnderAFlood(t *testing.T) {
	td := newTestDeps(sampleEvents())
	m := newTestModel(t, td, 80, 24)
	for from := int64(8); from < 8+3*windowCap; from += 500 {
		m = send(t, m, events(from, from+499))
	}
	last := int64(8 + 3*windowCap - 1)
	if n := len(m.reqs.rows); n > windowCap {
		t.Fatalf("window holds %d rows, want at most %d", n, windowCap)
	}
	if m.reqs.sel != last || m.reqs.rows[len(m.reqs.rows)-1].Seq != last {
		t.Fatalf("newest is #%d, selected #%d; want #%d", m.reqs.rows[len(m.reqs.rows)-1].Seq, m.reqs.sel, last)
	}
	if m.reqs.noOlder {
		t.Fatal("rows fell off the window but the list claims there is nothing older")
	}
	if m.sh.seen != int(last-7) {
		t.Fatalf("seen %d requests, want %d", m.sh.seen, last-7)
	}
}

func TestPausedWindowDetachesAndReloadsTheNewest(t *testing.T) {
	td := newTestDeps(sampleEvents())
	m := newTestModel(t, td, 80, 24)
	m = press(t, m, "2", "up")
	flood := events(8, 8+2*windowCap)
	for _, e := range flood {
		td.reader.add(e)
	}
	m = send(t, m, flood)
	if m.reqs.head {
		t.Fatal("a paused window that overflowed should stop taking new rows")
	}
	if m.reqs.sel != 6 {
		t.Fatalf("paused selection moved to #%d", m.reqs.sel)
	}
	mustShow(t, m, fmt.Sprintf("paused — %s new", thousands(len(flood))))
	m = press(t, m, "end")
	want := flood[len(flood)-1].Seq
	if m.reqs.sel != want || !m.reqs.head || !m.reqs.follow {
		t.Fatalf("after end: selected #%d head=%v follow=%v, want #%d following", m.reqs.sel, m.reqs.head, m.reqs.follow, want)
	}
}

func TestScrollingPastTheTopLoadsOlderHistory(t *testing.T) {
	var evs []exchange.Event
	for s := int64(1); s <= 1000; s++ {
		evs = append(evs, newEvent(s, "GET", "/scim/v2/Users", 200, fmt.Sprintf("request %d", s)))
	}
	td := newTestDeps(evs)
	m := newTestModel(t, td, 80, 24)
	m = press(t, m, "2")
	if first := m.reqs.rows[0].Seq; first != 1000-initialRows+1 {
		t.Fatalf("initial window starts at #%d, want #%d", first, 1000-initialRows+1)
	}
	m = press(t, m, "g")
	if m.reqs.sel != 501 {
		t.Fatalf("g selected #%d, want the oldest loaded, #501", m.reqs.sel)
	}
	m = press(t, m, "up")
	if first := m.reqs.rows[0].Seq; first != 501-pageSize {
		t.Fatalf("after ↑ past the top the window starts at #%d, want #%d", first, 501-pageSize)
	}
	if m.reqs.sel != 500 {
		t.Fatalf("after loading older rows selected #%d, want #500", m.reqs.sel)
	}
	for i := 0; i < 3; i++ {
		m = press(t, m, "g", "up")
	}
	if m.reqs.rows[0].Seq != 1 || !m.reqs.noOlder {
		t.Fatalf("window starts at #%d (noOlder=%v), want the whole log loaded", m.reqs.rows[0].Seq, m.reqs.noOlder)
	}
	mustShow(t, m, "start of the log")
}

func TestDroppedEventsAreReloadedFromTheLog(t *testing.T) {
	td := newTestDeps(sampleEvents())
	m := newTestModel(t, td, 80, 24)
	// The server recorded 8..12 but the console's subscription lost 8..11.
	for _, e := range events(8, 12) {
		td.reader.add(e)
	}
	last := newEvent(12, "GET", "/scim/v2/Users", 200, "request 12")
	last.Dropped = 4
	m = send(t, m, eventsMsg{last})
	var got []int64
	for _, r := range m.reqs.rows {
		got = append(got, r.Seq)
	}
	if fmt.Sprint(got) != "[1 2 3 4 5 6 7 8 9 10 11 12]" {
		t.Fatalf("window after the gap reload: %v", got)
	}
	m = press(t, m, "2")
	mustShow(t, m, "4 events dropped, reloaded from the log")
}

func TestFilters(t *testing.T) {
	td := newTestDeps(sampleEvents())
	m := newTestModel(t, td, 200, 50)
	m = press(t, m, "2")
	visible := func() []int64 {
		var out []int64
		for _, i := range m.reqs.vis {
			out = append(out, m.reqs.rows[i].Seq)
		}
		return out
	}
	cases := []struct {
		keys []string
		want string
	}{
		{[]string{"m"}, "[1 2 5]"},           // GET
		{[]string{"m"}, "[3]"},               // POST
		{[]string{"x", "s"}, "[1 2 3 4 6]"},  // 2xx
		{[]string{"s"}, "[5 7]"},             // 4xx
		{[]string{"x", "r"}, "[1 2 3 5 6]"},  // Users
		{[]string{"r"}, "[4 7]"},             // Groups
		{[]string{"x", "s", "s", "s"}, "[]"}, // 5xx
		{[]string{"s"}, "[5 7]"},             // any error
		{[]string{"x", "/", "a", "l", "i", "c", "e", "enter"}, "[2 3 6]"},
		{[]string{"x", "/", "o", "p", " ", "c", "a", "s", "e", "enter"}, "[4]"}, // quirk badge
		{[]string{"x", "/", "w", "r", "o", "n", "g", " ", "t", "o", "k", "e", "n", "enter"}, "[5]"},
		{[]string{"x"}, "[1 2 3 4 5 6 7]"},
	}
	for _, c := range cases {
		m = press(t, m, c.keys...)
		if got := fmt.Sprint(visible()); got != c.want {
			t.Fatalf("after %v: visible %s, want %s\n%s", c.keys, got, c.want, text(m))
		}
	}
	m = press(t, m, "s", "s", "s")
	mustShow(t, m, "No request in the window matches the filter")
}

func TestSearchTypingDoesNotTriggerGlobalKeys(t *testing.T) {
	td := newTestDeps(sampleEvents())
	m := newTestModel(t, td, 80, 24)
	m = press(t, m, "2", "/", "q", "1", "?")
	if m.active != tabRequests || m.showHelp {
		t.Fatal("keys typed into the search field acted as global keys")
	}
	if got := m.reqs.input.Value(); got != "q1?" {
		t.Fatalf("search field holds %q", got)
	}
	m = press(t, m, "esc")
	if m.reqs.filter.active() || m.reqs.search {
		t.Fatal("esc did not cancel the search")
	}
	m = send(t, m, keyPress("ctrl+c"))
	next, cmd := m.Update(keyPress("ctrl+c"))
	_ = next
	if _, ok := runCmd(cmd).(tea.QuitMsg); !ok {
		t.Fatal("ctrl+c did not quit")
	}
}

func TestInspectorExplainsFailuresHintsAndQuirks(t *testing.T) {
	td := newTestDeps(sampleEvents())
	m := newTestModel(t, td, 80, 40)
	m = press(t, m, "2", "up", "up", "enter")
	mustShow(t, m, "GET /scim/v2/Users", "401 Unauthorized", "✘ Why it failed", "bearer token does not match",
		"Hints", "The token was rotated at 09:20", "Authorization: Bearer [redacted]")

	m = press(t, m, "[")
	mustShow(t, m, "PATCH /scim/v2/Groups/", "Entra removed bob@example.com from Sales", "Quirks this request relied on",
		"Op case", `a PATCH op was capitalised ("Add", "Replace" or "Remove" instead of lower`, "strict: a strict server answers 400 invalidSyntax",
		"remove by value")

	// Request bodies are pretty-printed with colour.
	screen := m.View().Content
	if !strings.Contains(ansi.Strip(screen), `"op": "Replace",`) {
		t.Fatalf("body not pretty-printed:\n%s", ansi.Strip(screen))
	}
	s := m.sh.st
	if !strings.Contains(screen, s.JSONKey.Render(`"op"`)) || !strings.Contains(screen, s.JSONString.Render(`"Replace"`)) {
		t.Fatal("body keys and strings are not coloured")
	}
	m = press(t, m, "esc")
	if m.reqs.open {
		t.Fatal("esc did not close the inspector")
	}
}

func TestStatusIsColouredByClass(t *testing.T) {
	td := newTestDeps(sampleEvents())
	m := newTestModel(t, td, 200, 50)
	m = press(t, m, "2", "g")
	s := m.sh.st
	screen := m.View().Content
	for _, st := range []struct {
		code  string
		style func(string) string
	}{
		{"201", func(x string) string { return s.Status2xx.Render(x) }},
		{"401", func(x string) string { return s.Status4xx.Render(x) }},
		{"404", func(x string) string { return s.Status4xx.Render(x) }},
	} {
		if !strings.Contains(screen, st.style(st.code)) {
			t.Errorf("status %s is not drawn in its class colour", st.code)
		}
	}
	if s.Status2xx.Render("201") == s.Status4xx.Render("201") {
		t.Fatal("2xx and 4xx look the same")
	}
	if !strings.Contains(screen, s.MethodPatch.Render("PATCH ")) {
		t.Error("method not coloured")
	}
}

func TestTokenIsMaskedRevealedAndCopied(t *testing.T) {
	td := newTestDeps(sampleEvents())
	m := newTestModel(t, td, 80, 24)
	mustHide(t, m, testTok)
	mustShow(t, m, "••••••••••••wxyz", "SCIM connector base URL", "API Token / OAuth Bearer Token", "Tenant URL", "Secret Token")

	m = press(t, m, "v")
	mustShow(t, m, testTok)
	m = press(t, m, "v")
	mustHide(t, m, testTok)

	_, cmd := m.Update(keyPress("t"))
	if got, ok := clipboard(cmd); !ok || got != testTok {
		t.Fatalf("t put %q on the clipboard, want the token", got)
	}
	_, cmd = m.Update(keyPress("c"))
	if got, _ := clipboard(cmd); got != "https://scimlab-demo.ngrok-free.app/scim/v2" {
		t.Fatalf("c put %q on the clipboard, want the public SCIM base URL", got)
	}
	td.public = ""
	_, cmd = m.Update(keyPress("c"))
	if got, _ := clipboard(cmd); got != "http://127.0.0.1:8080/scim/v2" {
		t.Fatalf("without a public URL c put %q on the clipboard, want the local one", got)
	}
	m = press(t, m, "t")
	mustShow(t, m, "Sent the bearer token to the terminal's clipboard (OSC 52)")
}

func TestRotateTokenAsksFirst(t *testing.T) {
	td := newTestDeps(sampleEvents())
	m := newTestModel(t, td, 80, 24)
	m = press(t, m, "R")
	mustShow(t, m, "Rotate the bearer token?", "Okta and Entra get 401 Unauthorized", "y rotate now")
	m = press(t, m, "n")
	mustHide(t, m, "Rotate the bearer token?")
	if td.rotated != 0 {
		t.Fatal("n rotated the token")
	}
	m = press(t, m, "R", "q") // q does not quit from a dialog
	if m.dialog == nil {
		t.Fatal("q closed the dialog")
	}
	m = press(t, m, "y")
	if td.rotated != 1 {
		t.Fatalf("rotated %d times, want once", td.rotated)
	}
	mustShow(t, m, "New token active", "the old one stopped working", "••••••••••••abcd")
}

func TestModeToggleAsksFirst(t *testing.T) {
	td := newTestDeps(sampleEvents())
	m := newTestModel(t, td, 80, 24)
	mustShow(t, m, "tolerant")
	m = press(t, m, "s")
	mustShow(t, m, "Switch to strict RFC mode?")
	m = press(t, m, "esc")
	if td.strict {
		t.Fatal("esc switched the mode")
	}
	m = press(t, m, "s", "y")
	if !td.strict {
		t.Fatal("y did not switch to strict mode")
	}
	mustShow(t, m, "strict RFC", "refuses requests that rely on IdP quirks")
	m = press(t, m, "s")
	mustShow(t, m, "Switch to tolerant mode?")
	m = press(t, m, "y")
	if td.strict {
		t.Fatal("did not switch back to tolerant")
	}
	mustShow(t, m, "Tolerant mode: Okta and Entra quirks are accepted")
}

func TestNgrokTokenIsMaskedAndSaved(t *testing.T) {
	td := newTestDeps(sampleEvents())
	m := newTestModel(t, td, 80, 24)
	m = send(t, m, tunnelMsg(tunnel.Status{State: tunnel.Off, Mode: tunnel.ModeLocalOnly, Reason: tunnel.ReasonNoToken, Hint: tunnel.EnableHint}))
	td.public = ""
	mustShow(t, m, "local only", "Okta and Entra need a public HTTPS URL", "n pastes an ngrok token here")
	m = press(t, m, "n", "2", "s", "e", "c", "r", "e", "t")
	mustHide(t, m, "2secret")
	mustShow(t, m, "ngrok authtoken › •••••••")
	if m.active != tabConnection {
		t.Fatal("typing a token switched tabs")
	}
	m = press(t, m, "enter")
	if td.ngrok != "2secret" {
		t.Fatalf("saved %q", td.ngrok)
	}
	mustShow(t, m, "ngrok token saved")
	m = send(t, m, tunnelMsg(tunnel.Status{State: tunnel.Connecting, Mode: tunnel.ModeNgrok}))
	mustShow(t, m, "◌ connecting")
	m = send(t, m, tunnelMsg(tunnel.Status{State: tunnel.Failed, Mode: tunnel.ModeNgrok, Reason: "the ngrok auth token is not valid", Hint: "check the token"}))
	mustShow(t, m, "✘ tunnel failed", "the ngrok auth token is not valid", "check the token")
}

func TestUsersRefreshLiveAndLinkToRequests(t *testing.T) {
	td := newTestDeps(sampleEvents())
	m := newTestModel(t, td, 80, 24)
	m = press(t, m, "3")
	mustShow(t, m, "alice@example.com", "bob@example.com", "4 users")

	td.reader.mu.Lock()
	td.reader.users = append(td.reader.users, ResourceRow{Kind: KindUser, ID: "c0ffee", Name: "cleo@example.com", Active: true, Members: 0})
	td.reader.mu.Unlock()
	m = send(t, m, eventsMsg{newEvent(8, "POST", "/scim/v2/Users", 201, "Okta created user cleo@example.com")})
	mustShow(t, m, "cleo@example.com", "5 users")

	// A read does not cause a reload.
	searches := func() int {
		td.reader.mu.Lock()
		defer td.reader.mu.Unlock()
		n := 0
		for _, c := range td.reader.calls {
			if strings.HasPrefix(c, "search:") {
				n++
			}
		}
		return n
	}
	before := searches()
	m = send(t, m, eventsMsg{newEvent(9, "GET", "/scim/v2/Users", 200, "")})
	if after := searches(); after != before {
		t.Fatalf("a GET reloaded the table (%d reads)", after-before)
	}

	m = press(t, m, "/", "a", "l", "i", "enter")
	m = drive(t, m, func() tea.Msg { return searchDebounceMsg{kind: KindUser, gen: m.users.gen} })
	mustShow(t, m, "alice@example.com")
	mustHide(t, m, "bob@example.com")

	m = press(t, m, "enter")
	mustShow(t, m, "Alice Example", "Groups 1", "History 2", "Sales")
	m = press(t, m, "right")
	mustShow(t, m, "Entra deactivated alice@example.com", "Okta created user alice@example.com")
	m = press(t, m, "down", "enter")
	if m.active != tabRequests || !m.reqs.open || m.reqs.sel != 3 {
		t.Fatalf("history enter: tab %d open=%v sel=#%d, want the inspector on #3", m.active, m.reqs.open, m.reqs.sel)
	}
	mustShow(t, m, "POST /scim/v2/Users", "201 Created")
}

func TestMembershipOpensTheOtherTable(t *testing.T) {
	td := newTestDeps(sampleEvents())
	m := newTestModel(t, td, 80, 24)
	m = press(t, m, "3", "enter", "enter")
	if m.active != tabGroups || !m.groups.open || m.groups.det == nil || m.groups.det.id != salesID {
		t.Fatalf("enter on a group membership did not open the group")
	}
	mustShow(t, m, "Sales", "Members 1", "alice@example.com")
	m = press(t, m, "esc")
	mustShow(t, m, "DISPLAY NAME", "Sales", "1 group")
	m = press(t, m, "enter", "enter")
	if m.active != tabUsers || m.users.det.id != aliceID {
		t.Fatal("enter on a member did not open the user")
	}
}

func TestWalkthroughFollowsTheIdPAndPresents(t *testing.T) {
	td := newTestDeps(sampleEvents())
	m := newTestModel(t, td, 200, 50)
	m = press(t, m, "5")
	// The last IdP heard from was Entra.
	mustShow(t, m, "Microsoft Entra ID walkthrough", "Connect provisioning and test it", "Diagnosis")
	m = press(t, m, "o")
	mustShow(t, m, "Okta walkthrough · 4 of 10 done", "Update the user's profile")
	// Entra traffic no longer switches the pinned walkthrough.
	m = send(t, m, eventsMsg{newEntraEvent(8)})
	mustShow(t, m, "Okta walkthrough")
	m = press(t, m, "p")
	// The Okta presenter tells Okta's story only: a class rehearsing Okta must not
	// see Entra's requests narrated under "What just happened".
	mustShow(t, m, "OKTA · STEP 5 OF 10", "What just happened", "Okta created user alice@example.com")
	mustHide(t, m, "Entra created user dave@example.com", "Entra deactivated alice@example.com")
	m = press(t, m, "right")
	mustShow(t, m, "OKTA · STEP 6 OF 10", "P U S H   A   G R O U P")
	m = press(t, m, "e")
	mustShow(t, m, "What just happened", "Entra created user dave@example.com")
	mustHide(t, m, "Okta created user alice@example.com")
	m = press(t, m, "p")
	mustHide(t, m, "What just happened")
}

// Restart promises to clear the walkthrough's narration: everything it told, a refusal
// of unknown origin included, goes; the other IdP's story stays; new traffic is told.
func TestWalkthroughRestartClearsItsNarration(t *testing.T) {
	unknown := newEvent(8, "GET", "/scim/v2/Users", 401, "401: the client sent no Authorization header")
	unknown.IdP, unknown.UserAgent, unknown.Auth = exchange.Unknown, "curl/8.5.0", exchange.AuthMissing
	unknown.Step, unknown.Failed = exchange.StepAuthFailure, true
	td := newTestDeps(append(sampleEvents(), unknown))
	m := newTestModel(t, td, 200, 50)
	m = press(t, m, "5", "o")
	mustShow(t, m, "Okta walkthrough", "Okta created user alice@example.com", "401: the client sent no Authorization header")
	mustHide(t, m, "Entra deactivated alice@example.com")
	m = press(t, m, "R")
	mustShow(t, m, "Restart the Okta walkthrough?")
	m = press(t, m, "y")
	if len(td.resetIdP) != 1 || td.resetIdP[0] != exchange.Okta {
		t.Fatalf("reset %v, want Okta", td.resetIdP)
	}
	mustShow(t, m, "Okta walkthrough · 0 of 10 done", "Waiting for the first request from Okta")
	mustHide(t, m, "Okta created user alice@example.com", "401: the client sent no Authorization header")
	m = send(t, m, eventsMsg{newEvent(9, "GET", "/scim/v2/Users", 200, "Okta test connection: passed")})
	mustShow(t, m, "Okta test connection: passed")
	m = press(t, m, "e")
	mustShow(t, m, "Entra deactivated alice@example.com")
}

func newEntraEvent(seq int64) scimEvent {
	e := newEvent(seq, "POST", "/scim/v2/Users", 201, "Entra created user dave@example.com")
	e.IdP = exchange.Entra
	e.UserAgent = ""
	return e
}

func TestUntrustedTextCannotEscapeTheScreen(t *testing.T) {
	evil := newEvent(8, "GET", "/scim/v2/Users/\x1b[2J\x1b]52;c;aGk=\x07x", 404, "")
	evil.ErrorDetail = "bad \x1b[31mred"
	td := newTestDeps(append(sampleEvents(), evil))
	m := newTestModel(t, td, 200, 50)
	m = press(t, m, "2")
	screen := m.View().Content
	if strings.Contains(screen, "\x1b[2J") || strings.Contains(screen, "\x1b]52") || strings.Contains(screen, "\x1b[31mred") {
		t.Fatal("a request's text reached the terminal as escape sequences")
	}
	mustShow(t, m, "�[2J")
}

func TestTinyAndOddSizesNeverSpill(t *testing.T) {
	td := newTestDeps(sampleEvents())
	m := newTestModel(t, td, 80, 24)
	keys := [][]string{{"1"}, {"2"}, {"2", "enter"}, {"3"}, {"3", "enter"}, {"4"}, {"5"}, {"5", "p"}, {"?"}, {"1", "R"}}
	for _, sz := range [][2]int{{40, 10}, {41, 11}, {60, 15}, {79, 23}, {100, 30}, {139, 40}, {140, 40}, {141, 20}, {250, 70}, {200, 12}} {
		for _, ks := range keys {
			// Tabs are shared between copies of the model, so each case
			// starts by closing what the previous one opened.
			m.reqs.open, m.users.open, m.walk.presenter, m.dialog = false, false, false, nil
			m2 := send(t, m, tea.WindowSizeMsg{Width: sz[0], Height: sz[1]})
			m2 = press(t, m2, ks...)
			assertFrame(t, m2.View().Content, sz[0], sz[1])
		}
	}
	m = send(t, m, tea.WindowSizeMsg{Width: 30, Height: 8})
	mustShow(t, m, "needs at least")
	assertFrame(t, m.View().Content, 30, 8)
}

func TestEventsAreDrainedInOneBurst(t *testing.T) {
	ch := make(chan exchange.Event, 100)
	for _, e := range events(1, 100) {
		ch <- e
	}
	m := New(Deps{})
	m.events = ch
	msg := m.waitEvents()()
	if b, ok := msg.(eventsMsg); !ok || len(b) != 100 {
		t.Fatalf("got %T with %d events, want one burst of 100", msg, len(b))
	}
	close(ch)
	if _, ok := m.waitEvents()().(eventsClosedMsg); !ok {
		t.Fatal("a closed subscription was not reported")
	}
}

func TestABurstDoesNotReadTheSubscriptionAgainAtOnce(t *testing.T) {
	ch := make(chan exchange.Event, 10)
	td := newTestDeps(sampleEvents())
	m := newTestModel(t, td, 80, 24)
	m.events = ch
	_, cmd := m.Update(events(8, 9))
	ch <- newEvent(10, "GET", "/x", 200, "")
	// The command a burst returns waits a frame and then asks to re-arm; it
	// does not read the channel itself.
	for _, msg := range collect(cmd) {
		if _, ok := msg.(eventsMsg); ok {
			t.Fatal("the burst's command read the next events without waiting for a frame")
		}
	}
	if len(ch) != 1 {
		t.Fatal("the event was consumed")
	}
}

func TestViewIsNotRenderedForRearmTicks(t *testing.T) {
	td := newTestDeps(sampleEvents())
	m := newTestModel(t, td, 80, 24)
	_ = m.View()
	before := m.frame.content
	next, _ := m.Update(rearmEventsMsg{})
	if !next.(Model).frame.valid || next.(Model).frame.content != before {
		t.Fatal("a re-arm tick invalidated the cached frame")
	}
	next, _ = m.Update(keyPress("2"))
	if next.(Model).frame.valid {
		t.Fatal("a key press kept a stale frame")
	}
}

func TestCurlCommandHidesTheToken(t *testing.T) {
	d := &exchange.Record{
		Method: "PATCH", Path: "/scim/v2/Users/42", Query: "x=1",
		ReqHeaders: map[string][]string{"Content-Type": {"application/scim+json"}, "Authorization": {"Bearer [redacted]"}},
		ReqBody:    []byte(`{"it's":"quoted"}`),
	}
	got := curlFor("https://x.example/scim/v2", d)
	want := `curl -sS -X PATCH 'https://x.example/scim/v2/Users/42?x=1' -H "Authorization: Bearer $SCIMLAB_TOKEN" -H 'Content-Type: application/scim+json' --data-raw '{"it'\''s":"quoted"}'`
	if got != want {
		t.Fatalf("curl:\n got %s\nwant %s", got, want)
	}
}

func TestRedactAuthorization(t *testing.T) {
	for in, want := range map[string]string{
		"Bearer s3cret":            "Bearer [redacted]",
		"Bearer [redacted]":        "Bearer [redacted]",
		"Basic dXNlcjpwYXNz":       "Basic [redacted]",
		"s3cret":                   "[redacted]",
		"Bearer Bearer s3cret tok": "Bearer [redacted]",
	} {
		if got := redactAuth(in); got != want {
			t.Errorf("redactAuth(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestBackgroundColourPicksStyles(t *testing.T) {
	td := newTestDeps(sampleEvents())
	m := newTestModel(t, td, 80, 24)
	dark := m.View().Content
	m = send(t, m, tea.BackgroundColorMsg{Color: lightColour{}})
	if m.sh.st.Dark {
		t.Fatal("a light background kept the dark styles")
	}
	light := m.View().Content
	if dark == light || ansi.Strip(dark) != ansi.Strip(light) {
		t.Fatal("light styles should change colours only")
	}
}

type lightColour struct{}

func (lightColour) RGBA() (r, g, b, a uint32) { return 0xffff, 0xffff, 0xffff, 0xffff }

func TestLongHeaderValuesWrapUnderTheirName(t *testing.T) {
	s := NewStyles(true)
	h := map[string][]string{"Location": {"http://127.0.0.1:18471/scim/v2/Groups/009136dd-5e89-4c29-8aa6-1e2d6290b1f5"}}
	var got []string
	for _, l := range httpHeaderLines(s, h, 60) {
		got = append(got, ansi.Strip(l))
	}
	want := []string{" Location: ", "     http://127.0.0.1:18471/scim/v2/Groups/009136dd-5e89-4c2", "     9-8aa6-1e2d6290b1f5"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("got %q\nwant %q", got, want)
	}
}

func TestCellWidthAgreesWithANSI(t *testing.T) {
	s := NewStyles(true)
	for _, in := range []string{
		"", "plain", s.Key.Render("x") + " • " + s.Muted.Render("…"), "▌ 09:26:53 GET    200  2.1ms", "日本語", "e\u0301",
		"👩‍💻 dev", "\x1b]52;c;aGk=\x07x", "╭─ Okta ─╮ │ ✔ ✘ ▶ ○ ● ◌ ⏸ ⚑ ⇡", "tab\there", "\x1b[", s.URL.Render("https://x/scim/v2"),
	} {
		if got, want := cellWidth(in), ansi.StringWidth(in); got != want {
			t.Errorf("cellWidth(%q) = %d, ansi.StringWidth = %d", in, got, want)
		}
	}
}

func TestDropsAfterTheLastEventAreFoundInTheLog(t *testing.T) {
	td := newTestDeps(sampleEvents())
	m := newTestModel(t, td, 80, 24)
	// Events 8..20 were recorded but never reached the console, and no later
	// event reports the drop: the only event it gets is one it already has.
	for _, e := range events(8, 20) {
		td.reader.add(e)
	}
	m = send(t, m, eventsMsg{sampleEvents()[4]})
	if last := m.reqs.rows[len(m.reqs.rows)-1].Seq; last != 20 || m.reqs.sel != 20 {
		t.Fatalf("window ends at #%d (selected #%d), want #20 found in the log", last, m.reqs.sel)
	}
}

func TestPaintMatchesRender(t *testing.T) {
	s := NewStyles(true)
	for _, st := range []*lipgloss.Style{&s.Muted, &s.MethodPatch, &s.Status4xx, &s.Text, &s.QuirkText, &s.ColumnHeader, &s.Why} {
		for _, text := range []string{"", "a b  c…", "09:26:53", "⇡/Groups/e9e30dba"} {
			if got, want := s.paint(st, false, false, text), st.Render(text); got != want {
				t.Errorf("paint %q = %q, Render = %q", text, got, want)
			}
			if got, want := s.paint(st, true, true, text), st.Inherit(s.Selected).Render(text); got != want {
				t.Errorf("selected paint %q = %q, Render = %q", text, got, want)
			}
			if got, want := s.paint(st, true, false, text), st.Inherit(s.SelectedDim).Render(text); got != want {
				t.Errorf("unfocused paint %q = %q, Render = %q", text, got, want)
			}
		}
	}
}

func TestMouseSelectsAndScrolls(t *testing.T) {
	td := newTestDeps(sampleEvents())
	m := newTestModel(t, td, 80, 24)
	// Click the tab bar: "2 Reqs" starts after the brand.
	m = send(t, m, tea.MouseClickMsg{X: 20, Y: 0, Button: tea.MouseLeft})
	if m.active != tabRequests {
		t.Fatalf("click on the tab bar went to tab %d", m.active)
	}
	// Rows start on screen line 5: tab bar, status line, filter bar, column
	// header, then the "start of the log" line.
	m = send(t, m, tea.MouseClickMsg{X: 10, Y: 6, Button: tea.MouseLeft})
	if m.reqs.sel != 2 {
		t.Fatalf("click on the second row selected #%d", m.reqs.sel)
	}
	m = send(t, m, tea.MouseWheelMsg{X: 10, Y: 10, Button: tea.MouseWheelDown})
	if m.reqs.sel != 5 {
		t.Fatalf("wheel down selected #%d, want #5", m.reqs.sel)
	}
	m = send(t, m, tea.MouseWheelMsg{X: 10, Y: 10, Button: tea.MouseWheelUp})
	if m.reqs.sel != 2 || m.reqs.follow {
		t.Fatalf("wheel up selected #%d follow=%v", m.reqs.sel, m.reqs.follow)
	}
}

func TestWalkthroughWithoutChecklistStillNarrates(t *testing.T) {
	td := newTestDeps(sampleEvents())
	d := td.deps()
	d.Walkthrough = nil
	m := New(d)
	m.sh.now = func() time.Time { return t0.Add(5 * time.Minute) }
	m = send(t, m, tea.WindowSizeMsg{Width: 80, Height: 24})
	m = send(t, m, subscribedMsg{cancel: func() {}})
	m = press(t, m, "5")
	mustShow(t, m, "guided checklist for Microsoft Entra ID is not available", "Entra deactivated alice@example.com")
	m = press(t, m, "p")
	mustShow(t, m, "MICROSOFT ENTRA ID · LIVE", "What just happened")
}
