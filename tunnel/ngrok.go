package tunnel

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"golang.ngrok.com/ngrok/v2"
)

const (
	defaultConnectAddr    = "connect.ngrok-agent.com:443"
	defaultConnectHost    = "connect.ngrok-agent.com"
	defaultConnectTimeout = 15 * time.Second
	// diagnoseTimeout bounds the pre-flight probe; it only has to tell a
	// dead network from a live one.
	diagnoseTimeout = 5 * time.Second
	// closeGrace is how long Close waits for ngrok to acknowledge the
	// endpoint's removal before cutting the session.
	closeGrace = 2 * time.Second
)

// NgrokConfig configures an ngrok tunnel.
type NgrokConfig struct {
	// AuthToken authenticates the agent with ngrok. Required.
	AuthToken string
	// TokenSource names where AuthToken came from (see ResolveToken), so
	// a rejected token can be traced to the flag, variable or file.
	TokenSource string
	// Domain is a reserved or static ngrok domain (e.g.
	// your-name.ngrok-free.app). Empty: ngrok assigns the account's
	// default domain.
	Domain string
	// ConnectTimeout bounds one connection attempt; the ngrok library
	// otherwise retries for ever. Zero means 15s.
	ConnectTimeout time.Duration
	// ConnContext, if set, derives each tunnel request's context, so the
	// server can mark requests that arrived over the tunnel.
	ConnContext ConnContextFunc
	// Backoff spaces out reconnection attempts; zero means DefaultBackoff.
	Backoff Backoff
	// ConnectURL overrides the ngrok server address (host:port).
	ConnectURL string
	// Dialer overrides how the agent dials the ngrok server.
	Dialer ngrok.Dialer
}

// Ngrok publishes the handler through an in-process ngrok agent. It
// reconnects with back-off until closed and never stops the local server.
type Ngrok struct {
	cfg    NgrokConfig
	logger *slog.Logger // redacts the token
	red    redactor
	box    *statusBox

	// Hooks replaced by tests: the timer used between attempts, the
	// jitter source, whether to probe before connecting, and the agent
	// (a stand-in for the ngrok service).
	after        func(time.Duration) (<-chan time.Time, func() bool)
	random       func() float64
	skipDiagnose bool
	newAgent     func(ngrok.EventHandler, []ngrok.AgentOption) (ngrok.Agent, error)

	retry chan struct{}

	mu      sync.Mutex
	started bool
	closed  bool
	cancel  context.CancelFunc
	done    chan struct{}
}

// NewNgrok returns an ngrok tunnel; nothing happens until Start. The
// logger receives the ngrok library's logs with the token removed.
func NewNgrok(cfg NgrokConfig, logger *slog.Logger) *Ngrok {
	if cfg.ConnectTimeout <= 0 {
		cfg.ConnectTimeout = defaultConnectTimeout
	}
	cfg.AuthToken = strings.TrimSpace(cfg.AuthToken)
	n := &Ngrok{
		cfg:    cfg,
		logger: newRedactLogger(logger, cfg.AuthToken),
		red:    redactor{cfg.AuthToken},
		after: func(d time.Duration) (<-chan time.Time, func() bool) {
			t := time.NewTimer(d)
			return t.C, t.Stop
		},
		random: rand.Float64,
		newAgent: func(h ngrok.EventHandler, opts []ngrok.AgentOption) (ngrok.Agent, error) {
			return ngrok.NewAgent(append(opts, ngrok.WithEventHandler(h))...)
		},
		retry: make(chan struct{}, 1),
	}
	st := Status{State: Off, Mode: ModeNgrok, Reason: "not started"}
	if host, err := NormalizeDomain(cfg.Domain); err == nil {
		st.Domain = host
	}
	n.box = newStatusBox(st)
	return n
}

// Start begins connecting in the background.
func (n *Ngrok) Start(ctx context.Context, h http.Handler) error {
	if h == nil {
		return errors.New("tunnel: nil handler")
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		return errors.New("tunnel: Start after Close")
	}
	if n.started {
		return errors.New("tunnel: already started")
	}
	n.started = true
	// Connecting from the start, so whoever reads Status right after Start (serve's
	// banner) says what is happening rather than "not started".
	n.box.set(Status{State: Connecting, Mode: ModeNgrok, Domain: n.env().Domain, Attempt: 1})
	ctx, n.cancel = context.WithCancel(ctx)
	n.done = make(chan struct{})
	go n.run(ctx, h)
	return nil
}

