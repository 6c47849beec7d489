// Package bundle is scimlab's support bundle: one zip file that holds a lab's request
// log (as exact records and as HAR), its users, groups and memberships, its settings
// and a short summary a person reads first, described by a versioned manifest that
// lists every file with its size and SHA-256.
//
// The package knows the file format only: it writes what it is given (the caller
// removes secrets first) and reads back only bundles that pass every check — a known
// format version, safe file names, every listed file present and intact — so an
// import never starts from a damaged or hostile file.
package bundle

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
)

// Format names the file format in the manifest.
const Format = "scimlab-bundle"

// Version is the format version this scimlab writes and the newest it reads. A change
// a reader of this version would misread raises it.
const Version = 1

// The files of a bundle.
const (
	ManifestFile    = "manifest.json"
	SummaryFile     = "summary.txt"
	HARFile         = "requests.har"
	RequestsFile    = "requests.jsonl"
	UsersFile       = "users.jsonl"
	GroupsFile      = "groups.jsonl"
	MembershipsFile = "memberships.jsonl"
	SettingsFile    = "settings.json"
	// The app-side state: deleted users and groups, the app's own admin's actions,
	// accounts outside the organisation. Optional when reading.
	TombstonesFile  = "tombstones.jsonl"
	AppActionsFile  = "app-actions.jsonl"
	IndependentFile = "independent-accounts.jsonl"
)

// Manifest describes a bundle.
type Manifest struct {
	Format  string `json:"format"`
	Version int    `json:"version"`
	// Created is when the bundle was written; Creator the scimlab that wrote it.
	Created time.Time `json:"created"`
	Creator string    `json:"creator"`
	// Lab names the lab or database file the bundle was exported from.
	Lab string `json:"lab"`
	// Selection says which part of the request log the bundle holds.
	Selection Selection `json:"selection"`
	Counts    Counts    `json:"counts"`
	// Files lists every other file of the bundle.
	Files map[string]FileInfo `json:"files"`
}

// Selection is the part of the request log exported; the zero value is all of it.
type Selection struct {
	Since  *time.Time `json:"since,omitempty"`
	IdP    string     `json:"idp,omitempty"`
	Failed bool       `json:"failed,omitempty"`
}

// Whole tells that the bundle holds the whole request log.
func (s Selection) Whole() bool { return s.Since == nil && s.IdP == "" && !s.Failed }

// Counts are the numbers of records in the bundle's files.
type Counts struct {
	Requests    int `json:"requests"`
	Users       int `json:"users"`
	Groups      int `json:"groups"`
	Memberships int `json:"memberships"`
	Settings    int `json:"settings"`
	Tombstones  int `json:"tombstones"`
	AppActions  int `json:"appActions"`
	Independent int `json:"independentAccounts"`
}

// FileInfo is a file's size and SHA-256, in hex.
type FileInfo struct {
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// Resource is a user or group as a bundle holds it: the stored document with the
// server-owned attributes beside it.
type Resource struct {
	ID           string          `json:"id"`
	Version      int64           `json:"version"`
	Created      time.Time       `json:"created"`
	LastModified time.Time       `json:"lastModified"`
	Doc          json.RawMessage `json:"doc"`
}

// Membership is one user in one group; AppSide tells that the app's own admin added
// it.
type Membership struct {
	Group   string `json:"group"`
	User    string `json:"user"`
	Display string `json:"display,omitempty"`
	Type    string `json:"type,omitempty"`
	AppSide bool   `json:"appSide,omitempty"`
}

// Tombstone is a deleted user or group as the lab keeps it until a reset.
type Tombstone struct {
	Kind        string          `json:"kind"`
	ID          string          `json:"id"`
	Name        string          `json:"name"`
	ExternalID  string          `json:"externalId,omitempty"`
	Doc         json.RawMessage `json:"doc"`
	Created     time.Time       `json:"created"`
	Deleted     time.Time       `json:"deleted"`
	Memberships int             `json:"memberships"`
}

// AppAction is something the app's own admin did, numbered apart from the requests.
type AppAction struct {
	Seq          int64     `json:"seq"`
	Time         time.Time `json:"time"`
	Action       string    `json:"action"`
	ResourceType string    `json:"resourceType,omitempty"`
	ResourceID   string    `json:"resourceId,omitempty"`
	Name         string    `json:"name,omitempty"`
	Detail       string    `json:"detail,omitempty"`
}

// IndependentAccount is an account outside the organisation.
type IndependentAccount struct {
	UserName    string          `json:"userName"`
	DisplayName string          `json:"displayName"`
	Doc         json.RawMessage `json:"doc"`
	Created     time.Time       `json:"created"`
}

// ErrInvalid reports a bundle that is damaged, truncated, unsafe or not a bundle at
// all; the error wrapping it says what is wrong.
var ErrInvalid = errors.New("not a valid scimlab bundle")

// NewerError reports a bundle written in a format newer than this scimlab reads.
type NewerError struct {
	Version int
	Creator string
}

// Error implements error.
func (e *NewerError) Error() string {
	by := ""
	if e.Creator != "" {
		by = " by " + e.Creator
	}
	return fmt.Sprintf("the bundle was written%s in format %d; this scimlab reads format %d and older: upgrade scimlab to import it",
		by, e.Version, Version)
}

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, args...))
}

// checkName refuses a file name that could land outside a directory it is extracted
// to, or that different systems read differently: absolute paths, "..", backslashes,
// drive letters and control characters. The reader never writes files by these names;
// a hostile name still marks the bundle as not one scimlab wrote.
func checkName(name string) error {
	switch {
	case name == "" || strings.HasPrefix(name, "/") || strings.Contains(name, `\`) || strings.Contains(name, ":"):
		return invalid("the file name %q is unsafe", name)
	case strings.ContainsFunc(name, unicode.IsControl):
		return invalid("the file name %q holds control characters", name)
	}
	for seg := range strings.SplitSeq(name, "/") {
		switch seg {
		case "..":
			return invalid("the file name %q climbs out of the bundle", name)
		case "", ".":
			return invalid("the file name %q is unsafe", name)
		}
	}
	return nil
}
