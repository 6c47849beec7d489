package scimserver

import (
	"fmt"
	"net/url"
	"sort"
	"strings"
	"testing"
)

// listUserNames returns the userNames (or displayNames) of a ListResponse in order.
func listNames(r resp) []string {
	var out []string
	list, _ := r.body["Resources"].([]any)
	for _, x := range list {
		m := x.(map[string]any)
		if n, ok := m["userName"].(string); ok {
			out = append(out, n)
		} else if n, ok := m["displayName"].(string); ok {
			out = append(out, n)
		} else {
			out = append(out, "?")
		}
	}
	return out
}

func TestPaging(t *testing.T) {
	e := newEnv(t, Config{})
	for i := 1; i <= 7; i++ {
		e.createUser(fmt.Sprintf("page%d@example.com", i), nil)
	}
	tests := []struct {
		name      string
		query     string
		wantTotal string
		wantStart string
		wantN     int
		wantFirst string
	}{
		{"Okta test connection", "?startIndex=1&count=2", "7", "1", 2, "page1@example.com"},
		{"defaults", "", "7", "1", 7, "page1@example.com"},
		{"second page", "?startIndex=3&count=2", "7", "3", 2, "page3@example.com"},
		{"page at the end", "?startIndex=7&count=5", "7", "7", 1, "page7@example.com"},
		{"past the end", "?startIndex=50&count=5", "7", "50", 0, ""},
		{"startIndex below 1 means 1", "?startIndex=0&count=1", "7", "1", 1, "page1@example.com"},
		{"negative startIndex", "?startIndex=-4&count=1", "7", "1", 1, "page1@example.com"},
		{"count 0 gives only the total", "?count=0", "7", "1", 0, ""},
		{"negative count means 0", "?count=-3", "7", "1", 0, ""},
		{"huge count is capped", "?count=100000", "7", "1", 7, "page1@example.com"},
		{"parameter names are case-insensitive", "?STARTINDEX=2&Count=1", "7", "2", 1, "page2@example.com"},
		{"Entra's flag in the query is ignored", "?aadOptscim062020&count=1", "7", "1", 1, "page1@example.com"},
		{"sort descending", "?sortBy=userName&sortOrder=descending&count=1", "7", "1", 1, "page7@example.com"},
		{"sort by meta.created", "?sortBy=meta.created&count=1", "7", "1", 1, "page1@example.com"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := e.must(e.do("GET", "/Users"+tc.query, nil, nil), 200)
			if r.str("totalResults") != tc.wantTotal || r.str("startIndex") != tc.wantStart || r.str("itemsPerPage") != fmt.Sprint(tc.wantN) {
				t.Errorf("total %s start %s items %s, want %s %s %d", r.str("totalResults"), r.str("startIndex"), r.str("itemsPerPage"), tc.wantTotal, tc.wantStart, tc.wantN)
			}
			if _, ok := r.body["totalResults"].(float64); !ok {
				t.Errorf("totalResults is not a JSON number: %s", r.raw)
			}
			res, ok := r.body["Resources"].([]any)
			if !ok {
				t.Fatalf("Resources missing or not an array: %s", r.raw)
			}
			if len(res) != tc.wantN {
				t.Fatalf("%d resources, want %d", len(res), tc.wantN)
			}
			if tc.wantN > 0 && listNames(r)[0] != tc.wantFirst {
				t.Errorf("first %s, want %s", listNames(r)[0], tc.wantFirst)
			}
		})
	}
	// Pages are stable: walking with count=3 visits every user once.
	var seen []string
	for start := 1; start <= 7; start += 3 {
		seen = append(seen, listNames(e.must(e.do("GET", fmt.Sprintf("/Users?startIndex=%d&count=3", start), nil, nil), 200))...)
	}
	if len(seen) != 7 || !sort.StringsAreSorted(seen) {
		t.Errorf("paging visited %v", seen)
	}
}

