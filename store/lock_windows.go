//go:build windows

package store

import (
	"errors"
	"os"

	"golang.org/x/sys/windows"
)

// removeWhileLocked: Windows cannot remove an open file, so Release removes the
// lock file after closing it.
const removeWhileLocked = false

// lockOffset places the locked byte far past the text, because a LockFileEx lock
// also stops other processes reading the locked range, and the process refused
// reads the holder's pid and address from the file.
const lockOffset = 1 << 30

// tryLock takes an exclusive lock on one byte of f without waiting; held reports
// that another handle holds it.
func tryLock(f *os.File) (held bool, err error) {
	ol := &windows.Overlapped{Offset: lockOffset}
	err = windows.LockFileEx(windows.Handle(f.Fd()), windows.LOCKFILE_EXCLUSIVE_LOCK|windows.LOCKFILE_FAIL_IMMEDIATELY, 0, 1, 0, ol)
	if errors.Is(err, windows.ERROR_LOCK_VIOLATION) || errors.Is(err, windows.ERROR_IO_PENDING) {
		return true, nil
	}
	return false, err
}

func unlock(f *os.File) error {
	return windows.UnlockFileEx(windows.Handle(f.Fd()), 0, 1, 0, &windows.Overlapped{Offset: lockOffset})
}

// processRuns reports whether a process with this pid is running: one that cannot
// be opened for lack of rights exists; one that has exited signals its handle.
func processRuns(pid int) (runs, known bool) {
	h, err := windows.OpenProcess(windows.SYNCHRONIZE, false, uint32(pid))
	switch {
	case errors.Is(err, windows.ERROR_ACCESS_DENIED):
		return true, true
	case errors.Is(err, windows.ERROR_INVALID_PARAMETER):
		return false, true
	case err != nil:
		return false, false
	}
	defer windows.CloseHandle(h)
	event, err := windows.WaitForSingleObject(h, 0)
	if err != nil {
		return false, false
	}
	return event == uint32(windows.WAIT_TIMEOUT), true
}
