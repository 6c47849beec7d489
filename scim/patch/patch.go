// Package patch applies SCIM PATCH requests (RFC 7644 §3.5.2) to resources held as JSON
// documents.
//
// Okta and Microsoft Entra ID both depart from the RFC in ways a production app has to
// accept: Entra capitalises ops, sends booleans as "True"/"False", sends the manager as a
// bare id and removes group members by listing them under path "members"; Okta echoes
// the resource id in a path-less replace. In tolerant mode (the default) the engine
// accepts each departure and records it in a quirk.Set; in strict mode it answers the
// error a strict RFC server would, so an admin can see what their app will do with the
// same request.
package patch

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/scimlab/scimlab/scim/quirk"
	"github.com/scimlab/scimlab/scim/schema"
)

// MaxOperations is the largest number of operations one PATCH request may carry. Entra
// sends one operation per changed attribute and Okta at most a few, so the limit only
// stops hostile bodies.
const MaxOperations = 1000

// The scimType values of RFC 7644 §3.12 that a PATCH can fail with.
const (
	invalidSyntax = "invalidSyntax"
	invalidPath   = "invalidPath"
	noTarget      = "noTarget"
	invalidValue  = "invalidValue"
	mutability    = "mutability"
)

// The op names of RFC 7644 §3.5.2.
const (
	opAdd     = "add"
	opRemove  = "remove"
	opReplace = "replace"
)

// Operation is one element of a PATCH request's "Operations" array.
type Operation struct {
	Op    string          `json:"op"`
	Path  string          `json:"path,omitempty"`
	Value json.RawMessage `json:"value,omitempty"`
}

// Request is a decoded PATCH body (RFC 7644 §3.5.2).
type Request struct {
	Schemas    []string    `json:"schemas"`
	Operations []Operation `json:"Operations"`
}

// Error is a PATCH failure the client caused. The server answers it with status 400,
// ScimType and Detail; Detail is written for the admin reading the request log.
type Error struct {
	// ScimType is one of invalidSyntax, invalidPath, noTarget, invalidValue, mutability.
	ScimType string
	Detail   string
}

// Error returns the scimType and the detail.
func (e *Error) Error() string { return e.ScimType + ": " + e.Detail }

func errorf(scimType, format string, args ...any) *Error {
	return &Error{ScimType: scimType, Detail: fmt.Sprintf(format, args...)}
}

// Decode parses a PATCH body. It checks that the body is a JSON object naming the PatchOp
// schema and carrying between 1 and MaxOperations operations whose op is add, remove or
// replace. Op names come back lower-case. In tolerant mode a missing PatchOp schema and a
// capitalised op (Entra's "Replace") are accepted and recorded in seen; in strict mode they
// are invalidSyntax errors. Errors are *Error.
func Decode(body []byte, strict bool, seen *quirk.Set) (*Request, error) {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return nil, errorf(invalidSyntax, `the PATCH body must be a JSON object such as {"schemas": [%q], "Operations": [...]}`, schema.PatchOpURN)
	}
	var req Request
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	if err := dec.Decode(&req); err != nil {
		return nil, decodeError(err)
	}
	if dec.More() {
		return nil, errorf(invalidSyntax, "the PATCH body has data after its JSON object")
	}
	if !hasPatchOpSchema(req.Schemas) {
		seen.Add(quirk.PatchOpSchemaMissing)
		if strict {
			return nil, quirk.Refuse(quirk.PatchOpSchemaMissing, errorf(invalidSyntax, `the PATCH body's "schemas" must list %q`, schema.PatchOpURN))
		}
	}
	if len(req.Operations) == 0 {
		return nil, errorf(invalidSyntax, `the PATCH body has no "Operations": RFC 7644 §3.5.2 requires at least one operation`)
	}
	if len(req.Operations) > MaxOperations {
		return nil, errorf(invalidSyntax, "the PATCH body has %d operations; scimlab accepts at most %d in one request", len(req.Operations), MaxOperations)
	}
	for i := range req.Operations {
		op, err := normalizeOp(req.Operations[i].Op, strict, seen)
		if err != nil {
			return nil, err
		}
		req.Operations[i].Op = op
	}
	return &req, nil
}

func hasPatchOpSchema(schemas []string) bool {
	for _, s := range schemas {
		if strings.EqualFold(s, schema.PatchOpURN) {
			return true
		}
	}
	return false
}

// decodeError turns an encoding/json error into words about the PATCH body.
func decodeError(err error) *Error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return errorf(invalidSyntax, "the PATCH body is not valid JSON (at byte %d): %s", se.Offset, strings.TrimPrefix(se.Error(), "json: "))
	case errors.As(err, &te):
		field := te.Field
		if field == "" {
			field = "the body"
		} else {
			field = fmt.Sprintf("%q", field)
		}
		return errorf(invalidSyntax, "the PATCH body has a JSON %s where %s must be %s", te.Value, field, goTypeName(te.Type.String()))
	}
	return errorf(invalidSyntax, "the PATCH body is not valid JSON: %s", strings.TrimPrefix(err.Error(), "json: "))
}

