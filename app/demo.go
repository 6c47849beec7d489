package app

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/scimlab/scimlab/exchange"
	"github.com/scimlab/scimlab/idp/sim"
	"github.com/scimlab/scimlab/scimserver"
	"github.com/scimlab/scimlab/store"
	"github.com/scimlab/scimlab/tui"
)

// demoChoices are the lifecycles the console's Demo action plays; each ID is the
// name of the embedded scenario.
var demoChoices = []tui.DemoChoice{
	{ID: "okta-aiw", IdP: exchange.Okta, Title: "Okta — App Integration Wizard app", Short: "Okta AIW"},
	{ID: "okta-oin", IdP: exchange.Okta, Title: "Okta — catalog or template app (OIN)", Short: "Okta OIN"},
	{ID: "entra", IdP: exchange.Entra, Title: "Microsoft Entra ID — non-gallery app", Short: "Entra"},
	{ID: "entra-compliant", IdP: exchange.Entra, Title: "Microsoft Entra ID — with aadOptscim062020", Short: "Entra compliant"},
}

// maxDemoLabel bounds the search for names the server does not hold yet.
const maxDemoLabel = 1000

// demo is the console's Demo action: idp/sim playing against this app's own server
// over HTTP, on the local URL with the token the server accepts, so every request is
// recorded, classified and shown exactly as one from the real IdP.
type demo struct{ a *App }

// Choices implements tui.Demo.
func (d demo) Choices() []tui.DemoChoice { return demoChoices }

// Play implements tui.Demo.
func (d demo) Play(ctx context.Context, id string, gate tui.DemoGate, progress func(tui.DemoProgress)) tui.DemoReport {
	var choice *tui.DemoChoice
	for i := range demoChoices {
		if demoChoices[i].ID == id {
			choice = &demoChoices[i]
		}
	}
	if choice == nil {
		return tui.DemoReport{Err: fmt.Sprintf("there is no demo %q", id)}
	}
	cfg := sim.Config{IdP: choice.IdP, Scenario: id, Target: d.a.LocalURL(), Token: d.a.Token()}
	plan, err := d.freshPlan(ctx, &cfg)
	if err != nil {
		return tui.DemoReport{Err: err.Error()}
	}
	rep, err := sim.Run(ctx, cfg, &demoObserver{ctx: ctx, gate: gate, progress: progress, plan: plan.Steps})
	return demoReport(rep, err)
}

// freshPlan picks the first label under which the server holds none of the users
// and groups the run would create, so a demo played again creates them again, as
// the walkthrough expects, instead of finding and linking the earlier ones.
func (d demo) freshPlan(ctx context.Context, cfg *sim.Config) (*sim.Plan, error) {
	for n := 1; n <= maxDemoLabel; n++ {
		cfg.Label = ""
		if n > 1 {
			cfg.Label = strconv.Itoa(n)
		}
		plan, err := cfg.Plan()
		if err != nil {
			return nil, err
		}
		taken, err := d.holdsAny(ctx, plan)
		if err != nil {
			return nil, fmt.Errorf("reading the users and groups the demo would create: %w", err)
		}
		if !taken {
			return plan, nil
		}
	}
	return nil, fmt.Errorf("the server already holds the demo's users and groups %d times over; delete some of them first", maxDemoLabel)
}

// holdsAny tells whether the store holds a user or group the plan names.
func (d demo) holdsAny(ctx context.Context, plan *sim.Plan) (bool, error) {
	for _, q := range []struct {
		kind  store.Kind
		attr  string
		names []string
	}{{store.KindUser, "userName", plan.UserNames}, {store.KindGroup, "displayName", plan.GroupNames}} {
		for _, name := range q.names {
			n, _, err := d.a.current().db.Search(ctx, store.Query{Kind: q.kind, Count: 0,
				Where: store.CondCmp{Field: store.Field{Path: []string{q.attr}}, Op: "eq", Value: name}})
			if err != nil {
				return false, err
			}
			if n > 0 {
				return true, nil
			}
		}
	}
	return false, nil
}

// demoObserver tells the console what the run does and waits at its gate before
// every step and request. A demo runs one request at a time, so the calls come in
// order from one goroutine.
type demoObserver struct {
	ctx      context.Context
	gate     tui.DemoGate
	progress func(tui.DemoProgress)
	plan     []sim.PlannedStep
	cur      tui.DemoProgress
}

func (o *demoObserver) StepStarted(st *sim.StepResult) {
	o.cur.Phase, o.cur.Step, o.cur.Steps, o.cur.Title = tui.DemoStepStarting, st.Index, len(o.plan), st.Title
	o.cur.Next, o.cur.Request, o.cur.What, o.cur.Status, o.cur.StepStatus = "", "", "", 0, ""
	if st.Index < len(o.plan) {
		o.cur.Next = o.plan[st.Index].Title
	}
	o.progress(o.cur)
	if st.Status == sim.StatusNotRun {
		// Nothing will be sent for it: no reason to make the class wait.
		return
	}
	// A stopped demo ends at its next request, which Sending refuses.
	_ = o.gate.Wait(o.ctx, tui.DemoBeforeStep)
}

func (o *demoObserver) Sending(ctx context.Context, ex *sim.Exchange) error {
	o.cur.Phase, o.cur.Status = tui.DemoSending, 0
	o.cur.Request = ex.Method + " " + strings.TrimPrefix(ex.URL, scimserver.BasePath)
	o.cur.What = ex.What
	o.progress(o.cur)
	return o.gate.Wait(ctx, tui.DemoBeforeRequest)
}

func (o *demoObserver) Answered(ex *sim.Exchange) {
	o.cur.Phase, o.cur.Status = tui.DemoAnswered, ex.Status
	o.cur.Requests++
	o.progress(o.cur)
}

func (o *demoObserver) StepFinished(st *sim.StepResult) {
	o.cur.Phase, o.cur.StepStatus = tui.DemoStepFinished, st.Status
	if st.Status == sim.StatusFailed || st.Status == sim.StatusNotRun {
		o.cur.FailedSteps++
	}
	o.progress(o.cur)
}

// demoReport is what the console shows of the simulator's report: the verdict, and
// each step with, when it did not pass, the first thing the real IdP would do next.
func demoReport(rep *sim.Report, err error) tui.DemoReport {
	var out tui.DemoReport
	switch {
	case errors.Is(err, context.Canceled):
		out.Stopped = true
	case err != nil:
		out.Err = err.Error()
	}
	if rep == nil {
		return out
	}
	out.Passed = err == nil && rep.Passed()
	out.Summary = rep.Summary()
	for _, s := range rep.Steps {
		step := tui.DemoStepResult{Index: s.Index, Title: s.Title, Status: s.Status}
		if s.Status != sim.StatusPassed {
			for _, n := range s.Notes {
				step.Notes = append(step.Notes, n.Text)
			}
			for _, o := range s.Outcomes {
				if o.Status == s.Status || s.Status == sim.StatusFailed && o.Status == sim.StatusFailed {
					for _, n := range o.Notes {
						step.Notes = append(step.Notes, n.Text)
					}
				}
			}
		}
		out.Steps = append(out.Steps, step)
	}
	return out
}
