package sim

import (
	"encoding/json"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/scimlab/scimlab/exchange"
	"github.com/scimlab/scimlab/scim/quirk"
)

// Statuses of a step and of one target within it.
const (
	StatusPassed  = "passed"
	StatusFailed  = "failed"
	StatusSkipped = "skipped"
	// StatusNotRun marks the steps after a failed test connection.
	StatusNotRun = "not run"
)

// Note codes. A Note explains what the real IdP does next; its Code is stable for
// machines, its Text is for people.
const (
	NoteFailed           = "failed"             // the IdP's reaction to an error answer
	NoteUnauthorized     = "unauthorized"       // 401/403: the token is refused
	NoteTimeout          = "no-answer"          // timeout or connection failure
	NoteConflict         = "conflict"           // 409 on create
	NoteRefusedQuirk     = "refused-quirk"      // 400 to something the IdP really sends
	NoteOktaStopped      = "okta-stopped"       // Okta stops the user after a 409
	NoteOktaRetried      = "okta-retried"       // Okta waited out 429s
	NoteOktaGaveUp       = "okta-gave-up"       // the 10th attempt was a 429 too
	NoteLinked           = "linked"             // the lookup found the user: linked, not created
	NoteReactivateMatch  = "reactivates-match"  // Okta found an inactive user and reactivates it
	NoteDuplicateCreate  = "duplicate-create"   // the lookup missed a user that exists
	NoteWrongMatch       = "filter-mismatch"    // the lookup returned what was not asked for
	NoteDuplicateTargets = "duplicate-targets"  // Entra's DuplicateTargetEntries
	NoteFilter404        = "filter-404"         // 404 to a filter query
	NoteInvalidAnchor    = "invalid-anchor"     // Entra's InvalidAnchor: a known id is gone
	NoteNotFound         = "not-found"          // Okta: a known id is gone
	NoteListTypes        = "list-not-integers"  // ListResponse numbers are not integers
	NoteNoID             = "created-without-id" // 201 without an id
	NoteMembersReturned  = "members-returned"   // excludedAttributes=members was ignored
	NoteMembersWiped     = "members-wiped"      // a removal by value took other members too
	NoteSkipped          = "skipped"            // the IdP sends nothing for this target
	NoteHalted           = "halted"             // the run stopped after a failed test
	NoteRestarted        = "restarted"          // Entra forgot its ids
)

// Note is one thing the real IdP would do or log after an answer.
type Note struct {
	Code string `json:"code"`
	Text string `json:"text"`
	// Quirks are, for a refused-quirk note, the refused quirks by the names scimlab's
	// request log gives them (its refusedBy), where scimlab has a name for them.
	Quirks []quirk.Quirk `json:"quirks,omitempty"`
}

// Outcome is what one step did for one user or group.
type Outcome struct {
	Target    string      `json:"target,omitempty"`
	Status    string      `json:"status"`
	Exchanges []*Exchange `json:"exchanges,omitempty"`
	Notes     []Note      `json:"notes,omitempty"`
	index     int
}

// Outcomes a step keeps: all of them for a lifecycle, the failures for a load run.
const (
	keepAllUpTo  = 25
	keptFailures = 20
)

// StepResult is one scenario step: how many targets it had and how they fared.
type StepResult struct {
	Index int      `json:"index"`
	Line  int      `json:"line,omitempty"`
	Do    StepKind `json:"do"`
	Title string   `json:"title"`
	// Status is passed, failed (any target failed), skipped (all skipped) or not run.
	Status  string `json:"status"`
	Targets int    `json:"targets"`
	Passed  int    `json:"passed"`
	Failed  int    `json:"failed"`
	Skipped int    `json:"skipped"`
	// Outcomes holds every target's outcome when there are few, else the failures.
	Outcomes []Outcome `json:"outcomes,omitempty"`
	// Omitted counts outcomes left out of Outcomes.
	Omitted int    `json:"omitted,omitempty"`
	Notes   []Note `json:"notes,omitempty"`
	// Requests counts the step's requests, retries included; Elapsed is the step's
	// wall time, so each phase of a load run has its own requests per second.
	Requests          int64         `json:"requests"`
	Elapsed           time.Duration `json:"elapsedNs"`
	RequestsPerSecond float64       `json:"requestsPerSecond"`
	mu                sync.Mutex
	sent              atomic.Int64
}

func (s *StepResult) add(o Outcome) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch o.Status {
	case StatusFailed:
		s.Failed++
	case StatusSkipped:
		s.Skipped++
	default:
		s.Passed++
	}
	keep := s.Targets <= keepAllUpTo || (o.Status == StatusFailed && s.Failed <= keptFailures)
	if keep {
		s.Outcomes = append(s.Outcomes, o)
	} else {
		s.Omitted++
	}
}

// done counts the targets finished so far; safe while the step runs.
func (s *StepResult) done() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.Passed + s.Failed + s.Skipped
}

