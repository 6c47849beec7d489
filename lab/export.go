package lab

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/scimlab/scimlab/bundle"
	"github.com/scimlab/scimlab/exchange"
	"github.com/scimlab/scimlab/fault"
	"github.com/scimlab/scimlab/har"
	"github.com/scimlab/scimlab/idp"
	"github.com/scimlab/scimlab/profile"
	"github.com/scimlab/scimlab/store"
)

// ExportOptions say what to export and how.
type ExportOptions struct {
	// Lab names the lab (or database file) exported, for the archive's description.
	Lab string
	// Requests selects part of the request log; the zero value exports all of it.
	Requests store.RequestFilter
	// Secrets are values that must not appear in the export besides the lab's own
	// bearer token, which is always removed: the token this run serves, ngrok's.
	Secrets []string
	// Creator names the scimlab writing, e.g. "scimlab v1.2.0".
	Creator string
	// Progress, when set, is told how many of the export's records are written.
	Progress Progress
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

// Progress receives how far a long operation is: done of total units.
type Progress func(done, total int64)

func (p Progress) report(done, total int64) {
	if p != nil {
		p(done, total)
	}
}

// Exported says what an export wrote.
type Exported struct {
	Path                                           string
	Requests, Users, Groups, Memberships, Settings int
	// Tombstones, AppActions and Independent count the app-side state.
	Tombstones, AppActions, Independent int
	// Bytes is the size of the file written.
	Bytes int64
}

func (o ExportOptions) now() time.Time {
	if o.Now != nil {
		return o.Now()
	}
	return time.Now()
}

// prepare fixes the requests exported to those in the log now, so the count told to
// Progress and every pass over the log agree while a server keeps writing, and builds
// the scrubber from the lab's token and the options' secrets.
func (o *ExportOptions) prepare(ctx context.Context, db *store.DB) (n int64, s *scrubber, err error) {
	n, newest, err := db.CountRequests(ctx, o.Requests)
	if err != nil {
		return 0, nil, err
	}
	o.Requests.UpToSeq = newest
	token, err := db.BearerToken(ctx)
	if err != nil {
		return 0, nil, err
	}
	s = newScrubber(append([]string{token}, o.Secrets...))
	// The header the lab's profile reads the token from is a credential by name, as
	// the recorder treats it, however it is called.
	if p, err := labProfile(ctx, db); err == nil {
		s.creds = s.creds.With(p.TokenHeader())
	}
	return n, s, nil
}

// labProfile is the profile the lab keeps (ProfileSetting), generic when none.
func labProfile(ctx context.Context, db *store.DB) (*profile.Profile, error) {
	raw, ok, err := db.Setting(ctx, ProfileSetting)
	if err != nil || !ok {
		return profile.Default(), err
	}
	sp, err := profile.DecodeStored(raw)
	if err != nil {
		return nil, err
	}
	return sp.Profile()
}

// eachRequest walks the n requests f selected when prepare counted them, cleaned. With
// none selected then, none is walked, though some may have been logged since: an empty
// log has no UpToSeq to stop at.
func eachRequest(ctx context.Context, db *store.DB, f store.RequestFilter, n int64, s *scrubber, fn func(*exchange.Record) error) error {
	if n == 0 {
		return nil
	}
	return db.EachRequest(ctx, f, func(r *exchange.Record) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		clean, err := s.record(r)
		if err != nil {
			return err
		}
		return fn(clean)
	})
}

// selection describes a request filter in the bundle's terms.
func selection(f store.RequestFilter) bundle.Selection {
	var sel bundle.Selection
	if !f.Since.IsZero() {
		t := f.Since.UTC()
		sel.Since = &t
	}
	if f.OnlyIdP {
		sel.IdP = string(f.IdP)
		if f.IdP == exchange.Unknown {
			sel.IdP = "unknown"
		}
	}
	sel.Failed = f.Failed
	return sel
}

