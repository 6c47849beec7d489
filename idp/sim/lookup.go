package sim

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/scimlab/scimlab/exchange"
	"github.com/scimlab/scimlab/idp"
)

// filterQuery writes `attr eq "value"` as each IdP encodes it: Okta with %20 for
// spaces (its documentation's form), Entra with + (form encoding, as captured).
func filterQuery(idp exchange.IdP, attr, value string) string {
	q := url.QueryEscape(attr + ` eq "` + value + `"`)
	if idp == exchange.Okta {
		q = strings.ReplaceAll(q, "+", "%20")
	}
	return "filter=" + q
}

// matches reports whether a returned resource is the one asked for. RFC 7643 makes
// userName and displayName case-insensitive; externalId is compared exactly.
func matches(doc map[string]any, attr, value string) bool {
	got := str(doc, attr)
	if attr == "externalId" {
		return got == value
	}
	return strings.EqualFold(got, value)
}

// found is a lookup's verdict.
type found struct {
	hits []map[string]any
	ok   bool // false: the action failed and the IdP goes no further
}

// lookup sends an existence check and judges the answer: the list must be a proper
// ListResponse holding only what was asked for. known is the id the run believes the
// server holds for it, "" if none, so a miss can be called a duplicate in the making.
func (a *action) lookup(ctx context.Context, req request, attr, value, known string) found {
	r := a.r
	who := r.cfg.IdP.Short()
	ex, body := a.send(ctx, req)
	if r.cfg.IdP == exchange.Okta && ex.Err == "" && ex.Status == http.StatusNotFound {
		// Okta reads a 404 to its lookup as "not found", like an empty list (reference §2.3).
		return a.judgeMiss(attr, value, known, found{ok: true})
	}
	if !a.expect(ex, req, body, http.StatusOK) {
		return found{}
	}
	list, err := parseList(body)
	if err != nil {
		a.unreadable(err)
		return found{}
	}
	if len(list.badNumbers) > 0 && r.cfg.IdP == exchange.Okta {
		a.fail(NoteListTypes, fmt.Sprintf("The ListResponse numbers must be JSON integers, but %s. Okta then fails the assignment silently (\"Sync user in external application\" FAILURE in the Okta log) and sends no create.", strings.Join(list.badNumbers, ", ")))
		return found{}
	}
	var hits, strangers []map[string]any
	for _, doc := range list.resources {
		if matches(doc, attr, value) {
			hits = append(hits, doc)
		} else {
			strangers = append(strangers, doc)
		}
	}
	if len(strangers) > 0 {
		text := fmt.Sprintf("The lookup %s eq %q returned %d resource(s) that do not match, e.g. %s %q: the server ignores or misreads the filter.", attr, value, len(strangers), attr, str(strangers[0], attr))
		if len(hits) == 0 && r.cfg.IdP == exchange.Okta {
			text += " Okta would link the first one it got, the wrong user."
		} else if r.cfg.IdP == exchange.Entra && len(list.resources) > 1 {
			text += " Entra logs DuplicateTargetEntries and skips the object."
		} else {
			text += " " + who + " would link the wrong object."
		}
		a.fail(NoteWrongMatch, text)
		return found{}
	}
	if len(hits) == 0 {
		return a.judgeMiss(attr, value, known, found{ok: true})
	}
	return found{hits: hits, ok: true}
}

// judgeMiss flags a miss for something the server holds: the IdP would create a
// duplicate next. The IdP goes on regardless, so f stays ok.
func (a *action) judgeMiss(attr, value, known string, f found) found {
	if known != "" {
		a.fail(NoteDuplicateCreate, fmt.Sprintf("%s would create a duplicate: the %s lookup for %q returned 0 results, yet the server holds it as id %s (made earlier in this run). A SCIM server must find every resource by its matching attribute, inactive users included.", a.r.cfg.IdP.Short(), attr, value, known))
	}
	return f
}

// unreadable fails a target whose answer the IdP cannot parse.
func (a *action) unreadable(err error) {
	if a.r.cfg.IdP == exchange.Entra {
		a.fail(NoteFailed, "Entra cannot read the answer ("+err.Error()+"). "+idp.Consequence(exchange.Entra, http.StatusBadRequest))
		return
	}
	a.fail(NoteFailed, "Okta cannot read the answer ("+err.Error()+"). "+oktaConsequence)
}

// created reads the id from a create's answer; both IdPs keep it for every later
// request about the object.
func (a *action) created(body []byte) (string, map[string]any, bool) {
	doc, err := parseResource(body)
	id := ""
	if err == nil {
		id = str(doc, "id")
	}
	if id != "" {
		return id, doc, true
	}
	if a.r.cfg.IdP == exchange.Okta {
		a.fail(NoteNoID, "The create was answered without a resource id. Okta reports \"Create new user returned empty user\" and the assignment fails; a SCIM server must answer 201 with the full resource, id included.")
	} else {
		a.fail(NoteNoID, "The create was answered without a resource id, so Entra cannot link the object: it logs SystemForCrossDomainIdentityManagementServiceIncompatible and retries in the next cycle. A SCIM server must answer 201 with the full resource, id included.")
	}
	return "", nil, false
}
