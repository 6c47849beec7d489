package patch

import (
	"strings"

	"github.com/scimlab/scimlab/scim/filter"
	"github.com/scimlab/scimlab/scim/quirk"
	"github.com/scimlab/scimlab/scim/schema"
)

// set applies an add or a replace to a known attribute (RFC 7644 §3.5.2.1, §3.5.2.3). The
// two differ only for a whole multi-valued attribute (add appends, replace overwrites), for
// elements selected by a filter (add merges, replace overwrites) and for null (add does
// nothing, replace unassigns).
func (e *engine) set(op string, t *target, v any) error {
	if t.attr.Mutability == schema.ReadOnly || (t.sub != nil && t.sub.Mutability == schema.ReadOnly) {
		return e.readOnly(t, v)
	}
	if e.members != nil && t.attr == e.members {
		return e.setMembers(op, t, v)
	}
	switch {
	case t.filter != nil:
		return e.setFiltered(op, t, v)
	case t.sub != nil:
		return e.setSub(op, t, v)
	case t.attr.MultiValued:
		return e.setMulti(op, t, v)
	case t.attr.Type == schema.Complex:
		return e.setComplex(op, t, v)
	}
	return e.setSimple(op, t, v)
}

func (e *engine) setSimple(op string, t *target, v any) error {
	val, err := e.coerce(t.attr, v, t.label(), t.ext == "")
	if err != nil {
		return err
	}
	if val == nil {
		if op == opAdd {
			return nil
		}
		return e.unassign(t)
	}
	if t.attr.Required && val == "" {
		return errorf(invalidValue, "%s sent an empty %s; %s is required and must not be empty", e.opts.Sender, t.attr.Name, t.attr.Name)
	}
	c := e.container(t, true)
	_, cur, _ := lookupKey(c, t.name)
	if err := e.immutable(t.attr, t.label(), cur, val); err != nil {
		return err
	}
	store(c, t.attr, val)
	return nil
}

// setComplex adds or replaces a single-valued complex attribute such as name or manager.
// RFC 7644 §3.5.2.3 keeps sub-attributes the value does not mention; but a new "value"
// (a different manager) makes the old $ref and displayName describe someone else, so then
// the attribute is replaced whole.
func (e *engine) setComplex(op string, t *target, v any) error {
	if arr, ok := v.([]any); ok && t.attr.Sub("value") != nil {
		// Entra's 2018 manager shape: [{"$ref": "…/Users/id", "value": "id"}].
		invalid := e.invalidValue(t.label(), v, "an object such as {\"value\": \"<id>\"}; "+t.attr.Name+" holds one value, not an array")
		if len(arr) > 1 {
			return invalid
		}
		e.opts.Seen.Add(quirk.ManagerArray)
		if e.opts.Strict {
			return quirk.Refuse(quirk.ManagerArray, invalid)
		}
		v = nil
		if len(arr) == 1 {
			v = arr[0]
		}
	}
	val, err := e.coerce(t.attr, v, t.label(), t.ext == "")
	if err != nil {
		return err
	}
	if val == nil {
		if op == opAdd {
			return nil
		}
		return e.unassign(t)
	}
	nv := val.(map[string]any)
	c := e.container(t, true)
	_, cur, _ := lookupKey(c, t.name)
	old, _ := cur.(map[string]any)
	if oldValue := get(old, "value"); oldValue != nil {
		if newValue, ok := nv["value"]; ok && !jsonEqual(oldValue, newValue) {
			old = nil
		}
	}
	merged := make(map[string]any, len(old)+len(nv))
	for k, x := range old {
		merged[k] = x
	}
	for k, x := range nv {
		_, prev, _ := lookupKey(merged, k)
		if err := e.immutable(t.attr.Sub(k), t.name+"."+k, prev, x); err != nil {
			return err
		}
		put(merged, k, x)
	}
	store(c, t.attr, merged)
	return nil
}

func (e *engine) setMulti(op string, t *target, v any) error {
	vals, err := e.coerceMulti(t.attr, v, t.label(), t.ext == "")
	if err != nil {
		return err
	}
	if op == opReplace {
		// Okta re-pushes an empty group as {"op":"replace","path":"members","value":[]}:
		// an empty array unassigns the attribute (RFC 7643 §2.5), it is not an error.
		if len(vals) == 0 {
			return e.unassign(t)
		}
		vals = dedupe(t.attr, vals)
		fixPrimary(t.attr, vals, indexes(len(vals)))
		store(e.container(t, true), t.attr, vals)
		return nil
	}
	if len(vals) == 0 {
		return nil
	}
	c := e.container(t, true)
	cur := list(c, t.name)
	var added []int
	for _, nv := range vals {
		if duplicateIndex(t.attr, cur, nv) >= 0 {
			continue
		}
		cur = append(cur, nv)
		added = append(added, len(cur)-1)
	}
	fixPrimary(t.attr, cur, added)
	store(c, t.attr, cur)
	return nil
}

