package lab

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/scimlab/scimlab/bundle"
	"github.com/scimlab/scimlab/exchange"
	"github.com/scimlab/scimlab/fault"
	"github.com/scimlab/scimlab/profile"
	"github.com/scimlab/scimlab/store"
)

// ImportOptions say how to import a bundle.
type ImportOptions struct {
	// Force replaces a lab that exists already.
	Force bool
	// Progress, when set, is told how many of the bundle's records are loaded.
	Progress Progress
}

// Imported says what an import loaded.
type Imported struct {
	Name, Path                                     string
	Requests, Users, Groups, Memberships, Settings int
	// Tombstones, AppActions and Independent count the app-side state.
	Tombstones, AppActions, Independent int
	Manifest                            bundle.Manifest
}

// importBatch is how many records go into the new lab per transaction.
const importBatch = 500

// Import loads the bundle at bundlePath into a new lab called name, keeping every
// request's number, time and annotation, and every resource's id, version and
// timestamps, so the lab shows exactly what the exported one showed. The bundle is
// checked whole first (bundle.Open); the lab is built in a directory beside its
// destination and renamed into place at the end, so a failure at any point leaves no
// lab and the old one, when Force replaces it, untouched. A lab that exists is
// refused without Force, and a lab a server is serving is refused always.
func (d Dir) Import(ctx context.Context, bundlePath, name string, o ImportOptions) (_ Imported, err error) {
	target, err := d.Path(name)
	if err != nil {
		return Imported{}, err
	}
	if exists, err := d.Exists(name); err != nil {
		return Imported{}, err
	} else if exists && !o.Force {
		return Imported{}, Errorf(ErrExists, "the lab %q exists; import into a new name, or pass --force to replace it", name)
	}
	b, err := bundle.Open(bundlePath)
	if err != nil {
		return Imported{}, fmt.Errorf("importing %s: %w", bundlePath, err)
	}
	defer b.Close()
	if err := checkPlayable(b); err != nil {
		return Imported{}, fmt.Errorf("importing %s: %w", bundlePath, err)
	}

	dir := filepath.Dir(target)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return Imported{}, fmt.Errorf("creating %s: %w", dir, err)
	}
	tmpDir, err := os.MkdirTemp(dir, ".import-"+name+"-*")
	if err != nil {
		return Imported{}, fmt.Errorf("importing into %s: %w", dir, err)
	}
	defer os.RemoveAll(tmpDir)

	built := filepath.Join(tmpDir, filepath.Base(target))
	out, err := build(ctx, b, built, o.Progress)
	if err != nil {
		return Imported{}, fmt.Errorf("importing %s: %w", bundlePath, err)
	}
	if err := d.place(name, built, target, filepath.Join(tmpDir, "replaced"), o.Force); err != nil {
		return Imported{}, err
	}
	out.Name, out.Path, out.Manifest = name, target, b.Manifest()
	return out, nil
}

// build loads the bundle into a new database at path and closes it.
func build(ctx context.Context, b *bundle.Reader, path string, progress Progress) (out Imported, err error) {
	db, err := store.Open(ctx, path)
	if err != nil {
		return Imported{}, err
	}
	defer func() {
		if cerr := db.Close(); err == nil && cerr != nil {
			err = cerr
		}
	}()
	c := b.Manifest().Counts
	total := int64(c.Requests + c.Users + c.Groups + c.Memberships)
	var done int64
	step := func(n int) {
		done += int64(n)
		progress.report(min(done, total), total)
	}
	progress.report(0, total)

	for _, file := range []string{bundle.UsersFile, bundle.GroupsFile} {
		var batch []*store.Resource
		flush := func() error {
			snap := store.Snapshot{Users: batch}
			if file == bundle.GroupsFile {
				snap = store.Snapshot{Groups: batch}
			}
			if err := db.Restore(ctx, snap); err != nil {
				return err
			}
			step(len(batch))
			batch = batch[:0]
			return nil
		}
		err := b.EachResource(file, func(r bundle.Resource) error {
			batch = append(batch, &store.Resource{ID: r.ID, Doc: r.Doc, Version: r.Version, Created: r.Created, LastModified: r.LastModified})
			if len(batch) == importBatch {
				return flush()
			}
			return nil
		})
		if err == nil {
			err = flush()
		}
		if err != nil {
			return Imported{}, fmt.Errorf("%s: %w", file, err)
		}
		if file == bundle.UsersFile {
			out.Users = int(done)
		} else {
			out.Groups = int(done) - out.Users
		}
	}

	var members []store.Membership
	flushMembers := func() error {
		if err := db.Restore(ctx, store.Snapshot{Memberships: members}); err != nil {
			return err
		}
		step(len(members))
		out.Memberships += len(members)
		members = members[:0]
		return nil
	}
	err = b.EachMembership(func(m bundle.Membership) error {
		members = append(members, store.Membership{GroupID: m.Group, Member: store.Member{UserID: m.User, Display: m.Display, Type: m.Type},
			AppSide: m.AppSide})
		if len(members) == importBatch {
			return flushMembers()
		}
		return nil
	})
	if err == nil {
		err = flushMembers()
	}
	if err != nil {
		return Imported{}, fmt.Errorf("%s: %w", bundle.MembershipsFile, err)
	}

	appSide, err := readAppSide(b)
	if err != nil {
		return Imported{}, err
	}
	if err := db.Restore(ctx, appSide); err != nil {
		return Imported{}, fmt.Errorf("the app-side state: %w", err)
	}
	out.Tombstones, out.AppActions, out.Independent = len(appSide.Tombstones), len(appSide.AppActions), len(appSide.Independent)

	settings, err := b.Settings()
	if err != nil {
		return Imported{}, err
	}
	kept := map[string]string{}
	for k, v := range settings {
		// A bundle never carries credentials; one that does was not written by
		// scimlab, and its token must not become the new lab's.
		if SettingExported(k) {
			kept[k] = v
		}
	}
	if err := db.Restore(ctx, store.Snapshot{Settings: kept}); err != nil {
		return Imported{}, fmt.Errorf("%s: %w", bundle.SettingsFile, err)
	}
	out.Settings = len(kept)

	var recs []*exchange.Record
	flushRecs := func() error {
		if err := db.AppendRequests(ctx, recs); err != nil {
			return err
		}
		step(len(recs))
		out.Requests += len(recs)
		recs = recs[:0]
		return nil
	}
	err = b.EachRequest(func(r *exchange.Record) error {
		recs = append(recs, r)
		if len(recs) == importBatch {
			return flushRecs()
		}
		return nil
	})
	if err == nil {
		err = flushRecs()
	}
	if err != nil {
		return Imported{}, fmt.Errorf("%s: %w", bundle.RequestsFile, err)
	}
	return out, nil
}

