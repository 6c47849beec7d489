package tui

import (
	"fmt"
	"strings"
	"time"

	"github.com/scimlab/scimlab/exchange"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/scimlab/scimlab/idp"
)

// narrationCap bounds the remembered narration lines.
const narrationCap = 200

// narration is one event told in words for the walkthrough and presenter.
type narration struct {
	at   time.Time
	ann  exchange.Annotation
	text string
	bad  bool
	seq  int64
}

// walkthroughTab shows the guided checklist of an IdP's setup, ticking steps
// as the matching traffic arrives, and a presenter view for trainers.
type walkthroughTab struct {
	sh *shared
	k  walkthroughKeys

	idp    exchange.IdP // exchange.Okta or exchange.Entra
	pinned bool         // the user chose the IdP; do not follow the traffic
	steps  []idp.StepState
	ok     bool
	loaded bool

	sel       int
	selPinned bool // the user moved the selection; do not follow the current step

	presenter bool
	// narr is every event told since the console started; the view shows those that
	// concern the chosen IdP and came after its last restart.
	narr  []narration
	after int64

	w, h int
}

func newWalkthroughTab(sh *shared) *walkthroughTab {
	return &walkthroughTab{sh: sh, k: newWalkthroughKeys(), idp: exchange.Okta}
}

func (t *walkthroughTab) setSize(w, h int) { t.w, t.h = w, h }

func (t *walkthroughTab) typing() bool { return false }

func (t *walkthroughTab) keys() keyMap {
	k := t.k
	k.Reset.SetEnabled(t.sh.d.ResetWalkthrough != nil)
	if t.presenter {
		k.Presenter.SetHelp("p", "back to checklist")
		k.Up.SetHelp("←/k", "previous step")
		k.Down.SetHelp("→/j", "next step")
	}
	return k.keyMap()
}

// refresh reads the current snapshot of the chosen walkthrough.
func (t *walkthroughTab) refresh() tea.Cmd {
	get := t.sh.d.Walkthrough
	if get == nil {
		return nil
	}
	p := t.idp
	return func() tea.Msg {
		w := get(p)
		return walkthroughMsg{idp: p, steps: w.Steps(), ok: w != nil, after: w.After()}
	}
}

// seed narrates the history read at start-up (rows newest first), so a
// resumed rehearsal shows what already happened, and picks the walkthrough of
// the IdP that spoke last.
func (t *walkthroughTab) seed(rows []exchange.Record) tea.Cmd {
	var cmd tea.Cmd
	for _, r := range rows {
		if k := r.IdP; k != exchange.Unknown {
			if !t.pinned && k != t.idp {
				t.idp = k
				t.selPinned = false
				cmd = t.refresh()
			}
			break
		}
	}
	old := t.narr
	t.narr = nil
	for i := len(rows) - 1; i >= 0; i-- {
		t.narrate(&rows[i])
	}
	for _, n := range old {
		if len(t.narr) == 0 || n.seq > t.narr[len(t.narr)-1].seq {
			t.narr = append(t.narr, n)
		}
	}
	t.trim()
	return cmd
}

func (t *walkthroughTab) narrate(r *exchange.Record) {
	text := r.Summary
	if text == "" {
		text = fmt.Sprintf("%s %s → %s", r.Method, shortPath(target(r)), statusText(r.Status))
	}
	if w := r.Auth.Short(); w != "" && r.Status == 401 && r.Summary == "" {
		text += " (" + w + ")"
	}
	t.narr = append(t.narr, narration{at: r.Time, ann: r.Annotation, text: text, bad: r.Status >= 400, seq: r.Seq})
}

// trim keeps the newest narrationCap lines, copying only when the slice has
// grown to twice that, so a flood does not copy on every burst.
func (t *walkthroughTab) trim() {
	if len(t.narr) > 2*narrationCap {
		t.narr = append([]narration(nil), t.narr[len(t.narr)-narrationCap:]...)
	}
}

