package schema

import "encoding/json"

// attributeJSON is the RFC 7643 §7 shape of one attribute definition. Field order follows
// the RFC's examples so /Schemas reads like §8.7.1.
type attributeJSON struct {
	Name            string       `json:"name"`
	Type            Type         `json:"type"`
	SubAttributes   []*Attribute `json:"subAttributes,omitempty"`
	MultiValued     bool         `json:"multiValued"`
	Description     string       `json:"description"`
	Required        bool         `json:"required"`
	CaseExact       *bool        `json:"caseExact,omitempty"`
	CanonicalValues []string     `json:"canonicalValues,omitempty"`
	Mutability      string       `json:"mutability"`
	Returned        string       `json:"returned"`
	Uniqueness      string       `json:"uniqueness"`
	ReferenceTypes  []string     `json:"referenceTypes,omitempty"`
}

// MarshalJSON renders a as an attribute definition of RFC 7643 §7. caseExact is left out of
// complex attributes, where it has no meaning (it applies to their sub-attributes).
func (a *Attribute) MarshalJSON() ([]byte, error) {
	j := attributeJSON{
		Name:            a.Name,
		Type:            a.Type,
		SubAttributes:   a.SubAttributes,
		MultiValued:     a.MultiValued,
		Description:     a.Description,
		Required:        a.Required,
		CanonicalValues: a.CanonicalValues,
		Mutability:      a.Mutability,
		Returned:        a.Returned,
		Uniqueness:      a.Uniqueness,
		ReferenceTypes:  a.ReferenceTypes,
	}
	if a.Type != Complex {
		ce := a.CaseExact
		j.CaseExact = &ce
	}
	return json.Marshal(j)
}

type metaJSON struct {
	ResourceType string `json:"resourceType"`
	Location     string `json:"location,omitempty"`
}

type schemaJSON struct {
	Schemas     []string     `json:"schemas"`
	ID          string       `json:"id"`
	Name        string       `json:"name"`
	Description string       `json:"description"`
	Attributes  []*Attribute `json:"attributes"`
	Meta        metaJSON     `json:"meta"`
}

// MarshalJSON renders s as a Schema resource (RFC 7643 §7, §8.7.1) with meta.resourceType
// "Schema" and no location; the server, which knows its base URL, uses JSON instead.
func (s *Schema) MarshalJSON() ([]byte, error) { return s.JSON("") }

// JSON renders s as MarshalJSON does, with meta.location set to location when non-empty
// (e.g. "https://host/scim/v2/Schemas/urn:ietf:params:scim:schemas:core:2.0:User").
func (s *Schema) JSON(location string) ([]byte, error) {
	attrs := s.Attributes
	if attrs == nil {
		attrs = []*Attribute{}
	}
	return json.Marshal(schemaJSON{
		Schemas:     []string{SchemaURN},
		ID:          s.ID,
		Name:        s.Name,
		Description: s.Description,
		Attributes:  attrs,
		Meta:        metaJSON{ResourceType: "Schema", Location: location},
	})
}

type extensionJSON struct {
	Schema   string `json:"schema"`
	Required bool   `json:"required"`
}

type resourceTypeJSON struct {
	Schemas          []string        `json:"schemas"`
	ID               string          `json:"id"`
	Name             string          `json:"name"`
	Endpoint         string          `json:"endpoint"`
	Description      string          `json:"description"`
	Schema           string          `json:"schema"`
	SchemaExtensions []extensionJSON `json:"schemaExtensions,omitempty"`
	Meta             metaJSON        `json:"meta"`
}

// MarshalJSON renders rt as a ResourceType resource (RFC 7643 §6) without meta.location.
func (rt *ResourceType) MarshalJSON() ([]byte, error) { return rt.JSON("") }

// JSON renders rt as MarshalJSON does, with meta.location set to location when non-empty.
func (rt *ResourceType) JSON(location string) ([]byte, error) {
	j := resourceTypeJSON{
		Schemas:     []string{ResourceTypeURN},
		ID:          rt.ID,
		Name:        rt.Name,
		Endpoint:    rt.Endpoint,
		Description: rt.Description,
		Meta:        metaJSON{ResourceType: "ResourceType", Location: location},
	}
	if rt.Schema != nil {
		j.Schema = rt.Schema.ID
	}
	for _, ext := range rt.Extensions {
		j.SchemaExtensions = append(j.SchemaExtensions, extensionJSON{Schema: ext.Schema.ID, Required: ext.Required})
	}
	return json.Marshal(j)
}
