package idp

import (
	"net/http"
	"strings"

	"github.com/scimlab/scimlab/exchange"

	"github.com/scimlab/scimlab/scim/quirk"
)

// diagnose adds the hints that explain a failed exchange in the IdP's own terms.
func (c *Classifier) diagnose(a *exchange.Annotation, r *rx) {
	if f := r.ex.Fault; f != nil {
		diagnoseFault(a, r, f)
		if f.Status != 0 || f.Drop || r.status == statusClientClosed {
			// The rule answered, not the server: the server's reasons do not apply.
			return
		}
	}
	if authFailed(r) {
		diagnoseAuth(a, r)
		if r.route.resource != "" && !r.route.ok {
			a.Hints = append(a.Hints, pathHint(a.IdP, r))
		}
		return
	}
	switch {
	case a.Step == exchange.StepWrongPath:
		a.Hints = append(a.Hints, pathHint(a.IdP, r))
		return
	case a.Step == exchange.StepOther && r.route.resource == "" && !r.route.base && !r.success():
		a.Hints = append(a.Hints, exchange.Hint{Cause: HintPathUnknown, Severity: exchange.SeverityInfo,
			Text: r.ex.Path + " is no SCIM endpoint: scimlab serves SCIM 2.0 under " + basePath + " (Users, Groups, Schemas, ServiceProviderConfig, ResourceTypes)."})
		return
	}
	if r.success() || !a.Failed {
		return
	}
	if h, ok := profileHint(a, r); ok {
		// The app profile refused it on purpose; its own explanation beats the
		// generic one for the status.
		a.Hints = append(a.Hints, h)
		return
	}
	switch {
	case a.IdP == exchange.Entra && r.status == http.StatusNotFound && r.method() == http.MethodGet && r.route.id == "" && r.filter.ok:
		text := "Entra treats a 404 to a filter query as a failure: a SCIM server must answer 200 with an empty list (totalResults 0) when nothing matches."
		if a.Step == exchange.StepTestConnection {
			text += " Entra's Test Connection fails on exactly this."
		}
		a.Hints = append(a.Hints, exchange.Hint{Cause: HintEntraFilter404, Severity: exchange.SeverityError, Text: text})
	case a.IdP == exchange.Entra && r.status == http.StatusNotFound && r.route.id != "" && r.route.id != ".search" &&
		r.method() != http.MethodDelete:
		a.Hints = append(a.Hints, invalidAnchorHint(r))
	case r.status == http.StatusConflict:
		a.Hints = append(a.Hints, conflictHint(a, r))
	case r.status == http.StatusTooManyRequests:
		a.Hints = append(a.Hints, exchange.Hint{Cause: HintRateLimited, Severity: exchange.SeverityWarn,
			Text: "scimlab answered " + sentence(statusText(r)) + " " + Consequence(a.IdP, r.status)})
	case r.status >= 500:
		a.Hints = append(a.Hints, exchange.Hint{Cause: HintServerError, Severity: exchange.SeverityError,
			Text: "scimlab failed with " + sentence(statusText(r)) + " " + Consequence(a.IdP, r.status)})
	case r.ex.Strict && r.ex.RefusedBy != "":
		a.Hints = append(a.Hints, strictHint(a.IdP, r.ex.RefusedBy))
	case a.Step == exchange.StepUserLookup && r.status == http.StatusNotFound:
		// Already explained where the lookup was classified.
	default:
		a.Hints = append(a.Hints, exchange.Hint{Cause: HintRejected, Severity: exchange.SeverityWarn,
			Text: "scimlab refused the request with " + sentence(statusText(r)) + " " + Consequence(a.IdP, r.status)})
	}
}

