package patch

import (
	"encoding/json"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/scimlab/scimlab/scim/filter"
	"github.com/scimlab/scimlab/scim/quirk"
	"github.com/scimlab/scimlab/scim/schema"
)

// coerce checks v against one value of a (for a multi-valued attribute, one element) and
// returns it normalised: sub-attribute names in their canonical spelling, null
// sub-attributes dropped, Entra's string booleans and bare manager converted in tolerant
// mode. nil means unassigned. core is false for extension attributes, whose unknown
// sub-attributes are kept rather than refused.
func (e *engine) coerce(a *schema.Attribute, v any, label string, core bool) (any, error) {
	if v == nil {
		return nil, nil
	}
	switch a.Type {
	case schema.String, schema.Reference, schema.Binary:
		if s, ok := v.(string); ok {
			return s, nil
		}
		return nil, e.invalidValue(label, v, "a string")
	case schema.DateTime:
		if s, ok := v.(string); ok && validDateTime(s) {
			return s, nil
		}
		return nil, e.invalidValue(label, v, "a date-time such as \"2024-05-01T12:00:00Z\"")
	case schema.Boolean:
		switch x := v.(type) {
		case bool:
			return x, nil
		case string:
			if lower := strings.ToLower(x); lower == "true" || lower == "false" {
				// Entra sends "active": "False" unless aadOptscim062020 is set.
				e.opts.Seen.Add(quirk.StringBoolean)
				if e.opts.Strict {
					return nil, quirk.Refuse(quirk.StringBoolean, e.invalidValue(label, v, "a boolean (true or false without quotes)"))
				}
				return lower == "true", nil
			}
		}
		return nil, e.invalidValue(label, v, "a boolean")
	case schema.Integer:
		if f, ok := number(v); ok && f == math.Trunc(f) && !math.IsInf(f, 0) {
			return v, nil
		}
		return nil, e.invalidValue(label, v, "an integer")
	case schema.Decimal:
		if _, ok := number(v); ok {
			return v, nil
		}
		return nil, e.invalidValue(label, v, "a number")
	case schema.Complex:
		switch x := v.(type) {
		case map[string]any:
			return e.coerceComplex(a, x, label, core)
		case string:
			if !a.MultiValued && a.Sub("value") != nil {
				// Entra's default manager mapping sends the manager's id as a bare string.
				e.opts.Seen.Add(quirk.BareManager)
				if e.opts.Strict {
					return nil, quirk.Refuse(quirk.BareManager, e.invalidValue(label, v, `an object such as {"value": "<id>"}; `+a.Name+" is a complex attribute"))
				}
				if x == "" {
					return nil, nil
				}
				return map[string]any{"value": x}, nil
			}
		}
		return nil, e.invalidValue(label, v, "an object")
	}
	return v, nil
}

