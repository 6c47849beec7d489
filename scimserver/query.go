package scimserver

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/scimlab/scimlab/scim/filter"
	"github.com/scimlab/scimlab/scim/quirk"
	"github.com/scimlab/scimlab/scim/schema"
	"github.com/scimlab/scimlab/store"
)

// translator turns a parsed SCIM filter into the store's neutral condition tree,
// resolving every attribute against the schema: its JSON path, whether it compares
// case-exactly, its type (so "2024-05-01T00:00:00Z" compares as a time), and whether it is
// multi-valued (so emails.value becomes "any element of emails has value …").
type translator struct {
	rt     *schema.ResourceType
	strict bool
	seen   *quirk.Set
	// root is set for the root query /.search: attributes this resource type lacks
	// are unassigned (the comparison is false), and are collected in unknown.
	root        bool
	unknown     map[string]bool
	unknownSort bool

	// scope is the multi-valued attribute a value filter ([...]) ranges over; paths
	// inside are relative to one of its elements.
	scope *schema.Attribute
	// scopeURN is the extension URN scope lives under, or "" for core attributes.
	scopeURN string
}

var errUnassigned = errors.New("attribute not defined for this resource type")

func (s *Server) translator(r *http.Request, rt *schema.ResourceType, root bool) *translator {
	return &translator{rt: rt, strict: s.strictFor(r), seen: seenQuirks(r), root: root, unknown: map[string]bool{}}
}

// Conditions that are constant for a resource type: every stored resource has an id.
var (
	condTrue  store.Cond = store.CondPresent{Field: store.Field{Path: []string{"id"}, CaseExact: true, Type: "string"}}
	condFalse store.Cond = store.CondNot{X: condTrue}
)

func (t *translator) query(kind store.Kind, p listParams) (store.Query, error) {
	q := store.Query{Kind: kind, StartIndex: p.startIndex, Count: p.count, Descending: p.descending}
	if strings.TrimSpace(p.filter) != "" {
		var (
			expr filter.Expr
			err  error
		)
		if t.strict {
			expr, err = filter.ParseStrict(p.filter, t.seen)
		} else {
			expr, err = filter.ParseTolerant(p.filter, t.seen)
		}
		if err != nil {
			return q, err
		}
		if q.Where, err = t.cond(expr); err != nil {
			return q, err
		}
	}
	if strings.TrimSpace(p.sortBy) != "" {
		f, err := t.sortField(p.sortBy)
		switch {
		case errors.Is(err, errUnassigned):
			t.unknownSort = true
		case err != nil:
			return q, err
		default:
			q.SortBy = &f
		}
	}
	return q, nil
}

func (t *translator) cond(e filter.Expr) (store.Cond, error) {
	switch e := e.(type) {
	case *filter.And:
		l, err := t.cond(e.Left)
		if err != nil {
			return nil, err
		}
		r, err := t.cond(e.Right)
		if err != nil {
			return nil, err
		}
		return store.CondAnd{L: l, R: r}, nil
	case *filter.Or:
		l, err := t.cond(e.Left)
		if err != nil {
			return nil, err
		}
		r, err := t.cond(e.Right)
		if err != nil {
			return nil, err
		}
		return store.CondOr{L: l, R: r}, nil
	case *filter.Not:
		x, err := t.cond(e.X)
		if err != nil {
			return nil, err
		}
		return store.CondNot{X: x}, nil
	case *filter.Present:
		tg, err := t.target(e.Attr)
		if errors.Is(err, errUnassigned) {
			return condFalse, nil
		}
		if err != nil {
			return nil, err
		}
		if tg.constant != nil {
			return condTrue, nil
		}
		return tg.wrap(store.CondPresent{Field: tg.field}), nil
	case *filter.Compare:
		return t.compare(e)
	case *filter.ValuePath:
		return t.valuePath(e)
	}
	return nil, badRequest(ScimTypeInvalidFilter, "the filter uses an expression scimlab cannot evaluate: %v", e)
}

// target is where a filter attribute lives in a stored document.
type target struct {
	field store.Field
	attr  *schema.Attribute
	// array is the JSON path of the multi-valued attribute holding the value; field
	// is then relative to one element.
	array []string
	// constant is the value every resource of the type has (meta.resourceType).
	constant *string
}

