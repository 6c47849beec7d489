package scimserver

import (
	"net/http"
	"strings"

	"github.com/scimlab/scimlab/exchange"
)

// checkCredential judges the credential where the request's profile reads it: the
// Authorization header by default (checkAuth), or a header of the app's own, which
// carries the token alone, as an API key does ("X-Api-Key: <token>"; a "Bearer "
// before it is accepted too).
func (s *Server) checkCredential(r *http.Request) (exchange.Auth, string) {
	header := s.viewOf(r.Context()).p.TokenHeader()
	if header == "Authorization" {
		return s.checkAuth(r.Header.Values("Authorization"))
	}
	values := r.Header.Values(header)
	expect := "this app reads the token from the " + header + " header (profile " + s.viewOf(r.Context()).p.Name + "): send \"" + header + ": <token>\""
	switch {
	case len(values) == 0 || (len(values) == 1 && strings.TrimSpace(values[0]) == ""):
		if len(r.Header.Values("Authorization")) > 0 {
			return exchange.AuthMissing, "the token came in the Authorization header, but " + expect
		}
		return exchange.AuthMissing, "the request has no " + header + " header; " + expect
	case len(values) > 1:
		return exchange.AuthSeveral, "the request has more than one " + header + " header; send exactly one"
	}
	cred := strings.TrimSpace(values[0])
	if rest, ok := cutPrefixFold(cred, "Bearer "); ok {
		cred = strings.TrimSpace(rest)
	}
	switch {
	case s.tokenMatches(cred):
		return exchange.AuthOK, ""
	case s.wasPreviousToken(cred):
		return exchange.AuthPrevious, "this is scimlab's previous token, which was replaced; paste the token scimlab shows into the IdP"
	}
	return exchange.AuthWrongToken, "the token in the " + header + " header does not match the one scimlab shows; paste the token scimlab shows into the IdP"
}

// tokenDescription tells a client reading /ServiceProviderConfig where the token goes.
func (s *Server) tokenDescription(r *http.Request) string {
	header := s.viewOf(r.Context()).p.TokenHeader()
	if header == "Authorization" {
		return "Authorization: Bearer <token>, with the token scimlab shows"
	}
	return header + ": <token>, with the token scimlab shows"
}