func (s *StepResult) finish(elapsed time.Duration) {
	sortOutcomes(s.Outcomes)
	s.Requests, s.Elapsed = s.sent.Load(), elapsed
	if secs := elapsed.Seconds(); secs > 0 {
		s.RequestsPerSecond = float64(s.Requests) / secs
	}
	switch {
	case s.Failed > 0:
		s.Status = StatusFailed
	case s.Passed == 0 && s.Skipped > 0:
		s.Status = StatusSkipped
	default:
		s.Status = StatusPassed
	}
}

// Report is the result of a run.
type Report struct {
	IdP         exchange.IdP     `json:"idp"`
	Flavour     exchange.Flavour `json:"flavour,omitempty"`
	Compliant   bool             `json:"compliant,omitempty"`
	Scenario    string           `json:"scenario"`
	Description string           `json:"description,omitempty"`
	// Target is the base URL requests went to.
	Target      string        `json:"target"`
	Users       int           `json:"users"`
	Groups      int           `json:"groups"`
	Concurrency int           `json:"concurrency"`
	Rate        float64       `json:"rate,omitempty"`
	Steps       []*StepResult `json:"steps"`
	// Requests counts every request sent, retries included; Errors those that got no
	// answer or an error status.
	Requests          int64         `json:"requests"`
	Errors            int64         `json:"errors"`
	Elapsed           time.Duration `json:"elapsedNs"`
	RequestsPerSecond float64       `json:"requestsPerSecond"`
	// Latency has one row per kind of request, in the order each kind was first sent.
	Latency []KindLatency `json:"latency"`
	// Load is set when the run was sized for load (counts, concurrency or rate given):
	// the text report then lists steps, not requests.
	Load bool `json:"load"`
}

// KindLatency sums up one kind of request.
type KindLatency struct {
	Kind   string        `json:"kind"`
	Count  int           `json:"count"`
	Errors int           `json:"errors"`
	P50    time.Duration `json:"p50Ns"`
	P90    time.Duration `json:"p90Ns"`
	P99    time.Duration `json:"p99Ns"`
	Max    time.Duration `json:"maxNs"`
}

func (r *run) newReport() *Report {
	rc := r.cfg
	rep := &Report{
		IdP: rc.IdP, Scenario: rc.scenario.Name, Description: rc.scenario.Description,
		Target: redactURL(rc.base), Users: len(r.users), Groups: len(r.groups),
		Concurrency: rc.Concurrency, Rate: rc.Rate,
		Load: rc.Users > 0 || rc.Groups > 0 || rc.Members > 0 || rc.Concurrency > 1 || rc.Rate > 0 ||
			rc.scenario.Generate != (Counts{}),
	}
	if rc.IdP == exchange.Okta {
		rep.Flavour = rc.flavour
	}
	rep.Compliant = rc.IdP == exchange.Entra && rc.EntraCompliant
	return rep
}

func (rep *Report) finish(r *run, elapsed time.Duration) {
	rep.Elapsed = elapsed
	rep.Latency, rep.Requests, rep.Errors = r.stats.summary()
	if secs := elapsed.Seconds(); secs > 0 {
		rep.RequestsPerSecond = float64(rep.Requests) / secs
	}
}

// Passed reports whether every step passed or was skipped for a reason a passed step
// gave; a failed or not-run step fails the run.
func (rep *Report) Passed() bool {
	if rep == nil {
		return false
	}
	for _, s := range rep.Steps {
		if s.Status == StatusFailed || s.Status == StatusNotRun {
			return false
		}
	}
	return true
}

// Exit statuses of scimlab simulate.
const (
	ExitPassed = 0
	ExitFailed = 1
	ExitUsage  = 2
)

// ExitCode is 0 when every step passed and 1 otherwise.
func (rep *Report) ExitCode() int {
	if rep.Passed() {
		return ExitPassed
	}
	return ExitFailed
}

// ExitStatus maps what Run returned to the command's exit status: 2 for a usage
// error, 1 for any other error or a failed step, 0 when every step passed.
func ExitStatus(rep *Report, err error) int {
	switch {
	case IsUsageError(err):
		return ExitUsage
	case err != nil:
		return ExitFailed
	}
	return rep.ExitCode()
}

// FailedSteps counts the steps that failed or did not run.
func (rep *Report) FailedSteps() int {
	n := 0
	for _, s := range rep.Steps {
		if s.Status == StatusFailed || s.Status == StatusNotRun {
			n++
		}
	}
	return n
}

// WriteJSON writes the report as one indented JSON document.
// Besides the report's fields it carries the verdict a script checks first: "passed",
// and the numbers of the steps that failed or did not run.
func (rep *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	// URLs and bodies are read by people too; & and < stay as they are.
	enc.SetEscapeHTML(false)
	failed := []int{}
	for _, st := range rep.Steps {
		if st.Status == StatusFailed || st.Status == StatusNotRun {
			failed = append(failed, st.Index)
		}
	}
	return enc.Encode(struct {
		Passed      bool  `json:"passed"`
		FailedSteps []int `json:"failedSteps"`
		*Report
	}{rep.Passed(), failed, rep})
}
