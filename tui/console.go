// Package tui is scimlab's console: a full-screen terminal view of the running
// SCIM server, with the connection details an admin pastes into Okta or Entra,
// a live request inspector, the users and groups the IdP provisioned, and a
// guided walkthrough of each IdP's setup.
//
// The console reads through the narrow Reader interface and receives the
// server's events through a buffered subscription; it never touches the
// database and never slows the server down.
package tui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/scimlab/scimlab/exchange"
	"github.com/scimlab/scimlab/tunnel"
)

const (
	// subscriptionBuffer is how many events the server may queue for the
	// console before it drops (and counts) them.
	subscriptionBuffer = 4096
	// frameInterval bounds how often a flood of events reaches the view:
	// 20 frames a second is smooth to the eye and leaves the CPU to the server.
	frameInterval = time.Second / 20
	maxRenderFPS  = 30
	// toastTTL is how long a footer notice stays.
	toastTTL = 4 * time.Second
	// headerLines and footerLines frame the body of every tab.
	headerLines = 2
	footerLines = 1
)

type tabID int

const (
	tabConnection tabID = iota
	tabRequests
	tabUsers
	tabGroups
	tabWalkthrough
	tabFaults
	tabLabs
	tabCount
)

// tab is one screen of the console. Tabs are pointers owned by the root
// model; the root routes messages to them and draws their body.
type tab interface {
	update(msg tea.Msg) tea.Cmd
	view() string
	setSize(w, h int)
	keys() keyMap
	// typing reports that a text field has focus, so global keys are off.
	typing() bool
}

// shared is the state every tab reads: dependencies, styles, sizes and the
// live connection facts.
type shared struct {
	d      Deps
	ctx    context.Context
	log    *slog.Logger
	st     *Styles
	now    func() time.Time
	tunnel tunnel.Status
	strict bool
	// profile is the app profile the server plays, as of the last switch.
	profile ProfileInfo

	seen    int // requests seen since the console started
	dropped int // events the subscription dropped (reloaded from the log)
	// faultsOn counts the fault rules switched on, for the tab bar.
	faultsOn int

	// urlWarning is Deps.URLWarning as of the last tunnel status.
	urlWarning string
	// tokenWarning is Deps.TokenWarning as of the start or the last rotation.
	tokenWarning string
	// pending are the time-based hints (Deps.Pending); pendingAsked is when
	// they were last asked for.
	pending      []exchange.Hint
	pendingAsked time.Time
	// countdownGen identifies the tunnel status the retry countdown is for.
	countdownGen int
}

// baseURL is the SCIM base URL to give the IdP: public when known, else local.
func (sh *shared) baseURL() string {
	if sh.d.PublicURL != nil {
		if u := sh.d.PublicURL(); u != "" {
			return u
		}
	}
	return sh.d.LocalURL
}

// isPublic reports whether baseURL is reachable from the internet.
func (sh *shared) isPublic() bool {
	return sh.d.PublicURL != nil && sh.d.PublicURL() != ""
}

func (sh *shared) token() string {
	if sh.d.Token == nil {
		return ""
	}
	return sh.d.Token()
}

// toast returns a command that shows a notice in the footer.
func toast(text string) tea.Cmd {
	return func() tea.Msg { return toastMsg{text: text} }
}

// toastErr shows a failure in the footer.
func toastErr(text string) tea.Cmd {
	return func() tea.Msg { return toastMsg{text: text, bad: true} }
}

type notice struct {
	id   int
	text string
	bad  bool
}

// frame caches the last rendered screen. Messages that cannot change what is
// drawn (the re-arm tick of the event reader) skip rendering.
type frame struct {
	content string
	valid   bool
}

