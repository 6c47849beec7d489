// Package doctor checks what scimlab needs from the machine it runs on — where its
// files live and whether they are sound, the database, the tunnel, the terminal and
// the port — and says for each problem what to do. It creates, changes and locks
// nothing: it runs beside a scimlab that is serving, and on a machine where
// scimlab never ran it leaves no trace.
package doctor

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"time"

	"github.com/scimlab/scimlab/app"
	"github.com/scimlab/scimlab/lab"
	"github.com/scimlab/scimlab/store"
	"github.com/scimlab/scimlab/tunnel"
)

// Status is a check's verdict.
type Status int

const (
	// OK: nothing to do.
	OK Status = iota
	// Warn: scimlab works, but not fully as it could (local only, no clipboard).
	Warn
	// Fail: to be fixed: scimlab will not start or not work as configured, or a
	// secret lies open.
	Fail
)

// String is the status as the JSON output writes it.
func (s Status) String() string {
	switch s {
	case OK:
		return "ok"
	case Warn:
		return "warn"
	case Fail:
		return "fail"
	}
	return fmt.Sprintf("Status(%d)", int(s))
}

// MarshalText writes the status as its String.
func (s Status) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// Group is the part of the report a check belongs to.
type Group string

// The groups, in the order the report lists them.
const (
	GroupScimlab  Group = "scimlab"
	GroupPaths    Group = "paths"
	GroupDatabase Group = "database"
	GroupLabs     Group = "labs"
	GroupTunnel   Group = "tunnel"
	GroupTerminal Group = "terminal"
	GroupPort     Group = "port"
)

// Check is one thing doctor looked at and what it found.
type Check struct {
	Group  Group  `json:"group"`
	Name   string `json:"name"`
	Status Status `json:"status"`
	// Path is the file or directory the check is about, when it is about one.
	Path string `json:"path,omitempty"`
	// Found says what was found, in a sentence.
	Found string `json:"found"`
	// Notes are further facts worth knowing, whatever the status.
	Notes []string `json:"notes,omitempty"`
	// Fix says what to do; set when Status is not OK.
	Fix string `json:"fix,omitempty"`
	// Command is the shell command that applies the fix, when one does.
	Command string `json:"command,omitempty"`
}

// Report is every check doctor made, grouped in the order of the Group constants.
type Report struct {
	Version string  `json:"version"`
	Checks  []Check `json:"checks"`
}

// Failed reports whether a check failed; warnings do not fail.
func (r Report) Failed() bool { return r.count(Fail) > 0 }

func (r Report) count(s Status) int {
	n := 0
	for _, c := range r.Checks {
		if c.Status == s {
			n++
		}
	}
	return n
}

// Options are what doctor checks and how.
type Options struct {
	// App are the options of the start to check, as serve's flags set them; doctor
	// reads DB (the default database when empty; a --lab's file when one is given), Listen, NgrokToken, Domain,
	// PublicURL, NoTunnel and TunnelMode.
	App app.Options
	// NoNetwork skips the check of ngrok's service, the only one that leaves the
	// machine.
	NoNetwork bool
	// Version is the scimlab version line.
	Version string
	// Getenv reads the environment.
	Getenv func(string) string
	// Stdout is where the report goes: whether it is a terminal, and its size, are
	// part of the report.
	Stdout io.Writer
	// Probe says how ngrok's service is reached; the zero value reaches the real
	// one. Tests stand in for the service with it.
	Probe tunnel.ProbeConfig
	// CheckTimeout bounds the database's integrity check; zero means 30s.
	CheckTimeout time.Duration
}

// defaultCheckTimeout bounds the integrity check, which reads the whole file: a
// lab of a few hundred thousand requests takes seconds, not half a minute.
const defaultCheckTimeout = 30 * time.Second

// Run makes every check and returns the report.
func Run(ctx context.Context, o Options) Report {
	if o.Getenv == nil {
		o.Getenv = func(string) string { return "" }
	}
	if o.CheckTimeout <= 0 {
		o.CheckTimeout = defaultCheckTimeout
	}
	if o.App.DB == "" {
		o.App.DB = store.DefaultPath()
	}
	r := Report{Version: o.Version}
	r.Checks = append(r.Checks, buildChecks(o.Version)...)
	locks := readLocks(o.App.DB)
	r.Checks = append(r.Checks, pathChecks(o.App.DB, o.Getenv, locks)...)
	r.Checks = append(r.Checks, databaseChecks(ctx, o.App.DB, o.CheckTimeout, o.Getenv)...)
	r.Checks = append(r.Checks, labChecks(ctx, lab.DefaultDir(), o.App.DB)...)
	r.Checks = append(r.Checks, tunnelChecks(ctx, o)...)
	r.Checks = append(r.Checks, terminalChecks(gatherTerminal(ctx, o.Stdout, o.Getenv))...)
	r.Checks = append(r.Checks, portCheck(o.App.Listen, locks))
	return r
}

// buildChecks says which scimlab this is and what it was built for and with.
func buildChecks(version string) []Check {
	return []Check{
		{Group: GroupScimlab, Name: "version", Status: OK, Found: version},
		{Group: GroupScimlab, Name: "platform", Status: OK, Found: runtime.GOOS + "/" + runtime.GOARCH},
		{Group: GroupScimlab, Name: "built with", Status: OK, Found: runtime.Version()},
	}
}
