package idp

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"

	"github.com/scimlab/scimlab/exchange"

	"github.com/scimlab/scimlab/scim/filter"
)

// basePath mirrors the server's route prefix: IdPs are given https://host/scim/v2.
const basePath = "/scim/v2"

// endpointNames are the SCIM endpoint segments (RFC 7644 §3.2), spelled as routed.
var endpointNames = []string{"Users", "Groups", "ServiceProviderConfig", "ResourceTypes", "Schemas", ".search", "Bulk", "Me"}

// route is what a request path names.
type route struct {
	// ok: the path is basePath + a known endpoint (+ one id segment).
	ok bool
	// base: the path is basePath itself.
	base bool
	// resource is the endpoint segment as routed ("Users", "Groups", ...), set even when
	// the prefix is wrong so a diagnosis can tell what the client meant.
	resource string
	// written is the endpoint segment as the client wrote it.
	written string
	id      string
	// prefix is what came before the endpoint segment, "" for none.
	prefix string
	// extra holds segments after the id that no route accepts.
	extra bool
}

func parseRoute(p string) route {
	clean := "/"
	if p != "" {
		clean = path.Clean(p)
	}
	if clean == basePath {
		return route{base: true, prefix: basePath}
	}
	segs := strings.Split(strings.Trim(clean, "/"), "/")
	for i, seg := range segs {
		for _, ep := range endpointNames {
			if !strings.EqualFold(seg, ep) {
				continue
			}
			r := route{resource: ep, written: seg}
			if i > 0 {
				r.prefix = "/" + strings.Join(segs[:i], "/")
			}
			rest := segs[i+1:]
			if len(rest) > 0 {
				r.id = rest[0]
			}
			r.extra = len(rest) > 1
			r.ok = r.prefix == basePath && seg == ep && !r.extra
			return r
		}
	}
	return route{prefix: clean}
}

// comparison is a filter reduced to the shapes Okta and Entra send: `attr eq "value"`,
// and Entra's reference check `id eq "x" and manager eq "y"`.
type comparison struct {
	ok    bool
	attr  string
	op    string
	value string
	// and holds the attribute of a second comparison joined by "and".
	and      string
	andValue string
}

// parseFilter reads a filter with the server's own tolerant parser, so the classifier
// and the server never disagree about what a filter says; shapes richer than the IdPs
// send are reported as !ok.
func parseFilter(s string) comparison {
	e, err := filter.ParseTolerant(s, nil)
	if err != nil {
		return comparison{}
	}
	switch x := e.(type) {
	case *filter.Compare:
		return comparisonOf(x)
	case *filter.And:
		l, lok := x.Left.(*filter.Compare)
		r, rok := x.Right.(*filter.Compare)
		if !lok || !rok {
			return comparison{}
		}
		c := comparisonOf(l)
		c.and, c.andValue = r.Attr.String(), valueText(r.Value)
		return c
	case *filter.ValuePath:
		// emails[type eq "work"].value eq "x", which the tolerant parser reads as
		// emails[type eq "work" and value eq "x"]: the attribute is the path up to the
		// sub-attribute, as the IdP wrote it.
		and, ok := x.Filter.(*filter.And)
		if !ok {
			return comparison{}
		}
		sel, sok := and.Left.(*filter.Compare)
		sub, subok := and.Right.(*filter.Compare)
		if !sok || !subok {
			return comparison{}
		}
		return comparison{ok: true, attr: x.Attr.String() + "[" + sel.String() + "]." + sub.Attr.Name,
			op: string(sub.Op), value: valueText(sub.Value)}
	}
	return comparison{}
}

func comparisonOf(c *filter.Compare) comparison {
	return comparison{ok: true, attr: c.Attr.String(), op: string(c.Op), value: valueText(c.Value)}
}

// valueText is a comparison value as the admin would read it: strings unquoted.
func valueText(v filter.Value) string {
	if v.Kind == filter.String {
		return v.Str
	}
	return v.String()
}

