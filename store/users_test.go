package store

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"testing"
)

func TestCreateUserFillsAndNormalizes(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	r := &Resource{Doc: []byte(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"id":"client-id",
		"Meta":{"version":"x"},"groups":[{"value":"g"}],"userName":"Alice","externalId":"e1",
		"displayName":"Alice <A&B>","active":true,"x":12345678901234567890}`)}
	if err := db.CreateUser(ctx, r); err != nil {
		t.Fatal(err)
	}
	if r.ID == "" || r.ID == "client-id" || r.Version != 1 || r.Created.IsZero() || !r.Created.Equal(r.LastModified) {
		t.Fatalf("filled fields: %+v", r)
	}
	if r.UserName != "Alice" || r.ExternalID != "e1" || r.DisplayName != "Alice <A&B>" || !r.Active || r.Kind != KindUser {
		t.Fatalf("indexed copies: %+v", r)
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(r.Doc, &doc); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"id", "Meta", "groups"} {
		if _, ok := doc[k]; ok {
			t.Errorf("stored document kept %q: %s", k, r.Doc)
		}
	}
	if string(doc["x"]) != "12345678901234567890" || string(doc["displayName"]) != `"Alice <A&B>"` {
		t.Errorf("numbers or text changed: %s", r.Doc)
	}
	got, err := db.GetUser(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if string(got.Doc) != string(r.Doc) || got.Version != 1 || !got.Created.Equal(r.Created) || !got.Active {
		t.Fatalf("GetUser = %+v, want %+v", got, r)
	}
}

func TestCreateUserErrors(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	createUser(t, db, "u1", `{"userName":"bjensen"}`)
	for name, tc := range map[string]struct {
		r    *Resource
		want error
	}{
		"userName differs only in case": {&Resource{Doc: []byte(`{"userName":"BJensen"}`)}, ErrConflict},
		"id taken":                      {&Resource{ID: "u1", Doc: []byte(`{"userName":"other"}`)}, ErrConflict},
		"missing userName":              {&Resource{Doc: []byte(`{"displayName":"x"}`)}, ErrInvalidDocument},
		"empty userName":                {&Resource{Doc: []byte(`{"userName":""}`)}, ErrInvalidDocument},
		"not an object":                 {&Resource{Doc: []byte(`["userName"]`)}, ErrInvalidDocument},
		"null":                          {&Resource{Doc: []byte(`null`)}, ErrInvalidDocument},
		"trailing data":                 {&Resource{Doc: []byte(`{"userName":"a"} {}`)}, ErrInvalidDocument},
	} {
		t.Run(name, func(t *testing.T) {
			wantErr(t, db.CreateUser(ctx, tc.r), tc.want)
		})
	}
	_, err := db.GetUser(ctx, "nope")
	wantErr(t, err, ErrNotFound)
}

func TestReplaceUser(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	u := createUser(t, db, "u1", `{"userName":"a","active":true}`)
	createUser(t, db, "u2", `{"userName":"taken"}`)

	got, err := db.ReplaceUser(ctx, "u1", 1, func(cur *Resource) (*Resource, error) {
		if cur.UserName != "a" || cur.Version != 1 {
			t.Errorf("callback saw %+v", cur)
		}
		cur.Doc = []byte(`{"userName":"A2","active":false,"id":"ignored","externalId":"x"}`)
		return cur, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got.Version != 2 || got.UserName != "A2" || got.Active || got.ExternalID != "x" ||
		!got.Created.Equal(u.Created) || !got.LastModified.After(u.LastModified) {
		t.Fatalf("after replace: %+v", got)
	}

	// Same content: nothing written, version stays.
	same, err := db.ReplaceUser(ctx, "u1", 0, func(cur *Resource) (*Resource, error) {
		return &Resource{Doc: []byte(`{"externalId":"x","active":false,"userName":"A2"}`)}, nil
	})
	if err != nil || same.Version != 2 || !same.LastModified.Equal(got.LastModified) {
		t.Fatalf("no-op replace: %+v %v", same, err)
	}
	same, err = db.ReplaceUser(ctx, "u1", 0, func(*Resource) (*Resource, error) { return nil, nil })
	if err != nil || same.Version != 2 {
		t.Fatalf("nil replace: %+v %v", same, err)
	}

	_, err = db.ReplaceUser(ctx, "u1", 1, func(cur *Resource) (*Resource, error) {
		t.Error("callback ran despite version mismatch")
		return cur, nil
	})
	wantErr(t, err, ErrPreconditionFailed)

	_, err = db.ReplaceUser(ctx, "u1", 2, func(cur *Resource) (*Resource, error) {
		return &Resource{Doc: []byte(`{"userName":"TAKEN"}`)}, nil
	})
	wantErr(t, err, ErrConflict)

	boom := errors.New("boom")
	_, err = db.ReplaceUser(ctx, "u1", 0, func(cur *Resource) (*Resource, error) { return nil, boom })
	wantErr(t, err, boom)

	_, err = db.ReplaceUser(ctx, "nope", 0, func(cur *Resource) (*Resource, error) { return cur, nil })
	wantErr(t, err, ErrNotFound)

	final, err := db.GetUser(ctx, "u1")
	if err != nil || final.Version != 2 || final.UserName != "A2" {
		t.Fatalf("failed replaces changed the user: %+v %v", final, err)
	}
}

func TestDeleteUserUpdatesGroups(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	createUser(t, db, "u1", `{"userName":"a"}`)
	createUser(t, db, "u2", `{"userName":"b"}`)
	g1 := createGroup(t, db, "g1", `{"displayName":"one"}`, "u1", "u2")
	g2 := createGroup(t, db, "g2", `{"displayName":"two"}`, "u2")

	wantErr(t, db.DeleteUser(ctx, "u1", 7), ErrPreconditionFailed)
	if err := db.DeleteUser(ctx, "u1", 1); err != nil {
		t.Fatal(err)
	}
	wantErr(t, db.DeleteUser(ctx, "u1", 0), ErrNotFound)
	_, err := db.GetUser(ctx, "u1")
	wantErr(t, err, ErrNotFound)

	a, _ := db.GetGroup(ctx, "g1")
	if a.Version != 2 || !a.LastModified.After(g1.LastModified) {
		t.Errorf("group that lost a member: version %d, lastModified %v", a.Version, a.LastModified)
	}
	b, _ := db.GetGroup(ctx, "g2")
	if b.Version != 1 || !b.LastModified.Equal(g2.LastModified) {
		t.Errorf("unrelated group changed: %+v", b)
	}
	ms, err := db.Members(ctx, "g1", 0)
	if err != nil || !equalStrings(memberIDs(ms), []string{"u2"}) {
		t.Fatalf("members after delete = %v, %v", ms, err)
	}
}

func TestGroupsOfUser(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	createUser(t, db, "u1", `{"userName":"a"}`)
	createUser(t, db, "u2", `{"userName":"b"}`)
	createUser(t, db, "u3", `{"userName":"c"}`)
	createGroup(t, db, "g1", `{"displayName":"zeta"}`, "u1")
	createGroup(t, db, "g2", `{"displayName":"Alpha"}`, "u1", "u2")

	gs, err := db.GroupsOfUser(ctx, "u1")
	if err != nil {
		t.Fatal(err)
	}
	if len(gs) != 2 || gs[0] != (GroupRef{"g2", "Alpha"}) || gs[1] != (GroupRef{"g1", "zeta"}) {
		t.Fatalf("GroupsOfUser = %v", gs)
	}
	if gs, err := db.GroupsOfUser(ctx, "u3"); err != nil || len(gs) != 0 {
		t.Fatalf("user without groups: %v %v", gs, err)
	}
	_, err = db.GroupsOfUser(ctx, "nope")
	wantErr(t, err, ErrNotFound)

	m, err := db.GroupsOfUsers(ctx, []string{"u1", "u2", "u3", "nope"})
	if err != nil {
		t.Fatal(err)
	}
	if len(m) != 2 || len(m["u1"]) != 2 || len(m["u2"]) != 1 || m["u2"][0].ID != "g2" {
		t.Fatalf("GroupsOfUsers = %v", m)
	}
}

// A user is read with its groups: GetUser, Search and ReplaceUser fill Groups from
// the same transaction as the user.
func TestUserReadsCarryGroups(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	createUser(t, db, "u1", `{"userName":"a"}`)
	createUser(t, db, "u2", `{"userName":"b"}`)
	createGroup(t, db, "g1", `{"displayName":"zeta"}`, "u1")
	createGroup(t, db, "g2", `{"displayName":"Alpha"}`, "u1")
	want := []GroupRef{{"g2", "Alpha"}, {"g1", "zeta"}}

	u, err := db.GetUser(ctx, "u1")
	if err != nil || !slices.Equal(u.Groups, want) {
		t.Fatalf("GetUser groups = %v, %v; want %v", u.Groups, err, want)
	}
	_, page, err := db.Search(ctx, Query{Kind: KindUser, Count: -1})
	if err != nil || len(page) != 2 || !slices.Equal(page[0].Groups, want) || page[1].Groups != nil {
		t.Fatalf("Search groups = %+v, %v", page, err)
	}
	_, one, err := db.Search(ctx, Query{Kind: KindUser, Where: CondCmp{Field: Field{Path: []string{"userName"}}, Op: "eq", Value: "A"}, Count: 10})
	if err != nil || len(one) != 1 || !slices.Equal(one[0].Groups, want) {
		t.Fatalf("lookup groups = %+v, %v", one, err)
	}
	for _, doc := range []string{`{"userName":"a","title":"changed"}`, `{"userName":"a","title":"changed"}`} {
		r, err := db.ReplaceUser(ctx, "u1", 0, func(cur *Resource) (*Resource, error) {
			next := *cur
			next.Doc = []byte(doc)
			return &next, nil
		})
		if err != nil || !slices.Equal(r.Groups, want) {
			t.Fatalf("ReplaceUser groups = %v, %v; want %v (changed or not)", r.Groups, err, want)
		}
	}
	_, groups, err := db.Search(ctx, Query{Kind: KindGroup, Count: -1})
	if err != nil || len(groups) != 2 || groups[0].Groups != nil {
		t.Fatalf("groups carry no Groups: %+v, %v", groups, err)
	}
}
