package app

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/scimlab/scimlab/lab"
	"github.com/scimlab/scimlab/profile"
	"github.com/scimlab/scimlab/store"
)

// loadProfileOption reads --profile before anything else starts, so a bad file stops
// scimlab with nothing changed. "" means the profile stored in the database.
func loadProfileOption(nameOrPath string) (*profile.Profile, error) {
	if nameOrPath == "" {
		return nil, nil
	}
	return profile.Load(nameOrPath)
}

// resolveProfile picks the profile to play: the one given at start (which is then
// stored), else the stored one, else generic.
func resolveProfile(ctx context.Context, db *store.DB, given *profile.Profile, logger *slog.Logger) (*profile.Profile, error) {
	if given != nil {
		return given, storeProfile(ctx, db, given)
	}
	raw, ok, err := db.Setting(ctx, lab.ProfileSetting)
	if err != nil {
		return nil, fmt.Errorf("reading the stored profile: %w", err)
	}
	if !ok {
		return profile.Default(), nil
	}
	sp, err := profile.DecodeStored(raw)
	if err != nil {
		logger.Warn("the stored profile is unreadable; playing generic", "err", err)
		return profile.Default(), nil
	}
	p, err := sp.Profile()
	if err != nil {
		// A profile this scimlab cannot read (written by another version) must not
		// keep the lab from starting; the admin sees generic in the header.
		logger.Warn("the stored profile cannot be used; playing generic", "profile", sp.Name, "err", err)
		return profile.Default(), nil
	}
	return p, nil
}

// storeProfile keeps p in the lab (lab.ProfileSetting), so a restart without
// --profile plays it again and an export carries it.
func storeProfile(ctx context.Context, db *store.DB, p *profile.Profile) error {
	if err := db.SetSetting(ctx, lab.ProfileSetting, profile.StoredOf(p).Encode()); err != nil {
		return fmt.Errorf("storing the profile: %w", err)
	}
	return nil
}

// Profile returns the profile the server plays now.
func (a *App) Profile() *profile.Profile { return a.current().srv.Profile() }

// Profiles lists the profiles the console can switch to: the built-in ones, and the
// custom one the lab played since it started, if any.
func (a *App) Profiles() []*profile.Profile {
	var out []*profile.Profile
	for _, name := range profile.Names() {
		if p, err := profile.Builtin(name); err == nil {
			out = append(out, p)
		}
	}
	a.profileMu.Lock()
	custom := a.customProfile
	a.profileMu.Unlock()
	if custom != nil {
		out = append(out, custom)
	}
	return out
}

// SetProfile switches to the profile called name (one of Profiles) for the requests
// that start after it returns, and stores it for the next start.
func (a *App) SetProfile(ctx context.Context, name string) error {
	var p *profile.Profile
	for _, q := range a.Profiles() {
		if q.Name == name {
			p = q
		}
	}
	if p == nil {
		return fmt.Errorf("no profile %q to switch to", name)
	}
	cur := a.current()
	if err := storeProfile(ctx, cur.db, p); err != nil {
		return err
	}
	from := cur.srv.Profile().Name
	cur.srv.SetProfile(p)
	return cur.db.AppendAppAction(ctx, &store.AppAction{Action: ActionSwitchProfile, Name: p.Name, Detail: "from " + from})
}

// rememberCustom keeps the custom profile a lab starts with for the console's list;
// a lab starting on a built-in one (after a switch of lab) lists none.
func (a *App) rememberCustom(p *profile.Profile) {
	if p != nil && p.Builtin() {
		p = nil
	}
	a.profileMu.Lock()
	a.customProfile = p
	a.profileMu.Unlock()
}
