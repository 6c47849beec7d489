package doctor

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"time"

	"github.com/scimlab/scimlab/app"
	"github.com/scimlab/scimlab/human"
	"github.com/scimlab/scimlab/store"
	"github.com/scimlab/scimlab/tui"
)

// databaseChecks looks into the database db read-only: its schema, its integrity,
// what it holds and whether a token is stored.
func databaseChecks(ctx context.Context, db string, timeout time.Duration, getenv func(string) string) []Check {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	in, err := store.Inspect(ctx, db)
	if err != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) {
		// SQLite reports the check it was made to stop as interrupted.
		err = context.DeadlineExceeded
	}
	checks := inspectionChecks(in, err, timeout, getenv("SCIMLAB_TOKEN"))
	// All but the request log's are about one file: the first names it.
	for i := 1; i < len(checks); i++ {
		if checks[i].Path == checks[0].Path {
			checks[i].Path = ""
		}
	}
	return checks
}

// inspectionChecks turns what store.Inspect found into checks; envToken is
// $SCIMLAB_TOKEN, which a start serves with instead of the stored token.
func inspectionChecks(in store.Inspection, err error, timeout time.Duration, envToken string) []Check {
	check := func(name string, s Status, found string) Check {
		return Check{Group: GroupDatabase, Name: name, Status: s, Path: in.Path, Found: found}
	}
	var damaged *store.DamagedError
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return []Check{check("database", OK, "no database yet: scimlab creates it on first start")}
	case errors.As(err, &damaged) && damaged.RequestLog:
		c := Check{Group: GroupDatabase, Name: "request log", Status: Fail, Path: in.Log.Path,
			Found: fmt.Sprintf("damaged: SQLite's quick_check found %s (%s)", damaged.Found, took(in.Log.CheckTook)),
			Fix:   app.DamagedLogFix(in.Log.Path)}
		return []Check{schemaCheck(in), integrityCheck(in), c}
	case errors.As(err, &damaged):
		c := check("integrity", Fail, fmt.Sprintf("damaged: SQLite's quick_check found %s (%s)", damaged.Found, took(in.CheckTook)))
		c.Fix = app.DamagedDatabaseFix(in.Path)
		return []Check{c}
	case errors.Is(err, context.DeadlineExceeded):
		c := check("integrity", Warn, fmt.Sprintf("SQLite's quick_check did not finish within %s (%s file)", timeout, human.Bytes(in.Size)))
		c.Fix = "nothing, if it is merely large: scimlab runs the same check at each start, which then takes as long; if it should be small, look at it with sqlite3 " + in.Path
		return []Check{c}
	case err != nil:
		c := check("database", Fail, "cannot be read: "+err.Error())
		c.Fix = "check that this user may read " + in.Path + " and its directory"
		return []Check{c}
	}

	checks := []Check{schemaCheck(in), integrityCheck(in)}
	if in.SchemaVersion < 1 || in.SchemaVersion > store.SchemaVersion() {
		return checks
	}
	checks = append(checks, logCheck(in))
	checks = append(checks, check("contents", OK, fmt.Sprintf("%s, %s, %s in the request log",
		plural(in.Users, "user", "users"), plural(in.Groups, "group", "groups"), plural(in.Requests, "request", "requests"))))

	token := check("bearer token", OK, "none stored yet: scimlab generates one on first start")
	if in.BearerToken != "" {
		token.Found = "stored: " + tui.MaskToken(in.BearerToken)
	}
	if env := strings.TrimSpace(envToken); env != "" {
		note := "$SCIMLAB_TOKEN is set: a start serves with it instead"
		if in.BearerToken != "" && subtle.ConstantTimeCompare([]byte(env), []byte(in.BearerToken)) == 0 {
			note += ", and it differs from the stored token (" + tui.MaskToken(env) + "), so an IdP configured with the stored one gets 401"
		}
		token.Notes = append(token.Notes, note)
	}
	return append(checks, token)
}

// walNote says why a write-ahead log was read with a file.
const walNote = "read together with its write-ahead log, which a scimlab serving it, or one stopped without closing it, keeps"

// integrityCheck reports the database file's passed integrity check.
func integrityCheck(in store.Inspection) Check {
	c := Check{Group: GroupDatabase, Name: "integrity", Status: OK, Path: in.Path,
		Found: fmt.Sprintf("SQLite's quick_check passed in %s (%s)", took(in.CheckTook), human.Bytes(in.Size))}
	if in.ReadWAL {
		c.Notes = append(c.Notes, walNote)
	}
	return c
}

// logCheck reports the request log's own file: whether it is there, its schema, its
// integrity and its size.
func logCheck(in store.Inspection) Check {
	l := in.Log
	c := Check{Group: GroupDatabase, Name: "request log", Status: OK, Path: l.Path}
	build := store.LogSchemaVersion()
	switch {
	case !l.Exists:
		c.Found = "no file yet: scimlab creates it beside the database at its next start"
	case l.SchemaVersion > build:
		c.Status = Fail
		c.Found = fmt.Sprintf("schema version %d, written by a newer scimlab: this build knows up to %d and refuses to open the lab", l.SchemaVersion, build)
		c.Fix = "run the newer scimlab, or pass --db with another file to start a new lab"
		return c
	default:
		c.Found = fmt.Sprintf("%s; SQLite's quick_check passed in %s (%s)", plural(l.Requests, "request", "requests"), took(l.CheckTook), human.Bytes(l.Size))
		if l.SchemaVersion < build {
			c.Notes = append(c.Notes, fmt.Sprintf("schema version %d: this build upgrades it to %d at its next start", l.SchemaVersion, build))
		}
		if l.ReadWAL {
			c.Notes = append(c.Notes, walNote)
		}
	}
	if in.LogInDatabase {
		c.Notes = append(c.Notes, fmt.Sprintf("the %s still in the database move to this file at the next start", plural(in.Requests, "request", "requests")))
	}
	return c
}

// schemaCheck compares the file's schema version with this build's.
func schemaCheck(in store.Inspection) Check {
	build := store.SchemaVersion()
	c := Check{Group: GroupDatabase, Name: "schema", Status: OK, Path: in.Path}
	switch v := in.SchemaVersion; {
	case v == build:
		c.Found = fmt.Sprintf("version %d, this build's", v)
	case v == 0:
		c.Found = "not set up yet (an empty database file): scimlab sets it up on its next start"
	case v < build:
		c.Found = fmt.Sprintf("version %d; this build upgrades it to %d at its next start", v, build)
		c.Notes = append(c.Notes, "after the upgrade an older scimlab cannot open it: copy the file first to keep one that can")
	default:
		c.Status = Fail
		c.Found = fmt.Sprintf("version %d, written by a newer scimlab: this build knows up to %d and refuses to open it", v, build)
		c.Fix = "run the newer scimlab, or pass --db with another file to start a new lab"
	}
	return c
}

// took is a duration for people, to the millisecond.
func took(d time.Duration) string {
	if d < time.Millisecond {
		return "under a millisecond"
	}
	return d.Round(time.Millisecond).String()
}