func TestListParameterErrors(t *testing.T) {
	e := newEnv(t, Config{})
	tests := []struct {
		name     string
		query    string
		wantType string
		detail   string
	}{
		{"startIndex not a number", "?startIndex=abc", "invalidValue", "startIndex"},
		{"count not a number", "?count=ten", "invalidValue", "count"},
		{"bad sortOrder", "?sortBy=userName&sortOrder=up", "invalidValue", "sortOrder"},
		{"unknown sortBy", "?sortBy=shoeSize", "invalidValue", "shoeSize"},
		{"multi-valued sortBy", "?sortBy=emails", "invalidValue", "multi-valued"},
		{"unknown filter attribute", `?filter=shoeSize eq "9"`, "invalidFilter", `"shoeSize" is not a User attribute`},
		{"filter syntax", `?filter=userName eq`, "invalidFilter", ""},
		{"filter on a group-only attribute", `?filter=members[value eq "x"]`, "invalidFilter", "members"},
		{"boolean with gt", `?filter=active gt true`, "invalidFilter", "eq or ne"},
		{"bad date", `?filter=meta.lastModified gt "yesterday"`, "invalidFilter", "date-time"},
		{"bad sub-attribute", `?filter=emails[kind eq "work"]`, "invalidFilter", "no sub-attribute"},
		{"meta.version", `?filter=meta.version eq "x"`, "invalidFilter", "cannot be filtered"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := e.do("GET", "/Users"+tc.query, nil, nil)
			checkError(t, r, 400, tc.wantType)
			if !strings.Contains(r.str("detail"), tc.detail) {
				t.Errorf("detail %q does not contain %q", r.str("detail"), tc.detail)
			}
		})
	}
}

func TestFilters(t *testing.T) {
	e := newEnv(t, Config{})
	alice := e.createUser("alice@example.com", map[string]any{
		"externalId":  "00uALICE",
		"displayName": "Alice Smith",
		"name":        map[string]any{"givenName": "Alice", "familyName": "Smith"},
		"emails": []any{
			map[string]any{"value": "alice@example.com", "type": "work", "primary": true},
			map[string]any{"value": "alice@home.example", "type": "home"},
		},
		"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": map[string]any{"department": "Sales", "employeeNumber": "7"},
	})
	bob := e.createUser("bob@example.com", map[string]any{
		"externalId": "00uBOB",
		"active":     false,
		"name":       map[string]any{"givenName": "Bob", "familyName": "Jones"},
		"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": map[string]any{"department": "R&D",
			"manager": map[string]any{"value": alice}},
	})
	e.createUser("carol@example.com", map[string]any{"title": "CTO"})
	gid := e.createGroup("Admins", alice)
	e.createGroup("Everyone", alice, bob)

	users := []struct {
		name   string
		filter string
		want   []string
	}{
		{"userName eq", `userName eq "bob@example.com"`, []string{"bob@example.com"}},
		{"userName is case-insensitive", `userName eq "BOB@Example.COM"`, []string{"bob@example.com"}},
		{"attribute names are case-insensitive", `USERNAME Eq "bob@example.com"`, []string{"bob@example.com"}},
		{"Entra GUID probe finds nothing", `userName eq "7d420df3-9995-4831-a406-ecf8166f5f6a"`, nil},
		{"externalId is case-exact", `externalId eq "00ualice"`, nil},
		{"externalId eq", `externalId eq "00uALICE"`, []string{"alice@example.com"}},
		{"id eq", `id eq "` + bob + `"`, []string{"bob@example.com"}},
		{"sw", `userName sw "a"`, []string{"alice@example.com"}},
		{"co", `userName co "ARO"`, []string{"carol@example.com"}},
		{"ew", `userName ew "@example.com"`, []string{"alice@example.com", "bob@example.com", "carol@example.com"}},
		{"ne", `userName ne "bob@example.com"`, []string{"alice@example.com", "carol@example.com"}},
		{"pr", `title pr`, []string{"carol@example.com"}},
		{"not pr", `not (title pr)`, []string{"alice@example.com", "bob@example.com"}},
		{"and / or precedence", `userName eq "carol@example.com" or name.givenName eq "Bob" and active eq false`, []string{"bob@example.com", "carol@example.com"}},
		{"grouping", `(userName eq "carol@example.com" or name.givenName eq "Bob") and active eq false`, []string{"bob@example.com"}},
		{"active eq false (Entra keeps reading disabled users)", `active eq false`, []string{"bob@example.com"}},
		{"sub-attribute", `name.familyName eq "smith"`, []string{"alice@example.com"}},
		{"multi-valued sub-attribute", `emails.value eq "alice@home.example"`, []string{"alice@example.com"}},
		{"value filter", `emails[type eq "work" and value co "alice"]`, []string{"alice@example.com"}},
		{"value filter, no element matches both", `emails[type eq "home" and value eq "alice@example.com"]`, nil},
		{"enterprise attribute, bare name", `department eq "Sales"`, []string{"alice@example.com"}},
		{"enterprise attribute, URN", `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "r&d"`, []string{"bob@example.com"}},
		{"Entra manager reference check", `id eq "` + bob + `" and manager eq "` + alice + `"`, []string{"bob@example.com"}},
		{"manager.value", `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "` + alice + `"`, []string{"bob@example.com"}},
		{"groups.value", `groups.value eq "` + gid + `"`, []string{"alice@example.com"}},
		{"meta.lastModified gt", `meta.lastModified gt "2000-01-01T00:00:00Z"`, []string{"alice@example.com", "bob@example.com", "carol@example.com"}},
		{"meta.created lt", `meta.created lt "2000-01-01T00:00:00Z"`, nil},
		{"meta.resourceType", `meta.resourceType eq "User" and userName sw "c"`, []string{"carol@example.com"}},
		{"eq null", `title eq null`, []string{"alice@example.com", "bob@example.com"}},
		{"unquoted value (tolerant)", `userName eq bob@example.com`, []string{"bob@example.com"}},
	}
	for _, tc := range users {
		t.Run("Users/"+tc.name, func(t *testing.T) {
			r := e.must(e.do("GET", "/Users?filter="+url.QueryEscape(tc.filter), nil, nil), 200)
			got := listNames(r)
			sort.Strings(got)
			if strings.Join(got, ",") != strings.Join(tc.want, ",") {
				t.Errorf("filter %s: got %v, want %v", tc.filter, got, tc.want)
			}
			if r.str("totalResults") != fmt.Sprint(len(tc.want)) {
				t.Errorf("totalResults %s, want %d", r.str("totalResults"), len(tc.want))
			}
		})
	}
	groups := []struct {
		name   string
		filter string
		want   []string
	}{
		{"displayName eq", `displayName eq "admins"`, []string{"Admins"}},
		{"members[value eq]", `members[value eq "` + bob + `"]`, []string{"Everyone"}},
		{"members.value eq", `members.value eq "` + alice + `"`, []string{"Admins", "Everyone"}},
		{"members or-chain", `members[value eq "` + bob + `" or value eq "nobody"]`, []string{"Everyone"}},
	}
	for _, tc := range groups {
		t.Run("Groups/"+tc.name, func(t *testing.T) {
			r := e.must(e.do("GET", "/Groups?filter="+url.QueryEscape(tc.filter), nil, nil), 200)
			got := listNames(r)
			sort.Strings(got)
			if strings.Join(got, ",") != strings.Join(tc.want, ",") {
				t.Errorf("filter %s: got %v, want %v", tc.filter, got, tc.want)
			}
		})
	}
	// Strict mode refuses the unquoted value.
	e.srv.SetStrict(true)
	checkError(t, e.do("GET", "/Users?filter="+url.QueryEscape(`userName eq bob`), nil, nil), 400, "invalidFilter")
}

