package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
)

// The request log lives in a SQLite file of its own. It commits a batch every few
// milliseconds under load; in the lab's file, every one of those commits changed the
// database under the readers of users and groups, which then threw away their page
// cache and read their hot pages again at their next transaction, and every batch
// held the one writer connection that creates and PATCHes wait for. Apart, the log's
// commits touch neither.

// LogPath returns the request log's file for the lab database at path: the same name
// with ".log.db" for its extension, next to it (scimlab.db → scimlab.log.db).
func LogPath(path string) string {
	return strings.TrimSuffix(path, filepath.Ext(path)) + ".log.db"
}

// logPageSize is the log's page size. Its rows are a few kilobytes each, appended
// in batches, and SQLite writes a page per system call to the WAL and again at
// checkpoint: 32 KiB pages take one call where 4 KiB pages took eight.
const logPageSize = 32 << 10

// logReaderConns is the size of the log's read-only pool: the console's request
// list and an opened request can read at once.
const logReaderConns = 2

// logDB is the request log's file: its writer (the recorder is its only user) and
// its readers.
type logDB struct {
	w, r *sql.DB
	path string
	// checked is the integrity check of the log's file, which writes wait for.
	checked *integrity

	// mu guards bytes, the bodies' total, counted once and then kept up to date by
	// every append and trim, so that keeping to a byte budget needs no scan of the
	// log. Appends and trims hold it across their transactions, which the one
	// writer connection serialises anyway.
	mu         sync.Mutex
	bytes      int64
	bytesKnown bool
}

// logMigrations are the log file's schema steps, as migrations are the lab's:
// migration i brings PRAGMA user_version to i+1. Append only.
var logMigrations = []string{
	// 1: the requests table with every column the lab's file had given it by its
	// migration 6, and the side table of related resources (exchange.Record.Related).
	// AUTOINCREMENT: sequence numbers are never reused, even after trimming removed
	// every row, because subscribers use them to detect missed events. The bodies
	// come last in the row: reading any column stored after a body that spilled to
	// overflow pages would read those pages too. requests_trim is what trimming
	// reads, in log order: which requests are older than the age limit, and how many
	// body bytes the oldest ones hold, found without reading the rows themselves.
	`
CREATE TABLE requests (
	seq           INTEGER PRIMARY KEY AUTOINCREMENT,
	time          TEXT NOT NULL,
	method        TEXT NOT NULL,
	path          TEXT NOT NULL,
	query         TEXT NOT NULL,
	status        INTEGER NOT NULL,
	duration_ns   INTEGER NOT NULL,
	remote_addr   TEXT NOT NULL,
	via_tunnel    INTEGER NOT NULL,
	auth          TEXT NOT NULL,
	resource_type TEXT NOT NULL,
	resource_id   TEXT NOT NULL,
	quirks        TEXT NOT NULL,
	error_detail  TEXT NOT NULL,
	user_agent    TEXT NOT NULL,
	idp           TEXT NOT NULL,
	step          TEXT NOT NULL,
	subject       TEXT NOT NULL,
	summary       TEXT NOT NULL,
	hints         TEXT NOT NULL,
	body_bytes    INTEGER NOT NULL,
	req_headers   TEXT NOT NULL,
	resp_headers  TEXT NOT NULL,
	flavour       TEXT NOT NULL DEFAULT '',
	failed        INTEGER NOT NULL DEFAULT 0,
	strict        INTEGER NOT NULL DEFAULT 0,
	refused_by    TEXT NOT NULL DEFAULT '',
	scim_type     TEXT NOT NULL DEFAULT '',
	fault         TEXT NOT NULL DEFAULT '',
	profile       TEXT NOT NULL DEFAULT '',
	effects       TEXT NOT NULL DEFAULT '[]',
	req_body      BLOB,
	resp_body     BLOB
) STRICT;
CREATE INDEX requests_resource ON requests(resource_type, resource_id, seq);
CREATE INDEX requests_trim ON requests(seq, time, body_bytes);

CREATE TABLE request_related (
	resource_type TEXT NOT NULL,
	resource_id   TEXT NOT NULL,
	seq           INTEGER NOT NULL REFERENCES requests(seq) ON DELETE CASCADE,
	PRIMARY KEY (resource_type, resource_id, seq)
) STRICT, WITHOUT ROWID;
CREATE INDEX request_related_seq ON request_related(seq);
`,
}

// noteDamage replaces *err by a *DamagedError naming the log's file when it
// reports damage.
func (l *logDB) noteDamage(err *error) { *err = logDamage(l.path, *err) }

func (l *logDB) close() error {
	return errors.Join(l.r.Close(), l.w.Close())
}

// read runs fn in a read transaction on the log's reader pool, so that every query
// inside fn sees the same snapshot of the log.
func (l *logDB) read(ctx context.Context, fn func(tx *sql.Tx) error) (err error) {
	defer l.noteDamage(&err)
	tx, err := l.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("store: begin log read: %w", err)
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}

// write runs fn in a write transaction on the log's writer and commits if fn
// returns nil.
func (l *logDB) write(ctx context.Context, fn func(tx *sql.Tx) error) (err error) {
	defer l.noteDamage(&err)
	if err := l.checked.wait(ctx); err != nil {
		return err
	}
	tx, err := l.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: begin log write: %w", err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: commit log write: %w", err)
	}
	return nil
}
