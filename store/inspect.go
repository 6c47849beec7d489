package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// Inspection is what a read-only look at a lab's files found, for "scimlab doctor".
type Inspection struct {
	// Path is the database file, absolute.
	Path string
	// Size is the database file's size in bytes, without its -wal file.
	Size int64
	// SchemaVersion is the file's schema version: 0 for a file scimlab has not set up
	// yet, above SchemaVersion() for one written by a newer scimlab.
	SchemaVersion int
	// ReadWAL reports that the -wal file was read too (a server has the file open, or
	// one stopped without cleaning up); without it only the main file is read, which
	// then holds every committed change.
	ReadWAL bool
	// CheckTook is how long SQLite's quick_check took.
	CheckTook time.Duration
	// Users, Groups and Requests count the rows; they are left zero when the schema
	// is not one this build can read (SchemaVersion 0 or newer than this build).
	// Requests are counted where the log is: in the database file until its schema
	// moves the log out (a lab last opened by an older scimlab), else in the log's
	// file.
	Users, Groups, Requests int64
	// BearerToken is the stored SCIM bearer token, "" when none is stored yet.
	BearerToken string
	// LogInDatabase reports that the request log is still in the database file, as
	// an older scimlab kept it: the next start moves it to the log's own file.
	LogInDatabase bool
	// Log is what the look at the request log's own file found.
	Log LogInspection
	// Settings are every stored setting, the token among them.
	Settings map[string]string
}

// LogInspection is what a read-only look at a lab's request log file (LogPath)
// found.
type LogInspection struct {
	// Path is the log's file, absolute.
	Path string
	// Exists reports that the file exists; a lab an older scimlab wrote, or whose
	// log was moved aside, has none until its next start creates it.
	Exists bool
	// Size is the file's size in bytes, without its -wal file.
	Size int64
	// SchemaVersion is the file's schema version, against LogSchemaVersion().
	SchemaVersion int
	// ReadWAL and CheckTook are as Inspection's.
	ReadWAL   bool
	CheckTook time.Duration
	// Requests counts the logged requests; zero when the schema is not one this build
	// can read.
	Requests int64
}

// LogSchemaVersion is the schema version of a request log file that this build of
// scimlab writes and opens.
func LogSchemaVersion() int { return len(logMigrations) }

// Inspect looks at the lab's database file at path and at its request log's file
// without changing, creating or locking anything: no migration, no -wal or -shm
// file left behind, and the server lock is not touched, so it works beside a
// running server. Both files are checked at once. A missing database file is an
// error matching fs.ErrNotExist (a missing log file is not: Log.Exists says so); a
// damaged file a *DamagedError naming it, with the Inspection saying how long the
// checks took. ctx bounds the integrity checks, which read the whole files.
func Inspect(ctx context.Context, path string) (Inspection, error) {
	return inspect(ctx, path, true)
}

// Peek is Inspect without the integrity check: what a listing of labs shows, quick
// on a large file, with the same guarantee of changing, creating and locking nothing.
// A damaged file is found only where reading the schema version, the counts or the
// settings trips on it.
func Peek(ctx context.Context, path string) (Inspection, error) {
	return inspect(ctx, path, false)
}

func inspect(ctx context.Context, path string, check bool) (Inspection, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return Inspection{}, fmt.Errorf("store: %w", err)
	}
	in := Inspection{Path: abs, Log: LogInspection{Path: LogPath(abs)}}
	if in.Size, err = regularSize(abs); err != nil {
		return in, err
	}
	db, err := openInspection(abs, &in.ReadWAL)
	if err != nil {
		return in, err
	}
	defer db.Close()
	var lg *sql.DB
	if size, err := regularSize(in.Log.Path); err == nil {
		in.Log.Exists, in.Log.Size = true, size
		if lg, err = openInspection(in.Log.Path, &in.Log.ReadWAL); err != nil {
			return in, err
		}
		defer lg.Close()
	} else if !errors.Is(err, fs.ErrNotExist) {
		return in, err
	}

	var wg sync.WaitGroup
	var logErr error
	if lg != nil {
		wg.Go(func() { logErr = in.Log.inspect(ctx, lg, check) })
	}
	if check {
		start := time.Now()
		err = checkIntegrity(ctx, db, abs)
		in.CheckTook = time.Since(start)
	}
	wg.Wait()
	if err != nil {
		return in, err
	}
	if err := db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&in.SchemaVersion); err != nil {
		return in, orDamaged(abs, "read the schema version", err)
	}
	if logErr != nil {
		return in, logErr
	}
	if in.SchemaVersion < 1 || in.SchemaVersion > SchemaVersion() {
		return in, nil
	}
	if in.LogInDatabase, err = in.count(ctx, db); err != nil {
		return in, err
	}
	if !in.LogInDatabase {
		in.Requests = in.Log.Requests
	}
	return in, nil
}

