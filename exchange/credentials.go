package exchange

import (
	"net/http"
	"net/url"
	"strings"
)

// Redacted replaces a credential wherever scimlab keeps or shows a request: the request
// log, the console, `scimlab log` and every export.
const Redacted = "[redacted]"

// credentialHeaders are the request headers known to carry a credential: the standard
// ones, and the API-key and token headers that gateways, SDKs and misconfigured clients
// send. Their values never reach the request log, so no later export (scimlab log
// --bodies, the console's inspector, a support bundle) can leak them.
var credentialHeaders = []string{
	"Authorization", "Proxy-Authorization", "Cookie",
	"X-Api-Key", "Api-Key", "Apikey", "X-Auth-Token", "X-Access-Token", "X-Token",
	"X-Amz-Security-Token", "X-Csrf-Token", "X-Xsrf-Token", "Ocp-Apim-Subscription-Key",
}

// credentialWords mark a header, query parameter or setting as a credential when its
// lower-case name contains one of them (X-Okta-Token, X-Client-Secret, my_api_key,
// sessionid). Over-redacting a harmless value costs an admin a little reading;
// under-redacting leaks a secret into every export.
var credentialWords = []string{
	"token", "secret", "passw", "apikey", "api-key", "api_key", "auth", "session",
	"cookie", "signature", "credential", "private",
}

// credentialParams are query parameter names that carry a credential without any of
// credentialWords in their name (Google-style ?key=, signed URLs' ?sig=).
var credentialParams = []string{"key", "sig", "code", "pwd", "pass", "jwt"}

// Credentials decides which request headers and query parameters carry a credential:
// the lists above plus header names a server was configured with, for a custom token
// header a profile names. The zero value knows the lists only.
type Credentials struct {
	extra map[string]bool // canonical header names
}

// NewCredentials returns the rules with extraHeaders counted as credential headers.
func NewCredentials(extraHeaders []string) Credentials {
	c := Credentials{extra: map[string]bool{}}
	for _, h := range extraHeaders {
		if h = strings.TrimSpace(h); h != "" {
			c.extra[http.CanonicalHeaderKey(h)] = true
		}
	}
	return c
}

// With returns c that also counts the header called name as a credential header.
func (c Credentials) With(name string) Credentials {
	name = http.CanonicalHeaderKey(strings.TrimSpace(name))
	if name == "" || c.extra[name] {
		return c
	}
	extra := make(map[string]bool, len(c.extra)+1)
	for k := range c.extra {
		extra[k] = true
	}
	extra[name] = true
	return Credentials{extra: extra}
}

// Header tells whether the header called name carries a credential.
func (c Credentials) Header(name string) bool {
	name = http.CanonicalHeaderKey(name)
	if c.extra[name] {
		return true
	}
	for _, h := range credentialHeaders {
		if name == h {
			return true
		}
	}
	return NamesCredential(name)
}

// Param tells whether the query parameter called name carries a credential.
func (c Credentials) Param(name string) bool {
	lower := strings.ToLower(name)
	for _, p := range credentialParams {
		if lower == p {
			return true
		}
	}
	return NamesCredential(name)
}

// NamesCredential tells whether a name (of a header, a parameter, a setting) contains
// one of the words that mark a credential.
func NamesCredential(name string) bool {
	lower := strings.ToLower(name)
	for _, w := range credentialWords {
		if strings.Contains(lower, w) {
			return true
		}
	}
	return false
}

// RedactHeaders replaces credential header values in h, which the caller owns. The
// Authorization schemes stay ("Bearer [redacted]"): they tell an admin what the IdP sent.
func (c Credentials) RedactHeaders(h http.Header) {
	for name, vs := range h {
		if !c.Header(name) {
			continue
		}
		red := make([]string, len(vs))
		for i, v := range vs {
			if http.CanonicalHeaderKey(name) == "Authorization" || http.CanonicalHeaderKey(name) == "Proxy-Authorization" {
				red[i] = RedactAuthorization(v)
			} else if v != "" {
				red[i] = Redacted
			}
		}
		h[name] = red
	}
}

// RedactQuery replaces the values of credential parameters in a raw query string and
// leaves every other byte as sent, so the log still shows how the IdP encoded its filter.
func (c Credentials) RedactQuery(raw string) string {
	if raw == "" {
		return raw
	}
	parts := strings.Split(raw, "&")
	changed := false
	for i, part := range parts {
		rawName, value, hasValue := strings.Cut(part, "=")
		name, err := url.QueryUnescape(rawName)
		if err != nil {
			name = rawName
		}
		if !hasValue || value == "" || value == Redacted || !c.Param(name) {
			continue
		}
		parts[i] = rawName + "=" + Redacted
		changed = true
	}
	if !changed {
		return raw
	}
	return strings.Join(parts, "&")
}

// RedactAuthorization keeps the scheme, which tells an admin what the IdP sent, and
// hides the credential. A value already redacted stays as it is.
func RedactAuthorization(v string) string {
	v = strings.TrimSpace(v)
	if v == "" {
		return ""
	}
	scheme, _, ok := strings.Cut(v, " ")
	if !ok {
		return Redacted
	}
	return scheme + " " + Redacted
}
