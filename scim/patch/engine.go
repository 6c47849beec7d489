package patch

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/scimlab/scimlab/scim/filter"
	"github.com/scimlab/scimlab/scim/quirk"
	"github.com/scimlab/scimlab/scim/schema"
)

// coreURNPrefix starts every core schema URN. A URN with this prefix that the resource
// type does not use (the Group URN in a User PATCH) is a mistake, not an extension to keep.
const coreURNPrefix = "urn:ietf:params:scim:schemas:core:"

type engine struct {
	rt   *schema.ResourceType
	opts Options
	doc  map[string]any
	// members is the Group's members attribute when its changes go to opts.Members.
	members *schema.Attribute
}

// target is where an operation lands: an attribute, optionally narrowed by a value filter
// and a sub-attribute.
type target struct {
	// ext is "" for core and common attributes, else the key of the extension object
	// in the document (the schema URN as defined, or as sent for unknown extensions).
	ext string
	// whole is set when the path names an extension object itself.
	whole bool
	// attr is nil for an attribute no schema defines; those are kept as sent.
	attr    *schema.Attribute
	name    string
	filter  filter.Expr
	sub     *schema.Attribute
	subName string
}

// label names the target in error details the way an admin reads a path.
func (t *target) label() string {
	s := t.name
	if t.filter != nil {
		s += "[" + t.filter.String() + "]"
	}
	if t.subName != "" {
		s += "." + t.subName
	}
	return s
}

func (e *engine) apply(op Operation) error {
	name, err := normalizeOp(op.Op, e.opts.Strict, e.opts.Seen)
	if err != nil {
		return err
	}
	path := strings.TrimSpace(op.Path)
	if path == "" {
		switch name {
		case opRemove:
			return errorf(noTarget, `%s sent a remove without "path": RFC 7644 §3.5.2.2 requires a path naming what to remove`, e.opts.Sender)
		default:
			if len(op.Value) == 0 {
				return errorf(invalidSyntax, `%s sent an %s with neither "path" nor "value"`, e.opts.Sender, name)
			}
			return e.applyObject(name, op.Value, "")
		}
	}
	t, err := e.parsePath(path)
	if err != nil {
		return err
	}
	if name != opRemove && len(op.Value) == 0 {
		return errorf(invalidSyntax, `%s sent an %s of %q without a "value"`, e.opts.Sender, name, path)
	}
	return e.applyTarget(name, t, op.Value)
}

// applyTarget runs one op against a resolved target with the op's raw value (nil when the
// operation had none).
func (e *engine) applyTarget(op string, t *target, raw json.RawMessage) error {
	if t.whole {
		return e.applyExtension(op, t.ext, raw)
	}
	v, present, err := decodeValue(raw)
	if err != nil {
		return err
	}
	if t.attr == nil {
		return e.applyUnknown(op, t, v)
	}
	if op == opRemove {
		return e.remove(t, v, present)
	}
	return e.set(op, t, v)
}

// applyObject applies a path-less add or replace: value is an object whose keys are
// attributes (RFC 7644 §3.5.2.1 and §3.5.2.3). ext is the extension URN when the object is
// an extension's (its keys are that schema's attributes).
func (e *engine) applyObject(op string, raw json.RawMessage, ext string) error {
	members, err := decodeObject(raw)
	if err != nil {
		return errorf(invalidSyntax, `%s sent an %s without "path" whose "value" is not an object of attributes (such as {"active": false}): %s`, e.opts.Sender, op, err)
	}
	for _, m := range members {
		if err := e.applyKey(op, m.key, m.raw, ext); err != nil {
			return err
		}
	}
	return nil
}

