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
	"time"
)

// SchemaVersion is the schema version this build of scimlab writes and opens.
func SchemaVersion() int { return schemaVersion }

// Inspection is what a read-only look at a database file found, for "scimlab doctor".
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
	Users, Groups, Requests int64
	// BearerToken is the stored SCIM bearer token, "" when none is stored yet.
	BearerToken string
	// Settings are every stored setting, the token among them.
	Settings map[string]string
}

// Inspect looks at the database file at path without changing, creating or locking
// anything: no migration, no -wal or -shm file left behind, and the server lock is
// not touched, so it works beside a running server. A missing file is an error
// matching fs.ErrNotExist; a damaged one a *DamagedError, with the Inspection
// saying how long the check took. ctx bounds the integrity check, which reads the
// whole file.
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
	in := Inspection{Path: abs}
	fi, err := os.Stat(abs)
	if err != nil {
		return in, err
	}
	if !fi.Mode().IsRegular() {
		return in, fmt.Errorf("store: %s is not a regular file", abs)
	}
	in.Size = fi.Size()

	// A read-only connection to a database in WAL mode creates the -wal and -shm
	// files when they are missing, and leaves them. When both exist (a server has the
	// file open, or stopped without cleaning up) they are read like any reader reads
	// them; when they do not, everything committed is in the main file, and
	// immutable=1 reads it without creating, locking or touching anything.
	q := url.Values{}
	q.Set("mode", "ro")
	in.ReadWAL = fileExists(abs+"-wal") && fileExists(abs+"-shm")
	if in.ReadWAL {
		q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busyTimeout.Milliseconds()))
	} else {
		q.Set("immutable", "1")
	}
	q.Add("_pragma", "query_only(1)")
	uri := (&url.URL{Scheme: "file", Path: abs}).String() + "?" + q.Encode()
	db, err := sql.Open("sqlite", uri)
	if err != nil {
		return in, fmt.Errorf("store: %w", err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)

	if check {
		start := time.Now()
		err = checkIntegrity(ctx, db, abs)
		in.CheckTook = time.Since(start)
		if err != nil {
			return in, err
		}
	}
	if err := db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&in.SchemaVersion); err != nil {
		return in, orDamaged(abs, "read the schema version", err)
	}
	if in.SchemaVersion < 1 || in.SchemaVersion > schemaVersion {
		return in, nil
	}
	return in, in.count(ctx, db)
}

// count fills the counts, the settings and the token in one read transaction, so
// they agree.
func (in *Inspection) count(ctx context.Context, db *sql.DB) error {
	tx, err := db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return orDamaged(in.Path, "read the database", err)
	}
	defer tx.Rollback()
	for _, c := range []struct {
		table string
		n     *int64
	}{{"users", &in.Users}, {"groups", &in.Groups}, {"requests", &in.Requests}} {
		// The table names are constants of this loop, never input.
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM "+c.table).Scan(c.n); err != nil {
			return orDamaged(in.Path, "count "+c.table, err)
		}
	}
	rows, err := tx.QueryContext(ctx, `SELECT key, value FROM settings`)
	if err != nil {
		return orDamaged(in.Path, "read the settings", err)
	}
	defer rows.Close()
	in.Settings = map[string]string{}
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return orDamaged(in.Path, "read the settings", err)
		}
		in.Settings[k] = v
	}
	if err := rows.Err(); err != nil {
		return orDamaged(in.Path, "read the settings", err)
	}
	in.BearerToken = in.Settings[settingBearerToken]
	return nil
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return !errors.Is(err, fs.ErrNotExist)
}
