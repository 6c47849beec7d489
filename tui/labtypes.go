package tui

import (
	"context"
	"net/http"
	"time"
)

// Labs lets the console show and manage named labs; package app implements it over
// package lab and the running server. Methods are called from commands, never from
// the update loop.
type Labs interface {
	// Current names the lab being served, "" for a database file given by path;
	// CurrentPath is its database file.
	Current() string
	CurrentPath() string
	// List lists every lab with what it holds.
	List(ctx context.Context) ([]LabInfo, error)
	// Switch serves the lab called name instead of the current one, creating it when
	// create is set. The address, the tunnel and its URL stay; the console starts
	// over on the new lab (Deps stay valid: they follow the lab served).
	Switch(ctx context.Context, name string, create bool) (LabSwitched, error)
	// Reset empties the lab called name (users, groups, log, walkthroughs); current
	// tells that it was the one served, which the console then starts over on.
	Reset(ctx context.Context, name string) (current bool, err error)
	// Delete deletes the lab called name, which must not be the one served.
	Delete(ctx context.Context, name string) error
	// Export writes the lab called name as a HAR file or a support bundle at path,
	// secrets removed, telling progress how far it is.
	Export(ctx context.Context, name string, kind ExportKind, path string, progress func(done, total int64)) (ExportResult, error)
	// ExportPath suggests a file to export the lab called name to.
	ExportPath(name string, kind ExportKind) string
}

// LabInfo is one lab as the Labs tab lists it.
type LabInfo struct {
	Name, Path, Profile     string
	Users, Groups, Requests int64
	Bytes                   int64
	LastUsed                time.Time
	// Served tells that another scimlab serves the lab; ServedBy is its address, when
	// known.
	Served   bool
	ServedBy string
	// Error says why the lab could not be read.
	Error string
}

// LabSwitched says what a switch of lab did.
type LabSwitched struct {
	Name    string
	Created bool
	// TokenChanged tells that the new lab's token differs from the previous one's.
	TokenChanged bool
}

// ExportKind is what an export writes.
type ExportKind int

// Export kinds.
const (
	ExportHAR ExportKind = iota
	ExportBundle
)

func (k ExportKind) String() string {
	if k == ExportBundle {
		return "support bundle"
	}
	return "HAR file"
}

// ExportResult says what an export wrote.
type ExportResult struct {
	Path                                 string
	Requests, Users, Groups, Memberships int
	// Bytes is the size of the file written.
	Bytes int64
}

// Answer is the running server's answer to a request sent again (Deps.Resend).
type Answer struct {
	Status   int
	Headers  http.Header
	Body     []byte
	Duration time.Duration
	// Differences describe how the answer differs from the recorded one, a line
	// each; none when it is the same (ids, meta and timestamps aside).
	Differences []string
}