// harComment describes a HAR export in its log comment.
func harComment(o ExportOptions) string {
	sel := selection(o.Requests)
	what := "the whole request log"
	if !sel.Whole() {
		var parts []string
		if sel.Since != nil {
			parts = append(parts, "since "+sel.Since.Format(time.RFC3339))
		}
		if sel.IdP != "" {
			parts = append(parts, "IdP "+sel.IdP)
		}
		if sel.Failed {
			parts = append(parts, "failed requests only")
		}
		what = "requests " + strings.Join(parts, ", ")
	}
	return fmt.Sprintf("scimlab lab %s: %s, exported %s. Each entry's _scimlab field holds scimlab's reading of it.",
		o.Lab, what, o.now().UTC().Format(time.RFC3339))
}

// ExportHAR writes the selected requests of db as a HAR 1.2 file at dest. The file
// appears complete or not at all.
func ExportHAR(ctx context.Context, db *store.DB, dest string, o ExportOptions) (Exported, error) {
	n, s, err := o.prepare(ctx, db)
	if err != nil {
		return Exported{}, err
	}
	f, err := bundle.CreateTemp(dest)
	if err != nil {
		return Exported{}, err
	}
	fail := func(err error) (Exported, error) {
		f.Close()
		os.Remove(f.Name())
		return Exported{}, err
	}
	buf := bufio.NewWriterSize(f, 256<<10)
	hw, err := har.NewWriter(buf, har.Options{Creator: har.Creator{Name: "scimlab", Version: o.Creator}, Comment: s.string(harComment(o))})
	if err != nil {
		return fail(err)
	}
	var done int64
	o.Progress.report(0, n)
	err = eachRequest(ctx, db, o.Requests, n, s, func(r *exchange.Record) error {
		if err := hw.Add(r); err != nil {
			return err
		}
		done++
		o.Progress.report(done, n)
		return nil
	})
	if err == nil {
		err = hw.Close()
	}
	if err == nil {
		err = buf.Flush()
	}
	if err != nil {
		return fail(fmt.Errorf("writing %s: %w", dest, err))
	}
	if err := bundle.CommitTemp(f, dest); err != nil {
		return Exported{}, err
	}
	return Exported{Path: dest, Requests: hw.Entries(), Bytes: fileSize(dest)}, nil
}

func fileSize(path string) int64 {
	if fi, err := os.Stat(path); err == nil {
		return fi.Size()
	}
	return 0
}

