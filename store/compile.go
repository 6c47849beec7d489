package store

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// compiler turns a Cond tree into SQL. Every value and every JSON path is a
// numbered parameter (?N), never SQL text, so attribute names and values sent
// by clients cannot change the statement.
type compiler struct {
	kind  Kind
	table string
	args  []any
	alias int
}

func (c *compiler) arg(v any) string {
	c.args = append(c.args, v)
	return "?" + strconv.Itoa(len(c.args))
}

func (c *compiler) newAlias(prefix string) string {
	c.alias++
	return prefix + strconv.Itoa(c.alias)
}

// scope is where field paths are resolved: the resource itself (top), one
// element of a JSON array (elem), or one membership row (rel).
type scope struct {
	top   bool
	doc   string    // SQL expression of the JSON text paths are read from
	guard string    // condition under which doc is a JSON object; "" = always
	elem  string    // json_each alias, for the empty path (the element itself)
	rel   *relation // inside an EXISTS over memberships
}

func (c *compiler) topScope() scope {
	return scope{top: true, doc: c.table + ".doc"}
}

func (s scope) guarded(expr string) string {
	if s.guard == "" {
		return expr
	}
	return "(CASE WHEN " + s.guard + " THEN " + expr + " END)"
}

// opndKind says how an operand's value is stored.
type opndKind int

const (
	jsonOpnd opndKind = iota // from a document: SQL value plus a json type
	textCol                  // TEXT column (or NULL)
	timeCol                  // fixed-width timestamp TEXT column
	boolCol                  // 0/1/NULL INTEGER column
)

// operand is one side of a comparison.
type operand struct {
	kind        opndKind
	val         string // SQL expression of the value
	typ         string // jsonOpnd: SQL expression of its JSON type name
	raw         string // jsonOpnd: SQL expression of its JSON text (for pr on [] and {})
	nocaseIndex bool   // textCol with a NOCASE index: exact compares still use it
	exact       bool   // an id: compared exactly whatever Field.CaseExact says
}

// relation is one membership row seen from the resource: a Group's members or
// a User's groups.
type relation struct {
	owner Kind
	alias string
}

var coreURN = map[Kind]string{
	KindUser:  "urn:ietf:params:scim:schemas:core:2.0:User",
	KindGroup: "urn:ietf:params:scim:schemas:core:2.0:Group",
}

// resolved is what a field path names: an operand, or a membership attribute.
type resolved struct {
	opnd   operand
	relSub string // non-empty: the membership attribute (value, display, type, $ref)
}

func pathIs(p []string, names ...string) bool {
	if len(p) != len(names) {
		return false
	}
	for i := range p {
		if !strings.EqualFold(p[i], names[i]) {
			return false
		}
	}
	return true
}

// relationName is the multi-valued attribute stored in memberships.
func relationName(k Kind) string {
	if k == KindGroup {
		return "members"
	}
	return "groups"
}

