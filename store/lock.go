package store

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// ErrLocked reports that another process serves the database. The returned error
// is a *LockedError naming that process.
var ErrLocked = errors.New("store: database in use by another server")

// Holder is what a lock file says about the process holding it, so the process
// refused can name the one to use or stop.
type Holder struct {
	PID int
	// Address is the SCIM base URL the holder serves on.
	Address string
}

// LockedError names the process that holds a database's server lock. It matches
// ErrLocked with errors.Is.
type LockedError struct {
	// Database is the database file; LockFile the lock file beside it.
	Database, LockFile string
	// Holder is the zero value when the lock file could not be read (the holder
	// is between taking the lock and writing its details).
	Holder Holder
}

// Error implements error.
func (e *LockedError) Error() string {
	who := "another process"
	if e.Holder.PID > 0 {
		who = fmt.Sprintf("another process (pid %d", e.Holder.PID)
		if e.Holder.Address != "" {
			who += ", serving " + e.Holder.Address
		}
		who += ")"
	}
	return fmt.Sprintf("store: database %s is in use by %s", e.Database, who)
}

// Unwrap lets errors.Is(err, ErrLocked) succeed.
func (e *LockedError) Unwrap() error { return ErrLocked }

// Lock is a database's server lock, held until Release. It is an operating system
// lock on a file beside the database (flock on Unix, LockFileEx on Windows), so it
// dies with the process: a server killed without releasing it does not keep the
// next one out.
type Lock struct {
	f    *os.File
	path string
}

// LockPath is the lock file of the database at dbPath.
func LockPath(dbPath string) string { return dbPath + ".lock" }

// AcquireLock takes the server lock of the database at dbPath and writes h into
// the lock file, or returns a *LockedError naming the process that holds it.
// Only processes that write the database as a server take it: readers such as
// "scimlab log" work beside the holder. The lock file's directory is created
// (mode 0700) like the database's.
func AcquireLock(dbPath string, h Holder) (*Lock, error) {
	abs, err := filepath.Abs(dbPath)
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o700); err != nil {
		return nil, fmt.Errorf("store: create directory: %w", err)
	}
	path := LockPath(abs)
	// A releasing holder removes the file while it still holds the lock; a process
	// that opened the old file just before then locks a file nobody else can find.
	// Locking is therefore only good when the path still names the locked file.
	for range 5 {
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
		if err != nil {
			return nil, fmt.Errorf("store: open lock file: %w", err)
		}
		held, err := tryLock(f)
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("store: lock %s: %w", path, err)
		}
		if held {
			f.Close()
			return nil, &LockedError{Database: abs, LockFile: path, Holder: readHolder(path)}
		}
		if !samePath(f, path) {
			unlock(f)
			f.Close()
			continue
		}
		l := &Lock{f: f, path: path}
		if err := l.write(h); err != nil {
			l.Release()
			return nil, err
		}
		return l, nil
	}
	return nil, fmt.Errorf("store: lock %s: the file keeps being replaced", path)
}

func samePath(f *os.File, path string) bool {
	open, err := f.Stat()
	if err != nil {
		return false
	}
	named, err := os.Stat(path)
	return err == nil && os.SameFile(open, named)
}

// write replaces the lock file's text with h.
func (l *Lock) write(h Holder) error {
	text := fmt.Sprintf("pid=%d\naddress=%s\n", h.PID, h.Address)
	if err := l.f.Truncate(0); err != nil {
		return fmt.Errorf("store: write lock file: %w", err)
	}
	if _, err := l.f.WriteAt([]byte(text), 0); err != nil {
		return fmt.Errorf("store: write lock file: %w", err)
	}
	return nil
}

// Release gives the lock up and removes the lock file. Safe to call twice.
func (l *Lock) Release() error {
	if l == nil || l.f == nil {
		return nil
	}
	var errs []error
	if removeWhileLocked {
		if err := os.Remove(l.path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	errs = append(errs, unlock(l.f), l.f.Close())
	if !removeWhileLocked {
		// Windows cannot remove a file that is open. Another process may have
		// opened (and locked) it since; then the removal fails, which is right.
		_ = os.Remove(l.path)
	}
	l.f = nil
	return errors.Join(errs...)
}

// readHolder reads what the lock file says; a file being written gives the zero
// Holder.
func readHolder(path string) Holder {
	data, err := os.ReadFile(path)
	if err != nil {
		return Holder{}
	}
	var h Holder
	for line := range strings.SplitSeq(string(data), "\n") {
		k, v, ok := strings.Cut(strings.TrimSpace(line), "=")
		if !ok {
			continue
		}
		switch k {
		case "pid":
			h.PID, _ = strconv.Atoi(v)
		case "address":
			h.Address = v
		}
	}
	return h
}