// inspect checks the log's file, when check is set, and counts its requests.
func (l *LogInspection) inspect(ctx context.Context, db *sql.DB, check bool) error {
	return logDamage(l.Path, l.look(ctx, db, check))
}

func (l *LogInspection) look(ctx context.Context, db *sql.DB, check bool) error {
	if check {
		start := time.Now()
		err := checkIntegrity(ctx, db, l.Path)
		l.CheckTook = time.Since(start)
		if err != nil {
			return err
		}
	}
	if err := db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&l.SchemaVersion); err != nil {
		return orDamaged(l.Path, "read the request log's schema version", err)
	}
	if l.SchemaVersion < 1 || l.SchemaVersion > LogSchemaVersion() {
		return nil
	}
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM requests").Scan(&l.Requests); err != nil {
		return orDamaged(l.Path, "count requests", err)
	}
	return nil
}

// regularSize returns the size of the regular file at path.
func regularSize(path string) (int64, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return 0, err
	}
	if !fi.Mode().IsRegular() {
		return 0, fmt.Errorf("store: %s is not a regular file", path)
	}
	return fi.Size(), nil
}

// openInspection opens the database file at abs read-only, leaving nothing behind,
// and sets *readWAL when its write-ahead log is read too.
//
// A read-only connection to a database in WAL mode creates the -wal and -shm files
// when they are missing, and leaves them. When both exist (a server has the file
// open, or stopped without cleaning up) they are read like any reader reads them;
// when they do not, everything committed is in the main file, and immutable=1 reads
// it without creating, locking or touching anything.
func openInspection(abs string, readWAL *bool) (*sql.DB, error) {
	q := url.Values{}
	q.Set("mode", "ro")
	*readWAL = fileExists(abs+"-wal") && fileExists(abs+"-shm")
	if *readWAL {
		q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busyTimeout.Milliseconds()))
	} else {
		q.Set("immutable", "1")
	}
	q.Add("_pragma", "query_only(1)")
	db, err := sql.Open("sqlite", fileURI(abs)+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	db.SetMaxOpenConns(1)
	return db, nil
}

// count fills the counts, the settings and the token in one read transaction, so
// they agree, and reports whether the request log is still in this file (a lab last
// opened by an older scimlab), where its requests are counted too.
func (in *Inspection) count(ctx context.Context, db *sql.DB) (logInLab bool, err error) {
	tx, err := db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return false, orDamaged(in.Path, "read the database", err)
	}
	defer tx.Rollback()
	if in.SchemaVersion < logMoved {
		err := tx.QueryRowContext(ctx, `SELECT count(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = 'requests'`).Scan(&logInLab)
		if err != nil {
			return false, orDamaged(in.Path, "read the schema", err)
		}
	}
	type counted struct {
		table string
		n     *int64
	}
	counts := []counted{{"users", &in.Users}, {"groups", &in.Groups}}
	if logInLab {
		counts = append(counts, counted{"requests", &in.Requests})
	}
	for _, c := range counts {
		// The table names are constants of this function, never input.
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM "+c.table).Scan(c.n); err != nil {
			return false, orDamaged(in.Path, "count "+c.table, err)
		}
	}
	rows, err := tx.QueryContext(ctx, `SELECT key, value FROM settings`)
	if err != nil {
		return false, orDamaged(in.Path, "read the settings", err)
	}
	defer rows.Close()
	in.Settings = map[string]string{}
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return false, orDamaged(in.Path, "read the settings", err)
		}
		in.Settings[k] = v
	}
	if err := rows.Err(); err != nil {
		return false, orDamaged(in.Path, "read the settings", err)
	}
	in.BearerToken = in.Settings[settingBearerToken]
	return logInLab, nil
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return !errors.Is(err, fs.ErrNotExist)
}
