package app

import (
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/scimlab/scimlab/exchange"
	"github.com/scimlab/scimlab/idp"
	"github.com/scimlab/scimlab/scimserver"
	"github.com/scimlab/scimlab/tui"
)

// openGate lets every step and request go at once, and counts where it was asked;
// stopAt, when set, stops the demo (cancels its context) at that request.
type openGate struct {
	mu       sync.Mutex
	steps    int
	requests int
	stopAt   int
	stop     context.CancelFunc
}

func (g *openGate) Wait(ctx context.Context, at tui.DemoPoint) error {
	g.mu.Lock()
	if at == tui.DemoBeforeStep {
		g.steps++
	} else {
		g.requests++
		if g.requests == g.stopAt {
			g.stop()
		}
	}
	g.mu.Unlock()
	return ctx.Err()
}

func startDemoApp(t *testing.T) *App {
	t.Helper()
	a, err := Start(context.Background(), Options{Listen: "127.0.0.1:0", DB: filepath.Join(t.TempDir(), "scimlab.db"), NoTunnel: true,
		MaxBody: scimserver.DefaultMaxBodyBytes, LogRetention: scimserver.DefaultLogRetention}, func(string) string { return "" }, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close)
	return a
}

// walkthroughDone waits until the server has annotated what the demo sent and reports
// whether every step of p's walkthrough is ticked.
func walkthroughDone(t *testing.T, a *App, p exchange.IdP) []idp.StepState {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		steps := a.Walkthrough(p).Steps()
		done := 0
		for _, s := range steps {
			if s.Status == idp.StatusDone {
				done++
			}
		}
		if done == len(steps) || time.Now().After(deadline) {
			return steps
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Each demo the console offers plays against the app's own server over HTTP, as the
// IdP it imitates: the classifier names that IdP, the walkthrough fills to its last
// step, the gate is asked before every step and request, the progress tells step and
// next step, and the report passes. Played again after a walkthrough restart, it
// provisions new users rather than linking the old ones, and fills it again.
func TestDemoFillsTheWalkthrough(t *testing.T) {
	for _, c := range demoChoices {
		t.Run(c.ID, func(t *testing.T) {
			a := startDemoApp(t)
			d := demo{a: a}
			for round := 1; round <= 2; round++ {
				a.ResetWalkthrough(c.IdP)
				events, cancel := a.Subscribe(1024)
				gate := &openGate{}
				var mu sync.Mutex
				var seen []tui.DemoProgress
				rep := d.Play(context.Background(), c.ID, gate, func(p tui.DemoProgress) {
					mu.Lock()
					seen = append(seen, p)
					mu.Unlock()
				})
				if !rep.Passed || rep.Err != "" || rep.Stopped || !strings.HasPrefix(rep.Summary, "PASSED") {
					t.Fatalf("round %d: report %+v", round, rep)
				}
				for i, s := range walkthroughDone(t, a, c.IdP) {
					if s.Status != idp.StatusDone {
						t.Errorf("round %d: walkthrough step %d %q is %s", round, i+1, s.Title, s.Status)
					}
				}
				if gate.steps != len(rep.Steps) || gate.requests == 0 {
					t.Errorf("round %d: the gate was asked before %d steps (of %d) and %d requests", round, gate.steps, len(rep.Steps), gate.requests)
				}
				first, last := seen[0], seen[len(seen)-1]
				if first.Phase != tui.DemoStepStarting || first.Step != 1 || first.Steps != len(rep.Steps) || first.Next == "" ||
					last.Phase != tui.DemoStepFinished || last.Step != len(rep.Steps) || last.Next != "" || last.Requests != gate.requests {
					t.Errorf("round %d: progress from %+v to %+v", round, first, last)
				}
				cancel()
				creates := 0
				for len(events) > 0 {
					e := <-events
					if e.IdP != c.IdP {
						t.Errorf("round %d: %s %s was classified as %q, not %s", round, e.Method, e.Path, e.IdP, c.IdP)
					}
					if e.Step == exchange.StepCreateUser {
						creates++
					}
				}
				if creates == 0 {
					t.Errorf("round %d: no user was created", round)
				}
			}
		})
	}
}

// Stopping a demo ends it at the next request with a report that says so.
func TestDemoStops(t *testing.T) {
	a := startDemoApp(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	gate := &openGate{stopAt: 5, stop: cancel}
	rep := demo{a: a}.Play(ctx, "okta-aiw", gate, func(tui.DemoProgress) {})
	if !rep.Stopped || rep.Passed || rep.Err != "" {
		t.Fatalf("report %+v", rep)
	}
	if gate.requests != 5 {
		t.Errorf("the run asked for %d requests after it was stopped at the 5th", gate.requests)
	}
	if got := (demo{a: a}).Play(context.Background(), "onelogin", gate, func(tui.DemoProgress) {}); got.Err == "" {
		t.Error("an unknown demo played")
	}
}
