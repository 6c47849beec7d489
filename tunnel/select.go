package tunnel

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"golang.ngrok.com/ngrok/v2"
)

// Options are the command-line choices that decide which Tunnel runs.
type Options struct {
	// NoTunnel is --no-tunnel.
	NoTunnel bool
	// Loopback is --tunnel=loopback: a 127.0.0.1 stand-in for debugging.
	Loopback bool
	// PublicURL is --public-url.
	PublicURL string
	// Token and TokenSource come from ResolveToken.
	Token, TokenSource string
	// Domain comes from ResolveDomain.
	Domain string
	// ConnectTimeout bounds one ngrok connection attempt; zero means 15s.
	ConnectTimeout time.Duration
	// ConnContext marks requests that arrive over the tunnel.
	ConnContext ConnContextFunc
	// Logger receives tunnel logs (tokens removed).
	Logger *slog.Logger
	// ConnectURL and Dialer are passed to NgrokConfig, so tests can make
	// ngrok unreachable or refusing without a network.
	ConnectURL string
	Dialer     ngrok.Dialer
}

// Select picks the tunnel for opts: --no-tunnel, then --tunnel=loopback,
// then --public-url, then ngrok when a token is known, else local-only.
// --no-tunnel means "no tunnel run by scimlab": a URL the admin publishes by
// other means still stands, so --no-tunnel with --public-url is that URL.
func Select(opts Options) Tunnel {
	switch {
	case opts.NoTunnel && opts.PublicURL != "":
		return NewPublicURL(opts.PublicURL)
	case opts.NoTunnel:
		return NewLocalOnly(ReasonNoTunnel)
	case opts.Loopback:
		return NewLoopback(WithConnContext(opts.ConnContext), WithLogger(opts.Logger))
	case opts.PublicURL != "":
		return NewPublicURL(opts.PublicURL)
	case opts.Token != "":
		return NewNgrok(NgrokConfig{
			AuthToken:      opts.Token,
			TokenSource:    opts.TokenSource,
			Domain:         opts.Domain,
			ConnectTimeout: opts.ConnectTimeout,
			ConnContext:    opts.ConnContext,
			ConnectURL:     opts.ConnectURL,
			Dialer:         opts.Dialer,
		}, opts.Logger)
	default:
		return NewLocalOnly(ReasonNoToken)
	}
}

// Switch is a Tunnel whose implementation can be replaced while it runs,
// so the console can turn local-only into ngrok when the user pastes a
// token, without restarting and without its status channel changing.
type Switch struct {
	box *statusBox

	mu      sync.Mutex
	cur     Tunnel
	ctx     context.Context
	h       http.Handler
	started bool
	closed  bool
	stopFwd context.CancelFunc
	fwdDone chan struct{}
}

// NewSwitch returns a Switch running t.
func NewSwitch(t Tunnel) *Switch {
	return &Switch{box: newStatusBox(t.Status()), cur: t}
}

// Start starts the current tunnel.
func (s *Switch) Start(ctx context.Context, h http.Handler) error {
	if h == nil {
		return errors.New("tunnel: nil handler")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return errors.New("tunnel: Start after Close")
	}
	if s.started {
		return errors.New("tunnel: already started")
	}
	s.started, s.ctx, s.h = true, ctx, h
	err := s.cur.Start(ctx, h)
	// What Start did shows at once (a loopback is online when it returns), so a
	// caller printing Status right after Start does not print the pre-start one.
	s.box.set(s.cur.Status())
	s.forward(s.cur)
	return err
}

// Replace closes the current tunnel and starts t in its place (if the
// Switch was started). Closing an ngrok tunnel can take a couple of
// seconds, so call it off the UI goroutine.
func (s *Switch) Replace(t Tunnel) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		_ = t.Close()
		return errors.New("tunnel: Replace after Close")
	}
	s.stopForward()
	old := s.cur
	s.cur = t
	closeErr := old.Close()
	var startErr error
	if s.started {
		startErr = t.Start(s.ctx, s.h)
	}
	s.box.set(t.Status())
	s.forward(t)
	return errors.Join(startErr, closeErr)
}

// Current is the tunnel in use.
func (s *Switch) Current() Tunnel {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cur
}

// Retry asks the current tunnel, if it is waiting out a back-off or stopped after a
// permanent failure, to try again at once. Tunnels that never retry ignore it; it
// never blocks.
func (s *Switch) Retry() {
	if r, ok := s.Current().(interface{ Retry() }); ok {
		r.Retry()
	}
}

// Status is the current tunnel's status.
func (s *Switch) Status() Status { return s.box.get() }

// Updates delivers the status changes of whichever tunnel is current.
func (s *Switch) Updates() <-chan Status { return s.box.updates() }

// Close closes the current tunnel and Updates.
func (s *Switch) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	s.stopForward()
	err := s.cur.Close()
	s.box.close(s.cur.Status())
	return err
}

// forward copies t's updates to the Switch until stopForward. Called with
// s.mu held.
func (s *Switch) forward(t Tunnel) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	s.stopFwd, s.fwdDone = cancel, done
	go func() {
		defer close(done)
		updates := t.Updates()
		for {
			select {
			case <-ctx.Done():
				return
			case st, ok := <-updates:
				if !ok {
					return
				}
				s.box.set(st)
			}
		}
	}()
}

func (s *Switch) stopForward() {
	if s.stopFwd != nil {
		s.stopFwd()
		<-s.fwdDone
		s.stopFwd, s.fwdDone = nil, nil
	}
}
