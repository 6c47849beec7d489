package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/scimlab/scimlab/bundle"
	"github.com/scimlab/scimlab/exchange"
	"github.com/scimlab/scimlab/lab"
	"github.com/scimlab/scimlab/profile"
	"github.com/scimlab/scimlab/replay"
	"github.com/scimlab/scimlab/scimserver"
	"github.com/scimlab/scimlab/store"
)

// Recording is what "scimlab replay" sends again: the requests, how many, and the
// profile the lab they were recorded on kept (as lab.ProfileSetting holds it, "" for
// none). Close releases the lab or bundle they are read from.
type Recording struct {
	Requests replay.Source
	Total    int
	Profile  string
	Close    func()
}

// OpenRecording opens the recorded requests to replay: the request log of the lab
// called labName, or, when bundlePath is given, the support bundle's.
func OpenRecording(ctx context.Context, labName, bundlePath string) (Recording, error) {
	if bundlePath != "" {
		b, err := bundle.Open(bundlePath)
		if err != nil {
			return Recording{}, fmt.Errorf("reading %s: %w", bundlePath, err)
		}
		settings, err := b.Settings()
		if err != nil {
			b.Close()
			return Recording{}, fmt.Errorf("reading %s: %w", bundlePath, err)
		}
		return Recording{Requests: b.EachRequest, Total: b.Manifest().Counts.Requests, Profile: settings[lab.ProfileSetting],
			Close: func() { b.Close() }}, nil
	}
	path, err := lab.DefaultDir().Existing(labName)
	if err != nil {
		return Recording{}, err
	}
	st, err := store.Open(ctx, path)
	if err != nil {
		return Recording{}, fmt.Errorf("opening the lab %q: %w", labName, err)
	}
	n, newest, err := st.CountRequests(ctx, store.RequestFilter{})
	var kept string
	if err == nil {
		kept, _, err = st.Setting(ctx, lab.ProfileSetting)
	}
	if err != nil {
		st.Close()
		return Recording{}, err
	}
	// Up to the newest request now: a replay of a lab being served ends where it began.
	src := func(yield func(*exchange.Record) error) error {
		return st.EachRequest(ctx, store.RequestFilter{UpToSeq: newest}, yield)
	}
	return Recording{Requests: src, Total: int(n), Profile: kept, Close: func() { st.Close() }}, nil
}

// StartReplayLab starts a scimlab serving the lab called name for a replay, on a free
// loopback port without a tunnel, playing the profile given, else (for a new lab) the
// one the recording was made with, so that the same app answers the same requests and
// only a change shows as a difference.
func StartReplayLab(ctx context.Context, name, given, recorded string, strict bool) (*App, error) {
	dir := lab.DefaultDir()
	path, err := dir.Path(name)
	if err != nil {
		return nil, err
	}
	exists, err := dir.Exists(name)
	if err != nil {
		return nil, err
	}
	if !exists && given == "" && recorded != "" {
		sp, err := profile.DecodeStored(recorded)
		if err == nil {
			_, err = sp.Profile()
		}
		if err != nil {
			return nil, fmt.Errorf("the recording was made playing a profile this scimlab cannot play (%v); name one with --profile", err)
		}
		if err := keepProfile(ctx, path, recorded); err != nil {
			return nil, err
		}
	}
	a, err := Start(ctx, Options{Listen: "127.0.0.1:0", DB: path, Lab: name, NoTunnel: true, Strict: strict, Profile: given,
		MaxBody: scimserver.DefaultMaxBodyBytes, LogRetention: scimserver.DefaultLogRetention}, func(string) string { return "" }, slog.New(slog.DiscardHandler))
	if err != nil {
		return nil, fmt.Errorf("starting scimlab on the lab %q: %w", name, err)
	}
	return a, nil
}

// keepProfile creates the lab at path keeping the profile kept, as a lab started with
// it would.
func keepProfile(ctx context.Context, path, kept string) error {
	db, err := store.Open(ctx, path)
	if err != nil {
		return err
	}
	return errors.Join(db.SetSetting(ctx, lab.ProfileSetting, kept), db.Close())
}
