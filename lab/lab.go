// Package lab keeps named labs: each rehearsal in a database of its own under
// scimlab's data directory. It names and validates labs, lists them with what they
// hold, deletes and resets them, and moves a lab in and out of scimlab as a HAR file or
// a support bundle, with every secret removed on the way out.
//
// A lab is a set of files (store.Files); everything here copies through SQLite, never
// by copying a live file, and builds new files beside their destination before
// renaming them into place, so a failure leaves nothing half-written.
package lab

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/scimlab/scimlab/exchange"
	"github.com/scimlab/scimlab/store"
)

// Default is the lab kept in the database file scimlab has always used,
// $XDG_DATA_HOME/scimlab/scimlab.db, so a lab rehearsed before labs had names keeps
// working as the lab called "default".
const Default = "default"

// maxNameLen bounds a lab name: it becomes a file name, and a column of `scimlab labs`.
const maxNameLen = 64

// ErrNotFound reports a lab name with no lab behind it.
var ErrNotFound = errors.New("no such lab")

// ErrExists reports a lab name that is already taken.
var ErrExists = errors.New("lab exists")

// Error is an error about a lab that reads as a sentence of its own and matches its
// sentinel (ErrNotFound, ErrExists) with errors.Is.
type Error struct {
	Text string
	Kind error
}

// Error implements error.
func (e *Error) Error() string { return e.Text }

// Unwrap returns the sentinel.
func (e *Error) Unwrap() error { return e.Kind }

// Errorf returns an *Error of kind, its text formatted.
func Errorf(kind error, format string, args ...any) error {
	return &Error{Text: fmt.Sprintf(format, args...), Kind: kind}
}

// Settings keys a lab's contents use beyond the store's own.
const (
	// WalkthroughSettingPrefix starts the keys of the walkthroughs' saved progress.
	WalkthroughSettingPrefix = "walkthrough."
	// ProfileSetting holds the profile the lab plays, a profile.Stored.
	ProfileSetting = "profile"
	// FaultsSetting holds the lab's fault rules, fault.EncodeStates.
	FaultsSetting = "faults"
)

// WalkthroughSetting is the settings key of p's walkthrough progress.
func WalkthroughSetting(p exchange.IdP) string { return WalkthroughSettingPrefix + string(p) }

// ValidName checks a lab name: 1 to 64 letters, digits, '-' and '_', starting with a
// letter or digit. Names become file names, so nothing that could leave the labs
// directory (separators, "..") or mean something else to a file system (dots, which
// also name a lab's companion files; spaces; control characters) is allowed.
func ValidName(name string) error {
	const rule = "a lab name is 1 to 64 letters, digits, '-' and '_', starting with a letter or digit"
	switch {
	case name == "":
		return errors.New("the lab name is empty; " + rule)
	case utf8.RuneCountInString(name) > maxNameLen:
		return fmt.Errorf("the lab name %q is longer than %d characters; %s", name, maxNameLen, rule)
	case strings.ContainsAny(name, `/\`) || strings.Contains(name, ".."):
		return fmt.Errorf("the lab name %q is a path; %s", name, rule)
	case strings.ContainsFunc(name, unicode.IsControl):
		return fmt.Errorf("the lab name %q holds control characters; %s", name, rule)
	}
	for i, r := range name {
		ok := unicode.IsLetter(r) || unicode.IsDigit(r) || i > 0 && (r == '-' || r == '_')
		if !ok {
			return fmt.Errorf("the lab name %q holds %q; %s", name, r, rule)
		}
	}
	return nil
}

// Dir is the directory that holds the labs: Default's file at its top, the others
// under labs/.
type Dir struct {
	Root string
}

// DefaultDir is scimlab's data directory, where store.DefaultPath lives.
func DefaultDir() Dir { return Dir{Root: filepath.Dir(store.DefaultPath())} }

// LabsDir holds the named labs other than Default.
func (d Dir) LabsDir() string { return filepath.Join(d.Root, "labs") }

// Path is the database file of the lab called name, whether it exists or not.
func (d Dir) Path(name string) (string, error) {
	if err := ValidName(name); err != nil {
		return "", err
	}
	if name == Default {
		return filepath.Join(d.Root, "scimlab.db"), nil
	}
	return filepath.Join(d.LabsDir(), name+".db"), nil
}

// Exists tells whether the lab called name has a database file.
func (d Dir) Exists(name string) (bool, error) {
	path, err := d.Path(name)
	if err != nil {
		return false, err
	}
	_, err = os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	return err == nil, err
}

// Existing is the database file of an existing lab, or an error that says there is no
// such lab and how to see those there are.
func (d Dir) Existing(name string) (string, error) {
	ok, err := d.Exists(name)
	if err != nil {
		return "", err
	}
	if !ok {
		return "", Errorf(ErrNotFound, "there is no lab called %q; scimlab labs lists them", name)
	}
	return d.Path(name)
}

// Names lists the labs that exist, Default first, the others sorted.
func (d Dir) Names() ([]string, error) {
	var names []string
	if ok, err := d.Exists(Default); err != nil {
		return nil, err
	} else if ok {
		names = append(names, Default)
	}
	entries, err := os.ReadDir(d.LabsDir())
	if errors.Is(err, fs.ErrNotExist) {
		return names, nil
	}
	if err != nil {
		return nil, err
	}
	var named []string
	for _, e := range entries {
		name, isDB := strings.CutSuffix(e.Name(), ".db")
		// Companion files (name.db-wal, a request log's own file) and files put there
		// by hand are not labs.
		if !isDB || e.IsDir() || name == Default || ValidName(name) != nil {
			continue
		}
		named = append(named, name)
	}
	// By name, not by file name: "acme" before "acme-copy", though "acme.db" sorts after.
	slices.Sort(named)
	return append(names, named...), nil
}

// NameOf is the name of the lab whose database is path, "" when path is no lab's (a
// file given with --db elsewhere).
func (d Dir) NameOf(path string) string {
	abs, err := filepath.Abs(path)
	if err != nil {
		return ""
	}
	if def, _ := d.Path(Default); abs == def {
		return Default
	}
	dir, file := filepath.Split(abs)
	name, isDB := strings.CutSuffix(file, ".db")
	if !isDB || filepath.Clean(dir) != d.LabsDir() || name == Default || ValidName(name) != nil {
		return ""
	}
	return name
}
