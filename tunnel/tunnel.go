// Package tunnel publishes scimlab's SCIM handler on a public HTTPS URL so
// Okta and Entra can reach it, or says plainly why it does not.
//
// Every way of being reachable (or not) is a Tunnel: ngrok in-process
// (NewNgrok), a URL the user publishes by other means (NewPublicURL), no
// public URL at all (NewLocalOnly) and a 127.0.0.1 listener standing in for
// the public endpoint in tests and debugging (NewLoopback). Select picks one
// from the command line. The local listener is never owned by a Tunnel, so no
// tunnel failure can take the local server down.
//
// The package also owns scimlab's small config file (auth token, domain,
// last public URL) and the resolution of the ngrok token from flag,
// environment and file.
package tunnel

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Tunnel makes an http.Handler reachable from the internet, or reports why
// it cannot.
type Tunnel interface {
	// Start serves h on the public endpoint in the background and returns
	// at once. Connection problems never make Start fail; they show in
	// Status. The tunnel runs until Close or until ctx is done.
	Start(ctx context.Context, h http.Handler) error
	// Status is the current state.
	Status() Status
	// Updates delivers status changes. The channel holds only the latest
	// status (a slow reader skips intermediate ones, the tunnel never
	// waits for it) and is closed by Close after the final status.
	Updates() <-chan Status
	// Close stops serving and releases the public endpoint.
	Close() error
}

// State is where a tunnel is in its life.
type State int

const (
	// Off means there is no public URL: local-only mode, or closed.
	Off State = iota
	// Connecting means the first attempt to publish is in progress.
	Connecting
	// Online means the handler is reachable at Status.PublicURL.
	Online
	// Reconnecting means the tunnel was online or failed and is trying again.
	Reconnecting
	// Failed means the last attempt failed; Status.Reason says why and
	// Status.RetryAt when the next attempt starts (zero: no retry).
	Failed
)

// String gives the state as shown in the console.
func (s State) String() string {
	switch s {
	case Off:
		return "off"
	case Connecting:
		return "connecting"
	case Online:
		return "online"
	case Reconnecting:
		return "reconnecting"
	case Failed:
		return "failed"
	}
	return fmt.Sprintf("State(%d)", int(s))
}

// Modes name the kind of tunnel in Status.Mode.
const (
	ModeNgrok     = "ngrok"
	ModePublicURL = "public-url"
	ModeLocalOnly = "local-only"
	ModeLoopback  = "loopback"
)

// Status is a snapshot of a tunnel. It never contains an auth token.
type Status struct {
	State State
	// Mode is one of the Mode constants.
	Mode string
	// PublicURL is the base URL the IdP must use (without /scim/v2). It is
	// set when Online; after a drop the last URL is kept while
	// Reconnecting or Failed, so the console can say which URL is down.
	PublicURL string
	// Domain is the requested or assigned public host name, if known.
	Domain string
	// Reason says in plain words why the tunnel is Off, Failed or
	// Reconnecting.
	Reason string
	// Hint says what the user can do about it.
	Hint string
	// Code is the ngrok error code (ERR_NGROK_xxx) behind Reason, if any.
	Code string
	// Err is the underlying error with any token removed from its text.
	Err error
	// Since is when the tunnel entered State.
	Since time.Time
	// Attempt counts connection attempts since the tunnel was last online.
	Attempt int
	// RetryAt is when the next attempt starts; zero when none is planned.
	RetryAt time.Time
	// RetryIn is the back-off delay chosen before RetryAt.
	RetryIn time.Duration
}

// String describes the status in one line, as printed by `serve`.
func (s Status) String() string {
	var b strings.Builder
	switch s.State {
	case Off:
		if s.Mode == ModeLocalOnly || s.Mode == "" {
			b.WriteString("local only")
		} else {
			b.WriteString(s.Mode + " off")
		}
		if s.Reason != "" {
			b.WriteString(": " + s.Reason)
		}
	case Connecting:
		fmt.Fprintf(&b, "connecting to %s", modeName(s.Mode))
		if s.Domain != "" {
			fmt.Fprintf(&b, " for %s", s.Domain)
		}
	case Online:
		fmt.Fprintf(&b, "online at %s", s.PublicURL)
		if s.Mode == ModePublicURL {
			b.WriteString(" (given by --public-url; scimlab does not check that it reaches this server)")
		}
	case Reconnecting:
		fmt.Fprintf(&b, "reconnecting to %s (attempt %d)", modeName(s.Mode), s.Attempt)
		if s.Reason != "" {
			b.WriteString(": " + s.Reason)
		}
	case Failed:
		b.WriteString("failed")
		if s.Reason != "" {
			b.WriteString(": " + s.Reason)
		}
		if !s.RetryAt.IsZero() {
			fmt.Fprintf(&b, " (retrying in %s)", s.RetryIn.Round(100*time.Millisecond))
		}
	default:
		b.WriteString(s.State.String())
	}
	if s.Hint != "" && s.State != Online {
		b.WriteString(". " + s.Hint)
	}
	return b.String()
}

func modeName(mode string) string {
	if mode == "" {
		return "the tunnel"
	}
	return mode
}

// statusBox holds a tunnel's status and delivers changes without ever
// blocking the publisher: the channel has room for one value and a newer
// status replaces an unread older one.
type statusBox struct {
	mu     sync.Mutex
	cur    Status
	ch     chan Status
	closed bool
	now    func() time.Time
}

func newStatusBox(initial Status) *statusBox {
	b := &statusBox{ch: make(chan Status, 1), now: time.Now}
	if initial.Since.IsZero() {
		initial.Since = b.now()
	}
	b.cur = initial
	b.ch <- initial
	return b
}

func (b *statusBox) get() Status {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.cur
}

func (b *statusBox) updates() <-chan Status { return b.ch }

// set publishes s. Since is kept from the previous status while the state
// does not change, so the console can show how long a state has lasted.
func (b *statusBox) set(s Status) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return
	}
	if s.State == b.cur.State && s.Since.IsZero() {
		s.Since = b.cur.Since
	}
	if s.Since.IsZero() {
		s.Since = b.now()
	}
	b.cur = s
	b.offer(s)
}

func (b *statusBox) offer(s Status) {
	select {
	case <-b.ch:
	default:
	}
	b.ch <- s
}

// close publishes a final status and closes the channel; later sets are
// ignored.
func (b *statusBox) close(final Status) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return
	}
	if final.Since.IsZero() {
		final.Since = b.now()
	}
	b.cur = final
	b.offer(final)
	b.closed = true
	close(b.ch)
}

// closedStatus is what every tunnel reports after Close.
func closedStatus(mode string) Status {
	return Status{State: Off, Mode: mode, Reason: "the tunnel is closed"}
}
