package scimserver

import (
	"net/http"
	"net/url"
	"strings"
)

// redactedValue replaces a credential in the request log.
const redactedValue = "[redacted]"

// credentialHeaders are the request headers known to carry a credential: the standard
// ones, and the API-key and token headers that gateways, SDKs and misconfigured clients
// send. Their values never reach the request log, so no later export (scimlab log
// --bodies, the console's inspector, a support bundle) can leak them.
var credentialHeaders = []string{
	"Authorization", "Proxy-Authorization", "Cookie",
	"X-Api-Key", "Api-Key", "Apikey", "X-Auth-Token", "X-Access-Token", "X-Token",
	"X-Amz-Security-Token", "X-Csrf-Token", "X-Xsrf-Token", "Ocp-Apim-Subscription-Key",
}

// credentialWords mark a header or query parameter as a credential when its lower-case
// name contains one of them (X-Okta-Token, X-Client-Secret, my_api_key, sessionid).
// Over-redacting a harmless value costs an admin a little reading; under-redacting leaks
// a secret into every export.
var credentialWords = []string{
	"token", "secret", "passw", "apikey", "api-key", "api_key", "auth", "session",
	"cookie", "signature", "credential", "private",
}

// credentialParams are query parameter names that carry a credential without any of
// credentialWords in their name (Google-style ?key=, signed URLs' ?sig=).
var credentialParams = []string{"key", "sig", "code", "pwd", "pass", "jwt"}

// credentials decides which request headers and query parameters the recorder redacts:
// the lists above plus the header names the server was configured with
// (Config.CredentialHeaders), for a custom token header a profile names.
type credentials struct {
	extra map[string]bool // canonical header names
}

func newCredentials(extraHeaders []string) credentials {
	c := credentials{extra: map[string]bool{}}
	for _, h := range extraHeaders {
		if h = strings.TrimSpace(h); h != "" {
			c.extra[http.CanonicalHeaderKey(h)] = true
		}
	}
	return c
}

// with returns c that also redacts the header called name: the header the request's
// profile reads the token from.
func (c credentials) with(name string) credentials {
	name = http.CanonicalHeaderKey(strings.TrimSpace(name))
	if name == "" || c.extra[name] {
		return c
	}
	extra := make(map[string]bool, len(c.extra)+1)
	for k := range c.extra {
		extra[k] = true
	}
	extra[name] = true
	return credentials{extra: extra}
}

// header tells whether the header called name carries a credential.
func (c credentials) header(name string) bool {
	name = http.CanonicalHeaderKey(name)
	if c.extra[name] {
		return true
	}
	for _, h := range credentialHeaders {
		if name == h {
			return true
		}
	}
	return containsWord(strings.ToLower(name))
}

// param tells whether the query parameter called name carries a credential.
func (c credentials) param(name string) bool {
	lower := strings.ToLower(name)
	for _, p := range credentialParams {
		if lower == p {
			return true
		}
	}
	return containsWord(lower)
}

func containsWord(lower string) bool {
	for _, w := range credentialWords {
		if strings.Contains(lower, w) {
			return true
		}
	}
	return false
}

// redactHeaders replaces credential header values in h, which the recorder owns. The
// Authorization schemes stay ("Bearer [redacted]"): they tell an admin what the IdP sent.
func (c credentials) redactHeaders(h http.Header) {
	for name, vs := range h {
		if !c.header(name) {
			continue
		}
		red := make([]string, len(vs))
		for i, v := range vs {
			if name == "Authorization" || name == "Proxy-Authorization" {
				red[i] = redactAuthorization(v)
			} else if v != "" {
				red[i] = redactedValue
			}
		}
		h[name] = red
	}
}

// redactQuery replaces the values of credential parameters in a raw query string and
// leaves every other byte as sent, so the log still shows how the IdP encoded its filter.
func (c credentials) redactQuery(raw string) string {
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
		if !hasValue || value == "" || !c.param(name) {
			continue
		}
		parts[i] = rawName + "=" + redactedValue
		changed = true
	}
	if !changed {
		return raw
	}
	return strings.Join(parts, "&")
}
