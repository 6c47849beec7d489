package idp

import (
	"encoding/json"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/scimlab/scimlab/exchange"
)

// classify sets Step, Subject and Summary, and learns from the exchange.
func (c *Classifier) classify(a *exchange.Annotation, r *rx) {
	who := a.IdP.Short()
	if !r.route.ok {
		c.classifyOffRoute(a, r)
		return
	}
	switch r.route.resource {
	case "Users":
		if r.route.id == ".search" {
			c.classifySearch(a, r, "users")
			return
		}
		c.classifyUsers(a, r)
	case "Groups":
		if r.route.id == ".search" {
			c.classifySearch(a, r, "groups")
			return
		}
		c.classifyGroups(a, r)
	case ".search":
		c.classifySearch(a, r, "resources")
	case "ServiceProviderConfig", "ResourceTypes", "Schemas":
		a.Step = exchange.StepDiscovery
		what := "read /" + r.route.resource
		if r.route.resource == "Schemas" {
			what += " (schema discovery)"
		}
		if r.success() {
			a.Summary = who + " " + what
		} else {
			fail(a, r, "read /"+r.route.resource)
		}
	default:
		a.Step = exchange.StepOther
		a.Summary = who + " sent " + r.method() + " " + r.ex.Path + ": " + statusText(r)
		a.Failed = !r.success()
	}
}

func (c *Classifier) classifyOffRoute(a *exchange.Annotation, r *rx) {
	who := a.IdP.Short()
	switch {
	case r.route.base:
		a.Step = exchange.StepOther
		a.Summary = who + " opened the base URL " + r.ex.Path + " itself"
		a.Failed = !r.success()
	case r.route.resource != "" && !r.success():
		a.Step = exchange.StepWrongPath
		a.Subject = r.ex.Path
		a.Summary = who + " sent " + r.method() + " " + r.ex.Path + ": not a SCIM path (" + strconv.Itoa(r.status) + ")"
		a.Failed = true
	case r.route.resource != "":
		// The server answered it, so the path is acceptable after all.
		a.Step = exchange.StepOther
		a.Summary = who + " sent " + r.method() + " " + r.ex.Path
	default:
		a.Step = exchange.StepOther
		a.Subject = r.ex.Path
		a.Summary = r.method() + " " + r.ex.Path + ": not a SCIM endpoint (" + strconv.Itoa(r.status) + ")"
		a.Failed = !r.success()
	}
}

func (c *Classifier) classifySearch(a *exchange.Annotation, r *rx, what string) {
	a.Step = exchange.StepOther
	if r.success() {
		a.Summary = a.IdP.Short() + " searched " + what + " (POST .search)"
		return
	}
	fail(a, r, "search "+what)
}

// --- users ---

func (c *Classifier) classifyUsers(a *exchange.Annotation, r *rx) {
	id := r.route.id
	switch r.method() {
	case http.MethodGet:
		if id == "" {
			c.listUsers(a, r)
		} else {
			c.readUser(a, r, id)
		}
	case http.MethodPost:
		c.createUser(a, r)
	case http.MethodPut:
		c.replaceUser(a, r, id)
	case http.MethodPatch:
		c.patchUser(a, r, id)
	case http.MethodDelete:
		a.Step = exchange.StepDeleteUser
		a.Subject = c.userName(id)
		if !r.success() {
			fail(a, r, "delete "+named("user", a.Subject))
			return
		}
		a.Summary = a.IdP.Short() + " deleted " + named("user", a.Subject)
		if a.IdP == exchange.Entra {
			a.Summary += " (hard delete)"
		}
		c.forgetUser(id)
	default:
		a.Step = exchange.StepOther
		a.Summary = a.IdP.Short() + " sent " + r.method() + " " + r.ex.Path + ": " + statusText(r)
		a.Failed = !r.success()
	}
}