// invalidAnchorHint explains Entra's 404 on a resource it addresses by id: Entra keeps
// the id it was given at creation (its "anchor"), and when that id is gone it does not
// look the resource up again or re-create it (idp-wire-format.md §0.2, correction 6).
func invalidAnchorHint(r *rx) exchange.Hint {
	noun := "user"
	if r.route.resource == "Groups" {
		noun = "group"
	}
	return exchange.Hint{Cause: HintEntraInvalidAnchor, Severity: exchange.SeverityError,
		Text: "The " + noun + " Entra provisioned earlier no longer exists in scimlab (deleted here, or the database was reset). Entra does not re-create it: " +
			"the provisioning log shows InvalidAnchor (\"the " + noun + " previously created or matched no longer exists\") on every cycle. " +
			"Restart provisioning (the app → Provisioning → Overview → Restart provisioning, which clears Entra's links), or remove the " + noun + " from the app's assignments and add it again."}
}

// sentence ends s with a full stop unless it already ends a sentence: a server's
// detail often does, and a hint quoting it must not end in two.
func sentence(s string) string {
	s = strings.TrimSpace(s)
	if strings.HasSuffix(s, ".") || strings.HasSuffix(s, "!") || strings.HasSuffix(s, "?") || strings.HasSuffix(s, "…") {
		return s
	}
	return s + "."
}

// Consequence says what p does after a request it sent was answered with status (0:
// no answer), and where its admin sees it (idp-wire-format.md §2.8, §3.7, §4). The
// simulator tells the same of the IdP it plays.
func Consequence(p exchange.IdP, status int) string {
	switch p {
	case exchange.Okta:
		if status == http.StatusTooManyRequests {
			return "Okta pauses the task as rate-limited and sends the request again after Retry-After (whole seconds; without one, 5 minutes), " +
				"at least doubling the wait after each further 429; after the 10th attempt the task fails for good under Dashboard → Tasks, where an admin chooses Retry."
		}
		return "Okta marks the task failed and lists it under Dashboard → Tasks (and the app's provisioning errors); fix the cause, then choose Retry there."
	case exchange.Entra:
		s := "Entra records the failure in Provisioning logs (Monitor → Provisioning logs)"
		if code := EntraLogCode(status); code != "" {
			s += " as " + code
		}
		switch {
		case status == http.StatusTooManyRequests:
			return s + " and retries the request automatically later; non-gallery apps have no rate limiter of their own, and a burst of 429s can quarantine the job."
		case status == http.StatusUnauthorized || status == http.StatusForbidden || status == http.StatusMethodNotAllowed:
			return s + " and fails the object; when most calls fail this way, it quarantines the job."
		case status >= 500 || status == 0:
			return s + " and retries the object in the next cycle, about 40 minutes later, then less and less often; if most requests fail it quarantines the job."
		}
		return s + " and retries the object in the next cycle."
	}
	if status == http.StatusTooManyRequests {
		return "The client should wait as Retry-After says, then send the request again."
	}
	return "The client will report the error; fix the cause and retry."
}

// EntraLogCode is the error code Entra's provisioning log shows for an answer with
// status, or "" where the code depends on more than the status (a 404 is InvalidAnchor
// by id, a failed lookup by filter) (idp-wire-format.md §3.7).
func EntraLogCode(status int) string {
	switch status {
	case http.StatusBadRequest:
		return "SystemForCrossDomainIdentityManagementServiceIncompatible"
	case http.StatusUnauthorized:
		return "Unauthorized"
	case http.StatusForbidden:
		return "InsufficientRights"
	case http.StatusMethodNotAllowed:
		return "MethodNotAllowed"
	case http.StatusConflict:
		return "Conflict (EntryConflict)"
	case http.StatusUnprocessableEntity:
		return "UnprocessableEntity"
	case http.StatusTooManyRequests:
		return "TooManyRequests"
	case http.StatusNotImplemented:
		return "NotImplemented"
	case 0:
		return "Timeout"
	}
	if status >= 500 {
		return "InternalServerError"
	}
	return ""
}