// isGUID reports whether s is a GUID as Entra puts in its test-connection probe.
func isGUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i, r := range s {
		switch i {
		case 8, 13, 18, 23:
			if r != '-' {
				return false
			}
		default:
			if !strings.ContainsRune("0123456789abcdefABCDEF", r) {
				return false
			}
		}
	}
	return true
}

// patchOp is one PATCH operation as sent; op keeps its spelling because the case is
// evidence of who sent it.
type patchOp struct {
	Op    string          `json:"op"`
	Path  string          `json:"path"`
	Value json.RawMessage `json:"value"`
}

func parsePatch(body []byte) ([]patchOp, bool) {
	var req struct {
		Operations []patchOp `json:"Operations"`
	}
	if err := json.Unmarshal(body, &req); err != nil || len(req.Operations) == 0 {
		return nil, false
	}
	return req.Operations, true
}

// rx is an exchange with its request and response parsed once.
type rx struct {
	ex     *exchange.Record
	route  route
	q      url.Values
	filter comparison
	// startIndex and count are 0 when absent.
	startIndex, count int
	paged             bool
	body              map[string]any
	ops               []patchOp
	resp              map[string]any
	status            int
	ua                string
}

func parseExchange(ex *exchange.Record) *rx {
	r := &rx{ex: ex, route: parseRoute(ex.Path), status: ex.Status}
	if r.status == 0 {
		r.status = http.StatusInternalServerError
	}
	r.q, _ = url.ParseQuery(ex.Query)
	if f := queryGet(r.q, "filter"); f != "" {
		r.filter = parseFilter(f)
	}
	si, okSI := queryInt(r.q, "startIndex")
	n, okN := queryInt(r.q, "count")
	r.startIndex, r.count, r.paged = si, n, okSI || okN
	r.ua = strings.TrimSpace(ex.UserAgent)
	r.body = jsonObject(ex.ReqBody)
	if strings.EqualFold(ex.Method, http.MethodPatch) {
		r.ops, _ = parsePatch(ex.ReqBody)
	}
	r.resp = jsonObject(ex.RespBody)
	return r
}

func (r *rx) method() string { return strings.ToUpper(r.ex.Method) }

func (r *rx) success() bool { return r.status >= 200 && r.status < 300 }

// queryGet looks a parameter up case-insensitively: RFC 7644 names are case-insensitive
// and the server treats them so.
func queryGet(q url.Values, name string) string {
	for k, v := range q {
		if strings.EqualFold(k, name) && len(v) > 0 {
			return v[0]
		}
	}
	return ""
}

func queryHas(q url.Values, name string) bool {
	for k := range q {
		if strings.EqualFold(k, name) {
			return true
		}
	}
	return false
}

func queryInt(q url.Values, name string) (int, bool) {
	s := queryGet(q, name)
	if s == "" {
		return 0, false
	}
	n, err := strconv.Atoi(s)
	return n, err == nil
}

func jsonObject(b []byte) map[string]any {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || b[0] != '{' {
		return nil
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil
	}
	return m
}

// field returns m[key] matching the key case-insensitively (SCIM attribute names are).
func field(m map[string]any, key string) (any, bool) {
	if m == nil {
		return nil, false
	}
	if v, ok := m[key]; ok {
		return v, true
	}
	for k, v := range m {
		if strings.EqualFold(k, key) {
			return v, true
		}
	}
	return nil, false
}

func str(m map[string]any, key string) string {
	v, _ := field(m, key)
	s, _ := v.(string)
	return s
}

// boolValue reads a SCIM boolean the way Entra sends it too: true, "True", "false".
func boolValue(v any) (b, ok bool) {
	switch t := v.(type) {
	case bool:
		return t, true
	case string:
		switch strings.ToLower(strings.TrimSpace(t)) {
		case "true":
			return true, true
		case "false":
			return false, true
		}
	}
	return false, false
}

// active reads the active attribute of a resource; absent means active, as servers that
// omit it treat the user.
func active(m map[string]any) (b, present bool) {
	v, ok := field(m, "active")
	if !ok || v == nil {
		return true, false
	}
	b, ok = boolValue(v)
	if !ok {
		return true, false
	}
	return b, true
}

