package doctor

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/adrg/xdg"

	"github.com/scimlab/scimlab/app"
	"github.com/scimlab/scimlab/config"
	"github.com/scimlab/scimlab/human"
	"github.com/scimlab/scimlab/lab"
	"github.com/scimlab/scimlab/store"
	"github.com/scimlab/scimlab/tunnel"
)

// dbLock is the server lock of one database doctor looks at.
type dbLock struct {
	// DB is the database file, absolute.
	DB    string
	State store.LockState
	Err   error
}

// readLocks reads the locks of the database db and, when it is another, of the
// default one: a scimlab serving either may hold the port.
func readLocks(db string) []dbLock {
	var out []dbLock
	for _, p := range []string{db, store.DefaultPath()} {
		abs, err := filepath.Abs(p)
		if err != nil {
			abs = p
		}
		if len(out) > 0 && out[0].DB == abs {
			break
		}
		st, err := store.InspectLock(abs)
		out = append(out, dbLock{DB: abs, State: st, Err: err})
	}
	return out
}

// pathChecks reports where scimlab keeps its files and whether it can use them.
// Each place is one line; a new one is one more dirCheck or fileCheck here.
func pathChecks(db string, getenv func(string) string, locks []dbLock) []Check {
	dataDir := filepath.Dir(store.DefaultPath())
	checks := []Check{
		dirCheck("data directory", dataDir, "scimlab creates it (mode 0700) on first start",
			"set XDG_DATA_HOME to a directory you own, or pass --db"),
		dirCheck("labs directory", lab.DefaultDir().LabsDir(), "scimlab creates it with the first lab named with --lab NAME or in the console",
			"set XDG_DATA_HOME to a directory you own, or keep to the default lab"),
	}
	abs := locks[0].DB
	if abs != store.DefaultPath() {
		checks = append(checks, databaseFileCheck("default database", store.DefaultPath()))
	}
	checks = append(checks,
		databaseFileCheck("database", abs),
		walCheck(abs, locks[0]),
		lockCheck(locks[0]),
		configFileCheck(config.DefaultPath()),
		savedSettingsCheck(tunnel.DefaultConfigPath()),
		consoleLogCheck(app.ConsoleLogPath(), app.ConsoleLogFallbackPath()),
	)
	for _, v := range []struct{ name, dir, holds string }{
		{"XDG_DATA_HOME", xdg.DataHome, "the database and the labs"},
		{"XDG_CONFIG_HOME", xdg.ConfigHome, "the config file and saved settings"},
		{"XDG_STATE_HOME", xdg.StateHome, "the console's log"},
	} {
		c := Check{Group: GroupPaths, Name: v.name, Status: OK, Path: v.dir}
		if getenv(v.name) != "" {
			c.Found = "set by " + v.name + "; scimlab keeps " + v.holds + " under it"
		} else {
			c.Found = "this system's default, as " + v.name + " is not set; scimlab keeps " + v.holds + " under it"
		}
		checks = append(checks, c)
	}
	return checks
}

// dirCheck reports a directory scimlab creates when it needs it; creator says when
// that is, elsewhere how to use another place when this one cannot be used.
func dirCheck(name, dir, creator, elsewhere string) Check {
	c := Check{Group: GroupPaths, Name: name, Path: dir}
	f := lookAt(dir)
	switch {
	case f.Err != nil:
		c.Status, c.Found = Warn, "cannot be looked at: "+f.Err.Error()
		c.Fix = "check the permissions of the directories above it"
	case !f.Exists:
		if ok, blocker := creatable(dir); !ok {
			c.Status, c.Found = Fail, fmt.Sprintf("does not exist, and cannot be created: %s is not a directory this user may write", blocker)
			c.Fix = "make " + blocker + " writable, or " + elsewhere
		} else {
			c.Status, c.Found = OK, "not created yet: "+creator
		}
	case !f.IsDir:
		c.Status, c.Found = Fail, "is a file, not a directory"
		c.Fix, c.Command = "move the file aside, or "+elsewhere, fmt.Sprintf("mv %s %s.old", dir, dir)
	case f.WritableKnown && !f.Writable:
		c.Status, c.Found = Fail, "this user may not write in it (mode "+modeBits(f.Mode)+")"
		c.Fix, c.Command = "let this user write in it, or "+elsewhere, "chmod u+w "+dir
	default:
		c.Status, c.Found = OK, "exists, mode "+modeBits(f.Mode)
	}
	return c
}

