package sim

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/scimlab/scimlab/exchange"
)

// Exchange is one request the simulated IdP sent and the answer it got.
type Exchange struct {
	// Step is the 1-based index of the scenario step the request belongs to.
	Step int `json:"step"`
	// Target is the user's or group's ref the request is about, if any.
	Target string `json:"target,omitempty"`
	// What says what the IdP does with this request, in the IdP's terms.
	What string `json:"what"`
	// Kind groups requests for latency figures, e.g. "GET /Users?filter".
	Kind   string `json:"kind"`
	Method string `json:"method"`
	// URL is the path and query as sent.
	URL string `json:"url"`
	// Header is what was sent, with the credential masked. It is shared between
	// requests: read it, never change it.
	Header http.Header `json:"header"`
	Body   Body        `json:"body,omitempty"`
	// Attempt counts from 1; Okta sends the same request again after a 429.
	Attempt int `json:"attempt"`
	// Waited is how long the IdP waited before this attempt (Okta's Retry-After).
	Waited time.Duration `json:"waitedNs,omitempty"`
	Status int           `json:"status"`
	// ContentType and RetryAfter are the answer's headers the IdPs act on.
	ContentType string `json:"contentType,omitempty"`
	RetryAfter  string `json:"retryAfter,omitempty"`
	Response    Body   `json:"response,omitempty"`
	// Err says why no answer came (refused connection, timeout).
	Err      string        `json:"error,omitempty"`
	Duration time.Duration `json:"durationNs"`
}

// Failed reports whether the request got no answer or an error status.
func (e *Exchange) Failed() bool { return e.Err != "" || e.Status >= 400 }

// Body is a request or response body. It is written to JSON as the JSON document it
// holds, or as a string when it is not JSON.
type Body []byte

// MarshalJSON embeds a JSON body as itself and anything else as a string.
func (b Body) MarshalJSON() ([]byte, error) {
	if len(b) == 0 {
		return []byte(`""`), nil
	}
	if json.Valid(b) {
		var buf bytes.Buffer
		if err := json.Compact(&buf, b); err == nil {
			return buf.Bytes(), nil
		}
	}
	return json.Marshal(string(b))
}

// maxKeptBody bounds how much of an answer a report keeps; the whole body is read
// and parsed regardless.
const maxKeptBody = 64 << 10

// request is what an IdP player asks to send.
type request struct {
	what   string
	kind   string
	method string
	path   string // below the base URL, escaped, e.g. /Users/abc
	query  string // raw, as the IdP encodes it
	body   []byte
	// filter marks lookups, whose 404 the IdPs read differently from a 404 by id.
	filter bool
	quirks []quirkUse
}

// Request kinds, the rows of the latency table.
const (
	kindUsersList    = "GET /Users"
	kindUsersFilter  = "GET /Users?filter"
	kindUserGet      = "GET /Users/{id}"
	kindUsersCreate  = "POST /Users"
	kindUserPut      = "PUT /Users/{id}"
	kindUserPatch    = "PATCH /Users/{id}"
	kindUserDelete   = "DELETE /Users/{id}"
	kindGroupsList   = "GET /Groups"
	kindGroupsFilter = "GET /Groups?filter"
	kindGroupGet     = "GET /Groups/{id}"
	kindGroupsCreate = "POST /Groups"
	kindGroupPut     = "PUT /Groups/{id}"
	kindGroupPatch   = "PATCH /Groups/{id}"
	kindGroupDelete  = "DELETE /Groups/{id}"
	kindSchemas      = "GET /Schemas"
)

// headers holds the prebuilt headers an IdP sends: the same map serves every request,
// since net/http never changes a request's header.
type headers struct {
	wire, wireBody, shown, shownBody http.Header
}

