package sim

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/scimlab/scimlab/exchange"
)

// okta plays Okta's provisioning agent (reference §2).
type okta struct {
	r   *run
	aiw bool
}

const (
	coreUserURN  = "urn:ietf:params:scim:schemas:core:2.0:User"
	coreGroupURN = "urn:ietf:params:scim:schemas:core:2.0:Group"
	patchOpURN   = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
	// oktaMembersPerPatch is Okta's default chunk of membership changes (reference §2.7).
	oktaMembersPerPatch = 100
)

type oktaName struct {
	GivenName  string `json:"givenName,omitempty"`
	FamilyName string `json:"familyName,omitempty"`
}

type oktaEmail struct {
	Primary bool   `json:"primary"`
	Value   string `json:"value"`
	Type    string `json:"type"`
}

type enterprise struct {
	Department     string `json:"department,omitempty"`
	EmployeeNumber string `json:"employeeNumber,omitempty"`
	CostCenter     string `json:"costCenter,omitempty"`
}

// oktaUser is Okta's create body, fields in the order of Okta's documented example.
type oktaUser struct {
	Schemas     []string    `json:"schemas"`
	UserName    string      `json:"userName"`
	Name        *oktaName   `json:"name,omitempty"`
	Emails      []oktaEmail `json:"emails,omitempty"`
	DisplayName string      `json:"displayName,omitempty"`
	Locale      string      `json:"locale,omitempty"`
	Title       string      `json:"title,omitempty"`
	Enterprise  *enterprise `json:"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User,omitempty"`
	ExternalID  string      `json:"externalId,omitempty"`
	Groups      []string    `json:"groups"`
	Password    string      `json:"password"`
	Active      bool        `json:"active"`
}

type oktaMember struct {
	Value   string `json:"value"`
	Display string `json:"display"`
}

type oktaGroup struct {
	Schemas     []string     `json:"schemas"`
	DisplayName string       `json:"displayName"`
	Members     []oktaMember `json:"members"`
}

type patchBody struct {
	Schemas    []string  `json:"schemas"`
	Operations []patchOp `json:"Operations"`
}

type patchOp struct {
	Op    string `json:"op"`
	Path  string `json:"path,omitempty"`
	Value any    `json:"value,omitempty"`
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic("sim: encoding a request body: " + err.Error())
	}
	return b
}

func enterpriseOf(p Person) *enterprise {
	e := enterprise{Department: p.Department, EmployeeNumber: p.EmployeeNumber, CostCenter: p.CostCenter}
	if e == (enterprise{}) {
		return nil
	}
	return &e
}

func (o *okta) createBody(u *user) []byte {
	body := oktaUser{
		Schemas:     []string{coreUserURN},
		UserName:    u.UserName,
		DisplayName: u.DisplayName,
		Locale:      u.Locale,
		Title:       u.Title,
		Enterprise:  enterpriseOf(u.Person),
		ExternalID:  u.ExternalID,
		Groups:      []string{},
		// Okta sends a random placeholder even with Sync Password off (reference §2.3).
		Password: digest("password:" + u.UserName)[:8],
		Active:   true,
	}
	if body.Enterprise != nil {
		body.Schemas = append(body.Schemas, enterpriseURN)
	}
	if u.GivenName != "" || u.FamilyName != "" {
		body.Name = &oktaName{GivenName: u.GivenName, FamilyName: u.FamilyName}
	}
	if u.Email != "" {
		body.Emails = []oktaEmail{{Primary: true, Value: u.Email, Type: "work"}}
	}
	return mustJSON(body)
}

func (o *okta) testConnection(ctx context.Context, a *action) {
	// "The query parameters are always constant" (reference §2.1).
	o.listPage(ctx, a, "Okta tests the connector configuration", kindUsersList, "/Users", "startIndex=1&count=2")
}

func (o *okta) saveSettings(ctx context.Context, a *action) {
	if o.listPage(ctx, a, "Okta tests the connection again on save", kindUsersList, "/Users", "startIndex=1&count=2") == nil {
		return
	}
	o.listPage(ctx, a, "Okta reads the app's groups on save", kindGroupsList, "/Groups", "startIndex=1&count=100")
}