func (tg target) wrap(c store.Cond) store.Cond {
	if tg.array == nil {
		return c
	}
	return store.CondAny{Array: tg.array, Where: c}
}

func (t *translator) target(p filter.AttrPath) (target, error) {
	if t.scope != nil {
		return t.scopedTarget(p)
	}
	attr, parent, urn, ok := t.rt.Resolve(p)
	if !ok {
		return target{}, t.unknownAttr(p)
	}
	var prefix []string
	if !strings.EqualFold(urn, t.rt.Schema.ID) {
		prefix = []string{urn}
	}
	if parent == nil && attr.Type == schema.Complex {
		// "manager eq x" (Entra's reference check) and "emails eq x" mean the value
		// sub-attribute, as in RFC 7644 §3.4.2.2's "emails co …" examples.
		sub := attr.Sub("value")
		if sub == nil {
			return target{}, badRequest(ScimTypeInvalidFilter,
				"%q is a complex attribute; filter on one of its sub-attributes, e.g. %s.%s", p.String(), attr.Name, firstSubName(attr))
		}
		parent, attr = attr, sub
	}
	if parent == nil {
		return target{field: field(append(prefix, attr.Name), attr), attr: attr}, nil
	}
	if prefix == nil {
		switch parent.Name {
		case "members", "groups":
			// Memberships live in their own indexed table, reached through value only.
			if attr.Name != "value" {
				return target{}, badRequest(ScimTypeInvalidFilter,
					"%s can be filtered by value (the id) only, e.g. %s[value eq \"<id>\"]", parent.Name, parent.Name)
			}
			return target{field: idField(parent.Name, "value"), attr: attr}, nil
		case "meta":
			switch attr.Name {
			case "created", "lastModified":
				return target{field: field([]string{"meta", attr.Name}, attr), attr: attr}, nil
			case "resourceType":
				name := t.rt.Name
				return target{attr: attr, constant: &name}, nil
			}
			return target{}, badRequest(ScimTypeInvalidFilter, "meta.%s cannot be filtered; use meta.created or meta.lastModified", attr.Name)
		}
	}
	if parent.MultiValued {
		return target{field: field([]string{attr.Name}, attr), attr: attr, array: append(prefix, parent.Name)}, nil
	}
	return target{field: field(append(prefix, parent.Name, attr.Name), attr), attr: attr}, nil
}

func (t *translator) scopedTarget(p filter.AttrPath) (target, error) {
	if p.URN != "" || p.Sub != "" {
		return target{}, badRequest(ScimTypeInvalidFilter,
			"inside %s[...] name sub-attributes of %s directly, e.g. %s[type eq \"work\"]; %q is not one", t.scope.Name, t.scope.Name, t.scope.Name, p.String())
	}
	sub := t.scope.Sub(p.Name)
	if sub == nil {
		return target{}, badRequest(ScimTypeInvalidFilter, "%s has no sub-attribute %q; it has %s", t.scope.Name, p.Name, subNames(t.scope))
	}
	if t.scopeURN == "" && (t.scope.Name == "members" || t.scope.Name == "groups") {
		if sub.Name != "value" {
			return target{}, badRequest(ScimTypeInvalidFilter,
				"%s can be filtered by value (the id) only, e.g. %s[value eq \"<id>\"]", t.scope.Name, t.scope.Name)
		}
		return target{field: idField(t.scope.Name, "value"), attr: sub}, nil
	}
	return target{field: field([]string{sub.Name}, sub), attr: sub}, nil
}

func (t *translator) unknownAttr(p filter.AttrPath) error {
	if t.root {
		t.unknown[strings.ToLower(p.String())] = true
		return errUnassigned
	}
	return badRequest(ScimTypeInvalidFilter, "%q is not a %s attribute; %s filters can use e.g. %s", p.String(), t.rt.Name, t.rt.Name, exampleAttrs(t.rt))
}

func field(path []string, a *schema.Attribute) store.Field {
	return store.Field{Path: path, CaseExact: a.CaseExact, Type: string(a.Type)}
}

// idField is a membership id. Ids are compared exactly: they are server-generated, and
// an exact compare lets the store use its index.
func idField(attr, sub string) store.Field {
	return store.Field{Path: []string{attr, sub}, CaseExact: true, Type: string(schema.String)}
}

