package tui

import (
	"fmt"
	"strings"

	"charm.land/lipgloss/v2"
)

// demoLine is the one line above the footer that tells the class, while a demo runs,
// which step plays, what comes next and which key goes on; after it, the verdict.
func (m Model) demoLine(w int) string {
	ds := m.demo
	r := ds.run
	s := m.sh.st
	key := func(k, what string) string { return s.Key.Render(k) + " " + s.Muted.Render(what) }
	if r.report != nil {
		head, st := demoVerdict(s, r)
		left := " " + st.Render(trunc(head, w-12))
		return spread(left, key("M", "report")+" ", w)
	}
	p := r.last
	pace, paused := r.gate.state()
	mark, markStyle := "▶", s.Success
	if paused {
		mark, markStyle = "⏸", s.Warning
	}
	lead := markStyle.Render(mark+" Demo") + " " + s.Title.Render(r.choice.Short)
	var step, doing, next string
	nextKey := key(".", "next")
	switch {
	case !r.started:
		step = s.Muted.Render("starting…")
	case p.Phase == DemoStepStarting && pace.manual(DemoBeforeStep):
		step = s.Muted.Render(fmt.Sprintf("next: %d/%d ", p.Step, p.Steps)) + s.Text.Render(p.Title)
		nextKey = key(".", "plays it")
	case p.Phase == DemoSending && (pace.manual(DemoBeforeRequest) || paused):
		step = s.Muted.Render(fmt.Sprintf("%d/%d ", p.Step, p.Steps)) + s.Text.Render(p.Title)
		doing = s.Muted.Render("next request: ") + s.Text.Render(p.What)
		nextKey = key(".", "sends it")
	default:
		step = s.Muted.Render(fmt.Sprintf("%d/%d ", p.Step, p.Steps)) + s.Text.Render(p.Title)
		switch p.Phase {
		case DemoSending:
			doing = s.Muted.Render(p.What)
		case DemoAnswered:
			doing = s.Muted.Render(p.Request+" → ") + s.status(p.Status).Render(fmt.Sprint(p.Status))
		}
		if p.Next != "" {
			next = s.Muted.Render("next: " + p.Next)
		}
	}
	pauseKey := key("P", "pause")
	if paused {
		pauseKey = key("P", "resume")
	}
	stopKey := key("M", "stop")
	sep := s.Faint.Render(" · ")
	paceText := s.Faint.Render(pace.short())
	// The step and the key that goes on matter most; what is sent, what comes next,
	// the pace and the other keys give way, in that order, when the line is short.
	for _, ks := range [][]string{{nextKey, pauseKey, stopKey}, {nextKey, stopKey}, {nextKey}} {
		right := strings.Join(ks, "  ") + " "
		for _, parts := range [][]string{
			{lead, step, doing, next, paceText},
			{lead, step, doing, next},
			{lead, step, doing},
			{lead, step, next},
			{lead, step},
		} {
			var kept []string
			for _, part := range parts {
				if part != "" {
					kept = append(kept, part)
				}
			}
			left := " " + strings.Join(kept, sep)
			if cellWidth(left)+cellWidth(right)+1 <= w {
				return spread(left, right, w)
			}
		}
	}
	return " " + trunc(lead+sep+step, w-1)
}

// demoVerdict is the one-line verdict of a finished demo and its style.
func demoVerdict(s *Styles, r *demoRun) (string, lipgloss.Style) {
	rep := r.report
	switch {
	case rep.Err != "":
		return "Demo " + r.choice.Short + " could not run: " + rep.Err, s.Error
	case rep.Stopped:
		return fmt.Sprintf("Demo %s stopped at step %d/%d, after %s", r.choice.Short, r.last.Step, r.last.Steps, plural(r.last.Requests, "request", "requests")), s.Warning
	case rep.Passed:
		return "Demo " + r.choice.Short + " · " + rep.Summary, s.Success
	}
	return "Demo " + r.choice.Short + " · " + rep.Summary, s.Error
}