func (c *compiler) resolve(s scope, f Field) (resolved, error) {
	p := f.Path
	if s.rel != nil {
		if len(p) != 1 {
			return resolved{}, fmt.Errorf("%w: %q is not a sub-attribute of %s", ErrInvalidFilter, strings.Join(p, "."), relationName(c.kind))
		}
		return resolved{opnd: s.rel.field(p[0])}, nil
	}
	if s.top {
		if len(p) > 1 && strings.EqualFold(p[0], coreURN[c.kind]) {
			p = p[1:]
		}
		t := c.table + "."
		switch {
		case pathIs(p, "id"):
			return resolved{opnd: operand{kind: textCol, val: t + "id", exact: true}}, nil
		case pathIs(p, "externalId"):
			return resolved{opnd: operand{kind: textCol, val: t + "external_id"}}, nil
		case pathIs(p, "displayName"):
			return resolved{opnd: operand{kind: textCol, val: t + "display_name", nocaseIndex: true}}, nil
		case c.kind == KindUser && pathIs(p, "userName"):
			return resolved{opnd: operand{kind: textCol, val: t + "user_name", nocaseIndex: true}}, nil
		case c.kind == KindUser && pathIs(p, "active"):
			return resolved{opnd: operand{kind: boolCol, val: t + "active"}}, nil
		case pathIs(p, "meta", "created"):
			return resolved{opnd: operand{kind: timeCol, val: t + "created"}}, nil
		case pathIs(p, "meta", "lastModified"):
			return resolved{opnd: operand{kind: timeCol, val: t + "last_modified"}}, nil
		case pathIs(p, "meta", "resourceType"):
			return resolved{opnd: operand{kind: textCol, val: c.arg(string(c.kind))}}, nil
		case len(p) >= 1 && strings.EqualFold(p[0], relationName(c.kind)):
			switch len(p) {
			case 1:
				return resolved{relSub: "value"}, nil
			case 2:
				return resolved{relSub: p[1]}, nil
			}
			return resolved{}, fmt.Errorf("%w: %q has no attribute %q", ErrInvalidFilter, p[0], strings.Join(p[1:], "."))
		}
	}
	if len(p) == 0 {
		if s.elem == "" {
			return resolved{}, fmt.Errorf("%w: empty attribute path", ErrInvalidFilter)
		}
		return resolved{opnd: operand{kind: jsonOpnd, val: s.elem + ".value", typ: s.elem + ".type", raw: s.elem + ".value"}}, nil
	}
	jp, err := jsonPath(p)
	if err != nil {
		return resolved{}, err
	}
	a := c.arg(jp)
	return resolved{opnd: operand{
		kind: jsonOpnd,
		val:  s.guarded("json_extract(" + s.doc + ", " + a + ")"),
		typ:  s.guarded("json_type(" + s.doc + ", " + a + ")"),
		raw:  s.guarded("(" + s.doc + " -> " + a + ")"),
	}}, nil
}

// field maps a membership attribute to SQL over the memberships row.
func (r *relation) field(name string) operand {
	m := r.alias + "."
	switch {
	case strings.EqualFold(name, "value") && r.owner == KindGroup:
		return operand{kind: textCol, val: m + "user_id", exact: true}
	case strings.EqualFold(name, "value"):
		return operand{kind: textCol, val: m + "group_id", exact: true}
	case strings.EqualFold(name, "display") && r.owner == KindGroup:
		return operand{kind: textCol, val: "nullif(" + m + "display, '')"}
	case strings.EqualFold(name, "display"):
		return operand{kind: textCol, val: "(SELECT g.display_name FROM groups g WHERE g.id = " + m + "group_id)"}
	case strings.EqualFold(name, "type") && r.owner == KindGroup:
		return operand{kind: textCol, val: "nullif(" + m + "type, '')"}
	case strings.EqualFold(name, "type"):
		// RFC 7643 §4.1.2: the store holds only direct memberships.
		return operand{kind: textCol, val: "'direct'"}
	}
	// $ref and unknown sub-attributes are derived by the server, never
	// stored: they compare as missing.
	return operand{kind: textCol, val: "NULL"}
}

// jsonPath quotes every segment, so dots and colons in extension URNs stay
// inside one key. SQLite's JSON path syntax cannot escape a double quote in a
// key, so such names (never valid SCIM attribute names) are refused.
func jsonPath(segs []string) (string, error) {
	var b strings.Builder
	b.WriteString("$")
	for _, s := range segs {
		if s == "" {
			return "", fmt.Errorf("%w: empty attribute name", ErrInvalidFilter)
		}
		for _, r := range s {
			if r == '"' || r == '\\' || r < 0x20 || r == 0x7f {
				return "", fmt.Errorf("%w: attribute name %q contains a character the store cannot address", ErrInvalidFilter, s)
			}
		}
		b.WriteString(`."`)
		b.WriteString(s)
		b.WriteString(`"`)
	}
	return b.String(), nil
}

