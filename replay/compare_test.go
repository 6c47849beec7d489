package replay

import (
	"net/http"
	"slices"
	"strings"
	"testing"
)

func TestCompareBodies(t *testing.T) {
	for _, tc := range []struct {
		name, recorded, got string
		want                []string
	}{
		{"equal", `{"userName":"a","active":true}`, `{"active":true,"userName":"a"}`, nil},
		{"ids meta and refs ignored", `{"id":"1","userName":"a","meta":{"version":"W/\"1\"","lastModified":"2024"},"members":[{"value":"x","$ref":"http://a/Users/x"}]}`,
			`{"id":"2","userName":"a","meta":{"version":"W/\"7\""},"members":[{"value":"x","$ref":"http://b/Users/x"}]}`, nil},
		{"members in another order", `{"members":[{"value":"a"},{"value":"b"}]}`, `{"members":[{"value":"b"},{"value":"a"}]}`, nil},
		{"emails keep their order", `{"emails":[{"value":"a"},{"value":"b"}]}`, `{"emails":[{"value":"b"},{"value":"a"}]}`,
			[]string{`emails[0].value: recorded "a", now "b"`, `emails[1].value: recorded "b", now "a"`}},
		{"changed value", `{"active":false,"name":{"givenName":"A"}}`, `{"active":true,"name":{"givenName":"A"}}`,
			[]string{`active: recorded false, now true`}},
		{"added and removed", `{"a":1}`, `{"b":2}`, []string{`a: recorded 1, now absent`, `b: not recorded, now 2`}},
		{"list length", `{"Resources":[{"userName":"a"}]}`, `{"Resources":[]}`, []string{"Resources: recorded 1 items, now 0"}},
		{"numbers exactly", `{"totalResults":1}`, `{"totalResults":1.0}`, []string{`totalResults: recorded 1, now 1.0`}},
		{"both empty", ``, ``, nil},
		{"text", `plain`, `other`, []string{`body "plain" → "other"`}},
		{"json and text", `{}`, `oops`, []string{`body "{}" → "oops"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := compareBodies([]byte(tc.recorded), []byte(tc.got))
			if !slices.Equal(got, tc.want) {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
	var many strings.Builder
	many.WriteString("{")
	for i := range 20 {
		if i > 0 {
			many.WriteString(",")
		}
		many.WriteString(`"k` + string(rune('a'+i)) + `":1`)
	}
	many.WriteString("}")
	if d := compareBodies([]byte(many.String()), []byte(`{}`)); len(d) != maxDiffs {
		t.Errorf("%d differences reported, want at most %d", len(d), maxDiffs)
	}
}

func TestIDMapLearnsAndRewrites(t *testing.T) {
	m := newIDMap()
	m.learn([]byte(`{"id":"11111111-a","userName":"alice"}`), []byte(`{"id":"99999999-a","userName":"alice"}`), nil, nil)
	m.learn(nil, nil, http.Header{"Location": {"http://old/scim/v2/Groups/22222222-g"}}, http.Header{"Location": {"https://new/scim/v2/Groups/88888888-g"}})
	m.learn([]byte(`{"Resources":[{"id":"33333333-b","userName":"bob"},{"id":"44444444-c","userName":"Carol"}]}`),
		[]byte(`{"Resources":[{"id":"77777777-c","userName":"carol"},{"id":"66666666-b","userName":"bob"}]}`), nil, nil)
	// Short ids are never rewritten: they would match inside ordinary text.
	m.learn([]byte(`{"id":"1"}`), []byte(`{"id":"2"}`), nil, nil)
	got := m.rewrite(`/Users/11111111-a {"members":[{"value":"33333333-b"},{"value":"44444444-c"}],"group":"22222222-g","n":1}`)
	want := `/Users/99999999-a {"members":[{"value":"66666666-b"},{"value":"77777777-c"}],"group":"88888888-g","n":1}`
	if got != want {
		t.Errorf("rewrite\n got %s\nwant %s", got, want)
	}
}

func TestDifferences(t *testing.T) {
	if d := Differences(200, []byte(`{"a":1}`), 200, []byte(`{"a":1}`)); len(d) != 0 {
		t.Errorf("same answer: %v", d)
	}
	d := Differences(201, []byte(`{"userName":"a"}`), 409, []byte(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"409","scimType":"uniqueness","detail":"taken"}`))
	if !slices.Equal(d, []string{"status: recorded 201, now 409", "now: uniqueness: taken"}) {
		t.Errorf("another status: %q", d)
	}
	if d := Differences(200, []byte(`{"a":1}`), 200, []byte(`{"a":2}`)); !slices.Equal(d, []string{"a: recorded 1, now 2"}) {
		t.Errorf("another body: %q", d)
	}
}