// ExportBundle writes a support bundle of db at dest: the selected requests (exact, and
// as HAR), every user, group and membership, the settings that may leave
// (SettingExported) and a summary. The file appears complete or not at all.
func ExportBundle(ctx context.Context, db *store.DB, dest string, o ExportOptions) (Exported, error) {
	n, s, err := o.prepare(ctx, db)
	if err != nil {
		return Exported{}, err
	}
	counts, err := db.Count(ctx)
	if err != nil {
		return Exported{}, err
	}
	w, err := bundle.Create(dest)
	if err != nil {
		return Exported{}, err
	}
	defer w.Abort()

	total := 2*n + counts.Users + counts.Groups + counts.Memberships
	var done int64
	step := func() {
		done++
		o.Progress.report(min(done, total), total)
	}
	o.Progress.report(0, total)
	out := Exported{Path: dest}
	sum := &bundle.Summary{Lab: o.Lab, Created: o.now(), Creator: o.Creator, Selection: selection(o.Requests)}

	err = w.Add(bundle.RequestsFile, func(wr io.Writer) error {
		return eachRequest(ctx, db, o.Requests, n, s, func(r *exchange.Record) error {
			line, err := bundle.MarshalRecord(r)
			if err != nil {
				return err
			}
			if _, err := wr.Write(append(line, '\n')); err != nil {
				return err
			}
			sum.Observe(r)
			out.Requests++
			step()
			return nil
		})
	})
	if err == nil {
		err = w.Add(bundle.HARFile, func(wr io.Writer) error {
			hw, err := har.NewWriter(wr, har.Options{Creator: har.Creator{Name: "scimlab", Version: o.Creator}, Comment: s.string(harComment(o))})
			if err != nil {
				return err
			}
			err = eachRequest(ctx, db, o.Requests, n, s, func(r *exchange.Record) error {
				step()
				return hw.Add(r)
			})
			if err != nil {
				return err
			}
			return hw.Close()
		})
	}
	for _, kind := range []store.Kind{store.KindUser, store.KindGroup} {
		if err != nil {
			break
		}
		name, count := bundle.UsersFile, &out.Users
		if kind == store.KindGroup {
			name, count = bundle.GroupsFile, &out.Groups
		}
		err = w.Add(name, func(wr io.Writer) error {
			return db.EachResource(ctx, kind, func(r *store.Resource) error {
				line, err := bundle.Line(bundle.Resource{ID: r.ID, Version: r.Version, Created: r.Created, LastModified: r.LastModified,
					Doc: json.RawMessage(s.document(r.Doc))})
				if err != nil {
					return err
				}
				if _, err := wr.Write(s.bytes(line)); err != nil {
					return err
				}
				*count++
				step()
				return nil
			})
		})
	}
	if err == nil {
		err = w.Add(bundle.MembershipsFile, func(wr io.Writer) error {
			return db.EachMembership(ctx, func(m store.Membership) error {
				line, err := bundle.Line(bundle.Membership{Group: m.GroupID, User: m.UserID, Display: m.Display, Type: m.Type, AppSide: m.AppSide})
				if err != nil {
					return err
				}
				if _, err := wr.Write(s.bytes(line)); err != nil {
					return err
				}
				out.Memberships++
				step()
				return nil
			})
		})
	}
	if err == nil {
		err = exportAppSide(ctx, db, w, s, &out)
	}
	var settings map[string]string
	if err == nil {
		settings, err = exportedSettings(ctx, db, s)
	}
	if err == nil {
		out.Settings = len(settings)
		err = w.Add(bundle.SettingsFile, func(wr io.Writer) error {
			b, err := json.MarshalIndent(settings, "", "  ")
			if err != nil {
				return err
			}
			_, err = wr.Write(append(b, '\n'))
			return err
		})
	}
	if err == nil {
		sum.Users, sum.Groups, sum.Memberships = out.Users, out.Groups, out.Memberships
		sum.Tombstones, sum.AppActions, sum.Independent = out.Tombstones, out.AppActions, out.Independent
		sum.Walkthroughs = walkthroughLines(settings)
		sum.Profile, sum.FaultRules = profileLine(settings), faultLines(settings)
		err = w.Add(bundle.SummaryFile, func(wr io.Writer) error {
			_, err := io.WriteString(wr, s.string(sum.Text()))
			return err
		})
	}
	if err != nil {
		return Exported{}, fmt.Errorf("writing %s: %w", dest, err)
	}
	err = w.Commit(bundle.Manifest{
		Created: o.now().UTC(), Creator: o.Creator, Lab: s.string(o.Lab), Selection: selection(o.Requests),
		Counts: bundle.Counts{Requests: out.Requests, Users: out.Users, Groups: out.Groups, Memberships: out.Memberships, Settings: out.Settings,
			Tombstones: out.Tombstones, AppActions: out.AppActions, Independent: out.Independent},
	})
	if err != nil {
		return Exported{}, err
	}
	out.Bytes = fileSize(dest)
	return out, nil
}