func (c *compiler) cond(s scope, x Cond) (string, error) {
	switch x := x.(type) {
	case CondAnd:
		return c.binary(s, x.L, x.R, " AND ")
	case *CondAnd:
		if x != nil {
			return c.binary(s, x.L, x.R, " AND ")
		}
	case CondOr:
		return c.binary(s, x.L, x.R, " OR ")
	case *CondOr:
		if x != nil {
			return c.binary(s, x.L, x.R, " OR ")
		}
	case CondNot:
		return c.not(s, x.X)
	case *CondNot:
		if x != nil {
			return c.not(s, x.X)
		}
	case CondCmp:
		return c.compare(s, x)
	case *CondCmp:
		if x != nil {
			return c.compare(s, *x)
		}
	case CondPresent:
		return c.present(s, x.Field)
	case *CondPresent:
		if x != nil {
			return c.present(s, x.Field)
		}
	case CondAny:
		return c.any(s, x)
	case *CondAny:
		if x != nil {
			return c.any(s, *x)
		}
	}
	return "", fmt.Errorf("%w: unsupported condition %T", ErrInvalidFilter, x)
}

func (c *compiler) binary(s scope, l, r Cond, op string) (string, error) {
	ls, err := c.cond(s, l)
	if err != nil {
		return "", err
	}
	rs, err := c.cond(s, r)
	if err != nil {
		return "", err
	}
	return "(" + ls + op + rs + ")", nil
}

// not treats NULL (unknown, e.g. a comparison with a missing value) as false
// before inverting it.
func (c *compiler) not(s scope, x Cond) (string, error) {
	xs, err := c.cond(s, x)
	if err != nil {
		return "", err
	}
	return "((" + xs + ") IS NOT 1)", nil
}

func (c *compiler) compare(s scope, x CondCmp) (string, error) {
	op := strings.ToLower(x.Op)
	switch op {
	case "eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le":
	default:
		return "", fmt.Errorf("%w: unknown operator %q", ErrInvalidFilter, x.Op)
	}
	v, err := normValue(x.Value)
	if err != nil {
		return "", err
	}
	res, err := c.resolve(s, x.Field)
	if err != nil {
		return "", err
	}
	if res.relSub != "" {
		return c.compareRelation(res.relSub, op, v, x.Field)
	}
	return c.cmp(res.opnd, op, v, x.Field)
}

// compareRelation compares a membership attribute: true when any membership
// matches; with none, the attribute is missing and only ne is true.
func (c *compiler) compareRelation(sub, op string, v any, f Field) (string, error) {
	if s, ok := v.(string); ok && op == "eq" && strings.EqualFold(sub, "value") {
		// Entra ID asks "is u a member of g" as id eq g and members[value eq u]:
		// answered from the (user_id, group_id) index or the primary key.
		if c.kind == KindGroup {
			return "groups.id IN (SELECT group_id FROM memberships WHERE user_id = " + c.arg(s) + ")", nil
		}
		return "users.id IN (SELECT user_id FROM memberships WHERE group_id = " + c.arg(s) + ")", nil
	}
	elem := Field{Path: []string{sub}, CaseExact: f.CaseExact, Type: f.Type}
	match, err := c.relExists(func(r *relation) (string, error) {
		return c.cmp(r.field(sub), op, v, elem)
	})
	if err != nil {
		return "", err
	}
	if op != "ne" {
		return match, nil
	}
	none, _ := c.relExists(nil)
	return "(" + match + " OR NOT " + none + ")", nil
}

