package tui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/scimlab/scimlab/exchange"
)

// fakeDemo plays a scripted run of steps, one request each, through the gate it is
// given, as package app's demo does with the simulator.
type fakeDemo struct {
	steps []string
	// waiting hears, without blocking the run, each point it is about to wait at:
	// "step 2", "request 2".
	waiting chan string
	mu      sync.Mutex
	// played lists the choices played.
	played []string
}

func (f *fakeDemo) Choices() []DemoChoice {
	return []DemoChoice{
		{ID: "okta-aiw", IdP: exchange.Okta, Title: "Okta — App Integration Wizard app", Short: "Okta AIW"},
		{ID: "entra", IdP: exchange.Entra, Title: "Microsoft Entra ID — non-gallery app", Short: "Entra"},
	}
}

func (f *fakeDemo) Play(ctx context.Context, id string, gate DemoGate, progress func(DemoProgress)) DemoReport {
	f.mu.Lock()
	f.played = append(f.played, id)
	f.mu.Unlock()
	var p DemoProgress
	var done []DemoStepResult
	for i, title := range f.steps {
		p = DemoProgress{Phase: DemoStepStarting, Step: i + 1, Steps: len(f.steps), Title: title, Requests: p.Requests}
		if i+1 < len(f.steps) {
			p.Next = f.steps[i+1]
		}
		progress(p)
		f.at(fmt.Sprint("step ", i+1))
		if gate.Wait(ctx, DemoBeforeStep) != nil {
			return DemoReport{Stopped: true, Summary: "FAILED: stopped", Steps: done}
		}
		p.Phase, p.Request, p.What = DemoSending, "POST /Users", fmt.Sprintf("Okta creates user%d@example.com", i+1)
		progress(p)
		f.at(fmt.Sprint("request ", i+1))
		if gate.Wait(ctx, DemoBeforeRequest) != nil {
			return DemoReport{Stopped: true, Summary: "FAILED: stopped", Steps: done}
		}
		p.Phase, p.Status = DemoAnswered, 201
		p.Requests++
		progress(p)
		p.Phase, p.StepStatus = DemoStepFinished, "passed"
		progress(p)
		done = append(done, DemoStepResult{Index: i + 1, Title: title, Status: "passed"})
	}
	return DemoReport{Passed: true, Summary: fmt.Sprintf("PASSED: all %d steps passed · %d requests", len(f.steps), p.Requests), Steps: done}
}

func (f *fakeDemo) at(point string) {
	select {
	case f.waiting <- point:
	default:
	}
}

// expectAt waits until the run reaches point, having passed every point before it.
func (f *fakeDemo) expectAt(t *testing.T, point string) {
	t.Helper()
	timeout := time.After(5 * time.Second)
	for {
		select {
		case got := <-f.waiting:
			if got == point {
				return
			}
		case <-timeout:
			t.Fatalf("the demo never reached %s", point)
		}
	}
}

// stays checks the run has gone no further than the point it waits at.
func (f *fakeDemo) stays(t *testing.T) {
	t.Helper()
	select {
	case got := <-f.waiting:
		t.Fatalf("the demo went on to %s without a key press", got)
	case <-time.After(50 * time.Millisecond):
	}
}

func (f *fakeDemo) plays() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.played...)
}

