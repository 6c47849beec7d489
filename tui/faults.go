package tui

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/scimlab/scimlab/exchange"
	"github.com/scimlab/scimlab/fault"
)

// faultMark is the glyph that marks an answer a fault rule injected.
const faultMark = "↯"

// faultExamples are the rules a newcomer sees, one per kind of failure.
var faultExamples = []string{
	"POST /Users 429 retry-after=30 times=2",
	"PATCH /Groups/* 500 percent=50",
	"GET /Users delay=70s",
	"POST /Users drop",
	"POST /Users 409 after=5",
	"* * 500 idp=entra",
}

// faultKeys act on the Faults tab.
type faultKeys struct {
	Up, Down, Top, Bottom key.Binding
	Add, Toggle, Remove   key.Binding
	Clear                 key.Binding
}

func newFaultKeys() faultKeys {
	return faultKeys{
		Up:     bind([]string{"up", "k"}, "↑/k", "up"),
		Down:   bind([]string{"down", "j"}, "↓/j", "down"),
		Top:    bind([]string{"home", "g"}, "g/home", "first rule"),
		Bottom: bind([]string{"end", "G"}, "G/end", "last rule"),
		Add:    bind([]string{"a"}, "a", "add rule"),
		Toggle: bind([]string{"space", "e"}, "space/e", "on/off"),
		Remove: bind([]string{"d", "delete"}, "d", "remove"),
		Clear:  bind([]string{"D"}, "D", "remove all"),
	}
}

func (k faultKeys) keyMap() keyMap {
	return keyMap{
		short: []key.Binding{k.Add, k.Toggle, k.Remove, k.Clear, k.Down, k.Up},
		full:  [][]key.Binding{{k.Up, k.Down, k.Top, k.Bottom}, {k.Add, k.Toggle, k.Remove, k.Clear}},
	}
}

// faultsTab lists the fault rules in force with their hit counts, and adds (typed in
// the syntax of --fault, checked as it is typed), switches and removes them.
type faultsTab struct {
	sh      *shared
	k       faultKeys
	ik      inputKeys
	entries []fault.Entry
	loaded  bool
	sel     int
	top     int

	input  textinput.Model
	adding bool
	// preview is what the rule being typed does, or problem why it cannot be read.
	preview, problem string

	w, h int
}

func newFaultsTab(sh *shared) *faultsTab {
	in := textinput.New()
	in.Prompt = "rule › "
	in.Placeholder = faultExamples[0]
	in.CharLimit = 300
	return &faultsTab{sh: sh, k: newFaultKeys(), ik: newInputKeys(), input: in}
}

func (t *faultsTab) restyle() { t.input.SetStyles(t.sh.st.inputStyles()) }

func (t *faultsTab) setSize(w, h int) {
	t.w, t.h = w, h
	t.input.SetWidth(max(10, w-10))
	t.top = scrollWindow(t.top, t.sel, len(t.entries), t.tableRows())
}

func (t *faultsTab) typing() bool { return t.adding }

func (t *faultsTab) keys() keyMap {
	if t.adding {
		return t.ik.keyMap()
	}
	k := t.k
	d := t.sh.d
	k.Add.SetEnabled(d.AddFault != nil)
	has := len(t.entries) > 0
	for _, b := range []*key.Binding{&k.Up, &k.Down, &k.Top, &k.Bottom} {
		b.SetEnabled(len(t.entries) > 1)
	}
	k.Toggle.SetEnabled(d.SetFaultEnabled != nil && has)
	k.Remove.SetEnabled(d.RemoveFault != nil && has)
	k.Clear.SetEnabled(d.ClearFaults != nil && has)
	return k.keyMap()
}

// refresh reads the rules and their counters.
func (t *faultsTab) refresh() tea.Cmd {
	get := t.sh.d.Faults
	if get == nil {
		return nil
	}
	return func() tea.Msg { return faultsMsg{entries: get()} }
}

