// Package exchange defines the one record scimlab keeps of a request and its response:
// what arrived on the socket, what the SCIM server decided about it, and what the IdP
// classifier understood. The server fills it, the store keeps it, and the console,
// `scimlab log` and every export read it; nobody re-derives a fact from another
// package's wording, because every fact has a typed field here.
//
// The package is pure vocabulary: no I/O, no store, no HTTP server.
package exchange

import (
	"bytes"
	"encoding/json"
	"math"
	"net/http"
	"time"

	"github.com/scimlab/scimlab/scim/quirk"
)

// Record is one request and its response. Credentials in headers and the query, and
// passwords in bodies, are redacted before a Record is built; bodies are capped.
//
// The JSON form is scimlab's interface for scripts (`scimlab log --json`): fields may be
// added, never renamed, and every field is always present so a missing value reads as
// empty rather than as an older version.
type Record struct {
	// Seq numbers the request in the request log: it increases by one per request,
	// is never reused, and is assigned before the request is annotated.
	Seq int64 `json:"seq"`
	// Time is when the request arrived; Duration is how long the answer took.
	Time     time.Time     `json:"time"`
	Duration time.Duration `json:"-"`

	Method string `json:"method"`
	Path   string `json:"path"`
	// Query is the raw query string without "?", credentials redacted.
	Query      string `json:"query"`
	RemoteAddr string `json:"remoteAddr"`
	// ViaTunnel tells that the request came through the public tunnel.
	ViaTunnel bool   `json:"viaTunnel"`
	UserAgent string `json:"userAgent"`

	ReqHeaders  http.Header `json:"-"`
	ReqBody     []byte      `json:"-"`
	Status      int         `json:"status"`
	RespHeaders http.Header `json:"-"`
	RespBody    []byte      `json:"-"`

	// Auth is the server's verdict on the credential, read from the header's shape
	// before it was redacted.
	Auth Auth `json:"auth"`
	// Strict tells that the server answered in strict RFC mode.
	Strict bool `json:"strict"`
	// Quirks are the IdP departures from the RFC the request relied on.
	Quirks []quirk.Quirk `json:"-"`
	// RefusedBy is the quirk strict mode refused, when that is why the request failed.
	RefusedBy quirk.Quirk `json:"refusedBy"`
	// ResourceType ("User", "Group") and ResourceID name the resource the request
	// touched, when it touched one.
	ResourceType string `json:"resourceType"`
	ResourceID   string `json:"resourceId"`
	// Related are the other resources the request was about: the users a group PATCH
	// added or removed, the groups a deleted user left, the existing user a duplicate
	// create collided with. Each resource's history lists the request.
	Related []ResourceRef `json:"related"`
	// ScimType and ErrorDetail are those of the SCIM error answered, if any.
	ScimType    string `json:"scimType"`
	ErrorDetail string `json:"error"`
	// Fault is the failure a fault rule injected, nil when the answer is the server's.
	Fault *Injected `json:"fault"`

	// Profile names the app profile the server played for this request (see package
	// profile), and Effects what the profile did to it beyond RFC 7644.
	Profile string   `json:"profile"`
	Effects []Effect `json:"-"`

	Annotation
}

// ResourceRef names a User or Group by its resource type and id.
type ResourceRef struct {
	Type string `json:"type"`
	ID   string `json:"id"`
}

// Annotation is what the IdP classifier understood of a Record.
type Annotation struct {
	IdP IdP `json:"idp"`
	// Flavour is the Okta app flavour once the traffic has shown it.
	Flavour Flavour `json:"flavour"`
	Step    Step    `json:"step"`
	// Subject is the userName or group displayName the step is about.
	Subject string `json:"subject"`
	// Summary is one line of plain English, e.g. "Okta created user alice@example.com".
	Summary string `json:"summary"`
	// Failed tells that the IdP treats the exchange as a failure. A lookup that finds
	// nothing is not one; Entra's 404 on a filter query is.
	Failed bool   `json:"failed"`
	Hints  []Hint `json:"hints"`
}

// Source names the sender for a heading, including the Okta flavour when known, e.g.
// "Okta (App Integration Wizard app)".
func (a Annotation) Source() string {
	if a.IdP == Okta {
		switch a.Flavour {
		case FlavourAIW:
			return "Okta (App Integration Wizard app)"
		case FlavourOIN:
			return "Okta (catalog or SCIM 2.0 Test App template)"
		}
	}
	return a.IdP.Title()
}