// Status is the current state.
func (n *Ngrok) Status() Status { return n.box.get() }

// Updates delivers status changes, latest first (see Tunnel).
func (n *Ngrok) Updates() <-chan Status { return n.box.updates() }

// Retry skips the back-off wait (or a permanent failure) and tries at
// once, e.g. after the user fixed the network or the ngrok account.
func (n *Ngrok) Retry() {
	select {
	case n.retry <- struct{}{}:
	default:
	}
}

// Close removes the public endpoint, ends the ngrok session and waits for
// every goroutine of this tunnel to finish.
func (n *Ngrok) Close() error {
	n.mu.Lock()
	if n.closed {
		n.mu.Unlock()
		return nil
	}
	n.closed = true
	cancel, done := n.cancel, n.done
	n.mu.Unlock()
	if cancel != nil {
		cancel()
		<-done
	}
	n.box.close(closedStatus(ModeNgrok))
	return nil
}

func (n *Ngrok) env() explainEnv {
	host := defaultConnectHost
	if n.cfg.ConnectURL != "" {
		host = strings.TrimSuffix(n.cfg.ConnectURL, ":443")
	}
	domain, err := NormalizeDomain(n.cfg.Domain)
	if err != nil {
		domain = n.cfg.Domain
	}
	return explainEnv{ConnectHost: host, Domain: domain, TokenSource: n.cfg.TokenSource}
}

// explain puts err in words; the words can quote the error, so they are
// redacted too.
func (n *Ngrok) explain(err error) failure {
	f := explain(err, n.env())
	f.Reason, f.Hint = n.red.str(f.Reason), n.red.str(f.Hint)
	return f
}

// run is the reconnect loop: connect, serve until the endpoint is lost,
// wait, repeat.
func (n *Ngrok) run(ctx context.Context, h http.Handler) {
	defer close(n.done)
	defer n.box.set(Status{State: Off, Mode: ModeNgrok, Domain: n.env().Domain, Reason: "the tunnel is stopped"})
	failures := 0
	everOnline := false
	var last Status
	for {
		st := Status{State: Connecting, Mode: ModeNgrok, Domain: n.env().Domain, Attempt: failures + 1}
		if failures > 0 || everOnline {
			st.State = Reconnecting
			st.Reason, st.Hint, st.Code, st.Err = last.Reason, last.Hint, last.Code, last.Err
			st.PublicURL = last.PublicURL
		}
		n.box.set(st)
		select { // a Retry asked for during the last attempt is served by this one
		case <-n.retry:
		default:
		}

		sess, err := n.connect(ctx, h)
		if err == nil {
			failures = 0
			everOnline = true
			err = n.serve(ctx, sess)
			last.PublicURL = sess.url
			sess.close()
		}
		if ctx.Err() != nil {
			return
		}
		failures++
		f := n.explain(err)
		n.logger.Warn("ngrok tunnel failed", "reason", f.Reason, "code", f.Code, "err", err)
		last = Status{
			State: Failed, Mode: ModeNgrok, Domain: n.env().Domain, Attempt: failures,
			Reason: f.Reason, Hint: f.Hint, Code: f.Code, Err: n.red.err(err), PublicURL: last.PublicURL,
		}
		if f.Permanent {
			n.box.set(last)
			select {
			case <-ctx.Done():
				return
			case <-n.retry:
				failures = 0
				continue
			}
		}
		delay := n.cfg.Backoff.Delay(failures, n.random())
		last.RetryIn = delay
		last.RetryAt = time.Now().Add(delay)
		n.box.set(last)
		if !n.wait(ctx, delay) {
			return
		}
	}
}

// wait sleeps d; false if ctx ended first. Retry cuts the wait short.
func (n *Ngrok) wait(ctx context.Context, d time.Duration) bool {
	c, stop := n.after(d)
	defer stop()
	select {
	case <-ctx.Done():
		return false
	case <-c:
		return true
	case <-n.retry:
		return true
	}
}

// ngrokSession is one connected agent serving the handler on its endpoint.
type ngrokSession struct {
	agent     ngrok.Agent
	ln        ngrok.EndpointListener
	url       string
	srv       *http.Server
	listener  *markingListener
	events    *mailbox[error]
	served    chan error
	cancelCtx context.CancelFunc
	logger    *slog.Logger
}