// touched refreshes the counters after traffic, when there are rules to count.
func (t *faultsTab) touched() tea.Cmd {
	if len(t.entries) == 0 {
		return nil
	}
	return t.refresh()
}

func (t *faultsTab) selected() *fault.Entry {
	if t.sel < 0 || t.sel >= len(t.entries) {
		return nil
	}
	return &t.entries[t.sel]
}

func (t *faultsTab) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case faultsMsg:
		t.loaded = true
		t.entries = msg.entries
		t.sel = max(0, min(t.sel, len(t.entries)-1))
		t.top = scrollWindow(t.top, t.sel, len(t.entries), t.tableRows())
		t.sh.faultsOn = 0
		for _, e := range t.entries {
			if e.Enabled {
				t.sh.faultsOn++
			}
		}
		return nil
	case faultChangedMsg:
		if msg.err != nil {
			t.sh.log.Error("change fault rules", "err", msg.err)
			return tea.Batch(toastErr("Could not change the fault rules: "+msg.err.Error()), t.refresh())
		}
		if msg.added {
			t.sel = len(t.entries)
		}
		return tea.Batch(toast(msg.note), t.refresh())
	case tea.KeyPressMsg:
		if t.adding {
			return t.updateInput(msg)
		}
		return t.onKey(msg)
	}
	if t.adding {
		var cmd tea.Cmd
		t.input, cmd = t.input.Update(msg)
		t.check()
		return cmd
	}
	return nil
}

func (t *faultsTab) onKey(msg tea.KeyPressMsg) tea.Cmd {
	d := t.sh.d
	e := t.selected()
	switch {
	case key.Matches(msg, t.k.Up):
		t.move(t.sel - 1)
	case key.Matches(msg, t.k.Down):
		t.move(t.sel + 1)
	case key.Matches(msg, t.k.Top):
		t.move(0)
	case key.Matches(msg, t.k.Bottom):
		t.move(len(t.entries) - 1)
	case key.Matches(msg, t.k.Add) && d.AddFault != nil:
		t.adding = true
		t.input.Reset()
		t.preview, t.problem = "", ""
		return t.input.Focus()
	case key.Matches(msg, t.k.Toggle) && d.SetFaultEnabled != nil && e != nil:
		set, id, on, text := d.SetFaultEnabled, e.ID, !e.Enabled, e.Rule.String()
		note := "Rule off: " + text
		if on {
			note = "Rule on: " + text
		}
		return func() tea.Msg { return faultChangedMsg{note: note, err: set(id, on)} }
	case key.Matches(msg, t.k.Remove) && d.RemoveFault != nil && e != nil:
		remove, id, text := d.RemoveFault, e.ID, e.Rule.String()
		return func() tea.Msg { return faultChangedMsg{note: "Removed: " + text, err: remove(id)} }
	case key.Matches(msg, t.k.Clear) && d.ClearFaults != nil && len(t.entries) > 0:
		clear, n := d.ClearFaults, len(t.entries)
		return func() tea.Msg {
			return confirmMsg{
				title: "Remove every fault rule?",
				body: "The " + plural(n, "rule", "rules") + " listed here are removed from this run and from the database: " +
					"every request is answered by the server again. Switching a rule off (space) keeps it for later instead.",
				action: "remove " + plural(n, "rule", "rules"),
				yes: func() tea.Msg {
					return faultChangedMsg{note: "Removed every fault rule; requests are answered by the server again", err: clear()}
				},
			}
		}
	}
	return nil
}

func (t *faultsTab) move(i int) {
	t.sel = max(0, min(i, len(t.entries)-1))
	t.top = scrollWindow(t.top, t.sel, len(t.entries), t.tableRows())
}

