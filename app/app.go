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
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.ngrok.com/ngrok/v2"

	"github.com/scimlab/scimlab/exchange"
	"github.com/scimlab/scimlab/scimserver"
	"github.com/scimlab/scimlab/store"
	"github.com/scimlab/scimlab/tunnel"
)

// Options are the settings shared by the console (bare "scimlab") and "scimlab serve":
// both run the same server, so a script and a person see the same behaviour.
type Options struct {
	Listen       string
	Token        string
	DB           string
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
	return nil
}

// App is one running scimlab: store, SCIM server, local listener, tunnel and the IdP
// annotator.
type App struct {
	opts      Options
	logger    *slog.Logger
	db        *store.DB
	srv       *scimserver.Server
	annotator *annotator

	listener net.Listener
	httpSrv  *http.Server
	serveErr chan error
	localURL string

	tunnel     *tunnel.Switch
	tunnelCfg  tunnel.Config
	tunnelPath string
	domain     string
	// urlWarning is set when the public URL differs from the one of the last run, so
	// the admin learns the IdP still points at the old one.
	urlMu      sync.Mutex
	urlWarning string

	tokenMu        sync.Mutex
	token          string
	tokenGenerated bool
}

// Start opens the store, starts the SCIM server on the local listener and brings up
// the tunnel. On error everything already started is stopped again.
func Start(ctx context.Context, o Options, getenv func(string) string, logger *slog.Logger) (_ *App, err error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	a := &App{opts: o, logger: logger, serveErr: make(chan error, 1)}
	defer func() {
		if err != nil {
			a.Close()
		}
	}()

	a.db, err = store.Open(ctx, o.DB)
	if err != nil {
		return nil, fmt.Errorf("opening the database %s: %w", o.DB, err)
	}
	a.token, a.tokenGenerated, err = resolveToken(ctx, a.db, o.Token, getenv)
	if err != nil {
		return nil, err
	}
	a.annotator = newAnnotator(ctx, a.db, logger)
	a.srv = scimserver.New(scimserver.Config{
		Token:        a.token,
		Strict:       o.Strict,
		MaxBodyBytes: o.MaxBody,
		LogRetention: o.LogRetention,
		LogMaxAge:    o.LogMaxAge,
		Annotate:     a.annotator.annotate,
	}, a.db, logger)

	a.listener, err = net.Listen("tcp", o.Listen)
	if err != nil {
		if errors.Is(err, syscall.EADDRINUSE) {
			return nil, fmt.Errorf("%s is already in use (is another scimlab running?); pick another address, e.g. --listen 127.0.0.1:8081", o.Listen)
		}
		return nil, fmt.Errorf("cannot listen on %s: %w", o.Listen, err)
	}
	a.localURL = "http://" + displayHost(a.listener.Addr()) + scimserver.BasePath
	a.httpSrv = &http.Server{
		Handler:           a.srv.Handler(),
		ConnContext:       scimserver.ConnContext,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	go func() { a.serveErr <- a.httpSrv.Serve(a.listener) }()

	if err := a.startTunnel(ctx, getenv); err != nil {
		return nil, err
	}
	return a, nil
}

// startTunnel picks the tunnel from the flags, the environment and the config file.
// A tunnel that fails never stops the local server: it reports its state instead.
func (a *App) startTunnel(ctx context.Context, getenv func(string) string) error {
	a.tunnelPath = tunnel.DefaultConfigPath()
	cfg, err := tunnel.LoadConfig(a.tunnelPath)
	if err != nil {
		// A broken config file must not keep the server down; say so and go on.
		a.logger.Warn("ignoring the scimlab config file", "path", a.tunnelPath, "err", err)
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
	a.tunnel = tunnel.NewSwitch(tunnel.Select(a.tunnelOptions(token, source)))
	return a.tunnel.Start(ctx, a.srv.Handler())
}

// tunnelOptions is the one place the options become tunnel options, so the tunnel
// started with the app and one restarted with a saved token are configured alike.
func (a *App) tunnelOptions(token, source string) tunnel.Options {
	publicURL := ""
	if a.opts.PublicURL != "" {
		publicURL, _ = tunnel.NormalizePublicURL(a.opts.PublicURL)
	}
	return tunnel.Options{
		NoTunnel:    a.opts.NoTunnel,
		Loopback:    a.opts.TunnelMode == "loopback",
		PublicURL:   publicURL,
		Token:       token,
		TokenSource: source,
		Domain:      a.domain,
		ConnContext: scimserver.ConnContext,
		Logger:      a.logger,
		ConnectURL:  a.opts.NgrokConnectURL,
		Dialer:      a.opts.NgrokDialer,
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
func (a *App) DBPath() string { return a.db.Path() }

// Strict reports whether strict RFC mode is on.
func (a *App) Strict() bool { return a.srv.Strict() }

// Subscribe starts a live subscription to recorded requests (scimserver.Server.Subscribe).
func (a *App) Subscribe(buffer int) (<-chan exchange.Event, func()) {
	return a.srv.Subscribe(buffer)
}

// Done delivers the error that stopped the HTTP server, if it stops before Close.
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
	if err := a.db.SetBearerToken(ctx, t); err != nil {
		return "", fmt.Errorf("storing the new token: %w", err)
	}
	a.tokenMu.Lock()
	a.token = t
	a.tokenMu.Unlock()
	a.srv.SetToken(t)
	return t, nil
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
	// Replace starts the new tunnel with the handler the switch was started with.
	return a.tunnel.Replace(tunnel.Select(opts))
}

// Close stops everything in reverse order of start. Safe on a partly started app.
func (a *App) Close() {
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
	if a.srv != nil {
		// Writes out the queued request log before the database closes.
		a.srv.Close()
	}
	if a.annotator != nil {
		a.annotator.save(context.Background())
	}
	if a.db != nil {
		a.db.Close()
	}
}

// resolveToken picks the bearer token: the option, then $SCIMLAB_TOKEN, then the
// stored one; on first start it generates one and stores it so the IdP configuration
// keeps working across restarts.
func resolveToken(ctx context.Context, db *store.DB, flagToken string, getenv func(string) string) (token string, generated bool, err error) {
	if t := strings.TrimSpace(flagToken); t != "" {
		return t, false, nil
	}
	if t := strings.TrimSpace(getenv("SCIMLAB_TOKEN")); t != "" {
		return t, false, nil
	}
	stored, err := db.BearerToken(ctx)
	if err != nil {
		return "", false, fmt.Errorf("reading the stored token: %w", err)
	}
	if stored != "" {
		return stored, false, nil
	}
	t, err := newToken()
	if err != nil {
		return "", false, err
	}
	if err := db.SetBearerToken(ctx, t); err != nil {
		return "", false, fmt.Errorf("storing the new token: %w", err)
	}
	return t, true, nil
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

// SetStrict switches strict RFC mode for the requests that start after it returns.
func (a *App) SetStrict(strict bool) { a.srv.SetStrict(strict) }