// Model is the console's root model. Create it with New; it implements
// tea.Model.
type Model struct {
	sh       *shared
	gkeys    globalKeys
	dkeys    dialogKeys
	hkeys    helpKeys
	help     help.Model
	showHelp bool
	helpTop  int // the first row of the help overlay shown
	active   tabID
	tabs     [tabCount]tab
	reqs     *requestsTab
	users    *resourcesTab
	groups   *resourcesTab
	walk     *walkthroughTab
	conn     *connectionTab
	faults   *faultsTab
	demo     *demoState
	dialog   *confirmMsg
	value    *showValueMsg // a value shown to be copied by hand
	toast    notice
	toastSeq int
	unseen   int // requests that arrived while the Requests tab was hidden
	width    int
	height   int
	events   <-chan exchange.Event
	cancel   func()
	frame    *frame

	labs *labsTab
	// resend is the view of a request sent again, nil when closed.
	resend *resendView
	// switching is set from a confirmed switch of lab until its answer: reads of
	// the old lab still arriving are dropped.
	switching bool
}

// New builds the console for d. It does no I/O: subscribing and the first
// reads happen in the commands Init returns.
func New(d Deps) Model {
	logger := d.Logger
	if logger == nil {
		logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	sh := &shared{d: d, ctx: context.Background(), log: logger, st: NewStyles(true), now: time.Now}
	if d.TunnelNow != nil {
		sh.tunnel = d.TunnelNow()
	}
	if d.Strict != nil {
		sh.strict = d.Strict()
	}
	sh.profile = sh.profileNow()
	sh.readURLWarning()
	sh.readTokenWarning()
	m := Model{
		sh:     sh,
		gkeys:  newGlobalKeys(),
		dkeys:  newDialogKeys(),
		hkeys:  newHelpKeys(),
		help:   help.New(),
		active: tabConnection,
		frame:  &frame{},
	}
	m.buildTabs()
	m.demo = newDemoState(d.Demo)
	m.restyle()
	return m
}

// buildTabs creates every tab afresh over the shared state.
func (m *Model) buildTabs() {
	sh := m.sh
	m.conn = newConnectionTab(sh)
	m.reqs = newRequestsTab(sh)
	m.users = newResourcesTab(sh, KindUser)
	m.groups = newResourcesTab(sh, KindGroup)
	m.walk = newWalkthroughTab(sh)
	m.faults = newFaultsTab(sh)
	m.labs = newLabsTab(sh)
	m.conn.recent = m.reqs.recent
	m.tabs = [tabCount]tab{m.conn, m.reqs, m.users, m.groups, m.walk, m.faults, m.labs}
}

// Run runs the console full-screen until the user quits or ctx is done. It
// returns nil in both cases.
func Run(ctx context.Context, d Deps) error {
	m := New(d)
	m.sh.ctx = ctx
	// Nothing in the console animates faster than the event frames, so the renderer
	// need not look for changes at its default 60 Hz.
	p := tea.NewProgram(m, tea.WithContext(ctx), tea.WithFPS(maxRenderFPS))
	final, err := p.Run()
	if fm, ok := final.(Model); ok {
		if fm.cancel != nil {
			fm.cancel()
		}
		fm.demo.stopDemo()
	}
	if err != nil && (ctx.Err() != nil || errors.Is(err, tea.ErrInterrupted)) {
		return nil
	}
	return err
}

// Init subscribes to events and starts the first reads.
func (m Model) Init() tea.Cmd {
	return tea.Batch(
		tea.RequestBackgroundColor,
		m.subscribe(),
		m.waitTunnel(),
		m.walk.refresh(),
		m.faults.refresh(),
		tickClock(),
		m.sh.pollPending(m.sh.now()),
		m.sh.retryCountdown(),
	)
}

func (m Model) subscribe() tea.Cmd {
	if m.sh.d.Subscribe == nil {
		return m.reqs.loadInitial()
	}
	sub := m.sh.d.Subscribe
	return func() tea.Msg {
		ch, cancel := sub(subscriptionBuffer)
		return subscribedMsg{events: ch, cancel: cancel}
	}
}

// waitEvents blocks until at least one event arrives, then drains whatever
// else is already queued so a burst becomes one message.
func (m Model) waitEvents() tea.Cmd {
	ch, ctx := m.events, m.sh.ctx
	if ch == nil {
		return nil
	}
	return func() tea.Msg {
		var batch eventsMsg
		select {
		case e, ok := <-ch:
			if !ok {
				return eventsClosedMsg{}
			}
			batch = append(batch, e)
		case <-ctx.Done():
			return nil
		}
		for len(batch) < subscriptionBuffer {
			select {
			case e, ok := <-ch:
				if !ok {
					return batch
				}
				batch = append(batch, e)
			default:
				return batch
			}
		}
		return batch
	}
}

func (m Model) waitTunnel() tea.Cmd {
	ch, ctx := m.sh.d.Tunnel, m.sh.ctx
	if ch == nil {
		return nil
	}
	return func() tea.Msg {
		select {
		case st, ok := <-ch:
			if !ok {
				return tunnelClosedMsg{}
			}
			return tunnelMsg(st)
		case <-ctx.Done():
			return nil
		}
	}
}

func tickClock() tea.Cmd {
	return tea.Every(time.Minute, func(t time.Time) tea.Msg { return clockMsg(t) })
}

// Update handles one message.
func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg.(type) {
	case rearmEventsMsg, detailDebounceMsg, settleMsg, resourceDebounceMsg, searchDebounceMsg, refreshResourcesMsg:
		// Timers that at most start a read: nothing on screen changes yet.
	default:
		m.frame.valid = false
	}
	if m.switching && staleWhileSwitching(msg) {
		return m, nil
	}
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		m.resize()
		return m, nil

	case tea.BackgroundColorMsg:
		m.sh.st = NewStyles(msg.IsDark())
		m.restyle()
		return m, nil

	case subscribedMsg:
		m.events, m.cancel = msg.events, msg.cancel
		return m, tea.Batch(m.waitEvents(), m.reqs.loadInitial())

	case eventsMsg:
		return m, m.onEvents(msg)

	case rearmEventsMsg:
		return m, m.waitEvents()

	case eventsClosedMsg:
		// A subscription to a lab switched away from may close after the new one
		// began; only the current one's end matters.
		if msg.from == m.events {
			m.events = nil
			m.sh.log.Info("event subscription closed")
		}
		return m, nil

	case tunnelMsg:
		m.sh.tunnel = tunnel.Status(msg)
		m.sh.log.Info("tunnel status", "state", int(msg.State), "reason", msg.Reason)
		// main notes the status (and so the changed URL) before passing it on.
		if m.sh.readURLWarning() {
			m.resize()
		}
		m.sh.countdownGen++
		return m, tea.Batch(m.waitTunnel(), m.sh.retryCountdown())

	case retryCountdownMsg:
		if msg.gen != m.sh.countdownGen {
			return m, nil
		}
		return m, m.sh.retryCountdown()

	case tunnelClosedMsg:
		return m, nil

	case clockMsg:
		return m, tea.Batch(tickClock(), m.sh.pollPending(time.Time(msg)))

	case pendingMsg:
		if msg.at.Before(m.sh.pendingAsked) {
			return m, nil // an answer overtaken by a newer question
		}
		m.sh.pending = msg.hints
		m.reqs.noticeChanged()
		return m, nil

	case toastMsg:
		m.toastSeq++
		m.toast = notice{id: m.toastSeq, text: msg.text, bad: msg.bad}
		id := m.toastSeq
		return m, tea.Tick(toastTTL, func(time.Time) tea.Msg { return toastExpiredMsg{id} })

	case toastExpiredMsg:
		if msg.id == m.toast.id {
			m.toast = notice{}
		}
		return m, nil

	case confirmMsg:
		d := msg
		m.dialog = &d
		return m, nil

	case showValueMsg:
		v := msg
		m.value = &v
		return m, nil

	case copyDoneMsg:
		if msg.route != CopiedSystem {
			m.sh.log.Info("copy", "route", int(msg.route))
		}
		return m, onCopied(msg)

	case strictSetMsg:
		m.sh.strict = msg.strict
		if msg.strict {
			return m, toast("Strict RFC mode: quirky requests are now rejected as a strict server would")
		}
		return m, toast("Tolerant mode: Okta and Entra quirks are accepted and badged")

	case profileSetMsg, labDoneMsg, labResetMsg:
		return m, m.onLab(msg)

	case jumpToRequestMsg:
		return m, tea.Batch(m.setActive(tabRequests), m.reqs.jumpTo(msg.seq))

	case openResourceMsg:
		id, t := tabUsers, m.users
		if msg.kind == KindGroup {
			id, t = tabGroups, m.groups
		}
		return m, tea.Batch(m.setActive(id), t.openID(msg.id))

	case requestsLoadedMsg:
		var seed tea.Cmd
		if msg.purpose == loadInitial && msg.err == nil {
			seed = m.walk.seed(msg.rows)
		}
		return m, tea.Batch(seed, m.reqs.update(msg))
	case requestDetailMsg, detailDebounceMsg, settleMsg:
		return m, m.reqs.update(msg)

	case resourcesLoadedMsg:
		return m, m.resourceTab(msg.kind).update(msg)
	case resourceDetailMsg:
		return m, m.resourceTab(msg.kind).update(msg)
	case refreshResourcesMsg:
		return m, m.resourceTab(msg.kind).update(msg)
	case searchDebounceMsg:
		return m, m.resourceTab(msg.kind).update(msg)
	case resourceDebounceMsg:
		return m, m.resourceTab(msg.kind).update(msg)

	case walkthroughMsg, walkthroughResetMsg:
		return m, m.walk.update(msg)

	case labActionMsg:
		m.switching = m.switching || msg.switching
		m.labs.busy = msg.what
		return m, msg.run

	case labsListedMsg, labChangedMsg, exportProgressMsg, exportDoneMsg:
		return m, m.labs.update(msg)

	case labSwitchedMsg:
		return m, m.onLabSwitched(msg)

	case resendOpenMsg:
		m.resend = newResendView(m.sh, msg.rec, msg.edit, m.width, m.bodyHeight(m.active))
		return m, m.resend.start()

	case resendDoneMsg, resendConfirmedMsg:
		if m.resend != nil {
			return m, m.resend.update(msg)
		}
		return m, nil

	case faultsMsg, faultChangedMsg:
		return m, m.faults.update(msg)

	case tokenRotatedMsg, ngrokSavedMsg, ngrokForgottenMsg, tunnelRetriedMsg:
		return m, m.conn.update(msg)

	case demoReadyMsg, demoProgressMsg, demoDoneMsg:
		return m, m.onDemo(msg)

	case tea.KeyPressMsg:
		return m.onKey(msg)

	case tea.MouseWheelMsg, tea.MouseClickMsg:
		if m.value != nil {
			return m, nil
		}
		if m.resend != nil {
			if wheel, ok := msg.(tea.MouseWheelMsg); ok && m.dialog == nil {
				m.resend.wheel(wheel)
			}
			return m, nil
		}
		if wheel, ok := msg.(tea.MouseWheelMsg); ok && m.showHelp && m.dialog == nil {
			switch wheel.Button {
			case tea.MouseWheelUp:
				m.moveHelp(-3)
			case tea.MouseWheelDown:
				m.moveHelp(3)
			}
			return m, nil
		}
		if m.dialog != nil || m.showHelp || m.demo.panel {
			return m, nil
		}
		return m, m.onMouse(msg.(tea.MouseMsg))
	}
	// Anything else (pastes, cursor blinks of text fields, terminal reports)
	// goes to the resend editor when open, else to the active tab, which ignores
	// what it does not know.
	if m.resend != nil {
		return m, m.resend.update(msg)
	}
	return m, m.tabs[m.active].update(msg)
}