// importAll pages through users and groups a hundred at a time until totalResults is
// covered, as Import Now does (reference §2.2).
func (o *okta) importAll(ctx context.Context, a *action) {
	for _, res := range []struct{ path, kind string }{{"/Users", kindUsersList}, {"/Groups", kindGroupsList}} {
		for start, page := 1, 1; ; page++ {
			list := o.listPage(ctx, a, fmt.Sprintf("Okta imports %s, page %d", strings.TrimPrefix(res.path, "/"), page), res.kind, res.path, fmt.Sprintf("startIndex=%d&count=100", start))
			if list == nil {
				return
			}
			start += 100
			if start > list.total || len(list.resources) == 0 {
				break
			}
		}
	}
}

// listPage sends an unfiltered list request and checks it is a ListResponse Okta can read.
func (o *okta) listPage(ctx context.Context, a *action, what, kind, path, query string) *listResponse {
	req := request{what: what, kind: kind, method: http.MethodGet, path: path, query: query}
	ex, body := a.send(ctx, req)
	if !a.expect(ex, req, body, http.StatusOK) {
		return nil
	}
	list, err := parseList(body)
	if err != nil {
		a.unreadable(err)
		return nil
	}
	if len(list.badNumbers) > 0 {
		a.fail(NoteListTypes, fmt.Sprintf("The ListResponse numbers must be JSON integers, but %s. Okta then fails silently: imports stop and assignments end in \"Sync user in external application\" FAILURE.", strings.Join(list.badNumbers, ", ")))
		return nil
	}
	return &list
}

func (o *okta) lookupReq(u *user) request {
	return request{
		what: "Okta checks whether " + u.UserName + " exists", kind: kindUsersFilter, method: http.MethodGet,
		path: "/Users", query: filterQuery(exchange.Okta, "userName", u.UserName) + "&startIndex=1&count=100", filter: true,
	}
}

func (o *okta) assign(ctx context.Context, a *action, u *user) {
	f := a.lookup(ctx, o.lookupReq(u), "userName", u.UserName, u.held)
	if !f.ok {
		return
	}
	if len(f.hits) > 0 {
		o.link(ctx, a, u, f.hits[0])
		return
	}
	o.create(ctx, a, u)
}

// lookup is assign's first request alone: a hit is linked, as assign links it, but
// an inactive match is not reactivated.
func (o *okta) lookup(ctx context.Context, a *action, u *user) {
	f := a.lookup(ctx, o.lookupReq(u), "userName", u.UserName, u.held)
	if f.ok && len(f.hits) > 0 {
		u.id = str(f.hits[0], "id")
		u.held = u.id
	}
}

// link is Okta's answer to a lookup hit: it stores the id instead of creating, and
// reactivates an inactive match (reference §2.3, §2.5).
func (o *okta) link(ctx context.Context, a *action, u *user, doc map[string]any) {
	u.id = str(doc, "id")
	u.held = u.id
	if activeOf(doc) {
		a.note(NoteLinked, fmt.Sprintf("Okta found %s (id %s) and links the app user to it instead of creating one.", u.UserName, u.id))
		return
	}
	a.note(NoteReactivateMatch, fmt.Sprintf("Okta found %s (id %s) inactive: it links the app user to it and reactivates it instead of creating one.", u.UserName, u.id))
	o.setActive(ctx, a, u, true)
}

func (o *okta) create(ctx context.Context, a *action, u *user) {
	req := request{what: "Okta creates " + u.UserName, kind: kindUsersCreate, method: http.MethodPost, path: "/Users", body: u.createBody, quirks: []quirkUse{quirkPassword}}
	ex, body := a.send(ctx, req)
	if !a.expect(ex, req, body, http.StatusCreated, http.StatusOK) {
		return
	}
	if id, _, ok := a.created(body); ok {
		u.id, u.held = id, id
	}
}

// readModifyWrite is Okta's GET then PUT of the whole user: the PUT echoes what the
// GET returned with Okta's changes laid over it (reference §2.4).
func (o *okta) readModifyWrite(ctx context.Context, a *action, u *user, what string, change func(doc map[string]any)) bool {
	get := request{what: "Okta reads " + u.UserName + " before writing it back", kind: kindUserGet, method: http.MethodGet, path: "/Users/" + escapeID(u.id)}
	ex, body := a.send(ctx, get)
	if !a.expect(ex, get, body, http.StatusOK) {
		return false
	}
	doc, err := parseResource(body)
	if err != nil {
		a.unreadable(err)
		return false
	}
	change(doc)
	put := request{what: what, kind: kindUserPut, method: http.MethodPut, path: "/Users/" + escapeID(u.id), body: mustJSON(doc), quirks: []quirkUse{quirkReadOnlyEcho}}
	ex, body = a.send(ctx, put)
	return a.expect(ex, put, body, http.StatusOK)
}

