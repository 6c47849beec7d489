package scimserver

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/scimlab/scimlab/store"
)

func TestRenderMatchesGET(t *testing.T) {
	e := newEnv(t, Config{})
	uid := e.createUser("render@example.com", nil)
	gid := e.createGroup("Render team", uid)
	viaHTTP := e.must(e.do("GET", "/Users/"+uid, nil, nil), 200)
	before := e.must(e.do("GET", "/Groups/"+gid, nil, nil), 200)

	got, err := e.srv.Render(context.Background(), ResourceUser, uid, e.base)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(got, &doc); err != nil {
		t.Fatalf("Render gave invalid JSON: %v\n%s", err, got)
	}
	if doc["userName"] != "render@example.com" || doc["id"] != uid {
		t.Fatalf("Render(User) = %s", got)
	}
	groups, _ := doc["groups"].([]any)
	if len(groups) != 1 {
		t.Fatalf("Render(User) lacks the derived groups: %s", got)
	}
	if lookup(doc, "meta.location") != viaHTTP.str("meta.location") {
		t.Errorf("location %v, GET says %v", lookup(doc, "meta.location"), viaHTTP.str("meta.location"))
	}

	g, err := e.srv.Render(context.Background(), ResourceGroup, gid, e.base)
	if err != nil {
		t.Fatal(err)
	}
	var gdoc map[string]any
	json.Unmarshal(g, &gdoc)
	if members, _ := gdoc["members"].([]any); len(members) != 1 || gdoc["displayName"] != before.str("displayName") {
		t.Fatalf("Render(Group) = %s", g)
	}

	if _, err := e.srv.Render(context.Background(), ResourceUser, "no-such-id", e.base); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("missing user: err = %v, want store.ErrNotFound", err)
	}
	if _, err := e.srv.Render(context.Background(), "Device", uid, e.base); err == nil {
		t.Error("unknown resource type rendered without error")
	}
}
