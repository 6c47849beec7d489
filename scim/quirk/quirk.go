// Package quirk names the ways real identity providers depart from RFC 7643/7644.
//
// In tolerant mode the server accepts these departures, as production apps must, and
// records which ones a request relied on so the console can badge it. In strict mode
// the same requests are refused with the error a strict RFC server would give. The
// catalogue lives in its own leaf package so the filter parser, the PATCH engine, the
// HTTP handlers and the IdP classifier can all speak of the same quirk by one name.
package quirk

import (
	"errors"
	"sort"
)

// Quirk identifies one non-standard construct. The value is stable: it is stored in the
// request log and appears in `scimlab log --json`.
type Quirk string

// The quirks scimlab knows. Sources are in shared reference notes on the IdPs' wire format.
const (
	// StringBoolean: a boolean sent as a string, e.g. Entra's "active": "False".
	StringBoolean Quirk = "string-boolean"
	// CapitalisedOp: a PATCH op spelled "Add"/"Replace"/"Remove" (Entra).
	CapitalisedOp Quirk = "capitalised-op"
	// MemberRemoveByValue: {"op":"Remove","path":"members","value":[{"value":id}]} (Entra
	// default); RFC 7644 removes by a filter path, and a strict server removes every member.
	MemberRemoveByValue Quirk = "member-remove-by-value"
	// BareManager: the enterprise manager sent as a bare id string instead of {"value": id} (Entra).
	BareManager Quirk = "bare-manager"
	// ManagerArray: the enterprise manager sent as a one-element list,
	// [{"$ref": "…/Users/id", "value": "id"}], Entra's older shape.
	ManagerArray Quirk = "manager-array"
	// UnquotedFilterValue: a filter comparison value without quotes, e.g. userName eq alice.
	UnquotedFilterValue Quirk = "unquoted-filter-value"
	// DottedPatchKeys: a path-less PATCH value whose keys are attribute paths such as
	// "name.givenName" (Entra with aadOptscim062020).
	DottedPatchKeys Quirk = "dotted-patch-keys"
	// UnknownSchemaURN: a schemas array naming a URN the server does not define, e.g. Entra's
	// ADSCIM Group schema or a mistyped enterprise URN.
	UnknownSchemaURN Quirk = "unknown-schema-urn"
	// FilterNoMatchCreates: replace through a value filter that matches nothing, e.g.
	// emails[type eq "work"].value; Entra expects the element to be created.
	FilterNoMatchCreates Quirk = "filter-no-match-creates"
	// RemoveAbsentValue: remove of a member or value that is not there (Entra, Okta re-pushes).
	RemoveAbsentValue Quirk = "remove-absent-value"
	// ReadOnlyEcho: a read-only sub-attribute sent inside a PATCH value (manager.displayName)
	// or a remove of a read-only attribute, which tolerant mode ignores. A read-only
	// attribute sent with a value other than the stored one is refused in both modes.
	ReadOnlyEcho Quirk = "read-only-echo"
	// MembershipInUserBody: group memberships sent inside a User body via "groups" (Okta AIW).
	MembershipInUserBody Quirk = "membership-in-user-body"
	// PatchOpSchemaMissing: a PATCH body without the PatchOp schema URN.
	PatchOpSchemaMissing Quirk = "patchop-schema-missing"
	// ValuePathSubAttr: a filter that follows a value filter with a sub-attribute and a
	// comparison, emails[type eq "work"].value eq "x", as Entra's guide requires for matching
	// users by work e-mail; RFC 7644 only allows it in PATCH paths.
	ValuePathSubAttr Quirk = "filter-value-path-sub-attr"
	// MissingUserAgent: a request without a User-Agent header (Entra's test connection).
	MissingUserAgent Quirk = "missing-user-agent"
	// BareToken: the right token in Authorization without the "Bearer" scheme, as Okta's
	// "SCIM 2.0 Test App (Header Auth)" template sends its API Token field verbatim.
	BareToken Quirk = "bare-token"
	// AttributesFilter: an attributes or excludedAttributes parameter holding a value
	// filter, e.g. attributes=emails[type eq "work"], as Microsoft's tooling sends; RFC 7644
	// §3.4.2.5 allows only attribute names there, so the filtered attribute is left out.
	AttributesFilter Quirk = "attributes-filter"
)

// Info explains a quirk in words an admin understands.
type Info struct {
	Quirk Quirk
	// Badge is a short label for a list row.
	Badge string
	// What says what was non-standard.
	What string
	// Strict says what a strict RFC server does with the same request.
	Strict string
}