func (e *engine) applyKey(op, key string, raw json.RawMessage, ext string) error {
	if ext != "" {
		if strings.ContainsAny(key, ".[") {
			return e.pathKey(op, ext+":"+key, raw)
		}
		t, err := e.resolve(filter.Path{Attr: filter.AttrPath{URN: ext, Name: key}})
		if err != nil {
			return err
		}
		return e.applyTarget(op, t, raw)
	}
	// "schemas" is managed by the server from the extensions a document carries.
	if strings.EqualFold(key, "schemas") {
		return nil
	}
	if s := e.rt.SchemaFor(key); s != nil {
		if s == e.rt.Schema {
			if isNull(raw) {
				return nil
			}
			return e.applyObject(op, raw, "")
		}
		return e.applyExtension(op, s.ID, raw)
	}
	for _, urn := range e.rt.SchemaURNs() {
		if hasPrefixFold(key, urn+":") {
			return e.pathKey(op, key, raw)
		}
	}
	if hasPrefixFold(key, "urn:") {
		// An extension this server does not define: kept as sent so nothing the IdP
		// provisions is silently lost.
		v, _, err := decodeValue(raw)
		if err != nil {
			return err
		}
		keepValue(op, e.doc, key, v)
		return nil
	}
	if strings.ContainsAny(key, ".[") {
		return e.pathKey(op, key, raw)
	}
	t, err := e.resolve(filter.Path{Attr: filter.AttrPath{Name: key}})
	if err != nil {
		return err
	}
	return e.applyTarget(op, t, raw)
}

// pathKey handles a key of a path-less value that is an attribute path, as Entra sends
// with aadOptscim062020: {"name.givenName": "x", "urn:…:enterprise:2.0:User:employeeNumber": "y"}.
func (e *engine) pathKey(op, key string, raw json.RawMessage) error {
	e.opts.Seen.Add(quirk.DottedPatchKeys)
	if e.opts.Strict {
		return quirk.Refuse(quirk.DottedPatchKeys, errorf(invalidPath, `%s sent the key %q in an %s without "path": keys of a path-less value must be attribute names (RFC 7644 §3.5.2); an attribute path belongs in "path"`, e.opts.Sender, key, op))
	}
	t, err := e.parsePath(key)
	if err != nil {
		return err
	}
	return e.applyTarget(op, t, raw)
}

// applyExtension applies op to a whole extension object (path or key equal to its URN).
func (e *engine) applyExtension(op, urn string, raw json.RawMessage) error {
	if op == opRemove || isNull(raw) {
		if op != opAdd {
			deleteFold(e.doc, urn)
		}
		return nil
	}
	return e.applyObject(op, raw, urn)
}

// parsePath parses and resolves a PATCH path.
func (e *engine) parsePath(path string) (*target, error) {
	if s := e.rt.SchemaFor(path); s != nil {
		if s == e.rt.Schema {
			return nil, errorf(invalidPath, `%s sent the path %q, which names the whole resource; omit "path" to change several attributes`, e.opts.Sender, path)
		}
		return &target{ext: s.ID, whole: true, name: s.ID}, nil
	}
	var p filter.Path
	var err error
	if e.opts.Strict {
		p, err = filter.ParsePathStrict(path, e.opts.Seen)
	} else {
		p, err = filter.ParsePathTolerant(path, e.opts.Seen)
	}
	if err != nil {
		invalid := errorf(invalidPath, "%s sent an invalid path: %s", e.opts.Sender, err)
		if q, refused := quirk.RefusedBy(err); refused {
			return nil, quirk.Refuse(q, invalid)
		}
		return nil, invalid
	}
	return e.resolve(p)
}

