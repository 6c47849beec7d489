package store

import (
	"context"
	"testing"
	"time"
)

const ent = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"

// searchFixture creates five users and three groups. The fake clock gives
// u1..u5 created at 2024-01-01T00:00:00..04Z and g1..g3 at 05..07.
func searchFixture(t *testing.T) *DB {
	t.Helper()
	db := openTest(t)
	createUser(t, db, "u1", `{"userName":"alice","displayName":"Alice Liddell","externalId":"ext-1","active":true,
		"name":{"familyName":"Liddell","givenName":"Alice"},
		"emails":[{"value":"alice@example.com","type":"work","primary":true},{"value":"alice@home.org","type":"home"}],
		"title":"Engineer","`+ent+`":{"department":"R&D","manager":{"value":"u2"}},
		"score":5,"hired":"2020-01-15T10:00:00Z","tags":["a","b"]}`)
	createUser(t, db, "u2", `{"userName":"Bob","displayName":"Bob Builder","externalId":"EXT-2","active":false,
		"name":{"familyName":"builder"},
		"emails":[{"value":"zed@example.com","type":"home"},{"value":"bob@work.example.com","type":"work","primary":true}],
		"title":"","`+ent+`":{"department":"Sales"},
		"score":10.5,"hired":"2021-06-01T00:00:00+02:00"}`)
	createUser(t, db, "u3", `{"userName":"carol_x%","displayName":"carol","emails":[],"score":"7","title":null}`)
	createUser(t, db, "u4", `{"userName":"DAVE","active":true,"emails":{"value":"dave@single.example","type":"work"},"tags":[]}`)
	createUser(t, db, "u5", `{"userName":"Émile","displayName":"émile"}`)
	g1 := createGroup(t, db, "g1", `{"displayName":"Admins"}`)
	ctx := context.Background()
	if _, err := db.UpdateGroup(ctx, g1.ID, 0, func(_ *Resource, m MemberTx) (*Resource, error) {
		return nil, m.AddMembers([]Member{{UserID: "u1", Display: "Alice"}, {UserID: "u2"}})
	}); err != nil {
		t.Fatal(err)
	}
	createGroup(t, db, "g2", `{"displayName":"Everyone","externalId":"e"}`, "u1", "u2", "u3", "u4")
	createGroup(t, db, "g3", `{"displayName":"Empty"}`)
	return db
}

func f(path ...string) Field  { return Field{Path: path} }
func fx(path ...string) Field { return Field{Path: path, CaseExact: true} }
func cmp(fl Field, op string, v any) CondCmp {
	return CondCmp{Field: fl, Op: op, Value: v}
}
func ts(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t
}

var all = []string{"u1", "u2", "u3", "u4", "u5"}

