// Package store keeps scimlab's state in SQLite: SCIM users and groups (as JSON
// documents plus indexed columns), group memberships and settings in the lab's
// file, and the request log in a file of its own next to it (see LogPath).
//
// Each file runs in WAL mode with one writer connection and a pool of read-only
// connections. Every exported method is one transaction as far as its caller can
// tell. Write transactions start with BEGIN IMMEDIATE on the single writer
// connection, so writers queue in Go instead of failing with SQLITE_BUSY, and
// readers never wait for writers; writes that queue up while one commits share the
// next commit, each under a savepoint of its own (see commit.go).
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/adrg/xdg"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Sentinel errors. Callers test them with errors.Is; the store wraps them with
// detail (which id, which userName).
var (
	// ErrNotFound reports that the resource, request or group does not exist.
	ErrNotFound = errors.New("store: not found")
	// ErrConflict reports a uniqueness violation (userName, group displayName
	// or id), detected from SQLite's constraint result codes.
	ErrConflict = errors.New("store: uniqueness conflict")
	// ErrPreconditionFailed reports that the stored version differs from the
	// version the caller expected (SCIM If-Match).
	ErrPreconditionFailed = errors.New("store: version precondition failed")
	// ErrInvalidMember reports a group member that is not an existing user.
	// The returned error is a *MemberError naming the id.
	ErrInvalidMember = errors.New("store: member is not an existing user")
	// ErrInvalidFilter reports a query the store cannot express: an operator
	// that does not apply to the value's type, or an unusable attribute name.
	ErrInvalidFilter = errors.New("store: invalid filter")
	// ErrInvalidDocument reports a resource document that is not a JSON
	// object, or a user without a userName.
	ErrInvalidDocument = errors.New("store: invalid document")
)

// MemberError names the user id that made a membership change fail. It
// matches ErrInvalidMember with errors.Is.
type MemberError struct {
	UserID string
}

// Error implements error.
func (e *MemberError) Error() string {
	return fmt.Sprintf("store: member %q is not an existing user", e.UserID)
}

// Unwrap lets errors.Is(err, ErrInvalidMember) succeed.
func (e *MemberError) Unwrap() error { return ErrInvalidMember }

// busyTimeout is how long a connection waits for a lock held by another
// process (another scimlab on the same file) before giving up. Inside one
// process the single writer connection already serialises writers.
const busyTimeout = 5000 * time.Millisecond

// mmapSize lets SQLite read the main database file through a memory map:
// deep pages (startIndex near the end of 100k users) step over every row,
// and reading them with one pread per page made such a page ~10x slower.
// 256 MiB on 64-bit platforms; 0 (off) on 32-bit ones, whose address space
// is too small to map the file once per connection.
const mmapSize = (256 << 20) * (strconv.IntSize / 64)

// readerConns is the size of the read-only pool. WAL readers do not block each
// other or the writer, so a few are enough for the HTTP server and the console.
const readerConns = 4

// DB is an open scimlab database. It is safe for concurrent use.
//
// Callbacks passed to ReplaceUser and UpdateGroup run inside the write transaction,
// on the goroutine that commits writes: they may read through DB's read methods
// (which see the last commit, not writes sharing the transaction), but must not call
// DB's write methods (that would wait for the goroutine running them).
type DB struct {
	w   *sql.DB // one connection; every transaction is BEGIN IMMEDIATE
	r   *sql.DB // read-only pool
	log *logDB  // the request log, in a file of its own
	// commits runs every write on w, sharing commits between concurrent writes.
	commits *committer
	// order holds each kind's rows in creation order (order.go).
	order  map[Kind]*rowOrder
	path   string
	now    func() time.Time
	writes atomic.Int64 // committed write transactions, paces optimize
	// checked is the integrity check of the lab's file, which writes wait for.
	checked *integrity
	// background counts the work Open left running (the integrity checks, reading
	// the orders), which Close stops through stopBackground and waits for: a read
	// still running when the writer closes would keep SQLite from folding the WAL
	// into the file.
	background     sync.WaitGroup
	stopBackground context.CancelFunc
}

// optimizeEvery is how many committed writes pass between PRAGMA optimize
// runs. The statistics it gathers (SQLite is built with STAT4) let the planner
// pick the last_modified index for a recent "meta.lastModified gt" instead of
// scanning every user; without them it cannot know the range is narrow.
const optimizeEvery = 1000

