package tui

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/scimlab/scimlab/exchange"
	"github.com/scimlab/scimlab/fault"
)

// fakeLabs is three labs, "demo" served, with the calls made.
type fakeLabs struct {
	mu      sync.Mutex
	labs    []LabInfo
	current string
	calls   []string
	fail    error
	// exportGate, when set, holds an export until it is closed.
	exportGate chan struct{}
	// switched, when set, is called with the lab switched to: what the app serves
	// changes with it.
	switched func(name string)
}

func newFakeLabs() *fakeLabs {
	return &fakeLabs{current: "demo", labs: []LabInfo{
		{Name: "default", Path: "/data/scimlab/scimlab.db", Users: 12, Groups: 3, Requests: 1234, Bytes: 2 << 20, LastUsed: t0.Add(-72 * time.Hour)},
		{Name: "demo", Path: "/data/scimlab/labs/demo.db", Profile: "thinglink", Users: 2, Groups: 1, Requests: 7, Bytes: 96 << 10, LastUsed: t0.Add(4 * time.Minute)},
		{Name: "class-2", Path: "/data/scimlab/labs/class-2.db", Users: 0, Requests: 0, Bytes: 88 << 10, LastUsed: t0.Add(-48 * time.Hour),
			ServedBy: "http://127.0.0.1:8081/scim/v2"},
	}}
}

func (f *fakeLabs) called(c string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, c)
}

func (f *fakeLabs) Calls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.calls...)
}

func (f *fakeLabs) Current() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.current
}

func (f *fakeLabs) CurrentPath() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, l := range f.labs {
		if l.Name == f.current {
			return l.Path
		}
	}
	return "/data/scimlab/labs/" + f.current + ".db"
}

func (f *fakeLabs) List(context.Context) ([]LabInfo, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]LabInfo(nil), f.labs...), nil
}

func (f *fakeLabs) Switch(_ context.Context, name string, create bool) (LabSwitched, error) {
	f.called("switch " + name)
	if f.fail != nil {
		return LabSwitched{}, f.fail
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if create {
		f.labs = append(f.labs, LabInfo{Name: name, Path: "/data/scimlab/labs/" + name + ".db"})
	}
	f.current = name
	if f.switched != nil {
		f.switched(name)
	}
	return LabSwitched{Name: name, Created: create, TokenChanged: !create}, nil
}

func (f *fakeLabs) Reset(_ context.Context, name string) (bool, error) {
	f.called("reset " + name)
	return name == f.Current(), f.fail
}

func (f *fakeLabs) Delete(_ context.Context, name string) error {
	f.called("delete " + name)
	if f.fail != nil {
		return f.fail
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for i, l := range f.labs {
		if l.Name == name {
			f.labs = append(f.labs[:i], f.labs[i+1:]...)
			break
		}
	}
	return nil
}

func (f *fakeLabs) Export(_ context.Context, name string, kind ExportKind, path string, progress func(done, total int64)) (ExportResult, error) {
	f.called("export " + kind.String() + " " + name + " " + path)
	progress(3, 10)
	if f.exportGate != nil {
		<-f.exportGate
	}
	progress(10, 10)
	return ExportResult{Path: path, Requests: 7, Users: 2, Groups: 1, Bytes: 4096}, f.fail
}

func (f *fakeLabs) ExportPath(name string, kind ExportKind) string {
	if kind == ExportBundle {
		return "/home/me/" + name + ".scimlab.zip"
	}
	return "/home/me/" + name + ".har"
}

// resend answers a request sent again: 409 for a create, 200 with a changed body
// otherwise.
func (td *testDeps) resend(_ context.Context, recorded, sent *exchange.Record) (*Answer, error) {
	td.mu.Lock()
	td.resent = append(td.resent, sent)
	td.mu.Unlock()
	if sent.Method == http.MethodPost {
		return &Answer{Status: 409, Body: []byte(`{"status":"409","scimType":"uniqueness"}`), Duration: 2 * time.Millisecond,
			Differences: []string{"status: recorded 201, now 409"}}, nil
	}
	return &Answer{Status: recorded.Status, Body: []byte(`{"totalResults":1}`), Duration: time.Millisecond}, nil
}

func labsModel(t *testing.T, td *testDeps) Model {
	t.Helper()
	return press(t, newTestModel(t, td, 120, 30), "7")
}

func TestLabsTabListsAndMarksTheLabServed(t *testing.T) {
	td := newTestDeps(sampleEvents())
	m := labsModel(t, td)
	view := plain(m)
	for _, want := range []string{"Labs  serving demo", "demo ●", "thinglink", "1,234", "2.0 MB", "3d ago", "serving",
		"served at http://127.0.0.1:8081/scim/v2", "3 labs · /data/scimlab", "lab demo · 7 requests logged"} {
		if !strings.Contains(view, want) {
			t.Errorf("the Labs tab lacks %q:\n%s", want, view)
		}
	}
	if m.labs.current().Name != "demo" {
		t.Errorf("the selection starts on %q, want the lab served", m.labs.current().Name)
	}
}

func plain(m Model) string { return ansi.Strip(m.View().Content) }

func (f *fakeReader) callCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.calls)
}

