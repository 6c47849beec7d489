package scimserver

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/scimlab/scimlab/scim/schema"
	"github.com/scimlab/scimlab/store"
)

// listParams are the query parameters of RFC 7644 §3.4.2, from a URL or a SearchRequest.
type listParams struct {
	filter     string
	startIndex int
	count      int
	sortBy     string
	descending bool
	attributes []string
	excluded   []string
}

// listResponse is RFC 7644 §3.4.2's ListResponse. Resources is always present ([] when
// empty) and the numbers are JSON numbers: Okta's import reads them as integers.
type listResponse struct {
	Schemas      []string `json:"schemas"`
	TotalResults int      `json:"totalResults"`
	ItemsPerPage int      `json:"itemsPerPage"`
	StartIndex   int      `json:"startIndex"`
	Resources    []any    `json:"Resources"`
}

// queryValues returns the values of a query parameter matched case-insensitively: RFC
// 7644 spells them in camelCase, and hand-written requests do not always.
func queryValues(q url.Values, name string) []string {
	if vs, ok := q[name]; ok {
		return vs
	}
	for k, vs := range q {
		if strings.EqualFold(k, name) {
			return vs
		}
	}
	return nil
}

func firstQueryValue(q url.Values, name string) (string, bool) {
	vs := queryValues(q, name)
	if len(vs) == 0 {
		return "", false
	}
	return vs[0], true
}

func parseListQuery(q url.Values) (listParams, error) {
	p := listParams{startIndex: 1, count: DefaultCount}
	p.filter, _ = firstQueryValue(q, "filter")
	if v, ok := firstQueryValue(q, "startIndex"); ok && strings.TrimSpace(v) != "" {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil {
			return p, badRequest(ScimTypeInvalidValue, "startIndex must be a whole number (1 for the first result), not %q", v)
		}
		p.startIndex = n
	}
	if v, ok := firstQueryValue(q, "count"); ok && strings.TrimSpace(v) != "" {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil {
			return p, badRequest(ScimTypeInvalidValue, "count must be a whole number (results per page), not %q", v)
		}
		p.count = n
	}
	p.sortBy, _ = firstQueryValue(q, "sortBy")
	order, _ := firstQueryValue(q, "sortOrder")
	if err := p.setOrder(order); err != nil {
		return p, err
	}
	p.attributes = queryValues(q, "attributes")
	p.excluded = queryValues(q, "excludedAttributes")
	p.clamp()
	return p, nil
}

func (p *listParams) setOrder(order string) error {
	switch strings.ToLower(strings.TrimSpace(order)) {
	case "", "ascending":
		p.descending = false
	case "descending":
		p.descending = true
	default:
		return badRequest(ScimTypeInvalidValue, `sortOrder must be "ascending" or "descending", not %q`, order)
	}
	return nil
}

// clamp applies RFC 7644 §3.4.2.4: a startIndex below 1 means 1 and a negative count
// means 0; counts above MaxCount are served as MaxCount pages.
func (p *listParams) clamp() {
	if p.startIndex < 1 {
		p.startIndex = 1
	}
	if p.count < 0 {
		p.count = 0
	}
	if p.count > MaxCount {
		p.count = MaxCount
	}
}

// parseSearchRequest reads a POST .search body (RFC 7644 §3.4.3).
func (s *Server) parseSearchRequest(r *http.Request, body map[string]any) (listParams, error) {
	p := listParams{startIndex: 1, count: DefaultCount}
	sawURN := false
	for k, v := range body {
		if v == nil {
			continue
		}
		switch strings.ToLower(k) {
		case "schemas":
			list, _ := v.([]any)
			for _, e := range list {
				if u, _ := e.(string); strings.EqualFold(u, schema.SearchRequestURN) {
					sawURN = true
				}
			}
		case "filter":
			str, ok := v.(string)
			if !ok {
				return p, badRequest(ScimTypeInvalidValue, `"filter" must be a string, not a JSON %s`, jsonKind(v))
			}
			p.filter = str
		case "sortby":
			str, ok := v.(string)
			if !ok {
				return p, badRequest(ScimTypeInvalidValue, `"sortBy" must be a string, not a JSON %s`, jsonKind(v))
			}
			p.sortBy = str
		case "sortorder":
			str, _ := v.(string)
			if err := p.setOrder(str); err != nil {
				return p, err
			}
		case "startindex", "count":
			n, err := searchInt(k, v)
			if err != nil {
				return p, err
			}
			if strings.EqualFold(k, "count") {
				p.count = n
			} else {
				p.startIndex = n
			}
		case "attributes", "excludedattributes":
			list, err := searchStrings(k, v)
			if err != nil {
				return p, err
			}
			if strings.EqualFold(k, "attributes") {
				p.attributes = list
			} else {
				p.excluded = list
			}
		}
	}
	if !sawURN && s.strictFor(r) {
		return p, badRequest(ScimTypeInvalidSyntax, "a search request must list %q in schemas", schema.SearchRequestURN)
	}
	p.clamp()
	return p, nil
}

func searchInt(k string, v any) (int, error) {
	var text string
	switch t := v.(type) {
	case json.Number:
		text = t.String()
	case string:
		text = t
	default:
		return 0, badRequest(ScimTypeInvalidValue, "%q must be a whole number, not a JSON %s", k, jsonKind(v))
	}
	n, err := strconv.Atoi(strings.TrimSpace(text))
	if err != nil {
		return 0, badRequest(ScimTypeInvalidValue, "%q must be a whole number, not %s", k, text)
	}
	return n, nil
}