func TestProjection(t *testing.T) {
	e := newEnv(t, Config{})
	id := e.createUser("proj@example.com", map[string]any{
		"displayName": "Pro",
		"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": map[string]any{"department": "Ops", "costCenter": "42"},
	})
	tests := []struct {
		name    string
		query   string
		present []string
		absent  []string
	}{
		{"attributes=userName", "?attributes=userName", []string{"id", "schemas", "meta.version", "userName"}, []string{"displayName", "emails", "name"}},
		{"attributes=id (Entra reference check)", "?attributes=id", []string{"id", "meta.location"}, []string{"userName"}},
		{"sub-attribute", "?attributes=name.givenName,emails.value", []string{"name.givenName"}, []string{"name.familyName", "userName"}},
		{"extension attribute by URN", "?attributes=urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department", []string{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User.department"}, []string{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User.costCenter", "userName"}},
		{"case-insensitive names", "?attributes=USERNAME", []string{"userName"}, []string{"displayName"}},
		{"excludedAttributes", "?excludedAttributes=emails,name.familyName", []string{"userName", "name.givenName"}, []string{"emails", "name.familyName"}},
		{"id cannot be excluded", "?excludedAttributes=id,meta,schemas", []string{"id", "meta.version", "schemas"}, nil},
		{"excluding a whole extension", "?excludedAttributes=urn:ietf:params:scim:schemas:extension:enterprise:2.0:User", []string{"userName"}, []string{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, path := range []string{"/Users/" + id + tc.query, "/Users" + tc.query + "&filter=" + url.QueryEscape(`userName eq "proj@example.com"`)} {
				r := e.must(e.do("GET", path, nil, nil), 200)
				doc := r.body
				if list, ok := r.body["Resources"].([]any); ok {
					doc = list[0].(map[string]any)
				}
				for _, p := range tc.present {
					if lookup(doc, p) == nil {
						t.Errorf("%s: %s missing in %v", path, p, doc)
					}
				}
				for _, p := range tc.absent {
					if lookup(doc, p) != nil {
						t.Errorf("%s: %s present in %v", path, p, doc)
					}
				}
			}
		})
	}
}