func (m Model) resourceTab(kind string) *resourcesTab {
	if kind == KindGroup {
		return m.groups
	}
	return m.users
}

// onEvents fans a burst out to the tabs and schedules the next read one frame
// later, so a flood renders at a bounded rate.
func (m *Model) onEvents(evs eventsMsg) tea.Cmd {
	m.sh.seen += len(evs)
	for _, e := range evs {
		m.sh.dropped += e.Dropped
	}
	if m.active != tabRequests {
		m.unseen += len(evs)
	}
	// A flood (bursts of several hundred requests a second and more) is
	// drawn at a quarter of the frame rate: nobody reads rows that fast, and
	// the CPU is better spent answering the IdP.
	interval := frameInterval
	if len(evs) >= 20 {
		interval *= 4
	}
	rearm := tea.Tick(interval, func(time.Time) tea.Msg { return rearmEventsMsg{} })
	return tea.Batch(
		rearm,
		m.reqs.addEvents(evs),
		m.users.touched(evs),
		m.groups.touched(evs),
		m.walk.addEvents(evs),
		m.faults.touched(),
		m.sh.recheckPending(),
	)
}

func (m *Model) onKey(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	if m.value != nil {
		// Any key closes the view; it has nothing to act on.
		m.value = nil
		return *m, nil
	}
	if m.dialog != nil {
		switch {
		case key.Matches(msg, m.dkeys.Yes):
			yes := m.dialog.yes
			m.dialog = nil
			return *m, yes
		case key.Matches(msg, m.dkeys.No), key.Matches(msg, m.gkeys.ForceQuit):
			m.dialog = nil
		}
		return *m, nil
	}
	if key.Matches(msg, m.gkeys.ForceQuit) {
		return *m, tea.Quit
	}
	if m.resend != nil {
		cmd, closed := m.resend.onKey(msg)
		if closed {
			m.resend = nil
		}
		return *m, cmd
	}
	if m.demo.panel {
		return *m, m.demoPanelKey(msg)
	}
	active := m.tabs[m.active]
	if active.typing() {
		return *m, active.update(msg)
	}
	if m.showHelp {
		// Tab switches keep the help open (it scrolls to the new tab's keys) and
		// the navigation keys scroll it; any other key closes it, and keys other
		// than esc and ? then act as usual.
		switch {
		case key.Matches(msg, m.hkeys.Close):
			m.showHelp = false
			return *m, nil
		case m.scrollHelp(msg):
			return *m, nil
		case key.Matches(msg, m.gkeys.Next, m.gkeys.Prev, m.gkeys.Conn, m.gkeys.Reqs, m.gkeys.Users, m.gkeys.Groups, m.gkeys.Guide, m.gkeys.Faults, m.gkeys.Labs, m.gkeys.Quit):
		default:
			m.showHelp = false
		}
	}
	switch {
	case key.Matches(msg, m.gkeys.Quit):
		return *m, tea.Quit
	case key.Matches(msg, m.gkeys.Help):
		m.openHelp()
		return *m, nil
	case key.Matches(msg, m.gkeys.Next):
		return *m, m.setActive((m.active + 1) % tabCount)
	case key.Matches(msg, m.gkeys.Prev):
		return *m, m.setActive((m.active + tabCount - 1) % tabCount)
	case key.Matches(msg, m.gkeys.Conn):
		return *m, m.setActive(tabConnection)
	case key.Matches(msg, m.gkeys.Reqs):
		return *m, m.setActive(tabRequests)
	case key.Matches(msg, m.gkeys.Users):
		return *m, m.setActive(tabUsers)
	case key.Matches(msg, m.gkeys.Groups):
		return *m, m.setActive(tabGroups)
	case key.Matches(msg, m.gkeys.Guide):
		return *m, m.setActive(tabWalkthrough)
	case key.Matches(msg, m.gkeys.Faults):
		return *m, m.setActive(tabFaults)
	case key.Matches(msg, m.gkeys.Labs):
		return *m, m.setActive(tabLabs)
	}
	if cmd, ok := m.demoKey(msg); ok {
		return *m, cmd
	}
	return *m, active.update(msg)
}

