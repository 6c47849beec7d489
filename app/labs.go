package app

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/scimlab/scimlab/exchange"
	"github.com/scimlab/scimlab/lab"
	"github.com/scimlab/scimlab/replay"
	"github.com/scimlab/scimlab/store"
	"github.com/scimlab/scimlab/tunnel"
)

// drainTimeout bounds how long a switch of lab waits for the old lab's requests.
const drainTimeout = 10 * time.Second

// current is the lab served now.
func (a *App) current() *served {
	a.labMu.RLock()
	defer a.labMu.RUnlock()
	return &served{lock: a.lock, db: a.db, annotator: a.annotator, srv: a.srv}
}

// labs is the directory of named labs, next to the default database.
func (a *App) labs() lab.Dir { return lab.DefaultDir() }

// LabSwitch says what a switch of lab changed.
type LabSwitch struct {
	// Name is the lab served now.
	Name string
	// Created tells that the lab was new.
	Created bool
	// TokenChanged tells that the lab's token differs from the previous lab's: the
	// IdP must be given the new one.
	TokenChanged bool
}

// ErrCurrentLab reports an action on the lab being served that needs another one.
var ErrCurrentLab = errors.New("that is the lab being served")

// SwitchLab serves the lab called name instead of the current one, in-process: the
// new lab is opened and its server started before requests are handed to it, so the
// address, the tunnel and its public URL stay and no request is refused. The old lab's
// requests in flight finish, its log is written out and its walkthroughs saved before it
// closes. With create, the lab must not exist and is created with the token served now
// (unless --token or $SCIMLAB_TOKEN set it), so the IdP's connection keeps working;
// without, it must exist. Strict mode stays as it is.
func (a *App) SwitchLab(ctx context.Context, name string, create bool) (LabSwitch, error) {
	a.switchMu.Lock()
	defer a.switchMu.Unlock()
	path, err := a.labs().Path(name)
	if err != nil {
		return LabSwitch{}, err
	}
	exists, err := a.labs().Exists(name)
	switch {
	case err != nil:
		return LabSwitch{}, err
	case create && exists:
		return LabSwitch{}, lab.Errorf(lab.ErrExists, "the lab %q exists; switch to it instead", name)
	case !create && !exists:
		return LabSwitch{}, lab.Errorf(lab.ErrNotFound, "there is no lab called %q", name)
	}
	if samePath(path, a.DBPath()) {
		return LabSwitch{}, fmt.Errorf("%w: scimlab is serving the lab %q already", ErrCurrentLab, name)
	}
	before := a.Token()
	inherit := ""
	if create && a.TokenOverride() == "" {
		inherit = before
	}
	// The lab plays its own profile and fault rules: those of the command line went
	// to the lab scimlab started on.
	s, err := a.openLab(ctx, path, labStart{strict: a.Strict(), inherit: inherit})
	if err != nil {
		return LabSwitch{}, err
	}
	old := a.current()
	a.use(s)
	a.labMu.Lock()
	a.opts.DB, a.opts.Lab = path, name
	a.labMu.Unlock()
	back := a.front.set(s.srv.Handler())
	go a.watchIntegrity(s, a.httpSrv, time.Now())
	// A request a fault rule of the old lab holds back would keep the switch waiting
	// for its delay: it is answered 503 at once, as at shutdown.
	old.srv.Stopping()
	if !back.drain(drainTimeout) {
		a.logger.Warn("requests to the previous lab were still running when it closed")
	}
	old.close(a.logger)
	a.logger.Info("serving another lab", "lab", name, "path", path, "created", create)
	return LabSwitch{Name: name, Created: create, TokenChanged: a.Token() != before}, nil
}

func samePath(a, b string) bool {
	aa, err1 := filepath.Abs(a)
	bb, err2 := filepath.Abs(b)
	return err1 == nil && err2 == nil && aa == bb
}

// ResetLabNamed empties the lab called name for a new rehearsal: the lab served in
// place (ResetLab), another one under its server lock (lab.Dir.Reset). Users, groups,
// tombstones, independent accounts, the request log, the app actions and walkthrough
// progress go; the token, the profile and the other settings stay. current tells that
// it was the lab served.
func (a *App) ResetLabNamed(ctx context.Context, name string) (current bool, err error) {
	a.switchMu.Lock()
	defer a.switchMu.Unlock()
	path, err := a.labs().Existing(name)
	if err != nil {
		return false, err
	}
	if samePath(path, a.DBPath()) {
		return true, a.resetServed(ctx)
	}
	return false, a.labs().Reset(ctx, name, func(ctx context.Context, db *store.DB) error {
		return db.AppendAppAction(ctx, &store.AppAction{Action: ActionResetLab, Detail: "reset from the console of another lab"})
	})
}

