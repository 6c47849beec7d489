package scimserver

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/scimlab/scimlab/scim/patch"
	"github.com/scimlab/scimlab/scim/schema"
	"github.com/scimlab/scimlab/store"
)

const (
	kindUser  = store.KindUser
	kindGroup = store.KindGroup
)

// resourceID reads {id} from the path. ".search" is a POST-only endpoint that the {id}
// patterns would otherwise treat as an id.
func resourceID(r *http.Request, typ string) (string, error) {
	id := r.PathValue("id")
	if id == ".search" {
		return "", &Error{Status: http.StatusMethodNotAllowed, Allow: "POST",
			Detail: r.Method + " is not allowed on " + r.URL.Path + "; searches are sent with POST (RFC 7644 §3.4.3)"}
	}
	noteResource(r, typ, id)
	return id, nil
}

func (s *Server) location(r *http.Request, endpoint, id string) string {
	return baseURL(r) + endpoint + "/" + id
}

// renderUser builds the response document of a User: stored attributes plus id, schemas,
// the read-only groups derived from memberships (read by the store with the user, in
// the same transaction), and meta.
func (s *Server) renderUser(r *http.Request, res *store.Resource, proj projection) (resourceJSON, error) {
	doc, err := decodeDoc(res.Doc)
	if err != nil {
		return resourceJSON{}, err
	}
	delete(doc, "password")
	doc["id"] = res.ID
	if refs := res.Groups; len(refs) > 0 && proj.wants("groups") {
		base := baseURL(r)
		groups := make([]any, len(refs))
		for i, g := range refs {
			m := map[string]any{"value": g.ID, "$ref": base + "/Groups/" + g.ID, "type": "direct"}
			if g.DisplayName != "" {
				m["display"] = g.DisplayName
			}
			groups[i] = m
		}
		doc["groups"] = groups
	}
	s.finishDoc(r, "User", "/Users", res, doc, proj)
	v := s.viewOf(r.Context())
	return resourceJSON{rt: v.users, doc: doc, rank: v.userRank}, nil
}

func (s *Server) finishDoc(r *http.Request, typ, endpoint string, res *store.Resource, doc map[string]any, proj projection) {
	proj.apply(doc)
	rt := s.typeFor(r, typ)
	doc["schemas"] = schemasOf(rt, doc)
	doc["meta"] = meta{
		ResourceType: typ,
		Created:      formatTime(res.Created),
		LastModified: formatTime(res.LastModified),
		Location:     s.location(r, endpoint, res.ID),
		Version:      etag(res.Version),
	}
}

// writeResource sends one resource with its ETag (RFC 7644 §3.14).
func writeResource(w http.ResponseWriter, status int, rj resourceJSON, version int64, location string) {
	w.Header().Set("ETag", etag(version))
	if location != "" {
		w.Header().Set("Location", location)
	}
	// The document's bytes as they are: through writeJSON, encoding/json would
	// check and compact what MarshalJSON already made compact.
	b, err := rj.MarshalJSON()
	if err != nil {
		writeJSON(w, status, rj)
		return
	}
	w.Header().Set("Content-Type", "application/scim+json")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

// queryProjection reads attributes / excludedAttributes from the URL, which RFC 7644
// §3.9 allows on every request that returns a resource.
func queryProjection(r *http.Request, rt *schema.ResourceType) projection {
	q := r.URL.Query()
	return parseProjection(rt, queryValues(q, "attributes"), queryValues(q, "excludedAttributes"), seenQuirks(r))
}

func (s *Server) createUser(w http.ResponseWriter, r *http.Request) error {
	noteResource(r, "User", "")
	body, err := readObject(r)
	if err != nil {
		return err
	}
	doc, err := s.normalizer(r, s.userType(r)).document(body)
	if err != nil {
		return err
	}
	data, err := encodeDoc(doc)
	if err != nil {
		return err
	}
	res := &store.Resource{Kind: kindUser, Doc: data}
	if err := s.st.CreateUser(r.Context(), res); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return s.userConflict(r, doc)
		}
		return err
	}
	noteResource(r, "User", res.ID)
	rj, err := s.renderUser(r, res, queryProjection(r, s.userType(r)))
	if err != nil {
		return err
	}
	writeResource(w, http.StatusCreated, rj, res.Version, s.location(r, "/Users", res.ID))
	return nil
}

