package scimserver

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/scimlab/scimlab/scim/quirk"
	"github.com/scimlab/scimlab/scim/schema"
)

// normalizer checks a User or Group document a client sent with POST or PUT (or that a
// PATCH produced) against the schema and returns it as it is stored: attribute names in
// the schema's spelling, nulls and read-only attributes dropped, the password not kept
// (scimlab authenticates nobody, so it stores no password in any form), unknown
// extension objects kept as sent.
type normalizer struct {
	rt     *schema.ResourceType
	strict bool
	seen   *quirk.Set
	// patched is set for the result of a PATCH, which has no "schemas" member.
	patched bool
	// id is the id of the resource a PUT replaces: the body may echo it (Okta's
	// read-modify-write does) but not change it.
	id string
}

func (s *Server) normalizer(r *http.Request, rt *schema.ResourceType) *normalizer {
	return &normalizer{rt: rt, strict: s.strictFor(r), seen: seenQuirks(r)}
}

func isURNKey(k string) bool { return len(k) > 4 && strings.EqualFold(k[:4], "urn:") }

func (n *normalizer) document(in map[string]any) (map[string]any, error) {
	out := make(map[string]any, len(in))
	sawSchemas := false
	for k, v := range in {
		switch {
		case strings.EqualFold(k, "schemas"):
			sawSchemas = true
			if err := n.schemas(v); err != nil {
				return nil, err
			}
		case strings.EqualFold(k, "id"):
			// Read-only (RFC 7643 §3.1). Okta echoes it in its read-modify-write PUT; a
			// different one would be a change the server does not make.
			if err := n.echoedID(v); err != nil {
				return nil, err
			}
		case strings.EqualFold(k, "meta"):
			// Read-only and server-computed: Okta echoes it in its PUT and Entra sends
			// meta.resourceType with every POST.
		case v == nil:
			// Entra's older payloads send "title": null and the like for empty values.
		case strings.EqualFold(k, "externalId"):
			str, ok := v.(string)
			if !ok {
				return nil, badRequest(ScimTypeInvalidValue, `"externalId" must be a string, not a JSON %s`, jsonKind(v))
			}
			out["externalId"] = str
		case isURNKey(k):
			ext := n.rt.SchemaFor(k)
			switch {
			case ext == nil:
				// An extension this server does not define: kept as sent, so an admin
				// rehearsing custom attributes sees them come back.
				out[k] = v
			case ext == n.rt.Schema:
				return nil, badRequest(ScimTypeInvalidSyntax,
					"core %s attributes go at the top level of the body, not inside an object named %q", n.rt.Name, k)
			default:
				obj, ok := v.(map[string]any)
				if !ok {
					return nil, badRequest(ScimTypeInvalidValue, "%q must be a JSON object holding the extension's attributes, not a JSON %s", k, jsonKind(v))
				}
				norm, err := n.extension(ext, obj)
				if err != nil {
					return nil, err
				}
				if len(norm) > 0 {
					out[ext.ID] = norm
				}
			}
		default:
			a := n.rt.Schema.Attr(k)
			if a == nil {
				return nil, n.unknownAttribute(k)
			}
			val, keep, err := n.attribute(a, v, a.Name, true)
			if err != nil {
				return nil, err
			}
			if keep {
				out[a.Name] = val
			}
		}
	}
	if !sawSchemas && !n.patched && n.strict {
		return nil, badRequest(ScimTypeInvalidSyntax, `the body has no "schemas" member; it must list %q`, n.rt.Schema.ID)
	}
	for _, a := range n.rt.Schema.Attributes {
		if !a.Required {
			continue
		}
		if v, ok := out[a.Name]; !ok || v == "" {
			return nil, badRequest(ScimTypeInvalidValue, "%q is required for a %s and must be a non-empty string", a.Name, n.rt.Name)
		}
	}
	return out, nil
}

