package idp

import "github.com/scimlab/scimlab/exchange"

// The walkthroughs follow the vendor setup guides admins actually use (Okta: App
// Integration Wizard and "SCIM 2.0 Test App" catalog app; Entra: non-gallery enterprise
// app), in the order the guides give. docs/okta.md and docs/entra.md walk the same steps.
func walkthroughSteps(p exchange.IdP) []stepDef {
	switch p {
	case exchange.Okta:
		return oktaSteps
	case exchange.Entra:
		return entraSteps
	}
	return nil
}

var oktaSteps = []stepDef{
	{
		id:    "okta-app",
		title: "Create the SCIM app in Okta",
		instruction: "Okta Admin Console → Applications → Applications. Either Create App Integration (SAML 2.0 or OIDC), " +
			"then General → App Settings → Edit → tick Enable SCIM provisioning → Save; or Browse App Catalog → " +
			"\"SCIM 2.0 Test App (OAuth Bearer Token)\" → Add Integration, hide it from users, sign-on Secure Web Authentication → Done.",
	},
	{
		id:    "okta-connect",
		title: "Configure the API integration and test it",
		instruction: "Provisioning → Integration → Edit (catalog app: Configure API Integration → Enable API Integration). " +
			"SCIM connector base URL (SCIM 2.0 Base URL): <scimlab URL>/scim/v2. Unique identifier field for users: userName. " +
			"Supported provisioning actions: Push New Users, Push Profile Updates, Push Groups. Authentication Mode: HTTP Header; " +
			"paste the scimlab token into Authorization (catalog app: OAuth Bearer Token) — the token only, without \"Bearer\". " +
			"Click Test Connector Configuration (Test API Credentials), then Save.",
		ticks:      []exchange.Step{exchange.StepTestConnection},
		fails:      []exchange.Step{exchange.StepImportGroups, exchange.StepImportUsers},
		connection: true,
	},
	{
		id:    "okta-to-app",
		title: "Enable provisioning to the app",
		instruction: "Provisioning → To App → Edit: enable Create Users, Update User Attributes and Deactivate Users; " +
			"leave Sync Password off → Save. Keep the mappings userName, displayName, Given name and Family name.",
	},
	{
		id:    "okta-assign",
		title: "Assign a user",
		instruction: "Assignments → Assign → Assign to People → Assign next to a person → Save and Go Back → Done. " +
			"Assign the SCIM app itself, not only the SSO app. Okta looks the user up by userName, then creates it.",
		ticks: []exchange.Step{exchange.StepCreateUser},
		fails: []exchange.Step{exchange.StepUserLookup},
	},
	{
		id:    "okta-update",
		title: "Update the user's profile",
		instruction: "Directory → People → the assigned person → Profile → Edit: change e.g. Title or Last name → Save. " +
			"Okta reads the user, then sends the whole user back (GET, then PUT).",
		ticks: []exchange.Step{exchange.StepUpdateUser},
	},
	{
		id:    "okta-push",
		title: "Push a group",
		instruction: "Push Groups → Push Groups → Find groups by name → pick an Okta group whose members are assigned to the app → Save. " +
			"Push groups should be separate from the groups used for assignment.",
		ticks: []exchange.Step{exchange.StepCreateGroup},
	},
	{
		id:          "okta-add-member",
		title:       "Add a member to the pushed group",
		instruction: "Directory → Groups → the pushed group → Assign people → add another person who is assigned to the SCIM app → Done.",
		ticks:       []exchange.Step{exchange.StepAddMembers},
		fails:       []exchange.Step{exchange.StepGroupLookup, exchange.StepReplaceMembers, exchange.StepRenameGroup},
	},
	{
		id:          "okta-remove-member",
		title:       "Remove a member from the pushed group",
		instruction: "Directory → Groups → the pushed group → the X next to a member.",
		ticks:       []exchange.Step{exchange.StepRemoveMembers},
	},
	{
		id:    "okta-unassign",
		title: "Unassign the user (deactivate)",
		instruction: "Assignments → the X next to the person → OK. Okta deactivates the user in the app and never deletes it; " +
			"deactivating the person in Okta (Directory → People → More Actions → Deactivate) does the same. " +
			"Suspending the person sends nothing: Okta provisions only deactivation and unassignment.",
		ticks: []exchange.Step{exchange.StepDeactivateUser},
		fails: []exchange.Step{exchange.StepReactivateUser},
	},
	{
		id:    "okta-unlink",
		title: "Unlink the pushed group and delete it in the app",
		instruction: "Push Groups → the group's Active button → Unlink pushed group → choose \"Delete the group in the target app\" → Unlink. " +
			"Choosing to leave the group sends nothing.",
		ticks: []exchange.Step{exchange.StepDeleteGroup},
	},
}

