package doctor

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/scimlab/scimlab/app"
	"github.com/scimlab/scimlab/human"
	"github.com/scimlab/scimlab/lab"
	"github.com/scimlab/scimlab/store"
)

// labChecks lists the labs of dir, one line each with what it holds and who serves
// it, read without changing anything (lab.Inspect). selected is the database the
// start being checked serves, which its own group looks at in depth.
func labChecks(ctx context.Context, dir lab.Dir, selected string) []Check {
	infos, err := dir.List(ctx)
	if err != nil {
		return []Check{{Group: GroupLabs, Name: "labs", Status: Warn, Path: dir.LabsDir(),
			Found: "cannot be listed: " + err.Error(), Fix: "check the permissions of " + dir.Root + " and " + dir.LabsDir()}}
	}
	summary := Check{Group: GroupLabs, Name: "labs", Status: OK, Path: dir.LabsDir()}
	switch len(infos) {
	case 0:
		summary.Found = "none yet: scimlab creates the lab \"default\" on first start, and another with --lab NAME or the console's Labs tab"
	case 1:
		summary.Found = "1 lab, " + infos[0].Name + "; scimlab --lab NAME creates another"
	default:
		names := make([]string, len(infos))
		for i, in := range infos {
			names[i] = in.Name
		}
		summary.Found = fmt.Sprintf("%d labs: %s", len(infos), strings.Join(names, ", "))
	}
	checks := []Check{summary}
	for _, in := range infos {
		checks = append(checks, labCheck(in, samePath(in.Path, selected)))
	}
	return checks
}

// labCheck reports one lab: what it holds, the profile it plays, who serves it, and
// whether this scimlab can open it.
func labCheck(in lab.Info, selected bool) Check {
	c := Check{Group: GroupLabs, Name: in.Name, Status: OK, Path: in.Path}
	var (
		damaged *store.DamagedError
		newer   *lab.NewerError
	)
	switch {
	case errors.As(in.Err, &damaged):
		c.Status, c.Found = Warn, "damaged: SQLite found "+damaged.Found+"; scimlab refuses to serve it, the other labs work"
		c.Fix = app.DamagedDatabaseFix(in.Path)
	case errors.As(in.Err, &newer):
		c.Status, c.Found = Warn, in.Error+"; the other labs work"
		c.Fix = "serve it with the newer scimlab, or export it there (scimlab export --lab " + in.Name + " --bundle FILE) and import the bundle here"
	case in.Err != nil:
		c.Status, c.Found = Warn, "cannot be read: "+in.Error
		c.Fix = "check that this user may read " + in.Path + " and its directory"
	default:
		c.Found = fmt.Sprintf("%s, %s, %s; %s", plural(in.Users, "user", "users"), plural(in.Groups, "group", "groups"),
			plural(in.Requests, "request", "requests"), human.Bytes(in.Bytes))
		if in.Profile != "" {
			c.Found += "; plays " + in.Profile
		}
	}
	if in.Served {
		who := "served by a scimlab"
		if in.ServedByPID > 0 {
			who = fmt.Sprintf("served by scimlab pid %d", in.ServedByPID)
		}
		if in.ServedBy != "" {
			who += " at " + in.ServedBy
		}
		c.Notes = append(c.Notes, who)
	}
	if selected {
		c.Notes = append(c.Notes, "the lab a start with these flags serves")
	}
	return c
}

// samePath tells whether a and b name one file.
func samePath(a, b string) bool {
	aa, err1 := filepath.Abs(a)
	bb, err2 := filepath.Abs(b)
	return err1 == nil && err2 == nil && aa == bb
}
