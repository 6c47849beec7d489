package patch

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/scimlab/scimlab/scim/quirk"
	"github.com/scimlab/scimlab/scim/schema"
)

// fakeEditor is an in-memory MemberEditor that records every call, so tests can assert
// which calls the engine made (above all, that value eq removals never list members).
type fakeEditor struct {
	members []Member
	calls   []string
	fail    error
}

func newFakeEditor(ids ...string) *fakeEditor {
	f := &fakeEditor{}
	for _, id := range ids {
		f.members = append(f.members, Member{Value: id, Display: id + "@example.com"})
	}
	return f
}

func (f *fakeEditor) index(id string) int {
	for i, m := range f.members {
		if m.Value == id {
			return i
		}
	}
	return -1
}

func (f *fakeEditor) AddMembers(ms []Member) error {
	var ids []string
	for _, m := range ms {
		ids = append(ids, m.Value)
		if f.index(m.Value) < 0 {
			f.members = append(f.members, m)
		}
	}
	f.calls = append(f.calls, "Add("+strings.Join(ids, ",")+")")
	return f.fail
}

func (f *fakeEditor) RemoveMembers(ids []string) error {
	f.calls = append(f.calls, "Remove("+strings.Join(ids, ",")+")")
	for _, id := range ids {
		if i := f.index(id); i >= 0 {
			f.members = append(f.members[:i], f.members[i+1:]...)
		}
	}
	return f.fail
}

func (f *fakeEditor) HasMember(id string) (bool, error) {
	f.calls = append(f.calls, "Has("+id+")")
	return f.index(id) >= 0, f.fail
}

func (f *fakeEditor) RemoveAllMembers() error {
	f.calls = append(f.calls, "RemoveAll")
	f.members = nil
	return f.fail
}

func (f *fakeEditor) ListMembers() ([]Member, error) {
	f.calls = append(f.calls, "List")
	return append([]Member(nil), f.members...), f.fail
}

func (f *fakeEditor) ids() string {
	var ids []string
	for _, m := range f.members {
		ids = append(ids, m.Value)
	}
	return strings.Join(ids, ",")
}