// databaseFileCheck reports a database file: scimlab opens it to write, creating
// it when it does not exist.
func databaseFileCheck(name, path string) Check {
	c := Check{Group: GroupPaths, Name: name, Path: path}
	f := lookAt(path)
	switch {
	case f.Err != nil:
		c.Status, c.Found = Warn, "cannot be looked at: "+f.Err.Error()
		c.Fix = "check the permissions of the directories above it"
	case !f.Exists:
		if ok, blocker := creatable(path); !ok {
			c.Status, c.Found = Fail, fmt.Sprintf("no database yet, and scimlab cannot create one: %s is not a directory this user may write", blocker)
			c.Fix = "make " + blocker + " writable, or pass --db with a file in a directory you own"
		} else {
			c.Status, c.Found = OK, "no database yet: scimlab creates it on first start"
		}
	case f.IsDir:
		c.Status, c.Found = Fail, "is a directory, not a database file"
		c.Fix = "pass --db with a file name, e.g. --db " + filepath.Join(path, "scimlab.db")
	case f.WritableKnown && !f.Writable:
		c.Status, c.Found = Fail, "this user may not write it (mode "+modeBits(f.Mode)+"), and scimlab writes every request to it"
		c.Fix, c.Command = "let this user write it, or run scimlab as the file's owner", "chmod u+w "+path
	default:
		c.Status, c.Found = OK, human.Bytes(f.Size)+", mode "+modeBits(f.Mode)
		if othersMayRead(f.Mode) {
			c.Notes = append(c.Notes, "other users may read it; scimlab makes it private (0600) again at its next start")
		}
	}
	return c
}

// walCheck reports the database's write-ahead log (-wal) and its index (-shm),
// which hold changes not yet copied into the database file.
func walCheck(db string, lock dbLock) Check {
	wal, shm := lookAt(db+"-wal"), lookAt(db+"-shm")
	c := Check{Group: GroupPaths, Name: "write-ahead log", Path: wal.Path, Status: OK}
	if !wal.Exists && !shm.Exists {
		c.Found = "none: everything is in the database file (no scimlab has it open)"
		return c
	}
	var parts []string
	for _, f := range []fileFacts{wal, shm} {
		if f.Exists {
			parts = append(parts, filepath.Base(f.Path)+" "+human.Bytes(f.Size))
		}
	}
	c.Found = joinAnd(parts)
	if !lookAt(db).Exists {
		c.Status = Warn
		c.Found += ", without the database file: SQLite would replay it into the database scimlab creates there"
		c.Fix = "move them aside before scimlab creates the database"
		var moves []string
		for _, f := range []fileFacts{wal, shm} {
			if f.Exists {
				moves = append(moves, fmt.Sprintf("mv %s %s.old", f.Path, f.Path))
			}
		}
		c.Command = strings.Join(moves, "; ")
		return c
	}
	if lock.State.Held == store.LockHeldByServer {
		c.Notes = append(c.Notes, "a scimlab has the database open")
	} else {
		c.Notes = append(c.Notes, "left by a scimlab that stopped without closing the database: it holds committed changes, and the next start folds them in; keep it with the database file")
	}
	return c
}

// joinAnd is "a", "a and b", "a, b and c".
func joinAnd(parts []string) string {
	switch len(parts) {
	case 0:
		return ""
	case 1:
		return parts[0]
	}
	out := parts[0]
	for _, p := range parts[1 : len(parts)-1] {
		out += ", " + p
	}
	return out + " and " + parts[len(parts)-1]
}

// lockCheck reports the database's server lock: who serves it, if anyone.
func lockCheck(l dbLock) Check {
	st := l.State
	c := Check{Group: GroupPaths, Name: "server lock", Path: store.LockPath(l.DB), Status: OK}
	if l.Err != nil {
		c.Status, c.Found = Warn, "cannot be read: "+l.Err.Error()
		c.Fix = "check the permissions of " + filepath.Dir(c.Path)
		return c
	}
	holder := "a scimlab"
	if st.Holder.PID > 0 {
		holder = fmt.Sprintf("scimlab pid %d", st.Holder.PID)
	}
	if st.Holder.Address != "" {
		holder += ", serving " + st.Holder.Address
	}
	switch {
	case st.Evidence == store.NoLockFile:
		c.Found = "no lock file: no scimlab serves this database"
	case st.Held == store.LockHeldByServer:
		c.Found = "held by " + holder
		if st.Evidence == store.HolderProcess {
			c.Found += fmt.Sprintf(" (process %d is running; this system keeps no table of locks to confirm it is that scimlab)", st.Holder.PID)
		}
		c.Notes = append(c.Notes, "a second scimlab on this database is refused: use that one (scimlab log reads beside it), stop it, or start the other with another --lab or --db")
	case st.Held == store.LockFree:
		c.Found = "left by a scimlab that stopped without removing it"
		if st.Holder.PID > 0 {
			c.Found = fmt.Sprintf("left by scimlab pid %d, which no longer holds it", st.Holder.PID)
		}
		c.Notes = append(c.Notes, "harmless: the next start takes the lock over")
	default:
		c.Status, c.Found = Warn, "a lock file is there, and this system cannot tell whether a scimlab holds it"
		c.Fix = "if no scimlab is running, nothing: the next start takes the lock over; if one is, use it or pass another --lab or --db"
	}
	return c
}