// relExists builds EXISTS over the resource's memberships; inner (nil = any
// membership) is compiled with the membership row in scope.
func (c *compiler) relExists(inner func(r *relation) (string, error)) (string, error) {
	r := &relation{owner: c.kind, alias: c.newAlias("m")}
	link := r.alias + ".user_id = users.id"
	if c.kind == KindGroup {
		link = r.alias + ".group_id = groups.id"
	}
	cond := ""
	if inner != nil {
		s, err := inner(r)
		if err != nil {
			return "", err
		}
		cond = " AND (" + s + ")"
	}
	return "EXISTS (SELECT 1 FROM memberships " + r.alias + " WHERE " + link + cond + ")", nil
}

// normValue accepts the other numeric types a caller might pass.
func normValue(v any) (any, error) {
	switch n := v.(type) {
	case nil, string, bool, float64, time.Time:
		return v, nil
	case *time.Time:
		if n == nil {
			return nil, nil
		}
		return *n, nil
	case float32:
		return float64(n), nil
	case int:
		return float64(n), nil
	case int64:
		return float64(n), nil
	case json.Number:
		f, err := n.Float64()
		if err != nil {
			return nil, fmt.Errorf("%w: bad number %q", ErrInvalidFilter, n)
		}
		return f, nil
	}
	return nil, fmt.Errorf("%w: unsupported value type %T", ErrInvalidFilter, v)
}

var sqlOps = map[string]string{"eq": "=", "gt": ">", "ge": ">=", "lt": "<", "le": "<="}

// cmp compares one operand. The result may be NULL when the operand is
// missing; callers treat NULL as false (WHERE, AND, OR) or fold it (not, ne).
func (c *compiler) cmp(o operand, op string, v any, f Field) (string, error) {
	if str, ok := v.(string); ok && (o.kind == timeCol || strings.EqualFold(f.Type, "dateTime")) {
		if t, err := time.Parse(time.RFC3339Nano, str); err == nil {
			v = t
		} else if o.kind == timeCol {
			return "", fmt.Errorf("%w: %q is not an RFC 3339 dateTime", ErrInvalidFilter, str)
		}
	}
	if op == "ne" {
		eq, err := c.cmp(o, "eq", v, f)
		if err != nil {
			return "", err
		}
		return "((" + eq + ") IS NOT 1)", nil
	}
	switch v := v.(type) {
	case nil:
		if op != "eq" {
			return "", fmt.Errorf("%w: null supports only eq and ne", ErrInvalidFilter)
		}
		return c.missing(o), nil
	case bool:
		if op != "eq" {
			return "", fmt.Errorf("%w: booleans support only eq and ne", ErrInvalidFilter)
		}
		switch o.kind {
		case boolCol:
			return "(" + o.val + " = " + strconv.FormatInt(boolInt(v), 10) + ")", nil
		case jsonOpnd:
			return "(" + o.typ + " = '" + strconv.FormatBool(v) + "')", nil
		}
		return "0", nil
	case float64:
		sop, ok := sqlOps[op]
		if !ok {
			return "", fmt.Errorf("%w: %s needs a string value", ErrInvalidFilter, op)
		}
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return "", fmt.Errorf("%w: number out of range", ErrInvalidFilter)
		}
		if o.kind != jsonOpnd {
			return "0", nil
		}
		return "(" + o.typ + " IN ('integer', 'real') AND " + o.val + " " + sop + " " + c.arg(v) + ")", nil
	case time.Time:
		sop, ok := sqlOps[op]
		if !ok {
			return "", fmt.Errorf("%w: %s needs a string value", ErrInvalidFilter, op)
		}
		switch o.kind {
		case timeCol:
			return "(" + o.val + " " + sop + " " + c.arg(formatTime(v)) + ")", nil
		case jsonOpnd:
			// Documents hold dateTimes as the client wrote them, with any
			// offset and precision: compare instants (millisecond precision).
			return "(" + o.typ + " = 'text' AND julianday(" + o.val + ") " + sop + " julianday(" + c.arg(v.UTC().Format(time.RFC3339Nano)) + "))", nil
		}
		return "0", nil
	case string:
		switch o.kind {
		case textCol:
			return c.strCmp(o.val, op, v, f.CaseExact || o.exact, o.nocaseIndex), nil
		case jsonOpnd:
			return "(" + o.typ + " = 'text' AND " + c.strCmp(o.val, op, v, f.CaseExact, false) + ")", nil
		}
		return "0", nil
	}
	return "", fmt.Errorf("%w: unsupported value type %T", ErrInvalidFilter, v)
}

