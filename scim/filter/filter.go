// Package filter parses SCIM filters (RFC 7644 §3.4.2.2) and PATCH paths (RFC 7644
// §3.5.2) into a small syntax tree, prints that tree back as canonical filter text, and
// evaluates it against a JSON document held in memory.
//
// The parser is hand written rather than generated so that every rejection can say, in
// words an administrator understands, where the filter went wrong and what was expected
// there. It never recurses deeper than MaxDepth and refuses inputs longer than MaxLen, so
// a hostile query string cannot exhaust the server's stack or memory.
package filter

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// MaxLen is the longest filter or PATCH path, in bytes, that Parse and ParsePath accept.
const MaxLen = 8 << 10

// MaxDepth is the deepest nesting of parentheses, "not" and value filters that Parse
// and ParsePath accept.
const MaxDepth = 64

// AttrPath names an attribute: [URN ":"] Name ["." Sub]. Names keep the spelling they
// were written with; SCIM attribute names are case-insensitive, so comparisons of
// AttrPaths should use strings.EqualFold.
type AttrPath struct {
	// URN is the schema URI prefix, e.g.
	// "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User", or empty.
	URN string
	// Name is the attribute name, e.g. "emails" or "manager".
	Name string
	// Sub is the sub-attribute name, e.g. "familyName" in "name.familyName", or empty.
	Sub string
}

// String returns the path as it is written in a filter.
func (p AttrPath) String() string {
	var b strings.Builder
	b.Grow(len(p.URN) + len(p.Name) + len(p.Sub) + 2)
	if p.URN != "" {
		b.WriteString(p.URN)
		b.WriteByte(':')
	}
	b.WriteString(p.Name)
	if p.Sub != "" {
		b.WriteByte('.')
		b.WriteString(p.Sub)
	}
	return b.String()
}

// Op is a comparison operator in its canonical lower-case spelling. Filters may spell
// operators in any case; the parser normalises them.
type Op string

// The comparison operators of RFC 7644 §3.4.2.2, table 3. Presence ("pr") is not an Op:
// it takes no value and is represented by Present.
const (
	Eq Op = "eq" // equal
	Ne Op = "ne" // not equal
	Co Op = "co" // contains
	Sw Op = "sw" // starts with
	Ew Op = "ew" // ends with
	Gt Op = "gt" // greater than
	Ge Op = "ge" // greater than or equal to
	Lt Op = "lt" // less than
	Le Op = "le" // less than or equal to
)

// ops lists the comparison operators for lookup and error messages.
var ops = []Op{Eq, Ne, Co, Sw, Ew, Gt, Ge, Lt, Le}

// ValueKind tells which JSON type a comparison value has.
type ValueKind int

// The kinds of comparison value RFC 7644 allows: compValue = false / null / true /
// number / string.
const (
	String ValueKind = iota
	Number
	Bool
	Null
)

// String returns the JSON type name of k.
func (k ValueKind) String() string {
	switch k {
	case String:
		return "string"
	case Number:
		return "number"
	case Bool:
		return "boolean"
	case Null:
		return "null"
	}
	return "ValueKind(" + strconv.Itoa(int(k)) + ")"
}

// Value is the right-hand side of a comparison.
type Value struct {
	Kind ValueKind
	// Str is the decoded text of a String value.
	Str string
	// Num is the value of a Number.
	Num float64
	// Raw is a Number as it was written ("1.50", "2e3"), so that printing the filter
	// again does not change it.
	Raw string
	// Bool is the value of a Bool.
	Bool bool
}

// StringValue returns a Value of kind String.
func StringValue(s string) Value { return Value{Kind: String, Str: s} }

// NumberValue returns a Value of kind Number whose text is the shortest form of f.
func NumberValue(f float64) Value {
	return Value{Kind: Number, Num: f, Raw: strconv.FormatFloat(f, 'g', -1, 64)}
}

// BoolValue returns a Value of kind Bool.
func BoolValue(b bool) Value { return Value{Kind: Bool, Bool: b} }

// NullValue returns the Value null.
func NullValue() Value { return Value{Kind: Null} }

// Interface returns the value as encoding/json would decode it: string, float64, bool
// or nil.
func (v Value) Interface() any {
	switch v.Kind {
	case String:
		return v.Str
	case Number:
		return v.Num
	case Bool:
		return v.Bool
	}
	return nil
}

// String returns the value as JSON text, the way it appears in a filter.
func (v Value) String() string {
	var b strings.Builder
	v.write(&b)
	return b.String()
}

func (v Value) write(b *strings.Builder) {
	switch v.Kind {
	case String:
		quote(b, v.Str)
	case Number:
		if v.Raw != "" {
			b.WriteString(v.Raw)
		} else {
			b.WriteString(strconv.FormatFloat(v.Num, 'g', -1, 64))
		}
	case Bool:
		if v.Bool {
			b.WriteString("true")
		} else {
			b.WriteString("false")
		}
	default:
		b.WriteString("null")
	}
}