func (t *faultsTab) updateInput(msg tea.KeyPressMsg) tea.Cmd {
	switch {
	case key.Matches(msg, t.ik.Cancel):
		t.adding = false
		t.input.Blur()
		return nil
	case key.Matches(msg, t.ik.Accept):
		text := strings.TrimSpace(t.input.Value())
		if text == "" {
			t.adding = false
			t.input.Blur()
			return nil
		}
		if _, err := fault.Parse(text); err != nil {
			// The reason is on screen under the field; keep the text to fix it.
			t.check()
			return nil
		}
		t.adding = false
		t.input.Blur()
		add := t.sh.d.AddFault
		return func() tea.Msg {
			e, err := add(text)
			return faultChangedMsg{note: "Rule on: " + e.Rule.String(), added: true, err: err}
		}
	}
	var cmd tea.Cmd
	t.input, cmd = t.input.Update(msg)
	t.check()
	return cmd
}

// check reads the rule being typed, so the field says at once what it does or what is
// wrong with it.
func (t *faultsTab) check() {
	t.preview, t.problem = "", ""
	text := strings.TrimSpace(t.input.Value())
	if text == "" {
		return
	}
	r, err := fault.Parse(text)
	if err != nil {
		t.problem = err.Error()
		if fe, ok := err.(*fault.Error); ok {
			t.problem = strings.TrimPrefix(fe.Part+": "+fe.Problem, ": ")
		}
		return
	}
	t.preview = r.Describe()
}

// faultColumns are the rule table's columns.
var faultColumns = []column{
	{title: "ON", min: 3},
	{title: "RULE", min: 24, max: 72, flex: 1},
	{title: "MATCHED", min: 7, right: true, drop: 2},
	{title: "FIRED", min: 9, right: true, drop: 1},
}

// tableRows is how many rules fit: the tab minus the title (or field), the table
// header, and the explanation below.
func (t *faultsTab) tableRows() int { return max(1, t.h-2-len(t.below())) }

func (t *faultsTab) view() string {
	s := t.sh.st
	if t.sh.d.Faults == nil {
		return "\n" + s.Muted.Render(" Fault injection is not available in this console.")
	}
	var lines []string
	if t.adding {
		lines = append(lines, " "+t.input.View())
	} else {
		count := fmt.Sprintf("%d of %s on", t.sh.faultsOn, plural(len(t.entries), "rule", "rules"))
		if len(t.entries) == 0 {
			count = "no rules"
		}
		on := s.Muted.Render(count + " · fault seed " + t.seed() + " ")
		title := " " + s.Title.Render("Fault rules")
		if tagline := s.Muted.Render(" — requests they match fail on purpose"); cellWidth(title+tagline+on) < t.w {
			title += tagline
		}
		lines = append(lines, spread(title, on, t.w))
	}
	widths := layoutColumns(faultColumns, t.w)
	lines = append(lines, tableHeader(s, faultColumns, widths, t.w))
	rows := t.tableRows()
	switch {
	case !t.loaded:
		lines = append(lines, s.Muted.Render("  Reading the fault rules…"))
	case len(t.entries) == 0:
		lines = append(lines, "  "+s.Muted.Render("No fault rules: every request is answered by the server. ")+s.Key.Render("a")+s.Muted.Render(" adds one."))
	}
	for i := t.top; i < len(t.entries) && i < t.top+rows; i++ {
		lines = append(lines, tableRow(s, faultColumns, widths, t.cells(&t.entries[i]), i == t.sel, !t.adding, t.w))
	}
	below := t.below()
	for len(lines) < t.h-len(below) {
		lines = append(lines, "")
	}
	return strings.Join(append(lines[:min(len(lines), t.h-len(below))], below...), "\n")
}

func (t *faultsTab) seed() string {
	if t.sh.d.FaultSeed == nil {
		return "-"
	}
	return strconv.FormatUint(t.sh.d.FaultSeed(), 10)
}

