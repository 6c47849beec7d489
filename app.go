package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.ngrok.com/ngrok/v2"

	"github.com/scimlab/scimlab/scimserver"
	"github.com/scimlab/scimlab/store"
	"github.com/scimlab/scimlab/tunnel"
)

// appOptions are the flags shared by the console (bare "scimlab") and "scimlab serve":
// both run the same server, so a script and a person see the same behaviour.
type appOptions struct {
	listen       string
	token        string
	db           string
	noTunnel     bool
	strict       bool
	maxBody      int64
	logRetention int
	ngrokToken   string
	domain       string
	publicURL    string
	tunnelMode   string

	// ngrokConnectURL and ngrokDialer replace how the ngrok agent reaches ngrok's
	// servers; tests use them to make the service unreachable or refusing offline.
	ngrokConnectURL string
	ngrokDialer     ngrok.Dialer
}

// addAppFlags declares the shared flags on fs.
func addAppFlags(fs *flag.FlagSet, o *appOptions) {
	fs.StringVar(&o.listen, "listen", "127.0.0.1:8080", "address to listen on, `HOST:PORT` (port 0 picks a free one)")
	fs.StringVar(&o.token, "token", "", "bearer `TOKEN` clients must send (default: $SCIMLAB_TOKEN, else the token stored in the database, generated on first start)")
	fs.StringVar(&o.db, "db", store.DefaultPath(), "SQLite database `FILE`")
	fs.BoolVar(&o.noTunnel, "no-tunnel", false, "serve on the local address only, without a public tunnel")
	fs.BoolVar(&o.strict, "strict", false, "refuse IdP quirks the way a strict RFC 7644 server would")
	fs.Int64Var(&o.maxBody, "max-body", scimserver.DefaultMaxBodyBytes, "largest request body accepted, in `BYTES` (larger ones get 413)")
	fs.IntVar(&o.logRetention, "log-retention", scimserver.DefaultLogRetention, "number of newest requests the request log keeps (`N`)")
	fs.StringVar(&o.ngrokToken, "ngrok-token", "", "ngrok auth `TOKEN` (default: $NGROK_AUTHTOKEN, else the one saved in scimlab's config file)")
	fs.StringVar(&o.domain, "domain", "", "reserved or static ngrok `DOMAIN` to publish on; remembered for the next start")
	fs.StringVar(&o.publicURL, "public-url", "", "public base `URL` of your own reverse proxy or tunnel, shown instead of the local one")
	fs.StringVar(&o.tunnelMode, "tunnel", "", "tunnel `KIND`: \"loopback\" publishes on a second local port, for trying the tunnel path without ngrok")
}

// validate checks the values flag parsing cannot.
func (o appOptions) validate() error {
	if o.maxBody <= 0 {
		return fmt.Errorf("--max-body must be a positive number of bytes, not %d", o.maxBody)
	}
	if o.logRetention <= 0 {
		return fmt.Errorf("--log-retention must be a positive number of requests, not %d", o.logRetention)
	}
	if o.tunnelMode != "" && o.tunnelMode != "loopback" {
		return fmt.Errorf("--tunnel accepts only \"loopback\", not %q", o.tunnelMode)
	}
	if o.publicURL != "" {
		if _, err := tunnel.NormalizePublicURL(o.publicURL); err != nil {
			return err
		}
	}
	if o.domain != "" {
		if _, err := tunnel.NormalizeDomain(o.domain); err != nil {
			return err
		}
	}
	return nil
}

