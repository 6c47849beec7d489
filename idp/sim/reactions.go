package sim

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/scimlab/scimlab/exchange"
)

// expect reports whether ex was answered with one of want. Otherwise it marks the
// target failed and notes what the real IdP does about the answer it got instead.
func (a *action) expect(ex *Exchange, req request, body []byte, want ...int) bool {
	if ex.Err == "" {
		for _, w := range want {
			if ex.Status == w {
				return true
			}
		}
	}
	if strings.HasPrefix(ex.Err, "not sent") || a.outcome.Status == StatusFailed && hasNote(a.outcome.Notes, NoteOktaGaveUp) {
		a.outcome.Status = StatusFailed
		return false
	}
	if a.r.cfg.IdP == exchange.Okta {
		a.oktaReaction(ex, req, body)
	} else {
		a.entraReaction(ex, req, body)
	}
	return false
}

func hasNote(notes []Note, code string) bool {
	for _, n := range notes {
		if n.Code == code {
			return true
		}
	}
	return false
}

// said quotes the server's detail, which both IdPs show the admin.
func said(body []byte) string {
	if d := errorDetail(body); d != "" {
		return fmt.Sprintf(" The server said: %q", d)
	}
	return ""
}

// oktaConsequence is what diagnose.go tells an admin Okta does after a failure.
const oktaConsequence = "Okta marks the task failed and lists it under Dashboard → Tasks (and the app's provisioning errors); fix the cause, then choose Retry there."

func (a *action) oktaReaction(ex *Exchange, req request, body []byte) {
	who := a.outcome.Target
	switch {
	case ex.Err != "":
		a.fail(NoteTimeout, "No answer ("+ex.Err+"): Okta closes the socket after 60 seconds and counts the request as failed. "+oktaConsequence)
	case ex.Status == http.StatusUnauthorized || ex.Status == http.StatusForbidden:
		text := fmt.Sprintf("%d: the server refused Okta's credential.", ex.Status)
		if req.kind == kindUsersList {
			text += " Okta's Test Connector Configuration fails with this answer and the settings cannot be saved."
		} else {
			text += " " + oktaConsequence
		}
		a.fail(NoteUnauthorized, text+said(body))
	case ex.Status == http.StatusConflict && req.kind == kindUsersCreate:
		u := a.r.userByRef[who]
		a.fail(NoteOktaStopped, fmt.Sprintf("Okta marks the assignment failed and stops: provisioning %s ends with an error under Dashboard → Tasks, and Okta sends nothing more for this user until an admin chooses Retry.", u.UserName))
		a.note(NoteConflict, "409: the server already holds a user with this userName. Okta links instead of creating when its lookup (filter userName eq) finds the existing user: check that the existing userName matches exactly, or delete it on the server, then Retry."+said(body))
		u.stopped = fmt.Sprintf("Okta stopped provisioning %s at step %d (409 on create) and sends nothing more for this user until an admin retries.", u.UserName, a.step.Index)
	case ex.Status == http.StatusConflict && req.kind == kindGroupsCreate:
		a.fail(NoteConflict, "A group with this displayName already exists on the server. In Push Groups, Okta offers Link to the existing group instead; the push as it stands fails."+said(body))
	case ex.Status == http.StatusNotFound && strings.HasSuffix(req.kind, "{id}"):
		if u := a.r.userByRef[who]; u != nil && strings.Contains(req.kind, "/Users/") {
			u.held = ""
		}
		a.fail(NoteNotFound, "The id Okta stored is gone (404): the push fails and shows under Dashboard → Tasks. Okta neither searches again nor re-creates on its own."+said(body))
	case ex.Status == http.StatusTooManyRequests:
		// The retry loop has already noted the waits and the final give-up.
		a.outcome.Status = StatusFailed
	case ex.Status == http.StatusBadRequest && len(req.quirks) > 0:
		a.refusedQuirk(ex, req, body, oktaConsequence)
	default:
		a.fail(NoteFailed, fmt.Sprintf("Answered %d where Okta expects %s. %s%s", ex.Status, expectedFor(req), oktaConsequence, said(body)))
	}
}

// entraConsequence is what diagnose.go tells an admin Entra does after a failure.
const entraConsequence = "Entra records the failure in Provisioning logs (Monitor → Provisioning logs) and retries the object in the next cycle."