func TestMemberEditor(t *testing.T) {
	tests := []struct {
		name   string
		strict bool
		body   string
		// wantCalls and wantIDs describe the editor afterwards; wantErr is a scimType.
		wantCalls string
		wantIDs   string
		wantErr   string
		quirks    []quirk.Quirk
	}{
		{
			name:      "Okta removes one member by filter without listing",
			body:      patchBody(`{"op": "remove", "path": "members[value eq \"b\"]"}`),
			wantCalls: "Has(b) Remove(b)",
			wantIDs:   "a,c",
		},
		{
			name:      "or-chain of value eq removes without listing",
			body:      patchBody(`{"op": "remove", "path": "members[value eq \"a\" or value eq \"c\" or value eq \"zz\"]"}`),
			wantCalls: "Has(a) Has(c) Has(zz) Remove(a,c)",
			wantIDs:   "b",
		},
		{
			name:      "removal of an absent member is tolerated",
			body:      patchBody(`{"op": "remove", "path": "members[value eq \"zz\"]"}`),
			wantCalls: "Has(zz)",
			wantIDs:   "a,b,c",
			quirks:    []quirk.Quirk{quirk.RemoveAbsentValue},
		},
		{
			name:      "removal of an absent member in strict mode",
			strict:    true,
			body:      patchBody(`{"op": "remove", "path": "members[value eq \"zz\"]"}`),
			wantCalls: "Has(zz)",
			wantErr:   noTarget,
		},
		{
			name:      "Okta remove and add in one request",
			body:      patchBody(`{"op": "remove", "path": "members[value eq \"a\"]"},{"op": "add", "path": "members", "value": [{"value": "d", "display": "d@okta.local"}]}`),
			wantCalls: "Has(a) Remove(a) Add(d)",
			wantIDs:   "b,c,d",
		},
		{
			name:      "Entra removes by value list",
			body:      `{"Operations": [{"op": "Remove", "path": "members", "value": [{"$ref": null, "value": "b"}, {"$ref": null, "value": "zz"}]}]}`,
			wantCalls: "Has(b) Has(zz) Remove(b)",
			wantIDs:   "a,c",
			quirks:    []quirk.Quirk{quirk.CapitalisedOp, quirk.MemberRemoveByValue, quirk.PatchOpSchemaMissing, quirk.RemoveAbsentValue},
		},
		{
			name:      "strict reading of remove by value empties the group",
			strict:    true,
			body:      patchBody(`{"op": "remove", "path": "members", "value": [{"value": "b"}]}`),
			wantCalls: "RemoveAll",
			wantIDs:   "",
			// The badge is the admin's only clue why every member went.
			quirks: []quirk.Quirk{quirk.MemberRemoveByValue},
		},
		{
			name:      "remove members without value",
			body:      patchBody(`{"op": "remove", "path": "members"}`),
			wantCalls: "RemoveAll",
			wantIDs:   "",
		},
		{
			name:      "Entra adds members",
			body:      patchBody(`{"op": "Add", "path": "members", "value": [{"$ref": null, "value": "d"}, {"$ref": null, "value": "d"}, {"value": "a"}]}`),
			wantCalls: "Add(d,a)",
			wantIDs:   "a,b,c,d",
			quirks:    []quirk.Quirk{quirk.CapitalisedOp},
		},
		{
			name:      "Okta full re-push replaces",
			body:      patchBody(`{"op":"replace","path":"members","value":[{"value":"x","display":"x@okta.local"}]}`),
			wantCalls: "RemoveAll Add(x)",
			wantIDs:   "x",
		},
		{
			name:      "Okta re-push of an empty group",
			body:      patchBody(`{"op":"replace","path":"members","value":[]}`),
			wantCalls: "RemoveAll",
			wantIDs:   "",
		},
		{
			name:      "path-less replace with members routes to the editor",
			body:      patchBody(`{"op":"replace","value":{"id":"` + groupID + `","displayName":"G","members":[{"value":"y"}]}}`),
			wantCalls: "RemoveAll Add(y)",
			wantIDs:   "y",
		},
		{
			name:      "path-less add with members routes to the editor",
			body:      patchBody(`{"op":"add","value":{"members":[{"value":"y"}]}}`),
			wantCalls: "Add(y)",
			wantIDs:   "a,b,c,y",
		},
		{
			name:      "other filters list the members",
			body:      patchBody(`{"op":"remove","path":"members[display sw \"b@\"]"}`),
			wantCalls: "List Remove(b)",
			wantIDs:   "a,c",
		},
		{
			name:      "not of value eq lists the members",
			body:      patchBody(`{"op":"remove","path":"members[not (value eq \"b\")]"}`),
			wantCalls: "List Remove(a,c)",
			wantIDs:   "b",
		},
		{
			name:      "a filter on another sub-attribute that matches nothing",
			body:      patchBody(`{"op":"remove","path":"members[display eq \"nobody\"]"}`),
			wantCalls: "List",
			wantIDs:   "a,b,c",
			quirks:    []quirk.Quirk{quirk.RemoveAbsentValue},
		},
		{
			name:      "a member's immutable value cannot change through a filter",
			body:      patchBody(`{"op":"replace","path":"members[value eq \"a\"].value","value":"z"}`),
			wantCalls: "List",
			wantErr:   mutability,
		},
		{
			name:      "a member without value",
			body:      patchBody(`{"op":"add","path":"members","value":[{"display":"x"}]}`),
			wantCalls: "",
			wantErr:   invalidValue,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ed := newFakeEditor("a", "b", "c")
			doc := map[string]any{"displayName": "G"}
			seen := &quirk.Set{}
			req, err := Decode([]byte(tt.body), tt.strict, seen)
			if err == nil {
				err = Apply(doc, req.Operations, Options{Resource: schema.GroupResourceType(), Strict: tt.strict, Seen: seen, Members: ed, ID: groupID})
			}
			if got := strings.Join(ed.calls, " "); got != tt.wantCalls {
				t.Errorf("calls = %q; want %q", got, tt.wantCalls)
			}
			if tt.wantErr != "" {
				var pe *Error
				if !errors.As(err, &pe) || pe.ScimType != tt.wantErr {
					t.Fatalf("err = %v; want %s", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := ed.ids(); got != tt.wantIDs {
				t.Errorf("members = %q; want %q", got, tt.wantIDs)
			}
			if _, ok := doc["members"]; ok {
				t.Errorf("members leaked into the document: %v", doc)
			}
			if fmt.Sprint(seen.List()) != fmt.Sprint(tt.quirks) {
				t.Errorf("quirks = %v; want %v", seen.List(), tt.quirks)
			}
		})
	}
}

func TestMemberEditorPassesDetails(t *testing.T) {
	ed := newFakeEditor()
	req, err := Decode([]byte(patchBody(`{"op":"add","path":"members","value":[{"value":"u1","display":"one","type":"User","$ref":"https://x/Users/u1"}]}`)), false, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := Apply(map[string]any{}, req.Operations, Options{Resource: schema.GroupResourceType(), Members: ed}); err != nil {
		t.Fatal(err)
	}
	want := []Member{{Value: "u1", Display: "one", Type: "User", Ref: "https://x/Users/u1"}}
	if !reflect.DeepEqual(ed.members, want) {
		t.Errorf("members = %+v; want %+v", ed.members, want)
	}
}

func TestMemberEditorErrorsPropagate(t *testing.T) {
	boom := errors.New("disk full")
	for _, ops := range []string{
		`{"op":"add","path":"members","value":[{"value":"u1"}]}`,
		`{"op":"remove","path":"members[value eq \"a\"]"}`,
		`{"op":"remove","path":"members[display eq \"a\"]"}`,
		`{"op":"replace","path":"members","value":[]}`,
	} {
		ed := newFakeEditor("a")
		ed.fail = boom
		req, err := Decode([]byte(patchBody(ops)), false, nil)
		if err != nil {
			t.Fatal(err)
		}
		err = Apply(map[string]any{}, req.Operations, Options{Resource: schema.GroupResourceType(), Members: ed})
		if !errors.Is(err, boom) {
			t.Errorf("%s: err = %v; want the editor's error", ops, err)
		}
	}
}

// TestUserIgnoresMemberEditor checks that an editor passed for a User is never called: users
// have no members attribute.
func TestUserIgnoresMemberEditor(t *testing.T) {
	ed := newFakeEditor("a")
	req, _ := Decode([]byte(patchBody(`{"op":"replace","value":{"active":false}}`)), false, nil)
	doc := map[string]any{"userName": "u"}
	if err := Apply(doc, req.Operations, Options{Members: ed}); err != nil {
		t.Fatal(err)
	}
	if len(ed.calls) != 0 || doc["active"] != false {
		t.Errorf("calls %v, doc %v", ed.calls, doc)
	}
}