// demoPanelView is the demo panel, at most w×h: what to play at which pace, and the
// state of the demo running or the report of the last one.
func (m Model) demoPanelView(w, h int) string {
	s := m.sh.st
	ds := m.demo
	bw := min(78, w-2)
	inner := bw - 4
	lines := []string{s.DialogTitle.Render(trunc("Demo: play an identity provider against this scimlab", inner)), ""}
	for i, c := range ds.choices {
		label, mark, st := "       ", "  ", s.Text
		if i == 0 {
			label = "IdP    "
		}
		if i == ds.sel {
			mark, st = s.Marker.Render("▸ "), s.Bold
		}
		lines = append(lines, s.Label.Render(label)+mark+st.Render(trunc(c.Title, inner-9)))
	}
	lines = append(lines, s.Label.Render("Pace   ")+s.Key.Render("◂ ")+s.Bold.Render(paces[ds.pace].name)+s.Key.Render(" ▸"), "")
	for _, l := range wrap("Each request goes to this scimlab over HTTP as the IdP sends it, and the IdP's walkthrough starts afresh.", inner) {
		lines = append(lines, s.Muted.Render(l))
	}
	// The border takes two lines.
	room := h - 2 - len(lines) - 1
	if status := m.demoPanelStatus(inner, room); len(status) > 0 {
		lines = append(append(lines, ""), status...)
	}
	return s.Dialog.Padding(0, 1).Width(bw).Render(strings.Join(lines, "\n"))
}

// demoNoteLines is how much of a failed step's note the panel shows.
const demoNoteLines = 3

// demoPanelStatus tells, in at most room lines of w cells, what the demo is doing,
// or what the simulator's report said about the last one: its verdict, then the
// steps, those that did not pass first, each with what the real IdP would do next.
func (m Model) demoPanelStatus(w, room int) []string {
	s := m.sh.st
	r := m.demo.run
	if r == nil || room <= 0 {
		return nil
	}
	if r.report == nil {
		p := r.last
		pace, paused := r.gate.state()
		now := fmt.Sprintf("Playing %s: step %d/%d %s · %s", r.choice.Short, p.Step, p.Steps, p.Title, pace.short())
		if paused {
			now += " · paused"
		}
		return wrapStyled(s.Text, now, w, room)
	}
	head, st := demoVerdict(s, r)
	out := wrapStyled(st, head, w, room)
	var bad, good []string
	for _, step := range r.report.Steps {
		glyph, gs := "✔", s.StepDone
		switch step.Status {
		case "failed":
			glyph, gs = "✘", s.StepFailed
		case "skipped", "not run":
			glyph, gs = "–", s.Muted
		}
		line := gs.Render(glyph) + " " + s.Muted.Render(fmt.Sprintf("%2d ", step.Index)) + s.Text.Render(trunc(step.Title, w-5))
		if step.Status == "passed" {
			good = append(good, line)
			continue
		}
		bad = append(bad, line)
		if len(step.Notes) > 0 {
			// The note's first lines name what went wrong; scimlab simulate prints it whole.
			note := wrapIndent("→ "+clean(step.Notes[0]), w-5, 2)
			if len(note) > demoNoteLines {
				note = append(note[:demoNoteLines-1], fit(note[demoNoteLines-1], w-6)+"…")
			}
			for _, l := range note {
				bad = append(bad, "     "+s.Hint.Render(l))
			}
		}
	}
	left := room - len(out)
	if len(bad) > left {
		bad = append(bad[:max(0, left-1)], s.Muted.Render("… more in scimlab simulate's report"))
	}
	out = append(out, bad...)
	left = room - len(out)
	if len(good) > left && left > 0 {
		good = append(good[:left-1], s.Muted.Render(fmt.Sprintf("✔ and %d more steps passed", len(good)-left+1)))
	}
	if left > 0 {
		out = append(out, good[:min(len(good), left)]...)
	}
	return out
}

// wrapStyled wraps text to w cells, at most max lines, in one style.
func wrapStyled(st lipgloss.Style, text string, w, most int) []string {
	var out []string
	for _, l := range wrap(clean(text), w) {
		if len(out) == most {
			break
		}
		out = append(out, st.Render(l))
	}
	return out
}
