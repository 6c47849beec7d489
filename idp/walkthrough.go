package idp

import (
	"encoding/json"
	"errors"
	"strconv"
	"sync"
	"time"

	"github.com/scimlab/scimlab/exchange"
)

// StepStatus is where a walkthrough step stands.
type StepStatus string

// Walkthrough step statuses. Current is never stored: it is the first step not yet done.
const (
	StatusPending StepStatus = "pending"
	StatusCurrent StepStatus = "current"
	StatusDone    StepStatus = "done"
	StatusFailed  StepStatus = "failed"
)

// StepState is one walkthrough step as the console shows it.
type StepState struct {
	// ID is stable across versions; saved state is matched to steps by it.
	ID    string
	Title string
	// Instruction says what to click in the IdP's admin console.
	Instruction string
	// Manual steps send no request; they tick when a later step is seen.
	Manual bool
	Status StepStatus
	// Seen describes the exchange that ticked or failed the step, e.g.
	// "#12 14:03:05 Okta created user alice@example.com".
	Seen    string
	SeenSeq int64
	SeenAt  time.Time
	// Diagnosis explains a failed step.
	Diagnosis string
}

// stepDef is the fixed part of a step: its text and the traffic that moves it.
type stepDef struct {
	id, title, instruction string
	// ticks are the steps whose success ticks it; none makes the step manual.
	ticks []exchange.Step
	// fails are further steps that can only fail it, e.g. a failed lookup fails
	// "assign a user".
	fails []exchange.Step
	// connection: authentication and path failures belong to this step until it is done.
	connection bool
}

type stepRecord struct {
	status    StepStatus
	seen      string
	seq       int64
	at        time.Time
	diagnosis string
}

// Walkthrough is a guided checklist for rehearsing one IdP's provisioning setup. Observe
// every annotated exchange; Steps gives the state to show. It is safe for concurrent use,
// and it marshals to JSON so a rehearsal can be saved with the session and resumed.
type Walkthrough struct {
	mu   sync.Mutex
	idp  exchange.IdP
	defs []stepDef
	recs []stepRecord
	// lastSeq is the newest exchange observed; after is what it was at the last Reset,
	// so the story of a restarted rehearsal starts after it.
	lastSeq, after int64
}

// NewWalkthrough returns the checklist for p with every step pending, or nil for an IdP
// without a walkthrough. All methods accept a nil *Walkthrough.
func NewWalkthrough(p exchange.IdP) *Walkthrough {
	defs := walkthroughSteps(p)
	if defs == nil {
		return nil
	}
	w := &Walkthrough{idp: p, defs: defs}
	w.reset()
	return w
}

func (w *Walkthrough) reset() {
	w.recs = make([]stepRecord, len(w.defs))
	for i := range w.recs {
		w.recs[i].status = StatusPending
	}
}

// IdP returns the provider the walkthrough is for.
func (w *Walkthrough) IdP() exchange.IdP {
	if w == nil {
		return exchange.Unknown
	}
	return w.idp
}