// DefaultPath returns the database location under the XDG data directory,
// $XDG_DATA_HOME/scimlab/scimlab.db. Unlike xdg.DataFile it creates nothing:
// Open creates the directory with the right permissions.
func DefaultPath() string {
	return filepath.Join(xdg.DataHome, "scimlab", "scimlab.db")
}

// Open opens (creating if needed) the database file at path, checks the integrity
// of the lab's files and migrates their schemas. path names a file: the reader pool
// and the writer share it, so ":memory:" does not work. The request log lives in a
// file of its own next to it (LogPath), which Open creates and migrates too.
// A missing parent directory is created with mode 0700 and the files are made
// 0600, because the request log holds everything identity providers sent.
// A damaged file is a *DamagedError naming it.
func Open(ctx context.Context, path string) (*DB, error) {
	db, err := open(ctx, path, false)
	if err != nil {
		return nil, err
	}
	if err := db.Check(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// OpenServing opens the lab at path as Open does, but returns before the integrity
// check of an up-to-date lab is done, so that a server can start answering while it
// runs: SQLite's quick_check reads every page of both files, which on a lab of 100k
// users takes longer than the rest of a start. Reads are served meanwhile (a read
// that meets a damaged page reports it as damage anyway); writes, to either file, wait
// until the check of their file passed, so nothing is ever written to a damaged file.
// A lab whose schema must be migrated is checked before it is migrated, and
// OpenServing returns after both. Check reports the verdict.
func OpenServing(ctx context.Context, path string) (*DB, error) {
	return open(ctx, path, true)
}

// open opens the lab; with background set, the integrity check of a lab that needs no
// migration runs after open returns.
func open(ctx context.Context, path string, background bool) (_ *DB, err error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o700); err != nil {
		return nil, fmt.Errorf("store: create directory: %w", err)
	}
	var closers []func() error
	defer func() {
		if err != nil {
			for i := len(closers) - 1; i >= 0; i-- {
				_ = closers[i]()
			}
		}
	}()
	w, err := openWriter(abs, mmapSize, 0)
	if err != nil {
		return nil, err
	}
	closers = append(closers, w.Close)
	logPath := LogPath(abs)
	// No mmap for the log: it is read a row or a page at a time, by sequence number.
	lw, err := openWriter(logPath, 0, logPageSize)
	if err != nil {
		return nil, err
	}
	closers = append(closers, lw.Close)
	files := []checkedFile{{conn: w, path: abs}, {conn: lw, path: logPath, log: true}}
	current, err := upToDate(ctx, files)
	if err != nil {
		return nil, err
	}
	checks := [2]*integrity{newIntegrity(), newIntegrity()}
	bg, stop := context.WithCancel(context.WithoutCancel(ctx))
	closers = append(closers, func() error { stop(); return nil })
	if !background || !current {
		// A damaged file is found here, before anything writes to it, where it can
		// be named with what to do about it, rather than by the first request that
		// reads the damaged page.
		err := checkFiles(ctx, files)
		for _, c := range checks {
			c.finish(err)
		}
		if err != nil {
			return nil, err
		}
		if err := migrateSchema(ctx, lw, logMigrations, len(logMigrations), "request log"); err != nil {
			return nil, err
		}
		if err := migrate(ctx, w, logPath); err != nil {
			return nil, err
		}
		optimize(ctx, w)
	}
	r, err := openReaders(ctx, abs, readerConns, mmapSize)
	if err != nil {
		return nil, err
	}
	closers = append(closers, r.Close)
	lr, err := openReaders(ctx, logPath, logReaderConns, 0)
	if err != nil {
		return nil, err
	}
	lg := &logDB{w: lw, r: lr, path: logPath, checked: checks[1]}
	db := &DB{w: w, r: r, log: lg, path: abs, now: time.Now, checked: checks[0], stopBackground: stop,
		order: map[Kind]*rowOrder{KindUser: {kind: KindUser}, KindGroup: {kind: KindGroup}}}
	db.commits = newCommitter(w, db.committed, checks[0])
	if background && current {
		// One file after the other, the lab's first: its check is the one writes of
		// requests wait for (the log's holds back only the recorder), and a second
		// check in parallel would take the other core from the start itself.
		db.background.Go(func() {
			for i, f := range files {
				err := checkFiles(bg, []checkedFile{f})
				if err == nil && !f.log {
					optimize(bg, w)
				}
				checks[i].finish(err)
			}
		})
	}
	// Read the creation orders now, beside start-up, rather than in the first
	// list request (Okta's connection test is one); a request that comes first
	// waits for the read to finish.
	for _, o := range db.order {
		db.background.Go(func() { _ = o.ensure(bg, db) })
	}
	return db, nil
}

// upToDate reports whether both files have the schema this build writes, so that
// opening them writes nothing. A file that is no database fails here, as damaged.
func upToDate(ctx context.Context, files []checkedFile) (bool, error) {
	current := true
	for i, want := range []int{len(migrations), len(logMigrations)} {
		f := files[i]
		var v int
		if err := f.conn.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
			err = orDamaged(f.path, "read the schema version", err)
			if f.log {
				err = logDamage(f.path, err)
			}
			return false, err
		}
		current = current && v == want
	}
	return current, nil
}