// userConflict explains a 409 by naming the user that holds the userName, so an admin
// can find it; Okta links to it instead when its lookup filter finds it first.
func (s *Server) userConflict(r *http.Request, doc map[string]any) error {
	ctx := r.Context()
	name, _ := doc["userName"].(string)
	detail := fmt.Sprintf("a User with userName %q already exists (userName is unique, ignoring case)", name)
	total, page, err := s.st.Search(ctx, store.Query{
		Kind:       kindUser,
		Where:      store.CondCmp{Field: store.Field{Path: []string{"userName"}, Type: "string"}, Op: "eq", Value: name},
		StartIndex: 1, Count: 1,
	})
	if err == nil && total > 0 && len(page) > 0 {
		noteRelated(r, "User", page[0].ID)
		detail = fmt.Sprintf("a User with userName %q already exists: id %s (userName is unique, ignoring case)", name, page[0].ID)
	}
	return &Error{Status: http.StatusConflict, ScimType: ScimTypeUniqueness, Detail: detail}
}

func (s *Server) getUser(w http.ResponseWriter, r *http.Request) error {
	id, err := resourceID(r, "User")
	if err != nil {
		return err
	}
	res, err := s.st.GetUser(r.Context(), id)
	if err != nil {
		return err
	}
	if notModified(w, r, res.Version) {
		return nil
	}
	rj, err := s.renderUser(r, res, queryProjection(r, s.userType(r)))
	if err != nil {
		return err
	}
	writeResource(w, http.StatusOK, rj, res.Version, "")
	return nil
}

func (s *Server) replaceUser(w http.ResponseWriter, r *http.Request) error {
	id, err := resourceID(r, "User")
	if err != nil {
		return err
	}
	ifVersion, err := s.ifMatch(r, func() (*store.Resource, error) { return s.st.GetUser(r.Context(), id) })
	if err != nil {
		return err
	}
	body, err := readObject(r)
	if err != nil {
		return err
	}
	n := s.normalizer(r, s.userType(r))
	n.id = id
	doc, err := n.document(body)
	if err != nil {
		return err
	}
	data, err := encodeDoc(doc)
	if err != nil {
		return err
	}
	res, err := s.st.ReplaceUser(r.Context(), id, ifVersion, func(cur *store.Resource) (*store.Resource, error) {
		next := *cur
		next.Doc = data
		return &next, nil
	})
	if err != nil {
		if errors.Is(err, store.ErrConflict) {
			return s.userConflict(r, doc)
		}
		return s.preconditionDetail(r, err, func() (*store.Resource, error) { return s.st.GetUser(r.Context(), id) })
	}
	rj, err := s.renderUser(r, res, queryProjection(r, s.userType(r)))
	if err != nil {
		return err
	}
	writeResource(w, http.StatusOK, rj, res.Version, "")
	return nil
}

// readPatch reads and decodes a PATCH body (RFC 7644 §3.5.2).
func (s *Server) readPatch(r *http.Request) (*patch.Request, error) {
	if err := checkContentType(r); err != nil {
		return nil, err
	}
	data, err := io.ReadAll(r.Body)
	if err != nil {
		var maxe *http.MaxBytesError
		if errors.As(err, &maxe) {
			return nil, err
		}
		return nil, badRequest(ScimTypeInvalidSyntax, "the request body could not be read completely: %v", err)
	}
	// decodeObject gives JSON syntax errors with line and column before the PATCH
	// engine looks at the structure.
	if _, err := decodeObject(data); err != nil {
		return nil, err
	}
	return patch.Decode(data, s.strictFor(r), seenQuirks(r))
}

