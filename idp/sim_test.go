package idp

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/scimlab/scimlab/exchange"
)

// sim answers fixture requests the way a tolerant SCIM server would, so replayed
// lifecycles give the classifier plausible responses: ids it learns, lists it counts,
// representations it diffs. It is deliberately small; the real server is tested on its own.
type sim struct {
	token  string
	n      int
	users  map[string]map[string]any
	uorder []string
	groups map[string]map[string]any
	gorder []string
}

func newSim(token string) *sim {
	return &sim{token: token, users: map[string]map[string]any{}, groups: map[string]map[string]any{}}
}

func (s *sim) nextID() string {
	s.n++
	return fmt.Sprintf("%08x-aaaa-4bbb-8ccc-%012x", s.n, s.n)
}

// redactAuth hides the credential as the server's recorder does, keeping the scheme.
func redactAuth(v string) string {
	scheme, _, ok := strings.Cut(strings.TrimSpace(v), " ")
	if !ok {
		if v == "" {
			return ""
		}
		return "[redacted]"
	}
	return scheme + " [redacted]"
}

func (s *sim) serve(method, path, query string, h http.Header, body []byte) (status int, resp []byte, auth exchange.Auth) {
	r := parseRoute(path)
	authz := h.Get("Authorization")
	switch {
	case authz == "Bearer "+s.token:
		auth = exchange.AuthOK
	case authz == "":
		auth = exchange.AuthMissing
	case strings.HasPrefix(authz, "Bearer "):
		auth = exchange.AuthWrongToken
	default:
		auth = exchange.AuthScheme
	}
	if auth == exchange.AuthMissing && (!r.ok || r.resource != "Users" && r.resource != "Groups") {
		auth = exchange.AuthPublic
	}
	if auth.Refused() {
		return 401, scimError(401, "unauthorized"), auth
	}
	if !r.ok {
		return 404, scimError(404, "no SCIM endpoint at "+path), auth
	}
	q, _ := url.ParseQuery(query)
	switch r.resource {
	case "Users":
		status, resp = s.resource(method, r.id, q, body, "User", s.users, &s.uorder)
	case "Groups":
		status, resp = s.resource(method, r.id, q, body, "Group", s.groups, &s.gorder)
	default:
		status, resp = 200, mustJSON(map[string]any{"totalResults": 0, "Resources": []any{}})
	}
	return status, resp, auth
}

func scimError(status int, detail string) []byte {
	return mustJSON(map[string]any{"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:Error"},
		"status": strconv.Itoa(status), "detail": detail})
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

func (s *sim) resource(method, id string, q url.Values, body []byte, kind string, store map[string]map[string]any, order *[]string) (int, []byte) {
	key := "userName"
	if kind == "Group" {
		key = "displayName"
	}
	in := jsonObject(body)
	switch {
	case method == "GET" && id == "":
		var hits []any
		f := parseFilter(queryGet(q, "filter"))
		for _, oid := range *order {
			d, ok := store[oid]
			if !ok {
				continue
			}
			if f.ok && !simMatch(d, f.attr, f.value) || f.and != "" && !simMatch(d, f.and, f.andValue) {
				continue
			}
			hits = append(hits, s.out(d, q))
		}
		total := len(hits)
		start, _ := queryInt(q, "startIndex")
		count, hasCount := queryInt(q, "count")
		if start < 1 {
			start = 1
		}
		page := hits[min(start-1, len(hits)):]
		if hasCount && count < len(page) {
			page = page[:count]
		}
		if page == nil {
			page = []any{}
		}
		return 200, mustJSON(map[string]any{"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:ListResponse"},
			"totalResults": total, "startIndex": start, "itemsPerPage": len(page), "Resources": page})
	case method == "GET":
		d, ok := store[id]
		if !ok {
			return 404, scimError(404, kind+" "+id+" not found")
		}
		return 200, mustJSON(s.out(d, q))
	case method == "POST":
		for _, d := range store {
			if strings.EqualFold(str(d, key), str(in, key)) {
				return 409, scimError(409, key+" already exists")
			}
		}
		d := clean(in)
		d["id"] = s.nextID()
		d["meta"] = map[string]any{"resourceType": kind, "location": "https://scimlab.example/scim/v2/" + kind + "s/" + d["id"].(string)}
		store[d["id"].(string)] = d
		*order = append(*order, d["id"].(string))
		return 201, mustJSON(d)
	case method == "PUT":
		old, ok := store[id]
		if !ok {
			return 404, scimError(404, kind+" "+id+" not found")
		}
		d := clean(in)
		d["id"], d["meta"] = id, old["meta"]
		store[id] = d
		return 200, mustJSON(d)
	case method == "PATCH":
		d, ok := store[id]
		if !ok {
			return 404, scimError(404, kind+" "+id+" not found")
		}
		ops, _ := parsePatch(body)
		for _, op := range ops {
			simApply(d, op)
		}
		if kind == "Group" {
			return 204, nil
		}
		return 200, mustJSON(d)
	case method == "DELETE":
		if _, ok := store[id]; !ok {
			return 404, scimError(404, kind+" "+id+" not found")
		}
		delete(store, id)
		return 204, nil
	}
	return 405, scimError(405, "method not allowed")
}