func (o *okta) updateUser(ctx context.Context, a *action, u *user, set *Person) {
	next := u.Person.with(set)
	if o.readModifyWrite(ctx, a, u, "Okta pushes "+u.UserName+"'s profile", func(doc map[string]any) { overlay(doc, set) }) {
		u.Person = next
	}
}

// overlay writes a Person's non-empty fields into a resource as Okta maps them.
func overlay(doc map[string]any, set *Person) {
	for _, f := range set.fields() {
		if f.value == "" {
			continue
		}
		switch {
		case f.name == "givenName" || f.name == "familyName":
			name, _ := doc["name"].(map[string]any)
			if name == nil {
				name = map[string]any{}
				doc["name"] = name
			}
			name[f.name] = f.value
		case f.name == "email":
			setWorkEmail(doc, f.value)
		case strings.HasPrefix(f.path, enterpriseURN+":"):
			ext, _ := doc[enterpriseURN].(map[string]any)
			if ext == nil {
				ext = map[string]any{}
				doc[enterpriseURN] = ext
				if s, ok := doc["schemas"].([]any); ok && !slices.Contains(s, any(enterpriseURN)) {
					doc["schemas"] = append(s, enterpriseURN)
				}
			}
			ext[f.name] = f.value
		default:
			doc[f.name] = f.value
		}
	}
}

func setWorkEmail(doc map[string]any, value string) {
	emails, _ := doc["emails"].([]any)
	for _, e := range emails {
		if m, ok := e.(map[string]any); ok && (m["type"] == "work" || m["primary"] == true) {
			m["value"] = value
			return
		}
	}
	doc["emails"] = append(emails, map[string]any{"primary": true, "value": value, "type": "work"})
}

// setActive is Okta's (de)activation: GET + PUT for AIW apps, a path-less PATCH for
// catalog apps (reference §2.5).
func (o *okta) setActive(ctx context.Context, a *action, u *user, active bool) {
	verb := "deactivates"
	if active {
		verb = "reactivates"
	}
	if o.aiw {
		o.readModifyWrite(ctx, a, u, "Okta "+verb+" "+u.UserName, func(doc map[string]any) { doc["active"] = active })
		return
	}
	req := request{
		what: "Okta " + verb + " " + u.UserName, kind: kindUserPatch, method: http.MethodPatch, path: "/Users/" + escapeID(u.id),
		body: mustJSON(patchBody{Schemas: []string{patchOpURN}, Operations: []patchOp{{Op: "replace", Value: map[string]any{"active": active}}}}),
	}
	ex, body := a.send(ctx, req)
	a.expect(ex, req, body, http.StatusOK, http.StatusNoContent)
}

func (o *okta) deactivate(ctx context.Context, a *action, u *user) { o.setActive(ctx, a, u, false) }

// reactivate is a re-assignment: Okta looks the user up again, links the match and
// reactivates it; a miss makes it create the user anew.
func (o *okta) reactivate(ctx context.Context, a *action, u *user) { o.assign(ctx, a, u) }

func membersOf(us []*user) []oktaMember {
	out := make([]oktaMember, 0, len(us))
	for _, u := range us {
		if u.id != "" {
			out = append(out, oktaMember{Value: u.id, Display: u.UserName})
		}
	}
	return out
}

// pushGroup creates the group; an AIW app sends its provisioned members along, a
// catalog app creates it empty and then syncs name and members by PATCH.
func (o *okta) pushGroup(ctx context.Context, a *action, g *group) {
	body := oktaGroup{Schemas: []string{coreGroupURN}, DisplayName: g.name, Members: []oktaMember{}}
	if o.aiw {
		body.Members = membersOf(g.members)
	}
	req := request{what: "Okta pushes group " + g.name, kind: kindGroupsCreate, method: http.MethodPost, path: "/Groups", body: mustJSON(body)}
	ex, resp := a.send(ctx, req)
	if !a.expect(ex, req, resp, http.StatusCreated, http.StatusOK) {
		return
	}
	id, _, ok := a.created(resp)
	if !ok {
		return
	}
	g.id = id
	if !o.aiw && len(membersOf(g.members)) > 0 {
		o.patchMembers(ctx, a, g, g.members, nil)
	}
}