// Reset sets every step back to pending and starts the rehearsal's story after the
// newest exchange observed.
func (w *Walkthrough) Reset() {
	if w == nil {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.reset()
	w.after = w.lastSeq
}

// After is the Seq of the newest exchange observed when the walkthrough was last reset:
// exchanges up to it belong to an earlier rehearsal. It is 0 if it was never reset.
func (w *Walkthrough) After() int64 {
	if w == nil {
		return 0
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.after
}

// Concerns reports whether an exchange belongs in p's walkthrough: p's own traffic, and
// failures of unknown origin that can only mean a wrong URL or token (before an IdP is
// recognised, its first requests may be exactly those).
func Concerns(p exchange.IdP, a exchange.Annotation) bool {
	if a.IdP == p {
		return true
	}
	connFailure := a.Step == exchange.StepAuthFailure || a.Step == exchange.StepWrongPath
	return a.IdP == exchange.Unknown && connFailure && (a.Failed || errorHint(a) != "")
}

// Observe moves the steps the exchange speaks to and reports whether anything changed.
// A success ticks its step (and the manual steps before it); a failure, or an error
// hint, turns a step not yet done red with the diagnosis. Traffic from another IdP is
// ignored, except failures of unknown origin that can only mean a wrong URL or token.
func (w *Walkthrough) Observe(ex *exchange.Record) bool {
	if w == nil {
		return false
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.lastSeq = max(w.lastSeq, ex.Seq)
	a := ex.Annotation
	if !Concerns(w.idp, a) {
		return false
	}
	bad := a.Failed || errorHint(a) != ""
	connFailure := a.Step == exchange.StepAuthFailure || a.Step == exchange.StepWrongPath
	idx := w.stepFor(a, bad, connFailure)
	if idx < 0 {
		return false
	}
	rec := &w.recs[idx]
	seen := "#" + strconv.FormatInt(ex.Seq, 10) + " " + ex.Time.Format("15:04:05") + " " + a.Summary
	if bad {
		if rec.status == StatusDone {
			return false
		}
		rec.status = StatusFailed
		rec.seen, rec.seq, rec.at = seen, ex.Seq, ex.Time
		rec.diagnosis = diagnosis(a)
		return true
	}
	if rec.status == StatusDone {
		// The first exchange that ticked the step stays on record.
		return false
	}
	changed := true
	rec.status = StatusDone
	rec.seen, rec.seq, rec.at, rec.diagnosis = seen, ex.Seq, ex.Time, ""
	for i := range idx {
		if len(w.defs[i].ticks) == 0 && w.recs[i].status != StatusDone {
			w.recs[i].status = StatusDone
			changed = true
		}
	}
	return changed
}

// stepFor finds the step an annotation belongs to, or -1.
func (w *Walkthrough) stepFor(a exchange.Annotation, bad, connFailure bool) int {
	if connFailure {
		if !bad {
			return -1
		}
		for i, d := range w.defs {
			if d.connection && w.recs[i].status != StatusDone {
				return i
			}
		}
		return w.current()
	}
	for i, d := range w.defs {
		for _, k := range d.ticks {
			if k == a.Step {
				return i
			}
		}
	}
	if !bad {
		return -1
	}
	for i, d := range w.defs {
		for _, k := range d.fails {
			if k == a.Step && w.recs[i].status != StatusDone {
				return i
			}
		}
	}
	return -1
}

// current is the first step not done, or -1 when all are.
func (w *Walkthrough) current() int {
	for i, r := range w.recs {
		if r.status != StatusDone {
			return i
		}
	}
	return -1
}

func errorHint(a exchange.Annotation) string {
	for _, h := range a.Hints {
		if h.Severity == exchange.SeverityError {
			return h.Text
		}
	}
	return ""
}

// diagnosis picks the most useful explanation of a failed exchange.
func diagnosis(a exchange.Annotation) string {
	if t := errorHint(a); t != "" {
		return t
	}
	for _, h := range a.Hints {
		if h.Severity == exchange.SeverityWarn {
			return h.Text
		}
	}
	return a.Summary
}

// Steps returns the steps in order. The first step not done is StatusCurrent unless it
// failed.
func (w *Walkthrough) Steps() []StepState {
	if w == nil {
		return nil
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	cur := w.current()
	out := make([]StepState, len(w.defs))
	for i, d := range w.defs {
		r := w.recs[i]
		st := r.status
		if i == cur && st == StatusPending {
			st = StatusCurrent
		}
		out[i] = StepState{ID: d.id, Title: d.title, Instruction: d.instruction, Manual: len(d.ticks) == 0,
			Status: st, Seen: r.seen, SeenSeq: r.seq, SeenAt: r.at, Diagnosis: r.diagnosis}
	}
	return out
}

// Progress returns how many steps are done out of how many.
func (w *Walkthrough) Progress() (done, total int) {
	if w == nil {
		return 0, 0
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, r := range w.recs {
		if r.status == StatusDone {
			done++
		}
	}
	return done, len(w.recs)
}

// walkthroughJSON is the saved form. Step texts are not saved: they come from the
// running version, so improved instructions reach resumed rehearsals.
type walkthroughJSON struct {
	Version int          `json:"version"`
	IdP     exchange.IdP `json:"idp"`
	Steps   []stepJSON   `json:"steps"`
	// After is the Seq the rehearsal's story starts after.
	After int64 `json:"after,omitempty"`
}

type stepJSON struct {
	ID        string     `json:"id"`
	Status    StepStatus `json:"status"`
	Seen      string     `json:"seen,omitempty"`
	SeenSeq   int64      `json:"seenSeq,omitempty"`
	SeenAt    time.Time  `json:"seenAt,omitzero"`
	Diagnosis string     `json:"diagnosis,omitempty"`
}

// MarshalJSON saves the walkthrough's progress.
func (w *Walkthrough) MarshalJSON() ([]byte, error) {
	if w == nil {
		return []byte("null"), nil
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	out := walkthroughJSON{Version: 1, IdP: w.idp, Steps: make([]stepJSON, len(w.defs)), After: w.after}
	for i, d := range w.defs {
		r := w.recs[i]
		out.Steps[i] = stepJSON{ID: d.id, Status: r.status, Seen: r.seen, SeenSeq: r.seq, SeenAt: r.at, Diagnosis: r.diagnosis}
	}
	return json.Marshal(out)
}

// UnmarshalJSON restores progress saved by MarshalJSON into w, which may be a zero
// Walkthrough. Steps the saved state does not know stay pending; saved steps this
// version no longer has are dropped.
func (w *Walkthrough) UnmarshalJSON(b []byte) error {
	var in walkthroughJSON
	if err := json.Unmarshal(b, &in); err != nil {
		return err
	}
	defs := walkthroughSteps(in.IdP)
	if defs == nil {
		return errors.New("idp: no walkthrough for IdP " + strconv.Quote(string(in.IdP)))
	}
	saved := make(map[string]stepJSON, len(in.Steps))
	for _, s := range in.Steps {
		saved[s.ID] = s
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.idp, w.defs = in.IdP, defs
	w.reset()
	w.after, w.lastSeq = in.After, in.After
	for i, d := range defs {
		s, ok := saved[d.id]
		if !ok {
			continue
		}
		switch s.Status {
		case StatusDone, StatusFailed:
			w.recs[i] = stepRecord{status: s.Status, seen: s.Seen, seq: s.SeenSeq, at: s.SeenAt, diagnosis: s.Diagnosis}
		}
	}
	return nil
}