// setSub sets a sub-attribute without a filter: name.givenName, manager.value, or
// emails.value (every element; RFC 7644 §3.5.2.3 treats a target that does not exist as an
// add, so an attribute without elements gets one).
func (e *engine) setSub(op string, t *target, v any) error {
	sv, err := e.coerce(t.sub, v, t.label(), t.ext == "")
	if err != nil {
		return err
	}
	if sv == nil && op == opAdd {
		return nil
	}
	if sv == nil {
		return e.removeSub(t)
	}
	c := e.container(t, true)
	if t.attr.MultiValued {
		cur := list(c, t.name)
		if len(cur) == 0 {
			cur = []any{map[string]any{t.sub.Name: sv}}
			store(c, t.attr, cur)
			return nil
		}
		var touched []int
		for i, el := range cur {
			m, ok := el.(map[string]any)
			if !ok {
				continue
			}
			if err := e.setElementSub(t, m, sv); err != nil {
				return err
			}
			touched = append(touched, i)
		}
		fixPrimary(t.attr, cur, touched)
		store(c, t.attr, cur)
		return nil
	}
	_, cur, _ := lookupKey(c, t.name)
	m, ok := cur.(map[string]any)
	if !ok {
		m = map[string]any{}
	}
	if err := e.setElementSub(t, m, sv); err != nil {
		return err
	}
	store(c, t.attr, m)
	return nil
}

func (e *engine) setElementSub(t *target, m map[string]any, sv any) error {
	_, prev, _ := lookupKey(m, t.sub.Name)
	if err := e.immutable(t.sub, t.label(), prev, sv); err != nil {
		return err
	}
	put(m, t.sub.Name, sv)
	return nil
}

// setFiltered adds or replaces through a value filter: emails[type eq "work"].value or
// emails[type eq "work"]. When nothing matches, Entra expects the element to be created
// (it sends Replace for an address the user never had).
func (e *engine) setFiltered(op string, t *target, v any) error {
	var val any
	var err error
	if t.sub != nil {
		val, err = e.coerce(t.sub, v, t.label(), t.ext == "")
	} else {
		if arr, ok := v.([]any); ok && len(arr) == 1 {
			v = arr[0]
		}
		val, err = e.coerce(t.attr, v, t.label(), t.ext == "")
	}
	if err != nil {
		return err
	}
	c := e.container(t, false)
	cur := list(c, t.name)
	matched := e.match(t, cur)
	if len(matched) == 0 {
		if val == nil {
			return nil
		}
		return e.createFromFilter(t, cur, val)
	}
	if val == nil && op == opAdd {
		return nil
	}
	drop := map[int]bool{}
	for _, i := range matched {
		m := cur[i].(map[string]any)
		switch {
		case t.sub != nil && val == nil:
			if err := e.immutable(t.sub, t.label(), get(m, t.sub.Name), nil); err != nil {
				return err
			}
			deleteFold(m, t.sub.Name)
		case t.sub != nil:
			if err := e.setElementSub(t, m, val); err != nil {
				return err
			}
		case val == nil:
			drop[i] = true
		case op == opAdd:
			for k, x := range val.(map[string]any) {
				if err := e.immutable(t.attr.Sub(k), t.name+"."+k, get(m, k), x); err != nil {
					return err
				}
				put(m, k, x)
			}
		default:
			nv := val.(map[string]any)
			for _, s := range t.attr.SubAttributes {
				if err := e.immutable(s, t.name+"."+s.Name, get(m, s.Name), nv[s.Name]); err != nil {
					return err
				}
			}
			cur[i] = nv
		}
	}
	if len(drop) > 0 {
		cur = without(cur, drop)
	} else {
		fixPrimary(t.attr, cur, matched)
	}
	c = e.container(t, true)
	if len(cur) == 0 {
		deleteFold(c, t.name)
		e.pruneExtension(t)
		return nil
	}
	store(c, t.attr, cur)
	return nil
}

