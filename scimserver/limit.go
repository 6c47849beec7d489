package scimserver

import (
	"io"
	"net/http"
	"strings"
	"time"
)

// Draining an over-limit body is bounded: past these the connection is simply closed,
// and a client still sending sees a reset, the price of not reading without end.
const (
	// drainMinBytes is the least the server reads and discards after refusing a body;
	// it covers the 10 MiB a misconfigured client typically sends.
	drainMinBytes = 64 << 20
	// drainLimits is how many times MaxBodyBytes the server reads and discards, when
	// that is more than drainMinBytes.
	drainLimits = 4
	// drainTimeout bounds the time spent reading a refused body.
	drainTimeout = 15 * time.Second
)

// limitBody enforces Config.MaxBodyBytes: a declared Content-Length over the limit is
// refused before the body is read, and a body that turns out longer (chunked, or a
// lying Content-Length) makes the handler's read fail with *http.MaxBytesError, which
// writeError answers with 413.
//
// A client that writes its whole body before reading the answer — Python's urllib,
// most scripts — would never see that 413 if the server closed the connection with
// the rest of the body unread: the kernel answers unread data with a reset, which
// destroys the answer in flight. net/http reads at most 256 KiB of an unread body
// before closing, so the layer reads and discards the rest itself (bounded by
// drainMinBytes, drainLimits and drainTimeout), after flushing the answer, and asks
// for the connection to be closed.
func (s *Server) limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body == nil || r.Body == http.NoBody {
			next.ServeHTTP(w, r)
			return
		}
		body := r.Body
		limit := s.cfg.MaxBodyBytes
		if r.ContentLength > limit {
			w.Header().Set("Connection", "close")
			s.writeError(w, r, &http.MaxBytesError{Limit: limit})
			s.drain(w, r, body)
			return
		}
		lr := &limitedBody{body: body, left: limit, limit: limit, header: w.Header()}
		r.Body = lr
		next.ServeHTTP(w, r)
		if lr.exceeded {
			s.drain(w, r, body)
		}
	})
}

// drain sends the answer written so far, then reads and discards what the client is
// still sending, so that closing the connection does not reset it.
func (s *Server) drain(w http.ResponseWriter, r *http.Request, body io.Reader) {
	// A client waiting for "100 Continue" has sent nothing yet and sends nothing now:
	// reading would invite the body that was just refused.
	if strings.EqualFold(r.Header.Get("Expect"), "100-continue") {
		return
	}
	bound := max(int64(drainMinBytes), drainLimits*s.cfg.MaxBodyBytes)
	if r.ContentLength > bound {
		return
	}
	rc := http.NewResponseController(w)
	_ = rc.Flush()
	_ = rc.SetReadDeadline(time.Now().Add(drainTimeout))
	_, _ = io.Copy(io.Discard, io.LimitReader(body, bound))
}

// limitedBody is http.MaxBytesReader without its side effect on the connection, which
// the layer handles itself: reading past limit fails with *http.MaxBytesError, and the
// answer is marked to close the connection.
type limitedBody struct {
	body     io.ReadCloser
	left     int64
	limit    int64
	header   http.Header
	exceeded bool
}

func (l *limitedBody) Read(p []byte) (int, error) {
	if l.exceeded {
		return 0, &http.MaxBytesError{Limit: l.limit}
	}
	if len(p) == 0 {
		return 0, nil
	}
	// Read one byte more than allowed, to tell a body of exactly limit bytes from a
	// longer one.
	if int64(len(p))-1 > l.left {
		p = p[:l.left+1]
	}
	n, err := l.body.Read(p)
	if int64(n) <= l.left {
		l.left -= int64(n)
		return n, err
	}
	n = int(l.left)
	l.left = 0
	l.exceeded = true
	l.header.Set("Connection", "close")
	return n, &http.MaxBytesError{Limit: l.limit}
}

func (l *limitedBody) Close() error { return l.body.Close() }