// onMouse routes wheel and clicks: clicks on the tab bar switch tabs, the rest
// goes to the active tab with coordinates relative to its body.
func (m *Model) onMouse(msg tea.MouseMsg) tea.Cmd {
	mouse := msg.Mouse()
	if _, click := msg.(tea.MouseClickMsg); click && mouse.Y == 0 {
		for i, span := range m.tabSpans() {
			if mouse.X >= span[0] && mouse.X < span[1] {
				return m.setActive(tabID(i))
			}
		}
		return nil
	}
	mouse.Y -= m.headerHeight(m.active)
	if mouse.Y < 0 {
		return nil
	}
	switch msg.(type) {
	case tea.MouseWheelMsg:
		return m.tabs[m.active].update(tea.MouseWheelMsg(mouse))
	default:
		return m.tabs[m.active].update(tea.MouseClickMsg(mouse))
	}
}

// setActive switches tabs and starts whatever the new tab needs to show.
func (m *Model) setActive(t tabID) tea.Cmd {
	m.active = t
	if m.showHelp {
		m.helpTop = 0 // the new tab's keys lead
	}
	switch t {
	case tabRequests:
		m.unseen = 0
	case tabUsers:
		return m.users.visit()
	case tabGroups:
		return m.groups.visit()
	case tabWalkthrough:
		return m.walk.refresh()
	case tabFaults:
		return m.faults.refresh()
	case tabLabs:
		return m.labs.refresh()
	}
	return nil
}