// strCmp compares a TEXT expression with a string. NOCASE and LIKE fold ASCII
// letters only.
func (c *compiler) strCmp(x, op, v string, caseExact, nocaseIndex bool) string {
	switch op {
	case "co", "sw", "ew":
		if v == "" {
			return "(" + x + " IS NOT NULL)"
		}
		if !caseExact {
			pat := likeEscape(v)
			switch op {
			case "co":
				pat = "%" + pat + "%"
			case "sw":
				pat += "%"
			case "ew":
				pat = "%" + pat
			}
			return "(" + x + ` LIKE ` + c.arg(pat) + ` ESCAPE '\')`
		}
		p := c.arg(v)
		switch op {
		case "co":
			return "(instr(" + x + ", " + p + ") > 0)"
		case "sw":
			return "(substr(" + x + ", 1, length(" + p + ")) = " + p + ")"
		default:
			return "(substr(" + x + ", -length(" + p + ")) = " + p + ")"
		}
	}
	sop := sqlOps[op]
	p := c.arg(v)
	switch {
	case !caseExact:
		return "(" + x + " " + sop + " " + p + " COLLATE NOCASE)"
	case nocaseIndex && op == "eq":
		// The NOCASE index narrows to the case-insensitive matches, the
		// second term keeps the exact one.
		return "(" + x + " = " + p + " COLLATE NOCASE AND " + x + " = " + p + ")"
	}
	return "(" + x + " " + sop + " " + p + ")"
}

// likeEscape escapes LIKE's wildcards and the escape character itself.
func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// missing is true when the value is absent or JSON null.
func (c *compiler) missing(o operand) string {
	if o.kind == jsonOpnd {
		return "(coalesce(" + o.typ + ", 'null') = 'null')"
	}
	return "(" + o.val + " IS NULL)"
}

func (c *compiler) present(s scope, f Field) (string, error) {
	res, err := c.resolve(s, f)
	if err != nil {
		return "", err
	}
	if res.relSub != "" {
		return c.relExists(func(r *relation) (string, error) {
			return c.presentOperand(r.field(res.relSub)), nil
		})
	}
	return c.presentOperand(res.opnd), nil
}

// presentOperand implements pr (RFC 7644 §3.4.2.2): a non-empty value, or a
// non-empty node for complex and multi-valued attributes.
func (c *compiler) presentOperand(o operand) string {
	switch o.kind {
	case textCol:
		return "(coalesce(" + o.val + ", '') <> '')"
	case jsonOpnd:
		return "(CASE coalesce(" + o.typ + ", 'null')" +
			" WHEN 'null' THEN 0" +
			" WHEN 'text' THEN " + o.val + " <> ''" +
			" WHEN 'array' THEN json_array_length(" + o.raw + ") > 0" +
			" WHEN 'object' THEN " + o.raw + " <> '{}'" +
			" ELSE 1 END)"
	}
	return "(" + o.val + " IS NOT NULL)"
}

