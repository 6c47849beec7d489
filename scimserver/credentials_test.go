package scimserver

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A credential sent anywhere but Authorization — the query string, an API-key header,
// a cookie, a header a profile names — is redacted when the request is recorded, so it
// reaches neither the store, nor the events, nor anything exported from them.
func TestCredentialsOutsideAuthorizationAreNotRecorded(t *testing.T) {
	e := newEnv(t, Config{CredentialHeaders: []string{"X-Tenant-Pass-Phrase", "x-lab-custom"}})
	events, cancel := e.srv.Subscribe(8)
	defer cancel()

	secret := func(where string) string { return "S3CRET-" + where + "-4f9a1c" }
	headers := hdr{
		"X-Api-Key":            secret("xapikey"),
		"Api-Key":              secret("apikey"),
		"X-Auth-Token":         secret("xauthtoken"),
		"Cookie":               "session=" + secret("cookie"),
		"Proxy-Authorization":  "Basic " + secret("proxy"),
		"X-Okta-Client-Secret": secret("pattern"),
		"X-Tenant-Pass-Phrase": secret("profile"),
		"X-Lab-Custom":         secret("custom"),
		"X-Request-Id":         "req-123",
	}
	query := "filter=userName%20eq%20%22alice%22&access_token=" + secret("query") + "&api_key=" + secret("queryapikey") +
		"&key=" + secret("querykey") + "&count=5"
	r := e.do("GET", "/Users?"+query, nil, headers)
	e.must(r, 200)
	ev := <-events

	stored, err := e.db.GetRequest(context.Background(), ev.Seq)
	if err != nil {
		t.Fatal(err)
	}
	recorded, _ := json.Marshal(stored.ReqHeaders)
	everything := ev.Query + " " + stored.Query + " " + string(recorded)
	for where := range map[string]bool{"xapikey": true, "apikey": true, "xauthtoken": true, "cookie": true, "proxy": true,
		"pattern": true, "profile": true, "custom": true, "query": true, "queryapikey": true, "querykey": true} {
		if strings.Contains(everything, secret(where)) {
			t.Errorf("the %s secret was recorded: %s", where, everything)
		}
	}
	if want := "filter=userName%20eq%20%22alice%22&access_token=[redacted]&api_key=[redacted]&key=[redacted]&count=5"; stored.Query != want || ev.Query != want {
		t.Errorf("recorded query %q (event %q), want %q: credentials redacted, the rest as sent", stored.Query, ev.Query, want)
	}
	for name, want := range map[string]string{
		"X-Api-Key": "[redacted]", "Cookie": "[redacted]", "Proxy-Authorization": "Basic [redacted]",
		"X-Lab-Custom": "[redacted]", "Authorization": "Bearer [redacted]", "X-Request-Id": "req-123", "User-Agent": "scimlab-test",
	} {
		if got := stored.ReqHeaders.Get(name); got != want {
			t.Errorf("recorded %s: %q, want %q", name, got, want)
		}
	}

	// Nowhere in the database file either, not even in its write-ahead log.
	e.srv.Close()
	files, _ := filepath.Glob(e.db.Path() + "*")
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(data, []byte("S3CRET-")) {
			t.Errorf("%s holds a secret", filepath.Base(f))
		}
	}
}

func TestCredentialNames(t *testing.T) {
	c := newCredentials([]string{"X-Custom"})
	for name, want := range map[string]bool{
		"Authorization": true, "x-api-key": true, "X-Custom": true, "X-Scim-Token": true, "Private-Token": true,
		"User-Agent": false, "Content-Type": false, "Accept": false, "X-Forwarded-For": false, "X-Ms-Client-Request-Id": false,
	} {
		if got := c.header(name); got != want {
			t.Errorf("header %s: credential %v, want %v", name, got, want)
		}
	}
	for name, want := range map[string]bool{
		"access_token": true, "Token": true, "client_secret": true, "key": true, "password": true, "sig": true,
		"filter": false, "startIndex": false, "count": false, "attributes": false, "excludedAttributes": false,
		"sortBy": false, "aadOptscim062020": false,
	} {
		if got := c.param(name); got != want {
			t.Errorf("param %s: credential %v, want %v", name, got, want)
		}
	}
	if got := c.redactQuery("token&filter=x&secret="); got != "token&filter=x&secret=" {
		t.Errorf("a name without a value changed: %q", got)
	}
	if got := c.redactQuery("access%5Ftoken=abc"); got != "access%5Ftoken=[redacted]" {
		t.Errorf("an escaped name: %q", got)
	}
}