func TestSwitchingLabsStartsTheConsoleOver(t *testing.T) {
	td := newTestDeps(sampleEvents())
	subscribed := 0
	d := td.deps()
	sub := d.Subscribe
	d.Subscribe = func(n int) (<-chan exchange.Event, func()) { subscribed++; return sub(n) }
	m := New(d)
	m.sh.now = func() time.Time { return t0.Add(5 * time.Minute) }
	m = send(t, m, tea.WindowSizeMsg{Width: 120, Height: 30})
	m = drive(t, m, m.Init())
	m = press(t, m, "2", "up", "enter", "7", "down")
	if m.labs.current().Name != "class-2" {
		t.Fatalf("selected %q", m.labs.current().Name)
	}
	m = press(t, m, "enter")
	if m.dialog == nil || !strings.Contains(m.dialog.title, "Switch to the lab class-2?") || !strings.Contains(m.dialog.body, "the lab demo") {
		t.Fatalf("no switch dialog: %+v", m.dialog)
	}
	before := subscribed
	calls := td.reader.callCount()
	m = press(t, m, "y")
	if got := td.labs.Calls(); len(got) != 1 || got[0] != "switch class-2" {
		t.Fatalf("calls %v", got)
	}
	if subscribed != before+1 {
		t.Errorf("subscribed %d times after the switch, want once more", subscribed-before)
	}
	if td.reader.callCount() == calls {
		t.Error("the requests were not read again from the lab switched to")
	}
	if m.active != tabLabs || m.reqs.open || m.switching {
		t.Errorf("after the switch: tab %d, inspector open %v, switching %v", m.active, m.reqs.open, m.switching)
	}
	if !strings.Contains(m.toast.text, "Now serving the lab class-2") || !strings.Contains(m.toast.text, "its token differs") {
		t.Errorf("toast %q", m.toast.text)
	}
	if !strings.Contains(plain(m), "lab class-2 ·") {
		t.Error("the status line does not name the lab switched to")
	}
}

// The lab switched to plays its own profile and fault rules: the tab bar says so.
func TestSwitchingLabsShowsTheirProfileAndFaults(t *testing.T) {
	td := newTestDeps(sampleEvents())
	td.labs.switched = func(string) {
		td.mu.Lock()
		td.profile = "thinglink"
		td.mu.Unlock()
		r, _ := fault.Parse("POST /Users 429 retry-after=30")
		td.faults.Add(r)
	}
	m := newTestModel(t, td, 200, 30)
	if s := plain(m); !strings.Contains(strings.Split(s, "\n")[0], "generic · tolerant") || strings.Contains(s, "6 Faults ↯") {
		t.Fatalf("before the switch:\n%s", s)
	}
	m = press(t, m, "7", "down", "enter", "y")
	top := strings.Split(plain(m), "\n")[0]
	if !strings.Contains(top, "thinglink · tolerant") || !strings.Contains(top, "6 Faults ↯1") {
		t.Errorf("after switching to a lab playing thinglink with a rule on: %q", top)
	}
}

func TestCreatingALab(t *testing.T) {
	td := newTestDeps(sampleEvents())
	m := press(t, labsModel(t, td), "n", "c", "l", "a", "s", "s", "-", "3")
	if !m.tabs[m.active].typing() || !strings.Contains(plain(m), "new lab name › class-3") {
		t.Fatalf("the name prompt:\n%s", plain(m))
	}
	m = press(t, m, "enter")
	if m.dialog == nil || m.dialog.title != "Create the lab class-3?" || !strings.Contains(m.dialog.body, "the token the IdP uses now") {
		t.Fatalf("dialog %+v", m.dialog)
	}
	m = press(t, m, "y")
	if got := td.labs.Calls(); len(got) != 1 || got[0] != "switch class-3" {
		t.Fatalf("calls %v", got)
	}
	if !strings.Contains(m.toast.text, "Created the lab class-3") {
		t.Errorf("toast %q", m.toast.text)
	}
	// esc leaves the prompt without doing anything.
	m = press(t, m, "n", "x", "esc")
	if m.tabs[m.active].typing() || m.dialog != nil || len(td.labs.Calls()) != 1 {
		t.Error("esc did not cancel the prompt")
	}
}