func (c *compiler) any(s scope, x CondAny) (string, error) {
	arr := x.Array
	if s.top && len(arr) > 1 && strings.EqualFold(arr[0], coreURN[c.kind]) {
		arr = arr[1:]
	}
	if s.top && len(arr) == 1 && strings.EqualFold(arr[0], relationName(c.kind)) {
		if cmp, ok := x.Where.(CondCmp); ok && pathIs(cmp.Field.Path, "value") {
			return c.compareRelationAny(cmp)
		}
		return c.relExists(func(r *relation) (string, error) {
			if x.Where == nil {
				return "1", nil
			}
			return c.cond(scope{rel: r}, x.Where)
		})
	}
	if s.rel != nil {
		return "", fmt.Errorf("%w: nested value filter inside %s", ErrInvalidFilter, relationName(c.kind))
	}
	if len(arr) == 0 {
		return "", fmt.Errorf("%w: value filter without an attribute", ErrInvalidFilter)
	}
	jp, err := jsonPath(arr)
	if err != nil {
		return "", err
	}
	a := c.arg(jp)
	e := c.newAlias("e")
	typ := s.guarded("json_type(" + s.doc + ", " + a + ")")
	sub := s.guarded("(" + s.doc + " -> " + a + ")")
	from := "json_each(CASE " + typ + " WHEN 'object' THEN json_array(" + sub + ") ELSE " + sub + " END) AS " + e
	inner := "1"
	if x.Where != nil {
		inner, err = c.cond(scope{doc: e + ".value", guard: e + ".type = 'object'", elem: e}, x.Where)
		if err != nil {
			return "", err
		}
	}
	return "EXISTS (SELECT 1 FROM " + from + " WHERE " + inner + ")", nil
}

// compareRelationAny is members[value op x]: the element exists by
// construction, so ne means "some other member", not "no members".
func (c *compiler) compareRelationAny(x CondCmp) (string, error) {
	op := strings.ToLower(x.Op)
	if op == "ne" {
		return c.relExists(func(r *relation) (string, error) {
			return c.compare(scope{rel: r}, x)
		})
	}
	return c.compare(c.topScope(), CondCmp{Field: Field{Path: []string{relationName(c.kind), "value"}, CaseExact: x.Field.CaseExact, Type: x.Field.Type}, Op: x.Op, Value: x.Value})
}

// sortKey is the ORDER BY expression for a field. A multi-valued attribute
// sorts by its primary element, else its first (RFC 7644 §3.4.2.3).
func (c *compiler) sortKey(f Field) (string, error) {
	res, err := c.resolve(c.topScope(), f)
	if err != nil {
		return "", err
	}
	collate := ""
	if !f.CaseExact && !res.opnd.exact && !strings.EqualFold(res.relSub, "value") {
		collate = " COLLATE NOCASE"
	}
	if res.relSub != "" {
		r := &relation{owner: c.kind, alias: c.newAlias("m")}
		link := r.alias + ".user_id = users.id"
		if c.kind == KindGroup {
			link = r.alias + ".group_id = groups.id"
		}
		return "(SELECT min(" + r.field(res.relSub).val + collate + ") FROM memberships " + r.alias + " WHERE " + link + ")" + collate, nil
	}
	o := res.opnd
	switch o.kind {
	case textCol:
		return o.val + collate, nil
	case timeCol, boolCol:
		return o.val, nil
	}
	p := f.Path
	if len(p) < 2 {
		return o.val + collate, nil
	}
	prefix, err := jsonPath(p[:len(p)-1])
	if err != nil {
		return "", err
	}
	last, err := jsonPath(p[len(p)-1:])
	if err != nil {
		return "", err
	}
	pa, la := c.arg(prefix), c.arg(last)
	e := c.newAlias("e")
	doc := c.table + ".doc"
	elem := "(SELECT CASE WHEN " + e + ".type = 'object' THEN json_extract(" + e + ".value, " + la + ") END" +
		" FROM json_each(" + doc + ", " + pa + ") AS " + e +
		" ORDER BY (CASE WHEN " + e + ".type = 'object' THEN json_type(" + e + ".value, '$.primary') END = 'true') DESC, " + e + ".key LIMIT 1)"
	return "(CASE WHEN json_type(" + doc + ", " + pa + ") = 'array' THEN " + elem + " ELSE " + o.val + " END)" + collate, nil
}
