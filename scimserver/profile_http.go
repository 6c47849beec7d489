package scimserver

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/scimlab/scimlab/exchange"
	"github.com/scimlab/scimlab/profile"
	"github.com/scimlab/scimlab/scim/schema"
	"github.com/scimlab/scimlab/store"
)

// profileLayer answers what the request's app profile answers before, or instead of,
// the RFC handlers: /Groups of an app without groups, the listing an import reads when
// the app refuses it or lists nothing, PATCH answered 200 or 204, a filter that matches
// nothing answered 404. Everything else passes through untouched.
func (s *Server) profileLayer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		in := inflightOf(r.Context())
		if in == nil {
			next.ServeHTTP(w, r)
			return
		}
		p := in.view.p
		rt := routeOf(r)
		if rt.endpoint == "Groups" && !p.GroupsEnabled() {
			noteResource(r, kindGroupName, rt.id)
			noteEffect(r.Context(), exchange.EffectGroupsUnsupported, "")
			s.writeError(w, r, &Error{Status: http.StatusNotFound,
				Detail: "this app has no groups, so " + BasePath + "/Groups does not exist; /ResourceTypes lists only User"})
			return
		}
		if rt.endpoint == ".search" && !p.GroupsEnabled() {
			// The root search of an app without groups searches its users.
			r.URL.Path, r.URL.RawPath = BasePath+"/Users/.search", ""
		}
		if rt.importListing(r) {
			if done := s.answerImport(w, r, rt, p); done {
				return
			}
		}
		want := 0
		switch {
		case r.Method == http.MethodPatch && rt.endpoint == "Users" && rt.id != "":
			want = p.Users.PatchStatus
		case r.Method == http.MethodPatch && rt.endpoint == "Groups" && rt.id != "":
			want = p.Groups.PatchStatus
		}
		missIs404 := p.Lists.FilterMiss == profile.Miss404 && rt.filteredListing(r)
		if want == 0 && !missIs404 {
			next.ServeHTTP(w, r)
			return
		}
		buf := &bufferedWriter{header: w.Header()}
		next.ServeHTTP(buf, r)
		switch {
		case want != 0 && buf.status/100 == 2 && buf.status != want:
			s.answerPatch(w, r, rt, buf, want)
		case missIs404 && buf.status == http.StatusOK && listTotal(buf.body.Bytes()) == 0:
			noteEffect(r.Context(), exchange.EffectFilterMiss404, "")
			what := "User"
			if rt.endpoint == "Groups" {
				what = "Group"
			}
			filter, _ := firstQueryValue(r.URL.Query(), "filter")
			s.writeError(w, r, &Error{Status: http.StatusNotFound,
				Detail: "no " + what + " matches the filter " + filter + " (this app answers 404, not an empty list, when nothing matches)"})
		default:
			buf.flush(w)
		}
	})
}

// route is where a request goes, read from its cleaned path.
type route struct {
	endpoint string // "Users", "Groups", ".search", "Schemas", … or ""
	id       string // the resource id, ".search", or ""
}

func routeOf(r *http.Request) route {
	rest, ok := strings.CutPrefix(cleanPath(r.URL.Path), BasePath+"/")
	if !ok {
		return route{}
	}
	endpoint, id, _ := strings.Cut(rest, "/")
	return route{endpoint: endpoint, id: id}
}

// importListing tells a GET of every user or group, without a filter: what an import
// reads (and Okta's connection test and settings save, which are imports of a page).
func (rt route) importListing(r *http.Request) bool {
	if r.Method != http.MethodGet || rt.id != "" || (rt.endpoint != "Users" && rt.endpoint != "Groups") {
		return false
	}
	f, _ := firstQueryValue(r.URL.Query(), "filter")
	return strings.TrimSpace(f) == ""
}

