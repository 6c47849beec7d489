package tui

import (
	"time"

	"github.com/scimlab/scimlab/exchange"
	"github.com/scimlab/scimlab/fault"
	"github.com/scimlab/scimlab/idp"

	tea "charm.land/bubbletea/v2"

	"github.com/scimlab/scimlab/tunnel"
)

// subscribedMsg carries a new event subscription to the model.
type subscribedMsg struct {
	events <-chan exchange.Event
	cancel func()
}

// eventsMsg is a burst of events drained from the subscription in one go.
type eventsMsg []exchange.Event

// eventsClosedMsg says the server closed the subscription from (it is shutting down,
// or it served a lab the console switched away from).
type eventsClosedMsg struct{ from <-chan exchange.Event }

// rearmEventsMsg fires one frame after a burst; only then is the subscription
// read again, so a flood costs at most one update per frame.
type rearmEventsMsg struct{}

// tunnelMsg is a tunnel status change.
type tunnelMsg tunnel.Status

// tunnelClosedMsg says the tunnel's status channel was closed.
type tunnelClosedMsg struct{}

// loadPurpose says why request rows were loaded, which decides how they merge.
type loadPurpose int

const (
	loadInitial loadPurpose = iota // first page at start-up
	loadOlder                      // scrolled past the top of the window
	loadNewest                     // resumed following after the window left the head
	loadGap                        // events were dropped; fill the hole
	loadAround                     // jump to a request outside the window
	loadTail                       // after a burst: is the log ahead of the events seen?
)

// requestsLoadedMsg returns rows read from the request log.
type requestsLoadedMsg struct {
	purpose loadPurpose
	before  int64 // the beforeSeq asked for
	target  int64 // loadAround: the request to select
	limit   int
	rows    []exchange.Record // newest first, as the Reader returns them
	err     error
}

// settleMsg fires a moment after a burst of events, to check that no event
// was lost at the end of the burst (a subscriber learns of drops only from the
// next event it gets).
type settleMsg struct{}

// requestDetailMsg returns one request with headers and bodies.
type requestDetailMsg struct {
	seq    int64
	detail *exchange.Record
	err    error
}

// detailDebounceMsg fires after the selection has rested on seq for a moment,
// so holding ↓ does not read every body on the way.
type detailDebounceMsg struct{ seq int64 }

// resourcesLoadedMsg returns a Users or Groups table.
type resourcesLoadedMsg struct {
	kind   string
	search string
	gen    int
	rows   []ResourceRow
	err    error
}

// resourceDetailMsg returns one user or group.
type resourceDetailMsg struct {
	kind, id string
	detail   *ResourceDetail
	err      error
}

// refreshResourcesMsg fires when a debounced reload of a table is due.
type refreshResourcesMsg struct {
	kind string
	gen  int
}

// searchDebounceMsg fires when typing in a table's search field has paused.
type searchDebounceMsg struct {
	kind string
	gen  int
}

// resourceDebounceMsg fires after the table selection has rested on id.
type resourceDebounceMsg struct{ kind, id string }

// walkthroughMsg returns a snapshot of one IdP's walkthrough; ok is false
// when there is none.
type walkthroughMsg struct {
	idp   exchange.IdP
	steps []idp.StepState
	ok    bool
	// after is the Seq the rehearsal's story starts after (idp.Walkthrough.After).
	after int64
}

// tokenRotatedMsg reports the result of rotating the bearer token.
type tokenRotatedMsg struct{ err error }

// strictSetMsg reports that the mode was switched.
type strictSetMsg struct{ strict bool }

// ngrokSavedMsg reports the result of saving an ngrok token.
type ngrokSavedMsg struct{ err error }

// ngrokForgottenMsg reports the result of forgetting the saved ngrok token.
type ngrokForgottenMsg struct {
	res NgrokForgotten
	err error
}

// copyDoneMsg reports how a value was copied (Deps.Clipboard), so the console can
// send OSC 52 when that is the way and word the notice by what was done.
type copyDoneMsg struct {
	text  string
	about copied
	route CopyRoute
}

