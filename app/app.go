// Package app is one running scimlab: it opens the store, serves the SCIM API on the
// local listener, publishes it through the tunnel, owns the bearer token, and connects
// the server's request log to the IdP classifier and the walkthroughs. "scimlab serve"
// and the console run the same App and differ only in what they show.
package app

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.ngrok.com/ngrok/v2"

	"github.com/scimlab/scimlab/exchange"
	"github.com/scimlab/scimlab/fault"
	"github.com/scimlab/scimlab/profile"
	"github.com/scimlab/scimlab/scimserver"
	"github.com/scimlab/scimlab/store"
	"github.com/scimlab/scimlab/tunnel"
)

// Options are the settings shared by the console (bare "scimlab") and "scimlab serve":
// both run the same server, so a script and a person see the same behaviour.
type Options struct {
	Listen string
	Token  string
	DB     string
	// Lab names the lab DB is, "" for a database file given by path.
	Lab string
	// Version is how this scimlab names itself in what it exports.
	Version      string
	NoTunnel     bool
	Strict       bool
	MaxBody      int64
	LogRetention int
	// LogMaxAge drops logged requests older than this; 0 keeps them.
	LogMaxAge  time.Duration
	NgrokToken string
	Domain     string
	PublicURL  string
	// TunnelMode is "" (ngrok when a token is known) or "loopback".
	TunnelMode string
	// Faults are fault rules (--fault), FaultsFile a file of them (--faults): given
	// either, or NoFaults, they replace the rules saved by the last run. FaultSeed
	// seeds their percent draws.
	Faults     []string
	FaultsFile string
	NoFaults   bool
	FaultSeed  uint64
	// Profile names the app profile to play, built-in or a file ("": the one stored
	// in the database, else generic). Seed names a file of users and groups to put
	// into the lab at start.
	Profile string
	Seed    string

	// NgrokConnectURL and NgrokDialer replace how the ngrok agent reaches ngrok's
	// servers; tests use them to make the service unreachable or refusing offline.
	NgrokConnectURL string
	NgrokDialer     ngrok.Dialer
}

// Validate checks the values flag parsing cannot.
func (o Options) Validate() error {
	if o.MaxBody <= 0 {
		return fmt.Errorf("--max-body must be a positive number of bytes, not %d", o.MaxBody)
	}
	if o.LogRetention <= 0 {
		return fmt.Errorf("--log-retention must be a positive number of requests, not %d", o.LogRetention)
	}
	if o.LogMaxAge < 0 {
		return fmt.Errorf("--log-max-age must not be negative, not %s", o.LogMaxAge)
	}
	if o.TunnelMode != "" && o.TunnelMode != "loopback" {
		return fmt.Errorf("--tunnel accepts only \"loopback\", not %q", o.TunnelMode)
	}
	if o.PublicURL != "" {
		if _, err := tunnel.NormalizePublicURL(o.PublicURL); err != nil {
			return err
		}
	}
	if o.Domain != "" {
		if _, err := tunnel.NormalizeDomain(o.Domain); err != nil {
			return err
		}
	}
	if _, _, err := o.commandLineFaults(); err != nil {
		return err
	}
	return nil
}

// App is one running scimlab: store, SCIM server, local listener, tunnel and the IdP
// annotator.
type App struct {
	opts   Options
	logger *slog.Logger
	getenv func(string) string
	// labMu guards the lab served (the fields below, and opts.DB and opts.Lab),
	// which the console can switch while requests and reads go on; switchMu makes
	// switches and resets one at a time.
	labMu     sync.RWMutex
	switchMu  sync.Mutex
	db        *store.DB
	srv       *scimserver.Server
	annotator *annotator
	// faults are the fault rules in force (the lab's); faultsMu orders their changes
	// with saving.
	faults   *fault.Set
	faultsMu sync.Mutex
	// front is the HTTP handler of the listener and the tunnel; it passes each
	// request to the server of the lab served, so a switch of lab keeps both.
	front front

	closeOnce sync.Once
	lock      *store.Lock // guarded by labMu
	listener  net.Listener
	httpSrv   *http.Server
	serveErr  chan error
	// stoppedBy is why the server was closed from within (a damaged lab), for Done.
	stoppedBy errorValue
	localURL  string

	tunnel    *tunnel.Switch
	tunnelCfg tunnel.Config
	// ngrokSource is where the ngrok token the tunnel runs on came from
	// (tunnel.SourceFlag, SourceEnv, SourceConfig), "" without one; guarded by urlMu.
	ngrokSource string
	tunnelPath  string
	domain      string
	// urlWarning is set when the public URL differs from the one of the last run, so
	// the admin learns the IdP still points at the old one.
	urlMu      sync.Mutex
	urlWarning string

	tokenMu        sync.Mutex
	token          string
	tokenGenerated bool
	// tokenOverride names what set the token for this run ("--token",
	// "$SCIMLAB_TOKEN"), "" when it is the stored one. storedTokenDiffers tells that
	// the database holds another token; rotated, that the console stored a new one.
	tokenOverride      string
	storedTokenDiffers bool
	rotated            bool

	profileMu     sync.Mutex
	customProfile *profile.Profile
	seeded        *SeedReport
}

