package scimserver

import (
	"context"
	"net"
	"net/http"
	"strings"
)

// TunnelConn is implemented by connections that arrive through scimlab's tunnel. The
// tunnel wraps its net.Conns in a type with this method, so the server can tell an IdP's
// request from a local curl without the tunnel importing this package.
type TunnelConn interface {
	// TunnelClientIP returns the address of the client on the far side of the tunnel,
	// or "" when the tunnel does not know it.
	TunnelClientIP() string
}

type connInfo struct {
	viaTunnel bool
	clientIP  string
}

type connKey struct{}

// ConnContext is meant for http.Server.ConnContext. It marks requests on tunnel
// connections (see TunnelConn) so they are recorded as ViaTunnel with the tunnel's client
// address, and so the X-Forwarded-* headers the tunnel adds are trusted for building
// resource locations. Connections of other kinds pass through unmarked.
func ConnContext(ctx context.Context, c net.Conn) context.Context {
	if tc, ok := c.(TunnelConn); ok {
		return context.WithValue(ctx, connKey{}, connInfo{viaTunnel: true, clientIP: tc.TunnelClientIP()})
	}
	return ctx
}

func connInfoFrom(ctx context.Context) connInfo {
	ci, _ := ctx.Value(connKey{}).(connInfo)
	return ci
}

// remoteAddr is the client as the log should show it: through the tunnel that is the
// IdP's address (from the tunnel, or failing that the first X-Forwarded-For hop the tunnel
// set), never the tunnel agent's loopback address.
func remoteAddr(r *http.Request) string {
	ci := connInfoFrom(r.Context())
	if !ci.viaTunnel {
		return r.RemoteAddr
	}
	if ci.clientIP != "" {
		return ci.clientIP
	}
	if xff := r.Header.Get("X-Forwarded-For"); xff != "" {
		first, _, _ := strings.Cut(xff, ",")
		return strings.TrimSpace(first)
	}
	return r.RemoteAddr
}

// baseURL is the absolute SCIM base URL as the client reached it, for meta.location.
// Forwarding headers are honoured only on tunnel connections: on a direct connection
// anyone could set them and make the server hand out URLs to another host.
func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	host := r.Host
	if connInfoFrom(r.Context()).viaTunnel {
		if p := firstHeaderValue(r.Header.Get("X-Forwarded-Proto")); p == "http" || p == "https" {
			scheme = p
		}
		if h := firstHeaderValue(r.Header.Get("X-Forwarded-Host")); h != "" {
			host = h
		}
	}
	if host == "" {
		host = "localhost"
	}
	return scheme + "://" + host + BasePath
}

func firstHeaderValue(v string) string {
	first, _, _ := strings.Cut(v, ",")
	return strings.ToLower(strings.TrimSpace(first))
}
