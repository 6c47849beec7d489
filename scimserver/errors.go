package scimserver

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/scimlab/scimlab/scim/filter"
	"github.com/scimlab/scimlab/scim/patch"
	"github.com/scimlab/scimlab/scim/quirk"
	"github.com/scimlab/scimlab/scim/schema"
	"github.com/scimlab/scimlab/store"
)

// SCIM error types (RFC 7644 §3.12, table 9) that scimlab answers with.
const (
	ScimTypeInvalidFilter = "invalidFilter"
	ScimTypeTooMany       = "tooMany"
	ScimTypeUniqueness    = "uniqueness"
	ScimTypeMutability    = "mutability"
	ScimTypeInvalidSyntax = "invalidSyntax"
	ScimTypeInvalidPath   = "invalidPath"
	ScimTypeNoTarget      = "noTarget"
	ScimTypeInvalidValue  = "invalidValue"
	ScimTypeInvalidVers   = "invalidVers"
)

// Error is a failure with the HTTP status, SCIM error type and detail a client is told.
// Handlers return it for anything they diagnose themselves; writeError passes it through.
type Error struct {
	Status   int
	ScimType string // empty when RFC 7644 defines none for the status
	Detail   string
	// Allow lists the methods the path accepts; set on 405 answers.
	Allow string
}

// Error returns the detail with its status, for logs and tests.
func (e *Error) Error() string {
	if e.ScimType != "" {
		return fmt.Sprintf("%d %s: %s", e.Status, e.ScimType, e.Detail)
	}
	return fmt.Sprintf("%d: %s", e.Status, e.Detail)
}

func badRequest(scimType, format string, args ...any) *Error {
	return &Error{Status: http.StatusBadRequest, ScimType: scimType, Detail: fmt.Sprintf(format, args...)}
}

// errorBody is the RFC 7644 §3.12 error response. status is a string, as the RFC's
// schema defines it; Okta's spec test compares it as text ("401").
type errorBody struct {
	Schemas  []string `json:"schemas"`
	Status   string   `json:"status"`
	ScimType string   `json:"scimType,omitempty"`
	Detail   string   `json:"detail"`
}

// writeError turns any error into a SCIM error response. It is the only place that decides
// which status a failure gets, so handlers simply return what went wrong.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	e := s.classify(r, err)
	if in := inflightOf(r.Context()); in != nil {
		in.rec.ErrorDetail, in.rec.ScimType = e.Detail, e.ScimType
		if q, refused := quirk.RefusedBy(err); refused {
			in.rec.RefusedBy = q
		}
	}
	if e.Allow != "" {
		w.Header().Set("Allow", e.Allow)
	}
	if e.Status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="scimlab"`)
	}
	writeJSON(w, e.Status, errorBody{
		Schemas:  []string{schema.ErrorURN},
		Status:   strconv.Itoa(e.Status),
		ScimType: e.ScimType,
		Detail:   e.Detail,
	})
}

func (s *Server) classify(r *http.Request, err error) *Error {
	var (
		se    *Error
		fe    *filter.SyntaxError
		pe    *patch.Error
		maxe  *http.MaxBytesError
		inval *store.MemberError
		dmg   *store.DamagedError
	)
	var resourceType, resourceID string
	if in := inflightOf(r.Context()); in != nil {
		resourceType, resourceID = in.rec.ResourceType, in.rec.ResourceID
	}
	switch {
	case errors.As(err, &se):
		return se
	case errors.As(err, &fe):
		return &Error{Status: http.StatusBadRequest, ScimType: ScimTypeInvalidFilter, Detail: fe.Error()}
	case errors.As(err, &pe):
		return &Error{Status: http.StatusBadRequest, ScimType: pe.ScimType, Detail: pe.Detail}
	case errors.As(err, &maxe):
		return &Error{Status: http.StatusRequestEntityTooLarge, Detail: fmt.Sprintf(
			"the request body is larger than %s, the limit this server was started with (--max-body)", byteSize(maxe.Limit))}
	case errors.As(err, &inval):
		return &Error{Status: http.StatusBadRequest, ScimType: ScimTypeInvalidValue, Detail: fmt.Sprintf(
			"member %q is not a User on this server; members must be ids returned by POST /Users (nested groups are not supported)", inval.UserID)}
	case errors.Is(err, store.ErrInvalidMember):
		return &Error{Status: http.StatusBadRequest, ScimType: ScimTypeInvalidValue,
			Detail: "a member is not a User on this server; members must be ids returned by POST /Users"}
	case errors.Is(err, store.ErrInvalidFilter):
		return &Error{Status: http.StatusBadRequest, ScimType: ScimTypeInvalidFilter, Detail: "the filter cannot be evaluated: " + strings.TrimPrefix(err.Error(), "store: ")}
	case errors.Is(err, store.ErrInvalidDocument):
		return &Error{Status: http.StatusBadRequest, ScimType: ScimTypeInvalidValue, Detail: "the resource is not valid: " + strings.TrimPrefix(err.Error(), "store: ")}
	case errors.Is(err, store.ErrNotFound):
		what := "resource"
		if resourceType != "" {
			what = resourceType
		}
		if resourceID != "" {
			return &Error{Status: http.StatusNotFound, Detail: fmt.Sprintf("no %s with id %q exists (it was never created here or has been deleted)", what, resourceID)}
		}
		return &Error{Status: http.StatusNotFound, Detail: "no " + what + " with that id exists"}
	case errors.Is(err, store.ErrConflict):
		return &Error{Status: http.StatusConflict, ScimType: ScimTypeUniqueness,
			Detail: "the value conflicts with an existing resource: userName (Users) and displayName (Groups) must be unique, ignoring case"}
	case errors.Is(err, store.ErrPreconditionFailed):
		return &Error{Status: http.StatusPreconditionFailed, ScimType: ScimTypeInvalidVers,
			Detail: "the resource has changed since the version named in If-Match; GET it again and retry with the new ETag"}
	case errors.As(err, &dmg):
		// Not a bug, and not the request's fault: the file under the server broke.
		s.logger.Error("the database is damaged", "file", dmg.Path, "found", dmg.Found, "method", r.Method, "path", r.URL.Path)
		return &Error{Status: http.StatusServiceUnavailable, Detail: fmt.Sprintf(
			"scimlab's database is damaged (%s: %s), so this request could not be served. Whoever runs scimlab must move that file aside and start scimlab again; it then starts a fresh, empty lab",
			dmg.Path, dmg.Found)}
	case errors.Is(err, context.Canceled) && r.Context().Err() != nil:
		// The client hung up; nobody reads this answer, but the log should say why.
		return &Error{Status: statusClientClosed, Detail: "the client closed the connection before the answer was ready"}
	}
	attrs := []any{"err", err, "method", r.Method, "path", r.URL.Path}
	s.logger.Error("internal error serving a SCIM request", attrs...)
	return &Error{Status: http.StatusInternalServerError,
		Detail: "scimlab failed to handle this request; the cause is in scimlab's log. This is a bug in scimlab, not in the request."}
}

// statusClientClosed marks requests the client abandoned (nginx's convention); it is only
// ever recorded, never seen by a client.
const statusClientClosed = 499

func byteSize(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