// Start listens, takes the database's server lock, opens the store, starts the SCIM
// server and brings up the tunnel. On error everything already started is stopped
// again, and a start that fails before the store opens leaves no file behind.
func Start(ctx context.Context, o Options, getenv func(string) string, logger *slog.Logger) (_ *App, err error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	// The profile and seed files are read before the database is opened: a bad one
	// stops scimlab with nothing changed.
	given, err := loadProfileOption(o.Profile)
	if err != nil {
		return nil, err
	}
	var seed *Seed
	if o.Seed != "" {
		if seed, err = ReadSeed(o.Seed); err != nil {
			return nil, err
		}
	}
	started := time.Now()
	a := &App{opts: o, logger: logger, getenv: getenv, serveErr: make(chan error, 1)}
	defer func() {
		if err != nil {
			a.Close()
			// A write at start (a new token, a profile) waits for the integrity
			// check, and fails with the damage it found.
			var damaged *store.DamagedError
			var ex *explained
			if errors.As(err, &damaged) && !errors.As(err, &ex) {
				err = damagedDatabase(damaged)
			}
		}
	}()

	// The address first: a busy port is the commonest failure, and finding it before
	// the database is touched creates no file and no token.
	a.listener, err = net.Listen("tcp", o.Listen)
	if err != nil {
		if errors.Is(err, syscall.EADDRINUSE) {
			return nil, fmt.Errorf("%s is already in use (is another scimlab running?); pick another address, e.g. --listen 127.0.0.1:8081", o.Listen)
		}
		return nil, fmt.Errorf("cannot listen on %s: %w", o.Listen, err)
	}
	a.localURL = "http://" + displayHost(a.listener.Addr()) + scimserver.BasePath

	served, err := a.openLab(ctx, o.DB, labStart{strict: o.Strict, profile: given, commandLineFaults: true})
	if err != nil {
		return nil, err
	}
	a.use(served)
	a.front.set(a.srv.Handler())
	if seed != nil {
		rep, err := a.Seed(ctx, seed)
		if err != nil {
			return nil, err
		}
		a.seeded = &rep
	}

	a.httpSrv = &http.Server{
		Handler:           &a.front,
		ConnContext:       scimserver.ConnContext,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	httpSrv, ln := a.httpSrv, a.listener
	go func() {
		// Close makes Serve return http.ErrServerClosed: that is the normal end, not
		// news for Done's reader, unless the integrity check closed the server.
		err := httpSrv.Serve(ln)
		if errors.Is(err, http.ErrServerClosed) {
			err = a.stoppedBy.Load()
		}
		if err != nil {
			a.serveErr <- err
		}
		close(a.serveErr)
	}()
	go a.watchIntegrity(served, httpSrv, started)

	if err := a.startTunnel(ctx, getenv); err != nil {
		return nil, err
	}
	return a, nil
}

// served is what serving one lab takes: its server lock, its store, the token it
// serves with, the profile it plays and its fault rules, the annotator holding its
// walkthroughs, and the SCIM server over it.
type served struct {
	lock      *store.Lock
	db        *store.DB
	token     tokenChoice
	profile   *profile.Profile
	faults    *fault.Set
	annotator *annotator
	srv       *scimserver.Server
}

// labStart says how to open a lab.
type labStart struct {
	strict bool
	// profile is the profile given on the command line (nil: the lab's own); only
	// the lab scimlab starts on gets it, and the command line's fault rules.
	profile           *profile.Profile
	commandLineFaults bool
	// inherit is the token a lab without one of its own is given (a lab created from
	// the console keeps the IdP's token); "" generates one.
	inherit string
}

// openLab takes the server lock of the database at path, opens it, picks its token,
// profile and fault rules, and starts a SCIM server over it. On error nothing stays
// open.
//
// The integrity check of a lab that needs no migration goes on while the server
// starts (store.OpenServing): on a big lab it takes longer than the rest of a start.
// Writes wait for it, so a write here (a new token, a profile) fails with the damage
// it found; once the lab is served, watchIntegrity stops the server on damage.
func (a *App) openLab(ctx context.Context, path string, st labStart) (_ *served, err error) {
	s := &served{}
	defer func() {
		if err != nil {
			s.close(a.logger)
			var damaged *store.DamagedError
			var ex *explained
			if errors.As(err, &damaged) && !errors.As(err, &ex) {
				err = damagedDatabase(damaged)
			}
		}
	}()
	s.lock, err = store.AcquireLock(path, store.Holder{PID: os.Getpid(), Address: a.localURL})
	if err != nil {
		return nil, lockError(err)
	}
	s.db, err = store.OpenServing(ctx, path)
	if err != nil {
		var damaged *store.DamagedError
		if errors.As(err, &damaged) {
			return nil, err
		}
		return nil, fmt.Errorf("opening the database %s: %w", path, err)
	}
	if st.inherit != "" {
		if stored, err := s.db.BearerToken(ctx); err != nil {
			return nil, fmt.Errorf("reading the stored token: %w", err)
		} else if stored == "" {
			if err := s.db.SetBearerToken(ctx, st.inherit); err != nil {
				return nil, fmt.Errorf("storing the token: %w", err)
			}
		}
	}
	if s.token, err = resolveToken(ctx, s.db, a.opts.Token, a.getenv); err != nil {
		return nil, err
	}
	if s.profile, err = resolveProfile(ctx, s.db, st.profile, a.logger); err != nil {
		return nil, err
	}
	if s.faults, err = a.loadFaults(ctx, s.db, st.commandLineFaults); err != nil {
		return nil, err
	}
	a.startServer(ctx, s, st.strict)
	return s, nil
}

// startServer starts the annotator and the SCIM server over s's store: the one place
// the server is configured, for a start and a switch of lab alike.
func (a *App) startServer(ctx context.Context, s *served, strict bool) {
	s.annotator = newAnnotator(ctx, s.db, a.logger)
	s.srv = scimserver.New(scimserver.Config{
		Token:        s.token.token,
		Strict:       strict,
		MaxBodyBytes: a.opts.MaxBody,
		LogRetention: a.opts.LogRetention,
		LogMaxAge:    a.opts.LogMaxAge,
		Annotate:     s.annotator.annotate,
		Faults:       s.faults,
		Profile:      s.profile,
		SenderIdP:    s.annotator.classifier.Sender,
	}, s.db, a.logger)
}

// use makes s the lab the app serves (the HTTP front still needs pointing at it).
func (a *App) use(s *served) {
	a.labMu.Lock()
	a.lock, a.db, a.annotator, a.srv = s.lock, s.db, s.annotator, s.srv
	a.labMu.Unlock()
	a.faultsMu.Lock()
	a.faults = s.faults
	a.faultsMu.Unlock()
	a.rememberCustom(s.profile)
	a.tokenMu.Lock()
	a.token, a.tokenGenerated, a.tokenOverride, a.storedTokenDiffers = s.token.token, s.token.generated, s.token.override, s.token.storedDiffers
	a.rotated = false
	a.tokenMu.Unlock()
}

// close stops the SCIM server (writing out its queued log), saves the walkthroughs,
// closes the store and releases the lock, whichever of them were started.
func (s *served) close(logger *slog.Logger) {
	if s.srv != nil {
		s.srv.Close()
	}
	if s.annotator != nil {
		s.annotator.save(context.Background())
	}
	if s.db != nil {
		s.db.Close()
	}
	if s.lock != nil {
		if err := s.lock.Release(); err != nil {
			logger.Warn("releasing the database lock", "err", err)
		}
	}
}

// watchIntegrity waits for the verdict of the integrity check that runs while the
// lab s starts being served, at a start or after a switch of lab. A damaged file
// stops the server with the error a start on it would have given; Done delivers it.
// Until then the server answered reads, and no write reached the file (the store
// holds writes until the check passed).
func (a *App) watchIntegrity(s *served, httpSrv *http.Server, started time.Time) {
	var damaged *store.DamagedError
	err := s.db.Check(context.Background())
	if err == nil {
		a.logger.Info("the lab's files passed the integrity check", "path", s.db.Path(), "after", time.Since(started).Round(time.Millisecond))
	}
	if !errors.As(err, &damaged) {
		// Passed, or cut short by Close (the lab was switched away from).
		return
	}
	if a.current().db != s.db {
		// Switched away from meanwhile: the lab served now is another.
		a.logger.Warn("the integrity check found a lab no longer served damaged", "file", damaged.Path, "found", damaged.Found)
		return
	}
	a.logger.Error("stopping: the integrity check found the lab damaged", "file", damaged.Path, "found", damaged.Found)
	a.stoppedBy.Store(damagedDatabase(damaged))
	httpSrv.Close()
}

// errorValue is an error set by one goroutine and read by another.
type errorValue struct{ p atomic.Pointer[error] }

func (v *errorValue) Store(err error) { v.p.Store(&err) }

func (v *errorValue) Load() error {
	if p := v.p.Load(); p != nil {
		return *p
	}
	return nil
}

// explained is an error whose text says what happened and what to do, wrapping
// the error it explains.
type explained struct {
	text string
	err  error
}

func (e *explained) Error() string { return e.text }
func (e *explained) Unwrap() error { return e.err }

// damagedDatabase says which file is damaged and how to get a working lab back. The
// -wal file goes aside too: SQLite would replay it into the new database.
func damagedDatabase(d *store.DamagedError) error {
	if d.RequestLog {
		return &explained{err: d, text: fmt.Sprintf("the request log file %s is damaged (SQLite: %s). %s", d.Path, d.Found, DamagedLogFix(d.Path))}
	}
	return &explained{err: d, text: fmt.Sprintf("the database file %s is damaged (SQLite: %s). %s", d.Path, d.Found, DamagedDatabaseFix(d.Path))}
}

// DamagedDatabaseFix says how to get a working lab back when the database file at
// path is damaged.
func DamagedDatabaseFix(path string) string {
	name := filepath.Base(path)
	return fmt.Sprintf("Move it aside together with %s-wal and %s-shm if they exist (e.g. mv %s %s.damaged) and start scimlab again: "+
		"it starts a fresh, empty lab. SQLite's .recover command may rescue what the old file still holds.",
		name, name, path, path)
}

// DamagedLogFix says how to get a working lab back when its request log file at path
// is damaged: the lab's own file is intact, so only the logged requests are lost.
func DamagedLogFix(path string) string {
	name := filepath.Base(path)
	return fmt.Sprintf("Move it aside together with %s-wal and %s-shm if they exist (e.g. mv %s %s.damaged) and start scimlab again: "+
		"the lab keeps its users, groups and token, and its request log starts empty. SQLite's .recover command may rescue the old requests.",
		name, name, path, path)
}

// lockError explains a refused server lock: two servers on one database would each
// keep their own token, so rotating it in one would not reach the other.
func lockError(err error) error {
	var le *store.LockedError
	if !errors.As(err, &le) {
		return fmt.Errorf("locking the database: %w", err)
	}
	who := "another scimlab"
	if le.Holder.PID > 0 {
		who = fmt.Sprintf("another scimlab (pid %d)", le.Holder.PID)
	}
	where := ""
	if le.Holder.Address != "" {
		where = " at " + le.Holder.Address
	}
	return fmt.Errorf("%s is already serving the database %s%s. Two servers on one database would accept different tokens; "+
		"use that one (the console, or scimlab log to read its requests), stop it first, or start this one with another --lab or --db", who, le.Database, where)
}

// startTunnel picks the tunnel from the flags, the environment and the config file.
// A tunnel that fails never stops the local server: it reports its state instead.
func (a *App) startTunnel(ctx context.Context, getenv func(string) string) error {
	a.tunnelPath = tunnel.DefaultConfigPath()
	cfg, err := tunnel.LoadConfig(a.tunnelPath)
	if err != nil {
		// A broken config file must not keep the server down; say so and go on.
		a.logger.Warn("ignoring scimlab's saved settings (config.json)", "path", a.tunnelPath, "err", err)
		cfg = tunnel.Config{}
	}
	a.tunnelCfg = cfg
	token, source := tunnel.ResolveToken(a.opts.NgrokToken, getenv, cfg)
	domain, remember, err := tunnel.ResolveDomain(a.opts.Domain, cfg)
	if err != nil {
		return err
	}
	a.domain = domain
	if remember {
		a.tunnelCfg.Domain = domain
		if err := tunnel.SaveConfig(a.tunnelPath, a.tunnelCfg); err != nil {
			a.logger.Warn("could not remember the domain", "err", err)
		}
	}
	a.ngrokSource = source
	a.tunnel = tunnel.NewSwitch(tunnel.Select(a.tunnelOptions(token, source)))
	return a.tunnel.Start(ctx, &a.front)
}

// tunnelOptions is the one place the options become tunnel options, so the tunnel
// started with the app and one restarted with a saved token are configured alike.
func (a *App) tunnelOptions(token, source string) tunnel.Options {
	return tunnelOptions(a.opts, a.domain, token, source, a.logger)
}

// tunnelOptions is tunnelOptions for the options o, also used by PlanTunnel.
func tunnelOptions(o Options, domain, token, source string, logger *slog.Logger) tunnel.Options {
	publicURL := ""
	if o.PublicURL != "" {
		// An unusable URL stays as given, so the tunnel's status says what is wrong
		// with it; Validate refuses it before a start gets here.
		var err error
		if publicURL, err = tunnel.NormalizePublicURL(o.PublicURL); err != nil {
			publicURL = o.PublicURL
		}
	}
	return tunnel.Options{
		NoTunnel:    o.NoTunnel,
		Loopback:    o.TunnelMode == "loopback",
		PublicURL:   publicURL,
		Token:       token,
		TokenSource: source,
		Domain:      domain,
		ConnContext: scimserver.ConnContext,
		Logger:      logger,
		ConnectURL:  o.NgrokConnectURL,
		Dialer:      o.NgrokDialer,
	}
}

// noteTunnelStatus remembers the public URL of an online ngrok or --public-url tunnel
// and warns when it changed since the last run: the IdP still calls the old one.
func (a *App) noteTunnelStatus(st tunnel.Status) {
	if st.State != tunnel.Online || st.PublicURL == "" || st.Mode == tunnel.ModeLoopback {
		return
	}
	a.urlMu.Lock()
	defer a.urlMu.Unlock()
	if old, changed := tunnel.URLChanged(a.tunnelCfg, st.PublicURL); changed {
		a.urlWarning = tunnel.URLChangedWarning(old, st.PublicURL)
	}
	if a.tunnelCfg.LastPublicURL != st.PublicURL {
		a.tunnelCfg.LastPublicURL = st.PublicURL
		if err := tunnel.SaveConfig(a.tunnelPath, a.tunnelCfg); err != nil {
			a.logger.Warn("could not remember the public URL", "err", err)
		}
	}
}

// TunnelStatus returns the tunnel's current state, after noting its public URL.
func (a *App) TunnelStatus() tunnel.Status {
	st := a.tunnel.Status()
	a.noteTunnelStatus(st)
	return st
}

// TunnelChanges delivers tunnel states after the app has noted them (the public URL is
// remembered, and a changed URL raises URLWarning). Only the latest state matters, so
// a slow reader sees the newest one, never a backlog. The channel closes when the
// tunnel does or ctx ends.
func (a *App) TunnelChanges(ctx context.Context) <-chan tunnel.Status {
	out := make(chan tunnel.Status, 1)
	go func() {
		defer close(out)
		for st := range a.tunnel.Updates() {
			a.noteTunnelStatus(st)
			select {
			case <-out:
			default:
			}
			select {
			case out <- st:
			case <-ctx.Done():
				return
			}
		}
	}()
	return out
}

// RetryTunnel asks a tunnel waiting out its back-off to try now.
func (a *App) RetryTunnel() { a.tunnel.Retry() }

// URLWarning returns the "the public URL changed" warning, or "".
func (a *App) URLWarning() string {
	a.urlMu.Lock()
	defer a.urlMu.Unlock()
	return a.urlWarning
}

// LocalURL is the SCIM base URL on the local listener, e.g. http://127.0.0.1:8080/scim/v2.
func (a *App) LocalURL() string { return a.localURL }

// PublicBaseURL is the SCIM base URL the IdP must use when the server is public
// (tunnel online or --public-url), and "" when it is reachable locally only.
func (a *App) PublicBaseURL() string {
	st := a.tunnel.Status()
	if st.State != tunnel.Online || st.PublicURL == "" {
		return ""
	}
	return scimBase(st.PublicURL)
}

// BaseURL is the URL to give the IdP: the public one when there is one.
func (a *App) BaseURL() string {
	if u := a.PublicBaseURL(); u != "" {
		return u
	}
	return a.localURL
}

// scimBase appends the SCIM base path to a public origin, unless the admin already
// gave a URL that ends in it.
func scimBase(origin string) string {
	origin = strings.TrimRight(origin, "/")
	if strings.HasSuffix(origin, scimserver.BasePath) {
		return origin
	}
	return origin + scimserver.BasePath
}

// DBPath is the database file the app serves from.
func (a *App) DBPath() string { return a.current().db.Path() }

// Lab is the name of the lab served, "" for a database file given by path.
func (a *App) Lab() string {
	a.labMu.RLock()
	defer a.labMu.RUnlock()
	return a.opts.Lab
}

// Strict reports whether strict RFC mode is on.
func (a *App) Strict() bool { return a.current().srv.Strict() }

// Subscribe starts a live subscription to recorded requests (scimserver.Server.Subscribe).
func (a *App) Subscribe(buffer int) (<-chan exchange.Event, func()) {
	return a.current().srv.Subscribe(buffer)
}

// Done delivers the error that stopped the HTTP server when it stops on its own, and
// is closed without one when Close stopped it: a normal shutdown is not an error.
func (a *App) Done() <-chan error { return a.serveErr }

// Token returns the bearer token the server accepts now.
func (a *App) Token() string {
	a.tokenMu.Lock()
	defer a.tokenMu.Unlock()
	return a.token
}

// TokenGenerated tells that the token was created by this start.
func (a *App) TokenGenerated() bool { return a.tokenGenerated }

// RotateToken replaces the bearer token with a new random one. The old one stops
// working at once; the new one is stored so it survives restarts.
func (a *App) RotateToken(ctx context.Context) (string, error) {
	t, err := newToken()
	if err != nil {
		return "", err
	}
	cur := a.current()
	if err := cur.db.SetBearerToken(ctx, t); err != nil {
		return "", fmt.Errorf("storing the new token: %w", err)
	}
	a.tokenMu.Lock()
	a.token = t
	a.rotated = true
	a.tokenMu.Unlock()
	cur.srv.SetToken(t)
	return t, nil
}

// TokenOverride names what set this run's token instead of the database
// (TokenFromFlag, TokenFromEnv), or "" when it is the stored one.
func (a *App) TokenOverride() string { return a.tokenOverride }

// TokenWarning says when the token this run serves with and the one the next start
// with the same command line serves with differ, so the IdP would be left with a
// token that stops working; "" when they do not.
func (a *App) TokenWarning() string {
	a.tokenMu.Lock()
	defer a.tokenMu.Unlock()
	o := a.tokenOverride
	switch {
	case o == "":
		return ""
	case a.rotated:
		return fmt.Sprintf("The new token is stored, but this run was started with %s: starting again with the same command line "+
			"goes back to that token and the IdP gets 401 Unauthorized. %s to keep the new one.", o, dropOverride(o))
	case a.storedTokenDiffers:
		return fmt.Sprintf("%s differs from the token stored in the database (one rotated earlier, perhaps in the console): "+
			"this run accepts only the token given by %s, so an IdP given the stored one gets 401 Unauthorized. "+
			"%s to serve the stored token.", o, o, dropOverride(o))
	}
	return ""
}

// dropOverride says how to start without the override.
func dropOverride(o string) string {
	if o == TokenFromEnv {
		return "Unset SCIMLAB_TOKEN and start again"
	}
	return "Start without " + o
}

// SaveNgrokToken stores an ngrok auth token in the config file (mode 0600) and
// restarts the tunnel with it.
func (a *App) SaveNgrokToken(token string) error {
	token = strings.TrimSpace(token)
	if token == "" {
		return errors.New("the ngrok auth token is empty")
	}
	a.urlMu.Lock()
	a.tunnelCfg.NgrokAuthToken = token
	cfg := a.tunnelCfg
	a.urlMu.Unlock()
	if err := tunnel.SaveConfig(a.tunnelPath, cfg); err != nil {
		return fmt.Errorf("saving the ngrok auth token: %w", err)
	}
	if a.opts.NoTunnel || a.opts.PublicURL != "" {
		// The admin asked for no tunnel or runs their own: keep it that way this run.
		return nil
	}
	opts := a.tunnelOptions(token, tunnel.SourceConfig)
	// A pasted token means ngrok, even if this run tried the loopback stand-in.
	opts.Loopback = false
	a.urlMu.Lock()
	a.ngrokSource = tunnel.SourceConfig
	a.urlMu.Unlock()
	// Replace starts the new tunnel with the handler the switch was started with.
	return a.tunnel.Replace(tunnel.Select(opts))
}

// Close stops everything in reverse order of start. Safe on a partly started app,
// and to call more than once.
func (a *App) Close() { a.closeOnce.Do(a.close) }

func (a *App) close() {
	if srv := a.current().srv; srv != nil {
		// Requests a fault rule is holding back would keep the shutdown waiting.
		srv.Stopping()
	}
	if a.tunnel != nil {
		if err := a.tunnel.Close(); err != nil {
			a.logger.Warn("closing the tunnel", "err", err)
		}
	}
	if a.httpSrv != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		if err := a.httpSrv.Shutdown(ctx); err != nil {
			a.logger.Warn("requests still running at shutdown were cut off", "err", err)
		}
		cancel()
	} else if a.listener != nil {
		a.listener.Close()
	}
	// Writes out the queued request log before the database closes.
	a.current().close(a.logger)
}