func TestDeleteAndResetAskFirst(t *testing.T) {
	td := newTestDeps(sampleEvents())
	m := labsModel(t, td)
	// The lab served cannot be deleted: D does nothing on it.
	m = press(t, m, "D")
	if m.dialog != nil {
		t.Fatalf("D on the lab served opened %+v", m.dialog)
	}
	m = press(t, m, "up", "D")
	if m.dialog == nil || m.dialog.title != "Delete the lab default?" || !strings.Contains(m.dialog.body, "cannot be undone") {
		t.Fatalf("dialog %+v", m.dialog)
	}
	m = press(t, m, "n")
	if len(td.labs.Calls()) != 0 {
		t.Fatal("n deleted")
	}
	m = press(t, m, "D", "y")
	if got := td.labs.Calls(); len(got) != 1 || got[0] != "delete default" || !strings.Contains(m.toast.text, "The lab default was deleted") {
		t.Fatalf("calls %v, toast %q", got, m.toast.text)
	}
	if strings.Contains(plain(m), "1,234") {
		t.Error("the deleted lab is still listed")
	}
	// Resetting the lab served starts the console over on it.
	m = press(t, m, "home")
	for m.labs.current().Name != "demo" {
		m = press(t, m, "down")
	}
	m = press(t, m, "X")
	if m.dialog == nil || !strings.Contains(m.dialog.body, "2 users, 1 group, 7 requests") || !strings.Contains(m.dialog.body, "token") {
		t.Fatalf("reset dialog %+v", m.dialog)
	}
	m = press(t, m, "y")
	if !strings.Contains(m.toast.text, "The lab demo was reset") {
		t.Errorf("toast %q", m.toast.text)
	}
	td.labs.fail = errors.New("disk full")
	m = press(t, m, "down", "X", "y")
	if !m.toast.bad || !strings.Contains(m.toast.text, "Could not reset the lab class-2: disk full") {
		t.Errorf("a failed reset: %q", m.toast.text)
	}
}

func TestExportShowsProgressThenWhatWasWritten(t *testing.T) {
	td := newTestDeps(sampleEvents())
	td.labs.exportGate = make(chan struct{})
	m := press(t, labsModel(t, td), "b")
	if !strings.Contains(plain(m), "export bundle to › /home/me/demo.scimlab.zip") {
		t.Fatalf("the path prompt:\n%s", plain(m))
	}
	next, cmd := m.Update(keyPress("enter"))
	m = next.(Model)
	if m.labs.export == nil {
		t.Fatal("no export running")
	}
	// The first wait returns the progress reported so far.
	msg := cmd()
	next, _ = m.Update(msg)
	m = next.(Model)
	if view := plain(m); !strings.Contains(view, "exporting support bundle 3/10") || !strings.Contains(view, "█") {
		t.Errorf("no progress bar:\n%s", view)
	}
	if m.labs.keys().short[2].Enabled() {
		t.Error("a second export can start while one runs")
	}
	close(td.labs.exportGate)
	m = drive(t, m, m.labs.export.wait())
	if m.labs.export != nil || !strings.Contains(m.toast.text, "Wrote /home/me/demo.scimlab.zip (7 requests, 2 users, 1 group, 4 KB), secrets removed") {
		t.Errorf("after the export: running %v, toast %q", m.labs.export != nil, m.toast.text)
	}
	if got := td.labs.Calls(); len(got) != 1 || got[0] != "export support bundle demo /home/me/demo.scimlab.zip" {
		t.Errorf("calls %v", got)
	}
}

func TestStaleReadsAreDroppedWhileSwitching(t *testing.T) {
	td := newTestDeps(sampleEvents())
	m := labsModel(t, td)
	m.switching = true
	before := len(m.reqs.rows)
	m = send(t, m, requestsLoadedMsg{purpose: loadInitial, rows: []exchange.Record{{Seq: 99, Method: "GET", Path: "/x"}}})
	if len(m.reqs.rows) != before {
		t.Error("a read of the old lab reached the requests tab during the switch")
	}
	m = send(t, m, labSwitchedMsg{res: LabSwitched{Name: "class-2"}})
	m = send(t, m, requestsLoadedMsg{purpose: loadNewest, rows: []exchange.Record{{Seq: 99, Method: "GET", Path: "/x"}}})
	found := false
	for _, r := range m.reqs.rows {
		found = found || r.Seq == 99
	}
	if !found {
		t.Error("after the switch, reads no longer reach the requests tab")
	}
}

// A subscription closing after the switch (the old server's) leaves the new one alone.
func TestOldSubscriptionClosingLater(t *testing.T) {
	td := newTestDeps(sampleEvents())
	m := labsModel(t, td)
	current := make(chan exchange.Event)
	m.events = current
	old := make(chan exchange.Event)
	next, _ := m.Update(eventsClosedMsg{from: old})
	if next.(Model).events == nil {
		t.Fatal("the old subscription's end cut the new one")
	}
	next, _ = next.(Model).Update(eventsClosedMsg{from: current})
	if next.(Model).events != nil {
		t.Error("the current subscription's end was ignored")
	}
}

