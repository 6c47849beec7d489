package tunnel

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
)

// ngrok echoes a rejected auth token in its error text ("Your authtoken:
// …"), and the library logs those errors, so every string that leaves this
// package through an error or a log line goes through a redactor.
type redactor struct{ secret string }

const redacted = "[REDACTED]"

func (r redactor) str(s string) string {
	if len(r.secret) < 4 { // too short to be a token; replacing would mangle text
		return s
	}
	return strings.ReplaceAll(s, r.secret, redacted)
}

// err returns an error whose text has the secret removed. It does not wrap
// the original, so nothing can unwrap its way back to the token.
func (r redactor) err(err error) error {
	if err == nil {
		return nil
	}
	return errors.New(r.str(err.Error()))
}

// redactHandler is a slog.Handler that removes the secret from messages
// and attribute values before they reach the wrapped handler.
type redactHandler struct {
	r    redactor
	next slog.Handler
}

func newRedactLogger(l *slog.Logger, secret string) *slog.Logger {
	if l == nil {
		l = discardLogger()
	}
	return slog.New(&redactHandler{r: redactor{secret}, next: l.Handler()})
}

func (h *redactHandler) Enabled(ctx context.Context, level slog.Level) bool {
	return h.next.Enabled(ctx, level)
}

func (h *redactHandler) Handle(ctx context.Context, rec slog.Record) error {
	out := slog.NewRecord(rec.Time, rec.Level, h.r.str(rec.Message), rec.PC)
	rec.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(h.attr(a))
		return true
	})
	return h.next.Handle(ctx, out)
}

func (h *redactHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	clean := make([]slog.Attr, len(attrs))
	for i, a := range attrs {
		clean[i] = h.attr(a)
	}
	return &redactHandler{r: h.r, next: h.next.WithAttrs(clean)}
}

func (h *redactHandler) WithGroup(name string) slog.Handler {
	return &redactHandler{r: h.r, next: h.next.WithGroup(name)}
}

func (h *redactHandler) attr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		return slog.String(a.Key, h.r.str(v.String()))
	case slog.KindGroup:
		group := v.Group()
		clean := make([]any, len(group))
		for i, g := range group {
			clean[i] = h.attr(g)
		}
		return slog.Group(a.Key, clean...)
	case slog.KindAny:
		x := v.Any()
		if err, ok := x.(error); ok {
			return slog.String(a.Key, h.r.str(err.Error()))
		}
		// Structs and pointers may hold the token (the library logs its
		// auth messages); their printed form is what the handler would
		// write, so clean that.
		return slog.String(a.Key, h.r.str(fmt.Sprintf("%+v", x)))
	default:
		return slog.Attr{Key: a.Key, Value: v}
	}
}