// exportAppSide writes the app-side state: the tombstones of deleted users and groups,
// the app's own admin's actions (oldest first, with their numbers) and the independent
// accounts. These are small lists the console shows whole, read whole.
func exportAppSide(ctx context.Context, db *store.DB, w *bundle.Writer, s *scrubber, out *Exported) error {
	var tombs []store.Tombstone
	for _, kind := range []store.Kind{store.KindUser, store.KindGroup} {
		ts, err := db.Tombstones(ctx, kind, "", 0)
		if err != nil {
			return err
		}
		tombs = append(tombs, ts...)
	}
	actions, err := db.AppActions(ctx, "", "", 0)
	if err != nil {
		return err
	}
	slices.Reverse(actions)
	indep, err := db.IndependentAccounts(ctx, "", 0)
	if err != nil {
		return err
	}
	writeLines := func(name string, n int, line func(i int) any) error {
		return w.Add(name, func(wr io.Writer) error {
			for i := range n {
				b, err := bundle.Line(line(i))
				if err != nil {
					return err
				}
				if _, err := wr.Write(s.bytes(b)); err != nil {
					return err
				}
			}
			return nil
		})
	}
	out.Tombstones, out.AppActions, out.Independent = len(tombs), len(actions), len(indep)
	err = writeLines(bundle.TombstonesFile, len(tombs), func(i int) any {
		t := tombs[i]
		return bundle.Tombstone{Kind: string(t.Kind), ID: t.ID, Name: t.Name, ExternalID: t.ExternalID,
			Doc: json.RawMessage(s.document(t.Doc)), Created: t.Created, Deleted: t.Deleted, Memberships: t.Memberships}
	})
	if err == nil {
		err = writeLines(bundle.AppActionsFile, len(actions), func(i int) any {
			a := actions[i]
			return bundle.AppAction{Seq: a.Seq, Time: a.Time, Action: a.Action, ResourceType: a.ResourceType,
				ResourceID: a.ResourceID, Name: a.Name, Detail: a.Detail}
		})
	}
	if err == nil {
		err = writeLines(bundle.IndependentFile, len(indep), func(i int) any {
			ia := indep[i]
			return bundle.IndependentAccount{UserName: ia.UserName, DisplayName: ia.DisplayName,
				Doc: json.RawMessage(s.document(ia.Doc)), Created: ia.Created}
		})
	}
	return err
}

// exportedSettings are the settings that may leave (SettingExported), their values
// cleaned of secrets.
func exportedSettings(ctx context.Context, db *store.DB, s *scrubber) (map[string]string, error) {
	all, err := db.Settings(ctx)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for k, v := range all {
		if SettingExported(k) {
			out[k] = s.string(v)
		}
	}
	return out, nil
}

// profileLine describes the lab's profile for the summary.
func profileLine(settings map[string]string) string {
	raw, ok := settings[ProfileSetting]
	if !ok {
		return "generic (none chosen)"
	}
	sp, err := profile.DecodeStored(raw)
	switch {
	case err != nil:
		return "unreadable (" + err.Error() + ")"
	case sp.Text == "":
		return sp.Name + " (built in)"
	case sp.Source != "":
		return sp.Name + " (custom, from " + sp.Source + "; its text is in settings.json)"
	}
	return sp.Name + " (custom; its text is in settings.json)"
}

// faultLines are the lab's fault rules for the summary, one per line.
func faultLines(settings map[string]string) []string {
	states, err := fault.DecodeStates(settings[FaultsSetting])
	if err != nil {
		return []string{"unreadable: " + err.Error()}
	}
	out := make([]string, len(states))
	for i, st := range states {
		out[i] = st.Rule
		if !st.Enabled {
			out[i] += "  (off)"
		}
	}
	return out
}

// walkthroughLines describe each saved walkthrough's progress for the summary, with
// the steps that failed.
func walkthroughLines(settings map[string]string) []string {
	var out []string
	for _, p := range []exchange.IdP{exchange.Okta, exchange.Entra} {
		saved, ok := settings[WalkthroughSetting(p)]
		if !ok || saved == "" {
			continue
		}
		w := idp.NewWalkthrough(p)
		if err := json.Unmarshal([]byte(saved), w); err != nil {
			continue
		}
		done, total := w.Progress()
		line := fmt.Sprintf("%s: %d of %d steps done", p.Short(), done, total)
		var failed []string
		for _, st := range w.Steps() {
			if st.Status == idp.StatusFailed {
				failed = append(failed, st.Title)
			}
		}
		if len(failed) > 0 {
			sort.Strings(failed)
			line += "; failed: " + strings.Join(failed, ", ")
		}
		out = append(out, line)
	}
	return out
}
