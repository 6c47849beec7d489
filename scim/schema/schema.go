// Package schema holds the attribute definitions scimlab serves: the core User (RFC 7643
// §4.1), the enterprise User extension (§4.3), the Group (§4.2) and the common attributes
// every resource carries (§3.1). The filter evaluator, the PATCH engine and the HTTP
// handlers look attributes up here so that case-insensitivity, caseExact compares,
// mutability and returned rules come from one place.
//
// The values returned by this package are shared and must be treated as read-only.
package schema

import (
	"strings"

	"github.com/scimlab/scimlab/scim/filter"
)

// URNs of the schemas and protocol messages scimlab speaks (RFC 7643 §8.7, RFC 7644 §3).
const (
	UserURN                  = "urn:ietf:params:scim:schemas:core:2.0:User"
	EnterpriseUserURN        = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	GroupURN                 = "urn:ietf:params:scim:schemas:core:2.0:Group"
	ListResponseURN          = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
	PatchOpURN               = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
	ErrorURN                 = "urn:ietf:params:scim:api:messages:2.0:Error"
	SearchRequestURN         = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"
	ServiceProviderConfigURN = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
	ResourceTypeURN          = "urn:ietf:params:scim:schemas:core:2.0:ResourceType"
	SchemaURN                = "urn:ietf:params:scim:schemas:core:2.0:Schema"
)

// Type is an attribute's data type (RFC 7643 §2.3).
type Type string

// The attribute data types of RFC 7643 §2.3.
const (
	String    Type = "string"
	Boolean   Type = "boolean"
	Decimal   Type = "decimal"
	Integer   Type = "integer"
	DateTime  Type = "dateTime"
	Reference Type = "reference"
	Complex   Type = "complex"
	Binary    Type = "binary"
)

// Values of Attribute.Mutability (RFC 7643 §7).
const (
	ReadOnly  = "readOnly"
	ReadWrite = "readWrite"
	Immutable = "immutable"
	WriteOnly = "writeOnly"
)

// Values of Attribute.Returned (RFC 7643 §7).
const (
	ReturnedAlways  = "always"
	ReturnedNever   = "never"
	ReturnedDefault = "default"
	ReturnedRequest = "request"
)

// Values of Attribute.Uniqueness (RFC 7643 §7).
const (
	UniqueNone   = "none"
	UniqueServer = "server"
	UniqueGlobal = "global"
)

// Attribute describes one attribute or sub-attribute (RFC 7643 §7).
type Attribute struct {
	Name            string
	Type            Type
	MultiValued     bool
	Description     string
	Required        bool
	CaseExact       bool
	Mutability      string
	Returned        string
	Uniqueness      string
	ReferenceTypes  []string
	CanonicalValues []string
	SubAttributes   []*Attribute
}

// Sub returns the sub-attribute called name, matched case-insensitively (RFC 7643 §2.1),
// or nil when a has none by that name.
func (a *Attribute) Sub(name string) *Attribute {
	if a == nil {
		return nil
	}
	return find(a.SubAttributes, name)
}

// Schema is one schema definition: its URN and its top-level attributes.
type Schema struct {
	ID          string
	Name        string
	Description string
	Attributes  []*Attribute
}

// Attr returns the top-level attribute called name, matched case-insensitively, or nil.
// The common attributes id, externalId and meta belong to no schema (RFC 7643 §3.1) and are
// found through ResourceType.Resolve instead.
func (s *Schema) Attr(name string) *Attribute {
	if s == nil {
		return nil
	}
	return find(s.Attributes, name)
}

// Extension is a schema extension a resource type allows (RFC 7643 §6).
type Extension struct {
	Schema   *Schema
	Required bool
}

// ResourceType ties an endpoint to its core schema and extensions (RFC 7643 §6).
type ResourceType struct {
	ID          string
	Name        string
	Endpoint    string
	Description string
	Schema      *Schema
	Extensions  []Extension
}