func (t *translator) compare(e *filter.Compare) (store.Cond, error) {
	tg, err := t.target(e.Attr)
	if errors.Is(err, errUnassigned) {
		return condFalse, nil
	}
	if err != nil {
		return nil, err
	}
	if tg.constant != nil {
		return t.constantCompare(e, *tg.constant)
	}
	if e.Value.Kind == filter.Null {
		// RFC 7644 §3.4.2.2 defines eq/ne null through presence.
		switch e.Op {
		case filter.Eq:
			return tg.wrapNot(store.CondPresent{Field: tg.field}), nil
		case filter.Ne:
			return tg.wrap(store.CondPresent{Field: tg.field}), nil
		}
		return nil, badRequest(ScimTypeInvalidFilter, "%s can compare null only with eq or ne", e.String())
	}
	v, err := t.value(e, tg.attr)
	if err != nil {
		return nil, err
	}
	return tg.wrap(store.CondCmp{Field: tg.field, Op: string(e.Op), Value: v}), nil
}

// wrapNot is "no element has it" for multi-valued attributes, "absent" otherwise.
func (tg target) wrapNot(c store.Cond) store.Cond {
	return store.CondNot{X: tg.wrap(c)}
}

func (t *translator) constantCompare(e *filter.Compare, have string) (store.Cond, error) {
	want := e.Value.Str
	switch e.Op {
	case filter.Eq:
		if strings.EqualFold(have, want) {
			return condTrue, nil
		}
		return condFalse, nil
	case filter.Ne:
		if strings.EqualFold(have, want) {
			return condFalse, nil
		}
		return condTrue, nil
	}
	return nil, badRequest(ScimTypeInvalidFilter, "meta.resourceType can be compared with eq or ne only")
}

// value converts a filter literal to the attribute's type, refusing comparisons that
// RFC 7644 §3.4.2.2 leaves undefined (e.g. "gt" on a boolean).
func (t *translator) value(e *filter.Compare, a *schema.Attribute) (any, error) {
	v := e.Value
	switch a.Type {
	case schema.Boolean:
		if e.Op != filter.Eq && e.Op != filter.Ne {
			return nil, badRequest(ScimTypeInvalidFilter, "%s is a boolean and can be compared with eq or ne only", e.Attr.String())
		}
		switch v.Kind {
		case filter.Bool:
			return v.Bool, nil
		case filter.String:
			if b, ok := parseBoolText(v.Str); ok {
				t.seen.Add(quirk.StringBoolean)
				if t.strict {
					return nil, quirk.Refuse(quirk.StringBoolean, badRequest(ScimTypeInvalidFilter, "%s is a boolean: compare with %t, not the string %q", e.Attr.String(), b, v.Str))
				}
				return b, nil
			}
		}
		return nil, badRequest(ScimTypeInvalidFilter, "%s is a boolean: compare with true or false, not %s", e.Attr.String(), v.String())
	case schema.Integer, schema.Decimal:
		if isSubstringOp(e.Op) {
			return nil, badRequest(ScimTypeInvalidFilter, "%s is a number; co, sw and ew apply to strings", e.Attr.String())
		}
		switch v.Kind {
		case filter.Number:
			return v.Num, nil
		case filter.String:
			if f, err := strconv.ParseFloat(v.Str, 64); err == nil {
				return f, nil
			}
		}
		return nil, badRequest(ScimTypeInvalidFilter, "%s is a number, not %s", e.Attr.String(), v.String())
	case schema.DateTime:
		if isSubstringOp(e.Op) {
			return nil, badRequest(ScimTypeInvalidFilter, "%s is a date-time; compare it with eq, ne, gt, ge, lt or le", e.Attr.String())
		}
		if v.Kind == filter.String {
			if tm, err := time.Parse(time.RFC3339Nano, v.Str); err == nil {
				return tm, nil
			}
		}
		return nil, badRequest(ScimTypeInvalidFilter, "%s is a date-time: compare it with a string like \"2024-05-01T10:00:00Z\", not %s", e.Attr.String(), v.String())
	}
	switch v.Kind {
	case filter.String:
		return v.Str, nil
	case filter.Number:
		if v.Raw != "" {
			return v.Raw, nil
		}
		return strconv.FormatFloat(v.Num, 'g', -1, 64), nil
	case filter.Bool:
		return strconv.FormatBool(v.Bool), nil
	}
	return nil, badRequest(ScimTypeInvalidFilter, "%s cannot be compared with %s", e.Attr.String(), v.String())
}