// quote writes s as a JSON string. Only what JSON requires is escaped, so non-ASCII
// text stays readable in logs and in the console.
func quote(b *strings.Builder, s string) {
	const hex = "0123456789abcdef"
	b.WriteByte('"')
	for i := 0; i < len(s); {
		c := s[i]
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				b.WriteString(`\ufffd`)
			} else {
				b.WriteString(s[i : i+size])
			}
			i += size
			continue
		}
		switch c {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		default:
			if c < 0x20 {
				b.WriteString(`\u00`)
				b.WriteByte(hex[c>>4])
				b.WriteByte(hex[c&0xf])
			} else {
				b.WriteByte(c)
			}
		}
		i++
	}
	b.WriteByte('"')
}

// Expr is a node of a parsed filter: *And, *Or, *Not, *Compare, *Present or *ValuePath.
type Expr interface {
	// String returns canonical filter text; parsing it yields an equal tree.
	String() string
	isExpr()
}

// And is "Left and Right".
type And struct{ Left, Right Expr }

// Or is "Left or Right".
type Or struct{ Left, Right Expr }

// Not is "not (X)".
type Not struct{ X Expr }

// Compare is "Attr Op Value", e.g. userName eq "bjensen".
type Compare struct {
	Attr  AttrPath
	Op    Op
	Value Value
}

// Present is "Attr pr".
type Present struct{ Attr AttrPath }

// ValuePath is "Attr[Filter]": true when some element of the multi-valued attribute Attr
// satisfies Filter. Attr has no Sub. Paths inside Filter are relative to one element, so
// in emails[type eq "work"] the inner path has Name "type".
type ValuePath struct {
	Attr   AttrPath
	Filter Expr
}

func (*And) isExpr()       {}
func (*Or) isExpr()        {}
func (*Not) isExpr()       {}
func (*Compare) isExpr()   {}
func (*Present) isExpr()   {}
func (*ValuePath) isExpr() {}

// String returns canonical filter text for e.
func (e *And) String() string { return exprString(e) }

// String returns canonical filter text for e.
func (e *Or) String() string { return exprString(e) }

// String returns canonical filter text for e.
func (e *Not) String() string { return exprString(e) }

// String returns canonical filter text for e.
func (e *Compare) String() string { return exprString(e) }

// String returns canonical filter text for e.
func (e *Present) String() string { return exprString(e) }

// String returns canonical filter text for e.
func (e *ValuePath) String() string { return exprString(e) }

func exprString(e Expr) string {
	var b strings.Builder
	writeExpr(&b, e)
	return b.String()
}

// writeExpr prints e with the fewest parentheses that keep its shape: "and" binds tighter
// than "or" and both associate to the left, so only an Or below an And, or a right operand
// of the same operator, needs grouping.
func writeExpr(b *strings.Builder, e Expr) {
	switch e := e.(type) {
	case *And:
		writeOperand(b, e.Left, isOr(e.Left))
		b.WriteString(" and ")
		writeOperand(b, e.Right, isOr(e.Right) || isAnd(e.Right))
	case *Or:
		writeOperand(b, e.Left, false)
		b.WriteString(" or ")
		writeOperand(b, e.Right, isOr(e.Right))
	case *Not:
		b.WriteString("not (")
		writeExpr(b, e.X)
		b.WriteByte(')')
	case *Compare:
		b.WriteString(e.Attr.String())
		b.WriteByte(' ')
		b.WriteString(string(e.Op))
		b.WriteByte(' ')
		e.Value.write(b)
	case *Present:
		b.WriteString(e.Attr.String())
		b.WriteString(" pr")
	case *ValuePath:
		b.WriteString(e.Attr.String())
		b.WriteByte('[')
		writeExpr(b, e.Filter)
		b.WriteByte(']')
	case nil:
		// A nil operand only arises in a hand-built tree; printing something visible
		// beats a panic in a log line.
		b.WriteString("<nil>")
	}
}

func writeOperand(b *strings.Builder, e Expr, group bool) {
	if group {
		b.WriteByte('(')
		writeExpr(b, e)
		b.WriteByte(')')
		return
	}
	writeExpr(b, e)
}

func isOr(e Expr) bool  { _, ok := e.(*Or); return ok }
func isAnd(e Expr) bool { _, ok := e.(*And); return ok }

// Path is a parsed PATCH path: attrPath ["[" valFilter "]"] ["." subAttr].
type Path struct {
	// Attr is the attribute the path starts from. With a Filter, Attr.Sub is empty.
	Attr AttrPath
	// Filter selects elements of a multi-valued Attr; nil if the path has none. Paths
	// inside it are relative to one element, as in ValuePath.
	Filter Expr
	// Sub is the sub-attribute after "].", e.g. "value" in emails[type eq "work"].value.
	Sub string
}

// String returns the path as it is written in a PATCH operation.
func (p Path) String() string {
	if p.Filter == nil {
		return p.Attr.String()
	}
	var b strings.Builder
	b.WriteString(p.Attr.String())
	b.WriteByte('[')
	writeExpr(&b, p.Filter)
	b.WriteByte(']')
	if p.Sub != "" {
		b.WriteByte('.')
		b.WriteString(p.Sub)
	}
	return b.String()
}