func (m *Model) resize() {
	for i, t := range m.tabs {
		t.setSize(m.width, m.bodyHeight(tabID(i)))
	}
	m.help.SetWidth(m.width)
	if m.resend != nil {
		m.resend.setSize(m.width, m.bodyHeight(m.active))
	}
}

func (m *Model) restyle() {
	m.help.Styles = m.sh.st.Help
	m.conn.restyle()
	m.reqs.restyle()
	m.users.restyle()
	m.groups.restyle()
	m.faults.restyle()
	m.labs.restyle()
	if m.resend != nil {
		m.resend.restyle()
	}
}

// View draws the whole screen.
func (m Model) View() tea.View {
	if !m.frame.valid {
		m.frame.content = m.render()
		m.frame.valid = true
	}
	v := tea.NewView(m.frame.content)
	v.AltScreen = true
	v.MouseMode = tea.MouseModeCellMotion
	if m.value != nil {
		// Without mouse reporting the terminal selects text itself.
		v.MouseMode = tea.MouseModeNone
	}
	v.WindowTitle = "scimlab — " + m.sh.baseURL()
	return v
}

func (m Model) render() string {
	w, h := m.width, m.height
	if w <= 0 || h <= 0 {
		return ""
	}
	if w < minWidth || h < minHeight {
		msg := fmt.Sprintf("scimlab needs at least %d×%d cells; this terminal is %d×%d.", minWidth, minHeight, w, h)
		return canvas(strings.Join(wrap(msg, w), "\n"), w, h)
	}
	bodyH := m.bodyHeight(m.active)
	var body string
	switch {
	case m.showHelp:
		body = m.helpView(w, bodyH)
	case m.resend != nil:
		body = m.resend.view()
	default:
		body = m.tabs[m.active].view()
	}
	if m.demo.panel {
		body = overlay(canvas(body, w, bodyH), m.demoPanelView(w, bodyH), w, bodyH)
	}
	if m.dialog != nil {
		body = overlay(canvas(body, w, bodyH), m.dialogView(w), w, bodyH)
	}
	if m.value != nil {
		body = m.valueView(w, bodyH)
	}
	if long := m.longToast(w); len(long) > 0 {
		// A notice too long for the footer covers the body's last lines instead.
		lines := strings.Split(canvas(body, w, bodyH), "\n")
		copy(lines[max(0, len(lines)-len(long)):], long)
		body = strings.Join(lines, "\n")
	}
	// The body is cut to its height here, and every line to the width below.
	if lines := strings.Split(body, "\n"); len(lines) != bodyH {
		for len(lines) < bodyH {
			lines = append(lines, "")
		}
		body = strings.Join(lines[:bodyH], "\n")
	}
	header := []string{m.tabBar(w), m.statusLine(w)}
	if m.showsBanner(m.active) {
		header = append(header, m.urlBanner(w))
	}
	if m.demo.lineShown() {
		body += "\n" + m.demoLine(w)
	}
	return canvas(strings.Join(append(header, body, m.footer(w)), "\n"), w, h)
}

