package scimserver

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/scimlab/scimlab/exchange"
	"github.com/scimlab/scimlab/fault"
)

// statusDropped is recorded for a request whose connection a fault rule closed without
// an answer (nginx's 444 "no response"); no client ever receives it.
const statusDropped = 444

// injectFaults is the fault-injection layer: it asks Config.Faults whether a rule fires
// for the request and, if one does, answers in the rule's place before any handler
// runs, so an injected failure never changes stored data. A delay holds the request
// back and then lets the rule's answer, or the handler, go ahead; a client that gives
// up during the delay (Okta does after 60 s) gets nothing done on its behalf. It runs
// after authentication: a request with a wrong token gets its 401, and traffic that is
// not the IdP's does not use up a rule's times=.
func (s *Server) injectFaults(next http.Handler) http.Handler {
	set := s.cfg.Faults
	if set == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		in := inflightOf(r.Context())
		ctx := r.Context()
		rule, fires := set.Decide(r.Method, cleanPath(r.URL.Path), func() exchange.IdP { return s.senderOf(ctx) })
		if !fires {
			next.ServeHTTP(w, r)
			return
		}
		if in != nil {
			in.rec.Fault = &exchange.Injected{Rule: rule.String(), Status: rule.Status,
				RetryAfter: rule.RetryAfter, Delay: rule.Delay, Drop: rule.Drop}
		}
		if rule.Delay > 0 {
			if stopped := s.hold(r.Context(), rule.Delay); stopped != nil {
				s.writeError(w, r, stopped)
				return
			}
		}
		switch {
		case rule.Drop:
			s.dropConnection(w, r, rule)
		case rule.Status != 0:
			if rule.RetryAfter > 0 {
				w.Header().Set("Retry-After", strconv.Itoa(rule.RetryAfter))
			}
			s.writeError(w, r, &Error{Status: rule.Status, ScimType: rule.ErrorType(),
				Detail: injectedDetail(rule, "answered this request with "+strconv.Itoa(rule.Status))})
		default:
			next.ServeHTTP(w, r)
		}
	})
}

// hold waits out an injected delay. It returns nil when the delay passed, or the error
// to answer when the client hung up meanwhile or the server is stopping.
func (s *Server) hold(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		// writeError records this as the client closing the connection (499).
		return context.Canceled
	case <-s.stopping:
		return &Error{Status: http.StatusServiceUnavailable,
			Detail: "scimlab stopped while a fault rule held this request back; the request was not applied"}
	}
}

// Stopping tells the server it is about to shut down: requests a fault rule is holding
// back are answered at once (503) instead of keeping the shutdown waiting for their
// delay. Close calls it too; calling it more than once is harmless.
func (s *Server) Stopping() {
	s.stopOnce.Do(func() { close(s.stopping) })
}

// dropConnection closes the connection without writing an answer, as a crashed or
// overloaded app behind a proxy does. The record keeps statusDropped.
func (s *Server) dropConnection(w http.ResponseWriter, r *http.Request, rule fault.Rule) {
	if in := inflightOf(r.Context()); in != nil {
		in.rec.ErrorDetail = injectedDetail(rule, "closed the connection without an answer")
	}
	markUnanswered(w, statusDropped)
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		// Only HTTP/2 cannot hand its connection over; aborting the handler resets the
		// stream, which is the nearest thing to no answer. record logs the exchange
		// before letting the abort through.
		panic(http.ErrAbortHandler)
	}
	conn.Close()
}

// markUnanswered finds the recording writer under w and records status for an exchange
// that gets no answer on the wire.
func markUnanswered(w http.ResponseWriter, status int) {
	for {
		if cw, ok := w.(*captureWriter); ok {
			cw.status, cw.wroteHeader = status, true
			return
		}
		u, ok := w.(interface{ Unwrap() http.ResponseWriter })
		if !ok {
			return
		}
		w = u.Unwrap()
	}
}

// injectedDetail is the SCIM error detail of an injected failure: the IdP shows it to
// the admin (Okta under Tasks, Entra in its provisioning logs), so it says plainly that
// the failure was made on purpose and that nothing was applied.
func injectedDetail(rule fault.Rule, what string) string {
	return "scimlab fault injection: the rule \"" + rule.String() + "\" " + what + "; the request was not applied"
}
