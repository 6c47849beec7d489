package idp

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/scimlab/scimlab/exchange"
)

func (c *Classifier) classifyGroups(a *exchange.Annotation, r *rx) {
	id := r.route.id
	switch r.method() {
	case http.MethodGet:
		if id == "" {
			c.listGroups(a, r)
		} else {
			c.readGroup(a, r, id)
		}
	case http.MethodPost:
		c.createGroup(a, r)
	case http.MethodPut:
		c.replaceGroup(a, r, id)
	case http.MethodPatch:
		c.patchGroup(a, r, id)
	case http.MethodDelete:
		a.Step = exchange.StepDeleteGroup
		a.Subject = c.groupName(id)
		if !r.success() {
			fail(a, r, "delete "+named("group", a.Subject))
			return
		}
		a.Summary = a.IdP.Short() + " deleted " + named("group", a.Subject)
		if a.IdP == exchange.Okta {
			a.Summary += " (unlinked the pushed group with delete)"
		}
		c.groups.del(id)
		c.docs.del(docKey("Groups", id))
	default:
		a.Step = exchange.StepOther
		a.Summary = a.IdP.Short() + " sent " + r.method() + " " + r.ex.Path + ": " + statusText(r)
		a.Failed = !r.success()
	}
}

func (c *Classifier) listGroups(a *exchange.Annotation, r *rx) {
	who := a.IdP.Short()
	if r.success() {
		c.learnList("Groups", r.resp)
	}
	total, _ := number(r.resp, "totalResults")
	f := r.filter
	switch {
	case c.isProbe(r):
		a.Step = exchange.StepTestConnection
		c.testSummary(a, r, " (groups)")
	case f.ok:
		a.Step = exchange.StepGroupLookup
		a.Subject = f.value
		notFound := r.success() && total == 0 && len(list(r.resp, "Resources")) == 0
		if r.status == http.StatusNotFound && a.IdP != exchange.Entra {
			notFound = true
		}
		what := "group " + lookedUp(f.value)
		if a.IdP == exchange.Okta && strings.EqualFold(f.attr, "displayName") {
			// Okta looks a pushed group up by name when it lacks the group's id, e.g.
			// with Import Groups off (idp-wire-format.md §0.2, correction 1).
			what = "pushed group " + lookedUp(f.value) + " by name"
		}
		switch {
		case notFound:
			a.Summary = who + " looked up " + what + ": not found"
		case r.success():
			a.Summary = who + " looked up " + what + ": found"
		default:
			fail(a, r, "look up "+what)
		}
	default:
		a.Step = exchange.StepImportGroups
		page := pageOf(r)
		if !r.success() {
			fail(a, r, "read the app's groups")
			return
		}
		n := len(list(r.resp, "Resources"))
		// Okta's Save sends its test connection and then this listing; the same listing
		// after anything else (a users import) is a page of a groups import.
		if a.IdP == exchange.Okta && page == 1 && c.prevStep == exchange.StepTestConnection && c.testIdP == exchange.Okta &&
			!c.testOK.IsZero() && r.ex.Time.Sub(c.testOK) <= settingsWindow {
			a.Summary = "Okta saved the provisioning settings and read the app's groups (" + plural(total, "group") + ")"
			return
		}
		if c.prevStep == exchange.StepImportUsers || c.prevStep == exchange.StepImportGroups {
			a.Summary = who + " imported groups, page " + strconv.Itoa(page) + " (" + plural(n, "group") + " of " + strconv.Itoa(total) + ")"
			return
		}
		a.Summary = who + " read the app's groups, page " + strconv.Itoa(page) + " (" + plural(n, "group") + " of " + strconv.Itoa(total) + ")"
	}
}

func (c *Classifier) readGroup(a *exchange.Annotation, r *rx, id string) {
	a.Step = exchange.StepGroupLookup
	if r.success() {
		c.learnGroup(r.resp)
		// A reply without members (excludedAttributes=members) is no baseline for the
		// member diff of a later PUT.
		if _, ok := field(r.resp, "members"); ok {
			c.docs.put(docKey("Groups", id), r.ex.RespBody)
		}
	}
	a.Subject = c.groupName(id)
	if !r.success() {
		fail(a, r, "read "+named("group", a.Subject))
		return
	}
	a.Summary = a.IdP.Short() + " read " + named("group", a.Subject)
}

