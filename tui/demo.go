package tui

import (
	"context"
	"sync"
	"time"

	"github.com/scimlab/scimlab/exchange"
)

// Demo plays a simulated identity provider against the console's own server, for a
// class without a tenant: every request goes over HTTP to the running scimlab as the
// real IdP would send it, so the tabs, the walkthrough and the presenter view fill as
// they would with a real tenant. Package app implements it with idp/sim.
type Demo interface {
	// Choices lists what can be played, in the order the demo panel offers them.
	Choices() []DemoChoice
	// Play runs the choice with id until it ends or ctx is cancelled and returns its
	// report. Before every step and every request it calls gate.Wait and goes on only
	// when Wait returns nil; an error from Wait ends the run. It tells progress what
	// it is doing; progress must not block.
	Play(ctx context.Context, id string, gate DemoGate, progress func(DemoProgress)) DemoReport
}

// DemoChoice is one scenario the demo panel offers.
type DemoChoice struct {
	ID string
	// IdP is whose walkthrough the demo fills.
	IdP exchange.IdP
	// Title names it in the panel, e.g. "Okta — App Integration Wizard app".
	Title string
	// Short names it in the demo line, e.g. "Okta AIW".
	Short string
}

// DemoGate paces a demo run; the console implements it.
type DemoGate interface {
	// Wait returns when the run may go past at, or with ctx's error.
	Wait(ctx context.Context, at DemoPoint) error
}

// DemoPoint is where a run asks its gate whether to go on.
type DemoPoint int

// The points a run waits at.
const (
	DemoBeforeStep DemoPoint = iota
	DemoBeforeRequest
)

// DemoPhase is what a run reports it is doing.
type DemoPhase int

// The phases of a step, in the order a run goes through them.
const (
	// DemoStepStarting: the step is about to start (it waits at DemoBeforeStep).
	DemoStepStarting DemoPhase = iota
	// DemoSending: a request is about to go (it waits at DemoBeforeRequest).
	DemoSending
	// DemoAnswered: the request was answered.
	DemoAnswered
	// DemoStepFinished: the step is over; StepStatus says how it went.
	DemoStepFinished
)

// DemoProgress is what a running demo is doing.
type DemoProgress struct {
	Phase DemoPhase
	// Step is the scenario step (from 1) of Steps; Title says what it does, Next what
	// the step after it does ("" after the last).
	Step, Steps int
	Title, Next string
	// Request is the request being sent or just answered ("PUT /scim/v2/Users/…"),
	// What what the IdP does with it, Status its answer (0 before or without one).
	Request, What string
	Status        int
	// StepStatus is the finished step's status: passed, failed, skipped or not run.
	StepStatus string
	// Requests counts the requests sent so far, FailedSteps the steps that failed.
	Requests, FailedSteps int
}

// DemoReport is what the simulator's report says at the end of a demo.
type DemoReport struct {
	// Passed tells that every step passed; Summary is the report's last line.
	Passed  bool
	Summary string
	Steps   []DemoStepResult
	// Stopped tells that the presenter stopped the run before its end.
	Stopped bool
	// Err says why the demo could not start or broke off; "" otherwise.
	Err string
}

// DemoStepResult is one step of a finished demo.
type DemoStepResult struct {
	Index  int
	Title  string
	Status string // passed, failed, skipped or not run
	// Notes are what the real IdP would do next, for a step that did not pass.
	Notes []string
}

// demoPace is how fast a demo goes.
type demoPace int

const (
	paceStep demoPace = iota
	paceRequest
	paceSlow
	paceNormal
	paceFast
	paceFastest
	paceCount
)

