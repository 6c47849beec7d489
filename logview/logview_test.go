package logview

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/scimlab/scimlab/exchange"
	"github.com/scimlab/scimlab/scim/quirk"
)

func TestParseSince(t *testing.T) {
	now := time.Date(2025, 3, 10, 12, 0, 0, 0, time.Local)
	tests := []struct {
		in   string
		want time.Time
	}{
		{"15m", now.Add(-15 * time.Minute)},
		{"2h30m", now.Add(-150 * time.Minute)},
		{"3d", now.AddDate(0, 0, -3)},
		{"2025-03-09T08:00:00Z", time.Date(2025, 3, 9, 8, 0, 0, 0, time.UTC)},
		{"2025-03-09T08:00:00.5+02:00", time.Date(2025, 3, 9, 6, 0, 0, 5e8, time.UTC)},
		{"2025-03-09", time.Date(2025, 3, 9, 0, 0, 0, 0, time.Local)},
		{"2025-03-09 14:05", time.Date(2025, 3, 9, 14, 5, 0, 0, time.Local)},
		{"2025-03-09T14:05:06", time.Date(2025, 3, 9, 14, 5, 6, 0, time.Local)},
	}
	for _, tc := range tests {
		got, err := ParseSince(tc.in, now)
		if err != nil || !got.Equal(tc.want) {
			t.Errorf("ParseSince(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{"", "soon", "-1h", "2025-13-01", "d"} {
		if _, err := ParseSince(bad, now); err == nil {
			t.Errorf("ParseSince(%q) accepted", bad)
		}
	}
}

func TestColor(t *testing.T) {
	r := &exchange.Record{
		Seq: 12, Time: time.Now(), Method: "PATCH", Path: "/scim/v2/Users/1", Status: 500, Duration: 3 * time.Millisecond,
		Quirks: []quirk.Quirk{quirk.StringBoolean}, ErrorDetail: "boom",
		Annotation: exchange.Annotation{IdP: exchange.Entra, Step: exchange.StepUpdateUser, Summary: "Entra updated user bob",
			Hints: []exchange.Hint{{Severity: exchange.SeverityError, Text: "the server failed"}}},
	}
	plain := &printer{opts: Options{}, today: time.Now(), widths: widths{seq: 3, method: 6, path: minPathWidth}}
	colored := *plain
	colored.color = true
	p, c := plain.text(r), colored.text(r)
	if strings.Contains(p, "\x1b[") {
		t.Errorf("plain output has escape sequences: %q", p)
	}
	if !strings.Contains(c, "\x1b[31m500\x1b[0m") {
		t.Errorf("a 500 is not red: %q", c)
	}
	if got := ansi.Strip(c); got != p {
		t.Errorf("colour changes the text:\n%q\n%q", got, p)
	}
}

func TestSafeHeaders(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Bearer [redacted]", "Bearer [redacted]"},
		{"[redacted]", "[redacted]"},
		{"Bearer abc.def.ghi", "Bearer [redacted]"},
		{"Bearer token-that-ends-in [redacted]", "Bearer [redacted]"},
		{"Basic dXNlcjpwYXNz", "Basic [redacted]"},
		{"rawtoken", "[redacted]"},
	}
	for _, tc := range tests {
		h := http.Header{"Authorization": {tc.in}, "Accept": {"*/*"}}
		got := safeHeaders(h)
		if got.Get("Authorization") != tc.want || got.Get("Accept") != "*/*" {
			t.Errorf("safeHeaders(%q) = %v, want Authorization %q", tc.in, got, tc.want)
		}
		if h.Get("Authorization") != tc.in {
			t.Errorf("safeHeaders changed its argument")
		}
	}
}
