package tui

import (
	"context"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// demoState is the console's side of the Demo action: what the panel offers and
// has chosen, and the run going on or last finished. The run plays in a goroutine
// of its own, started from a command; the console hears from it through messages
// and paces it through its gate, and never waits for it.
type demoState struct {
	d       Demo
	choices []DemoChoice
	sel     int
	pace    demoPace
	panel   bool
	run     *demoRun
	// gen numbers the runs, so the messages of a run that was replaced are ignored.
	gen int
	k   demoKeys
	pk  demoPanelKeys
}

// demoRun is one demo: its gate, how to stop it, where its progress arrives, and at
// the end its report.
type demoRun struct {
	gen      int
	choice   DemoChoice
	ctx      context.Context
	cancel   context.CancelFunc
	gate     *demoGate
	progress chan DemoProgress
	done     chan struct{}
	last     DemoProgress
	started  bool
	report   *DemoReport
	// dismissed hides the finished run's line once its report was looked at.
	dismissed bool
}

func newDemoState(d Demo) *demoState {
	ds := &demoState{d: d, pace: paceStep, k: newDemoKeys(), pk: newDemoPanelKeys()}
	if d != nil {
		ds.choices = d.Choices()
	}
	return ds
}

// available tells that there is something to play.
func (ds *demoState) available() bool { return ds.d != nil && len(ds.choices) > 0 }

// running tells that a demo plays now.
func (ds *demoState) running() bool { return ds.run != nil && ds.run.report == nil }

// lineShown tells that the demo line is on screen: while a demo runs, and after it
// until its report has been opened.
func (ds *demoState) lineShown() bool { return ds.run != nil && !ds.run.dismissed }

// demoLines is the height of the demo line: 1 while it is shown.
func (m Model) demoLines() int {
	if m.demo.lineShown() {
		return 1
	}
	return 0
}

// send hands the run's newest progress to the console. Only the newest matters, so
// an older one still waiting is replaced and the run never waits for the console.
func (r *demoRun) send(p DemoProgress) {
	select {
	case r.progress <- p:
		return
	default:
	}
	select {
	case <-r.progress:
	default:
	}
	select {
	case r.progress <- p:
	default:
	}
}

// waitProgress delivers the run's next progress; it ends quietly with the run.
func (r *demoRun) waitProgress() tea.Cmd {
	return func() tea.Msg {
		select {
		case p := <-r.progress:
			return demoProgressMsg{gen: r.gen, p: p}
		case <-r.done:
			return nil
		}
	}
}

// play runs the demo to its end in the command's goroutine and reports it.
func (ds *demoState) play(r *demoRun) tea.Cmd {
	d := ds.d
	return func() tea.Msg {
		rep := d.Play(r.ctx, r.choice.ID, r.gate, r.send)
		close(r.done)
		return demoDoneMsg{gen: r.gen, report: rep}
	}
}

// startDemo starts the chosen demo afresh: a run still going is stopped, the
// walkthrough tab shows the demo's IdP and its checklist restarts, and the run
// begins once it has (demoReadyMsg).
func (m *Model) startDemo() tea.Cmd {
	ds := m.demo
	if ds.running() {
		ds.run.cancel()
	}
	ds.gen++
	c := ds.choices[ds.sel]
	ctx, cancel := context.WithCancel(m.sh.ctx)
	ds.run = &demoRun{gen: ds.gen, choice: c, ctx: ctx, cancel: cancel, gate: newDemoGate(ds.pace),
		progress: make(chan DemoProgress, 1), done: make(chan struct{})}
	ds.panel = false
	m.resize()
	reset, gen := m.sh.d.ResetWalkthrough, ds.gen
	return tea.Batch(m.setActive(tabWalkthrough), m.walk.choose(c.IdP), func() tea.Msg {
		if reset != nil {
			reset(c.IdP)
		}
		return demoReadyMsg{gen: gen}
	})
}

// onDemo handles the messages of a demo run.
func (m *Model) onDemo(msg tea.Msg) tea.Cmd {
	ds := m.demo
	r := ds.run
	switch msg := msg.(type) {
	case demoReadyMsg:
		if r == nil || msg.gen != r.gen {
			return nil
		}
		m.walk.selPinned = false
		return tea.Batch(m.walk.refresh(), ds.play(r), r.waitProgress())
	case demoProgressMsg:
		if r == nil || msg.gen != r.gen || r.report != nil {
			return nil
		}
		r.last, r.started = msg.p, true
		return r.waitProgress()
	case demoDoneMsg:
		if r == nil || msg.gen != r.gen {
			return nil
		}
		rep := msg.report
		r.report = &rep
		r.cancel()
		return m.walk.refresh()
	}
	return nil
}

// stopDemo ends the running demo; its report follows as a demoDoneMsg.
func (ds *demoState) stopDemo() {
	if ds.running() {
		ds.run.cancel()
	}
}

// setPace changes the pace chosen, and the running demo's.
func (ds *demoState) setPace(p demoPace) {
	ds.pace = max(0, min(paceCount-1, p))
	if ds.running() {
		ds.run.gate.setPace(ds.pace)
	}
}

// demoKey handles the demo's keys on any tab; ok is false for other keys.
func (m *Model) demoKey(msg tea.KeyPressMsg) (cmd tea.Cmd, ok bool) {
	ds := m.demo
	if !ds.available() {
		return nil, false
	}
	switch {
	case key.Matches(msg, ds.k.Open):
		ds.panel = true
		return nil, true
	case !ds.running():
		return nil, false
	case key.Matches(msg, ds.k.Next):
		ds.run.gate.advance()
	case key.Matches(msg, ds.k.Pause):
		ds.run.gate.togglePause()
	case key.Matches(msg, ds.k.Faster):
		ds.setPace(ds.pace + 1)
	case key.Matches(msg, ds.k.Slower):
		ds.setPace(ds.pace - 1)
	default:
		return nil, false
	}
	return nil, true
}

// demoPanelKey handles a key while the demo panel is open; the panel takes every key.
func (m *Model) demoPanelKey(msg tea.KeyPressMsg) tea.Cmd {
	ds := m.demo
	k := ds.pk
	switch {
	case key.Matches(msg, k.Close):
		ds.panel = false
		if ds.run != nil && ds.run.report != nil && !ds.run.dismissed {
			ds.run.dismissed = true
			m.resize()
		}
	case key.Matches(msg, k.Up):
		ds.sel = max(0, ds.sel-1)
	case key.Matches(msg, k.Down):
		ds.sel = min(len(ds.choices)-1, ds.sel+1)
	case key.Matches(msg, k.Slower):
		ds.setPace(ds.pace - 1)
	case key.Matches(msg, k.Faster):
		ds.setPace(ds.pace + 1)
	case key.Matches(msg, k.Start):
		return m.startDemo()
	case key.Matches(msg, k.Stop) && ds.running():
		ds.stopDemo()
		ds.panel = false
	}
	return nil
}

// panelKeys is the footer's key map while the panel is open.
func (ds *demoState) panelKeys() keyMap {
	k := ds.pk
	k.Stop.SetEnabled(ds.running())
	if ds.running() {
		k.Start.SetHelp("enter", "start again")
	}
	return k.keyMap()
}