func number(m map[string]any, key string) (int, bool) {
	v, ok := field(m, key)
	if !ok {
		return 0, false
	}
	switch t := v.(type) {
	case float64:
		return int(t), true
	case string:
		n, err := strconv.Atoi(t)
		return n, err == nil
	}
	return 0, false
}

func list(m map[string]any, key string) []any {
	v, _ := field(m, key)
	l, _ := v.([]any)
	return l
}

// member is one entry of a Group's members as sent.
type member struct {
	id, display string
}

func members(v any) []member {
	l, _ := v.([]any)
	out := make([]member, 0, len(l))
	for _, e := range l {
		m, _ := e.(map[string]any)
		if id := str(m, "value"); id != "" {
			out = append(out, member{id: id, display: str(m, "display")})
		}
	}
	return out
}

// shortPath turns a PATCH path or attribute key into what an admin reads in a summary:
// extension URNs dropped, value filters reduced to their value.
// "urn:…:enterprise:2.0:User:department" → "department";
// `emails[type eq "work"].value` → "emails[work].value".
func shortPath(p string) string {
	if strings.HasPrefix(strings.ToLower(p), "urn:") {
		head, _, _ := strings.Cut(p, "[")
		if i := strings.LastIndex(head, ":"); i >= 0 {
			p = p[i+1:]
		}
	}
	open := strings.IndexByte(p, '[')
	end := strings.LastIndexByte(p, ']')
	if open < 0 || end < open {
		return p
	}
	inner := parseFilter(p[open+1 : end])
	if !inner.ok {
		return p
	}
	return p[:open] + "[" + inner.value + "]" + p[end+1:]
}

// leaf is one attribute of a flattened resource: its dotted path and canonical JSON.
type leaf struct {
	path string
	val  string
}

// leaves flattens a JSON object in document order so a summary lists changed attributes
// the way the IdP wrote them. Nested objects become dotted paths; arrays are compared
// whole; extension objects contribute their attributes without the URN.
func leaves(raw []byte, prefix string) []leaf {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil
	}
	var out []leaf
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return out
		}
		key, _ := t.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return out
		}
		p := prefix + key
		if strings.HasPrefix(strings.ToLower(key), "urn:") {
			p = prefix
		} else {
			p += "."
		}
		if tv := bytes.TrimSpace(v); len(tv) > 0 && tv[0] == '{' {
			out = append(out, leaves(tv, p)...)
			continue
		}
		out = append(out, leaf{path: strings.TrimSuffix(p, "."), val: canonical(v)})
	}
	return out
}

func canonical(v json.RawMessage) string {
	var x any
	if err := json.Unmarshal(v, &x); err != nil {
		return string(v)
	}
	if x == nil {
		return ""
	}
	b, err := json.Marshal(x)
	if err != nil {
		return string(v)
	}
	return string(b)
}

// ignoredInDiff are attributes an IdP echoes back without meaning to change them.
func ignoredInDiff(p string) bool {
	root, _, _ := strings.Cut(strings.ToLower(p), ".")
	switch root {
	case "id", "meta", "schemas", "groups", "password":
		return true
	}
	return false
}

// changedAttrs lists the attributes that differ between two representations of a user,
// in the order the new one lists them, then those the new one dropped.
func changedAttrs(before, after []byte) []string {
	old := leaves(before, "")
	cur := leaves(after, "")
	oldByPath := make(map[string]string, len(old))
	for _, l := range old {
		oldByPath[strings.ToLower(l.path)] = l.val
	}
	var out []string
	seen := make(map[string]bool, len(cur))
	for _, l := range cur {
		k := strings.ToLower(l.path)
		seen[k] = true
		if ignoredInDiff(l.path) {
			continue
		}
		if ov, ok := oldByPath[k]; !ok && l.val != "" || ok && ov != l.val {
			out = append(out, l.path)
		}
	}
	for _, l := range old {
		k := strings.ToLower(l.path)
		if !seen[k] && !ignoredInDiff(l.path) && l.val != "" {
			out = append(out, l.path)
		}
	}
	return out
}