func goTypeName(t string) string {
	switch {
	case t == "string":
		return "a string"
	case strings.HasPrefix(t, "[]"):
		return "an array"
	case strings.HasPrefix(t, "patch.") || strings.HasPrefix(t, "map"):
		return "an object"
	}
	return t
}

// normalizeOp accepts the three RFC op names. RFC 7644 spells them lower-case; Entra
// capitalises them, and rejecting that is what breaks many strict servers.
func normalizeOp(op string, strict bool, seen *quirk.Set) (string, error) {
	switch op {
	case opAdd, opRemove, opReplace:
		return op, nil
	}
	lower := strings.ToLower(op)
	switch lower {
	case opAdd, opRemove, opReplace:
		seen.Add(quirk.CapitalisedOp)
		if strict {
			return "", quirk.Refuse(quirk.CapitalisedOp, errorf(invalidSyntax, `op %q must be spelled %q: RFC 7644 §3.5.2 defines "add", "remove" and "replace" in lower case`, op, lower))
		}
		return lower, nil
	}
	if op == "" {
		return "", errorf(invalidSyntax, `an operation has no "op": it must be "add", "remove" or "replace"`)
	}
	return "", errorf(invalidSyntax, `unknown op %q: it must be "add", "remove" or "replace"`, op)
}

// Member is one group member as the MemberEditor sees it.
type Member struct {
	Value, Display, Type, Ref string
}

// MemberEditor receives membership changes of a Group PATCH, so a group with 50k members
// is never materialised.
type MemberEditor interface {
	// AddMembers adds ms; ids already present are not duplicated.
	AddMembers(ms []Member) error
	// RemoveMembers removes the listed ids; absent ids are ignored (the engine decides
	// whether an absent id is an error).
	RemoveMembers(ids []string) error
	// HasMember reports whether id is a member.
	HasMember(id string) (bool, error)
	// RemoveAllMembers empties the group.
	RemoveAllMembers() error
	// ListMembers returns every member. The engine calls it only for filters other than
	// value eq "id" (or or-chains of them), such as members[display eq "x"].
	ListMembers() ([]Member, error)
}

// Options tell Apply what it is patching and how.
type Options struct {
	// Resource is the resource type of the document; nil means the User resource type.
	Resource *schema.ResourceType
	// Strict refuses IdP quirks with the error a strict RFC server gives.
	Strict bool
	// Seen collects the quirks the request relied on; it may be nil.
	Seen *quirk.Set
	// Members, when non-nil, receives every change to a Group's members, which then do
	// not live in the document.
	Members MemberEditor
	// ID is the resource's id. The document carries none, yet Okta echoes the id in a
	// path-less replace ({"id": "…", "displayName": "…"}); an echo equal to ID is not a
	// modification and is ignored in both modes. With ID empty every id in a value counts
	// as an attempt to change it, a mutability error in both modes.
	ID string
	// Sender names the client in error details ("Okta", "Entra"); empty means "the client".
	Sender string
}

// Apply applies ops to doc, a User or Group JSON object without id and meta (as decoded by
// encoding/json, with or without UseNumber), in order. It edits doc in place, so the caller
// passes a copy; on error doc may be half-changed and must be discarded. Making the whole
// request all-or-nothing is the caller's job: it runs Apply inside one store transaction,
// with Options.Members bound to that transaction. Errors caused by the request are *Error;
// errors from Options.Members are returned wrapped.
func Apply(doc map[string]any, ops []Operation, opts Options) error {
	if doc == nil {
		return errors.New("patch: Apply needs a document")
	}
	if len(ops) > MaxOperations {
		return errorf(invalidSyntax, "the PATCH body has %d operations; scimlab accepts at most %d in one request", len(ops), MaxOperations)
	}
	if opts.Resource == nil {
		opts.Resource = schema.UserResourceType()
	}
	if opts.Resource.Schema == nil {
		return errors.New("patch: the resource type has no schema")
	}
	if opts.Sender == "" {
		opts.Sender = "the client"
	}
	e := &engine{rt: opts.Resource, opts: opts, doc: doc}
	if opts.Members != nil && strings.EqualFold(opts.Resource.Schema.ID, schema.GroupURN) {
		e.members = opts.Resource.Schema.Attr("members")
	}
	for i, op := range ops {
		if err := e.apply(op); err != nil {
			var pe *Error
			if len(ops) > 1 && errors.As(err, &pe) {
				numbered := &Error{ScimType: pe.ScimType, Detail: fmt.Sprintf("operation %d of %d: %s", i+1, len(ops), pe.Detail)}
				if q, refused := quirk.RefusedBy(err); refused {
					return quirk.Refuse(q, numbered)
				}
				return numbered
			}
			return err
		}
	}
	return nil
}
