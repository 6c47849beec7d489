//go:build unix

package store

import (
	"errors"
	"os"

	"golang.org/x/sys/unix"
)

// removeWhileLocked: Unix removes an open file's name at once, so the lock file
// is removed before the lock is given up and no newcomer can lock the old file
// unnoticed (AcquireLock checks the name still leads to the file it locked).
const removeWhileLocked = true

// tryLock takes an exclusive flock on f without waiting; held reports that
// another open file holds it. flock locks belong to the open file, so a second
// AcquireLock in the same process is refused as well.
func tryLock(f *os.File) (held bool, err error) {
	for {
		err = unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
		if !errors.Is(err, unix.EINTR) {
			break
		}
	}
	if errors.Is(err, unix.EWOULDBLOCK) {
		return true, nil
	}
	return false, err
}

func unlock(f *os.File) error {
	return unix.Flock(int(f.Fd()), unix.LOCK_UN)
}

// processRuns reports whether a process with this pid exists, by sending it no
// signal: EPERM means it exists but belongs to another user.
func processRuns(pid int) (runs, known bool) {
	err := unix.Kill(pid, 0)
	switch {
	case err == nil, errors.Is(err, unix.EPERM):
		return true, true
	case errors.Is(err, unix.ESRCH):
		return false, true
	}
	return false, false
}