var tabNames = [tabCount][2]string{
	{"Connection", "Conn"},
	{"Requests", "Reqs"},
	{"Users", "Users"},
	{"Groups", "Groups"},
	{"Walkthrough", "Guide"},
	{"Faults", "Faults"},
	{"Labs", "Labs"},
}

// tabLabels returns the tab captions that fit in w cells next to the brand.
func (m Model) tabLabels(w int) []string {
	for _, short := range []int{0, 1} {
		labels := make([]string, tabCount)
		total := cellWidth(" scimlab ") + 1
		for i := range tabNames {
			labels[i] = fmt.Sprintf("%d %s", i+1, m.tabName(tabID(i), short))
			if tabID(i) == tabRequests && m.unseen > 0 {
				labels[i] += fmt.Sprintf(" +%d", m.unseen)
			}
			if tabID(i) == tabFaults && m.sh.faultsOn > 0 {
				labels[i] += fmt.Sprintf(" %s%d", faultMark, m.sh.faultsOn)
			}
			total += cellWidth(labels[i]) + 2
		}
		if total+14 <= w || short == 1 {
			return labels
		}
	}
	return nil
}

// tabSpans gives the x range of each tab caption on the first line, for clicks.
func (m Model) tabSpans() [][2]int {
	x := cellWidth(" scimlab ") + 1
	spans := make([][2]int, tabCount)
	for i, l := range m.tabLabels(m.width) {
		w := cellWidth(l) + 2
		spans[i] = [2]int{x, x + w}
		x += w
	}
	return spans
}

