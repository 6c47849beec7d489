package lab

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"time"

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
	// ServedBy is the address of the scimlab serving the lab now, "" when none does;
	// ServedByPID is its process id when known.
	ServedBy    string `json:"servedBy"`
	ServedByPID int    `json:"servedByPid"`
	// Error says why the lab's contents could not be read (a damaged file, a lab of a
	// newer scimlab); the counts are then zero.
	Error string `json:"error"`
}

// Inspect reads what the lab at path holds. Reading works beside a server serving the
// lab; a lab that cannot be opened is reported in Info.Error, not as an error.
func Inspect(ctx context.Context, name, path string) (Info, error) {
	info := Info{Name: name, Path: path}
	// Files' times first: opening the database may touch them.
	u, err := store.Usage(path)
	if err != nil {
		return info, err
	}
	info.Bytes, info.LastUsed = u.Bytes, u.Modified
	if h, held, err := store.ServedBy(path); err == nil && held {
		info.ServedBy, info.ServedByPID = h.Address, h.PID
		if info.ServedBy == "" {
			info.ServedBy = "another scimlab"
		}
	}
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return info, fmt.Errorf("%w: %s", ErrNotFound, path)
	}
	db, err := store.Open(ctx, path)
	if err != nil {
		info.Error = strings.TrimPrefix(err.Error(), "store: ")
		return info, nil
	}
	defer db.Close()
	c, err := db.Count(ctx)
	if err != nil {
		info.Error = strings.TrimPrefix(err.Error(), "store: ")
		return info, nil
	}
	info.Users, info.Groups, info.Requests = c.Users, c.Groups, c.Requests
	if p, ok, err := db.Setting(ctx, ProfileSetting); err == nil && ok {
		info.Profile = profileName(p)
	}
	return info, nil
}

// profileName is the name in a stored profile setting ({"name": …}, as package app
// stores it), or the value itself when it is a bare name.
func profileName(stored string) string {
	var p struct {
		Name string `json:"name"`
	}
	if json.Unmarshal([]byte(stored), &p) == nil && p.Name != "" {
		return p.Name
	}
	return strings.TrimSpace(stored)
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
