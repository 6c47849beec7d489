// Package replay sends a lab's recorded requests again, to another scimlab or to any
// SCIM server, and reports for each whether the answer is the same as the one
// recorded. This is how a fix is proven against a customer's capture.
//
// The target assigns its own ids, so the mapping from recorded ids to the target's is
// learnt from each pair of answers (the resource answered, a list's resources, the
// Location header) and applied to every later path, query and body. Answers compare
// on status, then on the JSON body with ids, meta ($ref, timestamps, versions) and the
// order of unordered lists ignored.
//
// Requests that were refused for authentication when recorded are not sent: the
// recording keeps no credential (it was redacted), and sending them with a valid token
// would change the target in ways the recorded server never was (a create refused
// then would succeed now), making every later answer differ. They are reported apart.
// Nor are requests a fault rule answered when recorded: the server never handled them.
// Every other request is sent as the IdP sent it, with the target's token.
package replay

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/scimlab/scimlab/exchange"
)

// recordedBase is the path under which scimlab serves SCIM (scimserver.BasePath), so
// the prefix of every recorded SCIM request's path.
const recordedBase = "/scim/v2"

// Target is the server a replay sends to.
type Target struct {
	// BaseURL is the target's SCIM base URL, e.g. http://127.0.0.1:8080/scim/v2.
	BaseURL string
	// Token is the bearer token the target accepts; TokenHeader the header it reads
	// it from: "" or "Authorization" sends "Authorization: Bearer <token>", any other
	// header carries the token alone (a scimlab profile's token header).
	Token       string
	TokenHeader string
	// Client sends the requests; a client with a 30-second timeout when nil.
	Client *http.Client
}

func (t Target) client() *http.Client {
	if t.Client != nil {
		return t.Client
	}
	return &http.Client{Timeout: 30 * time.Second}
}

// Outcome is what became of one recorded request.
type Outcome string

// Outcomes.
const (
	// Same: the target answered with the recorded status and body.
	Same Outcome = "same"
	// DifferentStatus: the target answered with another status.
	DifferentStatus Outcome = "different-status"
	// DifferentBody: the same status, another body.
	DifferentBody Outcome = "different-body"
	// NotSent: the request cannot be sent again as it was (Result.Note says why).
	NotSent Outcome = "not-sent"
	// Failed: the target gave no answer.
	Failed Outcome = "failed"
)

// Result is the replay of one recorded request.
type Result struct {
	Seq    int64  `json:"seq"`
	Method string `json:"method"`
	// Path is the recorded path and query; Sent the one sent, ids rewritten.
	Path           string        `json:"path"`
	Sent           string        `json:"sent"`
	IdP            exchange.IdP  `json:"idp"`
	Step           exchange.Step `json:"step"`
	RecordedStatus int           `json:"recordedStatus"`
	// Status is the target's answer; 0 when nothing was sent or answered.
	Status  int     `json:"status"`
	Outcome Outcome `json:"outcome"`
	// Differences describe how the answer differs, a line each.
	Differences []string `json:"differences"`
	// Note says why a request was not sent, or what was not compared.
	Note string `json:"note"`
	// AuthRefused tells that the request was refused for authentication when recorded;
	// FaultAnswered that a fault rule answered it then instead of the server.
	AuthRefused   bool `json:"authRefused"`
	FaultAnswered bool `json:"faultAnswered"`
}

// Summary counts the outcomes.
type Summary struct {
	Requests        int `json:"requests"`
	Same            int `json:"same"`
	DifferentStatus int `json:"differentStatus"`
	DifferentBody   int `json:"differentBody"`
	// NotSent counts the requests not sent; AuthRefused those among them refused for
	// authentication when recorded, FaultAnswered those a fault rule answered.
	NotSent       int `json:"notSent"`
	AuthRefused   int `json:"authRefused"`
	FaultAnswered int `json:"faultAnswered"`
	Failed        int `json:"failed"`
}

// Report is a whole replay.
type Report struct {
	Target  string   `json:"target"`
	Summary Summary  `json:"summary"`
	Results []Result `json:"results"`
}

// Differs tells whether any answer differed or failed.
func (r *Report) Differs() bool {
	s := r.Summary
	return s.DifferentStatus+s.DifferentBody+s.Failed > 0
}