// resolve finds the attribute p names. Attributes of the core schema must exist; unknown
// attributes of an extension (known or not) are kept as sent.
func (e *engine) resolve(p filter.Path) (*target, error) {
	t := &target{name: p.Attr.Name, filter: p.Filter, subName: p.Attr.Sub}
	if p.Filter != nil {
		t.subName = p.Sub
	}
	var sch *schema.Schema
	if p.Attr.URN != "" {
		sch = e.rt.SchemaFor(p.Attr.URN)
		if sch == nil {
			if hasPrefixFold(p.Attr.URN, coreURNPrefix) {
				return nil, errorf(invalidPath, "%s sent the path %q, but %s is not a schema of %s resources", e.opts.Sender, p.String(), p.Attr.URN, e.rt.Name)
			}
			t.ext = p.Attr.URN
			return t, nil
		}
	}
	attr, _, urn, ok := e.rt.Resolve(filter.AttrPath{URN: p.Attr.URN, Name: p.Attr.Name})
	if !ok {
		if sch != nil && sch != e.rt.Schema {
			t.ext = sch.ID
			return t, nil
		}
		return nil, errorf(invalidPath, "%s sent the attribute %q, but the %s schema has no attribute %q", e.opts.Sender, p.String(), e.rt.Name, p.Attr.Name)
	}
	if urn != e.rt.Schema.ID {
		t.ext = urn
	}
	t.attr, t.name = attr, attr.Name
	if t.subName != "" {
		if attr.Type != schema.Complex {
			return nil, errorf(invalidPath, "%s sent the path %q, but %s is a %s and has no sub-attributes", e.opts.Sender, p.String(), attr.Name, attr.Type)
		}
		if t.sub = attr.Sub(t.subName); t.sub == nil {
			return nil, errorf(invalidPath, "%s sent the path %q, but %s has no sub-attribute %q", e.opts.Sender, p.String(), attr.Name, t.subName)
		}
		t.subName = t.sub.Name
	}
	if t.filter != nil {
		if !attr.MultiValued {
			return nil, errorf(invalidPath, "%s sent the path %q, but %s holds a single value; a value filter [...] applies only to multi-valued attributes", e.opts.Sender, p.String(), attr.Name)
		}
		if err := e.checkFilter(attr, t.filter); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// checkFilter verifies that the value filter of a path names only sub-attributes of attr,
// so a typo answers invalidPath instead of silently matching nothing.
func (e *engine) checkFilter(attr *schema.Attribute, x filter.Expr) error {
	var name filter.AttrPath
	switch x := x.(type) {
	case *filter.And:
		if err := e.checkFilter(attr, x.Left); err != nil {
			return err
		}
		return e.checkFilter(attr, x.Right)
	case *filter.Or:
		if err := e.checkFilter(attr, x.Left); err != nil {
			return err
		}
		return e.checkFilter(attr, x.Right)
	case *filter.Not:
		return e.checkFilter(attr, x.X)
	case *filter.Compare:
		name = x.Attr
	case *filter.Present:
		name = x.Attr
	default:
		return errorf(invalidPath, "%s sent a value filter on %s that this server cannot evaluate: %s", e.opts.Sender, attr.Name, x)
	}
	if name.URN != "" || name.Sub != "" || attr.Sub(name.Name) == nil {
		return errorf(invalidPath, "%s sent a value filter on %s that names %q, which is not a sub-attribute of %s", e.opts.Sender, attr.Name, name.String(), attr.Name)
	}
	return nil
}

// applyUnknown applies op to an attribute no schema defines: an unknown extension's or an
// unknown attribute of a known extension. RFC 7644 lets a server drop what it does not
// know, but an admin rehearsing provisioning wants to see what the IdP sent.
func (e *engine) applyUnknown(op string, t *target, v any) error {
	if t.filter != nil {
		return errorf(invalidPath, "%s sent a value filter on %s:%s, an attribute this server does not define, so it cannot select elements", e.opts.Sender, t.ext, t.name)
	}
	c := e.container(t, op != opRemove && v != nil)
	if c == nil {
		return nil
	}
	if t.subName == "" {
		keepValue(op, c, t.name, v)
	} else {
		key, cur, _ := lookupKey(c, t.name)
		m, ok := cur.(map[string]any)
		if !ok {
			if op == opRemove || v == nil {
				return nil
			}
			m = map[string]any{}
		}
		keepValue(op, m, t.subName, v)
		deleteFold(c, key)
		if len(m) > 0 {
			c[t.name] = m
		}
	}
	e.pruneExtension(t)
	return nil
}

// keepValue stores v under key as sent: add merges objects, null or remove unassigns.
func keepValue(op string, c map[string]any, key string, v any) {
	if op == opRemove || v == nil {
		if op != opAdd {
			deleteFold(c, key)
		}
		return
	}
	_, cur, _ := lookupKey(c, key)
	if old, ok := cur.(map[string]any); ok {
		if nv, ok := v.(map[string]any); ok {
			merged := make(map[string]any, len(old)+len(nv))
			for k, x := range old {
				merged[k] = x
			}
			for k, x := range nv {
				deleteFold(merged, k)
				merged[k] = x
			}
			v = merged
		}
	}
	put(c, key, v)
}

// container returns the object holding t's attribute: the document, or the extension
// object (created when create is set, nil otherwise when absent).
func (e *engine) container(t *target, create bool) map[string]any {
	if t.ext == "" {
		return e.doc
	}
	key, v, ok := lookupKey(e.doc, t.ext)
	if m, isMap := v.(map[string]any); ok && isMap {
		if key != t.ext {
			delete(e.doc, key)
			e.doc[t.ext] = m
		}
		return m
	}
	if !create {
		return nil
	}
	m := map[string]any{}
	deleteFold(e.doc, t.ext)
	e.doc[t.ext] = m
	return m
}

// pruneExtension drops an extension object left empty, so a removed manager does not leave
// "urn:…:enterprise:2.0:User": {} behind.
func (e *engine) pruneExtension(t *target) {
	if t.ext == "" {
		return
	}
	key, v, ok := lookupKey(e.doc, t.ext)
	if m, isMap := v.(map[string]any); ok && isMap && len(m) == 0 {
		delete(e.doc, key)
	}
}

type objectMember struct {
	key string
	raw json.RawMessage
}

// decodeObject splits a JSON object into its members in the order they were sent, so a
// path-less value applies its keys in the client's order.
func decodeObject(raw json.RawMessage) ([]objectMember, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, fmt.Errorf("got %s", abbreviate(raw))
	}
	var out []objectMember
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		key, ok := tok.(string)
		if !ok {
			return nil, fmt.Errorf("object key %v is not a string", tok)
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, err
		}
		out = append(out, objectMember{key: key, raw: v})
	}
	if _, err := dec.Token(); err != nil {
		return nil, err
	}
	return out, nil
}