func (o *okta) nameSync(ctx context.Context, a *action, g *group, name string) bool {
	req := request{
		what: "Okta syncs the name of group " + g.name, kind: kindGroupPatch, method: http.MethodPatch, path: "/Groups/" + escapeID(g.id),
		body: mustJSON(patchBody{Schemas: []string{patchOpURN}, Operations: []patchOp{{Op: "replace", Value: struct {
			ID          string `json:"id"`
			DisplayName string `json:"displayName"`
		}{g.id, name}}}}),
	}
	ex, body := a.send(ctx, req)
	return a.expect(ex, req, body, http.StatusOK, http.StatusNoContent)
}

// patchMembers is a catalog app's membership push: the name sync first, then the
// changes in chunks of a hundred per PATCH.
func (o *okta) patchMembers(ctx context.Context, a *action, g *group, add, remove []*user) bool {
	if !o.nameSync(ctx, a, g, g.name) {
		return false
	}
	var ops []patchOp
	for _, u := range remove {
		ops = append(ops, patchOp{Op: "remove", Path: `members[value eq "` + u.id + `"]`})
	}
	adds := membersOf(add)
	for len(ops) > 0 || len(adds) > 0 {
		room := oktaMembersPerPatch
		chunk := ops[:min(len(ops), room)]
		ops = ops[len(chunk):]
		room -= len(chunk)
		if n := min(len(adds), room); n > 0 {
			chunk = append(slices.Clip(chunk), patchOp{Op: "add", Path: "members", Value: adds[:n]})
			adds = adds[n:]
		}
		req := request{
			what: fmt.Sprintf("Okta pushes membership of %s", g.name), kind: kindGroupPatch, method: http.MethodPatch,
			path: "/Groups/" + escapeID(g.id), body: mustJSON(patchBody{Schemas: []string{patchOpURN}, Operations: chunk}),
		}
		ex, body := a.send(ctx, req)
		if !a.expect(ex, req, body, http.StatusOK, http.StatusNoContent) {
			return false
		}
	}
	return true
}

// putGroup is an AIW app's group push: GET, then PUT of the whole group with Okta's
// member list (reference §2.7).
func (o *okta) putGroup(ctx context.Context, a *action, g *group, name string, members []*user) bool {
	get := request{what: "Okta reads group " + g.name + " before pushing it", kind: kindGroupGet, method: http.MethodGet, path: "/Groups/" + escapeID(g.id)}
	ex, body := a.send(ctx, get)
	if !a.expect(ex, get, body, http.StatusOK) {
		return false
	}
	doc, err := parseResource(body)
	if err != nil {
		a.unreadable(err)
		return false
	}
	doc["displayName"] = name
	doc["members"] = membersOf(members)
	put := request{what: "Okta pushes group " + g.name + " with its full member list", kind: kindGroupPut, method: http.MethodPut, path: "/Groups/" + escapeID(g.id), body: mustJSON(doc), quirks: []quirkUse{quirkReadOnlyEcho}}
	ex, body = a.send(ctx, put)
	return a.expect(ex, put, body, http.StatusOK)
}

func (o *okta) addMembers(ctx context.Context, a *action, g *group, us []*user) {
	next := slices.Clone(g.members)
	for _, u := range us {
		if !slices.Contains(next, u) {
			next = append(next, u)
		}
	}
	ok := false
	if o.aiw {
		ok = o.putGroup(ctx, a, g, g.name, next)
	} else {
		ok = o.patchMembers(ctx, a, g, us, nil)
	}
	if ok {
		g.members = next
	}
}

func (o *okta) removeMembers(ctx context.Context, a *action, g *group, us []*user) {
	next := without(g.members, us)
	ok := false
	if o.aiw {
		ok = o.putGroup(ctx, a, g, g.name, next)
	} else {
		ok = o.patchMembers(ctx, a, g, nil, us)
	}
	if ok {
		g.members = next
	}
}

func (o *okta) renameGroup(ctx context.Context, a *action, g *group, to string) {
	ok := false
	if o.aiw {
		ok = o.putGroup(ctx, a, g, to, g.members)
	} else {
		ok = o.nameSync(ctx, a, g, to)
	}
	if ok {
		// Steps keep naming the group as the scenario declared it.
		g.name = to
	}
}

// deleteGroup is "Unlink pushed group" with "Delete the group in the target app".
func (o *okta) deleteGroup(ctx context.Context, a *action, g *group) {
	req := request{what: "Okta unlinks group " + g.name + " and deletes it in the app", kind: kindGroupDelete, method: http.MethodDelete, path: "/Groups/" + escapeID(g.id)}
	ex, body := a.send(ctx, req)
	if a.expect(ex, req, body, http.StatusNoContent, http.StatusOK) {
		g.id = ""
	}
}