// echoedID accepts an id in a PUT body only when it is the id of the resource replaced.
// A POST's id is ignored: the server assigns ids (RFC 7643 §3.1).
func (n *normalizer) echoedID(v any) error {
	if n.id == "" || v == nil {
		return nil
	}
	if s, ok := v.(string); ok && s == n.id {
		return nil
	}
	shown, _ := json.Marshal(v)
	if len(shown) > 80 {
		shown = append(bytes.ToValidUTF8(shown[:80], nil), "…"...)
	}
	return badRequest(ScimTypeMutability, "the body's id %s differs from the id in the URL, %q; id is read-only and cannot be changed (RFC 7643 §3.1): send the resource's own id or none", shown, n.id)
}

func (n *normalizer) unknownAttribute(k string) error {
	return badRequest(ScimTypeInvalidValue,
		"%q is not an attribute of the core %s schema (%s); custom attributes belong in an extension object such as \"urn:ietf:params:scim:schemas:extension:custom:2.0:%s\": {%q: ...}, and enterprise attributes under %q",
		k, n.rt.Name, n.rt.Schema.ID, n.rt.Name, k, schema.EnterpriseUserURN)
}

func (n *normalizer) schemas(v any) error {
	list, ok := v.([]any)
	if !ok {
		return badRequest(ScimTypeInvalidSyntax, `"schemas" must be a JSON array of schema URNs, e.g. [%q]`, n.rt.Schema.ID)
	}
	core := false
	for _, e := range list {
		u, ok := e.(string)
		if !ok {
			return badRequest(ScimTypeInvalidSyntax, `"schemas" must hold only strings (schema URNs)`)
		}
		switch {
		case strings.EqualFold(u, n.rt.Schema.ID):
			core = true
		case n.rt.IsExtension(u):
		default:
			n.seen.Add(quirk.UnknownSchemaURN)
			if n.strict {
				return quirk.Refuse(quirk.UnknownSchemaURN, badRequest(ScimTypeInvalidValue, "schemas lists %q, which this server does not define for %s; it defines %s",
					u, n.rt.Name, strings.Join(n.rt.SchemaURNs(), " and ")))
			}
		}
	}
	if !core && n.strict {
		return badRequest(ScimTypeInvalidValue, "schemas must include %q", n.rt.Schema.ID)
	}
	return nil
}

// extension normalizes an extension object. Attributes the extension schema does not
// define are kept: they are as likely to be an admin's experiment as a mistake.
func (n *normalizer) extension(ext *schema.Schema, obj map[string]any) (map[string]any, error) {
	out := make(map[string]any, len(obj))
	for k, v := range obj {
		if v == nil {
			continue
		}
		a := ext.Attr(k)
		if a == nil {
			out[k] = v
			continue
		}
		val, keep, err := n.attribute(a, v, ext.ID+":"+a.Name, true)
		if err != nil {
			return nil, err
		}
		if keep {
			out[a.Name] = val
		}
	}
	return out, nil
}

// attribute normalizes one attribute value; keep is false for values that are not stored
// (read-only, write-only, null, empty).
func (n *normalizer) attribute(a *schema.Attribute, v any, path string, top bool) (val any, keep bool, err error) {
	if v == nil {
		return nil, false, nil
	}
	switch a.Mutability {
	case schema.ReadOnly:
		if top && a.Name == "groups" {
			if list, ok := v.([]any); ok && len(list) > 0 {
				n.seen.Add(quirk.MembershipInUserBody)
			}
		}
		return nil, false, nil
	case schema.WriteOnly:
		return nil, false, nil
	}
	if !a.MultiValued {
		return n.value(a, v, path)
	}
	list, ok := v.([]any)
	if !ok {
		return nil, false, badRequest(ScimTypeInvalidValue, "%q is multi-valued and must be a JSON array, not a JSON %s", path, jsonKind(v))
	}
	out := make([]any, 0, len(list))
	for i, e := range list {
		val, keep, err := n.value(a, e, fmt.Sprintf("%s[%d]", path, i))
		if err != nil {
			return nil, false, err
		}
		if keep {
			out = append(out, val)
		}
	}
	if len(out) == 0 {
		return nil, false, nil
	}
	return out, true, nil
}

