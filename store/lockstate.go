package store

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// LockHeld says whether a server holds a database's lock, as far as can be told
// without taking it.
type LockHeld int

const (
	// LockFree: no server holds the lock.
	LockFree LockHeld = iota
	// LockHeldByServer: a server holds the lock.
	LockHeldByServer
	// LockUnknown: a lock file is there, but nothing tells whether it is held (the
	// system keeps no readable table of locks and the file names no process).
	LockUnknown
)

// LockEvidence is how LockState.Held was learnt.
type LockEvidence int

const (
	// NoLockFile: there is no lock file; a server removes it when it stops.
	NoLockFile LockEvidence = iota
	// KernelLockTable: the system's table of file locks (Linux's /proc/locks) lists
	// the locks on the file, so the answer is certain.
	KernelLockTable
	// HolderProcess: whether the process the lock file names is running. A process
	// that died without releasing the lock released it with its death, but its pid
	// may since have been given to another program.
	HolderProcess
	// NoEvidence: the lock file names no process and the system has no lock table.
	NoEvidence
)

// LockState is what can be learnt about a database's server lock without taking
// it, for "scimlab doctor".
type LockState struct {
	// File is the lock file.
	File string
	// Held says whether a server holds the lock; Evidence how that is known.
	Held     LockHeld
	Evidence LockEvidence
	// Holder is what the lock file says about the process that took it; the zero
	// Holder without a lock file.
	Holder Holder
}

// InspectLock tells whether a server holds the lock of the database at dbPath,
// without taking the lock, creating the lock file or writing to it: taking it
// even for an instant could refuse a server starting at that moment.
func InspectLock(dbPath string) (LockState, error) {
	abs, err := filepath.Abs(dbPath)
	if err != nil {
		return LockState{}, fmt.Errorf("store: %w", err)
	}
	st := LockState{File: LockPath(abs)}
	fi, err := os.Stat(st.File)
	if errors.Is(err, fs.ErrNotExist) {
		return st, nil
	}
	if err != nil {
		return st, fmt.Errorf("store: %w", err)
	}
	st.Holder = readHolder(st.File)
	if held, known := kernelHoldsLock(fi); known {
		st.Held, st.Evidence = LockFree, KernelLockTable
		if held {
			st.Held = LockHeldByServer
		}
		return st, nil
	}
	if st.Holder.PID > 0 {
		if runs, known := processRuns(st.Holder.PID); known {
			st.Held, st.Evidence = LockFree, HolderProcess
			if runs {
				st.Held = LockHeldByServer
			}
			return st, nil
		}
	}
	st.Held, st.Evidence = LockUnknown, NoEvidence
	return st, nil
}
