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

// eventsClosedMsg says the server closed the subscription (it is shutting down).
type eventsClosedMsg struct{}

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
