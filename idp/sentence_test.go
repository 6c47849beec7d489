package idp

import (
	"strings"
	"testing"
)

// A server detail that ends in a full stop is quoted in a hint without a second one;
// one that does not gets its full stop.
func TestHintQuotesADetailAsOneSentence(t *testing.T) {
	tests := []struct {
		name, detail string
		status       int
		want         string
	}{
		{"500 whose detail ends in a full stop", "This is a bug in scimlab, not in the request.", 500,
			"scimlab failed with 500 This is a bug in scimlab, not in the request. Okta marks"},
		{"400 whose detail has no full stop", "userName is required", 400,
			"scimlab refused the request with 400 userName is required. Okta marks"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ex := req("PUT", "/scim/v2/Users/u1", oktaUA, `{"userName":"a"}`, tt.status, "")
			ex.ErrorDetail = tt.detail
			a := NewClassifier().Annotate(ex)
			var texts []string
			for _, h := range a.Hints {
				texts = append(texts, h.Text)
				if strings.Contains(h.Text, "..") {
					t.Errorf("hint with a doubled full stop: %q", h.Text)
				}
			}
			if joined := strings.Join(texts, "\n"); !strings.Contains(joined, tt.want) {
				t.Errorf("hints %q, want one containing %q", joined, tt.want)
			}
		})
	}
	if got := sentence("cut off…"); got != "cut off…" {
		t.Errorf("sentence(clipped) = %q", got)
	}
}
