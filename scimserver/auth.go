package scimserver

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"strings"

	"github.com/scimlab/scimlab/exchange"
	"github.com/scimlab/scimlab/scim/quirk"
)

// tokenState holds hashes, not tokens: comparing SHA-256 digests of equal length with
// subtle.ConstantTimeCompare leaks neither the token nor its length through timing.
type tokenState struct {
	current  [sha256.Size]byte
	previous [sha256.Size]byte
	set      bool
	hasPrev  bool
}

// SetToken replaces the bearer token. Requests that start after SetToken returns must
// carry the new token; the old one stops working at once.
func (s *Server) SetToken(token string) {
	next := &tokenState{}
	if token != "" {
		next.current = sha256.Sum256([]byte(token))
		next.set = true
	}
	if old := s.tokens.Load(); old != nil && old.set && old.current != next.current {
		next.previous = old.current
		next.hasPrev = true
	}
	s.tokens.Store(next)
}

// isProtected tells whether path needs a token. Discovery endpoints, the base URL and
// unknown paths (which only ever get a 404 with a hint) can be read without one.
func isProtected(p string) bool {
	p = cleanPath(p)
	for _, prefix := range []string{BasePath + "/Users", BasePath + "/Groups", BasePath + "/.search"} {
		if p == prefix || strings.HasPrefix(p, prefix+"/") {
			return true
		}
	}
	return false
}

// authenticate checks the bearer token and records the verdict. A wrong or malformed
// token is refused even on public endpoints: answering 200 there would hide from an
// admin that the token pasted into the IdP is wrong until the first real request.
func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		verdict, detail := s.checkCredential(r)
		if verdict == exchange.AuthMissing && !isProtected(r.URL.Path) {
			verdict = exchange.AuthPublic
		}
		var err error = &Error{Status: http.StatusUnauthorized, Detail: detail}
		if verdict == exchange.AuthBare {
			// The right token without "Bearer": Okta's Header Auth template. A
			// production app accepts it; strict mode refuses it as RFC 6750 would.
			seenQuirks(r).Add(quirk.BareToken)
			if s.strictFor(r) {
				err = quirk.Refuse(quirk.BareToken, err)
			} else {
				verdict = exchange.AuthOK
			}
		}
		if in := inflightOf(r.Context()); in != nil {
			in.rec.Auth = verdict
		}
		if verdict.Refused() {
			s.writeError(w, r, err)
			return
		}
		next.ServeHTTP(w, r)
	})
}

const pasteHint = "paste the token scimlab shows into Okta's API Token field (Entra: Secret Token)"

