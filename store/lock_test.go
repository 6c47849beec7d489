package store

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func TestLockRefusesASecondHolderAndNamesTheFirst(t *testing.T) {
	dbPath := filepath.Join(t.TempDir(), "lab", "scimlab.db")
	first, err := AcquireLock(dbPath, Holder{PID: 4242, Address: "http://127.0.0.1:8080/scim/v2"})
	if err != nil {
		t.Fatal(err)
	}
	if mode := fileModeOf(t, LockPath(dbPath)); mode != 0o600 && runtime.GOOS != "windows" {
		t.Errorf("lock file mode %v, want 0600", mode)
	}

	_, err = AcquireLock(dbPath, Holder{PID: 1, Address: "http://127.0.0.1:9090/scim/v2"})
	var le *LockedError
	if !errors.As(err, &le) || !errors.Is(err, ErrLocked) {
		t.Fatalf("second lock: %v, want a *LockedError", err)
	}
	if le.Holder.PID != 4242 || le.Holder.Address != "http://127.0.0.1:8080/scim/v2" || le.Database != dbPath {
		t.Errorf("locked error %+v, want the first holder and the database", le)
	}
	for _, want := range []string{dbPath, "pid 4242", "http://127.0.0.1:8080/scim/v2"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}

	if err := first.Release(); err != nil {
		t.Fatal(err)
	}
	if err := first.Release(); err != nil {
		t.Fatalf("second Release: %v", err)
	}
	if _, err := os.Stat(LockPath(dbPath)); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("lock file left after Release: %v", err)
	}
	second, err := AcquireLock(dbPath, Holder{PID: 2})
	if err != nil {
		t.Fatalf("lock after release: %v", err)
	}
	second.Release()
}

// A lock file left by a process that died (its lock died with it) holds a stale
// pid; the next holder takes it over.
func TestLockTakesOverAStaleLockFile(t *testing.T) {
	dbPath := filepath.Join(t.TempDir(), "scimlab.db")
	if err := os.WriteFile(LockPath(dbPath), []byte("pid=99999\naddress=http://127.0.0.1:1/scim/v2\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	l, err := AcquireLock(dbPath, Holder{PID: 7, Address: "http://127.0.0.1:2/scim/v2"})
	if err != nil {
		t.Fatalf("stale lock file: %v", err)
	}
	defer l.Release()
	if h := readHolder(LockPath(dbPath)); h.PID != 7 || h.Address != "http://127.0.0.1:2/scim/v2" {
		t.Errorf("lock file says %+v, want the new holder", h)
	}
}

func fileModeOf(t *testing.T, path string) fs.FileMode {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Mode().Perm()
}
