package scimserver

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/scimlab/scimlab/scim/schema"
)

// The discovery endpoints (RFC 7644 §4) can be read without a token; Entra reads
// /Schemas when an admin saves provisioning settings.

type supported struct {
	Supported bool `json:"supported"`
}

type serviceProviderConfig struct {
	Schemas               []string     `json:"schemas"`
	DocumentationURI      string       `json:"documentationUri,omitempty"`
	Patch                 supported    `json:"patch"`
	Bulk                  bulkConfig   `json:"bulk"`
	Filter                filterConfig `json:"filter"`
	ChangePassword        supported    `json:"changePassword"`
	Sort                  supported    `json:"sort"`
	ETag                  supported    `json:"etag"`
	AuthenticationSchemes []authScheme `json:"authenticationSchemes"`
	Meta                  meta         `json:"meta"`
}

type bulkConfig struct {
	Supported      bool `json:"supported"`
	MaxOperations  int  `json:"maxOperations"`
	MaxPayloadSize int  `json:"maxPayloadSize"`
}

type filterConfig struct {
	Supported  bool `json:"supported"`
	MaxResults int  `json:"maxResults"`
}

type authScheme struct {
	Type        string `json:"type"`
	Name        string `json:"name"`
	Description string `json:"description"`
	SpecURI     string `json:"specUri"`
	Primary     bool   `json:"primary"`
}

func (s *Server) serviceProviderConfig(w http.ResponseWriter, r *http.Request) error {
	writeJSON(w, http.StatusOK, serviceProviderConfig{
		Schemas:        []string{schema.ServiceProviderConfigURN},
		Patch:          supported{true},
		Bulk:           bulkConfig{},
		Filter:         filterConfig{Supported: true, MaxResults: MaxCount},
		ChangePassword: supported{false},
		Sort:           supported{true},
		ETag:           supported{true},
		AuthenticationSchemes: []authScheme{{
			Type:        "oauthbearertoken",
			Name:        "OAuth Bearer Token",
			Description: s.tokenDescription(r),
			SpecURI:     "https://www.rfc-editor.org/info/rfc6750",
			Primary:     true,
		}},
		Meta: meta{ResourceType: "ServiceProviderConfig", Location: baseURL(r) + "/ServiceProviderConfig"},
	})
	return nil
}

func (s *Server) resourceTypeJSON(r *http.Request, rt *schema.ResourceType) (json.RawMessage, error) {
	b, err := rt.JSON(baseURL(r) + "/ResourceTypes/" + rt.ID)
	return json.RawMessage(b), err
}

func (s *Server) listResourceTypes(w http.ResponseWriter, r *http.Request) error {
	var out []any
	for _, rt := range s.viewOf(r.Context()).types {
		b, err := s.resourceTypeJSON(r, rt)
		if err != nil {
			return err
		}
		out = append(out, b)
	}
	writeJSON(w, http.StatusOK, listResponse{
		Schemas: []string{schema.ListResponseURN}, TotalResults: len(out), ItemsPerPage: len(out), StartIndex: 1, Resources: out,
	})
	return nil
}

func (s *Server) getResourceType(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	view := s.viewOf(r.Context())
	for _, rt := range view.types {
		if strings.EqualFold(rt.ID, id) {
			b, err := s.resourceTypeJSON(r, rt)
			if err != nil {
				return err
			}
			writeJSON(w, http.StatusOK, b)
			return nil
		}
	}
	names := make([]string, len(view.types))
	for i, rt := range view.types {
		names[i] = rt.ID
	}
	return &Error{Status: http.StatusNotFound, Detail: "no resource type " + quote(id) + "; this server has " + strings.Join(names, " and ")}
}

func (s *Server) listSchemas(w http.ResponseWriter, r *http.Request) error {
	var out []any
	for _, sc := range s.viewOf(r.Context()).schemas {
		b, err := sc.JSON(baseURL(r) + "/Schemas/" + sc.ID)
		if err != nil {
			return err
		}
		out = append(out, json.RawMessage(b))
	}
	writeJSON(w, http.StatusOK, listResponse{
		Schemas: []string{schema.ListResponseURN}, TotalResults: len(out), ItemsPerPage: len(out), StartIndex: 1, Resources: out,
	})
	return nil
}

func (s *Server) getSchema(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	view := s.viewOf(r.Context())
	sc := view.lookupSchema(id)
	if sc == nil {
		urns := make([]string, len(view.schemas))
		for i, sc := range view.schemas {
			urns[i] = sc.ID
		}
		return &Error{Status: http.StatusNotFound, Detail: "no schema " + quote(id) + "; this server has " + strings.Join(urns, ", ")}
	}
	b, err := sc.JSON(baseURL(r) + "/Schemas/" + sc.ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, json.RawMessage(b))
	return nil
}

func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
