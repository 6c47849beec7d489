package exchange

import (
	"net/http"
	"testing"
)

// Redacting twice changes nothing: exports apply the recorder's rules again to what the
// recorder already redacted.
func TestRedactionIsIdempotent(t *testing.T) {
	c := NewCredentials([]string{"X-Lab"})
	h := http.Header{"Authorization": {"Bearer abc"}, "X-Lab": {"v"}, "Accept": {"application/scim+json"}}
	c.RedactHeaders(h)
	once := h.Clone()
	c.RedactHeaders(h)
	for name, want := range map[string]string{"Authorization": "Bearer [redacted]", "X-Lab": Redacted, "Accept": "application/scim+json"} {
		if got := h.Get(name); got != want || once.Get(name) != want {
			t.Errorf("%s: %q then %q, want %q", name, once.Get(name), got, want)
		}
	}
	q := c.RedactQuery("access_token=abc&count=1")
	if q != "access_token=[redacted]&count=1" || c.RedactQuery(q) != q {
		t.Errorf("query %q, again %q", q, c.RedactQuery(q))
	}
	if got := RedactAuthorization(RedactAuthorization("Basic dXNlcjpwYXNz")); got != "Basic [redacted]" {
		t.Errorf("Authorization redacted twice: %q", got)
	}
}

func TestNamesCredential(t *testing.T) {
	for name, want := range map[string]bool{
		"scim.token": true, "ngrok.authtoken": true, "client_secret": true, "db.password": true,
		"walkthrough.okta": false, "profile": false, "fault.rules": false,
	} {
		if got := NamesCredential(name); got != want {
			t.Errorf("%s: %v, want %v", name, got, want)
		}
	}
}
