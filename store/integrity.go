package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// ErrDamaged reports that the database file is damaged or is no SQLite database.
// The returned error is a *DamagedError naming the file.
var ErrDamaged = errors.New("store: database damaged")

// DamagedError says which database file is damaged and what SQLite found. It
// matches ErrDamaged with errors.Is, and wraps SQLite's own error when there is
// one.
type DamagedError struct {
	// Path is the database file.
	Path string
	// Found is what SQLite reported: its error message, or the first problems the
	// integrity check listed.
	Found string
	// Err is SQLite's error; nil when the integrity check found the damage.
	Err error
	// RequestLog reports that the file is the lab's request log (LogPath), not the
	// lab's own database: moving it aside loses the logged requests, not the lab.
	RequestLog bool
}

// Error implements error.
func (e *DamagedError) Error() string {
	what := "database file"
	if e.RequestLog {
		what = "request log file"
	}
	return fmt.Sprintf("store: the %s %s is damaged (SQLite: %s)", what, e.Path, e.Found)
}

// Unwrap lets errors.Is(err, ErrDamaged) succeed and keeps SQLite's error reachable.
func (e *DamagedError) Unwrap() []error {
	if e.Err == nil {
		return []error{ErrDamaged}
	}
	return []error{ErrDamaged, e.Err}
}

// isDamage reports whether err carries SQLite's result code for a damaged page
// (SQLITE_CORRUPT and its extended codes) or a file that is no database
// (SQLITE_NOTADB).
func isDamage(err error) bool {
	switch sqliteCode(err) & 0xff {
	case sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB:
		return true
	}
	return false
}

// damaged turns an error that reports damage into a *DamagedError for the file at
// path; other errors pass unchanged.
func damaged(path string, err error) error {
	var de *DamagedError
	if err == nil || errors.As(err, &de) || !isDamage(err) {
		return err
	}
	var found string
	if se := sqliteErr(err); se != nil {
		found = se.Error()
	}
	return &DamagedError{Path: path, Found: found, Err: err}
}

// logDamage is damaged for the request log's file at path: the error says which
// file it is.
func logDamage(path string, err error) error {
	err = damaged(path, err)
	var de *DamagedError
	if errors.As(err, &de) && de.Path == path {
		de.RequestLog = true
	}
	return err
}

// noteDamage replaces *err by a *DamagedError when it reports damage; methods
// defer it, so a page found damaged while serving says so instead of failing
// like a bug.
func (db *DB) noteDamage(err *error) { *err = damaged(db.path, *err) }

// maxProblems bounds the problems quick_check lists and the error repeats.
const maxProblems = 3

// checkIntegrity runs SQLite's quick_check, which reads every page of the file
// and checks the structure of each b-tree (not the contents of indexes, which the
// full integrity_check compares too, at several times the cost). A file that is no
// database fails on the first statement.
func checkIntegrity(ctx context.Context, w *sql.DB, path string) error {
	rows, err := w.QueryContext(ctx, fmt.Sprintf("PRAGMA quick_check(%d)", maxProblems))
	if err != nil {
		return orDamaged(path, "check the database", err)
	}
	defer rows.Close()
	var problems []string
	for rows.Next() {
		var p string
		if err := rows.Scan(&p); err != nil {
			return orDamaged(path, "check the database", err)
		}
		// Problems come as lines under a "*** in database main ***" heading.
		for line := range strings.SplitSeq(p, "\n") {
			if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "***") {
				problems = append(problems, line)
			}
		}
	}
	if err := rows.Err(); err != nil {
		return orDamaged(path, "check the database", err)
	}
	if len(problems) == 1 && problems[0] == "ok" {
		return nil
	}
	if len(problems) > maxProblems {
		problems = append(problems[:maxProblems], "…")
	}
	return &DamagedError{Path: path, Found: strings.Join(problems, "; ")}
}

// checkedFile is a database file to check and the connection to check it on.
type checkedFile struct {
	conn *sql.DB
	path string
	log  bool // the file is a request log
}

// checkFiles checks the files at once, each on its own connection, so a lab's
// two files take as long as the larger of them; the first damage found, in the
// order given, is the error.
func checkFiles(ctx context.Context, files []checkedFile) error {
	errs := make([]error, len(files))
	var wg sync.WaitGroup
	for i, f := range files {
		wg.Go(func() {
			errs[i] = checkIntegrity(ctx, f.conn, f.path)
			if f.log {
				errs[i] = logDamage(f.path, errs[i])
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// integrity is the verdict of one file's integrity check, once it is in.
type integrity struct {
	done chan struct{}
	err  error
}

func newIntegrity() *integrity { return &integrity{done: make(chan struct{})} }

// finish records the verdict; it is called once.
func (c *integrity) finish(err error) {
	c.err = err
	close(c.done)
}

// wait returns the verdict once it is in, or ctx's error.
func (c *integrity) wait(ctx context.Context) error {
	select {
	case <-c.done:
		return c.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// orDamaged is a *DamagedError when err reports damage, else err explained as
// the step that failed.
func orDamaged(path, step string, err error) error {
	if d := damaged(path, err); d != err {
		return d
	}
	return fmt.Errorf("store: %s: %w", step, err)
}

func sqliteErr(err error) *sqlite.Error {
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se
	}
	return nil
}