// connect creates an agent, checks that ngrok's server is reachable, and
// opens the endpoint within ConnectTimeout.
func (n *Ngrok) connect(ctx context.Context, h http.Handler) (*ngrokSession, error) {
	if n.cfg.AuthToken == "" {
		return nil, errNoToken
	}
	var endpointOpts []ngrok.EndpointOption
	if n.cfg.Domain != "" {
		host, err := NormalizeDomain(n.cfg.Domain)
		if err != nil {
			return nil, err
		}
		endpointOpts = append(endpointOpts, ngrok.WithURL("https://"+host))
	}
	endpointOpts = append(endpointOpts, ngrok.WithDescription("scimlab SCIM server"))

	// Agent events report every failed try inside the library's own retry
	// loop (which never gives up, even on a bad token), and, once online,
	// its reconnects. nil means connected.
	events := newMailbox[error]()
	onEvent := func(ev ngrok.Event) {
		switch e := ev.(type) {
		case *ngrok.EventAgentDisconnected:
			if e.Error != nil {
				events.put(e.Error)
			}
		case *ngrok.EventAgentConnectSucceeded:
			events.put(nil)
		}
	}
	opts := []ngrok.AgentOption{
		ngrok.WithAuthtoken(n.cfg.AuthToken),
		ngrok.WithLogger(n.logger),
		ngrok.WithAgentDescription("scimlab"),
	}
	if n.cfg.ConnectURL != "" {
		opts = append(opts, ngrok.WithAgentConnectURL(n.cfg.ConnectURL))
	}
	if n.cfg.Dialer != nil {
		opts = append(opts, ngrok.WithDialer(n.cfg.Dialer))
	}
	agent, err := n.newAgent(onEvent, opts)
	if err != nil {
		return nil, err
	}

	if err := n.diagnose(ctx, agent); err != nil {
		return nil, err
	}

	// The session lives as long as this context: the library ties its
	// reconnect loop to the context given to Connect, so the timeout is
	// enforced here instead of with a deadline.
	sessCtx, cancelSess := context.WithCancel(ctx)
	type result struct {
		ln  ngrok.EndpointListener
		err error
	}
	res := make(chan result, 1)
	go func() {
		ln, err := agent.Listen(sessCtx, endpointOpts...)
		res <- result{ln, err}
	}()
	timeout := time.NewTimer(n.cfg.ConnectTimeout)
	defer timeout.Stop()

	var abort error
wait:
	for {
		select {
		case r := <-res:
			if r.err != nil {
				cancelSess()
				_ = agent.Disconnect()
				return nil, r.err
			}
			return n.newSession(agent, r.ln, events, cancelSess, h), nil
		case err := <-events.ch:
			if err != nil {
				abort = err
				break wait
			}
		case <-timeout.C:
			abort = connectTimeoutError{n.cfg.ConnectTimeout}
			break wait
		case <-ctx.Done():
			abort = ctx.Err()
			break wait
		}
	}
	cancelSess()
	if r := <-res; r.ln != nil {
		_ = r.ln.Close()
	}
	_ = agent.Disconnect()
	return nil, abort
}

// diagnose probes ngrok's server before connecting: a dead network shows
// in milliseconds instead of after ConnectTimeout. Only failures to open a
// TCP or TLS connection are decisive; a failed protocol probe is left for
// the real connection to confirm.
func (n *Ngrok) diagnose(ctx context.Context, agent ngrok.Agent) error {
	d, ok := agent.(ngrok.Diagnoser)
	if !ok || n.skipDiagnose {
		return nil
	}
	dctx, cancel := context.WithTimeout(ctx, min(n.cfg.ConnectTimeout, diagnoseTimeout))
	defer cancel()
	_, err := d.Diagnose(dctx, "")
	switch {
	case err == nil:
		return nil
	case ngrok.IsTCPDiagnoseFailure(err), ngrok.IsTLSDiagnoseFailure(err):
		return err
	default:
		n.logger.Debug("ngrok pre-flight probe inconclusive", "err", err)
		return nil
	}
}

