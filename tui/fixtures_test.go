package tui

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/scimlab/scimlab/scim/quirk"

	"github.com/scimlab/scimlab/exchange"
	"github.com/scimlab/scimlab/fault"

	tea "charm.land/bubbletea/v2"

	"github.com/scimlab/scimlab/idp"
	"github.com/scimlab/scimlab/tunnel"
)

// TestMain pins the local time zone so rendered clocks are the same on every
// machine.
func TestMain(m *testing.M) {
	time.Local = time.UTC
	refreshDelay = time.Millisecond
	detailDelay = time.Millisecond
	settleDelay = time.Millisecond
	os.Exit(m.Run())
}

var t0 = time.Date(2026, 3, 14, 9, 26, 53, 0, time.UTC)

const (
	aliceID = "2819c223-7f76-453a-919d-413861904646"
	bobID   = "7b1e7a3c-5c2f-4b8e-9a41-0c6f3f1d2e55"
	carolID = "c4a7d1e2-3b5f-4c6d-8e9f-0a1b2c3d4e5f"
	salesID = "e9e30dba-f08f-4109-8486-d5c6a331660a"
	testTok = "s3cr3t-t0ken-abcdef0123456789-wxyz"
)

// sampleEvents is a short rehearsal: Okta tests credentials and creates Alice,
// Entra removes Bob from Sales and deactivates Alice, and a request with a
// stale token fails.
func sampleEvents() []exchange.Event {
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	ev := func(r exchange.Record, a exchange.Annotation) exchange.Event {
		r.Annotation = a
		return exchange.Event{Record: r}
	}
	const oktaUA = "Okta SCIM Client 1.0.0"
	return []exchange.Event{
		ev(exchange.Record{Seq: 1, Time: at(0), Method: "GET", Path: "/scim/v2/Users", Query: "startIndex=1&count=2", Status: 200, Duration: 2100 * time.Microsecond,
			Auth: exchange.AuthOK, UserAgent: oktaUA, ResourceType: "User"},
			exchange.Annotation{IdP: exchange.Okta, Step: exchange.StepTestConnection, Summary: "Okta tested the API credentials: passed"}),
		ev(exchange.Record{Seq: 2, Time: at(31), Method: "GET", Path: "/scim/v2/Users", Query: "filter=userName+eq+%22alice%40example.com%22&startIndex=1&count=100", Status: 200,
			Duration: 1800 * time.Microsecond, Auth: exchange.AuthOK, UserAgent: oktaUA, ResourceType: "User"},
			exchange.Annotation{IdP: exchange.Okta, Step: exchange.StepUserLookup, Subject: "alice@example.com", Summary: "Okta looked up user alice@example.com: not found"}),
		ev(exchange.Record{Seq: 3, Time: at(31), Method: "POST", Path: "/scim/v2/Users", Status: 201, Duration: 6400 * time.Microsecond, Auth: exchange.AuthOK,
			UserAgent: oktaUA, ResourceType: "User", ResourceID: aliceID},
			exchange.Annotation{IdP: exchange.Okta, Step: exchange.StepCreateUser, Subject: "alice@example.com", Summary: "Okta created user alice@example.com"}),
		ev(exchange.Record{Seq: 4, Time: at(95), Method: "PATCH", Path: "/scim/v2/Groups/" + salesID, Status: 204, Duration: 3200 * time.Microsecond, Auth: exchange.AuthOK,
			ViaTunnel: true, RemoteAddr: "20.42.1.7", ResourceType: "Group", ResourceID: salesID, Quirks: []quirk.Quirk{quirk.CapitalisedOp, quirk.MemberRemoveByValue}},
			exchange.Annotation{IdP: exchange.Entra, Step: exchange.StepRemoveMembers, Subject: "Sales", Summary: "Entra removed bob@example.com from Sales"}),
		ev(exchange.Record{Seq: 5, Time: at(140), Method: "GET", Path: "/scim/v2/Users", Status: 401, Duration: 300 * time.Microsecond, Auth: exchange.AuthWrongToken,
			ViaTunnel: true, RemoteAddr: "20.42.1.7"},
			exchange.Annotation{IdP: exchange.Entra, Step: exchange.StepAuthFailure, Failed: true,
				Hints: []exchange.Hint{{Severity: exchange.SeverityError, Cause: idp.HintAuthOldToken,
					Text: "The token was rotated at 09:20; paste the new one into Entra's Secret Token and press Test Connection."}}}),
		ev(exchange.Record{Seq: 6, Time: at(188), Method: "PATCH", Path: "/scim/v2/Users/" + aliceID, Status: 200, Duration: 4100 * time.Microsecond, Auth: exchange.AuthOK,
			ViaTunnel: true, RemoteAddr: "20.42.1.7", ResourceType: "User", ResourceID: aliceID, Quirks: []quirk.Quirk{quirk.StringBoolean}},
			exchange.Annotation{IdP: exchange.Entra, Step: exchange.StepDeactivateUser, Subject: "alice@example.com", Summary: "Entra deactivated alice@example.com"}),
		{Record: exchange.Record{Seq: 7, Time: at(201), Method: "DELETE", Path: "/scim/v2/Groups/9f1c0000-0000-4000-8000-000000000000", Status: 404, Duration: 900 * time.Microsecond,
			Auth: exchange.AuthOK, ResourceType: "Group", ErrorDetail: "Group 9f1c0000-0000-4000-8000-000000000000 not found"}},
	}
}