// createFromFilter builds the element a filter describes, as Entra expects for
// emails[type eq "work"].value when the user has no work email: {"type": "work", "value": v}.
func (e *engine) createFromFilter(t *target, cur []any, val any) error {
	if e.opts.Strict {
		noTarget := errorf(noTarget, "%s sent %s, but no element of %s matches the filter; RFC 7644 §3.5.2 answers noTarget", e.opts.Sender, t.label(), t.name)
		if _, ok := filterSeed(t.filter, t.attr); ok {
			// Tolerant mode would have created the element.
			e.opts.Seen.Add(quirk.FilterNoMatchCreates)
			return quirk.Refuse(quirk.FilterNoMatchCreates, noTarget)
		}
		return noTarget
	}
	seed, ok := filterSeed(t.filter, t.attr)
	if !ok {
		return errorf(noTarget, "%s sent %s, but no element of %s matches, and a new element can only be created from a filter of sub-attribute eq value comparisons joined by and", e.opts.Sender, t.label(), t.name)
	}
	el := map[string]any{}
	for k, x := range seed {
		cv, err := e.coerce(t.attr.Sub(k), x, t.name+"."+k, t.ext == "")
		if err != nil {
			return err
		}
		el[k] = cv
	}
	if t.sub != nil {
		el[t.sub.Name] = val
	} else {
		for k, x := range val.(map[string]any) {
			el[k] = x
		}
	}
	e.opts.Seen.Add(quirk.FilterNoMatchCreates)
	cur = append(cur, el)
	fixPrimary(t.attr, cur, []int{len(cur) - 1})
	store(e.container(t, true), t.attr, cur)
	return nil
}

// remove applies a remove to a known attribute (RFC 7644 §3.5.2.2).
func (e *engine) remove(t *target, v any, hasValue bool) error {
	if t.attr.Mutability == schema.ReadOnly || (t.sub != nil && t.sub.Mutability == schema.ReadOnly) {
		return e.readOnlyRemove(t)
	}
	if e.members != nil && t.attr == e.members {
		return e.removeMembers(t, v, hasValue)
	}
	switch {
	case t.filter != nil:
		return e.removeFiltered(t)
	case t.sub != nil:
		return e.removeSub(t)
	case t.attr.MultiValued && hasValue && !isEmpty(v):
		if !e.opts.Strict {
			return e.removeByValue(t, v)
		}
		// The badge tells the admin why every value went.
		e.opts.Seen.Add(quirk.MemberRemoveByValue)
	}
	// A strict server reads {"op":"remove","path":"members","value":[...]} as RFC 7644
	// §3.5.2.2 does: no filter means every value goes, and the value is ignored. Showing
	// that wipe is the point of strict mode, since it is what kortix-ai/suna #7297 hit.
	return e.unassign(t)
}

func (e *engine) removeFiltered(t *target) error {
	c := e.container(t, false)
	cur := list(c, t.name)
	matched := e.match(t, cur)
	if len(matched) == 0 {
		return e.absent(t)
	}
	if t.sub != nil {
		for _, i := range matched {
			m := cur[i].(map[string]any)
			if err := e.immutable(t.sub, t.label(), get(m, t.sub.Name), nil); err != nil {
				return err
			}
			deleteFold(m, t.sub.Name)
		}
		store(c, t.attr, cur)
		return nil
	}
	drop := map[int]bool{}
	for _, i := range matched {
		drop[i] = true
	}
	if cur = without(cur, drop); len(cur) == 0 {
		deleteFold(c, t.name)
		e.pruneExtension(t)
		return nil
	}
	store(c, t.attr, cur)
	return nil
}

// absent handles a remove (or member removal) whose target is not there: Okta re-pushes
// and Entra removes users already gone, so tolerant mode lets it pass.
func (e *engine) absent(t *target) error {
	e.opts.Seen.Add(quirk.RemoveAbsentValue)
	if e.opts.Strict {
		return quirk.Refuse(quirk.RemoveAbsentValue, errorf(noTarget, "%s sent a remove of %s, but nothing matches it; RFC 7644 §3.5.2.2 answers noTarget", e.opts.Sender, t.label()))
	}
	return nil
}

func (e *engine) removeSub(t *target) error {
	c := e.container(t, false)
	if c == nil {
		return nil
	}
	_, cur, ok := lookupKey(c, t.name)
	if !ok {
		return nil
	}
	if t.attr.MultiValued {
		els := list(c, t.name)
		for _, el := range els {
			if m, ok := el.(map[string]any); ok {
				if err := e.immutable(t.sub, t.label(), get(m, t.sub.Name), nil); err != nil {
					return err
				}
				deleteFold(m, t.sub.Name)
			}
		}
		store(c, t.attr, els)
		return nil
	}
	m, ok := cur.(map[string]any)
	if !ok {
		return nil
	}
	_, prev, _ := lookupKey(m, t.sub.Name)
	if err := e.immutable(t.sub, t.label(), prev, nil); err != nil {
		return err
	}
	deleteFold(m, t.sub.Name)
	if len(m) == 0 {
		deleteFold(c, t.name)
		e.pruneExtension(t)
	}
	return nil
}