// optimize refreshes the planner's statistics where they are missing or stale.
// Best effort: stale statistics make queries slower, never wrong.
func optimize(ctx context.Context, w *sql.DB) {
	// 0x10002: consider every table, not only those this connection used.
	_, _ = w.ExecContext(ctx, "PRAGMA optimize=0x10002")
}

// Check waits for the integrity check of the lab's files and returns its verdict:
// nil, or a *DamagedError naming the damaged file (the lab's, then the log's).
func (db *DB) Check(ctx context.Context) error {
	if err := db.checked.wait(ctx); err != nil {
		return err
	}
	return db.log.checked.wait(ctx)
}

// createFile creates a database file with mode 0600 unless it exists, so SQLite
// never creates it with the umask's mode; SQLite gives the -wal and -shm files the
// database file's mode.
func createFile(abs string) error {
	f, err := os.OpenFile(abs, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("store: create database file: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("store: create database file: %w", err)
	}
	if err := os.Chmod(abs, 0o600); err != nil {
		return fmt.Errorf("store: chmod database file: %w", err)
	}
	return nil
}

func fileURI(abs string) string { return (&url.URL{Scheme: "file", Path: abs}).String() }

// openWriter creates the file at abs if needed and opens its one writer
// connection, in WAL mode; mmap is the mmap_size in bytes (0: off), pageSize the
// page size a new file gets (0: SQLite's default; an existing file keeps its own).
func openWriter(abs string, mmap, pageSize int) (*sql.DB, error) {
	if err := createFile(abs); err != nil {
		return nil, err
	}
	if pageSize > 0 {
		if err := setPageSize(abs, pageSize); err != nil {
			return nil, err
		}
	}
	wq := url.Values{}
	wq.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busyTimeout.Milliseconds()))
	wq.Add("_pragma", "journal_mode(WAL)")
	// synchronous=NORMAL in WAL mode fsyncs only at checkpoints, not at every
	// commit. A commit is complete once its frames are written to the -wal
	// file, which lives in the operating system's page cache, so a killed
	// process (kill -9, a panic) loses no committed transaction; only a power
	// loss or kernel crash can drop the last few commits, and even then the
	// database stays consistent.
	wq.Add("_pragma", "synchronous(NORMAL)")
	wq.Add("_pragma", "foreign_keys(1)")
	wq.Add("_pragma", fmt.Sprintf("mmap_size(%d)", mmap))
	// The ANALYZE that PRAGMA optimize runs when statistics are stale (after an
	// import, at the next start) samples this many rows per index instead of
	// reading them all: a lab's start stays quick whatever its size.
	wq.Add("_pragma", "analysis_limit(1000)")
	// BEGIN IMMEDIATE takes the write lock at the start of the transaction, so
	// a transaction that reads first never fails with SQLITE_BUSY when it
	// later writes (a deferred transaction cannot upgrade its snapshot).
	wq.Set("_txlock", "immediate")
	w, err := openPool(fileURI(abs)+"?"+wq.Encode(), true)
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	return w, nil
}