func TestSearchFilters(t *testing.T) {
	db := searchFixture(t)
	dt := Field{Path: []string{"hired"}, Type: "dateTime"}
	tests := []struct {
		name  string
		kind  Kind
		where Cond
		want  []string
		err   error
	}{
		// userName: NOCASE unless caseExact.
		{name: "userName eq ignores case", where: cmp(f("userName"), "eq", "ALICE"), want: []string{"u1"}},
		{name: "userName eq exact", where: cmp(fx("userName"), "eq", "alice"), want: []string{"u1"}},
		{name: "userName eq exact other case", where: cmp(fx("userName"), "eq", "ALICE"), want: nil},
		{name: "userName ne", where: cmp(f("userName"), "ne", "ALICE"), want: []string{"u2", "u3", "u4", "u5"}},
		{name: "co", where: cmp(f("userName"), "co", "AR"), want: []string{"u3"}},
		{name: "sw", where: cmp(f("userName"), "sw", "b"), want: []string{"u2"}},
		{name: "ew", where: cmp(f("userName"), "ew", "E"), want: []string{"u1", "u4", "u5"}},
		{name: "co empty string", where: cmp(f("displayName"), "co", ""), want: []string{"u1", "u2", "u3", "u5"}},
		{name: "co LIKE wildcards are literal", where: cmp(f("userName"), "co", "_x%"), want: []string{"u3"}},
		{name: "co percent", where: cmp(f("userName"), "co", "%"), want: []string{"u3"}},
		{name: "sw underscore is literal", where: cmp(f("userName"), "sw", "c_r"), want: nil},
		{name: "sw backslash", where: cmp(f("userName"), "sw", `c\`), want: nil},
		{name: "co exact", where: cmp(fx("userName"), "co", "x%"), want: []string{"u3"}},
		{name: "sw exact", where: cmp(fx("userName"), "sw", "Bo"), want: []string{"u2"}},
		{name: "sw exact other case", where: cmp(fx("userName"), "sw", "bo"), want: nil},
		{name: "ew exact", where: cmp(fx("userName"), "ew", "VE"), want: []string{"u4"}},
		{name: "ew exact other case", where: cmp(fx("userName"), "ew", "ve"), want: nil},
		{name: "ew longer than value", where: cmp(fx("userName"), "ew", "xDAVE"), want: nil},
		{name: "gt", where: cmp(f("userName"), "gt", "c"), want: []string{"u3", "u4", "u5"}},
		{name: "lt", where: cmp(f("userName"), "lt", "B"), want: []string{"u1"}},
		{name: "le", where: cmp(f("userName"), "le", "bob"), want: []string{"u1", "u2"}},
		{name: "ge", where: cmp(f("userName"), "ge", "DAVE"), want: []string{"u4", "u5"}},
		{name: "gt exact", where: cmp(fx("userName"), "gt", "Z"), want: []string{"u1", "u3", "u5"}},
		{name: "operator case-insensitive", where: cmp(f("userName"), "EQ", "bob"), want: []string{"u2"}},

		{name: "displayName eq", where: cmp(f("displayName"), "eq", "alice liddell"), want: []string{"u1"}},
		{name: "displayName co", where: cmp(f("displayName"), "co", "BUILD"), want: []string{"u2"}},
		{name: "externalId exact", where: cmp(fx("externalId"), "eq", "ext-1"), want: []string{"u1"}},
		{name: "externalId exact other case", where: cmp(fx("externalId"), "eq", "EXT-1"), want: nil},
		{name: "externalId insensitive", where: cmp(f("externalId"), "eq", "ext-2"), want: []string{"u2"}},
		{name: "externalId number never matches", where: cmp(f("externalId"), "eq", 1.0), want: nil},
		{name: "id", where: cmp(fx("id"), "eq", "u3"), want: []string{"u3"}},
		{name: "id is always exact", where: cmp(f("id"), "eq", "U3"), want: nil},
		{name: "core URN prefix", where: cmp(f("urn:ietf:params:scim:schemas:core:2.0:User", "userName"), "eq", "bob"), want: []string{"u2"}},

		// Booleans.
		{name: "active eq true", where: cmp(f("active"), "eq", true), want: []string{"u1", "u4"}},
		{name: "active eq false", where: cmp(f("active"), "eq", false), want: []string{"u2"}},
		{name: "active ne true includes missing", where: cmp(f("active"), "ne", true), want: []string{"u2", "u3", "u5"}},
		{name: "not active eq true", where: CondNot{cmp(f("active"), "eq", true)}, want: []string{"u2", "u3", "u5"}},
		{name: "active gt", where: cmp(f("active"), "gt", true), err: ErrInvalidFilter},
		{name: "active eq string", where: cmp(f("active"), "eq", "true"), want: nil},
		{name: "json bool", kind: KindUser, where: cmp(f("emails", "primary"), "eq", true), want: nil}, // emails is an array: needs CondAny

		// Numbers: a JSON string "7" is not the number 7.
		{name: "number gt", where: cmp(f("score"), "gt", 6.0), want: []string{"u2"}},
		{name: "number ge", where: cmp(f("score"), "ge", 5), want: []string{"u1", "u2"}},
		{name: "number eq", where: cmp(f("score"), "eq", 5.0), want: []string{"u1"}},
		{name: "number lt", where: cmp(f("score"), "lt", 100.0), want: []string{"u1", "u2"}},
		{name: "number le", where: cmp(f("score"), "le", 5.0), want: []string{"u1"}},
		{name: "string vs number", where: cmp(f("score"), "eq", "7"), want: []string{"u3"}},
		{name: "string gt skips numbers", where: cmp(f("score"), "gt", "0"), want: []string{"u3"}},
		{name: "number ne", where: cmp(f("score"), "ne", 5.0), want: []string{"u2", "u3", "u4", "u5"}},
		{name: "number co", where: cmp(f("score"), "co", 5.0), err: ErrInvalidFilter},

		// Nested and extension attributes.
		{name: "sub-attribute", where: cmp(f("name", "familyName"), "eq", "liddell"), want: []string{"u1"}},
		{name: "sub-attribute other case", where: cmp(f("name", "familyName"), "eq", "BUILDER"), want: []string{"u2"}},
		{name: "sub-attribute exact", where: cmp(fx("name", "familyName"), "eq", "liddell"), want: nil},
		{name: "extension", where: cmp(f(ent, "department"), "eq", "r&d"), want: []string{"u1"}},
		{name: "extension complex", where: cmp(fx(ent, "manager", "value"), "eq", "u2"), want: []string{"u1"}},

		// pr and null.
		{name: "pr string", where: CondPresent{f("title")}, want: []string{"u1"}},
		{name: "pr multi-valued", where: CondPresent{f("emails")}, want: []string{"u1", "u2", "u4"}},
		{name: "pr complex", where: CondPresent{f("name")}, want: []string{"u1", "u2"}},
		{name: "pr empty array", where: CondPresent{f("tags")}, want: []string{"u1"}},
		{name: "not pr", where: CondNot{CondPresent{f("title")}}, want: []string{"u2", "u3", "u4", "u5"}},
		{name: "pr column", where: CondPresent{f("externalId")}, want: []string{"u1", "u2"}},
		{name: "pr active", where: CondPresent{f("active")}, want: []string{"u1", "u2", "u4"}},
		{name: "eq null", where: cmp(f("title"), "eq", nil), want: []string{"u3", "u4", "u5"}},
		{name: "ne null", where: cmp(f("title"), "ne", nil), want: []string{"u1", "u2"}},
		{name: "column eq null", where: cmp(f("externalId"), "eq", nil), want: []string{"u3", "u4", "u5"}},
		{name: "gt null", where: cmp(f("title"), "gt", nil), err: ErrInvalidFilter},

		// Value paths.
		{name: "any type and value", where: CondAny{[]string{"emails"}, CondAnd{cmp(f("type"), "eq", "work"), cmp(f("value"), "co", "example.com")}}, want: []string{"u1", "u2"}},
		{name: "any same element", where: CondAny{[]string{"emails"}, CondAnd{cmp(f("type"), "eq", "home"), cmp(f("value"), "sw", "alice")}}, want: []string{"u1"}},
		{name: "any primary", where: CondAny{[]string{"emails"}, CondAnd{cmp(f("type"), "eq", "work"), cmp(f("primary"), "eq", true)}}, want: []string{"u1", "u2"}},
		{name: "any ew", where: CondAny{[]string{"emails"}, cmp(f("value"), "ew", "@HOME.org")}, want: []string{"u1"}},
		{name: "any single object", where: CondAny{[]string{"emails"}, cmp(f("type"), "eq", "work")}, want: []string{"u1", "u2", "u4"}},
		{name: "any array of strings", where: CondAny{[]string{"tags"}, cmp(f(), "eq", "B")}, want: []string{"u1"}},
		{name: "not any", where: CondNot{CondAny{[]string{"emails"}, cmp(f("type"), "eq", "home")}}, want: []string{"u3", "u4", "u5"}},
		{name: "any ne", where: CondAny{[]string{"emails"}, cmp(f("type"), "ne", "work")}, want: []string{"u1", "u2"}},
		{name: "any nil where", where: CondAny{[]string{"emails"}, nil}, want: []string{"u1", "u2", "u4"}},
		{name: "any pointer conds", where: &CondAny{Array: []string{"emails"}, Where: &CondCmp{Field: f("value"), Op: "eq", Value: "ZED@example.com"}}, want: []string{"u2"}},

		// dateTime in documents compares instants (u2 was hired 2021-05-31T22:00Z).
		{name: "dateTime string", where: cmp(dt, "gt", "2021-01-01T00:00:00Z"), want: []string{"u2"}},
		{name: "dateTime offset lt", where: cmp(f("hired"), "lt", ts("2021-05-31T23:00:00Z")), want: []string{"u1", "u2"}},
		{name: "dateTime offset lt earlier", where: cmp(f("hired"), "lt", ts("2021-05-31T21:00:00Z")), want: []string{"u1"}},
		{name: "dateTime eq", where: cmp(f("hired"), "eq", ts("2021-05-31T22:00:00Z")), want: []string{"u2"}},

		// meta timestamps use the columns.
		{name: "lastModified gt", where: cmp(f("meta", "lastModified"), "gt", ts("2024-01-01T00:00:01.5Z")), want: []string{"u3", "u4", "u5"}},
		{name: "lastModified ge string", where: cmp(f("meta", "lastModified"), "ge", "2024-01-01T01:00:03+01:00"), want: []string{"u4", "u5"}},
		{name: "created le", where: cmp(f("meta", "created"), "le", "2024-01-01T00:00:01Z"), want: []string{"u1", "u2"}},
		{name: "created lt", where: cmp(f("meta", "created"), "lt", ts("2024-01-01T00:00:01Z")), want: []string{"u1"}},
		{name: "created eq", where: cmp(f("meta", "created"), "eq", ts("2024-01-01T00:00:02Z")), want: []string{"u3"}},
		{name: "lastModified garbage", where: cmp(f("meta", "lastModified"), "gt", "yesterday"), err: ErrInvalidFilter},
		{name: "resourceType", where: cmp(f("meta", "resourceType"), "eq", "user"), want: all},
		{name: "resourceType other", where: cmp(f("meta", "resourceType"), "eq", "Group"), want: nil},

		// Logic.
		{name: "or", where: CondOr{cmp(f("userName"), "eq", "alice"), cmp(f("userName"), "eq", "bob")}, want: []string{"u1", "u2"}},
		{name: "and", where: CondAnd{cmp(f("active"), "eq", true), CondPresent{f("emails")}}, want: []string{"u1", "u4"}},
		{name: "and binds via tree", where: CondOr{cmp(f("userName"), "eq", "alice"), CondAnd{cmp(f("active"), "eq", false), CondPresent{f("title")}}}, want: []string{"u1"}},
		{name: "not or with missing", where: CondNot{CondOr{cmp(f("title"), "eq", "Engineer"), cmp(f("score"), "gt", 6.0)}}, want: []string{"u3", "u4", "u5"}},

		// A user's groups come from memberships.
		{name: "groups.value", where: cmp(fx("groups", "value"), "eq", "g1"), want: []string{"u1", "u2"}},
		{name: "groups.display", where: cmp(f("groups", "display"), "eq", "everyone"), want: []string{"u1", "u2", "u3", "u4"}},
		{name: "groups pr", where: CondPresent{f("groups")}, want: []string{"u1", "u2", "u3", "u4"}},
		{name: "not groups pr", where: CondNot{CondPresent{f("groups")}}, want: []string{"u5"}},
		{name: "groups value path", where: CondAny{[]string{"groups"}, cmp(fx("value"), "eq", "g2")}, want: []string{"u1", "u2", "u3", "u4"}},
		{name: "groups type", where: cmp(f("groups", "type"), "eq", "direct"), want: []string{"u1", "u2", "u3", "u4"}},

		// Hostile input stays data.
		{name: "attribute name with SQL", where: cmp(f("x') OR 1=1 --"), "eq", "x"), want: nil},
		{name: "value with SQL", where: cmp(f("userName"), "eq", "' OR 1=1 --"), want: nil},
		{name: "attribute name with quote", where: cmp(f(`a"b`), "eq", "x"), err: ErrInvalidFilter},
		{name: "attribute name with backslash", where: cmp(f(`a\b`), "eq", "x"), err: ErrInvalidFilter},
		{name: "value path name with quote", where: CondAny{[]string{`e"`}, nil}, err: ErrInvalidFilter},
		{name: "empty path", where: cmp(f(), "eq", "x"), err: ErrInvalidFilter},
		{name: "unknown operator", where: cmp(f("userName"), "like", "x"), err: ErrInvalidFilter},
		{name: "unknown value type", where: cmp(f("userName"), "eq", []string{"x"}), err: ErrInvalidFilter},
		{name: "nil cond inside", where: CondAnd{cmp(f("userName"), "eq", "x"), nil}, err: ErrInvalidFilter},

		// Groups.
		{name: "members.value", kind: KindGroup, where: cmp(fx("members", "value"), "eq", "u3"), want: []string{"g2"}},
		{name: "members.value is always exact", kind: KindGroup, where: cmp(f("members", "value"), "eq", "U3"), want: nil},
		{name: "members value path always exact", kind: KindGroup, where: CondAny{[]string{"members"}, cmp(f("value"), "sw", "U")}, want: nil},
		{name: "members value path", kind: KindGroup, where: CondAny{[]string{"members"}, cmp(fx("value"), "eq", "u1")}, want: []string{"g1", "g2"}},
		{name: "members.value ne", kind: KindGroup, where: cmp(fx("members", "value"), "ne", "u1"), want: []string{"g1", "g2", "g3"}},
		{name: "members value path ne", kind: KindGroup, where: CondAny{[]string{"members"}, cmp(fx("value"), "ne", "u1")}, want: []string{"g1", "g2"}},
		{name: "members pr", kind: KindGroup, where: CondPresent{f("members")}, want: []string{"g1", "g2"}},
		{name: "not members pr", kind: KindGroup, where: CondNot{CondPresent{f("members")}}, want: []string{"g3"}},
		{name: "Entra membership check", kind: KindGroup, where: CondAnd{cmp(fx("id"), "eq", "g1"), CondAny{[]string{"members"}, cmp(fx("value"), "eq", "u2")}}, want: []string{"g1"}},
		{name: "Entra membership check negative", kind: KindGroup, where: CondAnd{cmp(fx("id"), "eq", "g1"), CondAny{[]string{"members"}, cmp(fx("value"), "eq", "u3")}}, want: nil},
		{name: "members.display", kind: KindGroup, where: cmp(f("members", "display"), "eq", "alice"), want: []string{"g1"}},
		{name: "members sw", kind: KindGroup, where: cmp(fx("members", "value"), "sw", "u"), want: []string{"g1", "g2"}},
		{name: "members value path and", kind: KindGroup, where: CondAny{[]string{"members"}, CondAnd{cmp(fx("value"), "eq", "u1"), CondPresent{f("display")}}}, want: []string{"g1"}},
		{name: "members $ref never stored", kind: KindGroup, where: CondPresent{f("members", "$ref")}, want: nil},
		{name: "members too deep", kind: KindGroup, where: cmp(f("members", "value", "x"), "eq", "u"), err: ErrInvalidFilter},
		{name: "group displayName", kind: KindGroup, where: cmp(f("displayName"), "eq", "EVERYONE"), want: []string{"g2"}},
		{name: "group externalId", kind: KindGroup, where: cmp(fx("externalId"), "eq", "e"), want: []string{"g2"}},
		{name: "group created", kind: KindGroup, where: cmp(f("meta", "created"), "gt", "2024-01-01T00:00:05Z"), want: []string{"g2", "g3"}},
		{name: "group userName is just JSON", kind: KindGroup, where: CondPresent{f("userName")}, want: nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			kind := tc.kind
			if kind == "" {
				kind = KindUser
			}
			total, page, err := db.Search(context.Background(), Query{Kind: kind, Where: tc.where, Count: -1})
			if tc.err != nil {
				wantErr(t, err, tc.err)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := ids(page); !equalStrings(got, nonNil(tc.want)) || total != len(tc.want) {
				t.Fatalf("got %v (total %d), want %v", got, total, tc.want)
			}
		})
	}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func TestSearchSort(t *testing.T) {
	db := searchFixture(t)
	tests := []struct {
		name string
		kind Kind
		by   Field
		desc bool
		want []string
	}{
		{name: "userName", by: f("userName"), want: []string{"u1", "u2", "u3", "u4", "u5"}},
		{name: "userName desc", by: f("userName"), desc: true, want: []string{"u5", "u4", "u3", "u2", "u1"}},
		{name: "userName exact", by: fx("userName"), want: []string{"u2", "u4", "u1", "u3", "u5"}},
		{name: "missing last", by: f("displayName"), want: []string{"u1", "u2", "u3", "u5", "u4"}},
		{name: "missing last desc", by: f("displayName"), desc: true, want: []string{"u5", "u3", "u2", "u1", "u4"}},
		{name: "numbers before text", by: f("score"), want: []string{"u1", "u2", "u3", "u4", "u5"}},
		{name: "numbers desc", by: f("score"), desc: true, want: []string{"u3", "u2", "u1", "u4", "u5"}},
		{name: "multi-valued uses primary", by: f("emails", "value"), want: []string{"u1", "u2", "u4", "u3", "u5"}},
		{name: "ties by id", by: f("active"), want: []string{"u2", "u1", "u4", "u3", "u5"}},
		{name: "ties by id desc", by: f("active"), desc: true, want: []string{"u1", "u4", "u2", "u3", "u5"}},
		{name: "lastModified desc", by: f("meta", "lastModified"), desc: true, want: []string{"u5", "u4", "u3", "u2", "u1"}},
		{name: "sub-attribute", by: f("name", "familyName"), want: []string{"u2", "u1", "u3", "u4", "u5"}},
		{name: "sub-attribute exact", by: fx("name", "familyName"), want: []string{"u1", "u2", "u3", "u4", "u5"}},
		{name: "extension", by: f(ent, "department"), desc: true, want: []string{"u2", "u1", "u3", "u4", "u5"}},
		{name: "groups by member", kind: KindGroup, by: fx("members", "value"), want: []string{"g1", "g2", "g3"}},
		{name: "groups by name", kind: KindGroup, by: f("displayName"), want: []string{"g1", "g3", "g2"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			kind := tc.kind
			if kind == "" {
				kind = KindUser
			}
			_, page, err := db.Search(context.Background(), Query{Kind: kind, SortBy: &tc.by, Descending: tc.desc, Count: -1})
			if err != nil {
				t.Fatal(err)
			}
			if got := ids(page); !equalStrings(got, tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestSearchPaging(t *testing.T) {
	db := searchFixture(t)
	active := cmp(f("active"), "eq", true)
	tests := []struct {
		name         string
		where        Cond
		start, count int
		total        int
		want         []string
	}{
		{name: "first page, startIndex 0 means 1", start: 0, count: 2, total: 5, want: []string{"u1", "u2"}},
		{name: "second page", start: 2, count: 2, total: 5, want: []string{"u2", "u3"}},
		{name: "last page short", start: 5, count: 10, total: 5, want: []string{"u5"}},
		{name: "startIndex past the end", start: 6, count: 10, total: 5, want: nil},
		{name: "startIndex far past the end", start: 100, count: 10, total: 5, want: nil},
		{name: "count 0 gives total only", start: 1, count: 0, total: 5, want: nil},
		{name: "negative count is unlimited", start: 1, count: -1, total: 5, want: all},
		{name: "negative startIndex", start: -3, count: -1, total: 5, want: all},
		{name: "filtered page", where: active, start: 2, count: 1, total: 2, want: []string{"u4"}},
		{name: "filtered count 0", where: active, start: 1, count: 0, total: 2, want: nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			total, page, err := db.Search(context.Background(), Query{Kind: KindUser, Where: tc.where, StartIndex: tc.start, Count: tc.count})
			if err != nil {
				t.Fatal(err)
			}
			if total != tc.total || !equalStrings(ids(page), nonNil(tc.want)) {
				t.Fatalf("got %v (total %d), want %v (total %d)", ids(page), total, tc.want, tc.total)
			}
		})
	}

	// Pages of one, sorted by a field with ties, add up to the full order.
	by := f("active")
	_, full, err := db.Search(context.Background(), Query{Kind: KindUser, SortBy: &by, Count: -1})
	if err != nil {
		t.Fatal(err)
	}
	var paged []string
	for i := 1; i <= len(full); i++ {
		_, page, err := db.Search(context.Background(), Query{Kind: KindUser, SortBy: &by, StartIndex: i, Count: 1})
		if err != nil || len(page) != 1 {
			t.Fatalf("page %d: %v %v", i, page, err)
		}
		paged = append(paged, page[0].ID)
	}
	if !equalStrings(paged, ids(full)) {
		t.Fatalf("paged %v, full %v", paged, ids(full))
	}
}

func TestSearchResourceContents(t *testing.T) {
	db := searchFixture(t)
	_, page, err := db.Search(context.Background(), Query{Kind: KindUser, Where: cmp(f("userName"), "eq", "alice"), Count: 1})
	if err != nil || len(page) != 1 {
		t.Fatal(page, err)
	}
	u, _ := db.GetUser(context.Background(), "u1")
	p := page[0]
	if p.Kind != KindUser || string(p.Doc) != string(u.Doc) || p.Version != u.Version || !p.Created.Equal(u.Created) ||
		p.UserName != "alice" || p.ExternalID != "ext-1" || p.DisplayName != "Alice Liddell" || !p.Active {
		t.Fatalf("search row %+v differs from GetUser %+v", p, u)
	}
	_, _, err = db.Search(context.Background(), Query{Kind: "Widget"})
	wantErr(t, err, ErrInvalidFilter)
}