func (m Model) tabBar(w int) string {
	s := m.sh.st
	var b strings.Builder
	b.WriteString(s.Brand.Render("scimlab"))
	b.WriteString(" ")
	for i, l := range m.tabLabels(w) {
		if tabID(i) == m.active {
			b.WriteString(s.TabActive.Render(l))
		} else {
			b.WriteString(s.Tab.Render(l))
		}
	}
	left := b.String()
	mode := s.Tolerant.Render("tolerant")
	if m.sh.strict {
		mode = s.Strict.Render("strict RFC")
	}
	right := mode + " "
	if m.sh.d.Profile != nil {
		// The profile goes first when the bar is narrow: the mode is on 1 Connection.
		withProfile := s.Profile.Render(m.sh.profile.Name) + s.Muted.Render(" · ") + right
		switch {
		case cellWidth(left)+cellWidth(withProfile)+1 <= w:
			right = withProfile
		case cellWidth(left)+cellWidth(m.sh.profile.Name)+2 <= w:
			right = s.Profile.Render(m.sh.profile.Name) + " "
		}
	}
	return spread(left, right, w)
}

// spread puts left and right on one w-cell line, dropping right if it does
// not fit.
func spread(left, right string, w int) string {
	lw, rw := cellWidth(left), cellWidth(right)
	if lw+rw+1 > w {
		return fitHard(left, w)
	}
	return left + strings.Repeat(" ", w-lw-rw) + right
}

// statusLine shows the tunnel and URL on every tab, so the admin always sees
// where the IdP should point.
func (m Model) statusLine(w int) string {
	s := m.sh.st
	glyph, word, st := tunnelBadge(s, m.sh.tunnel)
	left := " " + st.Render(glyph+" "+word) + "  " + s.URL.Render(m.sh.baseURL())
	requests := plural(int(m.reqs.latest), "request", "requests")
	rights := []string{s.Muted.Render(requests + " logged ")}
	if m.sh.d.Labs != nil {
		if name := m.sh.d.Labs.Current(); name != "" {
			// The lab's name, then the count, as room allows.
			rights = []string{
				s.Muted.Render("lab ") + s.Bold.Render(name) + s.Muted.Render(" · "+requests+" logged "),
				s.Bold.Render(name) + s.Muted.Render(" · "+requests+" "),
				rights[0],
			}
		}
	}
	for _, right := range rights {
		if cellWidth(left)+cellWidth(right)+1 <= w {
			return spread(left, right, w)
		}
	}
	return spread(left, rights[len(rights)-1], w)
}

// tunnelBadge is the glyph, word and style for a tunnel state.
func tunnelBadge(s *Styles, t tunnel.Status) (string, string, lipgloss.Style) {
	switch t.State {
	case tunnel.Online:
		return "●", "online", s.Success
	case tunnel.Connecting:
		return "◌", "connecting", s.Warning
	case tunnel.Reconnecting:
		return "◌", "reconnecting", s.Warning
	case tunnel.Failed:
		return "✘", "tunnel failed", s.Error
	}
	return "○", "local only", s.Muted
}

