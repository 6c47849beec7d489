package scimserver

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/scimlab/scimlab/scim/patch"
	"github.com/scimlab/scimlab/store"
)

// renderGroup builds the response document of a Group. Members come from the membership
// table and are only read when the projection keeps them, so Entra's
// excludedAttributes=members lookups never touch a large group's members.
func (s *Server) renderGroup(r *http.Request, res *store.Resource, proj projection) (resourceJSON, error) {
	doc, err := decodeDoc(res.Doc)
	if err != nil {
		return resourceJSON{}, err
	}
	doc["id"] = res.ID
	if proj.wants("members") {
		ms, err := s.st.Members(r.Context(), res.ID, 0)
		if err != nil {
			return resourceJSON{}, err
		}
		if len(ms) > 0 {
			base := baseURL(r)
			members := make([]any, len(ms))
			for i, m := range ms {
				e := map[string]any{"value": m.UserID, "$ref": base + "/Users/" + m.UserID, "type": "User"}
				if m.Display != "" {
					e["display"] = m.Display
				}
				members[i] = e
			}
			doc["members"] = members
		}
	}
	s.finishDoc(r, kindGroupName, "/Groups", res, doc, proj)
	v := s.viewOf(r.Context())
	return resourceJSON{rt: v.groups, doc: doc, rank: v.groupRank}, nil
}

// takeMembers removes "members" from a Group body and checks it: a list of
// {"value": userId, "display"?, "type"?, "$ref"?}. Duplicates are merged.
func takeMembers(body map[string]any) (members []store.Member, present bool, err error) {
	var raw any
	for k, v := range body {
		if strings.EqualFold(k, "members") {
			raw, present = v, true
			delete(body, k)
		}
	}
	if raw == nil {
		return nil, present, nil
	}
	list, ok := raw.([]any)
	if !ok {
		return nil, true, badRequest(ScimTypeInvalidValue, `"members" must be a JSON array of {"value": "<user id>"} objects, not a JSON %s`, jsonKind(raw))
	}
	seen := make(map[string]bool, len(list))
	for i, e := range list {
		obj, ok := e.(map[string]any)
		if !ok {
			return nil, true, badRequest(ScimTypeInvalidValue, `members[%d] must be an object like {"value": "<user id>"}, not a JSON %s`, i, jsonKind(e))
		}
		var value, display, typ string
		for k, v := range obj {
			str, isStr := v.(string)
			if v != nil && !isStr {
				return nil, true, badRequest(ScimTypeInvalidValue, "members[%d].%s must be a string, not a JSON %s", i, k, jsonKind(v))
			}
			switch strings.ToLower(k) {
			case "value":
				value = str
			case "display":
				display = str
			case "type":
				typ = str
			case "$ref":
				// Derived from value; Entra sends "$ref": null.
			default:
				return nil, true, badRequest(ScimTypeInvalidValue, "members[%d] has an unknown sub-attribute %q; members have value, display, type and $ref", i, k)
			}
		}
		m, err := storeMember(value, display, typ)
		if err != nil {
			return nil, true, err
		}
		if !seen[m.UserID] {
			seen[m.UserID] = true
			members = append(members, m)
		}
	}
	return members, true, nil
}

func (s *Server) createGroup(w http.ResponseWriter, r *http.Request) error {
	noteResource(r, "Group", "")
	body, err := readObject(r)
	if err != nil {
		return err
	}
	members, _, err := takeMembers(body)
	if err != nil {
		return err
	}
	doc, err := s.normalizer(r, s.groupType(r)).document(body)
	if err != nil {
		return err
	}
	data, err := encodeDoc(doc)
	if err != nil {
		return err
	}
	res := &store.Resource{Kind: kindGroup, Doc: data}
	for _, m := range members {
		noteRelated(r, "User", m.UserID)
	}
	if err := s.st.CreateGroup(r.Context(), res, members); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return s.groupConflict(r, doc)
		}
		return err
	}
	noteResource(r, "Group", res.ID)
	rj, err := s.renderGroup(r, res, queryProjection(r, s.groupType(r)))
	if err != nil {
		return err
	}
	writeResource(w, http.StatusCreated, rj, res.Version, s.location(r, "/Groups", res.ID))
	return nil
}

func (s *Server) groupConflict(r *http.Request, doc map[string]any) error {
	ctx := r.Context()
	name, _ := doc["displayName"].(string)
	detail := fmt.Sprintf("a Group with displayName %q already exists (Entra matches groups by displayName, so scimlab keeps it unique, ignoring case)", name)
	total, page, err := s.st.Search(ctx, store.Query{
		Kind:       kindGroup,
		Where:      store.CondCmp{Field: store.Field{Path: []string{"displayName"}, Type: "string"}, Op: "eq", Value: name},
		StartIndex: 1, Count: 1,
	})
	if err == nil && total > 0 && len(page) > 0 {
		noteRelated(r, "Group", page[0].ID)
		detail = fmt.Sprintf("a Group with displayName %q already exists: id %s (Entra matches groups by displayName, so scimlab keeps it unique, ignoring case)", name, page[0].ID)
	}
	return &Error{Status: http.StatusConflict, ScimType: ScimTypeUniqueness, Detail: detail}
}

func (s *Server) getGroup(w http.ResponseWriter, r *http.Request) error {
	id, err := resourceID(r, "Group")
	if err != nil {
		return err
	}
	res, err := s.st.GetGroup(r.Context(), id)
	if err != nil {
		return err
	}
	if notModified(w, r, res.Version) {
		return nil
	}
	rj, err := s.renderGroup(r, res, queryProjection(r, s.groupType(r)))
	if err != nil {
		return err
	}
	writeResource(w, http.StatusOK, rj, res.Version, "")
	return nil
}

