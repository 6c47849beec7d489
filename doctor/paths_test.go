package doctor

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/scimlab/scimlab/store"
)

func TestDirCheck(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "here"), 0o700); err != nil {
		t.Fatal(err)
	}
	const creator, elsewhere = "made at start", "set XDG_DATA_HOME"
	want(t, dirCheck("d", filepath.Join(dir, "new", "deeper"), creator, elsewhere), OK, "not created yet", creator)
	want(t, dirCheck("d", filepath.Join(dir, "here"), creator, elsewhere), OK, "exists, mode 0700")
	want(t, dirCheck("d", file, creator, elsewhere), Fail, "is a file", "mv "+file, elsewhere)
	want(t, dirCheck("d", filepath.Join(file, "sub"), creator, elsewhere), Fail, "cannot be created", file, elsewhere)
	if runtime.GOOS != "windows" && os.Getuid() != 0 {
		locked := filepath.Join(dir, "locked")
		if err := os.Mkdir(locked, 0o500); err != nil {
			t.Fatal(err)
		}
		want(t, dirCheck("d", locked, creator, elsewhere), Fail, "may not write", "chmod u+w "+locked)
		want(t, dirCheck("d", filepath.Join(locked, "sub"), creator, elsewhere), Fail, "cannot be created", locked)
	}
}

func TestDatabaseFileCheck(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "labs", "scimlab.db")
	want(t, databaseFileCheck("database", missing), OK, "no database yet", "creates it on first start")
	want(t, databaseFileCheck("database", dir), Fail, "is a directory", "--db "+filepath.Join(dir, "scimlab.db"))

	db := filepath.Join(dir, "scimlab.db")
	if err := os.WriteFile(db, make([]byte, 4096), 0o600); err != nil {
		t.Fatal(err)
	}
	c := databaseFileCheck("database", db)
	want(t, c, OK, "4 KB", "mode 0600")
	refuse(t, c, "other users")
	if runtime.GOOS != "windows" {
		if err := os.Chmod(db, 0o644); err != nil {
			t.Fatal(err)
		}
		want(t, databaseFileCheck("database", db), OK, "mode 0644", "other users may read it", "private (0600) again at its next start")
	}
	notADir := filepath.Join(db, "sub.db")
	want(t, databaseFileCheck("database", notADir), Fail, "cannot create", db)
}