// fakeReader serves the request log and resources from memory. It is safe
// for concurrent use, like the real adapter.
type fakeReader struct {
	mu      sync.Mutex
	rows    []exchange.Record // ascending Seq
	details map[int64]*exchange.Record
	users   []ResourceRow
	groups  []ResourceRow
	res     map[string]*ResourceDetail
	calls   []string
}

func newFakeReader(evs []exchange.Event) *fakeReader {
	f := &fakeReader{details: map[int64]*exchange.Record{}, res: map[string]*ResourceDetail{}}
	for _, e := range evs {
		f.add(e)
	}
	if len(evs) < 6 {
		return f
	}
	f.users = []ResourceRow{
		{Kind: KindUser, ID: aliceID, Name: "alice@example.com", DisplayName: "Alice Example", ExternalID: "00u1a2b3c4", Active: false, Members: 1, Modified: t0.Add(188 * time.Second)},
		{Kind: KindUser, ID: bobID, Name: "bob@example.com", DisplayName: "Bob Builder", ExternalID: "bob", Active: true, Members: 0, Modified: t0.Add(-3 * time.Hour)},
	}
	f.users = append(f.users,
		ResourceRow{Kind: KindUser, ID: carolID, Name: "carol@example.com", DisplayName: "Carol Gone", Active: true, Members: 1,
			Modified: t0.Add(-2 * time.Hour), Deleted: t0.Add(150 * time.Second)},
		ResourceRow{Kind: KindUser, ID: "independent:dana@independent.example", Name: "dana@independent.example", DisplayName: "Dana Own", Independent: true, Members: 0, Modified: t0.Add(-24 * time.Hour)},
	)
	f.groups = []ResourceRow{
		{Kind: KindGroup, ID: salesID, Name: "Sales", ExternalID: "0f4b2c1d-sales", Members: 1, Modified: t0.Add(95 * time.Second)},
	}
	f.res[KindUser+carolID] = &ResourceDetail{
		Row:             f.users[2],
		JSON:            []byte(`{"userName":"carol@example.com","displayName":"Carol Gone","active":true}`),
		MembershipTotal: 1,
		AppActions:      []AppAction{{Time: t0.Add(150 * time.Second), What: "deleted in the app"}},
	}
	f.res[KindUser+aliceID] = &ResourceDetail{
		Row:             f.users[0],
		JSON:            []byte(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"id":"` + aliceID + `","userName":"alice@example.com","name":{"givenName":"Alice","familyName":"Example"},"active":false,"emails":[{"value":"alice@example.com","type":"work","primary":true}],"groups":[{"value":"` + salesID + `","display":"Sales"}],"meta":{"resourceType":"User","version":"W/\"3\""}}`),
		Memberships:     []MemberRef{{Kind: KindGroup, ID: salesID, Display: "Sales"}},
		MembershipTotal: 1,
		History:         []exchange.Record{evs[5].Record, evs[2].Record},
	}
	f.res[KindGroup+salesID] = &ResourceDetail{
		Row:             f.groups[0],
		JSON:            []byte(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"id":"` + salesID + `","displayName":"Sales","members":[{"value":"` + aliceID + `","display":"alice@example.com"}]}`),
		Memberships:     []MemberRef{{Kind: KindUser, ID: aliceID, Display: "alice@example.com"}},
		MembershipTotal: 1,
		History:         []exchange.Record{evs[3].Record},
	}
	return f
}