func (m Model) footer(w int) string {
	s := m.sh.st
	left := ""
	if m.toast.text != "" && !m.toastTooLong(w) {
		st := s.Toast
		if m.toast.bad {
			st = s.ToastError
		}
		left = " " + st.Render(trunc(m.toast.text, w-2)) + "  "
	}
	var km keyMap
	global := ""
	switch {
	case m.value != nil:
		km = newValueKeys().keyMap()
	case m.dialog != nil:
		km = m.dkeys.keyMap()
	case m.demo.panel:
		km = m.demo.panelKeys()
	case m.showHelp:
		km = m.hkeys.keyMap()
	case m.resend != nil:
		km = m.resend.keys()
	case m.tabs[m.active].typing():
		km = m.tabs[m.active].keys()
	default:
		km = m.tabs[m.active].keys()
		// "?" and "q" stay visible however narrow the terminal: they are how
		// a newcomer finds everything else.
		global = s.Help.ShortKey.Render("?") + " " + s.Help.ShortDesc.Render("all keys") + s.Help.ShortSeparator.Render(" • ") +
			s.Help.ShortKey.Render("q") + " " + s.Help.ShortDesc.Render("quit") + " "
	}
	room := w - cellWidth(left) - cellWidth(global) - 2
	if room < 10 {
		return spread(left, global, w)
	}
	h := m.help
	h.SetWidth(room)
	return spread(left+" "+trunc(h.ShortHelpView(km.short), room), global, w)
}

func (m Model) dialogView(w int) string {
	s := m.sh.st
	d := m.dialog
	bw := min(64, w-4)
	inner := bw - 6
	lines := []string{s.DialogTitle.Render(d.title), ""}
	for _, l := range wrap(d.body, inner) {
		lines = append(lines, s.Text.Render(l))
	}
	lines = append(lines, "", s.Key.Render("y")+" "+s.Text.Render(d.action)+"    "+s.Key.Render("n/esc")+" "+s.Muted.Render("cancel"))
	return s.Dialog.Width(bw).Render(strings.Join(lines, "\n"))
}

// toastTooLong reports that the notice does not fit the footer of a w-cell
// screen.
func (m Model) toastTooLong(w int) bool { return cellWidth(m.toast.text) > w-2 }

// longToast draws a notice too long for the footer as lines to lay over the
// bottom of the body, or nil.
func (m Model) longToast(w int) []string {
	if m.toast.text == "" || !m.toastTooLong(w) {
		return nil
	}
	st := m.sh.st.Toast
	if m.toast.bad {
		st = m.sh.st.ToastError
	}
	var out []string
	for _, l := range wrap(m.toast.text, w-2) {
		out = append(out, " "+st.Render(fit(l, w-2))+" ")
	}
	return out
}

// valueView shows a value to copy by hand: wrapped at the screen's edge, plain,
// with mouse reporting off so the terminal's own selection works.
func (m Model) valueView(w, h int) string {
	s := m.sh.st
	v := m.value
	var body []string
	for _, l := range strings.Split(v.value, "\n") {
		for _, part := range strings.Split(ansi.Hardwrap(clean(l), w-2, false), "\n") {
			body = append(body, " "+part)
		}
	}
	foot := []string{""}
	for _, l := range wrap(strings.TrimSpace(v.note+" Select it with the mouse and copy it; join lines cut at the screen's edge when pasting."), w-2) {
		foot = append(foot, " "+s.Muted.Render(l))
	}
	if room := h - 2 - len(foot); len(body) > room {
		more := len(body) - room + 1
		body = append(body[:max(0, room-1)], " "+s.Warning.Render(trunc(fmt.Sprintf("… %d more lines do not fit; scimlab log --bodies prints the request whole", more), w-2)))
	}
	return strings.Join(append(append([]string{" " + s.Title.Render(v.title), ""}, body...), foot...), "\n")
}
