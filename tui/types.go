package tui

import (
	"context"
	"log/slog"
	"strings"
	"time"

	"github.com/scimlab/scimlab/exchange"
	"github.com/scimlab/scimlab/fault"
	"github.com/scimlab/scimlab/idp"
	"github.com/scimlab/scimlab/tunnel"
)

// Deps is everything the console needs from the running program; package app wires it.
// Every function may be nil: the console then hides the action it would back.
// Functions are called from the console's own goroutines and must be safe for
// concurrent use.
type Deps struct {
	// Subscribe starts a buffered event subscription. The server never blocks on
	// it: when the buffer is full events are dropped and counted in Event.Dropped,
	// and the console reloads the gap from Reader. cancel ends the subscription.
	// scimserver.Server.Subscribe fits as is.
	Subscribe func(buffer int) (events <-chan exchange.Event, cancel func())
	// Reader gives read access to the request log and the resources.
	Reader Reader
	// Tunnel delivers tunnel status changes (tunnel.Tunnel.Updates); TunnelNow
	// gives the current one (tunnel.Tunnel.Status).
	Tunnel    <-chan tunnel.Status
	TunnelNow func() tunnel.Status
	// LocalURL is the SCIM base URL on the local listener, e.g.
	// http://127.0.0.1:8080/scim/v2.
	LocalURL string
	// PublicURL returns the public SCIM base URL (…/scim/v2) when one is known —
	// --public-url, or the tunnel's URL while it is online — and "" otherwise.
	PublicURL func() string
	// Token returns the bearer token the server accepts now.
	Token func() string
	// RotateToken replaces the token; the old one stops working at once.
	RotateToken func() (string, error)
	// TokenOverride names what set this run's token instead of the stored one
	// ("--token", "$SCIMLAB_TOKEN"), or "" when it is the stored one: a token
	// rotated then is stored, but the next start with the same command line
	// serves the override again.
	TokenOverride string
	// TokenWarning returns the warning that the token served now and the one the
	// next start serves differ, or "". The console reads it at start and after a
	// rotation.
	TokenWarning func() string
	// Strict reports whether strict RFC mode is on; SetStrict switches it.
	Strict    func() bool
	SetStrict func(bool)
	// URLWarning returns the warning that the public URL differs from the one of
	// the last run (tunnel.URLChangedWarning), or "" when it did not change. The
	// console reads it again after each tunnel status change.
	URLWarning func() string
	// RetryTunnel makes a tunnel that is waiting out its back-off, or stopped
	// after a permanent failure, try again at once. It must not block.
	RetryTunnel func()
	// SaveNgrokToken stores an ngrok auth token in scimlab's config file so the
	// tunnel can start; main restarts the tunnel with it.
	SaveNgrokToken func(string) error
	// NgrokTokenSaved reports whether scimlab's config file holds an ngrok token;
	// ForgetNgrokToken removes it and stops a tunnel that ran on it (it may take a
	// couple of seconds). A token from --ngrok-token or NGROK_AUTHTOKEN is not
	// scimlab's and stays.
	NgrokTokenSaved  func() bool
	ForgetNgrokToken func() (NgrokForgotten, error)
	// Walkthrough returns the live guided checklist for exchange.Okta or exchange.Entra
	// (the one main feeds every annotated exchange to), or nil.
	Walkthrough func(p exchange.IdP) *idp.Walkthrough
	// ResetWalkthrough sets every step of p's checklist back to pending, for the
	// next rehearsal.
	ResetWalkthrough func(p exchange.IdP)
	// Pending returns the hints that depend on time passing rather than on one
	// request (no traffic at all, Entra waiting for its next cycle, Okta testing
	// fine but provisioning nobody) as of now. The console asks on its clock
	// tick, and after traffic while hints are shown.
	Pending func(now time.Time) []exchange.Hint
	// Demo plays a simulated Okta or Entra against this server for a class; nil
	// hides the Demo action.
	Demo Demo
	// Clipboard copies values (URL, token, curl commands). Nil sends them to the
	// terminal as OSC 52.
	Clipboard Clipboard
	// Faults lists the fault rules in force with their counters, and FaultSeed the seed
	// of their percent draws. AddFault puts a rule (in the syntax of --fault) in force,
	// SetFaultEnabled switches one on or off, RemoveFault and ClearFaults remove one or
	// all; each saves the change, so a restart keeps it.
	Faults          func() []fault.Entry
	FaultSeed       func() uint64
	AddFault        func(rule string) (fault.Entry, error)
	SetFaultEnabled func(id int, on bool) error
	RemoveFault     func(id int) error
	ClearFaults     func() error
	// Profile describes the app profile the server plays now; Profiles lists the
	// ones the console can switch to; SetProfile switches to one by name for the
	// requests that start after it returns, and keeps it for the next start.
	Profile    func() ProfileInfo
	Profiles   func() []ProfileInfo
	SetProfile func(name string) error
	// Lab changes the lab as the app's own admin would (see Lab); nil hides the
	// console's app-side actions.
	Lab Lab
	// Logger receives the console's diagnostics. While the console runs it must
	// write to a file, never to the terminal. Nil discards.
	Logger *slog.Logger
	// Labs shows, switches, creates, resets, deletes and exports labs; nil leaves
	// the Labs tab without actions.
	Labs Labs
	// Resend sends sent (a recorded request, edited or not) to the running server
	// again and returns its answer compared with recorded's. It is a real request:
	// it changes the lab and is logged. Nil hides the action.
	Resend func(ctx context.Context, recorded, sent *exchange.Record) (*Answer, error)
}