func conflictHint(a *exchange.Annotation, r *rx) exchange.Hint {
	noun, attr := "user", "userName"
	if r.route.resource == "Groups" {
		noun, attr = "group", "displayName"
	}
	text := "A " + noun + " with this " + attr + " already exists in scimlab. "
	switch a.IdP {
	case exchange.Okta:
		text += "Okta stops provisioning this " + noun + " and lists the error under Dashboard → Tasks. Okta links instead of creating when its lookup (filter " + attr + " eq) finds the existing " + noun + ": check that the existing " + attr + " matches exactly, or delete it in scimlab, then Retry."
		if noun == "group" {
			text = "A group with this displayName already exists in scimlab. In Push Groups, choose Link to the existing group instead of creating it, or delete it in scimlab and push again."
		}
	case exchange.Entra:
		text += "Entra logs " + EntraLogCode(http.StatusConflict) + " in Provisioning logs and retries the " + noun + " every cycle. " + EntraMatches(noun) +
			": check Mappings → Matching attributes, or delete the existing " + noun + " in scimlab, then Provision on demand."
	default:
		text += "The client should have found it with a filter query before creating it."
	}
	return exchange.Hint{Cause: HintConflict, Severity: exchange.SeverityWarn, Text: text}
}

// EntraMatches says how Entra looks a user or group up before it creates one (noun is
// "user" or "group"), the check a 409 to its create puts in doubt (idp-wire-format.md §3.3,
// §3.6).
func EntraMatches(noun string) string {
	if noun == "group" {
		return "Entra looks a group up by displayName, its matching attribute, before creating it"
	}
	return "Entra looks a user up on its matching attribute (userName by default) before creating it"
}

// strictHint explains a strict-mode refusal by the one quirk that caused it.
func strictHint(p exchange.IdP, q quirk.Quirk) exchange.Hint {
	info := quirk.Describe(q)
	who := p.Title()
	if p == exchange.Unknown {
		who = "the client"
	}
	return exchange.Hint{Cause: HintStrictRejected, Severity: exchange.SeverityWarn,
		Text: "Strict RFC mode refused what " + who + " really sends: " + info.What + " (" + info.Strict + "). Production apps must accept it; switch scimlab to tolerant mode to rehearse against such an app."}
}

// authFailed reports a refusal of the credential.
func authFailed(r *rx) bool {
	if r.status == http.StatusUnauthorized {
		return true
	}
	return r.ex.Auth.Refused() && !r.success() && r.status != http.StatusNotFound
}

// tokenPlace says where the admin pastes the token in each IdP's console.
func tokenPlace(p exchange.IdP) string {
	switch p {
	case exchange.Okta:
		return "In Okta, open the SCIM app → Provisioning → Integration → Edit: Authentication Mode \"HTTP Header\" and the token in the Authorization field (catalog templates: the OAuth Bearer Token field), then Test Connector Configuration (Test API Credentials)."
	case exchange.Entra:
		return "In Entra, open the enterprise app → Provisioning → Admin Credentials: paste the token into Secret Token, then Test Connection."
	}
	return "Configure the client to send \"Authorization: Bearer <token>\" with the token scimlab shows."
}

func tokenField(p exchange.IdP) string {
	switch p {
	case exchange.Okta:
		return "Okta's token field"
	case exchange.Entra:
		return "Entra's Secret Token field"
	}
	return "the client's token field"
}

