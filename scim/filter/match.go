package filter

import (
	"encoding/json"
	"slices"
	"strings"
	"time"
)

// coreURNPrefix starts every core schema URN. A path qualified with a core schema
// (urn:ietf:params:scim:schemas:core:2.0:User:userName) names a top-level attribute,
// whereas an extension schema's attributes live in an object under the URN's key.
const coreURNPrefix = "urn:ietf:params:scim:schemas:core:"

// Match reports whether the JSON document doc (as decoded by encoding/json, with or
// without UseNumber) satisfies e, following RFC 7644 §3.4.2.2:
//   - attribute names are looked up case-insensitively; a name without a schema URN that
//     is not at the top level is also looked for in extension objects ("urn:…" keys);
//   - a multi-valued attribute matches if any of its elements does; a complex value
//     compared as a whole (emails eq "x", manager eq "id") compares its "value"
//     sub-attribute (RFC 7643 §2.4);
//   - eq, ne, co, sw and ew on strings honour caseExact; gt, ge, lt and le order strings
//     lexicographically, numbers numerically, and strings that both parse as RFC 3339
//     times (as do eq and ne) by time; booleans support only eq and ne;
//   - an attribute that is missing, null, "" or [] is not present: "pr" and every
//     comparison are false on it except ne, and "eq null" is true (RFC 7643 §2.5 treats
//     null and unassigned alike).
//
// caseExact is asked about the attribute a string comparison reads. Inside a value filter
// it receives the full path (emails[value eq "x"] asks about emails.value), and for a
// complex value compared as a whole it receives the "value" sub-attribute. A nil
// caseExact makes every comparison case-insensitive.
func Match(e Expr, doc map[string]any, caseExact func(AttrPath) bool) bool {
	m := matcher{caseExact: caseExact}
	return m.match(e, doc, nil)
}

type matcher struct {
	caseExact func(AttrPath) bool
}

// match evaluates e against obj. outer is the multi-valued attribute whose element obj
// is, when e sits inside a value filter.
func (m matcher) match(e Expr, obj map[string]any, outer *AttrPath) bool {
	switch e := e.(type) {
	case *And:
		return m.match(e.Left, obj, outer) && m.match(e.Right, obj, outer)
	case *Or:
		return m.match(e.Left, obj, outer) || m.match(e.Right, obj, outer)
	case *Not:
		return !m.match(e.X, obj, outer)
	case *Present:
		return slices.ContainsFunc(values(obj, e.Attr), present)
	case *Compare:
		return m.compare(e, obj, outer)
	case *ValuePath:
		v, _ := lookupAttr(obj, e.Attr)
		for _, el := range elements(v) {
			if el == nil {
				continue
			}
			elem, ok := el.(map[string]any)
			if !ok {
				// A simple multi-valued attribute (["a", "b"]) is treated as if each
				// element were {"value": element}, so emails[value eq "a"] still works.
				elem = map[string]any{"value": el}
			}
			if m.match(e.Filter, elem, &e.Attr) {
				return true
			}
		}
	}
	return false
}

func (m matcher) compare(e *Compare, obj map[string]any, outer *AttrPath) bool {
	vals := values(obj, e.Attr)
	if e.Value.Kind == Null {
		isPresent := slices.ContainsFunc(vals, present)
		switch e.Op {
		case Eq:
			return !isPresent
		case Ne:
			return isPresent
		}
		return false
	}
	if len(vals) == 0 {
		return e.Op == Ne
	}
	for _, v := range vals {
		path := e.Attr
		if c, ok := v.(map[string]any); ok {
			v, _ = lookup(c, "value")
			if path.Sub == "" {
				path.Sub = "value"
			}
		}
		if compareValue(v, e.Op, e.Value, func() bool { return m.exact(path, outer) }) {
			return true
		}
	}
	return false
}

// exact asks caseExact about path, qualified by the value filter's attribute if any.
func (m matcher) exact(path AttrPath, outer *AttrPath) bool {
	if m.caseExact == nil {
		return false
	}
	if outer != nil {
		path = AttrPath{URN: outer.URN, Name: outer.Name, Sub: path.Name}
	}
	return m.caseExact(path)
}

// compareValue applies op to one attribute value v (never an array) and the filter's
// value. exact is called only for string comparisons that depend on case.
func compareValue(v any, op Op, want Value, exact func() bool) bool {
	if v == nil {
		return op == Ne
	}
	switch want.Kind {
	case String:
		s, ok := v.(string)
		if !ok {
			return op == Ne
		}
		return compareString(s, op, want.Str, exact)
	case Number:
		f, ok := number(v)
		if !ok || f != f { // not a number, or NaN, which equals nothing
			return op == Ne
		}
		return compareOrdered(cmpFloat(f, want.Num), op)
	case Bool:
		b, ok := v.(bool)
		if !ok {
			return op == Ne
		}
		switch op {
		case Eq:
			return b == want.Bool
		case Ne:
			return b != want.Bool
		}
	}
	return false
}