// showValueMsg opens a view of a value the admin may need to copy by hand: the
// mouse then selects text as in any terminal.
type showValueMsg struct {
	title, value, note string
}

// toastMsg shows a short notice in the footer.
type toastMsg struct {
	text string
	bad  bool
}

// toastExpiredMsg clears the notice with the given id if it is still shown.
type toastExpiredMsg struct{ id int }

// confirmMsg opens a confirmation dialog; yes runs when the user accepts.
type confirmMsg struct {
	title, body string
	action      string // what "y" does, e.g. "rotate the token"
	yes         tea.Cmd
}

// jumpToRequestMsg switches to the inspector with a request open.
type jumpToRequestMsg struct{ seq int64 }

// openResourceMsg switches to the Users or Groups tab with a resource open.
type openResourceMsg struct{ kind, id string }

// clockMsg refreshes relative times ("online for 5m") once a minute.
type clockMsg time.Time

// pendingMsg carries the time-based hints (Deps.Pending) as of at; they
// replace the previous ones.
type pendingMsg struct {
	at    time.Time
	hints []exchange.Hint
}

// tunnelRetriedMsg reports that the tunnel was asked to try again now.
type tunnelRetriedMsg struct{ state tunnel.State }

// retryCountdownMsg redraws the tunnel's "next attempt in" countdown; gen
// tells a stale countdown from the one of the current status.
type retryCountdownMsg struct{ gen int }

// walkthroughResetMsg reports that an IdP's checklist was started afresh.
type walkthroughResetMsg struct{ idp exchange.IdP }

// faultsMsg carries the fault rules in force with their counters (Deps.Faults).
type faultsMsg struct{ entries []fault.Entry }

// faultChangedMsg reports adding, switching or removing fault rules: note says what
// was done, added that a rule was appended (and is to be selected).
type faultChangedMsg struct {
	note  string
	added bool
	err   error
}

// demoReadyMsg says the walkthrough of a demo's IdP has started afresh, so run gen
// may begin.
type demoReadyMsg struct{ gen int }

// demoProgressMsg is the newest progress of demo run gen.
type demoProgressMsg struct {
	gen int
	p   DemoProgress
}

// demoDoneMsg carries the report of demo run gen, which has ended.
type demoDoneMsg struct {
	gen    int
	report DemoReport
}

// profileSetMsg reports the switch to the profile called name.
type profileSetMsg struct {
	name string
	err  error
}

// labDoneMsg reports an app-side change (Deps.Lab): kind is the table it changed
// (KindUser, KindGroup, or "" for both, as a seed), text the toast on success.
type labDoneMsg struct {
	kind, text string
	err        error
}

// labResetMsg reports that the lab was emptied for the next class.
type labResetMsg struct{ err error }

// labsListedMsg returns the labs (Deps.Labs.List).
type labsListedMsg struct {
	labs []LabInfo
	err  error
}

// labSwitchedMsg reports a switch to another lab, a new one or the current one reset;
// on success the console starts over on the lab served.
type labSwitchedMsg struct {
	res   LabSwitched
	reset bool
	err   error
}

// labChangedMsg reports that a lab other than the one served was reset or deleted.
type labChangedMsg struct {
	name, what string
	err        error
}

// exportProgressMsg says how far the running export is.
type exportProgressMsg struct {
	id          int
	done, total int64
}

// exportDoneMsg ends an export.
type exportDoneMsg struct {
	id  int
	res ExportResult
	err error
}

// resendOpenMsg opens the resend view on a recorded request with its bodies; edit
// starts in the editor.
type resendOpenMsg struct {
	rec  *exchange.Record
	edit bool
}

// resendConfirmedMsg says the admin agreed to send a write request again.
type resendConfirmedMsg struct{ sent *exchange.Record }

// resendDoneMsg returns the running server's answer to a request sent again.
type resendDoneMsg struct {
	sent *exchange.Record
	ans  *Answer
	err  error
}

// labActionMsg starts a confirmed action on a lab (a switch, a reset): what is shown
// until its answer arrives, switching tells that it replaces the lab served, run does
// it.
type labActionMsg struct {
	what      string
	switching bool
	run       tea.Cmd
}