// The gate lets a run past a point only as the pace and the presenter say: a key
// press (a permit) for the points the pace waits at, the interval between requests
// of a timed pace, nothing while paused; and a permit is spent only where it was
// needed.
func TestDemoGate(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	gate := func(p demoPace) *demoGate {
		g := newDemoGate(p)
		g.now = func() time.Time { return now }
		return g
	}
	passes := func(g *demoGate, at DemoPoint) bool { _, ok := g.ready(at); return ok }

	g := gate(paceStep)
	if passes(g, DemoBeforeStep) || !passes(g, DemoBeforeRequest) {
		t.Fatal("step by step: a step must wait for the key, a request must not")
	}
	g.advance()
	if !passes(g, DemoBeforeRequest) || !passes(g, DemoBeforeStep) || passes(g, DemoBeforeStep) {
		t.Fatal("step by step: the key lets exactly the next step go, whatever requests come first")
	}

	g = gate(paceRequest)
	if !passes(g, DemoBeforeStep) || passes(g, DemoBeforeRequest) {
		t.Fatal("request by request: a request must wait for the key, a step must not")
	}
	g.advance()
	if !passes(g, DemoBeforeRequest) || passes(g, DemoBeforeRequest) {
		t.Fatal("request by request: the key lets exactly one request go")
	}

	g = gate(paceNormal)
	if !passes(g, DemoBeforeRequest) {
		t.Fatal("a timed pace sends its first request at once")
	}
	if wait, ok := g.ready(DemoBeforeRequest); ok || wait != time.Second {
		t.Fatalf("normal pace: the next request waits %v (passed %v), want 1s", wait, ok)
	}
	now = now.Add(400 * time.Millisecond)
	if wait, _ := g.ready(DemoBeforeRequest); wait != 600*time.Millisecond {
		t.Fatalf("normal pace 400ms later: waits %v, want 600ms", wait)
	}
	g.advance()
	if !passes(g, DemoBeforeRequest) {
		t.Fatal("the key skips the wait of a timed pace")
	}
	if g.togglePause(); passes(g, DemoBeforeRequest) || !passes(g, DemoBeforeStep) {
		t.Fatal("paused: requests wait, steps begin")
	}
	now = now.Add(time.Hour)
	if passes(g, DemoBeforeRequest) {
		t.Fatal("paused: no interval lets a request go")
	}
	g.advance()
	if !passes(g, DemoBeforeRequest) || passes(g, DemoBeforeRequest) {
		t.Fatal("paused: the key sends one request")
	}
	g.togglePause()
	g.setPace(paceFastest)
	for range 2 {
		if !passes(g, DemoBeforeRequest) {
			t.Fatal("fastest: nothing waits")
		}
	}

	// Wait returns when the console lets the run go on, and with the context's error
	// when the demo is stopped.
	g = newDemoGate(paceStep)
	went := make(chan error, 1)
	go func() { went <- g.Wait(context.Background(), DemoBeforeStep) }()
	g.advance()
	if err := <-went; err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	go func() { went <- g.Wait(ctx, DemoBeforeStep) }()
	cancel()
	if err := <-went; !errors.Is(err, context.Canceled) {
		t.Fatalf("a stopped demo's wait returned %v", err)
	}
}

// The demo journey, in the real program: D opens the panel, enter starts the chosen
// demo step by step on the walkthrough with its checklist restarted, . plays each
// step, + turns the pace to request by request and on to the fastest, the line shows
// the verdict and D the report; a second demo is stopped from the panel.
func TestDemoJourney(t *testing.T) {
	for _, sz := range [][2]int{{80, 24}, {200, 50}} {
		t.Run(fmt.Sprintf("%dx%d", sz[0], sz[1]), func(t *testing.T) {
			td := newTestDeps(sampleEvents())
			fd := &fakeDemo{steps: []string{"test connection", "assign alice", "push group Engineering"}, waiting: make(chan string, 64)}
			td.demo = fd
			m := New(td.deps())
			m.sh.now = func() time.Time { return t0.Add(5 * time.Minute) }
			tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(sz[0], sz[1]))
			waitScreen(t, tm, "SCIM base URL")

			tm.Send(keyPress("M"))
			waitScreen(t, tm, "Demo: play an identity provider", "Okta — App Integration Wizard app", "step by step")
			tm.Send(keyPress("enter"))
			waitScreen(t, tm, "Okta walkthrough", "test connection", "plays")
			fd.expectAt(t, "step 1")
			fd.stays(t)
			tm.Send(keyPress("."))
			fd.expectAt(t, "step 2")
			fd.stays(t)
			tm.Send(keyPress("+")) // request by request: the step begins, its request waits
			fd.expectAt(t, "request 2")
			fd.stays(t)
			tm.Send(keyPress("."))
			fd.expectAt(t, "request 3")
			fd.stays(t)
			for range 4 {
				tm.Send(keyPress("+"))
			}
			waitScreen(t, tm, "PASSED", "report")
			tm.Send(keyPress("M"))
			waitScreen(t, tm, "push group Engineering")
			tm.Send(keyPress("esc"))

			tm.Send(keyPress("M"))
			tm.Send(keyPress("down"))
			for range 5 {
				tm.Send(keyPress("left"))
			}
			tm.Send(keyPress("enter"))
			waitScreen(t, tm, "Microsoft Entra ID walkthrough")
			fd.expectAt(t, "step 1")
			tm.Send(keyPress("M"))
			tm.Send(keyPress("s"))
			waitScreen(t, tm, "stopped at step 1/3")

			tm.Send(keyPress("q"))
			tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
			final := tm.FinalModel(t).(Model)
			if got := fd.plays(); len(got) != 2 || got[0] != "okta-aiw" || got[1] != "entra" {
				t.Errorf("played %v, want okta-aiw then entra", got)
			}
			td.mu.Lock()
			reset := append([]exchange.IdP(nil), td.resetIdP...)
			td.mu.Unlock()
			if len(reset) != 2 || reset[0] != exchange.Okta || reset[1] != exchange.Entra {
				t.Errorf("walkthroughs restarted: %v, want Okta then Entra", reset)
			}
			if r := final.demo.run; r == nil || r.report == nil || !r.report.Stopped || final.active != tabWalkthrough {
				t.Errorf("final state: run %+v on tab %d", r, final.active)
			}
			assertFrame(t, final.View().Content, sz[0], sz[1])
		})
	}
}