func searchStrings(k string, v any) ([]string, error) {
	switch t := v.(type) {
	case string:
		return []string{t}, nil
	case []any:
		out := make([]string, 0, len(t))
		for _, e := range t {
			str, ok := e.(string)
			if !ok {
				return nil, badRequest(ScimTypeInvalidValue, "%q must be a list of attribute names", k)
			}
			out = append(out, str)
		}
		return out, nil
	}
	return nil, badRequest(ScimTypeInvalidValue, "%q must be a list of attribute names, not a JSON %s", k, jsonKind(v))
}

func (s *Server) listUsers(w http.ResponseWriter, r *http.Request) error {
	p, err := parseListQuery(r.URL.Query())
	if err != nil {
		return err
	}
	return s.list(w, r, s.userType(r), kindUser, p)
}

func (s *Server) listGroups(w http.ResponseWriter, r *http.Request) error {
	p, err := parseListQuery(r.URL.Query())
	if err != nil {
		return err
	}
	return s.list(w, r, s.groupType(r), kindGroup, p)
}

func (s *Server) searchUsers(w http.ResponseWriter, r *http.Request) error {
	return s.search(w, r, s.userType(r), kindUser)
}

func (s *Server) searchGroups(w http.ResponseWriter, r *http.Request) error {
	return s.search(w, r, s.groupType(r), kindGroup)
}

func (s *Server) search(w http.ResponseWriter, r *http.Request, rt *schema.ResourceType, kind store.Kind) error {
	noteResource(r, rt.Name, "")
	body, err := readObject(r)
	if err != nil {
		return err
	}
	p, err := s.parseSearchRequest(r, body)
	if err != nil {
		return err
	}
	return s.list(w, r, rt, kind, p)
}

func (s *Server) list(w http.ResponseWriter, r *http.Request, rt *schema.ResourceType, kind store.Kind, p listParams) error {
	noteResource(r, rt.Name, "")
	t := s.translator(r, rt, false)
	q, err := t.query(kind, p)
	if err != nil {
		return err
	}
	total, page, err := s.st.Search(r.Context(), q)
	if err != nil {
		return err
	}
	resources, err := s.renderPage(r, rt, page, parseProjection(rt, p.attributes, p.excluded, seenQuirks(r)))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, listResponse{
		Schemas:      []string{schema.ListResponseURN},
		TotalResults: total,
		ItemsPerPage: len(resources),
		StartIndex:   p.startIndex,
		Resources:    resources,
	})
	return nil
}

func (s *Server) renderPage(r *http.Request, rt *schema.ResourceType, page []*store.Resource, proj projection) ([]any, error) {
	out := make([]any, 0, len(page))
	for _, res := range page {
		var (
			rj  resourceJSON
			err error
		)
		if rt.Name == kindGroupName {
			rj, err = s.renderGroup(r, res, proj)
		} else {
			rj, err = s.renderUser(r, res, proj)
		}
		if err != nil {
			return nil, err
		}
		out = append(out, rj)
	}
	return out, nil
}

// searchAll is the root query POST /.search (RFC 7644 §3.4.3): Users then Groups, paged
// as one list. A filter attribute that one resource type lacks counts as unassigned for
// it; only an attribute neither type has is an error.
func (s *Server) searchAll(w http.ResponseWriter, r *http.Request) error {
	body, err := readObject(r)
	if err != nil {
		return err
	}
	p, err := s.parseSearchRequest(r, body)
	if err != nil {
		return err
	}
	ut, gt := s.translator(r, s.userType(r), true), s.translator(r, s.groupType(r), true)
	uq, err := ut.query(kindUser, p)
	if err != nil {
		return err
	}
	gq, err := gt.query(kindGroup, p)
	if err != nil {
		return err
	}
	for name := range ut.unknown {
		if gt.unknown[name] {
			return badRequest(ScimTypeInvalidFilter, "%q is not an attribute of Users or Groups", name)
		}
	}
	if ut.unknownSort && gt.unknownSort {
		return badRequest(ScimTypeInvalidValue, "sortBy %q is not an attribute of Users or Groups", p.sortBy)
	}
	ctx := r.Context()
	uq.StartIndex, uq.Count = p.startIndex, p.count
	totalU, users, err := s.st.Search(ctx, uq)
	if err != nil {
		return err
	}
	gq.StartIndex, gq.Count = max(1, p.startIndex-totalU), p.count-len(users)
	totalG, groups, err := s.st.Search(ctx, gq)
	if err != nil {
		return err
	}
	resources, err := s.renderPage(r, s.userType(r), users, parseProjection(s.userType(r), p.attributes, p.excluded, seenQuirks(r)))
	if err != nil {
		return err
	}
	more, err := s.renderPage(r, s.groupType(r), groups, parseProjection(s.groupType(r), p.attributes, p.excluded, seenQuirks(r)))
	if err != nil {
		return err
	}
	resources = append(resources, more...)
	writeJSON(w, http.StatusOK, listResponse{
		Schemas:      []string{schema.ListResponseURN},
		TotalResults: totalU + totalG,
		ItemsPerPage: len(resources),
		StartIndex:   p.startIndex,
		Resources:    resources,
	})
	return nil
}
