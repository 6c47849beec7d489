package logview

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/scimlab/scimlab/exchange"
)

// An injected answer is marked on its row and followed by what the rule did; the JSON
// line carries the same facts; a row the server answered itself carries neither.
func TestInjectedFaultsAreMarked(t *testing.T) {
	p := &printer{opts: Options{}, today: time.Now(), widths: widths{seq: 3, method: 6, path: minPathWidth}}
	tests := []struct {
		fault *exchange.Injected
		line  string
	}{
		{&exchange.Injected{Rule: "POST /Users 429 retry-after=30 times=2", Status: 429, RetryAfter: 30},
			`fault: the rule "POST /Users 429 retry-after=30 times=2" answered 429 with Retry-After: 30`},
		{&exchange.Injected{Rule: "POST /Users drop", Drop: true},
			`fault: the rule "POST /Users drop" closed the connection without an answer`},
		{&exchange.Injected{Rule: "GET /Users delay=70s", Delay: 70 * time.Second},
			`fault: the rule "GET /Users delay=70s" held the request back for 70s, then let the request through`},
	}
	for _, tt := range tests {
		r := &exchange.Record{Seq: 3, Time: time.Now(), Method: "POST", Path: "/scim/v2/Users", Status: 429, Fault: tt.fault}
		text := p.text(r)
		first, rest, _ := strings.Cut(text, "\n")
		if !strings.HasSuffix(first, faultBadge) {
			t.Errorf("row not marked: %q", first)
		}
		if !strings.Contains(rest, tt.line) {
			t.Errorf("text %q lacks %q", text, tt.line)
		}
		b, err := jsonLine(r, false)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		if f, _ := m["fault"].(map[string]any); f == nil || f["rule"] != tt.fault.Rule {
			t.Errorf("JSON lacks the fault: %s", b)
		}
	}
	plain := &exchange.Record{Seq: 4, Time: time.Now(), Method: "POST", Path: "/scim/v2/Users", Status: 429, ErrorDetail: "seat limit"}
	if text := p.text(plain); strings.Contains(text, "fault") {
		t.Errorf("a 429 the server answered is marked as injected: %q", text)
	}
	if b, _ := jsonLine(plain, false); !strings.Contains(string(b), `"fault":null`) {
		t.Errorf("JSON of a request without a fault: %s", b)
	}
}
