package scimserver

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"strings"
)

// Auth results recorded with each request (store.Request.Auth, Event.Auth).
const (
	AuthOK       = "ok"        // the bearer token matched
	AuthMissing  = "missing"   // no Authorization header
	AuthScheme   = "scheme"    // a scheme other than Bearer, e.g. Basic
	AuthBadToken = "bad-token" // Bearer, but not the current token
	AuthPublic   = "public"    // no credentials on an endpoint readable without them
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

// authenticate checks the bearer token and records the outcome. A wrong or malformed
// token is refused even on public endpoints: answering 200 there would hide from an
// admin that the token pasted into the IdP is wrong until the first real request.
func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ex := exchangeFrom(r.Context())
		result, detail := s.checkAuth(r.Header.Values("Authorization"))
		if result == AuthMissing && !isProtected(r.URL.Path) {
			result = AuthPublic
		}
		if ex != nil {
			ex.auth = result
		}
		if result != AuthOK && result != AuthPublic {
			s.writeError(w, r, &Error{Status: http.StatusUnauthorized, Detail: detail})
			return
		}
		next.ServeHTTP(w, r)
	})
}

const pasteHint = "paste the token scimlab shows into Okta's API Token field (Entra: Secret Token)"

// checkAuth classifies the Authorization header values and explains a refusal in terms
// of what the admin typed into the IdP.
func (s *Server) checkAuth(values []string) (result, detail string) {
	if len(values) == 0 || (len(values) == 1 && strings.TrimSpace(values[0]) == "") {
		return AuthMissing, "the request has no Authorization header; scimlab expects \"Authorization: Bearer <token>\". In Okta choose the HTTP Header authentication mode and " + pasteHint
	}
	if len(values) > 1 {
		return AuthScheme, "the request has more than one Authorization header; send exactly one: \"Authorization: Bearer <token>\""
	}
	v := strings.TrimSpace(values[0])
	scheme, cred, ok := strings.Cut(v, " ")
	if !ok && strings.EqualFold(v, "Bearer") {
		return AuthBadToken, "the Authorization header says Bearer but carries no token; " + pasteHint
	}
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		if !ok {
			return AuthScheme, "the Authorization header has no scheme; scimlab expects \"Authorization: Bearer <token>\" and the header held a single word. " + pasteHint
		}
		msg := "the Authorization header uses the " + scheme + " scheme; scimlab expects \"Authorization: Bearer <token>\""
		if strings.EqualFold(scheme, "Basic") {
			msg += ". In Okta choose the HTTP Header authentication mode, not Basic Auth, and " + pasteHint
		}
		return AuthScheme, msg
	}
	cred = strings.TrimSpace(cred)
	if rest, twice := cutPrefixFold(cred, "Bearer "); twice {
		if s.tokenMatches(strings.TrimSpace(rest)) {
			return AuthBadToken, "the Authorization header says \"Bearer\" twice: the word Bearer was pasted into the token field together with the token. Paste only the token itself; the IdP adds \"Bearer\""
		}
		return AuthBadToken, "the Authorization header says \"Bearer\" twice (\"Bearer Bearer …\"): paste only the token into the IdP's token field; it adds \"Bearer\" itself"
	}
	if cred == "" {
		return AuthBadToken, "the Authorization header says Bearer but carries no token; " + pasteHint
	}
	if s.tokenMatches(cred) {
		return AuthOK, ""
	}
	if unquoted := strings.Trim(cred, `"'`); unquoted != cred && s.tokenMatches(unquoted) {
		return AuthBadToken, "the token was sent inside quotes; paste it into the IdP without quotation marks"
	}
	if s.wasPreviousToken(cred) {
		return AuthBadToken, "this is scimlab's previous token, which was replaced; " + pasteHint
	}
	return AuthBadToken, "the token in the Authorization header does not match the one scimlab shows; " + pasteHint
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

// redactAuthorization keeps the scheme, which tells an admin what the IdP sent, and hides
// the credential.
func redactAuthorization(v string) string {
	v = strings.TrimSpace(v)
	if v == "" {
		return ""
	}
	scheme, _, ok := strings.Cut(v, " ")
	if !ok {
		return "[redacted]"
	}
	return scheme + " [redacted]"
}