// Hint is one diagnosis: what scimlab noticed and what to do about it, in the words of
// the IdP's admin console.
type Hint struct {
	Severity Severity `json:"severity"`
	Text     string   `json:"text"`
	// Cause identifies the diagnosis; it is stable and never shown as text.
	Cause Cause `json:"cause"`
}

// Severity ranks a hint.
type Severity string

// Hint severities, in increasing order of urgency.
const (
	SeverityInfo  Severity = "info"
	SeverityWarn  Severity = "warn"
	SeverityError Severity = "error"
)

// Cause identifies a diagnosis. The values are stable: they are stored and exported.
// The idp package defines them.
type Cause string

// Stripped returns r without headers and bodies: what a list row or an event carries.
func (r Record) Stripped() Record {
	r.ReqHeaders, r.ReqBody, r.RespHeaders, r.RespBody = nil, nil, nil, nil
	return r
}

// HTTPFailed tells that the request was answered with an error status.
func (r *Record) HTTPFailed() bool { return r.Status >= 400 }

// Event announces a recorded request to a live subscriber. Its Record carries no
// headers or bodies: subscribers read those from the log by Seq when they need them.
type Event struct {
	Record
	// Dropped counts the events this subscriber missed just before this one because
	// it fell behind; Seq tells it which to re-read.
	Dropped int
}

// quirkJSON is a quirk as scripts read it: the stable id with its explanation.
type quirkJSON struct {
	ID    quirk.Quirk `json:"id"`
	Badge string      `json:"badge"`
	What  string      `json:"what"`
}

// effectJSON is an effect as scripts read it: the stable kind and detail, with the
// badge and sentence the console shows.
type effectJSON struct {
	Kind     EffectKind `json:"kind"`
	Detail   string     `json:"detail"`
	Badge    string     `json:"badge"`
	Sentence string     `json:"sentence"`
}

// messageJSON is one side of the exchange. Bodies are text as recorded, not parsed
// JSON: the log caps their size, so a long one may be cut off mid-document.
type messageJSON struct {
	Headers http.Header `json:"headers"`
	Body    string      `json:"body"`
}

// MarshalJSON writes the scripting form: durations in milliseconds, quirks explained,
// and headers and bodies under "request" and "response" when the record carries them.
func (r Record) MarshalJSON() ([]byte, error) {
	type plain Record
	out := struct {
		plain
		DurationMs float64      `json:"durationMs"`
		Quirks     []quirkJSON  `json:"quirks"`
		Hints      []Hint       `json:"hints"`
		Effects    []effectJSON `json:"effects"`
		Request    *messageJSON `json:"request,omitempty"`
		Response   *messageJSON `json:"response,omitempty"`
	}{
		plain:      plain(r),
		DurationMs: math.Round(float64(r.Duration)/float64(time.Microsecond)) / 1000,
		Quirks:     make([]quirkJSON, 0, len(r.Quirks)),
		Hints:      r.Hints,
		Effects:    make([]effectJSON, 0, len(r.Effects)),
	}
	for _, e := range r.Effects {
		out.Effects = append(out.Effects, effectJSON{Kind: e.Kind, Detail: e.Detail, Badge: e.Badge(), Sentence: e.Sentence()})
	}
	if out.Hints == nil {
		out.Hints = []Hint{}
	}
	if out.Related == nil {
		out.Related = []ResourceRef{}
	}
	for _, q := range r.Quirks {
		info := quirk.Describe(q)
		out.Quirks = append(out.Quirks, quirkJSON{ID: q, Badge: info.Badge, What: info.What})
	}
	if r.ReqHeaders != nil || r.ReqBody != nil || r.RespHeaders != nil || r.RespBody != nil {
		out.Request = &messageJSON{Headers: r.ReqHeaders, Body: string(r.ReqBody)}
		out.Response = &messageJSON{Headers: r.RespHeaders, Body: string(r.RespBody)}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	// Bodies and filters are full of < > &; escaping them would make the output unreadable.
	enc.SetEscapeHTML(false)
	if err := enc.Encode(out); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}
