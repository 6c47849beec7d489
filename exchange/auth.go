package exchange

// Auth is the server's verdict on a request's credential. It is read from the shape of
// the Authorization header before the credential is redacted, so a diagnosis can tell
// the usual configuration mistakes apart without ever keeping the secret. The values
// are stable: they are stored in the request log.
type Auth string

// Authentication verdicts.
const (
	// AuthOK: the token matched.
	AuthOK Auth = "ok"
	// AuthPublic: no credential, on an endpoint readable without one.
	AuthPublic Auth = "public"
	// AuthMissing: no Authorization header.
	AuthMissing Auth = "missing"
	// AuthSeveral: more than one Authorization header.
	AuthSeveral Auth = "several"
	// AuthBasic: the Basic scheme, as Okta's Basic Auth mode sends.
	AuthBasic Auth = "basic"
	// AuthScheme: another scheme than Bearer or Basic.
	AuthScheme Auth = "scheme"
	// AuthBare: the right token without a scheme, as Okta's "SCIM 2.0 Test App (Header
	// Auth)" template sends the API Token field verbatim. Tolerant mode accepts it (the
	// verdict is then AuthOK and the request carries quirk.BareToken); strict mode refuses
	// it with this verdict.
	AuthBare Auth = "bare"
	// AuthWrongBare: a single word without a scheme that is not the token, such as the
	// "non-token" Okta's SCIM spec test sends on purpose.
	AuthWrongBare Auth = "bad-bare-token"
	// AuthEmpty: "Bearer" with no token after it: the IdP's token field is empty.
	AuthEmpty Auth = "empty"
	// AuthDoubleBearer: "Bearer Bearer …": the word Bearer was pasted with the token.
	AuthDoubleBearer Auth = "double-bearer"
	// AuthQuoted: the right token inside quotation marks.
	AuthQuoted Auth = "quoted"
	// AuthJWT: a JSON Web Token instead of scimlab's token, as Entra sends when its
	// Secret Token field is left blank.
	AuthJWT Auth = "jwt"
	// AuthPrevious: the token that the last rotation replaced.
	AuthPrevious Auth = "previous-token"
	// AuthWrongToken: a bearer token that matches nothing scimlab issued.
	AuthWrongToken Auth = "bad-token"
)

// Refused tells that the verdict refused the request.
func (a Auth) Refused() bool {
	switch a {
	case AuthOK, AuthPublic, "":
		return false
	}
	return true
}

// Short says in a few words why the credential was refused, for list rows; "" when it
// was not.
func (a Auth) Short() string {
	switch a {
	case AuthMissing:
		return "unauthenticated: no token sent"
	case AuthSeveral:
		return "unauthenticated: several Authorization headers"
	case AuthBasic:
		return "unauthenticated: Basic auth, not a Bearer token"
	case AuthScheme:
		return "unauthenticated: not a Bearer token"
	case AuthBare:
		return "unauthenticated: token sent without \"Bearer\""
	case AuthEmpty:
		return "unauthenticated: empty token"
	case AuthDoubleBearer:
		return "unauthenticated: \"Bearer\" pasted with the token"
	case AuthQuoted:
		return "unauthenticated: token in quotes"
	case AuthJWT:
		return "unauthenticated: a JWT, not scimlab's token"
	case AuthPrevious:
		return "unauthenticated: the previous token"
	case AuthWrongToken, AuthWrongBare:
		return "unauthenticated: wrong token"
	}
	return ""
}
