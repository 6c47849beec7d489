// Package har writes the request log as HTTP Archive 1.2 (HAR), the format browser
// developer tools and HTTP debuggers import: one entry per recorded request, with
// scimlab's reading of it (IdP, step, quirks, hints, auth verdict) in each entry's
// "_scimlab" custom field, which HAR viewers keep and ignore.
//
// The package only encodes: it writes what it is given and redacts nothing, so the
// caller passes records whose credentials are already gone.
package har

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/scimlab/scimlab/exchange"
)

// Version is the HAR version written.
const Version = "1.2"

// DefaultOrigin is the scheme and host of the URLs written when the caller names none:
// the request log keeps the path the IdP called, not the host name it used, and the
// reserved .invalid domain says so rather than inventing one.
const DefaultOrigin = "http://scimlab.invalid"

// Creator names the program that wrote the archive (HAR's log.creator).
type Creator struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// Options shape the archive.
type Options struct {
	Creator Creator
	// Origin is the scheme and host put before each recorded path; DefaultOrigin when
	// empty.
	Origin string
	// Comment is the log's comment: what was exported, from where.
	Comment string
}

// nameValue is a header or a query parameter.
type nameValue struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

type postData struct {
	MimeType string `json:"mimeType"`
	Text     string `json:"text"`
	Comment  string `json:"comment,omitempty"`
	// Encoding is "base64" when the body is not UTF-8 text; HAR 1.2 defines the field
	// for response content only, so it is a custom field here.
	Encoding string `json:"_encoding,omitempty"`
}

type request struct {
	Method      string      `json:"method"`
	URL         string      `json:"url"`
	HTTPVersion string      `json:"httpVersion"`
	Cookies     []struct{}  `json:"cookies"`
	Headers     []nameValue `json:"headers"`
	QueryString []nameValue `json:"queryString"`
	PostData    *postData   `json:"postData,omitempty"`
	HeadersSize int         `json:"headersSize"`
	BodySize    int64       `json:"bodySize"`
}

type content struct {
	Size     int64  `json:"size"`
	MimeType string `json:"mimeType"`
	Text     string `json:"text,omitempty"`
	Encoding string `json:"encoding,omitempty"`
	Comment  string `json:"comment,omitempty"`
}

type response struct {
	Status      int         `json:"status"`
	StatusText  string      `json:"statusText"`
	HTTPVersion string      `json:"httpVersion"`
	Cookies     []struct{}  `json:"cookies"`
	Headers     []nameValue `json:"headers"`
	Content     content     `json:"content"`
	RedirectURL string      `json:"redirectURL"`
	HeadersSize int         `json:"headersSize"`
	BodySize    int64       `json:"bodySize"`
}

// timings are in milliseconds; -1 marks a phase the server cannot know (it saw the
// request arrive, not the client's DNS lookup or connection).
type timings struct {
	Blocked float64 `json:"blocked"`
	DNS     float64 `json:"dns"`
	Connect float64 `json:"connect"`
	Send    float64 `json:"send"`
	Wait    float64 `json:"wait"`
	Receive float64 `json:"receive"`
	SSL     float64 `json:"ssl"`
}

type entry struct {
	StartedDateTime string          `json:"startedDateTime"`
	Time            float64         `json:"time"`
	Request         request         `json:"request"`
	Response        response        `json:"response"`
	Cache           struct{}        `json:"cache"`
	Timings         timings         `json:"timings"`
	Comment         string          `json:"comment,omitempty"`
	Scimlab         json.RawMessage `json:"_scimlab"`
}

// Writer streams an archive: the log's head when created, one entry per Add, and the
// closing brackets on Close. Nothing is buffered beyond one entry, so a log of any
// length is written in constant memory.
type Writer struct {
	w       io.Writer
	origin  string
	entries int
	err     error
}

// NewWriter writes the head of an archive to w and returns the Writer for its entries.
func NewWriter(w io.Writer, o Options) (*Writer, error) {
	origin := strings.TrimRight(o.Origin, "/")
	if origin == "" {
		origin = DefaultOrigin
	}
	head := struct {
		Version string  `json:"version"`
		Creator Creator `json:"creator"`
		Comment string  `json:"comment,omitempty"`
	}{Version, o.Creator, o.Comment}
	b, err := marshal(head)
	if err != nil {
		return nil, err
	}
	// The head's closing brace gives way to the entries array.
	hw := &Writer{w: w, origin: origin}
	hw.write([]byte(`{"log":`))
	hw.write(b[:len(b)-1])
	hw.write([]byte(`,"entries":[`))
	return hw, hw.err
}

func (hw *Writer) write(b []byte) {
	if hw.err == nil {
		_, hw.err = hw.w.Write(b)
	}
}

// Add writes one recorded exchange as an entry.
func (hw *Writer) Add(r *exchange.Record) error {
	b, err := Entry(r, hw.origin)
	if err != nil {
		return err
	}
	if hw.entries > 0 {
		hw.write([]byte(","))
	}
	hw.write([]byte("\n"))
	hw.write(b)
	hw.entries++
	return hw.err
}

// Close ends the archive. It does not close the underlying writer.
func (hw *Writer) Close() error {
	hw.write([]byte("\n]}}\n"))
	return hw.err
}

