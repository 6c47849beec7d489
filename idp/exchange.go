package idp

import (
	"net/http"
	"time"
)

// Exchange is one recorded request and its response, as the server records it.
type Exchange struct {
	// Seq is the request's sequence number in the request log.
	Seq int64
	// Time is when the request arrived. The classifier measures every interval (lookup →
	// create, silence since the last request) on these times, never on the wall clock.
	Time time.Time
	// Method, Path and Query are as received; Query is the raw query string without "?".
	Method, Path, Query string
	// Header holds the request headers. The credential in Authorization is expected to be
	// redacted; scheme words ("Bearer", "Basic") may stay and help the diagnosis.
	Header  http.Header
	ReqBody []byte
	// Status is the response status; 0 means the request never got one and counts as 500.
	Status   int
	RespBody []byte
	// Auth is the server's verdict on the credential: "ok", "missing", "scheme",
	// "bad-token" or "public".
	Auth string
	// PreviousTokenUsed tells that a "bad-token" request carried the token that was
	// replaced by the last rotation, so the fix is to paste the new one into the IdP.
	PreviousTokenUsed bool
	// Quirks are the quirk.Quirk values the server noticed in the request.
	Quirks []string
	// ErrorDetail is the detail of the SCIM error the server answered, if any.
	ErrorDetail string
}

// IdP names an identity provider.
type IdP string

// The identity providers scimlab recognises.
const (
	Unknown IdP = ""
	Okta    IdP = "okta"
	Entra   IdP = "entra"
)

// Title returns the provider's product name for headings.
func (p IdP) Title() string {
	switch p {
	case Okta:
		return "Okta"
	case Entra:
		return "Microsoft Entra ID"
	}
	return "Unknown SCIM client"
}

// short is the name used at the start of summaries.
func (p IdP) short() string {
	switch p {
	case Okta:
		return "Okta"
	case Entra:
		return "Entra"
	}
	return "Client"
}

// Okta app flavours, in Annotation.Flavour. They decide how Okta sends deactivations and
// group memberships (idp-wire-format.md, "Two Okta app flavours").
const (
	// FlavourAIW is a custom app made with Okta's App Integration Wizard: deactivations
	// and group memberships go as read-modify-write PUTs of the whole resource.
	FlavourAIW = "aiw"
	// FlavourOIN is a catalog (OIN) app or one of Okta's "SCIM 2.0 Test App" templates:
	// activation and every group change go as PATCH.
	FlavourOIN = "oin"
)

// StepKind is the provisioning step a request belongs to.
type StepKind string

// The provisioning steps. The values are stable: they are stored in the request log.
const (
	StepTestConnection StepKind = "test-connection"
	StepImportUsers    StepKind = "import-users"
	StepImportGroups   StepKind = "import-groups"
	StepUserLookup     StepKind = "user-lookup"
	StepCreateUser     StepKind = "create-user"
	StepUpdateUser     StepKind = "update-user"
	StepDeactivateUser StepKind = "deactivate-user"
	StepReactivateUser StepKind = "reactivate-user"
	StepDeleteUser     StepKind = "delete-user"
	StepGroupLookup    StepKind = "group-lookup"
	StepCreateGroup    StepKind = "create-group"
	StepRenameGroup    StepKind = "rename-group"
	StepAddMembers     StepKind = "add-members"
	StepRemoveMembers  StepKind = "remove-members"
	StepReplaceMembers StepKind = "replace-members"
	StepDeleteGroup    StepKind = "delete-group"
	StepDiscovery      StepKind = "discovery"
	StepAuthFailure    StepKind = "auth-failure"
	StepWrongPath      StepKind = "wrong-path"
	StepOther          StepKind = "other"
)

// Annotation is what the classifier understood of one exchange.
type Annotation struct {
	IdP IdP
	// Flavour is FlavourAIW or FlavourOIN for Okta once the traffic has shown which, else "".
	Flavour string
	Step    StepKind
	// Subject is the user's userName or the group's displayName the step is about, with
	// ids resolved to names where they are known.
	Subject string
	// Summary is one line of plain English, e.g. "Okta created user alice@example.com".
	Summary string
	// Failed tells that the IdP will treat this exchange as a failure. A lookup that
	// finds nothing is not a failure; Entra's 404 on a filter query is.
	Failed bool
	Hints  []Hint
}

// Source names the sender for a heading, including the Okta flavour when known, e.g.
// "Okta (App Integration Wizard app)".
func (a Annotation) Source() string {
	if a.IdP == Okta {
		switch a.Flavour {
		case FlavourAIW:
			return "Okta (App Integration Wizard app)"
		case FlavourOIN:
			return "Okta (catalog or SCIM 2.0 Test App template)"
		}
	}
	return a.IdP.Title()
}