func (a *action) entraReaction(ex *Exchange, req request, body []byte) {
	switch {
	case ex.Err != "":
		a.fail(NoteTimeout, "No answer ("+ex.Err+"): Entra logs Timeout and retries the object in about 40 minutes.")
	case ex.Status == http.StatusUnauthorized:
		a.fail(NoteUnauthorized, "Entra logs Unauthorized; Test Connection fails with the same answer, and when most requests fail like this Entra quarantines the job."+said(body))
	case ex.Status == http.StatusForbidden:
		a.fail(NoteUnauthorized, "Entra logs InsufficientRights, and when most requests fail like this it quarantines the job."+said(body))
	case ex.Status == http.StatusNotFound && req.filter:
		text := "Entra treats a 404 to a filter query as a failure: a SCIM server must answer 200 with an empty list (totalResults 0) when nothing matches."
		if a.step.Do == StepTestConnection || a.step.Do == StepStartCycle {
			text += " Entra's Test Connection fails on exactly this, and a job that keeps getting it is quarantined."
		}
		a.fail(NoteFilter404, text)
	case ex.Status == http.StatusNotFound && strings.HasSuffix(req.kind, "{id}"):
		a.invalidAnchor(req)
	case ex.Status == http.StatusConflict:
		a.fail(NoteConflict, "Entra logs Conflict (EntryConflict) and retries the object every cycle. Entra matches on the matching attribute before creating: check Mappings → Matching attributes, or delete the existing object on the server, then Provision on demand."+said(body))
	case ex.Status == http.StatusBadRequest:
		a.refusedQuirk(ex, req, body, "Entra logs SystemForCrossDomainIdentityManagementServiceIncompatible (BadRequest) in Provisioning logs, leaves the object as it was and retries it in the next cycle.")
	case ex.Status == http.StatusMethodNotAllowed:
		a.fail(NoteFailed, "Entra logs MethodNotAllowed, and when most requests fail like this it quarantines the job."+said(body))
	case ex.Status == http.StatusUnprocessableEntity:
		a.fail(NoteFailed, "Entra logs UnprocessableEntity. "+entraConsequence+said(body))
	case ex.Status == http.StatusNotImplemented:
		a.fail(NoteFailed, "Entra logs NotImplemented. "+entraConsequence+said(body))
	case ex.Status == http.StatusTooManyRequests:
		a.fail(NoteFailed, "Entra logs TooManyRequests and retries the request automatically later; non-gallery apps have no rate limiter of their own, and a burst of 429s can quarantine the job.")
	case ex.Status >= 500:
		a.fail(NoteFailed, fmt.Sprintf("Entra logs InternalServerError (%d) and retries the object in about 40 minutes, then less and less often, and quarantines the job if most requests fail.%s", ex.Status, said(body)))
	default:
		a.fail(NoteFailed, fmt.Sprintf("Answered %d where Entra expects %s. %s%s", ex.Status, expectedFor(req), entraConsequence, said(body)))
	}
}

// invalidAnchor is Entra's reaction to a vanished id: it does not re-create, and the
// user stays failed until an admin restarts provisioning (reference §0.2 item 6).
func (a *action) invalidAnchor(req request) {
	text := "Entra logs InvalidAnchor: the object it created or matched earlier no longer exists. Entra does not re-create it; an admin must restart provisioning (Provisioning → Restart provisioning), after which Entra matches and creates afresh."
	a.fail(NoteInvalidAnchor, text)
	if strings.HasPrefix(req.kind, "GET /Groups") || strings.Contains(req.kind, "/Groups/") {
		if g := a.r.groupBy[a.outcome.Target]; g != nil {
			g.stopped = fmt.Sprintf("Group %s is in InvalidAnchor since step %d: Entra sends nothing for it until provisioning is restarted.", g.name, a.step.Index)
		}
		return
	}
	if u := a.r.userByRef[a.outcome.Target]; u != nil {
		u.held = ""
		u.stopped = fmt.Sprintf("%s is in InvalidAnchor since step %d: Entra sends nothing for this user until provisioning is restarted.", u.UserName, a.step.Index)
	}
}

// refusedQuirk explains a 400 to a request that carries what the IdP really sends.
func (a *action) refusedQuirk(ex *Exchange, req request, body []byte, consequence string) {
	who := a.r.cfg.IdP.Short()
	detail := errorDetail(body)
	if len(req.quirks) == 0 {
		a.fail(NoteFailed, fmt.Sprintf("Answered 400. %s%s", consequence, said(body)))
		return
	}
	named, sure := refusedQuirks(req.quirks, detail)
	var text string
	if sure {
		text = fmt.Sprintf("The server refused what %s really sends: %s.", who, quirkList(named))
	} else {
		text = fmt.Sprintf("The server answered 400 to a request carrying what %s really sends: %s.", who, quirkList(named))
	}
	if detail != "" {
		text += fmt.Sprintf(" The server said: %q.", detail)
	}
	a.outcome.Status = StatusFailed
	a.outcome.Notes = append(a.outcome.Notes, Note{Code: NoteRefusedQuirk, Quirks: quirkIDs(named),
		Text: text + " " + consequence + " A production SCIM app must accept what " + who + " sends."})
}

// expectedFor says which answer the IdP waits for, for messages.
func expectedFor(req request) string {
	switch req.method {
	case http.MethodPost:
		return "201 with the created resource"
	case http.MethodPatch:
		return "200 or 204"
	case http.MethodDelete:
		return "204"
	}
	return "200"
}