func (f *fakeReader) add(e exchange.Event) {
	f.mu.Lock()
	defer f.mu.Unlock()
	r := e.Record
	f.rows = append(f.rows, r)
	h := http.Header{"Accept": {"application/scim+json"}, "Authorization": {"Bearer [redacted]"}}
	if e.UserAgent != "" {
		h.Set("User-Agent", e.UserAgent)
	}
	d := &r
	d.ReqHeaders, d.RespHeaders = h, http.Header{"Content-Type": {"application/scim+json"}}
	switch e.Method {
	case "POST":
		h.Set("Content-Type", "application/scim+json; charset=utf-8")
		d.ReqBody = []byte(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"alice@example.com","name":{"givenName":"Alice","familyName":"Example"},"active":true,"password":"Dx9#kQ2!","groups":[],"locale":"en-US","externalId":"00u1a2b3c4"}`)
		d.RespBody = []byte(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"id":"` + aliceID + `","userName":"alice@example.com","active":true,"meta":{"resourceType":"User","created":"2026-03-14T09:27:24Z"}}`)
	case "PATCH":
		h.Set("Content-Type", "application/scim+json; charset=utf-8")
		d.ReqBody = []byte(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"active","value":"False"}]}`)
	case "GET":
		if e.Status == 200 {
			d.RespBody = []byte(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":0,"startIndex":1,"itemsPerPage":0,"Resources":[]}`)
		} else {
			d.RespBody = []byte(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"401","detail":"invalid bearer token"}`)
		}
	}
	f.details[e.Seq] = d
}

func (f *fakeReader) Requests(_ context.Context, before int64, limit int) ([]exchange.Record, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, "Requests")
	var out []exchange.Record
	for i := len(f.rows) - 1; i >= 0 && len(out) < limit; i-- {
		if before == 0 || f.rows[i].Seq < before {
			out = append(out, f.rows[i])
		}
	}
	return out, nil
}

func (f *fakeReader) Request(_ context.Context, seq int64) (*exchange.Record, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, "Request")
	if d, ok := f.details[seq]; ok {
		return d, nil
	}
	return nil, errors.New("not found")
}

func (f *fakeReader) Users(_ context.Context, q string, limit int) ([]ResourceRow, error) {
	return f.search(f.users, q, limit), nil
}

func (f *fakeReader) Groups(_ context.Context, q string, limit int) ([]ResourceRow, error) {
	return f.search(f.groups, q, limit), nil
}

func (f *fakeReader) search(rows []ResourceRow, q string, limit int) []ResourceRow {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, "search:"+q)
	var out []ResourceRow
	for _, r := range rows {
		if q == "" || strings.Contains(strings.ToLower(r.Name+" "+r.DisplayName+" "+r.ExternalID), strings.ToLower(q)) {
			out = append(out, r)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	if len(out) > limit {
		out = out[:limit]
	}
	return out
}

func (f *fakeReader) Resource(_ context.Context, kind, id string) (*ResourceDetail, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if d, ok := f.res[kind+id]; ok {
		return d, nil
	}
	return nil, errors.New("no such " + kind)
}

// sampleWalkthroughs feeds the sample rehearsal to real walkthroughs: Okta
// has tested its credentials and created Alice; Entra failed with a stale
// token.
func sampleWalkthroughs(evs []exchange.Event) map[exchange.IdP]*idp.Walkthrough {
	ws := map[exchange.IdP]*idp.Walkthrough{exchange.Okta: idp.NewWalkthrough(exchange.Okta), exchange.Entra: idp.NewWalkthrough(exchange.Entra)}
	for _, e := range evs {
		for _, w := range ws {
			w.Observe(&e.Record)
		}
	}
	return ws
}

// testDeps wires a console to in-memory fakes.
type testDeps struct {
	reader  *fakeReader
	events  chan exchange.Event
	tunnel  chan tunnel.Status
	walks   map[exchange.IdP]*idp.Walkthrough
	mu      sync.Mutex
	token   string
	strict  bool
	ngrok   string
	public  string
	rotated int
	// warning is what URLWarning returns; hints what Pending returns.
	warning  string
	hints    []exchange.Hint
	askedAt  []time.Time // the times Pending was asked about
	retries  int
	resetIdP []exchange.IdP
	labs     *fakeLabs
	resent   []*exchange.Record // what Resend was asked to send
	// faults are the fault rules the console shows; a real Set, empty unless a
	// test adds rules.
	faults *fault.Set
	demo   Demo
	// profile is the profile played; profiles those offered; lab records the
	// app-side changes.
	profile  string
	profiles []ProfileInfo
	lab      *fakeLab
}

// sampleProfiles are the profiles the console offers in tests.
var sampleProfiles = []ProfileInfo{
	{Name: "generic", Title: "Generic SCIM app", Description: "RFC 7644 behaviour with no app quirks", Source: "built-in", GroupOne: "group", GroupMany: "groups", GroupsEnabled: true},
	{Name: "thinglink", Title: "ThingLink", Description: "unassigning deactivates, new users are Learners, groups matched by name, a seat limit",
		Guide: "ThingLink — SCIM provisioning with Okta; SCIM provisioning with Microsoft Entra ID", Source: "built-in",
		Summary:  []string{"DELETE /Users keeps the user, inactive", "seat limit 50 users (then 403)", "new users get role Learner"},
		GroupOne: "group", GroupMany: "groups", GroupsEnabled: true},
	{Name: "tiled", Title: "Tiled", Description: "groups are libraries", Source: "built-in", Summary: []string{"groups are libraries"},
		GroupOne: "library", GroupMany: "libraries", GroupsEnabled: true},
}

// fakeLab records the app-side changes the console asks for.
type fakeLab struct {
	mu     sync.Mutex
	calls  []string
	failed error
}

func (l *fakeLab) record(call string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.calls = append(l.calls, call)
	return l.failed
}

func (l *fakeLab) SetUserActive(_ context.Context, id string, active bool) error {
	return l.record(fmt.Sprintf("active %s %t", id, active))
}

func (l *fakeLab) Delete(_ context.Context, kind, id string) error {
	return l.record("delete " + kind + " " + id)
}

func (l *fakeLab) Seed(_ context.Context, path string) (string, error) {
	return "seeded 2 users, 1 new group, 2 memberships", l.record("seed " + path)
}

func (l *fakeLab) Reset(context.Context) error { return l.record("reset") }

func (l *fakeLab) done() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.calls...)
}

func newTestDeps(evs []exchange.Event) *testDeps {
	return &testDeps{
		reader:   newFakeReader(evs),
		events:   make(chan exchange.Event, 64),
		tunnel:   make(chan tunnel.Status, 4),
		walks:    sampleWalkthroughs(evs),
		token:    testTok,
		public:   "https://scimlab-demo.ngrok-free.app/scim/v2",
		faults:   fault.NewSet(fault.DefaultSeed),
		profile:  "generic",
		profiles: sampleProfiles,
		lab:      &fakeLab{},
		labs:     newFakeLabs(),
	}
}

func (td *testDeps) currentProfile() ProfileInfo {
	td.mu.Lock()
	defer td.mu.Unlock()
	for _, p := range td.profiles {
		if p.Name == td.profile {
			return p
		}
	}
	return ProfileInfo{Name: td.profile}
}

func (td *testDeps) deps() Deps {
	return Deps{
		Subscribe: func(int) (<-chan exchange.Event, func()) { return td.events, func() {} },
		Reader:    td.reader,
		Tunnel:    td.tunnel,
		TunnelNow: func() tunnel.Status {
			return tunnel.Status{State: tunnel.Online, Mode: tunnel.ModeNgrok, PublicURL: "https://scimlab-demo.ngrok-free.app", Since: t0.Add(-10 * time.Minute)}
		},
		LocalURL: "http://127.0.0.1:8080/scim/v2",
		PublicURL: func() string {
			td.mu.Lock()
			defer td.mu.Unlock()
			return td.public
		},
		Token: func() string {
			td.mu.Lock()
			defer td.mu.Unlock()
			return td.token
		},
		RotateToken: func() (string, error) {
			td.mu.Lock()
			defer td.mu.Unlock()
			td.rotated++
			td.token = "n3w-t0ken-99887766554433221100-abcd"
			return td.token, nil
		},
		Strict: func() bool {
			td.mu.Lock()
			defer td.mu.Unlock()
			return td.strict
		},
		SetStrict: func(v bool) {
			td.mu.Lock()
			defer td.mu.Unlock()
			td.strict = v
		},
		SaveNgrokToken: func(s string) error {
			td.mu.Lock()
			defer td.mu.Unlock()
			td.ngrok = s
			return nil
		},
		Walkthrough: func(p exchange.IdP) *idp.Walkthrough { return td.walks[p] },
		URLWarning: func() string {
			td.mu.Lock()
			defer td.mu.Unlock()
			return td.warning
		},
		RetryTunnel: func() {
			td.mu.Lock()
			defer td.mu.Unlock()
			td.retries++
		},
		Pending: func(now time.Time) []exchange.Hint {
			td.mu.Lock()
			defer td.mu.Unlock()
			td.askedAt = append(td.askedAt, now)
			return td.hints
		},
		Profile:  td.currentProfile,
		Profiles: func() []ProfileInfo { return td.profiles },
		SetProfile: func(name string) error {
			td.mu.Lock()
			defer td.mu.Unlock()
			td.profile = name
			return nil
		},
		Lab: td.lab,
		ResetWalkthrough: func(p exchange.IdP) {
			td.mu.Lock()
			defer td.mu.Unlock()
			td.resetIdP = append(td.resetIdP, p)
			td.walks[p].Reset()
		},
		Labs:      td.labs,
		Resend:    td.resend,
		Faults:    td.faults.Entries,
		FaultSeed: td.faults.Seed,
		AddFault: func(text string) (fault.Entry, error) {
			r, err := fault.Parse(text)
			if err != nil {
				return fault.Entry{}, err
			}
			return td.faults.Add(r), nil
		},
		SetFaultEnabled: td.faults.SetEnabled,
		RemoveFault:     td.faults.Remove,
		ClearFaults:     func() error { td.faults.Clear(); return nil },
		Demo:            td.demo,
	}
}

// drive runs cmd and everything it leads to synchronously against m, the way
// the program would, but without timers: ticks are fired at once. It stops
// at commands that would block on the event channel or run forever.
func drive(t *testing.T, m Model, cmd tea.Cmd) Model {
	t.Helper()
	queue := []tea.Cmd{cmd}
	for steps := 0; len(queue) > 0; steps++ {
		if steps > 500 {
			t.Fatal("commands did not settle")
		}
		c := queue[0]
		queue = queue[1:]
		if c == nil {
			continue
		}
		msg := runCmd(c)
		switch msg := msg.(type) {
		case nil:
			continue
		case tea.BatchMsg:
			queue = append(queue, msg...)
			continue
		case skipMsg, rearmEventsMsg, clockMsg, toastExpiredMsg:
			continue
		}
		next, nc := m.Update(msg)
		m = next.(Model)
		queue = append(queue, nc)
	}
	return m
}

// skipMsg stands for a command drive does not run: one that would block.
type skipMsg struct{}

// runCmd runs a command unless it would block waiting for events, the tunnel
// or a clock tick.
func runCmd(c tea.Cmd) tea.Msg {
	done := make(chan tea.Msg, 1)
	go func() { done <- c() }()
	select {
	case m := <-done:
		return m
	case <-time.After(blockingAfter):
		return skipMsg{}
	}
}

// send feeds one message to m and drives the commands it returns.
func send(t *testing.T, m Model, msg tea.Msg) Model {
	t.Helper()
	next, cmd := m.Update(msg)
	return drive(t, next.(Model), cmd)
}

// keyPress builds the message a key press produces ("enter", "G", "shift+tab").
func keyPress(k string) tea.KeyPressMsg {
	switch k {
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	case "tab":
		return tea.KeyPressMsg{Code: tea.KeyTab}
	case "shift+tab":
		return tea.KeyPressMsg{Code: tea.KeyTab, Mod: tea.ModShift}
	case "up":
		return tea.KeyPressMsg{Code: tea.KeyUp}
	case "down":
		return tea.KeyPressMsg{Code: tea.KeyDown}
	case "end":
		return tea.KeyPressMsg{Code: tea.KeyEnd}
	case "home":
		return tea.KeyPressMsg{Code: tea.KeyHome}
	case "pgup":
		return tea.KeyPressMsg{Code: tea.KeyPgUp}
	case "pgdn":
		return tea.KeyPressMsg{Code: tea.KeyPgDown}
	case "right":
		return tea.KeyPressMsg{Code: tea.KeyRight}
	case "left":
		return tea.KeyPressMsg{Code: tea.KeyLeft}
	case "ctrl+c":
		return tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl}
	case "ctrl+s":
		return tea.KeyPressMsg{Code: 's', Mod: tea.ModCtrl}
	case "backspace":
		return tea.KeyPressMsg{Code: tea.KeyBackspace}
	}
	r := []rune(k)
	return tea.KeyPressMsg{Code: r[0], Text: k}
}

func press(t *testing.T, m Model, keys ...string) Model {
	t.Helper()
	for _, k := range keys {
		m = send(t, m, keyPress(k))
	}
	return m
}

// newTestModel builds a console over td at w×h with its history loaded and the
// clock pinned.
func newTestModel(t *testing.T, td *testDeps, w, h int) Model {
	t.Helper()
	m := New(td.deps())
	m.sh.now = func() time.Time { return t0.Add(5 * time.Minute) }
	m = send(t, m, tea.WindowSizeMsg{Width: w, Height: h})
	// No channel: tests deliver events with eventsMsg, so no command blocks.
	m = send(t, m, subscribedMsg{cancel: func() {}})
	m = drive(t, m, m.walk.refresh())
	m = drive(t, m, m.faults.refresh())
	return m
}

// scimEvent shortens test literals.
type scimEvent = exchange.Event

func splitLines(s string) []string { return strings.Split(s, "\n") }
