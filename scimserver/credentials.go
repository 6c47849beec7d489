package scimserver

import (
	"net/http"

	"github.com/scimlab/scimlab/exchange"
)

// credentials decides which request headers and query parameters the recorder redacts:
// exchange's rules, which every export applies again, plus the header names the server
// was configured with (Config.CredentialHeaders), for a custom token header a profile
// names.
type credentials struct{ rules exchange.Credentials }

func newCredentials(extraHeaders []string) credentials {
	return credentials{rules: exchange.NewCredentials(extraHeaders)}
}

// with returns c that also redacts the header called name: the header the request's
// profile reads the token from.
func (c credentials) with(name string) credentials { return credentials{rules: c.rules.With(name)} }

// header tells whether the header called name carries a credential.
func (c credentials) header(name string) bool { return c.rules.Header(name) }

// param tells whether the query parameter called name carries a credential.
func (c credentials) param(name string) bool { return c.rules.Param(name) }

// redactHeaders replaces credential header values in h, which the recorder owns.
func (c credentials) redactHeaders(h http.Header) { c.rules.RedactHeaders(h) }

// redactQuery replaces the values of credential parameters in a raw query string.
func (c credentials) redactQuery(raw string) string { return c.rules.RedactQuery(raw) }

// redactPasswords replaces password values in a recorded request body.
func redactPasswords(body []byte) []byte { return exchange.RedactPasswords(body) }
