package exchange

import "strings"

// IdP names an identity provider.
type IdP string

// The identity providers scimlab recognises. The values are stable: they are stored.
const (
	Unknown IdP = ""
	Okta    IdP = "okta"
	Entra   IdP = "entra"
)

// ParseIdP reads an IdP name as a person types it ("Okta", "entra"); "unknown" and ""
// are Unknown. ok is false for anything else.
func ParseIdP(s string) (p IdP, ok bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "okta":
		return Okta, true
	case "entra":
		return Entra, true
	case "", "unknown":
		return Unknown, true
	}
	return Unknown, false
}

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

// Short is the name used at the start of sentences and in narrow columns.
func (p IdP) Short() string {
	switch p {
	case Okta:
		return "Okta"
	case Entra:
		return "Entra"
	}
	return "Client"
}

// Flavour is the kind of Okta app, which decides how Okta sends deactivations and group
// memberships (idp-wire-format.md, "Two Okta app flavours").
type Flavour string

// Okta app flavours.
const (
	// FlavourAIW is a custom app made with Okta's App Integration Wizard: deactivations
	// and group memberships go as read-modify-write PUTs of the whole resource.
	FlavourAIW Flavour = "aiw"
	// FlavourOIN is a catalog (OIN) app or one of Okta's "SCIM 2.0 Test App" templates:
	// activation and every group change go as PATCH.
	FlavourOIN Flavour = "oin"
)

// Step is the provisioning step a request belongs to.
type Step string

// The provisioning steps. The values are stable: they are stored in the request log.
const (
	StepTestConnection Step = "test-connection"
	StepImportUsers    Step = "import-users"
	StepImportGroups   Step = "import-groups"
	StepUserLookup     Step = "user-lookup"
	StepCreateUser     Step = "create-user"
	StepUpdateUser     Step = "update-user"
	StepDeactivateUser Step = "deactivate-user"
	StepReactivateUser Step = "reactivate-user"
	StepDeleteUser     Step = "delete-user"
	StepGroupLookup    Step = "group-lookup"
	StepCreateGroup    Step = "create-group"
	StepRenameGroup    Step = "rename-group"
	StepAddMembers     Step = "add-members"
	StepRemoveMembers  Step = "remove-members"
	StepReplaceMembers Step = "replace-members"
	StepDeleteGroup    Step = "delete-group"
	StepDiscovery      Step = "discovery"
	StepAuthFailure    Step = "auth-failure"
	StepWrongPath      Step = "wrong-path"
	StepOther          Step = "other"
)

// Words returns the step as words, e.g. "create user".
func (s Step) Words() string { return strings.ReplaceAll(string(s), "-", " ") }

// Provisions tells that the step is part of provisioning proper, as opposed to
// connecting, discovering or failing to reach the server.
func (s Step) Provisions() bool {
	switch s {
	case StepUserLookup, StepCreateUser, StepUpdateUser, StepDeactivateUser, StepReactivateUser,
		StepDeleteUser, StepGroupLookup, StepCreateGroup, StepRenameGroup, StepAddMembers,
		StepRemoveMembers, StepReplaceMembers, StepDeleteGroup:
		return true
	}
	return false
}