func (c *Classifier) listUsers(a *exchange.Annotation, r *rx) {
	who := a.IdP.Short()
	if r.success() {
		c.learnList("Users", r.resp)
	}
	total, _ := number(r.resp, "totalResults")
	switch {
	case c.isProbe(r):
		a.Step = exchange.StepTestConnection
		c.testSummary(a, r, "")
	case r.filter.ok && strings.EqualFold(r.filter.and, "manager"):
		a.Step = exchange.StepUserLookup
		a.Subject = c.userName(r.filter.value)
		if !r.success() {
			fail(a, r, "check the manager of "+nameOr(a.Subject, "a user"))
			return
		}
		a.Summary = who + " checked the manager reference of " + nameOr(a.Subject, "a user")
	case r.filter.ok:
		a.Step = exchange.StepUserLookup
		c.userLookup(a, r, total)
	case r.startIndex == 1 && r.count == 2:
		a.Step = exchange.StepTestConnection
		c.testSummary(a, r, "")
	case isOktaSpecTest(r.ua) && r.startIndex == 1 && r.count == 1:
		a.Step = exchange.StepTestConnection
		c.testSummary(a, r, "")
	default:
		a.Step = exchange.StepImportUsers
		page := pageOf(r)
		if !r.success() {
			fail(a, r, "import users (page "+strconv.Itoa(page)+")")
			return
		}
		a.Summary = who + " imported users, page " + strconv.Itoa(page) + " (" + plural(len(list(r.resp, "Resources")), "user") + " of " + strconv.Itoa(total) + ")"
	}
}

func pageOf(r *rx) int {
	if r.count <= 0 || r.startIndex <= 1 {
		return 1
	}
	return (r.startIndex-1)/r.count + 1
}

// isProbe recognises Entra's test-connection probe: the matching attribute compared with a
// random GUID, without paging. An externalId that is a GUID of a user scimlab knows (Entra
// can match on objectId) is a real lookup.
func (c *Classifier) isProbe(r *rx) bool {
	f := r.filter
	if !f.ok || f.and != "" || r.paged || !isGUID(f.value) || strings.EqualFold(f.attr, "id") {
		return false
	}
	if r.route.resource == "Users" && strings.EqualFold(f.attr, "externalId") {
		if _, known := c.byExt.get(f.value); known {
			return false
		}
	}
	return true
}

// testSummary words a test connection; Entra repeats the same probe at the start of
// every provisioning cycle, so once provisioning has happened the probe is named so.
func (c *Classifier) testSummary(a *exchange.Annotation, r *rx, what string) {
	name := a.IdP.Short() + " test connection" + what
	if isOktaSpecTest(r.ua) {
		name = "Okta spec test, connection check"
	}
	if a.IdP == exchange.Entra && c.sawProvisioning {
		name = "Entra cycle-start probe (or Test Connection)" + what
	}
	if r.success() {
		a.Summary = name + ": passed"
		return
	}
	a.Failed = true
	a.Summary = name + ": failed (" + statusText(r) + ")"
}

// userLookup words a filter query and remembers misses for the create that follows.
func (c *Classifier) userLookup(a *exchange.Annotation, r *rx, total int) {
	who := a.IdP.Short()
	f := r.filter
	a.Subject = f.value
	by := ""
	if !strings.EqualFold(f.attr, "userName") {
		by = " by " + shortPath(f.attr)
	}
	notFound := r.success() && total == 0 && len(list(r.resp, "Resources")) == 0
	if r.status == http.StatusNotFound && a.IdP != exchange.Entra {
		// Okta documents 404 as an acceptable "not found" answer to a lookup.
		notFound = true
	}
	switch {
	case notFound:
		a.Summary = who + " looked up user " + lookedUp(f.value) + by + ": not found"
		c.rememberMiss(a, r)
	case r.success():
		a.Summary = who + " looked up user " + lookedUp(f.value) + by + ": found"
		if res := list(r.resp, "Resources"); len(res) > 0 {
			if m, _ := res[0].(map[string]any); m != nil {
				if n := str(m, "userName"); n != "" {
					a.Subject = n
				}
				if act, present := active(m); present && !act {
					a.Summary += " (inactive: " + who + " links it and may reactivate it)"
				}
			}
		}
	default:
		fail(a, r, "look up user "+lookedUp(f.value)+by)
	}
	if a.IdP == exchange.Okta && !strings.EqualFold(f.attr, "userName") {
		a.Hints = append(a.Hints, exchange.Hint{Cause: HintOktaUniqueID, Severity: exchange.SeverityWarn,
			Text: "Okta looks users up by \"" + f.attr + "\", not userName. In the SCIM app, Provisioning → Integration → Edit, set \"Unique identifier field for users\" to userName; with another attribute Okta's lookup can miss users that exist and create duplicates."})
	}
}

// rememberMiss records a lookup that found nothing and flags it when scimlab has seen
// the identity it was looking for.
func (c *Classifier) rememberMiss(a *exchange.Annotation, r *rx) {
	f := r.filter
	var knownID string
	switch strings.ToLower(f.attr) {
	case "username":
		knownID, _ = c.byName.get(strings.ToLower(f.value))
	case "externalid":
		knownID, _ = c.byExt.get(f.value)
	}
	if knownID != "" && !c.userExists(knownID) {
		knownID = ""
	}
	key := strings.ToLower(f.value)
	c.lookups.put(key, lookupInfo{seq: r.ex.Seq, at: r.ex.Time, knownID: knownID})
	if knownID == "" {
		return
	}
	known := c.userName(knownID)
	detail := "user " + known + " (id " + knownID + ")"
	if strings.EqualFold(f.attr, "userName") && known != f.value {
		detail += ", whose userName differs only in case"
	}
	a.Hints = append(a.Hints, exchange.Hint{Cause: HintLookupMissedKnown, Severity: exchange.SeverityWarn,
		Text: a.IdP.Title() + "'s lookup for " + f.attr + " eq \"" + f.value + "\" found nothing, although scimlab holds " + detail + ". If " + a.IdP.Short() + " now creates the user, the app ends up with two accounts for one person: lookups must match " + f.attr + " case-insensitively and return every user, active or not."})
}

func (c *Classifier) readUser(a *exchange.Annotation, r *rx, id string) {
	who := a.IdP.Short()
	a.Step = exchange.StepUserLookup
	if r.success() {
		c.learnUser(r.resp)
		if r.resp != nil {
			c.docs.put(docKey("Users", id), r.ex.RespBody)
		}
	}
	a.Subject = c.userName(id)
	if r.success() {
		a.Summary = who + " read " + named("user", a.Subject)
		return
	}
	if r.status == http.StatusNotFound {
		a.Summary = who + " read " + named("user", a.Subject) + ": not found"
		if a.IdP == exchange.Entra {
			// diagnose explains Entra's InvalidAnchor.
			a.Failed = true
		}
		if a.IdP == exchange.Okta {
			a.Failed = true
			a.Hints = append(a.Hints, exchange.Hint{Cause: HintOktaUserGone, Severity: exchange.SeverityError,
				Text: "The user no longer exists in scimlab. Okta stops here: it does not search again or re-create the user, and the Retry in Okta's Tasks repeats the same GET. Unassign and re-assign the person in Okta's Assignments tab to provision a new account."})
		}
		return
	}
	fail(a, r, "read "+named("user", a.Subject))
}

func (c *Classifier) createUser(a *exchange.Annotation, r *rx) {
	who := a.IdP.Short()
	a.Step = exchange.StepCreateUser
	name := str(r.body, "userName")
	a.Subject = name
	ext := str(r.body, "externalId")
	c.duplicateRisk(a, r, name, ext)
	if !r.success() {
		fail(a, r, "create "+named("user", name))
		return
	}
	a.Summary = who + " created " + named("user", name)
	if act, present := active(r.body); present && !act {
		a.Summary += " (inactive)"
	}
	id := str(r.resp, "id")
	if id == "" {
		return
	}
	if str(r.resp, "userName") != "" {
		c.learnUser(r.resp)
	} else {
		c.learnUser(copyWithID(r.body, id))
	}
	if r.resp != nil {
		c.docs.put(docKey("Users", id), r.ex.RespBody)
	}
	c.lookups.del(strings.ToLower(name))
	if len(c.created) < maxCreated {
		c.created[id] = createdUser{name: name, at: r.ex.Time, idp: a.IdP}
	}
	if gs := list(r.body, "groups"); len(gs) > 0 {
		c.grouped.put(id, true)
		delete(c.created, id)
	}
}

// duplicateRisk warns when a create is about to give one person a second account.
func (c *Classifier) duplicateRisk(a *exchange.Annotation, r *rx, name, ext string) {
	who := a.IdP.Short()
	if li, ok := c.lookups.get(strings.ToLower(name)); ok && li.knownID != "" && c.userExists(li.knownID) {
		a.Hints = append(a.Hints, exchange.Hint{Cause: HintDuplicateRisk, Severity: exchange.SeverityError,
			Text: who + " is creating " + name + " right after its lookup (#" + strconv.FormatInt(li.seq, 10) + ") missed user " + c.userName(li.knownID) + " (id " + li.knownID + "): the app now risks two accounts for one person. Delete one of them in scimlab, make the lookup find the existing user, then retry."})
		return
	}
	if ext == "" {
		return
	}
	id, ok := c.byExt.get(ext)
	if !ok || !c.userExists(id) {
		return
	}
	prev := c.userName(id)
	if strings.EqualFold(prev, name) {
		return
	}
	a.Hints = append(a.Hints, exchange.Hint{Cause: HintDuplicateRisk, Severity: exchange.SeverityWarn,
		Text: who + " is creating " + name + ", but scimlab already holds " + prev + " (id " + id + ") with the same externalId " + ext + ": the same " + a.IdP.Title() + " user was provisioned before under another userName (renamed, or the matching attribute changed). The lookup by userName missed it, so the app gets a second account for one person."})
}

func (c *Classifier) replaceUser(a *exchange.Annotation, r *rx, id string) {
	who := a.IdP.Short()
	key := docKey("Users", id)
	prevDoc, hadPrev := c.docs.get(key)
	a.Subject = c.userName(id)
	if n := str(r.body, "userName"); n != "" {
		a.Subject = n
	}
	now, _ := active(r.body)
	was := true
	if hadPrev {
		was, _ = active(jsonObject(prevDoc))
	}
	switch {
	case was && !now:
		a.Step = exchange.StepDeactivateUser
	case !was && now:
		a.Step = exchange.StepReactivateUser
	default:
		a.Step = exchange.StepUpdateUser
	}
	if !r.success() {
		fail(a, r, map[exchange.Step]string{exchange.StepDeactivateUser: "deactivate", exchange.StepReactivateUser: "reactivate", exchange.StepUpdateUser: "update"}[a.Step]+" "+named("user", a.Subject))
		return
	}
	switch a.Step {
	case exchange.StepDeactivateUser:
		a.Summary = who + " deactivated " + named("user", a.Subject)
	case exchange.StepReactivateUser:
		a.Summary = who + " reactivated " + named("user", a.Subject)
	default:
		switch {
		case !hadPrev:
			a.Summary = who + " replaced " + named("user", a.Subject) + " (full PUT)"
		default:
			changed := changedAttrs(prevDoc, r.ex.ReqBody)
			_, password := field(r.body, "password")
			switch {
			case len(changed) == 0 && password:
				a.Summary = who + " " + passwordVerb(a.IdP) + " the password of " + named("user", a.Subject)
			case len(changed) == 0:
				a.Summary = who + " updated " + named("user", a.Subject) + " (no attribute changed)"
			default:
				a.Summary = who + " updated " + named("user", a.Subject) + " (" + strings.Join(changed, ", ") + ")"
				if password {
					a.Summary += " and " + passwordVerb(a.IdP) + " the password"
				}
			}
		}
	}
	c.learnAfterWrite("Users", id, r)
}

// learnAfterWrite keeps the newest representation of a resource: the response if it
// carries one, else the request body that the server accepted.
func (c *Classifier) learnAfterWrite(resource, id string, r *rx) {
	doc, raw := r.resp, r.ex.RespBody
	if str(doc, "id") == "" {
		doc, raw = r.body, r.ex.ReqBody
		if r.method() == http.MethodPatch {
			c.docs.del(docKey(resource, id))
			return
		}
	}
	if doc == nil {
		return
	}
	if resource == "Users" {
		m := doc
		if str(m, "id") == "" {
			m = copyWithID(doc, id)
		}
		c.learnUser(m)
	} else if n := str(doc, "displayName"); n != "" {
		c.groups.put(id, n)
	}
	c.docs.put(docKey(resource, id), raw)
}

func copyWithID(m map[string]any, id string) map[string]any {
	out := make(map[string]any, len(m)+1)
	for k, v := range m {
		out[k] = v
	}
	out["id"] = id
	return out
}

// passwordVerb is what sending a password means: Okta's "Sync Password" pushes the
// Okta password (or a random one) to the app.
func passwordVerb(p exchange.IdP) string {
	if p == exchange.Okta {
		return "synced"
	}
	return "changed"
}

func (c *Classifier) patchUser(a *exchange.Annotation, r *rx, id string) {
	who := a.IdP.Short()
	a.Subject = c.userName(id)
	var (
		activeSet, activeVal bool
		password             bool
		paths                []string
	)
	for _, op := range r.ops {
		var v any
		_ = json.Unmarshal(op.Value, &v)
		if strings.EqualFold(op.Path, "password") {
			// Okta's Sync Password; the value never reaches a summary.
			password = true
			continue
		}
		if op.Path == "" {
			m, _ := v.(map[string]any)
			keys := make([]string, 0, len(m))
			for k, x := range m {
				if strings.EqualFold(k, "active") {
					if b, ok := boolValue(x); ok {
						activeSet, activeVal = true, b
					}
					continue
				}
				if strings.EqualFold(k, "password") {
					password = true
					continue
				}
				if !ignoredInDiff(k) {
					keys = append(keys, shortPath(k))
				}
			}
			// A map has no order; sorting keeps the summary stable.
			sort.Strings(keys)
			paths = append(paths, keys...)
			continue
		}
		if strings.EqualFold(op.Path, "active") {
			if b, ok := boolValue(v); ok {
				activeSet, activeVal = true, b
			}
			continue
		}
		p := shortPath(op.Path)
		if strings.EqualFold(op.Op, "remove") {
			p += " (removed)"
		}
		paths = append(paths, p)
		if strings.EqualFold(op.Path, "userName") {
			if s, ok := v.(string); ok && s != "" {
				a.Subject = s
			}
		}
	}
	switch {
	case activeSet && !activeVal:
		a.Step = exchange.StepDeactivateUser
	case activeSet:
		a.Step = exchange.StepReactivateUser
	default:
		a.Step = exchange.StepUpdateUser
	}
	if !r.success() {
		verb := map[exchange.Step]string{exchange.StepDeactivateUser: "deactivate", exchange.StepReactivateUser: "reactivate", exchange.StepUpdateUser: "update"}[a.Step]
		fail(a, r, verb+" "+named("user", a.Subject))
		return
	}
	switch a.Step {
	case exchange.StepDeactivateUser:
		a.Summary = who + " deactivated " + named("user", a.Subject)
		if a.IdP == exchange.Entra {
			a.Summary += " (unassigned, out of scope or sign-in blocked)"
		}
	case exchange.StepReactivateUser:
		a.Summary = who + " reactivated " + named("user", a.Subject)
		if d, ok := c.docs.get(docKey("Users", id)); ok {
			if was, _ := active(jsonObject(d)); was {
				a.Summary = who + " confirmed " + named("user", a.Subject) + " is active (no change)"
			}
		}
	default:
		switch {
		case password && len(paths) == 0:
			a.Summary = who + " " + passwordVerb(a.IdP) + " the password of " + named("user", a.Subject)
		case len(paths) == 0:
			a.Summary = who + " updated " + named("user", a.Subject)
		default:
			a.Summary = who + " updated " + named("user", a.Subject) + " (" + strings.Join(paths, ", ") + ")"
		}
	}
	if len(paths) > 0 && activeSet {
		a.Summary += " and changed " + strings.Join(paths, ", ")
	}
	if password && (len(paths) > 0 || activeSet) {
		a.Summary += " and " + passwordVerb(a.IdP) + " the password"
	}
	c.learnAfterWrite("Users", id, r)
}