func (n *Ngrok) newSession(agent ngrok.Agent, ln ngrok.EndpointListener, events *mailbox[error], cancel context.CancelFunc, h http.Handler) *ngrokSession {
	s := &ngrokSession{
		agent:     agent,
		ln:        ln,
		url:       ln.URL().String(),
		events:    events,
		served:    make(chan error, 1),
		cancelCtx: cancel,
		logger:    n.logger,
	}
	// The connect-succeeded event of this very connection is not news.
	select {
	case <-events.ch:
	default:
	}
	s.listener = newMarkingListener(ln, func() error { return closeWithin(ln, closeGrace) })
	s.srv = newServer(h, n.cfg.ConnContext, n.logger)
	go func() { s.served <- s.srv.Serve(s.listener) }()
	return s
}

// closeWithin closes the endpoint, giving up waiting after d: removing it
// is a round trip to ngrok that can hang on a dead network. Disconnecting
// the agent afterwards ends the call either way.
func closeWithin(ln ngrok.EndpointListener, d time.Duration) error {
	done := make(chan error, 1)
	go func() { done <- ln.Close() }()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case err := <-done:
		return err
	case <-t.C:
		return fmt.Errorf("ngrok did not confirm closing the endpoint within %s", d)
	}
}

// serve reports the session's state until the endpoint is lost or ctx
// ends. While the library reconnects by itself the tunnel shows
// Reconnecting; a permanent refusal ends the session.
func (n *Ngrok) serve(ctx context.Context, s *ngrokSession) error {
	online := Status{State: Online, Mode: ModeNgrok, PublicURL: s.url, Domain: hostOf(s.url), Attempt: 0}
	n.box.set(online)
	n.logger.Info("ngrok tunnel online", "url", s.url)
	drops := 0
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case err := <-s.served:
			return endpointLostError{err}
		case <-s.ln.Done():
			return endpointLostError{}
		case err := <-s.events.ch:
			if err == nil {
				drops = 0
				n.box.set(online)
				continue
			}
			f := n.explain(err)
			if f.Permanent {
				return err
			}
			drops++
			n.box.set(Status{
				State: Reconnecting, Mode: ModeNgrok, PublicURL: s.url, Domain: online.Domain, Attempt: drops,
				Reason: f.Reason, Hint: f.Hint, Code: f.Code, Err: n.red.err(err),
			})
		}
	}
}

// close tears the session down: endpoint, HTTP server, agent.
func (s *ngrokSession) close() {
	if err := s.listener.Close(); err != nil {
		s.logger.Debug("closing ngrok endpoint", "err", err)
	}
	_ = s.agent.Disconnect()
	s.cancelCtx()
	shutdownCtx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if err := s.srv.Shutdown(shutdownCtx); err != nil {
		_ = s.srv.Close()
	}
	if err := serveErr(<-s.served); err != nil {
		s.logger.Debug("ngrok endpoint stopped", "err", err)
	}
}

func hostOf(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return ""
	}
	return p.Hostname()
}

// NormalizeDomain turns the --domain value into a bare lower-case host
// name; it accepts "name.ngrok-free.app" or "https://name.ngrok-free.app/".
func NormalizeDomain(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", nil
	}
	raw := s
	if !strings.Contains(s, "://") {
		s = "https://" + s
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return "", invalidDomainError{fmt.Sprintf("%q is not a domain name", raw)}
	}
	if u.Scheme != "https" && u.Scheme != "http" {
		return "", invalidDomainError{fmt.Sprintf("--domain %q: only https domains can be published", raw)}
	}
	if u.User != nil || u.Port() != "" || strings.Trim(u.Path, "/") != "" || u.RawQuery != "" || u.Fragment != "" {
		return "", invalidDomainError{fmt.Sprintf("--domain %q must be a bare host name (no port, path or query)", raw)}
	}
	host := strings.ToLower(strings.TrimSuffix(u.Hostname(), "."))
	if !validHostname(host) {
		return "", invalidDomainError{fmt.Sprintf("%q is not a valid domain name", raw)}
	}
	return host, nil
}

func validHostname(h string) bool {
	if len(h) > 253 || !strings.Contains(h, ".") || net.ParseIP(h) != nil {
		return false
	}
	for _, label := range strings.Split(h, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
				return false
			}
		}
	}
	return true
}

// mailbox holds the latest value put into it; put never blocks.
type mailbox[T any] struct {
	mu sync.Mutex
	ch chan T
}

func newMailbox[T any]() *mailbox[T] { return &mailbox[T]{ch: make(chan T, 1)} }

func (m *mailbox[T]) put(v T) {
	m.mu.Lock()
	defer m.mu.Unlock()
	select {
	case <-m.ch:
	default:
	}
	m.ch <- v
}