// Entries is how many entries were added.
func (hw *Writer) Entries() int { return hw.entries }

// Entry encodes one record as a HAR entry, its URL starting with origin.
func Entry(r *exchange.Record, origin string) ([]byte, error) {
	ms := float64(r.Duration.Microseconds()) / 1000
	note, err := annotation(r)
	if err != nil {
		return nil, err
	}
	e := entry{
		// Milliseconds, as browsers write it: every HAR reader parses that.
		StartedDateTime: r.Time.UTC().Format("2006-01-02T15:04:05.000Z07:00"),
		Time:            ms,
		Request:         harRequest(r, origin),
		Response:        harResponse(r),
		Timings:         timings{Blocked: -1, DNS: -1, Connect: -1, Send: 0, Wait: ms, Receive: 0, SSL: -1},
		Comment:         fmt.Sprintf("#%d %s", r.Seq, r.Summary),
		Scimlab:         note,
	}
	return marshal(e)
}

// annotation is the record's scripting form (what `scimlab log --json` prints) without
// headers and bodies, which the entry already holds.
func annotation(r *exchange.Record) (json.RawMessage, error) {
	b, err := r.Stripped().MarshalJSON()
	if err != nil {
		return nil, fmt.Errorf("har: encode the annotation of request %d: %w", r.Seq, err)
	}
	return b, nil
}

func harRequest(r *exchange.Record, origin string) request {
	u := origin + r.Path
	if r.Query != "" {
		u += "?" + r.Query
	}
	req := request{
		Method:      r.Method,
		URL:         u,
		HTTPVersion: "HTTP/1.1",
		Cookies:     []struct{}{},
		Headers:     headers(r.ReqHeaders),
		QueryString: query(r.Query),
		HeadersSize: -1,
		BodySize:    bodySize(r.ReqHeaders, r.ReqBody),
	}
	if len(r.ReqBody) > 0 {
		text, enc := bodyText(r.ReqBody)
		req.PostData = &postData{
			MimeType: mimeType(r.ReqHeaders, "application/octet-stream"),
			Text:     text,
			Encoding: enc,
			Comment:  cutNote(req.BodySize, r.ReqBody),
		}
	}
	return req
}

func harResponse(r *exchange.Record) response {
	text, enc := bodyText(r.RespBody)
	resp := response{
		Status:      r.Status,
		StatusText:  http.StatusText(r.Status),
		HTTPVersion: "HTTP/1.1",
		Cookies:     []struct{}{},
		Headers:     headers(r.RespHeaders),
		Content: content{
			Size:     bodySize(r.RespHeaders, r.RespBody),
			MimeType: mimeType(r.RespHeaders, "x-unknown"),
			Text:     text,
			Encoding: enc,
		},
		HeadersSize: -1,
		BodySize:    bodySize(r.RespHeaders, r.RespBody),
	}
	resp.Content.Comment = cutNote(resp.Content.Size, r.RespBody)
	if r.Status >= 300 && r.Status < 400 {
		resp.RedirectURL = r.RespHeaders.Get("Location")
	}
	return resp
}

// headers lists h sorted by name, one entry per value, as HAR wants them.
func headers(h http.Header) []nameValue {
	out := []nameValue{}
	for _, name := range slices.Sorted(func(yield func(string) bool) {
		for k := range h {
			if !yield(k) {
				return
			}
		}
	}) {
		for _, v := range h[name] {
			out = append(out, nameValue{Name: name, Value: v})
		}
	}
	return out
}

// query lists the parameters of a raw query in their order, decoded; a part that does
// not decode is listed as sent.
func query(raw string) []nameValue {
	out := []nameValue{}
	if raw == "" {
		return out
	}
	for part := range strings.SplitSeq(raw, "&") {
		if part == "" {
			continue
		}
		name, value, _ := strings.Cut(part, "=")
		if n, err := url.QueryUnescape(name); err == nil {
			name = n
		}
		if v, err := url.QueryUnescape(value); err == nil {
			value = v
		}
		out = append(out, nameValue{Name: name, Value: value})
	}
	return out
}

// bodySize is the body's length as the sender declared it, else as recorded.
func bodySize(h http.Header, body []byte) int64 {
	if n, err := strconv.ParseInt(h.Get("Content-Length"), 10, 64); err == nil && n >= 0 {
		return n
	}
	return int64(len(body))
}

// cutNote says when the request log kept only the start of a body.
func cutNote(size int64, body []byte) string {
	if size > int64(len(body)) {
		return fmt.Sprintf("the request log kept the first %d of %d bytes", len(body), size)
	}
	return ""
}

func mimeType(h http.Header, unknown string) string {
	if ct := h.Get("Content-Type"); ct != "" {
		return ct
	}
	return unknown
}

// bodyText is a body as HAR text: as is when it is UTF-8, else base64.
func bodyText(b []byte) (text, encoding string) {
	if utf8.Valid(b) {
		return string(b), ""
	}
	return base64.StdEncoding.EncodeToString(b), "base64"
}

// marshal encodes without HTML escaping: bodies and filters are full of < > &.
func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("har: %w", err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}