var catalogue = map[Quirk]Info{
	StringBoolean: {StringBoolean, "string bool",
		`a boolean was sent as a string ("True"/"False")`,
		"a strict server answers 400 invalidValue: the attribute is of type boolean"},
	CapitalisedOp: {CapitalisedOp, "Op case",
		`a PATCH op was capitalised ("Add", "Replace" or "Remove" instead of lower case)`,
		"a strict server answers 400 invalidSyntax: op must be add, remove or replace"},
	MemberRemoveByValue: {MemberRemoveByValue, "remove by value",
		`members were removed with path "members" and a value list instead of a filter path`,
		"a strict server ignores the value and removes every member of the group, or answers 400 invalidSyntax"},
	BareManager: {BareManager, "bare manager",
		"the manager was sent as a bare id string instead of {\"value\": id}",
		"a strict server answers 400 invalidValue: manager is a complex attribute"},
	ManagerArray: {ManagerArray, "manager list",
		`the manager was sent as a one-element list, [{"$ref": …, "value": id}] (Entra's older shape), instead of {"value": id}`,
		"a strict server answers 400 invalidValue: manager holds one value, not a list"},
	UnquotedFilterValue: {UnquotedFilterValue, "unquoted filter",
		"a filter compared against an unquoted value",
		"a strict server answers 400 invalidFilter"},
	DottedPatchKeys: {DottedPatchKeys, "dotted keys",
		`a path-less PATCH value used attribute paths ("name.givenName") as keys`,
		"a strict server answers 400 invalidPath or stores an attribute literally named \"name.givenName\""},
	UnknownSchemaURN: {UnknownSchemaURN, "unknown schema",
		"the schemas list named a schema this server does not define",
		"a strict server answers 400 invalidValue"},
	FilterNoMatchCreates: {FilterNoMatchCreates, "created by filter",
		"a value-filter path matched nothing, so a new element was created",
		"a strict server answers 400 noTarget"},
	RemoveAbsentValue: {RemoveAbsentValue, "absent remove",
		"a remove targeted a value that was not there",
		"a strict server answers 400 noTarget"},
	ReadOnlyEcho: {ReadOnlyEcho, "read-only echo",
		"a read-only sub-attribute (such as manager.displayName) was sent in a PATCH value, or a read-only attribute was removed; it was ignored",
		"a strict server answers 400 mutability"},
	MembershipInUserBody: {MembershipInUserBody, "groups in user",
		`group memberships were sent inside the user body ("groups")`,
		"a strict server ignores them: groups is read-only on a User"},
	PatchOpSchemaMissing: {PatchOpSchemaMissing, "no PatchOp schema",
		"the PATCH body did not list urn:ietf:params:scim:api:messages:2.0:PatchOp in schemas",
		"a strict server answers 400 invalidSyntax"},
	ValuePathSubAttr: {ValuePathSubAttr, "filter sub-attr",
		`a filter put a sub-attribute after a value filter (emails[type eq "work"].value eq "x")`,
		`a strict server answers 400 invalidFilter; the RFC form is emails[type eq "work" and value eq "x"]`},
	MissingUserAgent: {MissingUserAgent, "no User-Agent",
		"the request carried no User-Agent header",
		"a strict server accepts it, but web application firewalls often block it"},
	BareToken: {BareToken, "no Bearer",
		`the token was sent in Authorization without the "Bearer" scheme (Okta's "SCIM 2.0 Test App (Header Auth)" template sends its API Token field verbatim)`,
		`a strict server answers 401 Unauthorized: RFC 6750 requires "Authorization: Bearer <token>"`},
	AttributesFilter: {AttributesFilter, "attributes filter",
		`attributes or excludedAttributes named a value filter (emails[type eq "work"]), which is no attribute name, so it selected nothing: asked for with attributes, that attribute is missing from the answer; with excludedAttributes, it was not excluded`,
		"a strict server ignores it the same way, or answers 400 invalidValue"},
}

// Describe returns the explanation of q. Unknown quirks get a generic text rather than
// nothing, so a log written by a newer version still reads sensibly.
func Describe(q Quirk) Info {
	if info, ok := catalogue[q]; ok {
		return info
	}
	return Info{Quirk: q, Badge: string(q), What: string(q), Strict: "unknown to this version"}
}

// All returns every known quirk, sorted, for documentation and tests.
func All() []Quirk {
	all := make([]Quirk, 0, len(catalogue))
	for q := range catalogue {
		all = append(all, q)
	}
	sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
	return all
}

// Set collects the quirks one request relied on. The zero value is ready to use; a nil
// *Set ignores additions so callers need no checks.
type Set struct {
	seen map[Quirk]bool
}

// Add records q.
func (s *Set) Add(q Quirk) {
	if s == nil {
		return
	}
	if s.seen == nil {
		s.seen = make(map[Quirk]bool)
	}
	s.seen[q] = true
}

// List returns the recorded quirks sorted.
func (s *Set) List() []Quirk {
	if s == nil || len(s.seen) == 0 {
		return nil
	}
	out := make([]Quirk, 0, len(s.seen))
	for q := range s.seen {
		out = append(out, q)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// Refusal is the error of a request that strict mode refused because it relied on a
// quirk. It wraps the error a strict RFC server would answer, so callers still find
// that error with errors.As, and lets the recorder name the quirk that was refused
// rather than every quirk the request happened to carry.
type Refusal struct {
	Quirk Quirk
	Err   error
}

// Refuse wraps err, the answer a strict server gives, as a refusal of q.
func Refuse(q Quirk, err error) error { return &Refusal{Quirk: q, Err: err} }

func (r *Refusal) Error() string { return r.Err.Error() }

// Unwrap returns the strict server's answer.
func (r *Refusal) Unwrap() error { return r.Err }

// RefusedBy returns the quirk whose refusal err is or wraps.
func RefusedBy(err error) (Quirk, bool) {
	var r *Refusal
	if errors.As(err, &r) {
		return r.Quirk, true
	}
	return "", false
}