// checkPlayable refuses a bundle whose profile or fault rules this scimlab cannot
// play: the imported lab would serve something else than the lab exported (a newer
// scimlab's profile knob, a rule syntax it added), and nobody would know.
func checkPlayable(b *bundle.Reader) error {
	settings, err := b.Settings()
	if err != nil {
		return err
	}
	if raw, ok := settings[ProfileSetting]; ok {
		sp, err := profile.DecodeStored(raw)
		if err == nil {
			_, err = sp.Profile()
		}
		if err != nil {
			return fmt.Errorf("its lab plays a profile this scimlab cannot (%v); import it with the scimlab that exported it, or a newer one", err)
		}
	}
	states, err := fault.DecodeStates(settings[FaultsSetting])
	for _, st := range states {
		if err != nil {
			break
		}
		_, err = fault.Parse(st.Rule)
	}
	if err != nil {
		return fmt.Errorf("its lab holds fault rules this scimlab cannot read (%v); import it with the scimlab that exported it, or a newer one", err)
	}
	return nil
}

// readAppSide reads the bundle's tombstones, app actions and independent accounts.
func readAppSide(b *bundle.Reader) (store.Snapshot, error) {
	var s store.Snapshot
	err := bundle.EachLine(b, bundle.TombstonesFile, func(t bundle.Tombstone) error {
		s.Tombstones = append(s.Tombstones, store.Tombstone{Kind: store.Kind(t.Kind), ID: t.ID, Name: t.Name, ExternalID: t.ExternalID,
			Doc: t.Doc, Created: t.Created, Deleted: t.Deleted, Memberships: t.Memberships})
		return nil
	})
	if err == nil {
		err = bundle.EachLine(b, bundle.AppActionsFile, func(a bundle.AppAction) error {
			s.AppActions = append(s.AppActions, store.AppAction{Seq: a.Seq, Time: a.Time, Action: a.Action,
				ResourceType: a.ResourceType, ResourceID: a.ResourceID, Name: a.Name, Detail: a.Detail})
			return nil
		})
	}
	if err == nil {
		err = bundle.EachLine(b, bundle.IndependentFile, func(ia bundle.IndependentAccount) error {
			s.Independent = append(s.Independent, store.IndependentAccount{UserName: ia.UserName, DisplayName: ia.DisplayName,
				Doc: ia.Doc, Created: ia.Created})
			return nil
		})
	}
	return s, err
}

// place moves the lab built at built to target, under target's server lock. A lab
// at target (only with force) is first moved into aside, and moved back if placing
// the new one fails.
func (d Dir) place(name, built, target, aside string, force bool) error {
	l, err := takeLock(name, target)
	if err != nil {
		return err
	}
	defer l.Release()
	if _, err := os.Stat(target); err == nil {
		if !force {
			return Errorf(ErrExists, "the lab %q was created meanwhile; pass --force to replace it", name)
		}
		if err := os.Mkdir(aside, 0o700); err != nil {
			return err
		}
		if _, err := moveFiles(target, filepath.Join(aside, filepath.Base(target))); err != nil {
			return fmt.Errorf("replacing the lab %q: %w", name, err)
		}
	} else {
		// A write-ahead log left by a lab deleted by hand would be replayed into
		// the new one: SQLite cannot tell it belongs to another database.
		for _, f := range store.Files(target)[1:] {
			if f != store.LockPath(target) {
				if err := os.Remove(f); err != nil && !errors.Is(err, fs.ErrNotExist) {
					return fmt.Errorf("placing the lab %q: %w", name, err)
				}
			}
		}
	}
	moved, err := moveFiles(built, target)
	if err != nil {
		for _, f := range moved {
			os.Remove(f)
		}
		if force {
			_, _ = moveFiles(filepath.Join(aside, filepath.Base(target)), target)
		}
		return fmt.Errorf("placing the lab %q: %w", name, err)
	}
	return nil
}

// moveFiles renames the files of the database at from (store.Files, without the lock)
// to those of the database at to, the database itself last, so a lab appears only
// once it is whole. It returns the destinations it created.
func moveFiles(from, to string) ([]string, error) {
	src, dst := store.Files(from), store.Files(to)
	var moved []string
	for i := len(src) - 1; i >= 0; i-- {
		if src[i] == store.LockPath(from) {
			continue
		}
		if _, err := os.Stat(src[i]); errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err := os.Rename(src[i], dst[i]); err != nil {
			return moved, err
		}
		moved = append(moved, dst[i])
	}
	return moved, nil
}