// removeByValue removes only the listed elements of a multi-valued attribute: Entra's
// {"op":"Remove","path":"members","value":[{"value":"id"}]}. Elements are identified by
// their "value" sub-attribute when they have one.
func (e *engine) removeByValue(t *target, v any) error {
	vals, err := e.coerceMulti(t.attr, v, t.label(), t.ext == "")
	if err != nil {
		return err
	}
	e.opts.Seen.Add(quirk.MemberRemoveByValue)
	c := e.container(t, false)
	cur := list(c, t.name)
	drop := map[int]bool{}
	for _, rv := range vals {
		found := false
		for i, el := range cur {
			if sameElement(t.attr, el, rv) {
				drop[i], found = true, true
			}
		}
		if !found {
			e.opts.Seen.Add(quirk.RemoveAbsentValue)
		}
	}
	if len(drop) == 0 {
		return nil
	}
	if cur = without(cur, drop); len(cur) == 0 {
		deleteFold(c, t.name)
		e.pruneExtension(t)
		return nil
	}
	store(c, t.attr, cur)
	return nil
}

// unassign removes a whole attribute; a required one cannot be unassigned.
func (e *engine) unassign(t *target) error {
	if t.attr.Required {
		return errorf(mutability, "%s tried to remove %s, but %s is required and cannot be removed (RFC 7643 §4.1)", e.opts.Sender, t.attr.Name, t.attr.Name)
	}
	c := e.container(t, false)
	if c == nil {
		return nil
	}
	deleteFold(c, t.name)
	e.pruneExtension(t)
	return nil
}

// readOnly handles an add or replace of a readOnly attribute. Sending the value it already
// has is not a modification (Okta's {"id": "<same id>", "displayName": …}) and is ignored in
// both modes. Anything else is RFC 7644 §3.5.2's mutability error in both modes too: a
// server that answered 200 and ignored it would tell the client a change was made that
// was not, and a multi-op PATCH would report success for a part it refused.
func (e *engine) readOnly(t *target, v any) error {
	if e.unchanged(t, v) {
		return nil
	}
	return errorf(mutability, "%s sent %s for %s, which is read-only and cannot be changed (RFC 7643 §7); no operation of this PATCH was applied", e.opts.Sender, abbreviate(v), t.label())
}

func (e *engine) readOnlyRemove(t *target) error {
	e.opts.Seen.Add(quirk.ReadOnlyEcho)
	if e.opts.Strict {
		return quirk.Refuse(quirk.ReadOnlyEcho, errorf(mutability, "%s tried to remove %s, which is read-only (RFC 7643 §7)", e.opts.Sender, t.label()))
	}
	return nil
}

func (e *engine) unchanged(t *target, v any) bool {
	if t.filter != nil {
		return false
	}
	if t.ext == "" && t.sub == nil && strings.EqualFold(t.name, "id") {
		s, ok := v.(string)
		return ok && e.opts.ID != "" && s == e.opts.ID
	}
	var cur any
	if c := e.container(t, false); c != nil {
		_, cur, _ = lookupKey(c, t.name)
	}
	if t.sub != nil {
		m, _ := cur.(map[string]any)
		_, cur, _ = lookupKey(m, t.sub.Name)
	}
	return jsonEqual(cur, v)
}

// immutable refuses to change an immutable attribute that already has a value; RFC 7643
// §7 allows setting it only while unassigned.
func (e *engine) immutable(a *schema.Attribute, label string, cur, next any) error {
	if a == nil || a.Mutability != schema.Immutable || isEmpty(cur) || jsonEqual(cur, next) {
		return nil
	}
	return errorf(mutability, "%s tried to change %s from %s to %s, but it is immutable (RFC 7643 §7)", e.opts.Sender, label, abbreviate(cur), abbreviate(next))
}

// match returns the indexes of the elements of cur that t's filter selects.
func (e *engine) match(t *target, cur []any) []int {
	caseExact := func(p filter.AttrPath) bool {
		name := p.Sub
		if name == "" {
			name = p.Name
		}
		s := t.attr.Sub(name)
		return s != nil && s.CaseExact
	}
	var out []int
	for i, el := range cur {
		m, ok := el.(map[string]any)
		if ok && filter.Match(t.filter, m, caseExact) {
			out = append(out, i)
		}
	}
	return out
}

