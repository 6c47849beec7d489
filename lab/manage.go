package lab

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/scimlab/scimlab/store"
)

// takeLock holds the server lock of the lab at path while it is changed, so no server
// starts on it meanwhile, and explains a refusal.
func takeLock(name, path string) (*store.Lock, error) {
	l, err := store.AcquireLock(path, store.Holder{PID: os.Getpid()})
	if err != nil {
		var le *store.LockedError
		if errors.As(err, &le) {
			who := "another scimlab"
			if le.Holder.PID > 0 {
				who = fmt.Sprintf("scimlab (pid %d", le.Holder.PID)
				if le.Holder.Address != "" {
					who += " at " + le.Holder.Address
				}
				who += ")"
			}
			return nil, fmt.Errorf("the lab %q is in use by %s; stop it or switch it to another lab first", name, who)
		}
		return nil, err
	}
	return l, nil
}

// Delete removes the lab called name and all its files. A lab a server is serving is
// refused.
func (d Dir) Delete(name string) error {
	path, err := d.Existing(name)
	if err != nil {
		return err
	}
	l, err := takeLock(name, path)
	if err != nil {
		return err
	}
	defer l.Release()
	// The database goes last: until then the lab still lists, and a failure half way
	// leaves it there to delete again rather than a stray log without its lab.
	files := store.Files(path)
	for i := len(files) - 1; i >= 1; i-- {
		if files[i] == store.LockPath(path) {
			continue // Release removes it
		}
		if err := os.Remove(files[i]); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("deleting the lab %q: %w", name, err)
		}
	}
	if err := os.Remove(path); err != nil {
		return fmt.Errorf("deleting the lab %q: %w", name, err)
	}
	return nil
}

// Reset empties the lab called name for a new rehearsal (ResetStore), then calls after
// (when set) on it, to note the reset. A lab a server is serving is refused (the
// console resets its own lab through the running server).
func (d Dir) Reset(ctx context.Context, name string, after func(context.Context, *store.DB) error) error {
	path, err := d.Existing(name)
	if err != nil {
		return err
	}
	l, err := takeLock(name, path)
	if err != nil {
		return err
	}
	defer l.Release()
	db, err := store.Open(ctx, path)
	if err != nil {
		return fmt.Errorf("opening the lab %q: %w", name, err)
	}
	err = ResetStore(ctx, db)
	if err == nil && after != nil {
		err = after(ctx, db)
	}
	return errors.Join(err, db.Close())
}

// ResetStore empties an open lab: users, groups, memberships, tombstones, independent
// accounts, app actions, the request log and the walkthroughs' progress go; its token,
// profile, fault rules and other settings stay, so an IdP configured for it keeps
// working. Request numbers go on from where they were.
func ResetStore(ctx context.Context, db *store.DB) error {
	if err := db.ResetLab(ctx, WalkthroughSettingPrefix); err != nil {
		return fmt.Errorf("resetting the lab: %w", err)
	}
	if err := db.ClearRequests(ctx); err != nil {
		return fmt.Errorf("resetting the lab: %w", err)
	}
	return nil
}