func (r *Report) add(res Result) {
	r.Results = append(r.Results, res)
	s := &r.Summary
	s.Requests++
	switch res.Outcome {
	case Same:
		s.Same++
	case DifferentStatus:
		s.DifferentStatus++
	case DifferentBody:
		s.DifferentBody++
	case NotSent:
		s.NotSent++
		if res.AuthRefused {
			s.AuthRefused++
		}
		if res.FaultAnswered {
			s.FaultAnswered++
		}
	case Failed:
		s.Failed++
	}
}

// Source yields recorded requests in the order they were sent (oldest first).
type Source func(yield func(*exchange.Record) error) error

// ErrTokenRefused reports a target that refuses the token before any request succeeded:
// every later request would fail the same way.
var ErrTokenRefused = errors.New("the target refuses the token")

// Run replays every request of src against t, in order. total, when known, is the
// number of requests, for progress.
func Run(ctx context.Context, src Source, total int, t Target, progress func(done, total int)) (*Report, error) {
	rep := &Report{Target: t.BaseURL, Results: []Result{}}
	ids := newIDMap()
	answered := false
	err := src(func(rec *exchange.Record) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		res := replayOne(ctx, t, rec, ids)
		if res.Status == http.StatusUnauthorized && !answered {
			return fmt.Errorf("%w: %s answered 401 Unauthorized to request #%d (%s %s); check the token", ErrTokenRefused, t.BaseURL, rec.Seq, rec.Method, rec.Path)
		}
		if res.Status != 0 {
			answered = true
		}
		rep.add(res)
		if progress != nil {
			progress(rep.Summary.Requests, total)
		}
		return nil
	})
	return rep, err
}

// replayOne sends one recorded request and compares the answer.
func replayOne(ctx context.Context, t Target, rec *exchange.Record, ids *idMap) Result {
	res := Result{Seq: rec.Seq, Method: rec.Method, Path: pathQuery(rec.Path, rec.Query), IdP: rec.IdP, Step: rec.Step,
		RecordedStatus: rec.Status, Differences: []string{}}
	if why, reason := unsendable(rec); why != "" {
		res.Outcome, res.Note = NotSent, why
		res.AuthRefused, res.FaultAnswered = reason == notSentAuth, reason == notSentFault
		return res
	}
	sent := *rec
	sent.Path, sent.Query, sent.ReqBody = ids.rewrite(rec.Path), ids.rewrite(rec.Query), []byte(ids.rewrite(string(rec.ReqBody)))
	res.Sent = pathQuery(sent.Path, sent.Query)
	ans, err := Send(ctx, t, &sent)
	if err != nil {
		res.Outcome, res.Note = Failed, err.Error()
		return res
	}
	res.Status = ans.Status
	ids.learn(rec.RespBody, ans.Body, rec.RespHeaders, ans.Headers)
	recorded := []byte(ids.rewrite(string(rec.RespBody)))
	if ans.Status != rec.Status {
		res.Outcome = DifferentStatus
		res.Differences = append(res.Differences, fmt.Sprintf("status: recorded %d, now %d", rec.Status, ans.Status))
		if detail := scimDetail(ans.Body); detail != "" {
			res.Differences = append(res.Differences, "now: "+detail)
		}
		return res
	}
	if cut(rec.RespHeaders, rec.RespBody) {
		res.Outcome, res.Note = Same, "the recorded answer was cut off by the request log; only its status is compared"
		return res
	}
	if d := compareBodies(recorded, ans.Body); len(d) > 0 {
		res.Outcome, res.Differences = DifferentBody, d
		return res
	}
	res.Outcome = Same
	return res
}

// notSentReason is why a request was not sent, as far as the summary counts it.
type notSentReason int

const (
	notSentOther notSentReason = iota
	notSentAuth
	notSentFault
)