// The demo line fits every width and says what the class needs: which step, what is
// next, which key goes on; the panel lists a finished demo's failures first, each with
// what the real IdP would do next. Without a demo to play, D does nothing.
func TestDemoLineAndPanel(t *testing.T) {
	for _, w := range []int{80, 120, 200} {
		td := newTestDeps(sampleEvents())
		td.demo = &fakeDemo{}
		m := newTestModel(t, td, w, 24)
		run := &demoRun{choice: td.demo.Choices()[0], gate: newDemoGate(paceStep), started: true,
			last: DemoProgress{Phase: DemoStepStarting, Step: 5, Steps: 12, Title: "update alice", Next: "push group Engineering"}}
		m.demo.run = run
		m.resize()
		m.frame.valid = false
		assertFrame(t, m.View().Content, w, 24)
		line := ansi.Strip(splitLines(m.View().Content)[22])
		for _, want := range []string{"Demo Okta AIW", "next: 5/12 update alice", ". plays it"} {
			if !strings.Contains(line, want) {
				t.Errorf("width %d, waiting for the step: line %q lacks %q", w, line, want)
			}
		}

		run.gate.setPace(paceNormal)
		run.last = DemoProgress{Phase: DemoAnswered, Step: 5, Steps: 12, Title: "update alice", Next: "push group Engineering", Request: "PUT /Users/u1", Status: 200}
		m.frame.valid = false
		line = ansi.Strip(splitLines(m.View().Content)[22])
		for _, want := range []string{"5/12 update alice", ". next", "M stop"} {
			if !strings.Contains(line, want) {
				t.Errorf("width %d, running: line %q lacks %q", w, line, want)
			}
		}
		if w == 200 && !strings.Contains(line, "next: push group Engineering") {
			t.Errorf("width 200: the line %q does not say what comes next", line)
		}

		run.report = &DemoReport{Summary: "FAILED: 1 of 12 steps failed or did not run (step 6)", Steps: []DemoStepResult{
			{Index: 5, Title: "update alice", Status: "passed"},
			{Index: 6, Title: "push group Engineering", Status: "failed", Notes: []string{"Okta marks the task failed and lists it under Dashboard → Tasks."}},
		}}
		m.demo.panel = true
		m.frame.valid = false
		screen := ansi.Strip(m.View().Content)
		assertFrame(t, m.View().Content, w, 24)
		for _, want := range []string{"FAILED: 1 of 12 steps", "✘  6 push group Engineering", "→ Okta marks the task failed", "✔  5 update alice"} {
			if !strings.Contains(screen, want) {
				t.Errorf("width %d: the report panel lacks %q:\n%s", w, want, screen)
			}
		}
		m = press(t, m, "esc")
		if m.demo.lineShown() || m.demo.panel {
			t.Errorf("closing the panel after the report leaves the line or the panel up")
		}
	}

	m := newTestModel(t, newTestDeps(sampleEvents()), 80, 24)
	before := ansi.Strip(m.View().Content)
	m = press(t, m, "M")
	if m.demo.panel || ansi.Strip(m.View().Content) != before {
		t.Error("D opened something without a demo to play")
	}
}