func (e *engine) coerceComplex(a *schema.Attribute, m map[string]any, label string, core bool) (any, error) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make(map[string]any, len(m))
	for _, k := range keys {
		sv := m[k]
		sub := a.Sub(k)
		if sub == nil {
			if core {
				// The path is fine; the value is not (RFC 7644 §3.12: invalidValue).
				return nil, errorf(invalidValue, "%s sent %s with the sub-attribute %q, which %s does not have (it has %s)", e.opts.Sender, label, k, a.Name, subNames(a))
			}
			if sv != nil {
				out[k] = sv
			}
			continue
		}
		if sv == nil {
			// Entra sends {"$ref": null, "value": id}; null means unassigned.
			continue
		}
		if sub.Mutability == schema.ReadOnly {
			e.opts.Seen.Add(quirk.ReadOnlyEcho)
			if e.opts.Strict {
				return nil, quirk.Refuse(quirk.ReadOnlyEcho, errorf(mutability, "%s sent %s.%s, which is read-only (RFC 7643 §7)", e.opts.Sender, label, sub.Name))
			}
			continue
		}
		cv, err := e.coerce(sub, sv, label+"."+sub.Name, core)
		if err != nil {
			return nil, err
		}
		if cv != nil {
			out[sub.Name] = cv
		}
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

// coerceMulti checks the value of a whole multi-valued attribute. A single element not
// wrapped in an array is accepted as one value, as RFC 7644 §3.5.2.1 speaks of adding "a
// new value".
func (e *engine) coerceMulti(a *schema.Attribute, v any, label string, core bool) ([]any, error) {
	arr, ok := v.([]any)
	if !ok {
		if v == nil {
			return nil, nil
		}
		arr = []any{v}
	}
	out := make([]any, 0, len(arr))
	for _, el := range arr {
		cv, err := e.coerce(a, el, label, core)
		if err != nil {
			return nil, err
		}
		if cv != nil {
			out = append(out, cv)
		}
	}
	return out, nil
}

func (e *engine) invalidValue(label string, v any, want string) *Error {
	return errorf(invalidValue, "%s sent %q: %s: expected %s", e.opts.Sender, label, abbreviate(v), want)
}

// validDateTime accepts xsd:dateTime as RFC 7643 §2.3.5 defines it: RFC 3339 with or
// without a zone.
func validDateTime(s string) bool {
	if _, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return true
	}
	_, err := time.Parse("2006-01-02T15:04:05.999999999", s)
	return err == nil
}

func number(v any) (float64, bool) {
	switch x := v.(type) {
	case json.Number:
		f, err := x.Float64()
		return f, err == nil
	case float64:
		return x, true
	case int:
		return float64(x), true
	case int64:
		return float64(x), true
	}
	return 0, false
}

// filterValue turns a filter literal into the JSON value a new element gets.
func filterValue(v filter.Value) any {
	switch v.Kind {
	case filter.String:
		return v.Str
	case filter.Number:
		if v.Raw != "" {
			return json.Number(v.Raw)
		}
		return json.Number(strconv.FormatFloat(v.Num, 'g', -1, 64))
	case filter.Bool:
		return v.Bool
	}
	return nil
}

// isEmpty reports whether v is unassigned: null, an empty array or an empty object
// (RFC 7643 §2.5).
func isEmpty(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case []any:
		return len(x) == 0
	case map[string]any:
		return len(x) == 0
	}
	return false
}

// jsonEqual compares decoded JSON values: numbers by value whatever their Go type,
// unassigned values equal to each other, object keys by exact name.
func jsonEqual(a, b any) bool {
	if isEmpty(a) || isEmpty(b) {
		return isEmpty(a) && isEmpty(b)
	}
	switch x := a.(type) {
	case string:
		y, ok := b.(string)
		return ok && x == y
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !jsonEqual(x[i], y[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok {
			return false
		}
		for k, xv := range x {
			if !jsonEqual(xv, y[k]) {
				return false
			}
		}
		for k, yv := range y {
			if _, seen := x[k]; !seen && !isEmpty(yv) {
				return false
			}
		}
		return true
	}
	fa, ok1 := number(a)
	fb, ok2 := number(b)
	return ok1 && ok2 && fa == fb
}

// abbreviate renders v as JSON for an error detail, cut short so a huge value cannot
// flood the request log.
func abbreviate(v any) string {
	var b []byte
	switch x := v.(type) {
	case json.RawMessage:
		b = x
	default:
		var err error
		if b, err = json.Marshal(v); err != nil {
			return "a value"
		}
	}
	const limit = 80
	if len(b) <= limit {
		return string(b)
	}
	cut := limit
	for cut > 0 && !utf8.RuneStart(b[cut]) {
		cut--
	}
	return string(b[:cut]) + "…"
}

// subNames lists a complex attribute's sub-attributes for an error detail.
func subNames(a *schema.Attribute) string {
	names := make([]string, len(a.SubAttributes))
	for i, s := range a.SubAttributes {
		names[i] = s.Name
	}
	return strings.Join(names, ", ")
}