// paces are the paces in the order + and - move through them: the name the panel
// shows, the word the demo line shows, and for the timed paces the interval between
// requests.
var paces = [paceCount]struct {
	name, short string
	every       time.Duration
}{
	paceStep:    {"step by step", "step by step", 0},
	paceRequest: {"request by request", "request by request", 0},
	paceSlow:    {"slow (1 request / 2 s)", "slow", 2 * time.Second},
	paceNormal:  {"normal (1 request / s)", "normal", time.Second},
	paceFast:    {"fast (4 requests / s)", "fast", time.Second / 4},
	paceFastest: {"fastest", "fastest", 0},
}

// short is a pace's name for the demo line.
func (p demoPace) short() string { return paces[p].short }

// manual tells that the run waits for a key press at at.
func (p demoPace) manual(at DemoPoint) bool {
	return p == paceStep && at == DemoBeforeStep || p == paceRequest && at == DemoBeforeRequest
}

// demoGate is the console's DemoGate. The run's goroutine waits in it; the console
// changes the pace, pauses and lets the run on without ever blocking: each change
// takes the lock for a moment and wakes the waiting run through a channel.
type demoGate struct {
	mu     sync.Mutex
	pace   demoPace
	paused bool
	// permit lets the next point a key press would be waited for go at once.
	permit bool
	// last is when the last request went, for the timed paces.
	last time.Time
	now  func() time.Time
	wake chan struct{}
}

func newDemoGate(p demoPace) *demoGate {
	return &demoGate{pace: p, now: time.Now, wake: make(chan struct{}, 1)}
}

// Wait implements DemoGate.
func (g *demoGate) Wait(ctx context.Context, at DemoPoint) error {
	for {
		wait, ok := g.ready(at)
		if ok {
			return nil
		}
		if err := g.sleep(ctx, wait); err != nil {
			return err
		}
	}
}

// sleep waits until woken, for wait when it is not 0, or until ctx ends.
func (g *demoGate) sleep(ctx context.Context, wait time.Duration) error {
	var tick <-chan time.Time
	if wait > 0 {
		t := time.NewTimer(wait)
		defer t.Stop()
		tick = t.C
	}
	select {
	case <-g.wake:
	case <-tick:
	case <-ctx.Done():
		return ctx.Err()
	}
	return nil
}

// ready lets the run past at, or says how long it must wait (0: until woken). A
// permit (the presenter's key press) is spent only where the run would otherwise
// wait: at the points the pace waits for a key, at any request while paused, and on
// the wait between requests of a timed pace.
func (g *demoGate) ready(at DemoPoint) (time.Duration, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	now := g.now()
	pass := func(spend bool) (time.Duration, bool) {
		if spend {
			g.permit = false
		}
		if at == DemoBeforeRequest {
			g.last = now
		}
		return 0, true
	}
	if g.pace.manual(at) || g.paused && at == DemoBeforeRequest {
		if g.permit {
			return pass(true)
		}
		return 0, false
	}
	every := paces[g.pace].every
	switch {
	case at == DemoBeforeStep || every == 0:
		return pass(false)
	case g.permit:
		return pass(true)
	}
	due := g.last.Add(every)
	if !now.Before(due) {
		return pass(false)
	}
	return due.Sub(now), false
}

// setPace changes the pace from the next point on.
func (g *demoGate) setPace(p demoPace) {
	g.mu.Lock()
	g.pace = p
	g.mu.Unlock()
	g.poke()
}

// togglePause pauses or resumes a timed pace and reports whether it is now paused.
func (g *demoGate) togglePause() bool {
	g.mu.Lock()
	g.paused = !g.paused
	paused := g.paused
	g.mu.Unlock()
	g.poke()
	return paused
}

// advance lets the run past the point it waits at, or the next one.
func (g *demoGate) advance() {
	g.mu.Lock()
	g.permit = true
	g.mu.Unlock()
	g.poke()
}

func (g *demoGate) state() (demoPace, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.pace, g.paused
}

// poke wakes a waiting run without ever blocking the console.
func (g *demoGate) poke() {
	select {
	case g.wake <- struct{}{}:
	default:
	}
}
