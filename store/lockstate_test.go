package store

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"
)

func TestInspectLock(t *testing.T) {
	dbPath := filepath.Join(t.TempDir(), "scimlab.db")
	st, err := InspectLock(dbPath)
	if err != nil || st.Held != LockFree || st.Evidence != NoLockFile {
		t.Fatalf("no lock file: %+v, %v", st, err)
	}
	if _, err := os.Stat(LockPath(dbPath)); !os.IsNotExist(err) {
		t.Fatalf("looking created the lock file: %v", err)
	}

	h := Holder{PID: os.Getpid(), Address: "http://127.0.0.1:8080/scim/v2"}
	l, err := AcquireLock(dbPath, h)
	if err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(LockPath(dbPath))
	st, err = InspectLock(dbPath)
	if err != nil || st.Held != LockHeldByServer || st.Holder != h {
		t.Errorf("held: %+v, %v; want held by %+v", st, err, h)
	}
	if runtime.GOOS == "linux" && st.Evidence != KernelLockTable {
		t.Errorf("on Linux the answer comes from /proc/locks, not %v", st.Evidence)
	}
	// The look neither took nor broke the lock.
	if _, err := AcquireLock(dbPath, Holder{PID: 1}); err == nil {
		t.Error("after the look, a second server got the lock")
	}
	if after, _ := os.ReadFile(LockPath(dbPath)); string(after) != string(before) {
		t.Errorf("the lock file changed from %q to %q", before, after)
	}
	if err := l.Release(); err != nil {
		t.Fatal(err)
	}
}

// A lock file left by a server that was killed names a process that no longer
// runs, and nobody holds its lock.
func TestInspectStaleLock(t *testing.T) {
	pid := deadPID(t)
	dbPath := filepath.Join(t.TempDir(), "scimlab.db")
	if err := os.WriteFile(LockPath(dbPath), []byte("pid="+strconv.Itoa(pid)+"\naddress=http://127.0.0.1:8080/scim/v2\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	st, err := InspectLock(dbPath)
	if err != nil || st.Held != LockFree || st.Holder.PID != pid {
		t.Errorf("stale lock: %+v, %v; want free, naming pid %d", st, err, pid)
	}
	if runs, known := processRuns(pid); runs || !known {
		t.Errorf("processRuns(dead %d) = %v, %v", pid, runs, known)
	}
	if runs, known := processRuns(os.Getpid()); !runs || !known {
		t.Errorf("processRuns(self) = %v, %v", runs, known)
	}
}

// deadPID is the pid of a process that ran and exited.
func deadPID(t *testing.T) int {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(self, "-test.run=^$")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	return cmd.Process.Pid
}