// Resolve finds the attribute p names. A URN-qualified path is looked up in that schema
// only (the URN matches case-insensitively); a bare name is looked up among the common
// attributes, then the core schema, then each extension in order. When p has a
// sub-attribute, attr is the sub-attribute and parent the complex attribute holding it;
// otherwise parent is nil. schemaURN is the schema the attribute is stored under: the core
// schema's URN for core and common attributes, the extension URN for extension ones, so a
// caller knows whether the value lives at the top level of a document or inside the
// extension's object.
func (rt *ResourceType) Resolve(p filter.AttrPath) (attr *Attribute, parent *Attribute, schemaURN string, ok bool) {
	if rt == nil || rt.Schema == nil || p.Name == "" {
		return nil, nil, "", false
	}
	top, urn := rt.resolveTop(p.URN, p.Name)
	if top == nil {
		return nil, nil, "", false
	}
	if p.Sub == "" {
		return top, nil, urn, true
	}
	sub := top.Sub(p.Sub)
	if sub == nil {
		return nil, nil, "", false
	}
	return sub, top, urn, true
}

func (rt *ResourceType) resolveTop(urn, name string) (*Attribute, string) {
	if urn != "" {
		s := rt.SchemaFor(urn)
		if s == nil {
			return nil, ""
		}
		if s == rt.Schema {
			if a := find(commonAttributes, name); a != nil {
				return a, s.ID
			}
		}
		return s.Attr(name), s.ID
	}
	if a := find(commonAttributes, name); a != nil {
		return a, rt.Schema.ID
	}
	if a := rt.Schema.Attr(name); a != nil {
		return a, rt.Schema.ID
	}
	for _, ext := range rt.Extensions {
		if a := ext.Schema.Attr(name); a != nil {
			return a, ext.Schema.ID
		}
	}
	return nil, ""
}

// SchemaFor returns the core schema or the extension schema whose URN equals urn
// case-insensitively, or nil when rt does not use that schema.
func (rt *ResourceType) SchemaFor(urn string) *Schema {
	if rt == nil {
		return nil
	}
	if rt.Schema != nil && strings.EqualFold(rt.Schema.ID, urn) {
		return rt.Schema
	}
	for _, ext := range rt.Extensions {
		if ext.Schema != nil && strings.EqualFold(ext.Schema.ID, urn) {
			return ext.Schema
		}
	}
	return nil
}

// IsExtension reports whether urn names one of rt's extension schemas (case-insensitively).
// Documents keep extension attributes in an object under the extension's URN.
func (rt *ResourceType) IsExtension(urn string) bool {
	s := rt.SchemaFor(urn)
	return s != nil && s != rt.Schema
}

// SchemaURNs returns the core schema URN followed by the extension URNs.
func (rt *ResourceType) SchemaURNs() []string {
	out := []string{rt.Schema.ID}
	for _, ext := range rt.Extensions {
		out = append(out, ext.Schema.ID)
	}
	return out
}

// CommonAttributes returns id, externalId and meta, which every resource carries but no
// schema defines (RFC 7643 §3.1).
func CommonAttributes() []*Attribute {
	return commonAttributes
}

// UserResourceType returns the User resource type: the core User schema with the
// enterprise extension (optional).
func UserResourceType() *ResourceType { return userResourceType }

// GroupResourceType returns the Group resource type.
func GroupResourceType() *ResourceType { return groupResourceType }

// ResourceTypes returns every resource type scimlab serves, for /ResourceTypes.
func ResourceTypes() []*ResourceType {
	return []*ResourceType{userResourceType, groupResourceType}
}

// Schemas returns the core User, enterprise User and Group schemas, for /Schemas.
func Schemas() []*Schema {
	return []*Schema{userSchema, enterpriseUserSchema, groupSchema}
}

// Lookup returns the schema with the given URN (case-insensitively), or nil.
func Lookup(urn string) *Schema {
	for _, s := range Schemas() {
		if strings.EqualFold(s.ID, urn) {
			return s
		}
	}
	return nil
}

func find(attrs []*Attribute, name string) *Attribute {
	for _, a := range attrs {
		if strings.EqualFold(a.Name, name) {
			return a
		}
	}
	return nil
}