func (c *Classifier) createGroup(a *exchange.Annotation, r *rx) {
	who := a.IdP.Short()
	a.Step = exchange.StepCreateGroup
	name := str(r.body, "displayName")
	a.Subject = name
	mv, _ := field(r.body, "members")
	ms := members(mv)
	if !r.success() {
		verb := "create "
		if a.IdP == exchange.Okta {
			verb = "push "
		}
		fail(a, r, verb+named("group", name))
		return
	}
	if a.IdP == exchange.Okta {
		a.Summary = "Okta pushed " + named("group", name)
	} else {
		a.Summary = who + " created " + named("group", name)
	}
	if len(ms) > 0 {
		a.Summary += " (" + plural(len(ms), "member") + ")"
	}
	if id := str(r.resp, "id"); id != "" {
		c.groups.put(id, name)
		if _, ok := field(r.resp, "members"); ok {
			c.docs.put(docKey("Groups", id), r.ex.RespBody)
		}
	}
	c.pushedGroups++
	c.markGrouped(ms)
}

// replaceGroup reads Okta AIW's read-modify-write PUT: the change is the difference
// between the group as last read and the members list sent.
func (c *Classifier) replaceGroup(a *exchange.Annotation, r *rx, id string) {
	who := a.IdP.Short()
	oldName := c.groupName(id)
	newName := str(r.body, "displayName")
	if newName == "" {
		newName = oldName
	}
	a.Subject = newName
	mv, _ := field(r.body, "members")
	now := members(mv)
	prevDoc, hadPrev := c.docs.get(docKey("Groups", id))
	var before []member
	if hadPrev {
		pm, _ := field(jsonObject(prevDoc), "members")
		before = members(pm)
	}
	added, removed := memberDiff(before, now)
	renamed := oldName != id && newName != oldName
	switch {
	case !hadPrev:
		a.Step = exchange.StepReplaceMembers
	case len(added) > 0 && len(removed) > 0:
		a.Step = exchange.StepReplaceMembers
	case len(added) > 0:
		a.Step = exchange.StepAddMembers
	case len(removed) > 0:
		a.Step = exchange.StepRemoveMembers
	case renamed:
		a.Step = exchange.StepRenameGroup
	default:
		a.Step = exchange.StepReplaceMembers
	}
	if !r.success() {
		fail(a, r, "update "+named("group", newName))
		return
	}
	switch a.Step {
	case exchange.StepRenameGroup:
		a.Summary = who + " renamed " + renaming(oldName, newName)
	case exchange.StepAddMembers, exchange.StepRemoveMembers:
		a.Summary = who + ": " + c.memberChange(added, removed, newName)
	default:
		if hadPrev && (len(added) > 0 || len(removed) > 0) {
			a.Summary = who + ": " + c.memberChange(added, removed, newName)
		} else {
			a.Summary = who + " pushed the full member list of " + groupRef(newName) + " (" + plural(len(now), "member") + ")"
		}
	}
	if renamed && a.Step != exchange.StepRenameGroup && oldName != "" {
		a.Summary += ", renamed from " + oldName
	}
	c.markGrouped(now)
	c.learnAfterWrite("Groups", id, r)
}

func memberDiff(before, now []member) (added, removed []member) {
	was := make(map[string]bool, len(before))
	for _, m := range before {
		was[m.id] = true
	}
	is := make(map[string]bool, len(now))
	for _, m := range now {
		is[m.id] = true
		if !was[m.id] {
			added = append(added, m)
		}
	}
	for _, m := range before {
		if !is[m.id] {
			removed = append(removed, m)
		}
	}
	return added, removed
}

// memberChange words a membership change: "add alice to Sales", "remove bob from Sales",
// "add alice, remove bob in Sales".
func (c *Classifier) memberChange(added, removed []member, group string) string {
	switch {
	case len(added) > 0 && len(removed) > 0:
		return "add " + c.memberNames(added) + ", remove " + c.memberNames(removed) + " in " + groupRef(group)
	case len(added) > 0:
		return "add " + c.memberNames(added) + " to " + groupRef(group)
	case len(removed) > 0:
		return "remove " + c.memberNames(removed) + " from " + groupRef(group)
	}
	return "no membership change in " + groupRef(group)
}