func (t *faultsTab) cells(e *fault.Entry) []cell {
	s := t.sh.st
	on, onStyle := "on", &s.Fault
	if !e.Enabled {
		on, onStyle = "off", &s.Muted
	}
	fired := strconv.Itoa(e.Fired)
	firedStyle := &s.Text
	if e.Rule.Times != 0 {
		fired = fmt.Sprintf("%d/%d", e.Fired, e.Rule.Times)
		if e.Spent() {
			fired += " spent"
			firedStyle = &s.Muted
		}
	}
	ruleStyle := &s.Text
	if !e.Enabled {
		ruleStyle = &s.Muted
	}
	return []cell{
		{on, onStyle},
		{clean(e.Rule.String()), ruleStyle},
		{strconv.Itoa(e.Matched), &s.Muted},
		{fired, firedStyle},
	}
}

// below is the explanation under the table: what the typed or selected rule does, and
// the syntax with examples, cut to what the height allows.
func (t *faultsTab) below() []string {
	s := t.sh.st
	w := t.w - 2
	var out []string
	switch {
	case t.adding && t.problem != "":
		for _, l := range wrap("✘ "+t.problem, w) {
			out = append(out, " "+s.Error.Render(l))
		}
	case t.adding && t.preview != "":
		for _, l := range wrap("✔ "+t.preview, w) {
			out = append(out, " "+s.Success.Render(l))
		}
	case t.adding:
		out = append(out, " "+s.Muted.Render("Type a rule; enter adds it, esc cancels."))
	case t.selected() != nil:
		for _, l := range wrap(t.selected().Rule.Describe(), w) {
			out = append(out, " "+s.Text.Render(l))
		}
	}
	syntax := []string{rule(s, "Syntax", t.w)}
	for _, l := range wrap(fault.Syntax, w) {
		syntax = append(syntax, " "+s.Value.Render(l))
	}
	examples := "e.g. " + strings.Join(faultExamples, " · ")
	for _, l := range wrap(examples, w) {
		syntax = append(syntax, " "+s.Muted.Render(l))
	}
	// The table keeps at least three rows; the syntax goes first when room is short.
	room := t.h - 2 - 3
	block := out
	if len(out) > 0 {
		block = append([]string{""}, out...)
	}
	if full := append(append(append([]string{}, block...), ""), syntax...); len(full) <= room {
		block = full
	}
	return block[:max(0, min(len(block), room))]
}

// injectedLines is the inspector's section on an answer a fault rule injected: which
// rule, what it did, and that nothing was stored.
func injectedLines(s *Styles, f *exchange.Injected, status, w int) []string {
	if f == nil {
		return nil
	}
	held := ""
	if f.Delay > 0 {
		held = "held the request back for " + heldFor(f.Delay) + ", then "
	}
	var what string
	switch {
	case f.Drop:
		what = held + "closed the connection without an answer, in place of the server: nothing was stored"
	case f.Status != 0:
		what = held + "answered " + strconv.Itoa(f.Status)
		if f.RetryAfter > 0 {
			what += " with Retry-After: " + strconv.Itoa(f.RetryAfter)
		}
		what += ", in place of the server: nothing was stored"
	case status == statusClientClosed:
		what = "the client hung up during the " + heldFor(f.Delay) + " delay: nothing was stored"
	default:
		what = held + "let the server answer"
	}
	out := []string{"", " " + s.Fault.Render(faultMark+" Injected fault")}
	for _, l := range wrapIndent("rule "+clean(f.Rule), w-3, 5) {
		out = append(out, "   "+s.Value.Render(l))
	}
	for _, l := range wrap(what, w-3) {
		out = append(out, "   "+s.Text.Render(l))
	}
	return out
}

// statusClientClosed is the status the server records when the client hung up before
// the answer (nginx's 499).
const statusClientClosed = 499

// heldFor writes a delay as a rule writes it: 70s rather than 1m10s.
func heldFor(d time.Duration) string {
	if d%time.Second == 0 {
		return strconv.FormatInt(int64(d/time.Second), 10) + "s"
	}
	return dur(d)
}
