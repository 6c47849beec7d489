package scimserver

import (
	"context"
	"fmt"
	"testing"

	"github.com/scimlab/scimlab/store"
)

// A user's history lists the membership changes and refusals about the user, not only
// the requests addressed to it: a group PATCH adding or removing the user, a PUT of the
// group, a duplicate create of its userName (409), the deletion of a group it was in;
// a group's history lists the deletion of one of its members.
func TestHistoryIncludesMembershipChangesAndRefusals(t *testing.T) {
	e := newEnv(t, Config{})
	alice := e.createUser("alice@example.com", nil)
	bob := e.createUser("bob@example.com", nil)
	team := e.createGroup("Team")

	e.must(e.do("PATCH", "/Groups/"+team, `{`+patchOp+`,"Operations":[{"op":"add","path":"members","value":[{"value":"`+alice+`"},{"value":"`+bob+`"}]}]}`, nil), 204)
	e.must(e.do("PATCH", "/Groups/"+team, `{`+patchOp+`,"Operations":[{"op":"remove","path":"members[value eq \"`+alice+`\"]"}]}`, nil), 204)
	checkError(t, e.do("POST", "/Users", map[string]any{"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:User"}, "userName": "ALICE@example.com"}, nil), 409, "uniqueness")
	e.must(e.do("PUT", "/Groups/"+team, map[string]any{"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:Group"}, "displayName": "Team", "members": []any{map[string]any{"value": alice}}}, nil), 200)
	checkError(t, e.do("GET", "/Users/no-such-user", nil, nil), 404, "")
	other := e.createGroup("Other", bob)
	e.must(e.do("DELETE", "/Users/"+bob, nil, nil), 204)
	e.must(e.do("DELETE", "/Groups/"+team, nil, nil), 204)
	e.srv.Close() // writes the log

	history := func(kind store.Kind, id string) []string {
		t.Helper()
		recs, err := e.db.RequestsForResource(context.Background(), kind, id, 0)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for i := len(recs) - 1; i >= 0; i-- {
			out = append(out, fmt.Sprint(recs[i].Method, " ", recs[i].Status))
		}
		return out
	}
	check := func(what string, got, want []string) {
		t.Helper()
		if len(got) != len(want) {
			t.Errorf("%s's history: %q, want %q", what, got, want)
			return
		}
		for i := range got {
			if got[i] != want[i] {
				t.Errorf("%s's history: %q, want %q", what, got, want)
				return
			}
		}
	}
	check("alice", history(store.KindUser, alice), []string{"POST 201", "PATCH 204", "PATCH 204", "POST 409", "PUT 200", "DELETE 204"})
	check("bob", history(store.KindUser, bob), []string{"POST 201", "PATCH 204", "PUT 200", "POST 201", "DELETE 204"})
	check("the unknown id", history(store.KindUser, "no-such-user"), []string{"GET 404"})
	check("Other", history(store.KindGroup, other), []string{"POST 201", "DELETE 204"})
	check("Team", history(store.KindGroup, team), []string{"POST 201", "PATCH 204", "PATCH 204", "PUT 200", "DELETE 204"})
}

// Deleting a user clears the manager of the users it managed; the deletion appears in
// their history, next to the new version it gave them.
func TestManagerDeletionInTheManagedUsersHistory(t *testing.T) {
	e := newEnv(t, Config{})
	const ent = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	boss := e.createUser("boss@example.com", nil)
	alice := e.createUser("alice@example.com", map[string]any{ent: map[string]any{"manager": map[string]any{"value": boss}}})
	bob := e.createUser("bob@example.com", nil)
	e.must(e.do("DELETE", "/Users/"+boss, nil, nil), 204)
	r := e.must(e.do("GET", "/Users/"+alice, nil, nil), 200)
	if r.str(ent+".manager") != "" || r.str("meta.version") != `W/"2"` {
		t.Errorf("alice after her manager was deleted: %s", r.raw)
	}
	e.srv.Close()
	for id, want := range map[string]int{alice: 3, bob: 1} {
		recs, err := e.db.RequestsForResource(context.Background(), store.KindUser, id, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) != want {
			t.Errorf("%s's history has %d requests, want %d", id, len(recs), want)
		}
	}
}
