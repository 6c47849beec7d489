package store

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
)

// ServedBy tells whether a server holds the lock of the database at dbPath, and what
// its lock file says about it. It takes the lock for an instant to find out and lets
// it go at once, without changing the lock file; a server starting in that instant
// is refused as if another one ran, which it may simply try again.
func ServedBy(dbPath string) (Holder, bool, error) {
	abs, err := filepath.Abs(dbPath)
	if err != nil {
		return Holder{}, false, err
	}
	path := LockPath(abs)
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return Holder{}, false, nil
	}
	if err != nil {
		return Holder{}, false, err
	}
	defer f.Close()
	held, err := tryLock(f)
	if err != nil {
		return Holder{}, false, err
	}
	if held {
		return readHolder(path), true, nil
	}
	return Holder{}, false, unlock(f)
}