// setPageSize gives an empty database file its page size, before anything turns it
// to WAL, after which the size is fixed. (The driver runs a DSN's pragmas sorted by
// name, journal_mode before page_size, so this cannot ride on the writer's DSN.) A
// file with content keeps the page size it has.
func setPageSize(abs string, pageSize int) error {
	if fi, err := os.Stat(abs); err != nil || fi.Size() > 0 {
		return err
	}
	c, err := sqlite.NewConnector(fileURI(abs))
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	db := sql.OpenDB(c)
	defer db.Close()
	for _, pragma := range []string{fmt.Sprintf("PRAGMA page_size = %d", pageSize), "PRAGMA journal_mode = WAL"} {
		if _, err := db.Exec(pragma); err != nil {
			return fmt.Errorf("store: set the page size of %s: %w", abs, err)
		}
	}
	return nil
}

// openReaders opens a pool of n read-only connections to the file at abs.
func openReaders(ctx context.Context, abs string, n, mmap int) (*sql.DB, error) {
	rq := url.Values{}
	rq.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busyTimeout.Milliseconds()))
	rq.Add("_pragma", "query_only(1)")
	rq.Add("_pragma", fmt.Sprintf("mmap_size(%d)", mmap))
	r, err := openPool(fileURI(abs)+"?"+rq.Encode(), false)
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	r.SetConnMaxLifetime(0)
	if err := r.PingContext(ctx); err != nil {
		r.Close()
		return nil, fmt.Errorf("store: open reader: %w", err)
	}
	return r, nil
}

// openPool opens a connection pool whose connections keep their prepared
// statements (see stmtcache.go). On a writer pool (uninterrupted) no statement is
// interrupted when its context ends: SQLite answers an interrupted write inside a
// transaction by rolling the whole transaction back, which would take the other
// writes sharing it along.
func openPool(dsn string, uninterrupted bool) (*sql.DB, error) {
	c, err := sqlite.NewConnector(dsn)
	if err != nil {
		return nil, err
	}
	return sql.OpenDB(preparingConnector{inner: c, uninterrupted: uninterrupted}), nil
}

// Path returns the absolute path of the database file.
func (db *DB) Path() string { return db.path }

// Close closes the database and its request log. Each writer closes last so that
// its close checkpoints the WAL into its file.
func (db *DB) Close() error {
	db.stopBackground()
	db.background.Wait()
	db.commits.close()
	_, optErr := db.w.Exec("PRAGMA optimize")
	return errors.Join(optErr, db.r.Close(), db.w.Close(), db.log.close())
}

// write runs fn as one write transaction on the writer connection: it applies
// completely if fn returns nil and not at all otherwise, and write returns once it
// is committed. Concurrent writes share a commit (see commit.go).
func (db *DB) write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	return db.writeThen(ctx, fn, nil)
}

// writeThen is write with after run once fn's changes are committed, before it
// returns: the in-memory state kept beside the file changes in commit order.
func (db *DB) writeThen(ctx context.Context, fn func(tx *sql.Tx) error, after func()) (err error) {
	defer db.noteDamage(&err)
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	return db.commits.write(fn, after)
}

// forgetOrders makes the creation orders be read again, after a bulk change.
func (db *DB) forgetOrders() {
	for _, o := range db.order {
		o.forget()
	}
}

// committed runs on the committer after each commit of n writes.
func (db *DB) committed(n int) {
	before := db.writes.Load()
	if after := db.writes.Add(int64(n)); after/optimizeEvery != before/optimizeEvery {
		// Best effort: stale statistics make queries slower, never wrong.
		_, _ = db.w.Exec("PRAGMA optimize")
	}
}

// read runs fn in a read transaction on the reader pool, so that every query
// inside fn sees the same snapshot.
func (db *DB) read(ctx context.Context, fn func(tx *sql.Tx) error) (err error) {
	defer db.noteDamage(&err)
	tx, err := db.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("store: begin read: %w", err)
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}

// sqliteCode returns the extended SQLite result code carried by err, or 0.
func sqliteCode(err error) int {
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code()
	}
	return 0
}

// isUniqueViolation reports whether err is a UNIQUE or PRIMARY KEY violation.
func isUniqueViolation(err error) bool {
	switch sqliteCode(err) {
	case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
		return true
	}
	return false
}

// isPrimaryKeyViolation reports whether err is a PRIMARY KEY violation: a
// caller-chosen id that is already taken.
func isPrimaryKeyViolation(err error) bool {
	return sqliteCode(err) == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
}

// isForeignKeyViolation reports whether err is a FOREIGN KEY violation.
func isForeignKeyViolation(err error) bool {
	return sqliteCode(err) == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY
}
