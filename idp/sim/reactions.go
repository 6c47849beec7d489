package sim

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/scimlab/scimlab/exchange"
	"github.com/scimlab/scimlab/idp"
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

// oktaConsequence is what Okta does after a failed request: the words package idp
// tells an admin when it sees the same failure from a real tenant.
var oktaConsequence = idp.Consequence(exchange.Okta, http.StatusBadRequest)

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
		a.fail(NoteNotFound, "The id Okta stored is gone (404): the push fails and shows under Dashboard → Tasks. Okta does not search again or re-create it on its own; unassigning and re-assigning the person in Okta provisions a new account."+said(body))
	case ex.Status == http.StatusTooManyRequests:
		// The retry loop has already noted the waits and the final give-up.
		a.outcome.Status = StatusFailed
	case ex.Status == http.StatusBadRequest && len(req.quirks) > 0:
		a.refusedQuirk(ex, req, body, oktaConsequence)
	default:
		a.fail(NoteFailed, fmt.Sprintf("Answered %d where Okta expects %s. %s%s", ex.Status, expectedFor(req), idp.Consequence(exchange.Okta, ex.Status), said(body)))
	}
}

// entraReaction is what Entra logs and does after an answer it did not expect
// (reference §3.7); the consequences and log codes are those package idp tells an admin.
func (a *action) entraReaction(ex *Exchange, req request, body []byte) {
	switch {
	case ex.Err != "":
		a.fail(NoteTimeout, "No answer ("+ex.Err+"): "+idp.Consequence(exchange.Entra, 0))
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
	case ex.Status == http.StatusNotFound && strings.HasSuffix(req.kind, "{id}") && req.method != http.MethodDelete:
		// InvalidAnchor is what a read or update by id earns (reference §3.7); a DELETE
		// that finds nothing is an ordinary failure, as package idp reads it too.
		a.invalidAnchor(req)
	case ex.Status == http.StatusConflict:
		noun := "user"
		if strings.Contains(req.kind, "/Groups") {
			noun = "group"
		}
		a.fail(NoteConflict, "Entra logs "+idp.EntraLogCode(ex.Status)+" in Provisioning logs and retries the "+noun+" every cycle. "+idp.EntraMatches(noun)+
			": check Mappings → Matching attributes, or delete the existing "+noun+" on the server, then Provision on demand."+said(body))
	case ex.Status == http.StatusBadRequest:
		a.refusedQuirk(ex, req, body, idp.Consequence(exchange.Entra, ex.Status)+" The object stays as it was until then.")
	case ex.Status == http.StatusMethodNotAllowed:
		a.fail(NoteFailed, "Entra logs MethodNotAllowed, and when most requests fail like this it quarantines the job."+said(body))
	case ex.Status == http.StatusTooManyRequests:
		a.fail(NoteFailed, idp.Consequence(exchange.Entra, ex.Status))
	default:
		a.fail(NoteFailed, fmt.Sprintf("Answered %d where Entra expects %s. %s%s", ex.Status, expectedFor(req), idp.Consequence(exchange.Entra, ex.Status), said(body)))
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