// app is one running scimlab: store, SCIM server, local listener, tunnel and the IdP
// annotator. serve and the console differ only in what they show.
type app struct {
	opts      appOptions
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

// startApp opens the store, starts the SCIM server on the local listener and brings
// up the tunnel. On error everything already started is stopped again.
func startApp(ctx context.Context, o appOptions, getenv func(string) string, logger *slog.Logger) (_ *app, err error) {
	if err := o.validate(); err != nil {
		return nil, err
	}
	a := &app{opts: o, logger: logger, serveErr: make(chan error, 1)}
	defer func() {
		if err != nil {
			a.close()
		}
	}()

	a.db, err = store.Open(ctx, o.db)
	if err != nil {
		return nil, fmt.Errorf("opening the database %s: %w", o.db, err)
	}
	a.token, a.tokenGenerated, err = resolveToken(ctx, a.db, o.token, getenv)
	if err != nil {
		return nil, err
	}
	a.annotator = newAnnotator(ctx, a.db, logger)
	a.srv = scimserver.New(scimserver.Config{
		Token:        a.token,
		Strict:       o.strict,
		MaxBodyBytes: o.maxBody,
		LogRetention: o.logRetention,
		Annotate:     a.annotator.Annotate,
	}, a.db, logger)

	a.listener, err = net.Listen("tcp", o.listen)
	if err != nil {
		if errors.Is(err, syscall.EADDRINUSE) {
			return nil, fmt.Errorf("%s is already in use (is another scimlab running?); pick another address, e.g. --listen 127.0.0.1:8081", o.listen)
		}
		return nil, fmt.Errorf("cannot listen on %s: %w", o.listen, err)
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
func (a *app) startTunnel(ctx context.Context, getenv func(string) string) error {
	a.tunnelPath = tunnel.DefaultConfigPath()
	cfg, err := tunnel.LoadConfig(a.tunnelPath)
	if err != nil {
		// A broken config file must not keep the server down; say so and go on.
		a.logger.Warn("ignoring the scimlab config file", "path", a.tunnelPath, "err", err)
		cfg = tunnel.Config{}
	}
	a.tunnelCfg = cfg
	token, source := tunnel.ResolveToken(a.opts.ngrokToken, getenv, cfg)
	domain, remember, err := tunnel.ResolveDomain(a.opts.domain, cfg)
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

// tunnelOptions is the one place the flags become tunnel options, so the tunnel
// started with the app and one restarted with a saved token are configured alike.
func (a *app) tunnelOptions(token, source string) tunnel.Options {
	publicURL := ""
	if a.opts.publicURL != "" {
		publicURL, _ = tunnel.NormalizePublicURL(a.opts.publicURL)
	}
	return tunnel.Options{
		NoTunnel:    a.opts.noTunnel,
		Loopback:    a.opts.tunnelMode == "loopback",
		PublicURL:   publicURL,
		Token:       token,
		TokenSource: source,
		Domain:      a.domain,
		ConnContext: scimserver.ConnContext,
		Logger:      a.logger,
		ConnectURL:  a.opts.ngrokConnectURL,
		Dialer:      a.opts.ngrokDialer,
	}
}

// noteTunnelStatus remembers the public URL of an online ngrok or --public-url tunnel
// and warns when it changed since the last run: the IdP still calls the old one.
func (a *app) noteTunnelStatus(st tunnel.Status) {
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

// URLWarning returns the "the public URL changed" warning, or "".
func (a *app) URLWarning() string {
	a.urlMu.Lock()
	defer a.urlMu.Unlock()
	return a.urlWarning
}

// PublicBaseURL is the SCIM base URL the IdP must use when the server is public
// (tunnel online or --public-url), and "" when it is reachable locally only.
func (a *app) PublicBaseURL() string {
	st := a.tunnel.Status()
	if st.State != tunnel.Online || st.PublicURL == "" {
		return ""
	}
	return scimBase(st.PublicURL)
}

// BaseURL is the URL to give the IdP: the public one when there is one.
func (a *app) BaseURL() string {
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

// Token returns the bearer token the server accepts now.
func (a *app) Token() string {
	a.tokenMu.Lock()
	defer a.tokenMu.Unlock()
	return a.token
}

// RotateToken replaces the bearer token with a new random one. The old one stops
// working at once; the new one is stored so it survives restarts.
func (a *app) RotateToken(ctx context.Context) (string, error) {
	t, err := newToken()
	if err != nil {
		return "", err
	}
	if err := a.db.SetSetting(ctx, settingToken, t); err != nil {
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
func (a *app) SaveNgrokToken(token string) error {
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
	if a.opts.noTunnel || a.opts.publicURL != "" {
		// The admin asked for no tunnel or runs their own: keep it that way this run.
		return nil
	}
	opts := a.tunnelOptions(token, tunnel.SourceConfig)
	// A pasted token means ngrok, even if this run tried the loopback stand-in.
	opts.Loopback = false
	next := tunnel.Select(opts)
	// Replace starts the new tunnel with the handler the switch was started with.
	return a.tunnel.Replace(next)
}

// RetryTunnel asks an ngrok tunnel waiting out its back-off to try now.
func (a *app) RetryTunnel() {
	if n, ok := a.tunnel.Current().(*tunnel.Ngrok); ok {
		n.Retry()
	}
}

// close stops everything in reverse order of start. Safe on a partly started app.
func (a *app) close() {
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