// unsendable says why a recorded request cannot be sent again as it was, and the
// reason; "" when it can be.
func unsendable(rec *exchange.Record) (why string, reason notSentReason) {
	switch rec.Auth {
	case exchange.AuthOK, exchange.AuthPublic, "":
	default:
		return fmt.Sprintf("refused for authentication when recorded (%s); the recording keeps no credential to send again", rec.Auth), notSentAuth
	}
	if f := rec.Fault; f != nil && (f.Status != 0 || f.Drop) {
		// The fault rule answered (or dropped the connection) instead of the server,
		// whose handler never ran: there is no server answer to compare, and the IdP's
		// retry, if any, is recorded after it.
		return fmt.Sprintf("answered by the fault rule %q when recorded, not by the server", f.Rule), notSentFault
	}
	if rec.Path != recordedBase && !strings.HasPrefix(rec.Path, recordedBase+"/") {
		return "not a SCIM request (its path is outside " + recordedBase + ")", notSentOther
	}
	if cut(rec.ReqHeaders, rec.ReqBody) {
		return fmt.Sprintf("the request log kept only the first %d bytes of its body", len(rec.ReqBody)), notSentOther
	}
	return "", notSentOther
}

// cut tells that a body was recorded shorter than its Content-Length.
func cut(h http.Header, body []byte) bool {
	n, err := strconv.ParseInt(h.Get("Content-Length"), 10, 64)
	return err == nil && n > int64(len(body))
}

func pathQuery(path, query string) string {
	if query == "" {
		return path
	}
	return path + "?" + query
}

// scimDetail is the detail of a SCIM error body, or "".
func scimDetail(body []byte) string {
	var e struct {
		ScimType string `json:"scimType"`
		Detail   string `json:"detail"`
	}
	if json.Unmarshal(body, &e) != nil || e.Detail == "" {
		return ""
	}
	if e.ScimType != "" {
		return e.ScimType + ": " + e.Detail
	}
	return e.Detail
}

// redacted tells header values the request log replaced: "[redacted]", or a scheme
// before it ("Bearer [redacted]").
func redacted(vs []string) bool {
	if len(vs) == 0 {
		return false
	}
	for _, v := range vs {
		if v != exchange.Redacted && !strings.HasSuffix(v, " "+exchange.Redacted) {
			return false
		}
	}
	return true
}

// Answer is a target's answer to one request.
type Answer struct {
	Status   int
	Headers  http.Header
	Body     []byte
	Duration time.Duration
}

// maxAnswerBytes bounds the answer read: far more than any SCIM answer.
const maxAnswerBytes = 16 << 20

// droppedHeaders are not sent again: the transport sets them for the new connection,
// and the credential is the target's.
var droppedHeaders = []string{"Authorization", "Proxy-Authorization", "Content-Length", "Host", "Connection",
	"Accept-Encoding", "Transfer-Encoding", "Te", "Trailer", "Upgrade", "Keep-Alive", "Proxy-Connection"}

// Send sends one recorded request to the target as the IdP sent it, with the target's
// token, and returns the answer. Credential headers the log redacted are not sent; the
// User-Agent is the recorded one, and none when none was recorded.
func Send(ctx context.Context, t Target, rec *exchange.Record) (*Answer, error) {
	u := strings.TrimRight(t.BaseURL, "/") + strings.TrimPrefix(rec.Path, recordedBase)
	if rec.Query != "" {
		u += "?" + rec.Query
	}
	var body io.Reader
	if len(rec.ReqBody) > 0 {
		body = bytes.NewReader(rec.ReqBody)
	}
	req, err := http.NewRequestWithContext(ctx, rec.Method, u, body)
	if err != nil {
		return nil, err
	}
	creds := exchange.Credentials{}
	for name, vs := range rec.ReqHeaders {
		// Credentials, by name or because the log redacted them, are the target's to
		// give, not the recording's.
		if creds.Header(name) || redacted(vs) {
			continue
		}
		req.Header[http.CanonicalHeaderKey(name)] = append([]string(nil), vs...)
	}
	for _, h := range droppedHeaders {
		req.Header.Del(h)
	}
	if req.Header.Get("User-Agent") == "" {
		// An empty value stops Go from sending its own, which would hide the IdP's
		// missing one (Entra sends none).
		req.Header["User-Agent"] = []string{""}
	}
	if h := http.CanonicalHeaderKey(strings.TrimSpace(t.TokenHeader)); h != "" && h != "Authorization" {
		req.Header.Set(h, t.Token)
	} else {
		req.Header.Set("Authorization", "Bearer "+t.Token)
	}
	start := time.Now()
	resp, err := t.client().Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswerBytes))
	if err != nil {
		return nil, fmt.Errorf("reading the answer: %w", err)
	}
	return &Answer{Status: resp.StatusCode, Headers: resp.Header, Body: data, Duration: time.Since(start)}, nil
}
