package scimserver

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"unicode/utf8"
)

// checkContentType accepts application/scim+json and application/json (RFC 7644 §3.8),
// any other JSON media type, and a missing Content-Type (curl users and some test tools
// omit it; the body is still parsed as JSON). Anything clearly not JSON gets 415 with the
// header to send instead.
func checkContentType(r *http.Request) error {
	ct := r.Header.Get("Content-Type")
	if strings.TrimSpace(ct) == "" {
		return nil
	}
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil {
		return &Error{Status: http.StatusUnsupportedMediaType,
			Detail: fmt.Sprintf("the Content-Type header %q cannot be parsed; send Content-Type: application/scim+json", ct)}
	}
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") && !strings.EqualFold(cs, "utf8") {
		return &Error{Status: http.StatusUnsupportedMediaType,
			Detail: fmt.Sprintf("the request body is declared as charset %s; SCIM bodies are JSON in UTF-8 (Content-Type: application/scim+json; charset=utf-8)", cs)}
	}
	if mt == "application/json" || mt == "application/scim+json" || strings.HasSuffix(mt, "+json") || mt == "text/json" {
		return nil
	}
	hint := ""
	if mt == "application/x-www-form-urlencoded" {
		hint = " (curl sends this with -d unless told otherwise: add -H 'Content-Type: application/scim+json')"
	}
	return &Error{Status: http.StatusUnsupportedMediaType,
		Detail: fmt.Sprintf("the request body is %s, which is not JSON%s; SCIM requests carry Content-Type: application/scim+json or application/json", mt, hint)}
}

// readObject reads a request body that must be one JSON object. Numbers stay json.Number
// so integers and decimals round-trip exactly.
func readObject(r *http.Request) (map[string]any, error) {
	if err := checkContentType(r); err != nil {
		return nil, err
	}
	if r.Body == nil {
		return nil, badRequest(ScimTypeInvalidSyntax, "the request has no body; %s %s needs a JSON object", r.Method, r.URL.Path)
	}
	data, err := io.ReadAll(r.Body)
	if err != nil {
		var maxe *http.MaxBytesError
		if errors.As(err, &maxe) {
			return nil, err
		}
		return nil, badRequest(ScimTypeInvalidSyntax, "the request body could not be read completely: %v", err)
	}
	return decodeObject(data)
}

func decodeObject(data []byte) (map[string]any, error) {
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 {
		return nil, badRequest(ScimTypeInvalidSyntax, "the request body is empty; send a JSON object")
	}
	if err := checkUTF8(trimmed); err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, badRequest(ScimTypeInvalidSyntax, "the request body is not valid JSON: %s", jsonErrorText(trimmed, err))
	}
	if dec.More() {
		return nil, badRequest(ScimTypeInvalidSyntax, "the request body has more than one JSON value; send exactly one JSON object")
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, badRequest(ScimTypeInvalidSyntax, "the request body is a JSON %s; SCIM expects a JSON object ({...})", jsonKind(v))
	}
	return obj, nil
}

// checkUTF8 refuses a body that is not UTF-8. encoding/json would quietly turn each
// invalid byte into U+FFFD, so a create would store a userName other than the one sent
// and the IdP's next lookup by its own value would miss it (RFC 8259 §8.1: JSON
// exchanged between systems is UTF-8).
func checkUTF8(data []byte) error {
	if utf8.Valid(data) {
		return nil
	}
	off := 0
	for off < len(data) {
		r, size := utf8.DecodeRune(data[off:])
		if r == utf8.RuneError && size <= 1 {
			break
		}
		off += size
	}
	line, col := lineColumn(data, off)
	return badRequest(ScimTypeInvalidSyntax, "the request body is not valid UTF-8: byte 0x%02x at line %d, column %d cannot start a character; SCIM bodies are JSON in UTF-8 (the client may have sent Latin-1 or Windows-1252 text)", data[off], line, col)
}

// lineColumn turns a byte offset into the line and column a person counts.
func lineColumn(data []byte, off int) (line, col int) {
	line, col = 1, 1
	for _, c := range data[:min(off, len(data))] {
		if c == '\n' {
			line++
			col = 1
		} else {
			col++
		}
	}
	return line, col
}

// jsonErrorText says where the JSON broke, as line and column, which is what an admin
// needs to fix a hand-written curl body.
func jsonErrorText(data []byte, err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	off := int64(-1)
	switch {
	case errors.As(err, &se):
		off = se.Offset
	case errors.As(err, &te):
		off = te.Offset
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		return "it ends before the JSON is complete (a missing } or ])"
	}
	if off < 0 {
		return err.Error()
	}
	line, col := lineColumn(data, int(off))
	return fmt.Sprintf("%v (line %d, column %d)", err, line, col)
}

func jsonKind(v any) string {
	switch v.(type) {
	case []any:
		return "array"
	case string:
		return "string"
	case json.Number, float64:
		return "number"
	case bool:
		return "boolean"
	case nil:
		return "null"
	}
	return "value"
}

// senderName names the client in PATCH error details ("Entra sent ...") so an admin
// reads which product sent the rejected value. The User-Agent is the only cheap cue
// here; Entra sometimes sends none, and then the message says "the client".
func senderName(r *http.Request) string {
	ua := strings.ToLower(r.UserAgent())
	switch {
	case strings.Contains(ua, "okta"):
		return "Okta"
	case strings.Contains(ua, "azure"), strings.Contains(ua, "microsoft"):
		return "Entra"
	}
	return ""
}