func (n *normalizer) value(a *schema.Attribute, v any, path string) (any, bool, error) {
	if v == nil {
		return nil, false, nil
	}
	switch a.Type {
	case schema.Complex:
		obj, ok := v.(map[string]any)
		if !ok {
			str, isStr := v.(string)
			if !isStr || a.Name != "manager" {
				return nil, false, badRequest(ScimTypeInvalidValue, "%q is a complex attribute and must be a JSON object, not a JSON %s", path, jsonKind(v))
			}
			// Entra's default manager mapping sends the manager's id as a bare string.
			n.seen.Add(quirk.BareManager)
			if n.strict {
				return nil, false, quirk.Refuse(quirk.BareManager, badRequest(ScimTypeInvalidValue, `%q is a complex attribute: send {"value": %q}, not a bare string`, path, str))
			}
			obj = map[string]any{"value": str}
		}
		out := make(map[string]any, len(obj))
		for k, sv := range obj {
			sub := a.Sub(k)
			if sub == nil {
				return nil, false, badRequest(ScimTypeInvalidValue, "%q has no sub-attribute %q", path, k)
			}
			if sv == nil || sub.Mutability == schema.ReadOnly {
				continue
			}
			val, keep, err := n.value(sub, sv, path+"."+sub.Name)
			if err != nil {
				return nil, false, err
			}
			if keep {
				out[sub.Name] = val
			}
		}
		if len(out) == 0 {
			return nil, false, nil
		}
		return out, true, nil
	case schema.Boolean:
		switch b := v.(type) {
		case bool:
			return b, true, nil
		case string:
			parsed, ok := parseBoolText(b)
			if !ok {
				return nil, false, badRequest(ScimTypeInvalidValue, "%q must be true or false, not %q", path, b)
			}
			n.seen.Add(quirk.StringBoolean)
			if n.strict {
				return nil, false, quirk.Refuse(quirk.StringBoolean, badRequest(ScimTypeInvalidValue, "%q is a boolean: send %t, not the string %q", path, parsed, b))
			}
			return parsed, true, nil
		}
		return nil, false, badRequest(ScimTypeInvalidValue, "%q must be true or false, not a JSON %s", path, jsonKind(v))
	case schema.Integer, schema.Decimal:
		num, ok := v.(json.Number)
		if !ok {
			if f, isFloat := v.(float64); isFloat {
				num = json.Number(strconv.FormatFloat(f, 'g', -1, 64))
				ok = true
			}
		}
		if !ok {
			return nil, false, badRequest(ScimTypeInvalidValue, "%q must be a number, not a JSON %s", path, jsonKind(v))
		}
		if a.Type == schema.Integer {
			if _, err := num.Int64(); err != nil {
				return nil, false, badRequest(ScimTypeInvalidValue, "%q must be a whole number, not %s", path, num)
			}
		}
		return num, true, nil
	case schema.DateTime:
		str, ok := v.(string)
		if !ok {
			return nil, false, badRequest(ScimTypeInvalidValue, "%q must be a date-time string like \"2024-05-01T10:00:00Z\", not a JSON %s", path, jsonKind(v))
		}
		if _, err := time.Parse(time.RFC3339Nano, str); err != nil {
			return nil, false, badRequest(ScimTypeInvalidValue, "%q must be an RFC 3339 date-time like \"2024-05-01T10:00:00Z\", not %q", path, str)
		}
		return str, true, nil
	default: // string, reference, binary
		str, ok := v.(string)
		if !ok {
			return nil, false, badRequest(ScimTypeInvalidValue, "%q must be a string, not a JSON %s", path, jsonKind(v))
		}
		return str, true, nil
	}
}

// parseBoolText reads "true"/"false" in any case, as Entra sends them ("True", "False").
func parseBoolText(s string) (value, ok bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true":
		return true, true
	case "false":
		return false, true
	}
	return false, false
}

// decodeDoc parses a stored document.
func decodeDoc(data []byte) (map[string]any, error) {
	doc := map[string]any{}
	if len(bytes.TrimSpace(data)) == 0 {
		return doc, nil
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("stored document is not a JSON object: %w", err)
	}
	return doc, nil
}