// replaceGroup is PUT: the whole group, members included, is replaced in one
// transaction. Okta's AIW apps push every membership change this way.
func (s *Server) replaceGroup(w http.ResponseWriter, r *http.Request) error {
	id, err := resourceID(r, "Group")
	if err != nil {
		return err
	}
	ifVersion, err := s.ifMatch(r, func() (*store.Resource, error) { return s.st.GetGroup(r.Context(), id) })
	if err != nil {
		return err
	}
	body, err := readObject(r)
	if err != nil {
		return err
	}
	members, _, err := takeMembers(body)
	if err != nil {
		return err
	}
	n := s.normalizer(r, s.groupType(r))
	n.id = id
	doc, err := n.document(body)
	if err != nil {
		return err
	}
	data, err := encodeDoc(doc)
	if err != nil {
		return err
	}
	res, err := s.st.UpdateGroup(r.Context(), id, ifVersion, func(cur *store.Resource, tx store.MemberTx) (*store.Resource, error) {
		if err := replaceMembers(relatedMembers{MemberTx: tx, r: r}, members); err != nil {
			return nil, err
		}
		next := *cur
		next.Doc = data
		return &next, nil
	})
	if err != nil {
		if errors.Is(err, store.ErrConflict) {
			return s.groupConflict(r, doc)
		}
		return s.preconditionDetail(r, err, func() (*store.Resource, error) { return s.st.GetGroup(r.Context(), id) })
	}
	rj, err := s.renderGroup(r, res, queryProjection(r, s.groupType(r)))
	if err != nil {
		return err
	}
	writeResource(w, http.StatusOK, rj, res.Version, "")
	return nil
}

// replaceMembers makes the group's members exactly want, touching only the difference.
func replaceMembers(tx store.MemberTx, want []store.Member) error {
	cur, err := tx.List()
	if err != nil {
		return err
	}
	wanted := make(map[string]bool, len(want))
	for _, m := range want {
		wanted[m.UserID] = true
	}
	have := make(map[string]bool, len(cur))
	var remove []string
	for _, m := range cur {
		have[m.UserID] = true
		if !wanted[m.UserID] {
			remove = append(remove, m.UserID)
		}
	}
	var add []store.Member
	for _, m := range want {
		if !have[m.UserID] {
			add = append(add, m)
		}
	}
	if len(remove) > 0 {
		if _, err := tx.RemoveMembers(remove); err != nil {
			return err
		}
	}
	if len(add) > 0 {
		return tx.AddMembers(add)
	}
	return nil
}

// patchGroup answers 204 No Content, which Entra prefers and Okta accepts, unless the
// client asked for attributes back (RFC 7644 §3.5.2).
func (s *Server) patchGroup(w http.ResponseWriter, r *http.Request) error {
	id, err := resourceID(r, "Group")
	if err != nil {
		return err
	}
	ifVersion, err := s.ifMatch(r, func() (*store.Resource, error) { return s.st.GetGroup(r.Context(), id) })
	if err != nil {
		return err
	}
	req, err := s.readPatch(r)
	if err != nil {
		return err
	}
	strict, seen := s.strictFor(r), seenQuirks(r)
	var patched map[string]any
	res, err := s.st.UpdateGroup(r.Context(), id, ifVersion, func(cur *store.Resource, tx store.MemberTx) (*store.Resource, error) {
		doc, err := decodeDoc(cur.Doc)
		if err != nil {
			return nil, err
		}
		opts := patch.Options{Resource: s.groupType(r), Strict: strict, Seen: seen, Members: memberEditor{tx: relatedMembers{MemberTx: tx, r: r}}, ID: id, Sender: senderName(r)}
		if err := patch.Apply(doc, req.Operations, opts); err != nil {
			return nil, err
		}
		n := &normalizer{rt: s.groupType(r), strict: strict, seen: seen, patched: true}
		doc, err = n.document(doc)
		if err != nil {
			return nil, err
		}
		data, err := encodeDoc(doc)
		if err != nil {
			return nil, err
		}
		patched = doc
		next := *cur
		next.Doc = data
		return &next, nil
	})
	if err != nil {
		if errors.Is(err, store.ErrConflict) && patched != nil {
			return s.groupConflict(r, patched)
		}
		return s.preconditionDetail(r, err, func() (*store.Resource, error) { return s.st.GetGroup(r.Context(), id) })
	}
	proj := queryProjection(r, s.groupType(r))
	if !proj.active() {
		w.Header().Set("ETag", etag(res.Version))
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
	rj, err := s.renderGroup(r, res, proj)
	if err != nil {
		return err
	}
	writeResource(w, http.StatusOK, rj, res.Version, "")
	return nil
}

func (s *Server) deleteGroup(w http.ResponseWriter, r *http.Request) error {
	id, err := resourceID(r, "Group")
	if err != nil {
		return err
	}
	ifVersion, err := s.ifMatch(r, func() (*store.Resource, error) { return s.st.GetGroup(r.Context(), id) })
	if err != nil {
		return err
	}
	s.noteMembersOf(r, id)
	if err := s.st.DeleteGroup(r.Context(), id, ifVersion); err != nil {
		return s.preconditionDetail(r, err, func() (*store.Resource, error) { return s.st.GetGroup(r.Context(), id) })
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