func isSubstringOp(op filter.Op) bool { return op == filter.Co || op == filter.Sw || op == filter.Ew }

// valuePath is attr[filter]: some element of the multi-valued attr matches filter.
func (t *translator) valuePath(e *filter.ValuePath) (store.Cond, error) {
	if t.scope != nil {
		return nil, badRequest(ScimTypeInvalidFilter, "value filters cannot be nested: %s", e.String())
	}
	attr, parent, urn, ok := t.rt.Resolve(e.Attr)
	if !ok {
		if err := t.unknownAttr(e.Attr); errors.Is(err, errUnassigned) {
			return condFalse, nil
		} else {
			return nil, err
		}
	}
	if parent != nil || !attr.MultiValued || attr.Type != schema.Complex {
		return nil, badRequest(ScimTypeInvalidFilter,
			"%s[...] needs a multi-valued complex attribute such as emails or members; %s is not one", e.Attr.String(), e.Attr.String())
	}
	inner := *t
	inner.scope = attr
	inner.scopeURN = ""
	if !strings.EqualFold(urn, t.rt.Schema.ID) {
		inner.scopeURN = urn
	}
	where, err := inner.cond(e.Filter)
	if err != nil {
		return nil, err
	}
	if inner.scopeURN == "" && (attr.Name == "members" || attr.Name == "groups") {
		// Membership conditions are already absolute (members.value).
		return where, nil
	}
	array := []string{attr.Name}
	if inner.scopeURN != "" {
		array = []string{inner.scopeURN, attr.Name}
	}
	return store.CondAny{Array: array, Where: where}, nil
}

// sortField resolves sortBy (RFC 7644 §3.4.2.3) to a single-valued attribute.
func (t *translator) sortField(sortBy string) (store.Field, error) {
	p, err := filter.ParsePath(strings.TrimSpace(sortBy))
	if err != nil || p.Filter != nil {
		return store.Field{}, badRequest(ScimTypeInvalidValue, "sortBy %q is not an attribute name", sortBy)
	}
	attr, parent, urn, ok := t.rt.Resolve(p.Attr)
	if !ok {
		if t.root {
			return store.Field{}, errUnassigned
		}
		return store.Field{}, badRequest(ScimTypeInvalidValue, "sortBy %q is not a %s attribute; try e.g. userName, displayName or meta.lastModified", sortBy, t.rt.Name)
	}
	if attr.MultiValued || (parent != nil && parent.MultiValued) || attr.Type == schema.Complex {
		return store.Field{}, badRequest(ScimTypeInvalidValue, "sortBy %q names a multi-valued or complex attribute; sort by a single value such as userName, name.familyName or meta.created", sortBy)
	}
	var path []string
	if !strings.EqualFold(urn, t.rt.Schema.ID) {
		path = append(path, urn)
	}
	if parent != nil {
		if parent.Name == "meta" && attr.Name != "created" && attr.Name != "lastModified" {
			return store.Field{}, badRequest(ScimTypeInvalidValue, "sortBy meta.%s is not supported; use meta.created or meta.lastModified", attr.Name)
		}
		path = append(path, parent.Name)
	}
	return field(append(path, attr.Name), attr), nil
}

func firstSubName(a *schema.Attribute) string {
	if len(a.SubAttributes) > 0 {
		return a.SubAttributes[0].Name
	}
	return "value"
}

func subNames(a *schema.Attribute) string {
	names := make([]string, len(a.SubAttributes))
	for i, s := range a.SubAttributes {
		names[i] = s.Name
	}
	return strings.Join(names, ", ")
}

func exampleAttrs(rt *schema.ResourceType) string {
	if rt.Name == "Group" {
		return "displayName, externalId, id, members[value eq \"<user id>\"] or meta.lastModified"
	}
	return "userName, externalId, id, displayName, emails.value, name.familyName, active or meta.lastModified"
}