// filterSeed returns the element a filter of eq comparisons joined by and describes.
func filterSeed(x filter.Expr, attr *schema.Attribute) (map[string]any, bool) {
	switch x := x.(type) {
	case *filter.Compare:
		sub := attr.Sub(x.Attr.Name)
		if x.Op != filter.Eq || sub == nil || x.Value.Kind == filter.Null {
			return nil, false
		}
		return map[string]any{sub.Name: filterValue(x.Value)}, true
	case *filter.And:
		l, ok := filterSeed(x.Left, attr)
		if !ok {
			return nil, false
		}
		r, ok := filterSeed(x.Right, attr)
		if !ok {
			return nil, false
		}
		for k, v := range r {
			if prev, dup := l[k]; dup && !jsonEqual(prev, v) {
				return nil, false
			}
			l[k] = v
		}
		return l, true
	}
	return nil, false
}

// list returns the elements of the multi-valued attribute name in c. A stored single
// object is read as one element so a malformed document cannot stop a PATCH.
func list(c map[string]any, name string) []any {
	_, v, _ := lookupKey(c, name)
	switch v := v.(type) {
	case []any:
		return append([]any(nil), v...)
	case map[string]any:
		return []any{v}
	}
	return nil
}

func without(els []any, drop map[int]bool) []any {
	out := make([]any, 0, len(els))
	for i, el := range els {
		if !drop[i] {
			out = append(out, el)
		}
	}
	return out
}

func indexes(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}

// fixPrimary keeps "primary": true on at most one element (RFC 7643 §2.4): when one of
// the touched elements became primary, the last such one keeps it and every other loses it.
func fixPrimary(a *schema.Attribute, els []any, touched []int) {
	if a.Sub("primary") == nil {
		return
	}
	keep := -1
	for _, i := range touched {
		if m, ok := els[i].(map[string]any); ok && get(m, "primary") == true {
			keep = i
		}
	}
	if keep < 0 {
		return
	}
	for i, el := range els {
		if m, ok := el.(map[string]any); ok && i != keep {
			if get(m, "primary") == true {
				put(m, "primary", false)
			}
		}
	}
}

// duplicateIndex finds an element equal to v. Group members are the same member when their
// ids are, whatever display name came with them.
func duplicateIndex(a *schema.Attribute, els []any, v any) int {
	for i, el := range els {
		if isMembers(a) && sameElement(a, el, v) || jsonEqual(el, v) {
			return i
		}
	}
	return -1
}

func dedupe(a *schema.Attribute, vals []any) []any {
	out := make([]any, 0, len(vals))
	for _, v := range vals {
		if duplicateIndex(a, out, v) < 0 {
			out = append(out, v)
		}
	}
	return out
}

func isMembers(a *schema.Attribute) bool {
	return strings.EqualFold(a.Name, "members") && a.Sub("value") != nil
}

// sameElement compares by "value" when the attribute has that sub-attribute and v sets it.
func sameElement(a *schema.Attribute, el, v any) bool {
	vm, ok := v.(map[string]any)
	if !ok || a.Sub("value") == nil {
		return jsonEqual(el, v)
	}
	want, ok := vm["value"]
	if !ok {
		return jsonEqual(el, v)
	}
	em, ok := el.(map[string]any)
	if !ok {
		return false
	}
	_, have, _ := lookupKey(em, "value")
	return jsonEqual(have, want)
}

// get reads m[name] ignoring the case of the key.
func get(m map[string]any, name string) any {
	_, v, _ := lookupKey(m, name)
	return v
}

// store writes the attribute a to c under its canonical name, renaming sub-attributes
// stored in another case ("GIVENNAME") to theirs, so a document converges on the schema's
// spelling as it is patched.
func store(c map[string]any, a *schema.Attribute, v any) {
	if a.Type == schema.Complex {
		switch x := v.(type) {
		case map[string]any:
			canonicalSubs(a, x)
		case []any:
			for _, el := range x {
				if m, ok := el.(map[string]any); ok {
					canonicalSubs(a, m)
				}
			}
		}
	}
	put(c, a.Name, v)
}

func canonicalSubs(a *schema.Attribute, m map[string]any) {
	for k, v := range m {
		if s := a.Sub(k); s != nil && s.Name != k {
			delete(m, k)
			if _, taken := m[s.Name]; !taken {
				m[s.Name] = v
			}
		}
	}
}