func encodeDoc(doc map[string]any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(doc); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

// etag is the weak entity tag of a resource version (RFC 7644 §3.14).
func etag(version int64) string { return `W/"` + strconv.FormatInt(version, 10) + `"` }

const timeLayout = "2006-01-02T15:04:05.000Z07:00"

func formatTime(t time.Time) string { return t.UTC().Format(timeLayout) }

// meta is the RFC 7643 §3.1 meta attribute; a struct keeps its members in the RFC's order.
type meta struct {
	ResourceType string `json:"resourceType"`
	Created      string `json:"created,omitempty"`
	LastModified string `json:"lastModified,omitempty"`
	Location     string `json:"location,omitempty"`
	Version      string `json:"version,omitempty"`
}

// resourceJSON renders a resource document with its members in a readable order:
// schemas, id, externalId, the schema's attributes in definition order, anything else,
// extensions, meta. Go maps would sort keys alphabetically, which puts "active" first and
// "userName" somewhere in the middle of what an admin reads in the console. rank is the
// resource type's memberRank, made once per server.
type resourceJSON struct {
	rt   *schema.ResourceType
	doc  map[string]any
	rank map[string]int
}

// memberRank gives the position of each known member name of rt's documents.
func memberRank(rt *schema.ResourceType) map[string]int {
	rank := map[string]int{"schemas": 0, "id": 1, "externalId": 2}
	for i, a := range rt.Schema.Attributes {
		rank[a.Name] = 10 + i
	}
	for i, ext := range rt.Extensions {
		rank[ext.Schema.ID] = 1000 + i
	}
	return rank
}

func (rj resourceJSON) MarshalJSON() ([]byte, error) {
	rank := rj.rank
	if rank == nil {
		rank = memberRank(rj.rt)
	}
	keys := make([]string, 0, len(rj.doc))
	for k := range rj.doc {
		keys = append(keys, k)
	}
	rankOf := func(k string) int {
		if r, ok := rank[k]; ok {
			return r
		}
		switch {
		case k == "meta":
			return 3000
		case isURNKey(k):
			return 2000
		}
		return 500
	}
	sort.Slice(keys, func(i, j int) bool {
		ri, rj := rankOf(keys[i]), rankOf(keys[j])
		if ri != rj {
			return ri < rj
		}
		return keys[i] < keys[j]
	})
	// One encoder writes every key and value into the one buffer; Encode ends each
	// with a newline, which the next byte written replaces.
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	buf.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			buf.WriteByte(',')
		}
		if err := enc.Encode(k); err != nil {
			return nil, err
		}
		buf.Truncate(buf.Len() - 1)
		buf.WriteByte(':')
		if err := enc.Encode(rj.doc[k]); err != nil {
			return nil, err
		}
		buf.Truncate(buf.Len() - 1)
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

// schemasOf lists the core URN and the URN of every extension object the document holds
// (RFC 7643 §3: schemas names exactly the schemas the resource uses).
func schemasOf(rt *schema.ResourceType, doc map[string]any) []string {
	out := []string{rt.Schema.ID}
	var unknown []string
	for k := range doc {
		if !isURNKey(k) {
			continue
		}
		if rt.IsExtension(k) {
			continue
		}
		unknown = append(unknown, k)
	}
	for _, ext := range rt.Extensions {
		if _, ok := doc[ext.Schema.ID]; ok {
			out = append(out, ext.Schema.ID)
		}
	}
	sort.Strings(unknown)
	return append(out, unknown...)
}

// projection is the attributes / excludedAttributes selection of RFC 7644 §3.4.2.5.
// Keys are lower-case top-level document keys: attribute names, or extension URNs.
type projection struct {
	include map[string]*selection // nil when no "attributes" were asked for
	exclude map[string]*selection
}

type selection struct {
	all  bool
	subs map[string]bool
}

// parseProjection reads the two parameters. A spec holding a value filter,
// attributes=emails[type eq "work"] as Microsoft's tooling sends, names no attribute
// (RFC 7644 §3.4.2.5 allows only attribute names): it selects nothing, as before, but is
// noted in seen so the request's inspector says why the attribute is missing.
func parseProjection(rt *schema.ResourceType, attributes, excluded []string, seen *quirk.Set) projection {
	var p projection
	for _, spec := range slices.Concat(splitSpecs(attributes), splitSpecs(excluded)) {
		if strings.ContainsAny(spec, "[]") {
			seen.Add(quirk.AttributesFilter)
		}
	}
	if specs := splitSpecs(attributes); len(specs) > 0 {
		p.include = map[string]*selection{}
		for _, s := range specs {
			addSelection(p.include, rt, s)
		}
	}
	if specs := splitSpecs(excluded); len(specs) > 0 {
		p.exclude = map[string]*selection{}
		for _, s := range specs {
			addSelection(p.exclude, rt, s)
		}
	}
	return p
}

// splitSpecs accepts both repeated parameters and the RFC's comma-separated form.
func splitSpecs(vals []string) []string {
	var out []string
	for _, v := range vals {
		for _, s := range strings.Split(v, ",") {
			if s = strings.TrimSpace(s); s != "" {
				out = append(out, s)
			}
		}
	}
	return out
}

func addSelection(m map[string]*selection, rt *schema.ResourceType, spec string) {
	top, sub := splitSpec(rt, spec)
	sel := m[top]
	if sel == nil {
		sel = &selection{subs: map[string]bool{}}
		m[top] = sel
	}
	if sub == "" {
		sel.all = true
	} else {
		sel.subs[sub] = true
	}
}

// splitSpec turns "name.givenName", "urn:…:enterprise:2.0:User:department" or a bare
// extension URN into a lower-case document key and sub-key.
func splitSpec(rt *schema.ResourceType, spec string) (top, sub string) {
	lower := strings.ToLower(spec)
	if isURNKey(spec) {
		for _, urn := range rt.SchemaURNs() {
			lu := strings.ToLower(urn)
			if lower == lu {
				return lu, ""
			}
			if rest, ok := strings.CutPrefix(lower, lu+":"); ok {
				name, _, _ := strings.Cut(rest, ".")
				if strings.EqualFold(urn, rt.Schema.ID) {
					top, sub, _ = strings.Cut(rest, ".")
					return top, sub
				}
				return lu, name
			}
		}
		i := strings.LastIndexByte(lower, ':')
		name, _, _ := strings.Cut(lower[i+1:], ".")
		return lower[:i], name
	}
	top, sub, _ = strings.Cut(lower, ".")
	return top, sub
}

func alwaysReturned(lowerKey string) bool {
	return lowerKey == "id" || lowerKey == "schemas" || lowerKey == "meta"
}

// wants tells whether a top-level attribute will survive the projection, so expensive
// attributes (members, groups) are not loaded only to be thrown away.
func (p projection) wants(name string) bool {
	name = strings.ToLower(name)
	if p.include != nil {
		if _, ok := p.include[name]; !ok {
			return false
		}
	}
	if sel, ok := p.exclude[name]; ok && sel.all {
		return false
	}
	return true
}

func (p projection) active() bool { return p.include != nil || p.exclude != nil }

func (p projection) apply(doc map[string]any) {
	if p.include != nil {
		for k, v := range doc {
			lk := strings.ToLower(k)
			if alwaysReturned(lk) {
				continue
			}
			sel, ok := p.include[lk]
			if !ok {
				delete(doc, k)
				continue
			}
			if !sel.all {
				if kept := keepSubs(v, sel.subs); kept != nil {
					doc[k] = kept
				} else {
					delete(doc, k)
				}
			}
		}
	}
	for k, v := range doc {
		lk := strings.ToLower(k)
		sel, ok := p.exclude[lk]
		if !ok || alwaysReturned(lk) {
			continue
		}
		if sel.all {
			delete(doc, k)
			continue
		}
		if kept := dropSubs(v, sel.subs); kept != nil {
			doc[k] = kept
		} else {
			delete(doc, k)
		}
	}
}

func filterSubs(v any, keep func(string) bool) any {
	switch t := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, sv := range t {
			if keep(strings.ToLower(k)) {
				out[k] = sv
			}
		}
		if len(out) == 0 {
			return nil
		}
		return out
	case []any:
		out := make([]any, 0, len(t))
		for _, e := range t {
			if f := filterSubs(e, keep); f != nil {
				out = append(out, f)
			}
		}
		if len(out) == 0 {
			return nil
		}
		return out
	}
	return v
}

func keepSubs(v any, subs map[string]bool) any {
	return filterSubs(v, func(k string) bool { return subs[k] })
}

func dropSubs(v any, subs map[string]bool) any {
	return filterSubs(v, func(k string) bool { return !subs[k] })
}