func idpHeaders(idp exchange.IdP, token string) headers {
	mask := "Bearer " + maskToken(token)
	if idp == exchange.Okta {
		// Okta's 2018 captures: every request, DELETE included, carries Content-Type.
		h := http.Header{
			"Accept":          {"application/scim+json"},
			"Accept-Charset":  {"utf-8"},
			"Accept-Encoding": {"gzip,deflate"},
			"Authorization":   {"Bearer " + token},
			"Connection":      {"Keep-Alive"},
			"Content-Type":    {"application/scim+json; charset=utf-8"},
			"User-Agent":      {"Okta SCIM Client 1.0.0"},
		}
		s := h.Clone()
		s.Set("Authorization", mask)
		return headers{wire: h, wireBody: h, shown: s, shownBody: s}
	}
	// Entra sends no Accept and, in reports from 2026, no User-Agent; an empty value
	// stops Go from adding its own.
	h := http.Header{"Authorization": {"Bearer " + token}, "User-Agent": {""}}
	hb := h.Clone()
	hb.Set("Content-Type", "application/scim+json; charset=utf-8")
	s := http.Header{"Authorization": {mask}}
	sb := s.Clone()
	sb.Set("Content-Type", "application/scim+json; charset=utf-8")
	return headers{wire: h, wireBody: hb, shown: s, shownBody: sb}
}

// maskToken keeps enough of a token to tell two apart and not enough to use it.
func maskToken(token string) string {
	if len(token) <= 8 {
		return "****"
	}
	return token[:2] + "****" + token[len(token)-2:]
}

func newClient(concurrency int) *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	// One idle connection per worker and a few for retries, so a load run reuses
	// connections instead of paying a handshake per request.
	t.MaxIdleConns = concurrency + 16
	t.MaxIdleConnsPerHost = concurrency + 16
	// Okta asks for gzip itself; the transport must not add its own Accept-Encoding.
	t.DisableCompression = true
	return &http.Client{Transport: t}
}

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// do sends one request and reads the answer whole.
func (r *run) do(ctx context.Context, ex *Exchange, req request) []byte {
	ctx, cancel := context.WithTimeout(ctx, r.cfg.Timeout)
	defer cancel()
	var body io.Reader
	hdr := r.hdr.wire
	if req.body != nil {
		body = bytes.NewReader(req.body)
		hdr = r.hdr.wireBody
	}
	hr, err := http.NewRequestWithContext(ctx, req.method, r.origin+ex.URL, body)
	if err != nil {
		ex.Err = err.Error()
		return nil
	}
	hr.Header = hdr
	start := time.Now()
	resp, err := r.cfg.Client.Do(hr)
	if err != nil {
		ex.Duration = time.Since(start)
		ex.Err = transportError(err, r.cfg.Timeout)
		return nil
	}
	buf := bufPool.Get().(*bytes.Buffer)
	buf.Reset()
	defer bufPool.Put(buf)
	_, err = buf.ReadFrom(decoded(resp))
	resp.Body.Close()
	ex.Duration = time.Since(start)
	ex.Status = resp.StatusCode
	ex.ContentType = resp.Header.Get("Content-Type")
	ex.RetryAfter = resp.Header.Get("Retry-After")
	if err != nil {
		ex.Err = "the answer broke off: " + transportError(err, r.cfg.Timeout)
	}
	out := bytes.Clone(buf.Bytes())
	kept := out
	if len(kept) > maxKeptBody {
		kept = kept[:maxKeptBody]
	}
	ex.Response = Body(r.masked(kept))
	return out
}

// decoded undoes the Content-Encoding Okta's Accept-Encoding invited.
func decoded(resp *http.Response) io.Reader {
	switch strings.ToLower(resp.Header.Get("Content-Encoding")) {
	case "gzip":
		if zr, err := gzip.NewReader(resp.Body); err == nil {
			return zr
		}
	case "deflate":
		return flate.NewReader(resp.Body)
	}
	return resp.Body
}

func transportError(err error, timeout time.Duration) string {
	var ne net.Error
	if errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()) {
		return "no answer within " + timeout.String()
	}
	var oe *net.OpError
	if errors.As(err, &oe) && oe.Op == "dial" {
		return "cannot connect: " + oe.Err.Error()
	}
	return err.Error()
}

// masked hides the token should a server echo it back.
func (r *run) masked(b []byte) []byte {
	if r.cfg.Token == "" || !bytes.Contains(b, []byte(r.cfg.Token)) {
		return b
	}
	return bytes.ReplaceAll(b, []byte(r.cfg.Token), []byte(maskToken(r.cfg.Token)))
}