func TestWALCheck(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "scimlab.db")
	free := dbLock{DB: db}
	want(t, walCheck(db, free), OK, "none")

	for _, p := range []string{db + "-wal", db + "-shm"} {
		if err := os.WriteFile(p, make([]byte, 2048), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	want(t, walCheck(db, free), Warn, "without the database file", "replay", "mv "+db+"-wal")

	if err := os.WriteFile(db, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	c := walCheck(db, free)
	want(t, c, OK, "scimlab.db-wal 2 KB and scimlab.db-shm 2 KB", "stopped without closing", "keep it")
	refuse(t, c, "has the database open")
	served := dbLock{DB: db, State: store.LockState{Held: store.LockHeldByServer, Evidence: store.KernelLockTable}}
	c = walCheck(db, served)
	want(t, c, OK, "a scimlab has the database open")
	refuse(t, c, "stopped without closing")
}

func TestLockCheck(t *testing.T) {
	db := filepath.Join(t.TempDir(), "scimlab.db")
	holder := store.Holder{PID: 4242, Address: "http://127.0.0.1:8080/scim/v2"}
	state := func(held store.LockHeld, ev store.LockEvidence) dbLock {
		return dbLock{DB: db, State: store.LockState{File: store.LockPath(db), Held: held, Evidence: ev, Holder: holder}}
	}
	c := lockCheck(dbLock{DB: db})
	want(t, c, OK, "no lock file", store.LockPath(db))
	refuse(t, c, "pid 4242")

	c = lockCheck(state(store.LockHeldByServer, store.KernelLockTable))
	want(t, c, OK, "held by scimlab pid 4242, serving http://127.0.0.1:8080/scim/v2", "second scimlab on this database is refused")
	refuse(t, c, "no table of locks")
	want(t, lockCheck(state(store.LockHeldByServer, store.HolderProcess)), OK, "held by scimlab pid 4242", "process 4242 is running")

	c = lockCheck(state(store.LockFree, store.KernelLockTable))
	want(t, c, OK, "left by scimlab pid 4242, which no longer holds it", "harmless")
	refuse(t, c, "held by")
	want(t, lockCheck(state(store.LockUnknown, store.NoEvidence)), Warn, "cannot tell", "takes the lock over")
}

// The config file the user writes: missing, the settings it gives, and a line scimlab
// cannot use, named with its line; a secret in it is refused without being shown.
func TestConfigFileCheck(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "config.yaml")
	c := configFileCheck(path)
	want(t, c, OK, "none: every setting comes from the flags")
	write := func(text string) {
		t.Helper()
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("# my lab\nlisten: 127.0.0.1:9000\nstrict: true\n")
	want(t, configFileCheck(path), OK, "sets listen and strict", "a flag or a SCIMLAB_* variable wins")
	write("# nothing yet\n")
	want(t, configFileCheck(path), OK, "sets nothing")
	write("listen: 127.0.0.1:9000\nport: 9000\n")
	want(t, configFileCheck(path), Fail, "config file "+path+", line 2: unknown setting \"port\"", "refuse to start", "fix that line")
	write("strict: true\ntoken: 2secretSCIMtoken\n")
	c = configFileCheck(path)
	want(t, c, Fail, "line 2: token is not read from the config file")
	refuse(t, c, "2secretSCIMtoken")
}

func TestSavedSettingsCheck(t *testing.T) {
	const token = "2secretNGROKtoken_0123456789abcdefXYZ"
	dir := t.TempDir()
	path := filepath.Join(dir, "config.json")
	want(t, savedSettingsCheck(path), OK, "none yet")

	body := []byte(`{"ngrok_authtoken":"` + token + `","domain":"me.ngrok-free.app"}`)
	if err := os.WriteFile(path, body, 0o600); err != nil {
		t.Fatal(err)
	}
	c := savedSettingsCheck(path)
	want(t, c, OK, "mode 0600", "holds an ngrok auth token and the domain me.ngrok-free.app")
	refuse(t, c, token, token[len(token)-4:])

	if runtime.GOOS != "windows" {
		if err := os.Chmod(path, 0o644); err != nil {
			t.Fatal(err)
		}
		c = savedSettingsCheck(path)
		want(t, c, Fail, "mode 0644", "other users may read it", "chmod 600 "+path)
		refuse(t, c, token, token[len(token)-4:])
	}

	broken := filepath.Join(dir, "broken.json")
	if err := os.WriteFile(broken, []byte(`{"ngrok_authtoken":"`+token), 0o600); err != nil {
		t.Fatal(err)
	}
	c = savedSettingsCheck(broken)
	want(t, c, Warn, "not valid JSON", "starts without it")
	refuse(t, c, token, token[len(token)-4:])
	want(t, savedSettingsCheck(dir), Fail, "is a directory")
}

func TestConsoleLogCheck(t *testing.T) {
	dir := t.TempDir()
	fallback := filepath.Join(dir, "tmp", "scimlab-1", "console.log")
	path := filepath.Join(dir, "state", "scimlab", "console.log")
	c := consoleLogCheck(path, fallback)
	want(t, c, OK, "none yet")
	refuse(t, c, fallback)

	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, make([]byte, 100), 0o600); err != nil {
		t.Fatal(err)
	}
	want(t, consoleLogCheck(path, fallback), OK, "100 B")

	// A file where the state directory should be: the console falls back.
	blocked := filepath.Join(dir, "file", "scimlab", "console.log")
	if err := os.WriteFile(filepath.Join(dir, "file"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	want(t, consoleLogCheck(blocked, fallback), Warn, "cannot be created", "logs to "+fallback+" instead", "XDG_STATE_HOME")

	if err := os.MkdirAll(filepath.Dir(fallback), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(fallback, make([]byte, 10), 0o600); err != nil {
		t.Fatal(err)
	}
	want(t, consoleLogCheck(path, fallback), OK, "an earlier session logged to "+fallback)
}

// The XDG lines say which variable set each directory, and pathChecks lists the
// default database only when --db names another.
func TestPathChecksXDG(t *testing.T) {
	root := freshHome(t)
	env := map[string]string{"XDG_CONFIG_HOME": filepath.Join(root, "xdg_config_home")}
	getenv := func(k string) string { return env[k] }
	checks := pathChecks(store.DefaultPath(), getenv, readLocks(store.DefaultPath()))
	want(t, find(t, checks, GroupPaths, "XDG_CONFIG_HOME"), OK, "set by XDG_CONFIG_HOME", "the config file", env["XDG_CONFIG_HOME"])
	want(t, find(t, checks, GroupPaths, "XDG_DATA_HOME"), OK, "default, as XDG_DATA_HOME is not set", "the database")
	for _, c := range checks {
		if c.Name == "default database" {
			t.Errorf("the default database is listed twice: %+v", c)
		}
	}
	other := filepath.Join(root, "other.db")
	checks = pathChecks(other, getenv, readLocks(other))
	want(t, find(t, checks, GroupPaths, "default database"), OK, store.DefaultPath())
	want(t, find(t, checks, GroupPaths, "database"), OK, other)
}