// DeleteLab deletes the lab called name, which must not be the one served.
func (a *App) DeleteLab(name string) error {
	a.switchMu.Lock()
	defer a.switchMu.Unlock()
	path, err := a.labs().Existing(name)
	if err != nil {
		return err
	}
	if samePath(path, a.DBPath()) {
		return fmt.Errorf("%w: switch to another lab before deleting %q", ErrCurrentLab, name)
	}
	return a.labs().Delete(name)
}

// ListLabs lists the named labs (lab.Dir.List).
func (a *App) ListLabs(ctx context.Context) ([]lab.Info, error) { return a.labs().List(ctx) }

// ExportSecrets are the values besides a lab's own token that an export must never
// carry, as far as scimlab can know them without flags: $SCIMLAB_TOKEN, the ngrok token
// of $NGROK_AUTHTOKEN and the one saved in scimlab's config file.
func ExportSecrets(getenv func(string) string) []string {
	secrets := []string{getenv("SCIMLAB_TOKEN"), getenv("NGROK_AUTHTOKEN")}
	if cfg, err := tunnel.LoadConfig(tunnel.DefaultConfigPath()); err == nil {
		secrets = append(secrets, cfg.NgrokAuthToken)
	}
	return secrets
}

// exportSecrets adds what this run knows: the token served and the flags' tokens.
func (a *App) exportSecrets() []string {
	return append(ExportSecrets(a.getenv), a.Token(), a.opts.Token, a.opts.NgrokToken)
}

// ExportKind is what an export writes.
type ExportKind int

// Export kinds.
const (
	ExportHAR ExportKind = iota
	ExportBundle
)

// ExportLab writes the lab called name ("" for the one served) as a HAR file or a
// support bundle at dest, its requests selected by f, secrets removed.
func (a *App) ExportLab(ctx context.Context, name string, kind ExportKind, dest string, f store.RequestFilter, creator string,
	progress lab.Progress) (lab.Exported, error) {
	cur := a.current()
	// What was answered just before goes with the lab served, and the walkthroughs'
	// latest progress.
	if err := cur.srv.Flush(ctx); err != nil {
		return lab.Exported{}, err
	}
	cur.annotator.save(ctx)
	db, label := cur.db, a.Lab()
	if label == "" {
		label = a.DBPath()
	}
	if name != "" && name != label {
		path, err := a.labs().Existing(name)
		if err != nil {
			return lab.Exported{}, err
		}
		if !samePath(path, a.DBPath()) {
			other, err := store.Open(ctx, path)
			if err != nil {
				return lab.Exported{}, fmt.Errorf("opening the lab %q: %w", name, err)
			}
			defer other.Close()
			db = other
		}
		label = name
	}
	o := lab.ExportOptions{Lab: label, Requests: f, Secrets: a.exportSecrets(), Creator: creator, Progress: progress}
	if kind == ExportBundle {
		return lab.ExportBundle(ctx, db, dest, o)
	}
	return lab.ExportHAR(ctx, db, dest, o)
}

// DefaultExportPath suggests where to write an export of the lab called name: the
// working directory, named after the lab and the time.
func DefaultExportPath(name string, kind ExportKind, now time.Time) string {
	ext := ".har"
	if kind == ExportBundle {
		ext = ".scimlab.zip"
	}
	if name == "" {
		name = "scimlab"
	}
	dir, err := os.Getwd()
	if err != nil {
		dir = "."
	}
	return filepath.Join(dir, name+"-"+now.Format("20060102-150405")+ext)
}

// Resend sends a recorded request, as recorded or edited, to this running scimlab on
// its local address with the token served now, and returns the answer. It is a real
// request: it changes the lab and is logged like any other.
func (a *App) Resend(ctx context.Context, r *exchange.Record) (*replay.Answer, error) {
	return replay.Send(ctx, a.ReplayTarget(), r)
}

// ReplayTarget is this running scimlab as a replay's target: its local address, its
// token, and the header its profile reads the token from.
func (a *App) ReplayTarget() replay.Target {
	return replay.Target{BaseURL: a.localURL, Token: a.Token(), TokenHeader: a.Profile().TokenHeader()}
}
