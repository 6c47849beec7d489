package idp

import "github.com/scimlab/scimlab/exchange"

// Hint codes. Each names one diagnostic; docs/okta.md and docs/entra.md explain them.
const (
	// HintAuthMissing: a 401 because the request had no Authorization header.
	HintAuthMissing exchange.Cause = "auth-missing"
	// HintAuthScheme: a 401 because the header used another scheme, e.g. Basic.
	HintAuthScheme exchange.Cause = "auth-scheme"
	// HintAuthNoScheme: a 401 because the header held the token without "Bearer ".
	HintAuthNoScheme exchange.Cause = "auth-no-scheme"
	// HintAuthDoubleBearer: "Bearer Bearer …": the word Bearer was pasted with the token.
	HintAuthDoubleBearer exchange.Cause = "auth-double-bearer"
	// HintAuthEmptyToken: "Bearer" with nothing after it: the token field was empty.
	HintAuthEmptyToken exchange.Cause = "auth-empty-token"
	// HintAuthOldToken: the token from before the last rotation.
	HintAuthOldToken exchange.Cause = "auth-old-token"
	// HintAuthBadToken: a bearer token that matches no token scimlab issued.
	HintAuthBadToken exchange.Cause = "auth-bad-token"
	// HintAuthEntraJWT: Entra sent its own JWT because Secret Token was left blank.
	HintAuthEntraJWT exchange.Cause = "auth-entra-jwt"
	// HintSpecTest: Okta's SCIM spec test (Runscope) probing error handling on purpose.
	HintSpecTest exchange.Cause = "okta-spec-test"
	// HintPathMissingBase: the base URL lacks /scim/v2 (or ends at /scim).
	HintPathMissingBase exchange.Cause = "path-missing-base"
	// HintPathDoubledBase: the base URL holds /scim/v2 twice.
	HintPathDoubledBase exchange.Cause = "path-doubled-base"
	// HintPathExtraText: the base URL has text before or after /scim/v2, or a wrong case.
	HintPathExtraText exchange.Cause = "path-extra-text"
	// HintPathUnknown: a request to a path that is no SCIM endpoint.
	HintPathUnknown exchange.Cause = "path-unknown"
	// HintLookupMissedKnown: a lookup found nothing although scimlab has seen the identity.
	HintLookupMissedKnown exchange.Cause = "lookup-missed-known"
	// HintDuplicateRisk: a create for an identity scimlab already holds under another name.
	HintDuplicateRisk exchange.Cause = "duplicate-risk"
	// HintOktaUniqueID: Okta looks users up by an attribute other than userName.
	HintOktaUniqueID exchange.Cause = "okta-unique-identifier"
	// HintEntraFilter404: Entra got 404 for a filter query, which it treats as failure.
	HintEntraFilter404 exchange.Cause = "entra-filter-404"
	// HintOktaUserGone: Okta read a user that is gone; Okta stops and does not re-create.
	HintOktaUserGone exchange.Cause = "okta-user-gone"
	// HintEntraInvalidAnchor: Entra read or updated by id a resource scimlab no longer
	// has; Entra logs InvalidAnchor and does not re-create it.
	HintEntraInvalidAnchor exchange.Cause = "entra-invalid-anchor"
	// HintConflict: a create answered 409.
	HintConflict exchange.Cause = "conflict"
	// HintRateLimited: a 429 answer, which each IdP waits out in its own way.
	HintRateLimited exchange.Cause = "rate-limited"
	// HintServerError: a 5xx answer.
	HintServerError exchange.Cause = "server-error"
	// HintRejected: another 4xx answer.
	HintRejected exchange.Cause = "rejected"
	// HintStrictRejected: strict mode refused a quirk the IdP really sends.
	HintStrictRejected exchange.Cause = "strict-rejected"
	// HintEntraQuarantine: Entra's last several requests all failed; Entra will quarantine the job.
	HintEntraQuarantine exchange.Cause = "entra-quarantine"
	// HintOktaFlavour: the Okta app flavour was recognised (or changed).
	HintOktaFlavour exchange.Cause = "okta-flavour"
	// HintNoTraffic: no request has arrived yet (from Pending).
	HintNoTraffic exchange.Cause = "no-traffic"
	// HintEntraCycle: Entra is quiet between provisioning cycles (from Pending).
	HintEntraCycle exchange.Cause = "entra-cycle"
	// HintOktaAssignments: Okta tested fine but provisions nothing (from Pending).
	HintOktaAssignments exchange.Cause = "okta-assignments"
	// HintUserNotInGroup: a created user is in none of the pushed groups (from Pending).
	HintUserNotInGroup exchange.Cause = "user-not-in-group"
)

// Names resolves ids to names for ids the classifier has not seen in traffic, e.g. users
// created before scimlab was restarted. Methods return "" for an unknown id; the server's
// store satisfies it through a small adapter.
type Names interface {
	UserName(id string) string
	GroupName(id string) string
}