// checkAuth reads the Authorization header values and explains a refusal in terms of
// what the admin typed into the IdP. The verdict describes the header's shape, never
// the secret, so it can be recorded after the header is redacted.
func (s *Server) checkAuth(values []string) (exchange.Auth, string) {
	if len(values) == 0 || (len(values) == 1 && strings.TrimSpace(values[0]) == "") {
		return exchange.AuthMissing, "the request has no Authorization header; scimlab expects \"Authorization: Bearer <token>\". In Okta choose the HTTP Header authentication mode and " + pasteHint
	}
	if len(values) > 1 {
		return exchange.AuthSeveral, "the request has more than one Authorization header; send exactly one: \"Authorization: Bearer <token>\""
	}
	v := strings.TrimSpace(values[0])
	scheme, cred, ok := strings.Cut(v, " ")
	if !ok && strings.EqualFold(v, "Bearer") {
		return exchange.AuthEmpty, "the Authorization header says Bearer but carries no token; " + pasteHint
	}
	if !ok {
		return s.checkBare(v)
	}
	if strings.EqualFold(scheme, "Basic") {
		return exchange.AuthBasic, "the Authorization header uses the Basic scheme; scimlab expects \"Authorization: Bearer <token>\". In Okta choose the HTTP Header authentication mode, not Basic Auth, and " + pasteHint
	}
	if !strings.EqualFold(scheme, "Bearer") {
		return exchange.AuthScheme, "the Authorization header uses the " + scheme + " scheme; scimlab expects \"Authorization: Bearer <token>\""
	}
	cred = strings.TrimSpace(cred)
	if rest, twice := cutPrefixFold(cred, "Bearer "); twice {
		if s.tokenMatches(strings.TrimSpace(rest)) {
			return exchange.AuthDoubleBearer, "the Authorization header says \"Bearer\" twice: the word Bearer was pasted into the token field together with the token. Paste only the token itself; the IdP adds \"Bearer\""
		}
		return exchange.AuthDoubleBearer, "the Authorization header says \"Bearer\" twice (\"Bearer Bearer …\"): paste only the token into the IdP's token field; it adds \"Bearer\" itself"
	}
	if cred == "" {
		return exchange.AuthEmpty, "the Authorization header says Bearer but carries no token; " + pasteHint
	}
	if s.tokenMatches(cred) {
		return exchange.AuthOK, ""
	}
	if unquoted := strings.Trim(cred, `"'`); unquoted != cred && s.tokenMatches(unquoted) {
		return exchange.AuthQuoted, "the token was sent inside quotes; paste it into the IdP without quotation marks"
	}
	if s.wasPreviousToken(cred) {
		return exchange.AuthPrevious, "this is scimlab's previous token, which was replaced; " + pasteHint
	}
	if looksLikeJWT(cred) {
		return exchange.AuthJWT, "the bearer token is a JSON Web Token, not the token scimlab shows; Entra sends its own token when Secret Token is left blank. " + pasteHint
	}
	return exchange.AuthWrongToken, "the token in the Authorization header does not match the one scimlab shows; " + pasteHint
}

// checkBare judges a credential sent without a scheme. Only the right token earns
// AuthBare, the verdict that names the missing scheme: a wrong one is refused for being
// wrong, since adding "Bearer" would not fix it.
func (s *Server) checkBare(cred string) (exchange.Auth, string) {
	const bare = " (it was sent without the \"Bearer\" scheme)"
	switch {
	case s.tokenMatches(cred):
		return exchange.AuthBare, "the Authorization header holds the token without the \"Bearer\" scheme, which strict RFC mode refuses; send \"Authorization: Bearer <token>\". Okta's \"SCIM 2.0 Test App (Header Auth)\" template sends its API Token field verbatim: type \"Bearer \" before the token there"
	case s.wasPreviousToken(cred):
		return exchange.AuthPrevious, "this is scimlab's previous token, which was replaced" + bare + "; " + pasteHint
	case looksLikeJWT(cred):
		return exchange.AuthJWT, "the token is a JSON Web Token, not the token scimlab shows" + bare + "; " + pasteHint
	}
	return exchange.AuthWrongBare, "the token in the Authorization header does not match the one scimlab shows" + bare + "; " + pasteHint
}

// looksLikeJWT recognises a compact JSON Web Token: three base64url segments whose first
// decodes to a JSON object, so it starts with "eyJ" ("{\"").
func looksLikeJWT(cred string) bool {
	parts := strings.Split(cred, ".")
	if len(parts) != 3 || !strings.HasPrefix(parts[0], "eyJ") {
		return false
	}
	for _, p := range parts[:2] {
		if p == "" || strings.TrimLeft(p, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") != "" {
			return false
		}
	}
	return true
}

func cutPrefixFold(s, prefix string) (string, bool) {
	if len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix) {
		return s[len(prefix):], true
	}
	return s, false
}

func (s *Server) tokenMatches(token string) bool {
	st := s.tokens.Load()
	if st == nil || !st.set {
		return false
	}
	sum := sha256.Sum256([]byte(token))
	return subtle.ConstantTimeCompare(sum[:], st.current[:]) == 1
}

func (s *Server) wasPreviousToken(token string) bool {
	st := s.tokens.Load()
	if st == nil || !st.hasPrev {
		return false
	}
	sum := sha256.Sum256([]byte(token))
	return subtle.ConstantTimeCompare(sum[:], st.previous[:]) == 1
}