// diagnoseAuth turns a 401 into its cause, from the server's verdict on the shape of
// the Authorization header (exchange.Auth), which it read before redacting the header.
func diagnoseAuth(a *exchange.Annotation, r *rx) {
	a.Step = exchange.StepAuthFailure
	a.Failed = true
	who := a.IdP.Short()
	if a.IdP == exchange.Unknown {
		who = "the client"
	}
	add := func(cause exchange.Cause, sev exchange.Severity, text string) {
		a.Hints = append(a.Hints, exchange.Hint{Cause: cause, Severity: sev, Text: text})
	}

	if isOktaSpecTest(r.ua) && (r.ex.Auth == exchange.AuthWrongBare || r.ex.Auth == exchange.AuthBare) {
		a.Failed = false
		a.Summary = "Okta spec test: a request with an invalid token was refused, as the test expects"
		add(HintSpecTest, exchange.SeverityInfo, "Okta's SCIM spec test sends one request with a made-up Authorization value and expects 401; nothing to fix.")
		return
	}
	switch r.ex.Auth {
	case exchange.AuthMissing:
		a.Summary = "401: " + who + " sent no Authorization header"
		text := who + " sent no Authorization header. "
		if a.IdP == exchange.Entra {
			text = "Entra sent no Authorization header; Entra always sends one, so something between Entra and scimlab (a proxy or firewall) removed it. "
		}
		add(HintAuthMissing, exchange.SeverityError, capitalise(text)+tokenPlace(a.IdP))
	case exchange.AuthBasic, exchange.AuthScheme:
		scheme := "Basic"
		if r.ex.Auth == exchange.AuthScheme {
			scheme = authScheme(r)
		}
		a.Summary = "401: " + who + " used " + scheme + " authentication, not a bearer token"
		text := capitalise(who) + " sent \"Authorization: " + scheme + " …\"; scimlab accepts only \"Authorization: Bearer <token>\". "
		if a.IdP == exchange.Okta && r.ex.Auth == exchange.AuthBasic {
			text += "The app is set to Basic Auth: switch Authentication Mode to HTTP Header. "
		}
		add(HintAuthScheme, exchange.SeverityError, text+tokenPlace(a.IdP))
	case exchange.AuthSeveral:
		a.Summary = "401: " + who + " sent more than one Authorization header"
		add(HintAuthScheme, exchange.SeverityError, capitalise(who)+" sent several Authorization headers; send exactly one. "+tokenPlace(a.IdP))
	case exchange.AuthBare:
		// Only strict mode refuses the right token sent bare; tolerant mode accepts it
		// as a production app would.
		a.Summary = "401: " + who + " sent the token without \"Bearer\""
		text := capitalise(who) + " sent the right token in the Authorization header, but without the word \"Bearer\", and strict RFC mode refuses that. "
		if a.IdP != exchange.Entra {
			text += "Okta's \"SCIM 2.0 Test App (Header Auth)\" template sends its API Token field verbatim: type \"Bearer \" before the token there, or use the OAuth Bearer Token template or an App Integration Wizard app with HTTP Header mode, which add \"Bearer\" themselves. "
		}
		add(HintAuthNoScheme, exchange.SeverityError, text+"Production apps usually accept a bare token; tolerant mode does too.")
	case exchange.AuthDoubleBearer:
		a.Summary = "401: the word Bearer was pasted into " + tokenField(a.IdP)
		add(HintAuthDoubleBearer, exchange.SeverityError, capitalise(who)+" sent \"Authorization: Bearer Bearer …\": the word Bearer was pasted into "+tokenField(a.IdP)+" together with the token. Paste only the token; "+who+" adds \"Bearer\" itself. "+tokenPlace(a.IdP))
	case exchange.AuthEmpty:
		a.Summary = "401: " + tokenField(a.IdP) + " is empty"
		add(HintAuthEmptyToken, exchange.SeverityError, capitalise(who)+" sent \"Bearer\" with no token after it: "+tokenField(a.IdP)+" is empty. "+tokenPlace(a.IdP))
	case exchange.AuthPrevious:
		a.Summary = "401: " + who + " still sends the token from before the rotation"
		add(HintAuthOldToken, exchange.SeverityError, capitalise(who)+" sent scimlab's previous token, which stopped working when the token was rotated. Paste the new token. "+tokenPlace(a.IdP))
	case exchange.AuthJWT:
		if a.IdP == exchange.Entra {
			a.Summary = "401: Entra sent its own token; the Secret Token field is blank"
			add(HintAuthEntraJWT, exchange.SeverityError, "Entra sent a Microsoft Entra JWT instead of scimlab's token: that happens when Secret Token is left blank. "+tokenPlace(exchange.Entra))
			return
		}
		a.Summary = "401: " + who + " sent a JSON Web Token, not scimlab's token"
		add(HintAuthBadToken, exchange.SeverityError, capitalise(who)+" sent a JSON Web Token (an OAuth access token) where scimlab expects its own static token: configure the client for a static bearer token, not OAuth. "+tokenPlace(a.IdP))
	default:
		switch a.IdP {
		case exchange.Okta:
			a.Summary = "401: the token pasted in Okta does not match"
		case exchange.Entra:
			a.Summary = "401: the Secret Token pasted in Entra does not match"
		default:
			a.Summary = "401: the client's token does not match"
		}
		text := "The bearer token does not match the one scimlab shows (copy it again: no spaces, quotes or line breaks). "
		if r.ex.Auth == exchange.AuthQuoted {
			text = "The token was sent inside quotation marks: paste it without them. "
		}
		add(HintAuthBadToken, exchange.SeverityError, text+tokenPlace(a.IdP))
	}
}

