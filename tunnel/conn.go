package tunnel

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"
)

// ConnContextFunc derives the context of every request on a connection, as
// http.Server.ConnContext does. The conn it receives is the wrapped tunnel
// conn, so ClientIP works on it.
type ConnContextFunc func(ctx context.Context, c net.Conn) context.Context

// ClientIP reports whether c arrived through a tunnel and, if so, the
// address of the client as the tunnel saw it (for ngrok: the IP that
// connected to ngrok's edge, not ngrok's own address).
func ClientIP(c net.Conn) (string, bool) {
	tc, ok := c.(interface{ TunnelClientIP() string })
	if !ok {
		return "", false
	}
	return tc.TunnelClientIP(), true
}

type clientIPKey struct{}

// ClientIPFromContext reports whether a request's context belongs to a
// connection that came through a tunnel, and the client's address. Every
// server a Tunnel runs sets it, whether or not a ConnContextFunc is given.
func ClientIPFromContext(ctx context.Context) (string, bool) {
	ip, ok := ctx.Value(clientIPKey{}).(string)
	return ip, ok
}

// tunnelConn marks a connection accepted on a public endpoint.
type tunnelConn struct {
	net.Conn
	clientIP string
}

// TunnelClientIP is the client's address as reported by the tunnel.
func (c *tunnelConn) TunnelClientIP() string { return c.clientIP }

// remoteIP is the host part of a RemoteAddr. ngrok conns report the
// address from ngrok's proxy header (the visitor), so this is the real
// client for them too.
func remoteIP(a net.Addr) string {
	if a == nil {
		return ""
	}
	if tcp, ok := a.(*net.TCPAddr); ok {
		return tcp.IP.String()
	}
	host, _, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	return host
}

// markingListener wraps every accepted conn in a tunnelConn. Its Close runs
// the given closer once, so the http.Server and the tunnel can both close it.
type markingListener struct {
	net.Listener
	closeOnce sync.Once
	closer    func() error
	closeErr  error
}

func newMarkingListener(l net.Listener, closer func() error) *markingListener {
	if closer == nil {
		closer = l.Close
	}
	return &markingListener{Listener: l, closer: closer}
}

func (l *markingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &tunnelConn{Conn: c, clientIP: remoteIP(c.RemoteAddr())}, nil
}

func (l *markingListener) Close() error {
	l.closeOnce.Do(func() { l.closeErr = l.closer() })
	return l.closeErr
}

// newServer builds the http.Server a tunnel runs on its public listener.
func newServer(h http.Handler, cc ConnContextFunc, logger *slog.Logger) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelDebug),
		ConnContext: func(ctx context.Context, c net.Conn) context.Context {
			if ip, ok := ClientIP(c); ok {
				ctx = context.WithValue(ctx, clientIPKey{}, ip)
			}
			if cc != nil {
				ctx = cc(ctx, c)
			}
			return ctx
		},
	}
}

// serveErr turns the result of Serve into nil for a deliberate shutdown.
func serveErr(err error) error {
	if errors.Is(err, http.ErrServerClosed) || errors.Is(err, net.ErrClosed) {
		return nil
	}
	return err
}

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }
