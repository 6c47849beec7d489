package sim

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/scimlab/scimlab/exchange"
)

// entra plays the Microsoft Entra provisioning service for a non-gallery app
// (reference §3); compliant switches to the aadOptscim062020 shapes.
type entra struct {
	r         *run
	compliant bool
	matchOn   string
}

const adscimGroupURN = "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"

type entraEmail struct {
	Primary bool   `json:"primary"`
	Type    string `json:"type"`
	Value   string `json:"value"`
}

type entraName struct {
	Formatted  string `json:"formatted,omitempty"`
	FamilyName string `json:"familyName,omitempty"`
	GivenName  string `json:"givenName,omitempty"`
}

type resourceMeta struct {
	ResourceType string `json:"resourceType"`
}

// entraUser is Entra's create body, fields in the order of Microsoft's example.
type entraUser struct {
	Schemas           []string     `json:"schemas"`
	ExternalID        string       `json:"externalId,omitempty"`
	UserName          string       `json:"userName"`
	Active            bool         `json:"active"`
	DisplayName       string       `json:"displayName,omitempty"`
	Emails            []entraEmail `json:"emails,omitempty"`
	Meta              resourceMeta `json:"meta"`
	Name              *entraName   `json:"name,omitempty"`
	Title             string       `json:"title,omitempty"`
	PreferredLanguage string       `json:"preferredLanguage,omitempty"`
	Enterprise        *enterprise  `json:"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User,omitempty"`
	Roles             []any        `json:"roles"`
}

type entraGroup struct {
	Schemas     []string     `json:"schemas"`
	ExternalID  string       `json:"externalId"`
	DisplayName string       `json:"displayName"`
	Meta        resourceMeta `json:"meta"`
}

// entraMember carries Entra's "$ref": null, which the default job sends on members.
type entraMember struct {
	Ref   *string `json:"$ref"`
	Value string  `json:"value"`
}

type plainMember struct {
	Value string `json:"value"`
}

// op spells a PATCH op as the job does: capitalised by default, lowercase with the flag.
func (e *entra) op(name string) string {
	if e.compliant {
		return name
	}
	return strings.ToUpper(name[:1]) + name[1:]
}

// opQuirks are what every default-mode PATCH carries.
func (e *entra) opQuirks(more ...quirkUse) []quirkUse {
	if e.compliant {
		return more
	}
	return append([]quirkUse{quirkCapitalisedOp}, more...)
}

func (e *entra) createBody(u *user) []byte {
	body := entraUser{
		// Entra lists the enterprise URN whether or not an enterprise attribute follows.
		Schemas:    []string{coreUserURN, enterpriseURN},
		ExternalID: u.ExternalID, UserName: u.UserName, Active: true, DisplayName: u.DisplayName,
		Meta:  resourceMeta{ResourceType: "User"},
		Title: u.Title, PreferredLanguage: u.Locale, Enterprise: enterpriseOf(u.Person), Roles: []any{},
	}
	if u.Email != "" {
		body.Emails = []entraEmail{{Primary: true, Type: "work", Value: u.Email}}
	}
	if u.GivenName != "" || u.FamilyName != "" {
		body.Name = &entraName{Formatted: joinName(u.GivenName, u.FamilyName), FamilyName: u.FamilyName, GivenName: u.GivenName}
	}
	b := mustJSON(body)
	if len(u.Nulls) > 0 {
		// Microsoft's documented create sends empty sources as JSON null.
		b = b[:len(b)-1]
		for _, n := range u.Nulls {
			b = append(b, `,"`+n+`":null`...)
		}
		b = append(b, '}')
	}
	return b
}

// newGUID is a random version 4 GUID, what Entra probes with.
func newGUID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

func (e *entra) probe(ctx context.Context, a *action, what string) bool {
	req := request{what: what, kind: kindUsersFilter, method: http.MethodGet, path: "/Users", query: filterQuery(exchange.Entra, e.matchOn, newGUID()), filter: true}
	return e.expectEmpty(ctx, a, req)
}

// expectEmpty sends a probe for a random GUID, which must come back 200 and empty.
func (e *entra) expectEmpty(ctx context.Context, a *action, req request) bool {
	ex, body := a.send(ctx, req)
	if !a.expect(ex, req, body, http.StatusOK) {
		return false
	}
	list, err := parseList(body)
	if err != nil {
		a.unreadable(err)
		return false
	}
	if len(list.resources) > 0 {
		a.fail(NoteWrongMatch, fmt.Sprintf("A lookup for a random GUID returned %d resource(s): the server ignores the filter. Entra would match the wrong objects (or log DuplicateTargetEntries) for every user it provisions.", len(list.resources)))
		return false
	}
	return true
}

func (e *entra) testConnection(ctx context.Context, a *action) {
	if !e.probe(ctx, a, "Entra's Test Connection looks up a random user") {
		return
	}
	req := request{what: "Entra's Test Connection looks up a random group", kind: kindGroupsFilter, method: http.MethodGet, path: "/Groups",
		query: "excludedAttributes=members&" + filterQuery(exchange.Entra, "displayName", newGUID()), filter: true}
	e.expectEmpty(ctx, a, req)
}

// saveSettings is the schema discovery Entra runs when the provisioning page is saved.
func (e *entra) saveSettings(ctx context.Context, a *action) {
	req := request{what: "Entra reads the schemas on save", kind: kindSchemas, method: http.MethodGet, path: "/Schemas"}
	ex, body := a.send(ctx, req)
	a.expect(ex, req, body, http.StatusOK)
}

func (e *entra) startCycle(ctx context.Context, a *action) {
	e.probe(ctx, a, "Entra checks the endpoint at the start of the cycle")
}

func (e *entra) matchValue(u *user) string {
	if e.matchOn == "externalId" {
		return u.ExternalID
	}
	return u.UserName
}

// assign provisions a user: a user whose id Entra cached is read and patched; any
// other is looked up on the matching attribute, then matched or created (§3.3).
func (e *entra) assign(ctx context.Context, a *action, u *user) {
	if u.id != "" {
		e.sync(ctx, a, u, &u.Person, "Entra reads "+u.UserName+" to compare it")
		return
	}
	f := e.match(ctx, a, u)
	switch {
	case !f.ok:
		return
	case len(f.hits) == 1:
		a.note(NoteLinked, fmt.Sprintf("Entra matched the existing user (id %s) on %s and updates it instead of creating one.", u.id, e.matchOn))
		e.patchDiff(ctx, a, u, f.hits[0], &u.Person)
		return
	}
	e.create(ctx, a, u)
}

// match looks the user up on the matching attribute and links a single hit. Two
// hits fail the user, as Entra skips it.
func (e *entra) match(ctx context.Context, a *action, u *user) found {
	value := e.matchValue(u)
	req := request{what: "Entra looks " + u.UserName + " up by " + e.matchOn, kind: kindUsersFilter, method: http.MethodGet,
		path: "/Users", query: filterQuery(exchange.Entra, e.matchOn, value), filter: true}
	f := a.lookup(ctx, req, e.matchOn, value, u.held)
	switch {
	case !f.ok:
	case len(f.hits) > 1:
		a.fail(NoteDuplicateTargets, fmt.Sprintf("The lookup %s eq %q returned %d users. Entra logs DuplicateTargetEntries and skips the user: it neither creates nor updates it until only one matches.", e.matchOn, value, len(f.hits)))
		f.ok = false
	case len(f.hits) == 1:
		u.id = str(f.hits[0], "id")
		u.held = u.id
	}
	return f
}

// lookup is assign's first request alone: a single hit is linked.
func (e *entra) lookup(ctx context.Context, a *action, u *user) { e.match(ctx, a, u) }

// create is Entra's POST of a user its lookup did not find.
func (e *entra) create(ctx context.Context, a *action, u *user) {
	post := request{what: "Entra creates " + u.UserName, kind: kindUsersCreate, method: http.MethodPost, path: "/Users", body: u.createBody}
	if len(u.Nulls) > 0 {
		post.quirks = append(post.quirks, quirkNulls)
	}
	ex, body := a.send(ctx, post)
	if !a.expect(ex, post, body, http.StatusCreated, http.StatusOK) {
		return
	}
	if id, _, ok := a.created(body); ok {
		u.id, u.held = id, id
	}
}

// sync reads a linked user by id and patches what differs from want.
func (e *entra) sync(ctx context.Context, a *action, u *user, want *Person, what string) bool {
	req := request{what: what, kind: kindUserGet, method: http.MethodGet, path: "/Users/" + escapeID(u.id)}
	ex, body := a.send(ctx, req)
	if !a.expect(ex, req, body, http.StatusOK) {
		return false
	}
	doc, err := parseResource(body)
	if err != nil {
		a.unreadable(err)
		return false
	}
	return e.patchDiff(ctx, a, u, doc, want)
}

// change is one attribute Entra sends: its SCIM path, the value, and whether the
// server already shows a value there, which makes the op Replace rather than Add.
type change struct {
	path, value string
	present     bool
}

// diff lists want's attributes that the server's doc lacks or holds otherwise.
func (e *entra) diff(doc map[string]any, want *Person) []change {
	var out []change
	add := func(path, value string) {
		if value == "" {
			return
		}
		have, ok := valueAt(doc, path)
		if ok && have == value {
			return
		}
		out = append(out, change{path: path, value: value, present: ok && have != ""})
	}
	for _, f := range want.fields() {
		path := f.path
		if f.name == "locale" {
			path = "preferredLanguage"
		}
		add(path, f.value)
	}
	// Entra's default mapping joins the names into name.formatted as well.
	add("name.formatted", joinName(want.GivenName, want.FamilyName))
	return out
}

// valueAt reads a string attribute by the paths Entra writes.
func valueAt(doc map[string]any, path string) (string, bool) {
	if rest, ok := strings.CutPrefix(path, enterpriseURN+":"); ok {
		ext, _ := doc[enterpriseURN].(map[string]any)
		v, ok := ext[rest].(string)
		return v, ok
	}
	if path == `emails[type eq "work"].value` {
		emails, _ := doc["emails"].([]any)
		for _, e := range emails {
			if m, ok := e.(map[string]any); ok && m["type"] == "work" {
				v, ok := m["value"].(string)
				return v, ok
			}
		}
		return "", false
	}
	if parent, sub, ok := strings.Cut(path, "."); ok {
		m, _ := doc[parent].(map[string]any)
		v, ok := m[sub].(string)
		return v, ok
	}
	v, ok := doc[path].(string)
	return v, ok
}

// patchDiff sends one PATCH for everything that differs, or nothing when all agrees.
func (e *entra) patchDiff(ctx context.Context, a *action, u *user, doc map[string]any, want *Person) bool {
	changes := e.diff(doc, want)
	if len(changes) == 0 {
		return true
	}
	var ops []patchOp
	quirks := e.opQuirks()
	var dotted map[string]any
	for _, c := range changes {
		op := e.op("replace")
		if !c.present {
			op = e.op("add")
		}
		if strings.Contains(c.path, "[") && !c.present {
			quirks = append(quirks, quirkFilterCreates)
		}
		if e.compliant && !strings.Contains(c.path, "[") {
			// aadOptscim062020: one path-less replace whose keys are attribute paths.
			if dotted == nil {
				dotted = map[string]any{}
				ops = append(ops, patchOp{Op: "replace", Value: dotted})
			}
			dotted[c.path] = c.value
			continue
		}
		ops = append(ops, patchOp{Op: op, Path: c.path, Value: c.value})
	}
	if dotted != nil {
		quirks = append(quirks, quirkDottedKeys)
	}
	req := request{what: "Entra updates " + u.UserName, kind: kindUserPatch, method: http.MethodPatch, path: "/Users/" + escapeID(u.id),
		body: mustJSON(patchBody{Schemas: []string{patchOpURN}, Operations: ops}), quirks: quirks}
	return e.sendPatch(ctx, a, req)
}

func (e *entra) sendPatch(ctx context.Context, a *action, req request) bool {
	ex, body := a.send(ctx, req)
	return a.expect(ex, req, body, http.StatusOK, http.StatusNoContent)
}

func (e *entra) updateUser(ctx context.Context, a *action, u *user, set *Person) {
	next := u.Person.with(set)
	if e.sync(ctx, a, u, &next, "Entra reads "+u.UserName+" before updating it") {
		u.Person = next
	}
}

// setActive is Entra's disable / re-enable: "Replace" with the string "False"/"True"
// from the default IsSoftDeleted mapping, or a boolean with the flag (§3.5).
func (e *entra) setActive(ctx context.Context, a *action, u *user, active bool) {
	var value any = active
	quirks := e.opQuirks()
	if !e.compliant {
		value = "False"
		if active {
			value = "True"
		}
		quirks = append(quirks, quirkStringBool)
	}
	verb := "disables"
	if active {
		verb = "re-enables"
	}
	req := request{what: "Entra " + verb + " " + u.UserName, kind: kindUserPatch, method: http.MethodPatch, path: "/Users/" + escapeID(u.id),
		body:   mustJSON(patchBody{Schemas: []string{patchOpURN}, Operations: []patchOp{{Op: e.op("replace"), Path: "active", Value: value}}}),
		quirks: quirks}
	e.sendPatch(ctx, a, req)
}

func (e *entra) deactivate(ctx context.Context, a *action, u *user) { e.setActive(ctx, a, u, false) }

func (e *entra) reactivate(ctx context.Context, a *action, u *user) {
	if u.id == "" {
		e.assign(ctx, a, u)
		return
	}
	e.setActive(ctx, a, u, true)
}

// deleteUser is the hard delete, sent 30 days after a soft delete or on a purge.
func (e *entra) deleteUser(ctx context.Context, a *action, u *user) {
	req := request{what: "Entra deletes " + u.UserName + " (hard delete)", kind: kindUserDelete, method: http.MethodDelete, path: "/Users/" + escapeID(u.id)}
	ex, body := a.send(ctx, req)
	if a.expect(ex, req, body, http.StatusNoContent, http.StatusOK) {
		u.id, u.held = "", ""
	}
}

// setManager links the manager once both users exist, with the manager's id as a
// bare string: Add the first time, Replace on a change (§3.4).
func (e *entra) setManager(ctx context.Context, a *action, u, m *user) {
	op := e.op("add")
	if u.managerSet {
		op = e.op("replace")
	}
	req := request{what: "Entra links " + u.UserName + "'s manager " + m.UserName, kind: kindUserPatch, method: http.MethodPatch, path: "/Users/" + escapeID(u.id),
		body:   mustJSON(patchBody{Schemas: []string{patchOpURN}, Operations: []patchOp{{Op: op, Path: enterpriseURN + ":manager", Value: m.id}}}),
		quirks: e.opQuirks(quirkBareManager)}
	if e.sendPatch(ctx, a, req) {
		u.managerSet = true
	}
}

// addRole assigns an app role the AppRoleAssignmentsComplex way: the member value is
// a JSON document inside a string (§3.4).
func (e *entra) addRole(ctx context.Context, a *action, u *user, role string) {
	doc := string(mustJSON(struct {
		ID          string `json:"id"`
		Value       string `json:"value"`
		DisplayName string `json:"displayName"`
	}{guidFor("role:" + role), role, role}))
	req := request{what: "Entra gives " + u.UserName + " the app role " + role, kind: kindUserPatch, method: http.MethodPatch, path: "/Users/" + escapeID(u.id),
		body:   mustJSON(patchBody{Schemas: []string{patchOpURN}, Operations: []patchOp{{Op: e.op("add"), Path: "roles", Value: []plainMember{{Value: doc}}}}}),
		quirks: e.opQuirks(quirkRoleJSON)}
	e.sendPatch(ctx, a, req)
}

// pushGroup provisions a group: lookup by displayName, create without members, then
// one PATCH adding them (§3.6).
func (e *entra) pushGroup(ctx context.Context, a *action, g *group) {
	req := request{what: "Entra looks group " + g.name + " up by displayName", kind: kindGroupsFilter, method: http.MethodGet, path: "/Groups",
		query: "excludedAttributes=members&" + filterQuery(exchange.Entra, "displayName", g.name), filter: true}
	ex, body := a.send(ctx, req)
	if !a.expect(ex, req, body, http.StatusOK) {
		return
	}
	list, err := parseList(body)
	if err != nil {
		a.unreadable(err)
		return
	}
	if !e.membersExcluded(a, list.resources...) {
		return
	}
	switch len(list.resources) {
	case 0:
		post := request{what: "Entra creates group " + g.name, kind: kindGroupsCreate, method: http.MethodPost, path: "/Groups",
			body:   mustJSON(entraGroup{Schemas: []string{coreGroupURN, adscimGroupURN}, ExternalID: g.externalID, DisplayName: g.name, Meta: resourceMeta{ResourceType: "Group"}}),
			quirks: []quirkUse{quirkGroupURN}}
		ex, body = a.send(ctx, post)
		if !a.expect(ex, post, body, http.StatusCreated, http.StatusOK) {
			return
		}
		id, _, ok := a.created(body)
		if !ok {
			return
		}
		g.id = id
	case 1:
		if !matches(list.resources[0], "displayName", g.name) {
			a.fail(NoteWrongMatch, fmt.Sprintf("The lookup displayName eq %q returned group %q: the server ignores the filter, and Entra would take it for this group.", g.name, str(list.resources[0], "displayName")))
			return
		}
		g.id = str(list.resources[0], "id")
		a.note(NoteLinked, fmt.Sprintf("Entra matched the existing group %s (id %s) on displayName instead of creating one.", g.name, g.id))
	default:
		a.fail(NoteDuplicateTargets, fmt.Sprintf("The lookup displayName eq %q returned %d groups. Entra logs DuplicateTargetEntries and skips the group.", g.name, len(list.resources)))
		return
	}
	var us []*user
	for _, u := range g.members {
		if u.id != "" {
			us = append(us, u)
		}
	}
	if len(us) > 0 {
		e.patchMembers(ctx, a, g, "add", us)
	}
}

// membersExcluded checks that excludedAttributes=members was honoured.
func (e *entra) membersExcluded(a *action, docs ...map[string]any) bool {
	for _, d := range docs {
		if _, ok := d["members"]; ok {
			a.fail(NoteMembersReturned, "The server returned members although Entra asked for excludedAttributes=members. Entra logs SystemForCrossDomainIdentityManagementMultipleEntriesInResponse for the group, and large groups make every read slow.")
			return false
		}
	}
	return true
}

// readGroup is the read by id Entra makes before changing a group.
func (e *entra) readGroup(ctx context.Context, a *action, g *group) bool {
	req := request{what: "Entra reads group " + g.name, kind: kindGroupGet, method: http.MethodGet, path: "/Groups/" + escapeID(g.id), query: "excludedAttributes=members"}
	ex, body := a.send(ctx, req)
	if !a.expect(ex, req, body, http.StatusOK) {
		return false
	}
	doc, err := parseResource(body)
	if err != nil {
		a.unreadable(err)
		return false
	}
	return e.membersExcluded(a, doc)
}