func TestResendAsRecorded(t *testing.T) {
	td := newTestDeps(sampleEvents())
	// #2 is Okta's lookup: a GET is sent at once, without asking.
	m := press(t, newTestModel(t, td, 120, 30), "2", "up", "up", "up", "up", "up", "enter")
	if sel := m.reqs.selected(); sel == nil || sel.Seq != 2 {
		t.Fatalf("selected %+v", sel)
	}
	m = press(t, m, "S")
	if m.resend == nil || len(td.resent) != 1 || td.resent[0].Method != "GET" || td.resent[0].Query != sampleEvents()[1].Query {
		t.Fatalf("resend %v, sent %v", m.resend != nil, td.resent)
	}
	view := plain(m)
	for _, want := range []string{"Send request #2 again", "✔ The same answer as recorded", "Recorded #2", "Now", "200 OK"} {
		if !strings.Contains(view, want) {
			t.Errorf("the resend view lacks %q:\n%s", want, view)
		}
	}
	m = press(t, m, "esc")
	if m.resend != nil || !m.reqs.open {
		t.Error("esc did not go back to the inspector")
	}
}

func TestResendEditedAndWritesAskFirst(t *testing.T) {
	td := newTestDeps(sampleEvents())
	m := press(t, newTestModel(t, td, 120, 30), "2", "up", "up", "up", "up", "enter")
	if sel := m.reqs.selected(); sel == nil || sel.Seq != 3 {
		t.Fatalf("selected %+v", sel)
	}
	// A write asks first, and n sends nothing.
	m = press(t, m, "S")
	if m.dialog == nil || !strings.Contains(m.dialog.body, "real request") {
		t.Fatalf("no dialog before a POST: %+v", m.dialog)
	}
	m = press(t, m, "n")
	if len(td.resent) != 0 || !strings.Contains(plain(m), "Not sent") {
		t.Fatalf("sent %v", td.resent)
	}
	m = press(t, m, "E")
	if !m.resend.editing || !strings.HasPrefix(m.resend.area.Value(), "POST /scim/v2/Users\n") {
		t.Fatalf("editor: %q", m.resend.area.Value())
	}
	m.resend.area.SetValue("POST /scim/v2/Users\nContent-Type: application/scim+json\nX-Trace: 1\n\n{\"userName\":\"carol@example.com\"}")
	m = press(t, m, "ctrl+s")
	if len(td.resent) != 1 {
		t.Fatalf("sent %d", len(td.resent))
	}
	sent := td.resent[0]
	if sent.ReqHeaders.Get("X-Trace") != "1" || string(sent.ReqBody) != `{"userName":"carol@example.com"}` || sent.Path != "/scim/v2/Users" {
		t.Errorf("sent %+v", sent)
	}
	if view := plain(m); !strings.Contains(view, "✘ The answer differs") || !strings.Contains(view, "status: recorded 201, now 409") ||
		!strings.Contains(view, "409 Conflict") {
		t.Errorf("view:\n%s", view)
	}
	// A first line that is no request line is refused in the editor.
	m = press(t, m, "E")
	m.resend.area.SetValue("hello")
	m = press(t, m, "ctrl+s")
	if !m.resend.editing || !strings.Contains(plain(m), "the first line must be the method and the path") || len(td.resent) != 1 {
		t.Errorf("a bad edit was sent or not explained:\n%s", plain(m))
	}
}

func TestRequestText(t *testing.T) {
	r := &exchange.Record{Method: "PATCH", Path: "/scim/v2/Users/u1", Query: "a=b", ReqBody: []byte(`{"x":1}`),
		ReqHeaders: http.Header{"Authorization": {"Bearer [redacted]"}, "Content-Type": {"application/scim+json"}, "Content-Length": {"7"},
			"X-Api-Key": {"[redacted]"}, "User-Agent": {"Okta"}}}
	text := requestText(r)
	want := "PATCH /scim/v2/Users/u1?a=b\nContent-Type: application/scim+json\nUser-Agent: Okta\n\n{\"x\":1}"
	if text != want {
		t.Errorf("got %q\nwant %q", text, want)
	}
	back, err := parseRequestText(text, r)
	if err != nil || back.Method != "PATCH" || back.Path != r.Path || back.Query != "a=b" || string(back.ReqBody) != `{"x":1}` ||
		back.ReqHeaders.Get("User-Agent") != "Okta" || back.ReqHeaders.Get("Authorization") != "" {
		t.Errorf("parsed %+v, %v", back, err)
	}
	for _, bad := range []string{"", "GET", "GET Users", "GET /x\nno colon here\n\n"} {
		if _, err := parseRequestText(bad, r); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}