// addEvents narrates a burst and, when it came from an IdP, refreshes the
// checklist (switching to that IdP unless the user picked one).
func (t *walkthroughTab) addEvents(evs []exchange.Event) tea.Cmd {
	refresh := false
	for _, e := range evs {
		r := e.Record
		t.narrate(&r)
		if k := e.IdP; k != exchange.Unknown {
			refresh = true
			if !t.pinned && k != t.idp {
				t.idp = k
				t.selPinned = false
			}
		}
	}
	t.trim()
	if refresh {
		return t.refresh()
	}
	return nil
}

// currentStep is the step the IdP is expected to do next.
func (t *walkthroughTab) currentStep() int {
	for i, s := range t.steps {
		if s.Status == idp.StatusCurrent || s.Status == idp.StatusFailed {
			return i
		}
	}
	for i, s := range t.steps {
		if s.Status == idp.StatusPending {
			return i
		}
	}
	return max(0, len(t.steps)-1)
}

func (t *walkthroughTab) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case walkthroughMsg:
		if msg.idp != t.idp {
			return nil
		}
		t.steps, t.ok, t.loaded, t.after = msg.steps, msg.ok, true, msg.after
		if !t.selPinned {
			t.sel = t.currentStep()
		}
		t.sel = max(0, min(t.sel, len(t.steps)-1))
		return nil
	case walkthroughResetMsg:
		if msg.idp != t.idp {
			return nil
		}
		t.selPinned = false
		return tea.Batch(t.refresh(), toast("The "+msg.idp.Title()+" walkthrough starts afresh: every step is pending again"))
	case tea.KeyPressMsg:
		n := len(t.steps)
		switch {
		case key.Matches(msg, t.k.Up):
			t.sel = max(0, t.sel-1)
			t.selPinned = true
		case key.Matches(msg, t.k.Down):
			t.sel = min(max(0, n-1), t.sel+1)
			t.selPinned = true
		case key.Matches(msg, t.k.Okta):
			return t.choose(exchange.Okta)
		case key.Matches(msg, t.k.Entra):
			return t.choose(exchange.Entra)
		case key.Matches(msg, t.k.Presenter):
			t.presenter = !t.presenter
			t.selPinned = false
			t.sel = t.currentStep()
		case key.Matches(msg, t.k.Reset) && t.sh.d.ResetWalkthrough != nil:
			return t.confirmReset()
		case key.Matches(msg, t.k.Jump):
			if t.sel < n && t.steps[t.sel].SeenSeq > 0 {
				seq := t.steps[t.sel].SeenSeq
				return func() tea.Msg { return jumpToRequestMsg{seq: seq} }
			}
		}
	case tea.MouseWheelMsg:
		switch msg.Button {
		case tea.MouseWheelUp:
			t.sel = max(0, t.sel-1)
			t.selPinned = true
		case tea.MouseWheelDown:
			t.sel = min(max(0, len(t.steps)-1), t.sel+1)
			t.selPinned = true
		}
	}
	return nil
}

// confirmReset asks before the checklist of the IdP shown loses its
// progress: a trainer starting the next group, not a slip of the finger.
func (t *walkthroughTab) confirmReset() tea.Cmd {
	reset, p := t.sh.d.ResetWalkthrough, t.idp
	c := confirmMsg{
		title: "Restart the " + p.Title() + " walkthrough?",
		body: "Every step goes back to pending and its live narration is cleared, for the next rehearsal. " +
			"The request log and the users and groups " + p.Title() + " provisioned stay as they are.",
		action: "restart",
		yes: func() tea.Msg {
			reset(p)
			return walkthroughResetMsg{idp: p}
		},
	}
	return func() tea.Msg { return c }
}

func (t *walkthroughTab) choose(p exchange.IdP) tea.Cmd {
	t.pinned = true
	if t.idp != p {
		t.idp = p
		t.loaded = false
		t.steps = nil
		t.selPinned = false
	}
	return t.refresh()
}