// NgrokForgotten is what forgetting the saved ngrok token did.
type NgrokForgotten struct {
	// TunnelStopped tells that the tunnel ran on the saved token and is now off.
	TunnelStopped bool
	// StillSet names the token that still applies ("--ngrok-token",
	// "NGROK_AUTHTOKEN"), which scimlab never stored; "" when none.
	StillSet string
}

// Reader is the narrow read access the console needs. main adapts the store and
// the server to it. Methods are called from background commands, never from
// the console's update loop.
type Reader interface {
	// Requests lists recorded requests with Seq < beforeSeq (0: the newest),
	// newest first, without bodies.
	Requests(ctx context.Context, beforeSeq int64, limit int) ([]exchange.Record, error)
	// Request returns one request with headers (Authorization already redacted)
	// and bodies.
	Request(ctx context.Context, seq int64) (*exchange.Record, error)
	// Users lists users whose userName, name, e-mail or externalId contain
	// search (all users when empty), at most limit.
	Users(ctx context.Context, search string, limit int) ([]ResourceRow, error)
	// Groups lists groups whose displayName or externalId contain search.
	Groups(ctx context.Context, search string, limit int) ([]ResourceRow, error)
	// Resource returns one user (kind KindUser) or group (KindGroup) with its
	// SCIM JSON, memberships and history.
	Resource(ctx context.Context, kind, id string) (*ResourceDetail, error)
}

// Resource kinds, as passed to Reader.Resource.
const (
	KindUser  = "User"
	KindGroup = "Group"
)

// ResourceRow is one line of the Users or Groups table.
type ResourceRow struct {
	Kind string // KindUser or KindGroup
	ID   string
	// Name is the userName of a user or the displayName of a group.
	Name string
	// DisplayName is a user's display name (displayName, name.formatted or
	// given+family name); empty for groups.
	DisplayName string
	ExternalID  string
	Active      bool // users only
	// Members is a group's member count, or a user's group count; -1 when unknown.
	Members  int
	Modified time.Time
	// Deleted is when the user or group was deleted; a row with it set is a
	// tombstone, shown until the lab is reset. Zero for live rows.
	Deleted time.Time
	// Independent marks an account outside the organisation, which SCIM never sees.
	Independent bool
}

// MemberRef names the other side of a membership: a group of a user, or a
// member of a group.
type MemberRef struct {
	Kind    string // KindUser or KindGroup
	ID      string
	Display string
}

// ResourceDetail is one resource as the detail view shows it.
type ResourceDetail struct {
	Row ResourceRow
	// JSON is the full SCIM representation the server returns for GET.
	JSON []byte
	// Memberships are the user's groups or the group's members. For a large
	// group it may be a prefix; MembershipTotal is the full count.
	Memberships     []MemberRef
	MembershipTotal int
	// History lists the requests that touched the resource, newest first.
	History []exchange.Record
	// AppActions lists what the app's own admin did to it, newest first.
	AppActions []AppAction
}

// isKind reports whether a resource type or path names kind ("User" matches
// "User", "Users", "/scim/v2/Users/…").
func isKind(resourceType, path, kind string) bool {
	rt := strings.ToLower(resourceType)
	k := strings.ToLower(kind)
	if rt != "" {
		return strings.HasPrefix(rt, k)
	}
	p := strings.ToLower(path)
	return strings.Contains(p, "/"+k+"s")
}
