package exchange

import (
	"bytes"
	"encoding/json"
	"sort"
	"strings"
)

// redactedJSON is Redacted as a JSON string.
const redactedJSON = `"` + Redacted + `"`

// RedactPasswords replaces password values in a request body: a "password"
// member anywhere (Okta sends a random one with every POST /Users), and the value of a
// PATCH operation whose path is "password". It edits the bytes in place of re-encoding
// so the log keeps the key order and spacing the IdP sent. Bodies that are not JSON, or
// are cut off by the log's size cap, are redacted as far as they parse.
func RedactPasswords(body []byte) []byte {
	if !bytes.Contains(bytes.ToLower(body), []byte("password")) {
		return body
	}
	type frame struct {
		object       bool
		wantKey      bool
		key          string
		pathPassword bool
		valueSpans   [][2]int
	}
	var (
		stack []*frame
		spans [][2]int
	)
	dec := json.NewDecoder(bytes.NewReader(body))
	for {
		before := int(dec.InputOffset())
		tok, err := dec.Token()
		if err != nil {
			break
		}
		var top *frame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{', '[':
				stack = append(stack, &frame{object: t == '{', wantKey: t == '{'})
			case '}', ']':
				if top.pathPassword {
					spans = append(spans, top.valueSpans...)
				}
				stack = stack[:len(stack)-1]
				if len(stack) > 0 && stack[len(stack)-1].object {
					stack[len(stack)-1].wantKey = true
				}
			}
		case string:
			if top != nil && top.object && top.wantKey {
				top.key = t
				top.wantKey = false
				continue
			}
			if top != nil && top.object {
				end := int(dec.InputOffset())
				start := before + bytes.IndexByte(body[before:end], '"')
				switch {
				case strings.EqualFold(top.key, "password"):
					spans = append(spans, [2]int{start, end})
				case strings.EqualFold(top.key, "path") && strings.EqualFold(strings.TrimSpace(t), "password"):
					top.pathPassword = true
				case strings.EqualFold(top.key, "value"):
					top.valueSpans = append(top.valueSpans, [2]int{start, end})
				}
				top.wantKey = true
			}
		default:
			if top != nil && top.object {
				top.wantKey = true
			}
		}
	}
	// Operations whose closing brace was cut off still count.
	for _, f := range stack {
		if f.pathPassword {
			spans = append(spans, f.valueSpans...)
		}
	}
	if len(spans) == 0 {
		return body
	}
	sort.Slice(spans, func(i, j int) bool { return spans[i][0] < spans[j][0] })
	var out bytes.Buffer
	prev := 0
	for _, sp := range spans {
		if sp[0] < prev {
			continue
		}
		out.Write(body[prev:sp[0]])
		out.WriteString(redactedJSON)
		prev = sp[1]
	}
	out.Write(body[prev:])
	return out.Bytes()
}
