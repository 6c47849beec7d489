package patch

import (
	"fmt"
	"strings"

	"github.com/scimlab/scimlab/scim/filter"
	"github.com/scimlab/scimlab/scim/quirk"
)

// setMembers sends an add or replace of a Group's members to the MemberEditor. The shapes
// Okta and Entra use (add "members", replace "members") never read the member list.
func (e *engine) setMembers(op string, t *target, v any) error {
	if t.filter != nil || t.sub != nil {
		return e.viaList(func(x *engine) error { return x.set(op, t, v) })
	}
	vals, err := e.coerceMulti(t.attr, v, t.label(), true)
	if err != nil {
		return err
	}
	ms, err := e.toMembers(vals)
	if err != nil {
		return err
	}
	if op == opReplace {
		if err := e.opts.Members.RemoveAllMembers(); err != nil {
			return fmt.Errorf("removing all members: %w", err)
		}
	}
	if len(ms) == 0 {
		return nil
	}
	if err := e.opts.Members.AddMembers(ms); err != nil {
		return fmt.Errorf("adding members: %w", err)
	}
	return nil
}

// removeMembers sends a removal of Group members to the MemberEditor. members[value eq
// "id"] (Okta, Entra with aadOptscim062020) and Entra's default value list both name the
// ids, so neither reads the member list.
func (e *engine) removeMembers(t *target, v any, hasValue bool) error {
	ed := e.opts.Members
	switch {
	case t.filter == nil && t.sub == nil:
		if !hasValue || isEmpty(v) || e.opts.Strict {
			// See remove: strict mode shows the RFC reading, which empties the group.
			if hasValue && !isEmpty(v) {
				e.opts.Seen.Add(quirk.MemberRemoveByValue)
			}
			if err := ed.RemoveAllMembers(); err != nil {
				return fmt.Errorf("removing all members: %w", err)
			}
			return nil
		}
		vals, err := e.coerceMulti(t.attr, v, t.label(), true)
		if err != nil {
			return err
		}
		ms, err := e.toMembers(vals)
		if err != nil {
			return err
		}
		e.opts.Seen.Add(quirk.MemberRemoveByValue)
		ids := make([]string, 0, len(ms))
		for _, m := range ms {
			ids = append(ids, m.Value)
		}
		present, err := e.presentMembers(ids)
		if err != nil {
			return err
		}
		if len(present) < len(unique(ids)) {
			e.opts.Seen.Add(quirk.RemoveAbsentValue)
		}
		return e.removeIDs(present)
	case t.sub == nil:
		if ids, ok := valueEqIDs(t.filter); ok {
			present, err := e.presentMembers(ids)
			if err != nil {
				return err
			}
			if len(present) == 0 {
				return e.absent(t)
			}
			return e.removeIDs(present)
		}
	}
	return e.viaList(func(x *engine) error { return x.remove(t, v, hasValue) })
}

func (e *engine) presentMembers(ids []string) ([]string, error) {
	var present []string
	for _, id := range unique(ids) {
		ok, err := e.opts.Members.HasMember(id)
		if err != nil {
			return nil, fmt.Errorf("checking member %q: %w", id, err)
		}
		if ok {
			present = append(present, id)
		}
	}
	return present, nil
}

func (e *engine) removeIDs(ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	if err := e.opts.Members.RemoveMembers(ids); err != nil {
		return fmt.Errorf("removing members: %w", err)
	}
	return nil
}

// viaList applies fn to the member list loaded into a scratch document and sends the
// difference to the MemberEditor. Only filters other than value eq "id" get here, such as
// members[display eq "x"], which no IdP sends but an admin may try by hand.
func (e *engine) viaList(fn func(x *engine) error) error {
	before, err := e.opts.Members.ListMembers()
	if err != nil {
		return fmt.Errorf("listing members: %w", err)
	}
	els := make([]any, 0, len(before))
	for _, m := range before {
		els = append(els, memberMap(m))
	}
	x := &engine{rt: e.rt, opts: e.opts, doc: map[string]any{e.members.Name: els}}
	x.opts.Members = nil
	if err := fn(x); err != nil {
		return err
	}
	after, err := e.toMembers(list(x.doc, e.members.Name))
	if err != nil {
		return err
	}
	old := make(map[string]Member, len(before))
	for _, m := range before {
		old[m.Value] = m
	}
	next := make(map[string]Member, len(after))
	for _, m := range after {
		next[m.Value] = m
	}
	var remove []string
	for _, m := range before {
		if n, ok := next[m.Value]; !ok || n != m {
			remove = append(remove, m.Value)
		}
	}
	var add []Member
	for _, m := range after {
		if o, ok := old[m.Value]; !ok || o != m {
			add = append(add, m)
		}
	}
	if err := e.removeIDs(unique(remove)); err != nil {
		return err
	}
	if len(add) > 0 {
		if err := e.opts.Members.AddMembers(add); err != nil {
			return fmt.Errorf("adding members: %w", err)
		}
	}
	return nil
}

// toMembers converts coerced member values, which must each name a member id.
func (e *engine) toMembers(vals []any) ([]Member, error) {
	out := make([]Member, 0, len(vals))
	seen := make(map[string]bool, len(vals))
	for _, v := range vals {
		m, _ := v.(map[string]any)
		id := str(m, "value")
		if id == "" {
			return nil, errorf(invalidValue, `%s sent a member without "value": %s; each member must be {"value": "<user id>"}`, e.opts.Sender, abbreviate(v))
		}
		if seen[id] {
			continue
		}
		seen[id] = true
		out = append(out, Member{Value: id, Display: str(m, "display"), Type: str(m, "type"), Ref: str(m, "$ref")})
	}
	return out, nil
}

func memberMap(m Member) map[string]any {
	out := map[string]any{"value": m.Value}
	if m.Display != "" {
		out["display"] = m.Display
	}
	if m.Type != "" {
		out["type"] = m.Type
	}
	if m.Ref != "" {
		out["$ref"] = m.Ref
	}
	return out
}

func str(m map[string]any, key string) string {
	_, v, _ := lookupKey(m, key)
	s, _ := v.(string)
	return s
}

// valueEqIDs recognises value eq "id" and or-chains of it, the filters Okta and Entra use
// to remove members.
func valueEqIDs(x filter.Expr) ([]string, bool) {
	switch x := x.(type) {
	case *filter.Compare:
		if x.Op == filter.Eq && x.Value.Kind == filter.String && x.Attr.URN == "" && x.Attr.Sub == "" && strings.EqualFold(x.Attr.Name, "value") {
			return []string{x.Value.Str}, true
		}
	case *filter.Or:
		l, ok := valueEqIDs(x.Left)
		if !ok {
			return nil, false
		}
		r, ok := valueEqIDs(x.Right)
		if !ok {
			return nil, false
		}
		return append(l, r...), true
	}
	return nil, false
}

func unique(ids []string) []string {
	seen := make(map[string]bool, len(ids))
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}