func compareString(have string, op Op, want string, exact func() bool) bool {
	switch op {
	case Eq, Ne, Gt, Ge, Lt, Le:
		if th, ok := parseTime(have); ok {
			if tw, ok := parseTime(want); ok {
				return compareOrdered(th.Compare(tw), op)
			}
		}
	}
	if !exact() {
		have, want = strings.ToLower(have), strings.ToLower(want)
	}
	switch op {
	case Co:
		return strings.Contains(have, want)
	case Sw:
		return strings.HasPrefix(have, want)
	case Ew:
		return strings.HasSuffix(have, want)
	}
	return compareOrdered(strings.Compare(have, want), op)
}

// compareOrdered turns a three-way comparison into op's answer; co, sw and ew have no
// meaning for numbers and times and are false.
func compareOrdered(c int, op Op) bool {
	switch op {
	case Eq:
		return c == 0
	case Ne:
		return c != 0
	case Gt:
		return c > 0
	case Ge:
		return c >= 0
	case Lt:
		return c < 0
	case Le:
		return c <= 0
	}
	return false
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// parseTime reads an RFC 3339 dateTime (RFC 7643 §2.3.5). The length and dash checks
// keep ordinary strings off the slower time parser.
func parseTime(s string) (time.Time, bool) {
	if len(s) < len("2006-01-02T15:04:05Z") || s[4] != '-' || s[7] != '-' {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	return t, err == nil
}

func number(v any) (float64, bool) {
	switch n := v.(type) {
	case float64:
		return n, true
	case json.Number:
		f, err := n.Float64()
		return f, err == nil
	case float32:
		return float64(n), true
	case int:
		return float64(n), true
	case int64:
		return float64(n), true
	case int32:
		return float64(n), true
	case uint:
		return float64(n), true
	case uint64:
		return float64(n), true
	case uint32:
		return float64(n), true
	}
	return 0, false
}

// present reports whether v counts as a value: RFC 7643 §2.5 treats null, "" and []
// as unassigned, and an empty complex value carries nothing either.
func present(v any) bool {
	switch v := v.(type) {
	case nil:
		return false
	case string:
		return v != ""
	case []any:
		return slices.ContainsFunc(v, present)
	case map[string]any:
		return len(v) > 0
	}
	return true
}

// values returns the values path names in obj, with arrays flattened: for emails.value
// the value of every element of emails.
func values(obj map[string]any, path AttrPath) []any {
	v, ok := lookupAttr(obj, path)
	if !ok {
		return nil
	}
	els := elements(v)
	if path.Sub == "" {
		return els
	}
	var out []any
	for _, el := range els {
		if c, ok := el.(map[string]any); ok {
			if sv, ok := lookup(c, path.Sub); ok {
				out = append(out, elements(sv)...)
			}
		}
	}
	return out
}

// elements returns the elements of a multi-valued value, or v alone.
func elements(v any) []any {
	switch v := v.(type) {
	case nil:
		return nil
	case []any:
		return v
	case []map[string]any:
		out := make([]any, len(v))
		for i := range v {
			out[i] = v[i]
		}
		return out
	case []string:
		out := make([]any, len(v))
		for i := range v {
			out[i] = v[i]
		}
		return out
	}
	return []any{v}
}

// lookupAttr finds the attribute path.Name (ignoring Sub) in obj.
func lookupAttr(obj map[string]any, path AttrPath) (any, bool) {
	if path.URN != "" && !hasPrefixFold(path.URN, coreURNPrefix) {
		ext, _ := lookup(obj, path.URN)
		c, ok := ext.(map[string]any)
		if !ok {
			return nil, false
		}
		return lookup(c, path.Name)
	}
	if v, ok := lookup(obj, path.Name); ok || path.URN != "" {
		return v, ok
	}
	// A bare name may belong to an extension: Entra checks a manager with
	// "manager eq "id"" although manager lives in the enterprise extension. Keys are
	// visited in sorted order so a name in two extensions resolves the same way each time.
	var exts []string
	for k, v := range obj {
		if _, ok := v.(map[string]any); ok && hasPrefixFold(k, "urn:") {
			exts = append(exts, k)
		}
	}
	slices.Sort(exts)
	for _, k := range exts {
		if v, ok := lookup(obj[k].(map[string]any), path.Name); ok {
			return v, true
		}
	}
	return nil, false
}

// lookup finds key in obj ignoring case (RFC 7643 §2.1), preferring an exact match.
// Among keys differing only in case the smallest wins, so the answer does not depend on
// map iteration order.
func lookup(obj map[string]any, key string) (any, bool) {
	if v, ok := obj[key]; ok {
		return v, true
	}
	found, best := false, ""
	for k := range obj {
		if strings.EqualFold(k, key) && (!found || k < best) {
			found, best = true, k
		}
	}
	if !found {
		return nil, false
	}
	return obj[best], true
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}
