package bundle

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"time"
	"unicode/utf8"

	"github.com/scimlab/scimlab/exchange"
	"github.com/scimlab/scimlab/scim/quirk"
)

// A request travels as one JSON line holding every field of exchange.Record, so an
// imported lab shows each request exactly as it was. The fields the Record's JSON
// leaves out (its scripting form shows them differently) are carried beside it; bodies
// are text when they are UTF-8 and base64 otherwise, as the log keeps bytes.

// recordFields is exchange.Record without its MarshalJSON: its JSON-tagged fields
// encode as they are, and fields added to the Record later travel with them.
type recordFields exchange.Record

type recordLine struct {
	recordFields
	DurationNs int64         `json:"durationNs"`
	Quirks     []quirk.Quirk `json:"quirks"`
	Request    message       `json:"request"`
	Response   message       `json:"response"`
	// Effects are the profile's effects; Fault the injected failure with its delay in
	// nanoseconds (the Record's JSON rounds it to microseconds).
	Effects []exchange.Effect `json:"effects"`
	Fault   *faultLine        `json:"fault"`
}

type faultLine struct {
	Rule       string `json:"rule"`
	Status     int    `json:"status"`
	RetryAfter int    `json:"retryAfter"`
	DelayNs    int64  `json:"delayNs"`
	Drop       bool   `json:"drop"`
}

type message struct {
	Headers http.Header `json:"headers"`
	Body    *body       `json:"body"`
}

// body is a recorded body; absent (null) when the log holds none.
type body struct {
	Text   *string `json:"text,omitempty"`
	Base64 *string `json:"base64,omitempty"`
}

func encodeBody(b []byte) *body {
	if b == nil {
		return nil
	}
	if utf8.Valid(b) {
		s := string(b)
		return &body{Text: &s}
	}
	s := base64.StdEncoding.EncodeToString(b)
	return &body{Base64: &s}
}

func (b *body) decode() ([]byte, error) {
	switch {
	case b == nil:
		return nil, nil
	case b.Text != nil:
		return []byte(*b.Text), nil
	case b.Base64 != nil:
		return base64.StdEncoding.DecodeString(*b.Base64)
	}
	return []byte{}, nil
}

// MarshalRecord encodes r as one line of requests.jsonl (without the newline).
func MarshalRecord(r *exchange.Record) ([]byte, error) {
	line := recordLine{
		recordFields: recordFields(*r),
		DurationNs:   int64(r.Duration),
		Quirks:       r.Quirks,
		Request:      message{Headers: r.ReqHeaders, Body: encodeBody(r.ReqBody)},
		Response:     message{Headers: r.RespHeaders, Body: encodeBody(r.RespBody)},
		Effects:      r.Effects,
	}
	if f := r.Fault; f != nil {
		line.Fault = &faultLine{Rule: f.Rule, Status: f.Status, RetryAfter: f.RetryAfter, DelayNs: int64(f.Delay), Drop: f.Drop}
	}
	b, err := marshal(line)
	if err != nil {
		return nil, fmt.Errorf("bundle: encode request %d: %w", r.Seq, err)
	}
	return b, nil
}

// UnmarshalRecord decodes one line of requests.jsonl.
func UnmarshalRecord(data []byte) (*exchange.Record, error) {
	var line recordLine
	if err := json.Unmarshal(data, &line); err != nil {
		return nil, err
	}
	r := exchange.Record(line.recordFields)
	r.Duration = time.Duration(line.DurationNs)
	r.Quirks = line.Quirks
	r.ReqHeaders, r.RespHeaders = line.Request.Headers, line.Response.Headers
	r.Effects, r.Fault = line.Effects, nil
	if f := line.Fault; f != nil {
		r.Fault = &exchange.Injected{Rule: f.Rule, Status: f.Status, RetryAfter: f.RetryAfter, Delay: time.Duration(f.DelayNs), Drop: f.Drop}
	}
	var err error
	if r.ReqBody, err = line.Request.Body.decode(); err != nil {
		return nil, fmt.Errorf("request body: %w", err)
	}
	if r.RespBody, err = line.Response.Body.decode(); err != nil {
		return nil, fmt.Errorf("response body: %w", err)
	}
	if r.Seq <= 0 {
		return nil, fmt.Errorf("request number %d", r.Seq)
	}
	return &r, nil
}
