package idp

import (
	"net/http"

	"github.com/scimlab/scimlab/exchange"
)

// Hints for refusals an app profile caused (exchange.Effect), in the words of the IdP's
// admin console. docs/profiles.md lists them next to the knobs.
const (
	// HintSeatLimit: a create refused because every seat of the app's licence is taken.
	HintSeatLimit exchange.Cause = "seat-limit"
	// HintImportGroups: the app refuses the group listing Okta reads when Import Groups
	// is checked, so saving the provisioning settings fails.
	HintImportGroups exchange.Cause = "import-groups-refused"
	// HintNoGroups: the IdP sent a group request to an app without groups.
	HintNoGroups exchange.Cause = "groups-unsupported"
	// HintDeleteRefused: the app does not delete users through SCIM.
	HintDeleteRefused exchange.Cause = "delete-refused"
	// HintIdentifierNotEmail: the app identifies users by e-mail and the userName is none.
	HintIdentifierNotEmail exchange.Cause = "identifier-not-email"
	// HintIdentifierTaken: another user already holds the app's unique identifier.
	HintIdentifierTaken exchange.Cause = "identifier-taken"
	// HintIndependentAccount: the userName belongs to an independent account the app
	// does not move into the organisation.
	HintIndependentAccount exchange.Cause = "independent-account"
	// HintRequiredAttribute: the app requires an attribute the IdP does not send.
	HintRequiredAttribute exchange.Cause = "required-attribute"
)

// profileHint explains a failure an app profile caused, from the effect the server
// noted; ok is false when no profile refused the request.
func profileHint(a *exchange.Annotation, r *rx) (h exchange.Hint, ok bool) {
	for _, e := range r.ex.Effects {
		if h, ok = effectHint(a.IdP, e, r); ok {
			return h, true
		}
	}
	return exchange.Hint{}, false
}

func effectHint(p exchange.IdP, e exchange.Effect, r *rx) (exchange.Hint, bool) {
	errorHint := func(c exchange.Cause, text string) (exchange.Hint, bool) {
		return exchange.Hint{Cause: c, Severity: exchange.SeverityError, Text: text}, true
	}
	switch e.Kind {
	case exchange.EffectSeatLimit:
		text := "The app refused to create the account: every seat of its licence is taken (" + e.Detail + " users; deactivated accounts keep theirs). "
		switch p {
		case exchange.Okta:
			text += "Okta marks the assignment's provisioning task failed and shows the app's message under Dashboard → Tasks; it does not try again by itself. Free a seat in the app or raise the licence, then choose Retry there."
		case exchange.Entra:
			text += "Entra records the failure in Provisioning logs (" + entraCode(r.status) + ") and tries the user again in later cycles"
			if r.status == http.StatusUnauthorized || r.status == http.StatusForbidden {
				text += "; if most requests fail like this it quarantines the job"
			}
			text += ". Free a seat in the app or raise the licence, then use Provision on demand or wait for the next cycle."
		default:
			text += "Free a seat in the app or raise the licence, then retry."
		}
		return errorHint(HintSeatLimit, text)
	case exchange.EffectImportRefused:
		if e.Detail != "Groups" || p == exchange.Entra {
			return exchange.Hint{}, false
		}
		return errorHint(HintImportGroups, "The app refuses the list of groups Okta reads when \"Import Groups\" is checked, so saving the provisioning settings (and every import) fails. "+
			"In Okta: the app → Provisioning → Integration → Edit, uncheck Import Groups, Save. Push Groups keeps working without it.")
	case exchange.EffectGroupsUnsupported:
		switch p {
		case exchange.Entra:
			return errorHint(HintNoGroups, "This app has no groups, so Entra's group requests fail. In Entra: the app → Provisioning → Mappings, set \"Provision Microsoft Entra ID Groups\" to No, and assign users rather than groups.")
		default:
			return errorHint(HintNoGroups, "This app has no groups, so group requests fail. In Okta: the app → Provisioning → Integration → Edit, uncheck Push Groups and Import Groups, and assign people (or groups, whose members are provisioned as users) on the Assignments tab.")
		}
	case exchange.EffectDeleteRefused:
		if p != exchange.Entra {
			return errorHint(HintDeleteRefused, "The app does not delete users through SCIM: unassigning deactivates them, and deleting is done in the app's own admin pages.")
		}
		return errorHint(HintDeleteRefused, "The app does not delete users through SCIM. Entra records the failure in Provisioning logs and tries again in later cycles. "+
			"In Entra: the app → Provisioning → Mappings → Provision Microsoft Entra ID Users → Target Object Actions, untick Delete; unassigning a user still deactivates it.")
	case exchange.EffectIdentifierInvalid:
		switch p {
		case exchange.Entra:
			return errorHint(HintIdentifierNotEmail, "The app identifies users by e-mail address, and Entra sent a userName that is not one. In Entra: the app → Provisioning → Mappings → Provision Microsoft Entra ID Users, map userName from an attribute holding the e-mail address (mail, or a userPrincipalName that is one).")
		default:
			return errorHint(HintIdentifierNotEmail, "The app identifies users by e-mail address, and the userName Okta sent is not one. In Okta: the app → Provisioning → Integration → Edit, set \"Unique identifier field for users\" to email (or map userName to the e-mail address under To App → Attribute Mappings).")
		}
	case exchange.EffectIdentifierTaken:
		return errorHint(HintIdentifierTaken, "Another user in the app already holds "+e.Detail+", which the app keeps unique. "+afterConflict(p))
	case exchange.EffectIndependentAccount:
		return errorHint(HintIndependentAccount, e.Detail+" belongs to an independent account that is not part of the organisation, and SCIM provisioning does not move it in. Add or invite the user to the organisation in the app first. "+afterConflict(p))
	case exchange.EffectRequiredMissing:
		switch p {
		case exchange.Entra:
			return errorHint(HintRequiredAttribute, "The app requires "+e.Detail+", which Entra did not send. Map it in the app → Provisioning → Mappings → Provision Microsoft Entra ID Users.")
		default:
			return errorHint(HintRequiredAttribute, "The app requires "+e.Detail+", which the client did not send. In Okta, map it under the app → Provisioning → To App → Attribute Mappings (and fill it in the Okta profile).")
		}
	}
	return exchange.Hint{}, false
}

// afterConflict says what the IdP does after a 409 and how the admin retries.
func afterConflict(p exchange.IdP) string {
	switch p {
	case exchange.Okta:
		return "Okta stops provisioning this user and lists the error under Dashboard → Tasks; fix it in the app, then Retry."
	case exchange.Entra:
		return "Entra records a Conflict in Provisioning logs and tries again every cycle."
	}
	return "Fix it in the app, then retry."
}

// entraCode is the provisioning-log code Entra records for an error status
// (idp-wire-format.md §3.7).
func entraCode(status int) string {
	switch {
	case status == http.StatusBadRequest:
		return "SystemForCrossDomainIdentityManagementServiceIncompatible"
	case status == http.StatusUnauthorized:
		return "Unauthorized"
	case status == http.StatusForbidden:
		return "InsufficientRights"
	case status == http.StatusMethodNotAllowed:
		return "MethodNotAllowed"
	case status == http.StatusConflict:
		return "Conflict"
	case status == http.StatusUnprocessableEntity:
		return "UnprocessableEntity"
	case status == http.StatusNotImplemented:
		return "NotImplemented"
	case status == http.StatusTooManyRequests:
		return "TooManyRequests"
	case status >= 500:
		return "InternalServerError"
	}
	return "an export failure"
}