// authScheme is the scheme word of the Authorization header, which the redaction keeps
// ("Digest [redacted]").
func authScheme(r *rx) string {
	if r.ex.ReqHeaders != nil {
		if scheme, _, ok := strings.Cut(strings.TrimSpace(r.ex.ReqHeaders.Get("Authorization")), " "); ok {
			return scheme
		}
	}
	return "another scheme"
}

func capitalise(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// pathHint explains a request that missed the SCIM routes, with the fix in the IdP's
// console.
func pathHint(p exchange.IdP, r *rx) exchange.Hint {
	rt := r.route
	got := r.ex.Path
	lp := strings.ToLower(rt.prefix)
	var (
		code exchange.Cause
		what string
	)
	switch {
	case rt.extra && rt.prefix == basePath:
		return exchange.Hint{Cause: HintPathUnknown, Severity: exchange.SeverityWarn,
			Text: got + " is no SCIM path: after /" + rt.resource + " only a resource id may follow."}
	case rt.prefix == basePath && rt.written != rt.resource:
		code, what = HintPathExtraText, "the endpoint is spelled \""+rt.written+"\"; SCIM paths are case-sensitive (/"+rt.resource+")"
	case strings.Count(lp, basePath) >= 2:
		code, what = HintPathDoubledBase, "the base URL holds /scim/v2 twice"
	case lp == basePath:
		code, what = HintPathExtraText, "the base URL's path is written \""+rt.prefix+"\"; paths are case-sensitive, write /scim/v2"
	case strings.HasPrefix(lp, basePath):
		code, what = HintPathExtraText, "the base URL has extra text after /scim/v2 (\""+rt.prefix[len(basePath):]+"\")"
	case strings.Contains(lp, basePath):
		code, what = HintPathExtraText, "the base URL has extra text before /scim/v2 (\""+rt.prefix[:strings.Index(lp, basePath)]+"\")"
	case lp == "/scim":
		code, what = HintPathMissingBase, "the base URL ends with /scim; it must end with /scim/v2"
	case rt.prefix == "":
		code, what = HintPathMissingBase, "the base URL lacks /scim/v2"
	default:
		code, what = HintPathMissingBase, "the base URL's path is "+rt.prefix+"; it must be /scim/v2"
	}
	return exchange.Hint{Cause: code, Severity: exchange.SeverityError,
		Text: "Requests arrive at " + got + ": " + what + ". " + baseURLFix(p)}
}

func baseURLFix(p exchange.IdP) string {
	switch p {
	case exchange.Okta:
		return "In Okta, SCIM connector base URL (SCIM 2.0 Base URL in catalog apps) must end with /scim/v2: <scimlab URL>/scim/v2, under Provisioning → Integration → Edit."
	case exchange.Entra:
		return "In Entra, Tenant URL must be .../scim/v2 (<scimlab URL>/scim/v2), under Provisioning → Admin Credentials."
	}
	return "Give the client <scimlab URL>/scim/v2 as its base URL."
}