func (t *walkthroughTab) done() int {
	n := 0
	for _, s := range t.steps {
		if s.Status == idp.StatusDone {
			n++
		}
	}
	return n
}

func (t *walkthroughTab) title() string { return t.idp.Title() }

func (t *walkthroughTab) view() string {
	if t.presenter {
		return t.presenterView()
	}
	s := t.sh.st
	w, h := t.w, t.h
	head := " " + s.Title.Render(t.title()+" walkthrough")
	if len(t.steps) > 0 {
		head += s.Muted.Render(fmt.Sprintf(" · %d of %d done", t.done(), len(t.steps)))
	}
	choose := s.Key.Render("o") + s.Muted.Render(" Okta  ") + s.Key.Render("e") + s.Muted.Render(" Entra  ") + s.Key.Render("p") + s.Muted.Render(" presenter ")
	lines := []string{spread(head, choose, w), progressBar(s, t.done(), len(t.steps), w)}
	lines = append(lines, t.hintBlock(w, h)...)
	bodyH := h - len(lines)
	if !t.ok || len(t.steps) == 0 {
		msg := "Reading the walkthrough…"
		if t.sh.d.Walkthrough == nil || (t.loaded && !t.ok) {
			msg = "The guided checklist for " + t.idp.Title() + " is not available; the live narration below still tells each request in words."
		}
		body := []string{""}
		for _, l := range wrap(msg, w-4) {
			body = append(body, "  "+s.Muted.Render(l))
		}
		body = append(body, "", rule(s, "Live", w))
		body = append(body, t.narrationLines(w, bodyH-len(body), false)...)
		return strings.Join(append(lines, body...), "\n")
	}
	if w >= wideWidth {
		lw, rw := hsplit(w, 50)
		left := t.stepList(lw, bodyH)
		detail := t.stepDetail(rw)
		right := append(detail, "", rule(s, "Live", rw))
		right = append(right, t.narrationLines(rw, bodyH-len(right), false)...)
		return strings.Join(lines, "\n") + "\n" + joinPanes(s, strings.Join(left, "\n"), lw, strings.Join(right, "\n"), rw, bodyH)
	}
	listH := min(len(t.steps), max(3, bodyH/2))
	body := t.stepList(w, listH)
	body = append(body, rule(s, fmt.Sprintf("Step %d", t.sel+1), w))
	body = append(body, t.stepDetail(w)...)
	if rest := bodyH - len(body) - 1; rest >= 3 {
		body = append(body, rule(s, "Live", w))
		body = append(body, t.narrationLines(w, rest, false)...)
	}
	return strings.Join(append(lines, body...), "\n")
}

// progressBar draws done/total as a thin bar.
func progressBar(s *Styles, done, total, w int) string {
	if total == 0 {
		return ""
	}
	bw := w - 2
	filled := bw * done / total
	return " " + s.StepDone.Render(strings.Repeat("━", filled)) + s.Faint.Render(strings.Repeat("━", bw-filled))
}

func (t *walkthroughTab) stepList(w, h int) []string {
	s := t.sh.st
	top := scrollWindow(0, t.sel, len(t.steps), h)
	var out []string
	for i := top; i < len(t.steps) && i < top+h; i++ {
		st := t.steps[i]
		style, glyph := s.step(st.Status)
		line := style.Render(glyph) + " " + s.Muted.Render(fmt.Sprintf("%2d ", i+1)) + style.Render(clean(st.Title))
		if st.Status == idp.StatusDone && !st.SeenAt.IsZero() {
			line = spread(line, s.Faint.Render(clock(st.SeenAt)), w-3)
		}
		prefix := "  "
		if i == t.sel {
			prefix = s.Marker.Render("▌ ")
			line = s.SelectedDim.Render(fit(line, w-2))
		}
		out = append(out, prefix+line)
	}
	return out
}