// Hint is one diagnostic: what scimlab noticed and what to do about it, in the words of
// the IdP's admin console.
type Hint struct {
	// Code is stable and identifies the diagnostic (the Hint* constants).
	Code string
	// Severity is SeverityInfo, SeverityWarn or SeverityError.
	Severity string
	Text     string
}

// String renders the hint for a log line or the request log's Hints column.
func (h Hint) String() string { return h.Severity + ": " + h.Text }

// Hint severities.
const (
	SeverityInfo  = "info"
	SeverityWarn  = "warn"
	SeverityError = "error"
)

// Hint codes. Each names one diagnostic; docs/okta.md and docs/entra.md explain them.
const (
	// HintAuthMissing: a 401 because the request had no Authorization header.
	HintAuthMissing = "auth-missing"
	// HintAuthScheme: a 401 because the header used another scheme, e.g. Basic.
	HintAuthScheme = "auth-scheme"
	// HintAuthNoScheme: a 401 because the header held the token without "Bearer ".
	HintAuthNoScheme = "auth-no-scheme"
	// HintAuthDoubleBearer: "Bearer Bearer …": the word Bearer was pasted with the token.
	HintAuthDoubleBearer = "auth-double-bearer"
	// HintAuthEmptyToken: "Bearer" with nothing after it: the token field was empty.
	HintAuthEmptyToken = "auth-empty-token"
	// HintAuthOldToken: the token from before the last rotation.
	HintAuthOldToken = "auth-old-token"
	// HintAuthBadToken: a bearer token that matches no token scimlab issued.
	HintAuthBadToken = "auth-bad-token"
	// HintAuthEntraJWT: Entra sent its own JWT because Secret Token was left blank.
	HintAuthEntraJWT = "auth-entra-jwt"
	// HintSpecTest: Okta's SCIM spec test (Runscope) probing error handling on purpose.
	HintSpecTest = "okta-spec-test"
	// HintPathMissingBase: the base URL lacks /scim/v2 (or ends at /scim).
	HintPathMissingBase = "path-missing-base"
	// HintPathDoubledBase: the base URL holds /scim/v2 twice.
	HintPathDoubledBase = "path-doubled-base"
	// HintPathExtraText: the base URL has text before or after /scim/v2, or a wrong case.
	HintPathExtraText = "path-extra-text"
	// HintPathUnknown: a request to a path that is no SCIM endpoint.
	HintPathUnknown = "path-unknown"
	// HintLookupMissedKnown: a lookup found nothing although scimlab has seen the identity.
	HintLookupMissedKnown = "lookup-missed-known"
	// HintDuplicateRisk: a create for an identity scimlab already holds under another name.
	HintDuplicateRisk = "duplicate-risk"
	// HintOktaUniqueID: Okta looks users up by an attribute other than userName.
	HintOktaUniqueID = "okta-unique-identifier"
	// HintEntraFilter404: Entra got 404 for a filter query, which it treats as failure.
	HintEntraFilter404 = "entra-filter-404"
	// HintOktaUserGone: Okta read a user that is gone; Okta stops and does not re-create.
	HintOktaUserGone = "okta-user-gone"
	// HintConflict: a create answered 409.
	HintConflict = "conflict"
	// HintServerError: a 5xx answer.
	HintServerError = "server-error"
	// HintRejected: another 4xx answer.
	HintRejected = "rejected"
	// HintStrictRejected: strict mode refused a quirk the IdP really sends.
	HintStrictRejected = "strict-rejected"
	// HintEntraQuarantine: Entra's last several requests all failed; Entra will quarantine the job.
	HintEntraQuarantine = "entra-quarantine"
	// HintOktaFlavour: the Okta app flavour was recognised (or changed).
	HintOktaFlavour = "okta-flavour"
	// HintNoTraffic: no request has arrived yet (from Pending).
	HintNoTraffic = "no-traffic"
	// HintEntraCycle: Entra is quiet between provisioning cycles (from Pending).
	HintEntraCycle = "entra-cycle"
	// HintOktaAssignments: Okta tested fine but provisions nothing (from Pending).
	HintOktaAssignments = "okta-assignments"
	// HintUserNotInGroup: a created user is in none of the pushed groups (from Pending).
	HintUserNotInGroup = "user-not-in-group"
)

// Names resolves ids to names for ids the classifier has not seen in traffic, e.g. users
// created before scimlab was restarted. Methods return "" for an unknown id; the server's
// store satisfies it through a small adapter.
type Names interface {
	UserName(id string) string
	GroupName(id string) string
}