// decodeValue decodes an operation's value keeping numbers exact. present is false when
// the operation carried no value at all.
func decodeValue(raw json.RawMessage) (v any, present bool, err error) {
	if len(raw) == 0 {
		return nil, false, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return nil, true, errorf(invalidSyntax, "an operation's value is not valid JSON: %s", strings.TrimPrefix(err.Error(), "json: "))
	}
	return v, true, nil
}

func isNull(raw json.RawMessage) bool {
	return len(raw) == 0 || string(bytes.TrimSpace(raw)) == "null"
}

// lookupKey finds name in m ignoring case (RFC 7643 §2.1), preferring an exact match and
// otherwise the smallest key, so the answer does not depend on map order.
func lookupKey(m map[string]any, name string) (string, any, bool) {
	if m == nil {
		return "", nil, false
	}
	if v, ok := m[name]; ok {
		return name, v, true
	}
	found, best := false, ""
	for k := range m {
		if strings.EqualFold(k, name) && (!found || k < best) {
			found, best = true, k
		}
	}
	if !found {
		return "", nil, false
	}
	return best, m[best], true
}

// put stores v under the canonical name, dropping spellings that differ only in case, so
// a "username" in a stored document becomes "userName".
func put(m map[string]any, name string, v any) {
	deleteFold(m, name)
	m[name] = v
}

func deleteFold(m map[string]any, name string) {
	for k := range m {
		if strings.EqualFold(k, name) {
			delete(m, k)
		}
	}
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}