// stepDetail explains the selected step: what to do in the IdP's admin
// console, what was seen, and the diagnosis when it failed.
func (t *walkthroughTab) stepDetail(w int) []string {
	s := t.sh.st
	if t.sel >= len(t.steps) {
		return nil
	}
	st := t.steps[t.sel]
	style, glyph := s.step(st.Status)
	var out []string
	add := func(label, text string, ts lipgloss.Style) {
		if text == "" {
			return
		}
		for i, l := range wrap(clean(text), w-12) {
			lab := strings.Repeat(" ", 9)
			if i == 0 {
				lab = fit(label, 9)
			}
			out = append(out, " "+s.Label.Render(lab)+" "+ts.Render(l))
		}
	}
	out = append(out, " "+style.Render(glyph+" "+clean(st.Title)))
	add("Do", st.Instruction, s.Text)
	switch {
	case st.Status == idp.StatusFailed:
		add("Seen", st.Seen, s.Muted)
		add("Diagnosis", st.Diagnosis, s.Why)
	case st.Seen != "":
		add("Seen", st.Seen, s.Success)
	case st.Manual && st.Status != idp.StatusDone:
		add("Ticks", "This step sends no request: it ticks itself when a later step is seen.", s.Muted)
	}
	if st.SeenSeq > 0 {
		out = append(out, " "+strings.Repeat(" ", 10)+s.Key.Render("enter")+s.Muted.Render(fmt.Sprintf(" opens request #%d", st.SeenSeq)))
	}
	return out
}

// narrationLines tells the newest events in words, newest first.
func (t *walkthroughTab) narrationLines(w, h int, big bool) []string {
	s := t.sh.st
	if h <= 0 {
		return nil
	}
	var out []string
	for i := len(t.narr) - 1; i >= 0 && len(out) < h; i-- {
		n := t.narr[i]
		if n.seq <= t.after {
			break
		}
		if !idp.Concerns(t.idp, n.ann) {
			continue
		}
		st := s.Narrated
		if n.bad {
			st = s.Why
		}
		prefix := s.Faint.Render(clock(n.at)) + "  "
		text := clean(n.text)
		lines := wrapIndent(text, w-12, 0)
		for j, l := range lines {
			if j > 0 {
				prefix = strings.Repeat(" ", 10)
			}
			out = append(out, " "+prefix+st.Render(l))
		}
		if n.bad {
			for _, hint := range n.ann.Hints {
				for _, l := range wrapIndent("› "+clean(hint.Text), w-14, 2) {
					out = append(out, " "+strings.Repeat(" ", 12)+s.Hint.Render(l))
				}
			}
		}
		if big && len(out) < h {
			out = append(out, "")
		}
	}
	if len(out) == 0 {
		return []string{" " + s.Faint.Render("Waiting for the first request from "+t.idp.Title()+"…")}
	}
	if len(out) > h {
		out = out[:h]
	}
	return out
}

