package tunnel

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
)

// Texts shown when there is no public URL.
const (
	// ReasonNoTunnel is the LocalOnly reason for --no-tunnel.
	ReasonNoTunnel = "--no-tunnel"
	// ReasonNoToken is the LocalOnly reason when no ngrok token was found.
	ReasonNoToken = "no ngrok auth token: set NGROK_AUTHTOKEN, pass --ngrok-token, or save one in the console"
	// ReasonTokenForgotten is the LocalOnly reason after the saved token, which the
	// tunnel ran on, was removed from the config file.
	ReasonTokenForgotten = "the saved ngrok auth token was forgotten (removed from scimlab's saved settings, config.json)"
	// EnableHint tells how to get a public URL.
	EnableHint = "Okta and Entra need a public HTTPS URL: get a free token at dashboard.ngrok.com → Your Authtoken " +
		"and set NGROK_AUTHTOKEN, pass --ngrok-token or save it in the console; or run your own tunnel and pass --public-url"
)

// LocalOnly is the tunnel that publishes nothing: the server answers only
// on its local address. Its status explains why and how to enable one.
type LocalOnly struct {
	box *statusBox
}

// NewLocalOnly returns a tunnel that stays Off for the given reason (use
// ReasonNoTunnel or ReasonNoToken, or any sentence).
func NewLocalOnly(reason string) *LocalOnly {
	st := Status{State: Off, Mode: ModeLocalOnly, Reason: reason, Hint: EnableHint}
	if reason == ReasonNoTunnel {
		st.Reason = "the tunnel is turned off by --no-tunnel"
		st.Hint = "run without --no-tunnel to publish through ngrok, or pass --public-url if you run your own tunnel"
	}
	if st.Reason == "" {
		st.Reason = "no public URL"
	}
	return &LocalOnly{box: newStatusBox(st)}
}

// Start does nothing: there is no public endpoint to serve.
func (l *LocalOnly) Start(context.Context, http.Handler) error { return nil }

// Status is always Off.
func (l *LocalOnly) Status() Status { return l.box.get() }

// Updates delivers the single Off status and, after Close, the closed one.
func (l *LocalOnly) Updates() <-chan Status { return l.box.updates() }

// Close closes Updates.
func (l *LocalOnly) Close() error {
	st := l.box.get()
	st.Since = l.box.now()
	l.box.close(st)
	return nil
}

// PublicURL is a public URL published by something other than scimlab: a
// reverse proxy, Cloudflare Tunnel, Tailscale Funnel, ssh -R. scimlab only
// displays it; the proxy must forward to scimlab's local listener.
type PublicURL struct {
	box *statusBox
}

// NewPublicURL returns a tunnel that is Online at u. An unusable URL gives
// a Failed status that says what is wrong with it.
func NewPublicURL(u string) *PublicURL {
	norm, err := NormalizePublicURL(u)
	if err != nil {
		return &PublicURL{box: newStatusBox(Status{
			State: Failed, Mode: ModePublicURL, Reason: err.Error(), Err: err,
			Hint: "pass the https base URL your proxy serves, e.g. --public-url https://scim.example.com",
		})}
	}
	st := Status{State: Online, Mode: ModePublicURL, PublicURL: norm, Domain: hostOf(norm)}
	if strings.HasPrefix(norm, "http://") {
		st.Hint = "Okta and Entra only call https URLs"
	}
	return &PublicURL{box: newStatusBox(st)}
}

// NormalizePublicURL checks a --public-url value and removes a trailing
// slash, so "/scim/v2" can be appended.
func NormalizePublicURL(s string) (string, error) {
	s = strings.TrimSpace(s)
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return "", fmt.Errorf("--public-url %q is not an http(s) URL", s)
	}
	if u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return "", fmt.Errorf("--public-url %q must not have a query, fragment or user", s)
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = ""
	u.Scheme = strings.ToLower(u.Scheme)
	u.Host = strings.ToLower(u.Host)
	return u.String(), nil
}

// Start does nothing: the user's proxy serves the URL.
func (p *PublicURL) Start(context.Context, http.Handler) error { return nil }

// Status is Online at the given URL (or Failed if it was unusable).
func (p *PublicURL) Status() Status { return p.box.get() }

// Updates delivers the status and, after Close, the closed one.
func (p *PublicURL) Updates() <-chan Status { return p.box.updates() }

// Close closes Updates.
func (p *PublicURL) Close() error {
	p.box.close(closedStatus(ModePublicURL))
	return nil
}

// Loopback serves the handler on a fresh 127.0.0.1 port that stands in for
// a public endpoint: connections on it are marked as tunnel connections
// exactly like ngrok's, so tests and --tunnel=loopback exercise the same
// path without an account.
type Loopback struct {
	cc     ConnContextFunc
	logger *slog.Logger
	box    *statusBox

	mu      sync.Mutex
	started bool
	closed  bool
	srv     *http.Server
	served  chan error
	stop    func() bool
}

// LoopbackOption configures NewLoopback.
type LoopbackOption func(*Loopback)

// WithConnContext sets the ConnContextFunc of the loopback server.
func WithConnContext(cc ConnContextFunc) LoopbackOption {
	return func(l *Loopback) { l.cc = cc }
}

// WithLogger sets the logger of the loopback server.
func WithLogger(logger *slog.Logger) LoopbackOption {
	return func(l *Loopback) { l.logger = logger }
}

// NewLoopback returns a loopback tunnel; it listens on Start.
func NewLoopback(opts ...LoopbackOption) *Loopback {
	l := &Loopback{logger: discardLogger()}
	for _, o := range opts {
		o(l)
	}
	if l.logger == nil {
		l.logger = discardLogger()
	}
	l.box = newStatusBox(Status{State: Off, Mode: ModeLoopback, Reason: "not started"})
	return l
}

// Start listens on 127.0.0.1:0 and serves h there until Close or ctx ends.
func (l *Loopback) Start(ctx context.Context, h http.Handler) error {
	if h == nil {
		return errors.New("tunnel: nil handler")
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return errors.New("tunnel: Start after Close")
	}
	if l.started {
		return errors.New("tunnel: already started")
	}
	l.started = true
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		l.box.set(Status{State: Failed, Mode: ModeLoopback, Reason: "cannot listen on 127.0.0.1: " + err.Error(), Err: err})
		return err
	}
	u := "http://" + ln.Addr().String()
	l.srv = newServer(h, l.cc, l.logger)
	l.served = make(chan error, 1)
	srv := l.srv
	go func() { l.served <- srv.Serve(newMarkingListener(ln, nil)) }()
	l.stop = context.AfterFunc(ctx, func() { _ = l.Close() })
	l.box.set(Status{State: Online, Mode: ModeLoopback, PublicURL: u, Domain: ln.Addr().String()})
	return nil
}

// Status is Online at http://127.0.0.1:port once started.
func (l *Loopback) Status() Status { return l.box.get() }

// Updates delivers status changes (see Tunnel).
func (l *Loopback) Updates() <-chan Status { return l.box.updates() }

// Close stops the server and waits for it.
func (l *Loopback) Close() error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return nil
	}
	l.closed = true
	srv, served, stop := l.srv, l.served, l.stop
	l.mu.Unlock()
	var err error
	if srv != nil {
		if stop != nil {
			stop()
		}
		err = srv.Close()
		if serr := serveErr(<-served); serr != nil && err == nil {
			err = serr
		}
	}
	l.box.close(closedStatus(ModeLoopback))
	return err
}