func (s *Server) patchUser(w http.ResponseWriter, r *http.Request) error {
	id, err := resourceID(r, "User")
	if err != nil {
		return err
	}
	ifVersion, err := s.ifMatch(r, func() (*store.Resource, error) { return s.st.GetUser(r.Context(), id) })
	if err != nil {
		return err
	}
	req, err := s.readPatch(r)
	if err != nil {
		return err
	}
	strict, seen := s.strictFor(r), seenQuirks(r)
	var patched map[string]any
	res, err := s.st.ReplaceUser(r.Context(), id, ifVersion, func(cur *store.Resource) (*store.Resource, error) {
		doc, err := decodeDoc(cur.Doc)
		if err != nil {
			return nil, err
		}
		if err := patch.Apply(doc, req.Operations, patch.Options{Resource: s.userType(r), Strict: strict, Seen: seen, ID: id, Sender: senderName(r)}); err != nil {
			return nil, err
		}
		n := &normalizer{rt: s.userType(r), strict: strict, seen: seen, patched: true}
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
			return s.userConflict(r, patched)
		}
		return s.preconditionDetail(r, err, func() (*store.Resource, error) { return s.st.GetUser(r.Context(), id) })
	}
	rj, err := s.renderUser(r, res, queryProjection(r, s.userType(r)))
	if err != nil {
		return err
	}
	writeResource(w, http.StatusOK, rj, res.Version, "")
	return nil
}

func (s *Server) deleteUser(w http.ResponseWriter, r *http.Request) error {
	id, err := resourceID(r, "User")
	if err != nil {
		return err
	}
	ifVersion, err := s.ifMatch(r, func() (*store.Resource, error) { return s.st.GetUser(r.Context(), id) })
	if err != nil {
		return err
	}
	s.noteGroupsOf(r, id)
	s.noteManagedBy(r, id)
	if err := s.st.DeleteUser(r.Context(), id, ifVersion); err != nil {
		return s.preconditionDetail(r, err, func() (*store.Resource, error) { return s.st.GetUser(r.Context(), id) })
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// ifMatch turns an If-Match header into the version the store must find (0: any). With
// several entity tags the current version is read to see whether one of them matches;
// the store still re-checks it inside the write transaction.
func (s *Server) ifMatch(r *http.Request, current func() (*store.Resource, error)) (int64, error) {
	h := strings.TrimSpace(r.Header.Get("If-Match"))
	if h == "" {
		return 0, nil
	}
	var versions []int64
	for _, tag := range strings.Split(h, ",") {
		tag = strings.TrimSpace(tag)
		if tag == "*" {
			return 0, nil
		}
		if v, ok := parseETag(tag); ok {
			versions = append(versions, v)
		}
	}
	switch len(versions) {
	case 0:
		return 0, &Error{Status: http.StatusPreconditionFailed, ScimType: ScimTypeInvalidVers,
			Detail: fmt.Sprintf("If-Match %s names no version of this resource; scimlab's ETags look like W/\"3\" (see the ETag header or meta.version)", h)}
	case 1:
		return versions[0], nil
	}
	cur, err := current()
	if err != nil {
		return 0, err
	}
	for _, v := range versions {
		if v == cur.Version {
			return v, nil
		}
	}
	return 0, preconditionFailed(h, cur.Version)
}

func preconditionFailed(sent string, current int64) *Error {
	return &Error{Status: http.StatusPreconditionFailed, ScimType: ScimTypeInvalidVers,
		Detail: fmt.Sprintf("the resource has changed: If-Match was %s but the current version is %s; GET it again and retry with the new ETag", sent, etag(current))}
}

// preconditionDetail names the current version in a 412 from the store; other errors
// pass through.
func (s *Server) preconditionDetail(r *http.Request, err error, current func() (*store.Resource, error)) error {
	if !errors.Is(err, store.ErrPreconditionFailed) {
		return err
	}
	if cur, gerr := current(); gerr == nil {
		return preconditionFailed(r.Header.Get("If-Match"), cur.Version)
	}
	return err
}

func parseETag(tag string) (int64, bool) {
	tag = strings.TrimPrefix(strings.TrimPrefix(tag, "W/"), "w/")
	tag = strings.Trim(tag, `"`)
	v, err := strconv.ParseInt(tag, 10, 64)
	return v, err == nil && v > 0
}

// notModified answers 304 when If-None-Match names the current version (RFC 7232 §3.2,
// which compares weakly for GET).
func notModified(w http.ResponseWriter, r *http.Request, version int64) bool {
	h := strings.TrimSpace(r.Header.Get("If-None-Match"))
	if h == "" {
		return false
	}
	for _, tag := range strings.Split(h, ",") {
		tag = strings.TrimSpace(tag)
		v, ok := parseETag(tag)
		if tag == "*" || (ok && v == version) {
			w.Header().Set("ETag", etag(version))
			w.WriteHeader(http.StatusNotModified)
			return true
		}
	}
	return false
}