// presenterView shows one step large, for a trainer's projector, with the
// events narrated underneath.
func (t *walkthroughTab) presenterView() string {
	s := t.sh.st
	w, h := t.w, t.h
	tw := min(w-8, 100)
	pad := strings.Repeat(" ", max(0, (w-tw)/2))
	var out []string
	if len(t.steps) == 0 {
		out = append(out, "", center(s.BigTitle.Render(strings.ToUpper(t.title())+" · LIVE"), w))
		out = append(out, t.presenterHints(tw, h-len(out), pad)...)
		out = append(out, "", rule(s, "What just happened", w))
		for _, l := range t.narrationLines(tw, h-len(out), true) {
			out = append(out, pad+l)
		}
		return strings.Join(out, "\n")
	}
	st := t.steps[t.sel]
	style, glyph := s.step(st.Status)
	caption := fmt.Sprintf("%s · STEP %d OF %d", strings.ToUpper(t.title()), t.sel+1, len(t.steps))
	out = append(out, "", center(s.Muted.Render(caption), w), "")
	if h >= 24 {
		for _, l := range bigText(fmt.Sprintf("%d/%d", t.sel+1, len(t.steps))) {
			out = append(out, center(style.Render(l), w))
		}
		out = append(out, "")
	}
	title := strings.ToUpper(clean(st.Title))
	// Letter spacing makes a short title read as a heading from the back of
	// a room; a long one only gets harder to read.
	if spaced := letterSpace(title); cellWidth(title) <= 24 && cellWidth(spaced)+8 <= w {
		title = spaced
	}
	out = append(out, center(style.Render(glyph+"  "+title), w), "")
	for _, l := range wrap(clean(st.Instruction), tw) {
		out = append(out, pad+s.BigTitle.Render(l))
	}
	switch {
	case st.Status == idp.StatusFailed && st.Diagnosis != "":
		out = append(out, "")
		for _, l := range wrap("✘ "+clean(st.Diagnosis), tw) {
			out = append(out, pad+s.Why.Render(l))
		}
	case st.Seen != "":
		out = append(out, "")
		for _, l := range wrap("✔ "+clean(st.Seen), tw) {
			out = append(out, pad+s.Success.Render(l))
		}
	}
	out = append(out, t.presenterHints(tw, h-len(out), pad)...)
	out = append(out, "", rule(s, "What just happened", w))
	for _, l := range t.narrationLines(tw, h-len(out), true) {
		out = append(out, pad+l)
	}
	return strings.Join(out, "\n")
}

// presenterHints shows the pending hints in the presenter view, in at most a
// third of the room left, so the audience also learns why nothing happens.
func (t *walkthroughTab) presenterHints(tw, room int, pad string) []string {
	hints := hintLines(t.sh.st, t.sh.pending, tw, max(0, room/3), "")
	if len(hints) == 0 {
		return nil
	}
	out := []string{""}
	for _, l := range hints {
		out = append(out, pad+l)
	}
	return out
}

// hintBlock shows the pending hints under the progress bar: when nothing
// arrives, what to do about it matters more than the checklist.
func (t *walkthroughTab) hintBlock(w, h int) []string {
	hints := hintLines(t.sh.st, t.sh.pending, w-2, max(0, (h-2)/3), "")
	if len(hints) == 0 {
		return nil
	}
	out := []string{""}
	for _, l := range hints {
		out = append(out, " "+l)
	}
	return append(out, "")
}

func letterSpace(s string) string {
	var b strings.Builder
	for i, r := range s {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// bigFont is a 5-row block font for the presenter's step counter.
var bigFont = map[rune][5]string{
	'0': {"████", "█  █", "█  █", "█  █", "████"},
	'1': {"  █ ", " ██ ", "  █ ", "  █ ", " ███"},
	'2': {"████", "   █", "████", "█   ", "████"},
	'3': {"████", "   █", " ███", "   █", "████"},
	'4': {"█  █", "█  █", "████", "   █", "   █"},
	'5': {"████", "█   ", "████", "   █", "████"},
	'6': {"████", "█   ", "████", "█  █", "████"},
	'7': {"████", "   █", "  █ ", " █  ", " █  "},
	'8': {"████", "█  █", "████", "█  █", "████"},
	'9': {"████", "█  █", "████", "   █", "████"},
	'/': {"   █", "  █ ", " █  ", " █  ", "█   "},
}

// bigText renders digits and slashes in the block font.
func bigText(s string) []string {
	var rows [5]strings.Builder
	for i, r := range s {
		g, ok := bigFont[r]
		if !ok {
			continue
		}
		for j := range rows {
			if i > 0 {
				rows[j].WriteString("  ")
			}
			rows[j].WriteString(g[j])
		}
	}
	out := make([]string, 5)
	for j := range rows {
		out[j] = rows[j].String()
	}
	return out
}