var entraSteps = []stepDef{
	{
		id:    "entra-app",
		title: "Create the enterprise application",
		instruction: "Microsoft Entra admin center → Enterprise applications → New application → Create your own application → " +
			"name it, choose \"Integrate any other application you don't find in the gallery (Non-gallery)\" → Create.",
	},
	{
		id:    "entra-connect",
		title: "Connect provisioning and test it",
		instruction: "The app → Provisioning → Get started (or New configuration). Provisioning Mode: Automatic; " +
			"Authentication method: Bearer authentication. Tenant URL: <scimlab URL>/scim/v2. Secret Token: the scimlab token " +
			"(the token only). Click Test Connection; when it succeeds, Save (Create).",
		ticks:      []exchange.Step{exchange.StepTestConnection},
		fails:      []exchange.Step{exchange.StepDiscovery},
		connection: true,
	},
	{
		id:    "entra-mappings",
		title: "Review mappings and scope",
		instruction: "Provisioning → Mappings: Provision Microsoft Entra ID Groups enabled, default mapping. " +
			"Provision Microsoft Entra ID Users: keep userName, active, displayName, externalId; Target Object Actions Create, Update, Delete. " +
			"Settings → Scope: Sync only assigned users and groups → Save.",
	},
	{
		id:    "entra-provision-user",
		title: "Assign a user and provision it",
		instruction: "Users and groups → Add user/group → pick a user → Assign. Then Provisioning → Provision on demand → the user → Provision " +
			"(or Overview → Start provisioning and wait for the cycle). Entra looks the user up by userName, then creates it.",
		ticks: []exchange.Step{exchange.StepCreateUser},
		fails: []exchange.Step{exchange.StepUserLookup},
	},
	{
		id:    "entra-group",
		title: "Assign a group and provision it",
		instruction: "Users and groups → Add user/group → pick a group → Assign, then Provision on demand for the group and its members. " +
			"Entra looks the group up by displayName, creates it without members, then adds them.",
		ticks: []exchange.Step{exchange.StepCreateGroup},
		fails: []exchange.Step{exchange.StepGroupLookup},
	},
	{
		id:          "entra-add-member",
		title:       "Add a member to the group",
		instruction: "Groups → the assigned group → Members → Add members → pick a user, then Provision on demand for the group.",
		ticks:       []exchange.Step{exchange.StepAddMembers},
	},
	{
		id:    "entra-update",
		title: "Update the user's profile",
		instruction: "Users → the user → Edit properties: change e.g. Job title or Department → Save, then Provision on demand for the user. " +
			"Entra sends only the changed attributes (PATCH).",
		ticks: []exchange.Step{exchange.StepUpdateUser},
	},
	{
		id:          "entra-remove-member",
		title:       "Remove a member from the group",
		instruction: "Groups → the group → Members → select a member → Remove, then Provision on demand for the group.",
		ticks:       []exchange.Step{exchange.StepRemoveMembers},
	},
	{
		id:    "entra-unassign",
		title: "Unassign the user (deactivate)",
		instruction: "The app → Users and groups → select the user → Remove (or block the user's sign-in), then Provision on demand. " +
			"Entra sets active to false; it deletes the user only after a hard delete, 30 days later.",
		ticks: []exchange.Step{exchange.StepDeactivateUser},
		fails: []exchange.Step{exchange.StepReactivateUser},
	},
	{
		id:    "entra-unassign-group",
		title: "Unassign the group (delete it in the app)",
		instruction: "The app → Users and groups → select the group → Remove, then wait for the next cycle or choose Restart provisioning. " +
			"Entra deletes the group in the app.",
		ticks: []exchange.Step{exchange.StepDeleteGroup},
	},
}