func (c *Classifier) memberNames(ms []member) string {
	ns := make([]string, len(ms))
	for i, m := range ms {
		ns[i] = c.userName(m.id)
		if ns[i] == m.id && m.display != "" {
			ns[i] = m.display
		}
	}
	return nameList(ns, "member")
}

func (c *Classifier) patchGroup(a *exchange.Annotation, r *rx, id string) {
	who := a.IdP.Short()
	oldName := c.groupName(id)
	newName := oldName
	var (
		added, removed []member
		replaced       []member
		replacedSet    bool
		removedAll     bool
		renameOp       bool
	)
	for _, op := range r.ops {
		var v any
		_ = json.Unmarshal(op.Value, &v)
		opName := strings.ToLower(op.Op)
		p := strings.ToLower(op.Path)
		switch {
		case op.Path == "":
			m, _ := v.(map[string]any)
			if n := str(m, "displayName"); n != "" {
				newName, renameOp = n, true
			}
			if mv, ok := field(m, "members"); ok {
				replaced, replacedSet = members(mv), true
			}
		case p == "displayname":
			if s, ok := v.(string); ok && s != "" {
				newName, renameOp = s, true
			}
		case p == "members":
			switch opName {
			case "add":
				added = append(added, members(v)...)
			case "remove":
				if op.Value == nil || string(op.Value) == "null" {
					removedAll = true
				} else {
					removed = append(removed, members(v)...)
				}
			case "replace":
				replaced, replacedSet = members(v), true
			}
		case strings.HasPrefix(p, "members["):
			end := strings.LastIndexByte(op.Path, ']')
			if opName != "remove" || end < len("members[") {
				continue
			}
			if f := parseFilter(op.Path[len("members["):end]); f.ok && strings.EqualFold(f.attr, "value") {
				removed = append(removed, member{id: f.value})
			}
		}
	}
	a.Subject = newName
	switch {
	case replacedSet || removedAll:
		a.Step = exchange.StepReplaceMembers
	case len(added) > 0:
		a.Step = exchange.StepAddMembers
	case len(removed) > 0:
		a.Step = exchange.StepRemoveMembers
	case renameOp:
		a.Step = exchange.StepRenameGroup
	default:
		a.Step = exchange.StepOther
	}
	if !r.success() {
		switch a.Step {
		case exchange.StepAddMembers, exchange.StepRemoveMembers:
			fail(a, r, c.memberChange(added, removed, newName))
		case exchange.StepRenameGroup:
			fail(a, r, "rename "+renaming(oldName, newName))
		default:
			fail(a, r, "update "+named("group", newName))
		}
		return
	}
	switch a.Step {
	case exchange.StepReplaceMembers:
		switch {
		case removedAll:
			a.Summary = who + " removed every member of " + groupRef(newName)
		case len(replaced) == 0:
			a.Summary = who + " removed every member of " + groupRef(newName) + " (pushed an empty group)"
		default:
			a.Summary = who + " replaced the members of " + groupRef(newName) + " (" + plural(len(replaced), "member") + ")"
		}
	case exchange.StepAddMembers, exchange.StepRemoveMembers:
		a.Summary = who + ": " + c.memberChange(added, removed, newName)
	case exchange.StepRenameGroup:
		if newName == oldName {
			a.Summary = who + " synced the name of " + named("group", newName) + " (unchanged)"
		} else {
			a.Summary = who + " renamed " + renaming(oldName, newName)
		}
	default:
		a.Summary = who + " updated " + named("group", newName)
	}
	if renameOp && a.Step != exchange.StepRenameGroup && newName != oldName && oldName != "" {
		a.Summary += ", renamed from " + oldName
	}
	if newName != "" && newName != id {
		c.groups.put(id, newName)
	}
	c.markGrouped(append(added, replaced...))
	c.learnAfterWrite("Groups", id, r)
}