// patchMembers adds or removes members in one PATCH. By default a removal is path
// "members" with a value list; with the flag, one members[value eq "…"] op each.
func (e *entra) patchMembers(ctx context.Context, a *action, g *group, verb string, us []*user) bool {
	var ops []patchOp
	quirks := e.opQuirks()
	switch {
	case e.compliant && verb == "remove":
		for _, u := range us {
			ops = append(ops, patchOp{Op: "remove", Path: `members[value eq "` + u.id + `"]`})
		}
	case e.compliant:
		vals := make([]plainMember, len(us))
		for i, u := range us {
			vals[i] = plainMember{Value: u.id}
		}
		ops = []patchOp{{Op: "add", Path: "members", Value: vals}}
	default:
		vals := make([]entraMember, len(us))
		for i, u := range us {
			vals[i] = entraMember{Value: u.id}
		}
		ops = []patchOp{{Op: e.op(verb), Path: "members", Value: vals}}
		if verb == "remove" {
			quirks = append(quirks, quirkRemoveByValue)
		}
	}
	what := fmt.Sprintf("Entra adds %d member(s) to %s", len(us), g.name)
	if verb == "remove" {
		what = fmt.Sprintf("Entra removes %d member(s) from %s", len(us), g.name)
	}
	req := request{what: what, kind: kindGroupPatch, method: http.MethodPatch, path: "/Groups/" + escapeID(g.id),
		body: mustJSON(patchBody{Schemas: []string{patchOpURN}, Operations: ops}), quirks: quirks}
	ex, body := a.send(ctx, req)
	if !a.expect(ex, req, body, http.StatusNoContent, http.StatusOK) {
		return false
	}
	next := g.members
	if verb == "add" {
		for _, u := range us {
			if !slices.Contains(next, u) {
				next = append(next, u)
			}
		}
	} else {
		next = without(g.members, us)
		if !e.keptOthers(a, body, next) {
			return false
		}
	}
	g.members = next
	return true
}

// keptOthers checks, when the server answered with the group, that a removal took
// only the listed members: servers that read Entra's value-list removal as "remove
// all" have wiped real groups (reference §3.6).
func (e *entra) keptOthers(a *action, body []byte, remaining []*user) bool {
	doc, err := parseResource(body)
	if err != nil {
		return true
	}
	list, ok := doc["members"].([]any)
	if !ok {
		return true
	}
	have := map[string]bool{}
	for _, m := range list {
		if mm, ok := m.(map[string]any); ok {
			have[str(mm, "value")] = true
		}
	}
	var lost []string
	for _, u := range remaining {
		if !have[u.id] {
			lost = append(lost, u.UserName)
		}
	}
	if len(lost) == 0 {
		return true
	}
	a.fail(NoteMembersWiped, fmt.Sprintf("The server removed more than Entra asked: after the removal the group no longer lists %s. Entra's Remove with a value list removes only the listed members; a server that reads it as \"remove every member\" empties real groups, and Entra does not notice.", strings.Join(lost, ", ")))
	return false
}

func (e *entra) addMembers(ctx context.Context, a *action, g *group, us []*user) {
	if e.readGroup(ctx, a, g) {
		e.patchMembers(ctx, a, g, "add", us)
	}
}

func (e *entra) removeMembers(ctx context.Context, a *action, g *group, us []*user) {
	if e.readGroup(ctx, a, g) {
		e.patchMembers(ctx, a, g, "remove", us)
	}
}

func (e *entra) renameGroup(ctx context.Context, a *action, g *group, to string) {
	if !e.readGroup(ctx, a, g) {
		return
	}
	req := request{what: "Entra renames group " + g.name + " to " + to, kind: kindGroupPatch, method: http.MethodPatch, path: "/Groups/" + escapeID(g.id),
		body:   mustJSON(patchBody{Schemas: []string{patchOpURN}, Operations: []patchOp{{Op: e.op("replace"), Path: "displayName", Value: to}}}),
		quirks: e.opQuirks()}
	if e.sendPatch(ctx, a, req) {
		g.name = to
	}
}

func (e *entra) deleteGroup(ctx context.Context, a *action, g *group) {
	req := request{what: "Entra deletes group " + g.name, kind: kindGroupDelete, method: http.MethodDelete, path: "/Groups/" + escapeID(g.id)}
	ex, body := a.send(ctx, req)
	if a.expect(ex, req, body, http.StatusNoContent, http.StatusOK) {
		g.id = ""
	}
}