// filteredListing tells a GET of users or groups with a filter: a lookup.
func (rt route) filteredListing(r *http.Request) bool {
	if r.Method != http.MethodGet || rt.id != "" || (rt.endpoint != "Users" && rt.endpoint != "Groups") {
		return false
	}
	f, _ := firstQueryValue(r.URL.Query(), "filter")
	return strings.TrimSpace(f) != ""
}

// answerImport answers an import listing as the app does; false lets the handler serve it.
func (s *Server) answerImport(w http.ResponseWriter, r *http.Request, rt route, p *profile.Profile) bool {
	mode, answer, what := p.Users.Import, p.Users.ImportAnswer, "User"
	if rt.endpoint == "Groups" {
		mode, answer, what = p.Groups.Import, p.Groups.ImportAnswer, kindGroupName
	}
	noteResource(r, what, "")
	switch mode {
	case profile.ImportRefuse:
		noteEffect(r.Context(), exchange.EffectImportRefused, rt.endpoint)
		s.writeError(w, r, profileError(answer))
		return true
	case profile.ImportEmpty:
		noteEffect(r.Context(), exchange.EffectImportEmpty, rt.endpoint)
		start := 1
		if v, ok := firstQueryValue(r.URL.Query(), "startIndex"); ok {
			if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && n > 1 {
				start = n
			}
		}
		writeJSON(w, http.StatusOK, listResponse{Schemas: []string{schema.ListResponseURN}, StartIndex: start, Resources: []any{}})
		return true
	}
	return false
}

// answerPatch turns the handler's successful PATCH answer into the status the app uses:
// 204 drops the body, 200 renders the resource as a GET would.
func (s *Server) answerPatch(w http.ResponseWriter, r *http.Request, rt route, buf *bufferedWriter, want int) {
	noteEffect(r.Context(), exchange.EffectPatchStatus, strconv.Itoa(want))
	h := w.Header()
	if want == http.StatusNoContent {
		h.Del("Content-Type")
		h.Del("Content-Length")
		w.WriteHeader(http.StatusNoContent)
		return
	}
	var (
		res *store.Resource
		rj  resourceJSON
		err error
	)
	if rt.endpoint == "Users" {
		if res, err = s.st.GetUser(r.Context(), rt.id); err == nil {
			rj, err = s.renderUser(r, res, queryProjection(r, s.userType(r)))
		}
	} else {
		if res, err = s.st.GetGroup(r.Context(), rt.id); err == nil {
			rj, err = s.renderGroup(r, res, queryProjection(r, s.groupType(r)))
		}
	}
	if err != nil {
		// The write succeeded; only reading it back failed. Say so rather than claim
		// the PATCH failed.
		s.logger.Error("reading a patched resource back for a 200 answer", "err", err, "path", r.URL.Path)
		h.Del("Content-Type")
		w.WriteHeader(http.StatusNoContent)
		return
	}
	writeResource(w, http.StatusOK, rj, res.Version, "")
}

// listTotal reads totalResults from a ListResponse the server wrote; -1 if it has none.
func listTotal(body []byte) int {
	var lr struct {
		TotalResults *int `json:"totalResults"`
	}
	if json.Unmarshal(body, &lr) != nil || lr.TotalResults == nil {
		return -1
	}
	return *lr.TotalResults
}

// bufferedWriter holds a handler's answer so the profile layer can change it before
// it is sent. It shares the real writer's header map: headers the handler sets are the
// answer's unless the layer changes them.
type bufferedWriter struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (b *bufferedWriter) Header() http.Header { return b.header }

func (b *bufferedWriter) WriteHeader(code int) {
	if b.status == 0 {
		b.status = code
	}
}

func (b *bufferedWriter) Write(p []byte) (int, error) {
	if b.status == 0 {
		b.status = http.StatusOK
	}
	return b.body.Write(p)
}

// flush sends the answer as the handler wrote it.
func (b *bufferedWriter) flush(w http.ResponseWriter) {
	if b.status == 0 {
		b.status = http.StatusOK
	}
	w.WriteHeader(b.status)
	_, _ = w.Write(b.body.Bytes())
}