// out applies excludedAttributes=members to a representation.
func (s *sim) out(d map[string]any, q url.Values) map[string]any {
	if !strings.EqualFold(queryGet(q, "excludedAttributes"), "members") {
		return d
	}
	c := make(map[string]any, len(d))
	for k, v := range d {
		if k != "members" {
			c[k] = v
		}
	}
	return c
}

func clean(in map[string]any) map[string]any {
	d := make(map[string]any, len(in))
	for k, v := range in {
		switch k {
		case "password", "groups", "meta", "id":
			continue
		}
		d[k] = v
	}
	return d
}

func simMatch(d map[string]any, attr, val string) bool {
	if strings.EqualFold(attr, "manager") {
		ext, _ := d["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"].(map[string]any)
		m, _ := ext["manager"].(map[string]any)
		return str(m, "value") == val
	}
	if strings.EqualFold(attr, "userName") || strings.EqualFold(attr, "displayName") {
		return strings.EqualFold(str(d, attr), val)
	}
	return str(d, attr) == val
}

const enterpriseURN = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"

func simApply(d map[string]any, op patchOp) {
	var v any
	_ = json.Unmarshal(op.Value, &v)
	o := strings.ToLower(op.Op)
	switch {
	case op.Path == "":
		m, _ := v.(map[string]any)
		for k, x := range m {
			if k == "id" {
				continue
			}
			simSet(d, k, x)
		}
	case strings.EqualFold(op.Path, "members"):
		cur, _ := d["members"].([]any)
		switch o {
		case "add":
			cur = append(cur, v.([]any)...)
		case "replace":
			cur = v.([]any)
		case "remove":
			drop := map[string]bool{}
			for _, m := range members(v) {
				drop[m.id] = true
			}
			var kept []any
			for _, e := range cur {
				if !drop[str(e.(map[string]any), "value")] {
					kept = append(kept, e)
				}
			}
			cur = kept
		}
		d["members"] = cur
	case strings.HasPrefix(op.Path, "members["):
		f := parseFilter(op.Path[len("members[") : len(op.Path)-1])
		cur, _ := d["members"].([]any)
		var kept []any
		for _, e := range cur {
			if str(e.(map[string]any), "value") != f.value {
				kept = append(kept, e)
			}
		}
		d["members"] = kept
	case strings.Contains(op.Path, "["):
		// Value-filter paths are accepted; the classifier does not look at the result.
	case o == "remove":
		delete(d, op.Path)
	default:
		simSet(d, op.Path, v)
	}
}

func simSet(d map[string]any, p string, v any) {
	if strings.HasPrefix(p, enterpriseURN+":") {
		ext, _ := d[enterpriseURN].(map[string]any)
		if ext == nil {
			ext = map[string]any{}
			d[enterpriseURN] = ext
		}
		name := p[len(enterpriseURN)+1:]
		if name == "manager" {
			v = map[string]any{"value": v}
		}
		ext[name] = v
		return
	}
	if strings.EqualFold(p, "active") {
		b, _ := boolValue(v)
		d["active"] = b
		return
	}
	if head, sub, ok := strings.Cut(p, "."); ok {
		m, _ := d[head].(map[string]any)
		if m == nil {
			m = map[string]any{}
			d[head] = m
		}
		m[sub] = v
		return
	}
	d[p] = v
}