func TestSearchEndpoints(t *testing.T) {
	e := newEnv(t, Config{})
	for _, n := range []string{"s1", "s2", "s3"} {
		e.createUser(n+"@example.com", nil)
	}
	e.createGroup("s-group")
	e.createGroup("other-group")

	r := e.must(e.do("POST", "/Users/.search", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
		"filter":"userName sw \"s\"","sortBy":"userName","sortOrder":"descending","startIndex":2,"count":1,"attributes":["userName"]}`, nil), 200)
	if got := listNames(r); strings.Join(got, ",") != "s2@example.com" || r.str("totalResults") != "3" {
		t.Errorf(".search page: %s", r.raw)
	}
	if strings.Contains(string(r.raw), `"emails"`) {
		t.Errorf(".search ignored attributes: %s", r.raw)
	}
	r = e.must(e.do("POST", "/Groups/.search", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],"filter":"displayName sw \"s-\"","excludedAttributes":["members"]}`, nil), 200)
	if got := listNames(r); strings.Join(got, ",") != "s-group" {
		t.Errorf("Groups/.search: %v", got)
	}

	// Root search: Users first, then Groups, paged as one list.
	r = e.must(e.do("POST", "/.search", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],"startIndex":3,"count":2}`, nil), 200)
	if r.str("totalResults") != "5" || strings.Join(listNames(r), ",") != "s3@example.com,s-group" {
		t.Errorf("root search page: total %s names %v", r.str("totalResults"), listNames(r))
	}
	r = e.must(e.do("POST", "/.search", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],"filter":"displayName eq \"other-group\" or userName eq \"s1@example.com\""}`, nil), 200)
	if got := listNames(r); strings.Join(got, ",") != "s1@example.com,other-group" {
		t.Errorf("root search across types: %v", got)
	}
	r = e.must(e.do("POST", "/.search", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],"filter":"meta.resourceType eq \"Group\""}`, nil), 200)
	if r.str("totalResults") != "2" {
		t.Errorf("meta.resourceType eq Group: %s", r.raw)
	}
	checkError(t, e.do("POST", "/.search", `{"filter":"shoeSize eq 9"}`, nil), 400, "invalidFilter")
	checkError(t, e.do("POST", "/Users/.search", `{"count":"many"}`, nil), 400, "invalidValue")
	checkError(t, e.do("POST", "/Users/.search", `{"filter":42}`, nil), 400, "invalidValue")
	// Strict mode wants the SearchRequest schema.
	e.srv.SetStrict(true)
	checkError(t, e.do("POST", "/Users/.search", `{"filter":"userName pr"}`, nil), 400, "invalidSyntax")
}

func TestParseListQuery(t *testing.T) {
	tests := []struct {
		name  string
		query string
		want  listParams
	}{
		{"RFC defaults", "", listParams{startIndex: 1, count: DefaultCount}},
		{"Okta test connection", "startIndex=1&count=2", listParams{startIndex: 1, count: 2}},
		{"zero startIndex", "startIndex=0", listParams{startIndex: 1, count: DefaultCount}},
		{"negative count", "count=-1", listParams{startIndex: 1, count: 0}},
		{"count above the maximum", "count=5000", listParams{startIndex: 1, count: MaxCount}},
		{"blank values", "startIndex=&count=", listParams{startIndex: 1, count: DefaultCount}},
		{"descending", "sortBy=userName&sortOrder=DESCENDING", listParams{startIndex: 1, count: DefaultCount, sortBy: "userName", descending: true}},
		{"filter with plus for spaces (Entra)", "filter=userName+eq+%22x%22", listParams{startIndex: 1, count: DefaultCount, filter: `userName eq "x"`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			q, _ := url.ParseQuery(tc.query)
			got, err := parseListQuery(q)
			if err != nil {
				t.Fatal(err)
			}
			if got.startIndex != tc.want.startIndex || got.count != tc.want.count || got.sortBy != tc.want.sortBy ||
				got.descending != tc.want.descending || got.filter != tc.want.filter {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}
