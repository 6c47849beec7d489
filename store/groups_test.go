package store

import (
	"context"
	"errors"
	"testing"
)

func TestCreateGroup(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	createUser(t, db, "u1", `{"userName":"a"}`)
	createUser(t, db, "u2", `{"userName":"b"}`)

	g := &Resource{Doc: []byte(`{"displayName":"Admins","externalId":"x","members":[{"value":"u1"}]}`)}
	if err := db.CreateGroup(ctx, g, []Member{{UserID: "u2", Display: "B"}, {UserID: "u1", Type: "User"}, {UserID: "u1"}}); err != nil {
		t.Fatal(err)
	}
	if g.ID == "" || g.Version != 1 || g.DisplayName != "Admins" || g.ExternalID != "x" || g.Kind != KindGroup {
		t.Fatalf("created %+v", g)
	}
	if string(g.Doc) != `{"displayName":"Admins","externalId":"x"}` {
		t.Errorf("doc kept members: %s", g.Doc)
	}
	ms, err := db.Members(ctx, g.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	want := []Member{{UserID: "u1", Type: "User"}, {UserID: "u2", Display: "B"}}
	if len(ms) != 2 || ms[0] != want[0] || ms[1] != want[1] {
		t.Fatalf("Members = %+v, want %+v", ms, want)
	}
	if ms, _ := db.Members(ctx, g.ID, 1); len(ms) != 1 {
		t.Errorf("limit 1 gave %d", len(ms))
	}
	if n, err := db.MemberCount(ctx, g.ID); err != nil || n != 2 {
		t.Errorf("MemberCount = %d, %v", n, err)
	}

	// Group names are unique ignoring case (Entra ID matches on displayName).
	err = db.CreateGroup(ctx, &Resource{Doc: []byte(`{"displayName":"ADMINS"}`)}, nil)
	wantErr(t, err, ErrConflict)

	// An unknown member fails the whole create and names the id.
	err = db.CreateGroup(ctx, &Resource{ID: "g-bad", Doc: []byte(`{"displayName":"bad"}`)},
		[]Member{{UserID: "u1"}, {UserID: "ghost"}})
	wantErr(t, err, ErrInvalidMember)
	var me *MemberError
	if !errors.As(err, &me) || me.UserID != "ghost" {
		t.Fatalf("error %v does not name the member", err)
	}
	_, err = db.GetGroup(ctx, "g-bad")
	wantErr(t, err, ErrNotFound)
	_, err = db.Members(ctx, "g-bad", 0)
	wantErr(t, err, ErrNotFound)
}

func TestUpdateGroupMembers(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	for _, id := range []string{"u1", "u2", "u3"} {
		createUser(t, db, id, `{"userName":"`+id+`"}`)
	}
	g := createGroup(t, db, "g", `{"displayName":"G"}`, "u1")

	got, err := db.UpdateGroup(ctx, "g", 1, func(cur *Resource, m MemberTx) (*Resource, error) {
		if err := m.AddMembers([]Member{{UserID: "u2"}, {UserID: "u3"}, {UserID: "u1"}}); err != nil {
			return nil, err
		}
		if ok, err := m.HasMember("u2"); err != nil || !ok {
			t.Errorf("HasMember(u2) = %v, %v", ok, err)
		}
		n, err := m.RemoveMembers([]string{"u1", "absent"})
		if err != nil || n != 1 {
			t.Errorf("RemoveMembers = %d, %v", n, err)
		}
		if ok, _ := m.HasMember("u1"); ok {
			t.Error("u1 still a member")
		}
		list, err := m.List()
		if err != nil || !equalStrings(memberIDs(list), []string{"u2", "u3"}) {
			t.Errorf("List = %v, %v", list, err)
		}
		return nil, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got.Version != 2 || !got.LastModified.After(g.LastModified) || string(got.Doc) != string(g.Doc) {
		t.Fatalf("several member changes must bump the version once: %+v", got)
	}

	// No change at all: version stays.
	got, err = db.UpdateGroup(ctx, "g", 2, func(cur *Resource, m MemberTx) (*Resource, error) {
		if err := m.AddMembers([]Member{{UserID: "u2"}}); err != nil { // already there
			return nil, err
		}
		_, err := m.RemoveMembers([]string{"absent"})
		return cur, err
	})
	if err != nil || got.Version != 2 {
		t.Fatalf("no-op update: %+v %v", got, err)
	}

	// Doc and members together: one bump.
	got, err = db.UpdateGroup(ctx, "g", 2, func(cur *Resource, m MemberTx) (*Resource, error) {
		if err := m.RemoveAll(); err != nil {
			return nil, err
		}
		return &Resource{Doc: []byte(`{"displayName":"G2"}`)}, nil
	})
	if err != nil || got.Version != 3 || got.DisplayName != "G2" {
		t.Fatalf("doc+members update: %+v %v", got, err)
	}
	if n, _ := db.MemberCount(ctx, "g"); n != 0 {
		t.Fatalf("RemoveAll left %d members", n)
	}
}

func TestUpdateGroupRollsBack(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	createUser(t, db, "u1", `{"userName":"u1"}`)
	createUser(t, db, "u2", `{"userName":"u2"}`)
	createGroup(t, db, "g", `{"displayName":"G"}`, "u1")
	createGroup(t, db, "other", `{"displayName":"Other"}`)

	var kept MemberTx
	_, err := db.UpdateGroup(ctx, "g", 0, func(cur *Resource, m MemberTx) (*Resource, error) {
		kept = m
		if err := m.AddMembers([]Member{{UserID: "u2"}}); err != nil {
			return nil, err
		}
		return nil, m.AddMembers([]Member{{UserID: "ghost"}})
	})
	var me *MemberError
	if !errors.As(err, &me) || me.UserID != "ghost" || !errors.Is(err, ErrInvalidMember) {
		t.Fatalf("error = %v", err)
	}
	if ms, _ := db.Members(ctx, "g", 0); !equalStrings(memberIDs(ms), []string{"u1"}) {
		t.Fatalf("failed update kept members %v", ms)
	}
	if err := kept.AddMembers([]Member{{UserID: "u2"}}); err == nil {
		t.Fatal("MemberTx usable after the callback returned")
	}

	_, err = db.UpdateGroup(ctx, "g", 0, func(cur *Resource, m MemberTx) (*Resource, error) {
		if err := m.RemoveAll(); err != nil {
			return nil, err
		}
		return &Resource{Doc: []byte(`{"displayName":"other"}`)}, nil
	})
	wantErr(t, err, ErrConflict)
	if ms, _ := db.Members(ctx, "g", 0); len(ms) != 1 {
		t.Fatal("conflicting rename kept the member removal")
	}
	g, _ := db.GetGroup(ctx, "g")
	if g.Version != 1 || g.DisplayName != "G" {
		t.Fatalf("group changed: %+v", g)
	}

	_, err = db.UpdateGroup(ctx, "g", 5, func(*Resource, MemberTx) (*Resource, error) { return nil, nil })
	wantErr(t, err, ErrPreconditionFailed)
	_, err = db.UpdateGroup(ctx, "nope", 0, func(*Resource, MemberTx) (*Resource, error) { return nil, nil })
	wantErr(t, err, ErrNotFound)
}

func TestDeleteGroup(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	createUser(t, db, "u1", `{"userName":"u1"}`)
	createGroup(t, db, "g", `{"displayName":"G"}`, "u1")
	wantErr(t, db.DeleteGroup(ctx, "g", 2), ErrPreconditionFailed)
	if err := db.DeleteGroup(ctx, "g", 1); err != nil {
		t.Fatal(err)
	}
	wantErr(t, db.DeleteGroup(ctx, "g", 0), ErrNotFound)
	if gs, err := db.GroupsOfUser(ctx, "u1"); err != nil || len(gs) != 0 {
		t.Fatalf("memberships survived the group: %v %v", gs, err)
	}
	// The name is free again.
	createGroup(t, db, "g2", `{"displayName":"g"}`)
}

// Members and MemberCount tell an empty group from a missing one without a separate
// existence check.
func TestMembersOfEmptyAndMissingGroups(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	createUser(t, db, "u1", `{"userName":"a"}`)
	createGroup(t, db, "empty", `{"displayName":"Empty"}`)
	createGroup(t, db, "one", `{"displayName":"One"}`, "u1")
	if ms, err := db.Members(ctx, "empty", 0); err != nil || len(ms) != 0 {
		t.Errorf("Members(empty) = %v, %v; want none and no error", ms, err)
	}
	if n, err := db.MemberCount(ctx, "empty"); err != nil || n != 0 {
		t.Errorf("MemberCount(empty) = %d, %v", n, err)
	}
	if ms, err := db.Members(ctx, "one", 1); err != nil || len(ms) != 1 || ms[0].UserID != "u1" {
		t.Errorf("Members(one) = %v, %v", ms, err)
	}
	_, err := db.Members(ctx, "missing", 0)
	wantErr(t, err, ErrNotFound)
	_, err = db.MemberCount(ctx, "missing")
	wantErr(t, err, ErrNotFound)
	if gs, err := db.GroupsOfUser(ctx, "u1"); err != nil || len(gs) != 1 || gs[0].ID != "one" {
		t.Errorf("GroupsOfUser(u1) = %v, %v", gs, err)
	}
}

// A delete with a stale version changes nothing: the deleted row's version is
// checked inside the transaction, which rolls back.
func TestDeleteWithStaleVersionKeepsResource(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	createUser(t, db, "u1", `{"userName":"a"}`)
	createGroup(t, db, "g1", `{"displayName":"G"}`, "u1")
	wantErr(t, db.DeleteUser(ctx, "u1", 7), ErrPreconditionFailed)
	wantErr(t, db.DeleteGroup(ctx, "g1", 7), ErrPreconditionFailed)
	if _, err := db.GetUser(ctx, "u1"); err != nil {
		t.Fatalf("user gone after a refused delete: %v", err)
	}
	if g, err := db.GetGroup(ctx, "g1"); err != nil || g.Version != 1 {
		t.Fatalf("group after a refused delete: %+v, %v; want it at version 1", g, err)
	}
	wantErr(t, db.DeleteUser(ctx, "nope", 0), ErrNotFound)
	wantErr(t, db.DeleteGroup(ctx, "nope", 0), ErrNotFound)
	if err := db.DeleteGroup(ctx, "g1", 1); err != nil {
		t.Fatal(err)
	}
	if err := db.DeleteUser(ctx, "u1", 1); err != nil {
		t.Fatal(err)
	}
}
