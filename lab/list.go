package lab

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"time"

	"github.com/scimlab/scimlab/profile"
	"github.com/scimlab/scimlab/store"
)

// Info is what `scimlab labs` and the console show of a lab.
type Info struct {
	Name string `json:"name"`
	Path string `json:"path"`
	// Profile is the server profile the lab plays, "" when none was chosen.
	Profile  string `json:"profile"`
	Users    int64  `json:"users"`
	Groups   int64  `json:"groups"`
	Requests int64  `json:"requests"`
	// Bytes is the size of the lab's files on disk.
	Bytes int64 `json:"bytes"`
	// LastUsed is when the lab's files last changed.
	LastUsed time.Time `json:"lastUsed"`
	// Served tells that a scimlab serves the lab now; ServedBy is its address and
	// ServedByPID its process id, when its lock file says them.
	Served      bool   `json:"served"`
	ServedBy    string `json:"servedBy"`
	ServedByPID int    `json:"servedByPid"`
	// Schema is the lab's schema version (store.SchemaVersion is this build's).
	Schema int `json:"schema"`
	// Error says why the lab's contents could not be read, and Err is that error: a
	// *store.DamagedError, a *NewerError, or another; the counts are then zero.
	Error string `json:"error"`
	Err   error  `json:"-"`
}

// Inspect reads what the lab at path holds, without changing, creating or locking
// anything (store.Peek, store.InspectLock): listing labs beside the scimlabs serving
// them neither upgrades an older lab nor refuses a server starting at that moment. A
// lab that cannot be read is reported in Info.Error and Info.Err, not as an error.
func Inspect(ctx context.Context, name, path string) (Info, error) {
	info := Info{Name: name, Path: path}
	u, err := store.Usage(path)
	if err != nil {
		return info, err
	}
	info.Bytes, info.LastUsed = u.Bytes, u.Modified
	if st, err := store.InspectLock(path); err == nil && st.Held == store.LockHeldByServer {
		info.Served, info.ServedBy, info.ServedByPID = true, st.Holder.Address, st.Holder.PID
	}
	in, err := store.Peek(ctx, path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return info, fmt.Errorf("%w: %s", ErrNotFound, path)
	case err != nil:
		info.Err, info.Error = err, strings.TrimPrefix(err.Error(), "store: ")
		return info, nil
	}
	info.Schema = in.SchemaVersion
	if in.SchemaVersion > store.SchemaVersion() {
		info.Err = &NewerError{Schema: in.SchemaVersion}
		info.Error = info.Err.Error()
		return info, nil
	}
	info.Users, info.Groups, info.Requests = in.Users, in.Groups, in.Requests
	if p, ok := in.Settings[ProfileSetting]; ok {
		info.Profile = profileName(p)
	}
	return info, nil
}

// NewerError reports a lab written by a newer scimlab, which this one cannot open.
type NewerError struct {
	// Schema is the lab's schema version.
	Schema int
}

func (e *NewerError) Error() string {
	return fmt.Sprintf("written by a newer scimlab (schema version %d; this one reads up to %d)", e.Schema, store.SchemaVersion())
}

// profileName is the name of the profile a lab keeps, "" when unreadable.
func profileName(stored string) string {
	sp, err := profile.DecodeStored(stored)
	if err != nil {
		return ""
	}
	return sp.Name
}

// List inspects every lab, Default first.
func (d Dir) List(ctx context.Context) ([]Info, error) {
	names, err := d.Names()
	if err != nil {
		return nil, err
	}
	out := make([]Info, 0, len(names))
	for _, name := range names {
		path, err := d.Path(name)
		if err != nil {
			return nil, err
		}
		info, err := Inspect(ctx, name, path)
		if errors.Is(err, ErrNotFound) {
			continue // deleted while listing
		}
		if err != nil {
			return nil, err
		}
		out = append(out, info)
	}
	return out, nil
}