// Names of what can set the token instead of the database, as the admin typed them.
const (
	TokenFromFlag = "--token"
	TokenFromEnv  = "$SCIMLAB_TOKEN"
)

// tokenChoice is the token a start serves with, and where it came from.
type tokenChoice struct {
	token     string
	generated bool
	// override is TokenFromFlag or TokenFromEnv, "" for the stored token.
	override string
	// storedDiffers tells that the database holds another token, which a start
	// without the override would serve with.
	storedDiffers bool
}

// resolveToken picks the bearer token: the option, then $SCIMLAB_TOKEN, then the
// stored one; on first start it generates one and stores it so the IdP configuration
// keeps working across restarts. An override is never stored: the stored token stays
// what a start without it serves with.
func resolveToken(ctx context.Context, db *store.DB, flagToken string, getenv func(string) string) (tokenChoice, error) {
	stored, err := db.BearerToken(ctx)
	if err != nil {
		return tokenChoice{}, fmt.Errorf("reading the stored token: %w", err)
	}
	for _, o := range []struct{ value, name string }{{flagToken, TokenFromFlag}, {getenv("SCIMLAB_TOKEN"), TokenFromEnv}} {
		if t := strings.TrimSpace(o.value); t != "" {
			return tokenChoice{token: t, override: o.name, storedDiffers: stored != "" && stored != t}, nil
		}
	}
	if stored != "" {
		return tokenChoice{token: stored}, nil
	}
	t, err := newToken()
	if err != nil {
		return tokenChoice{}, err
	}
	if err := db.SetBearerToken(ctx, t); err != nil {
		return tokenChoice{}, fmt.Errorf("storing the new token: %w", err)
	}
	return tokenChoice{token: t, generated: true}, nil
}

// newToken returns 32 random bytes as unpadded base64url: 256 bits, and safe to paste
// into any IdP field or shell without quoting.
func newToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("generating a token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// displayHost is the host to print in the base URL: a wildcard listen address is
// reachable at loopback, which is what an admin on this machine can use.
func displayHost(addr net.Addr) string {
	host, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		return addr.String()
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port)
}

// Seeded reports what --seed put into the lab at start, or nil without --seed.
func (a *App) Seeded() *SeedReport { return a.seeded }

// SetStrict switches strict RFC mode for the requests that start after it returns.
func (a *App) SetStrict(strict bool) { a.current().srv.SetStrict(strict) }