// configFileCheck reports the config file the user writes (config.yaml): whether it
// is there, whether scimlab can use it, and which settings it gives. A start refuses
// a file it cannot use, so that is a failure, with the file's line.
func configFileCheck(path string) Check {
	c := Check{Group: GroupPaths, Name: "config file", Path: path, Status: OK}
	f, err := config.Load(path)
	switch {
	case err != nil:
		c.Status, c.Found = Fail, "cannot be used: "+err.Error()+"; scimlab serve and the console refuse to start until it is fixed"
		c.Fix = "fix that line (the settings it takes are in docs/cli.md), or move the file aside"
	case !f.Exists:
		c.Found = "none: every setting comes from the flags, SCIMLAB_* variables or the defaults (docs/cli.md tells how to write one)"
	case len(f.Values) == 0:
		c.Found = "sets nothing"
	default:
		c.Found = "sets " + joinAnd(f.Keys()) + "; a flag or a SCIMLAB_* variable wins over it"
	}
	return c
}

// savedSettingsCheck reports config.json, where scimlab saves what the console is
// given (an ngrok auth token, the last --domain), which must be private for the
// token. Its contents are named, never shown.
func savedSettingsCheck(path string) Check {
	c := Check{Group: GroupPaths, Name: "saved settings", Path: path, Status: OK}
	f := lookAt(path)
	switch {
	case f.Err != nil:
		c.Status, c.Found = Warn, "cannot be looked at: "+f.Err.Error()
		c.Fix = "check the permissions of the directories above it"
		return c
	case !f.Exists:
		c.Found = "none yet: scimlab writes it when you save an ngrok token in the console or pass --domain"
		return c
	case f.IsDir:
		c.Status, c.Found = Fail, "is a directory, not scimlab's saved settings"
		c.Fix, c.Command = "move it aside", fmt.Sprintf("mv %s %s.old", path, path)
		return c
	}
	cfg, err := tunnel.LoadConfig(path)
	switch {
	case err != nil:
		c.Status, c.Found = Warn, "cannot be used: "+err.Error()+"; scimlab starts without it (no saved token or domain)"
		c.Fix = "fix its JSON, or delete it and save the token again from the console"
	case othersMayRead(f.Mode):
		c.Status = Fail
		c.Found = "mode " + modeBits(f.Mode) + ": other users may read it, and it may hold an ngrok auth token"
		c.Fix, c.Command = "make it readable and writable by you alone", "chmod 600 "+path
	default:
		c.Found = "mode " + modeBits(f.Mode) + "; " + configContents(cfg)
	}
	return c
}

// configContents names what the config file holds, without its secret.
func configContents(cfg tunnel.Config) string {
	var held []string
	if cfg.NgrokAuthToken != "" {
		held = append(held, "an ngrok auth token")
	}
	if cfg.Domain != "" {
		held = append(held, "the domain "+cfg.Domain)
	}
	if cfg.LastPublicURL != "" {
		held = append(held, "the last public URL "+cfg.LastPublicURL)
	}
	if len(held) == 0 {
		return "holds no settings"
	}
	return "holds " + joinAnd(held)
}

// consoleLogCheck reports where the console writes its diagnostics, and where they
// go when that place cannot be used.
func consoleLogCheck(path, fallback string) Check {
	c := Check{Group: GroupPaths, Name: "console log", Path: path, Status: OK}
	f := lookAt(path)
	usable := true
	switch {
	case f.Err != nil:
		usable = false
		c.Found = "cannot be looked at: " + f.Err.Error()
	case f.Exists && f.IsDir:
		usable = false
		c.Found = "is a directory, not a log file"
	case f.Exists && f.WritableKnown && !f.Writable:
		usable = false
		c.Found = "this user may not write it (mode " + modeBits(f.Mode) + ")"
	case f.Exists:
		c.Found = human.Bytes(f.Size) + ", mode " + modeBits(f.Mode)
	default:
		if ok, blocker := creatable(path); ok {
			c.Found = "none yet: the console writes it while it runs"
		} else {
			usable = false
			c.Found = "cannot be created: " + blocker + " is not a directory this user may write"
		}
	}
	if !usable {
		c.Status = Warn
		c.Found += "; the console logs to " + fallback + " instead"
		c.Fix = "make " + filepath.Dir(path) + " writable, or set XDG_STATE_HOME to a directory you own"
	}
	if fb := lookAt(fallback); fb.Exists && !fb.IsDir {
		c.Notes = append(c.Notes, "an earlier session logged to "+fallback+" ("+human.Bytes(fb.Size)+")")
	}
	return c
}
