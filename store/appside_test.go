package store

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/scimlab/scimlab/exchange"
)

func TestTombstones(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	createUser(t, db, "u1", `{"userName":"ann@example.com","externalId":"e-1","active":true}`)
	createUser(t, db, "u2", `{"userName":"bob@example.com"}`)
	createGroup(t, db, "g1", `{"displayName":"Teachers"}`, "u1", "u2")
	if err := db.DeleteUser(ctx, "u1", 0); err != nil {
		t.Fatal(err)
	}
	if err := db.DeleteGroup(ctx, "g1", 0); err != nil {
		t.Fatal(err)
	}
	users, err := db.Tombstones(ctx, KindUser, "", 0)
	if err != nil || len(users) != 1 {
		t.Fatalf("user tombstones %v %v", users, err)
	}
	u := users[0]
	if u.ID != "u1" || u.Name != "ann@example.com" || u.ExternalID != "e-1" || u.Memberships != 1 ||
		!strings.Contains(string(u.Doc), "ann@example.com") || u.Deleted.IsZero() || u.Created.IsZero() {
		t.Errorf("user tombstone %+v", u)
	}
	g, err := db.GetTombstone(ctx, KindGroup, "g1")
	if err != nil || g.Name != "Teachers" || g.Memberships != 1 {
		t.Errorf("group tombstone %+v %v (bob was still a member when it went)", g, err)
	}
	if got, _ := db.Tombstones(ctx, KindUser, "ANN", 0); len(got) != 1 {
		t.Errorf("search by name ignoring case: %v", got)
	}
	if got, _ := db.Tombstones(ctx, KindUser, "bob", 0); len(got) != 0 {
		t.Errorf("a live user has no tombstone: %v", got)
	}
	if _, err := db.GetTombstone(ctx, KindUser, "u2"); !errors.Is(err, ErrNotFound) {
		t.Errorf("tombstone of a live user: %v", err)
	}
	// A delete that fails leaves no tombstone: the trigger runs in its transaction.
	if err := db.DeleteUser(ctx, "u2", 99); !errors.Is(err, ErrPreconditionFailed) {
		t.Fatal(err)
	}
	if _, err := db.GetTombstone(ctx, KindUser, "u2"); !errors.Is(err, ErrNotFound) {
		t.Errorf("failed delete left a tombstone: %v", err)
	}
}

func TestSetUserActive(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	createUser(t, db, "u1", `{"userName":"ann@example.com","active":true,"x":12345678901234567890}`)
	r, err := db.SetUserActive(ctx, "u1", false)
	if err != nil || r.Active || r.Version != 2 || !strings.Contains(string(r.Doc), `"active":false`) {
		t.Fatalf("deactivate: %+v %v", r, err)
	}
	if !strings.Contains(string(r.Doc), "12345678901234567890") {
		t.Errorf("numbers must keep their exact text: %s", r.Doc)
	}
	again, err := db.SetUserActive(ctx, "u1", false)
	if err != nil || again.Version != 2 {
		t.Errorf("deactivating an inactive user changes nothing: %+v %v", again, err)
	}
	if _, err := db.SetUserActive(ctx, "nobody", true); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown user: %v", err)
	}
}

func TestSeed(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	createUser(t, db, "u0", `{"userName":"existing@example.com"}`)
	createGroup(t, db, "g0", `{"displayName":"Teachers"}`, "u0")
	res, err := db.Seed(ctx,
		[][]byte{[]byte(`{"userName":"ann@example.com","active":true}`), []byte(`{"userName":"bob@example.com","active":true}`)},
		[][]byte{[]byte(`{"userName":"indie@example.com","displayName":"Indie"}`)},
		[]SeedGroup{
			{Doc: []byte(`{"displayName":"teachers"}`), Members: []string{"ann@example.com", "EXISTING@example.com"}},
			{Doc: []byte(`{"displayName":"Art"}`), Members: []string{"bob@example.com"}},
		})
	if err != nil {
		t.Fatal(err)
	}
	if res.Users != 2 || res.Independent != 1 || res.Groups != 1 || res.Merged != 1 || res.Members != 3 {
		t.Errorf("result %+v", res)
	}
	app, err := db.AppSideMembers(ctx, "g0")
	if err != nil || !slices.Equal(memberIDs(app), slices.Sorted(slices.Values([]string{res.UserIDs["ann@example.com"], "u0"}))) {
		t.Errorf("app-side members of the merged group %v %v: the seeded member and the existing one it names", memberIDs(app), err)
	}
	g0, _ := db.GetGroup(ctx, "g0")
	if g0.Version != 2 {
		t.Errorf("the merged group's version %d: its members changed", g0.Version)
	}
	if ok, _ := db.IsIndependentAccount(ctx, "INDIE@example.com"); !ok {
		t.Error("independent account not found ignoring case")
	}
	if _, page, _ := db.Search(ctx, Query{Kind: KindUser, Count: -1}); len(page) != 3 {
		t.Errorf("SCIM sees %d users; independent accounts are not the organisation's", len(page))
	}
	err = db.CreateUser(ctx, &Resource{Doc: []byte(`{"userName":"Indie@Example.com"}`)})
	if !errors.Is(err, ErrIndependentAccount) || !errors.Is(err, ErrConflict) {
		t.Errorf("creating an independent account's userName: %v", err)
	}

	// All or nothing, and the failing item is named.
	_, err = db.Seed(ctx, [][]byte{[]byte(`{"userName":"carl@example.com"}`), []byte(`{"userName":"ann@example.com"}`)}, nil, nil)
	var se *SeedError
	if !errors.As(err, &se) || se.Part != "users" || se.Index != 1 || !errors.Is(err, ErrConflict) {
		t.Fatalf("duplicate userName: %v", err)
	}
	_, err = db.Seed(ctx, nil, nil, []SeedGroup{{Doc: []byte(`{"displayName":"X"}`), Members: []string{"nobody@example.com"}}})
	if !errors.As(err, &se) || se.Part != "groups" || se.Index != 0 || !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown member: %v", err)
	}
	_, err = db.Seed(ctx, [][]byte{[]byte(`{"userName":"indie@example.com"}`)}, nil, nil)
	if !errors.As(err, &se) || !errors.Is(err, ErrConflict) {
		t.Fatalf("a user with an independent account's userName: %v", err)
	}
	if _, page, _ := db.Search(ctx, Query{Kind: KindUser, Count: -1}); len(page) != 3 {
		t.Errorf("failed seeds stored something: %d users", len(page))
	}
}

func TestDeleteGroupDeactivating(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	for _, u := range []string{"only", "both", "app", "inactive"} {
		createUser(t, db, u, `{"userName":"`+u+`@example.com","active":`+map[bool]string{true: "true", false: "false"}[u != "inactive"]+`}`)
	}
	createGroup(t, db, "g1", `{"displayName":"One"}`, "only", "both", "inactive")
	createGroup(t, db, "g2", `{"displayName":"Two"}`, "both")
	if _, err := db.Seed(ctx, nil, nil, []SeedGroup{{Doc: []byte(`{"displayName":"One"}`), Members: []string{"app@example.com"}}}); err != nil {
		t.Fatal(err)
	}
	got, err := db.DeleteGroupDeactivating(ctx, "g1", 0)
	if err != nil || !slices.Equal(got, []string{"only"}) {
		t.Fatalf("deactivated %v %v: only the user in no other group, not the app-side member, not one already inactive", got, err)
	}
	for id, active := range map[string]bool{"only": false, "both": true, "app": true} {
		if r, _ := db.GetUser(ctx, id); r.Active != active {
			t.Errorf("%s active %t, want %t", id, r.Active, active)
		}
	}
	if _, err := db.GetGroup(ctx, "g1"); !errors.Is(err, ErrNotFound) {
		t.Errorf("group still there: %v", err)
	}
	if _, err := db.DeleteGroupDeactivating(ctx, "g2", 7); !errors.Is(err, ErrPreconditionFailed) {
		t.Errorf("stale version: %v", err)
	}
	if r, _ := db.GetUser(ctx, "both"); !r.Active {
		t.Error("a refused delete deactivated someone")
	}
}

func TestExistingUsers(t *testing.T) {
	db := openTest(t)
	createUser(t, db, "u1", `{"userName":"a@example.com"}`)
	got, err := db.ExistingUsers(context.Background(), []string{"u1", "u2", "x'); DROP TABLE users;--"})
	if err != nil || !got["u1"] || got["u2"] || len(got) != 1 {
		t.Errorf("%v %v", got, err)
	}
}

func TestResetLab(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	createUser(t, db, "u1", `{"userName":"a@example.com"}`)
	createUser(t, db, "u2", `{"userName":"b@example.com"}`)
	createGroup(t, db, "g1", `{"displayName":"G"}`, "u1")
	if err := db.DeleteUser(ctx, "u2", 0); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Seed(ctx, nil, [][]byte{[]byte(`{"userName":"i@example.com"}`)}, nil); err != nil {
		t.Fatal(err)
	}
	if err := db.AppendAppAction(ctx, &AppAction{Action: "delete-user", ResourceType: "User", ResourceID: "u2", Name: "b@example.com"}); err != nil {
		t.Fatal(err)
	}
	if err := db.AppendRequests(ctx, []*exchange.Record{{Method: "GET", Path: "/scim/v2/Users", Status: 200}}); err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]string{"scim.token": "tok", "profile": "thinglink", "walkthrough.okta": "{}", "walkthrough.entra": "{}"} {
		if err := db.SetSetting(ctx, k, v); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.ResetLab(ctx, "walkthrough."); err != nil {
		t.Fatal(err)
	}
	if err := db.ClearRequests(ctx); err != nil {
		t.Fatal(err)
	}
	if _, page, _ := db.Search(ctx, Query{Kind: KindUser, Count: -1}); len(page) != 0 {
		t.Errorf("users left: %d", len(page))
	}
	if _, page, _ := db.Search(ctx, Query{Kind: KindGroup, Count: -1}); len(page) != 0 {
		t.Errorf("groups left: %d", len(page))
	}
	for _, k := range []Kind{KindUser, KindGroup} {
		if ts, _ := db.Tombstones(ctx, k, "", 0); len(ts) != 0 {
			t.Errorf("%s tombstones left: %v (the reset's own deletes leave none)", k, ts)
		}
	}
	if as, _ := db.AppActions(ctx, "", "", 0); len(as) != 0 {
		t.Errorf("app actions left: %v", as)
	}
	if ia, _ := db.IndependentAccounts(ctx, "", 0); len(ia) != 0 {
		t.Errorf("independent accounts left: %v", ia)
	}
	if rs, _ := db.ListRequests(ctx, 0, 0); len(rs) != 0 {
		t.Errorf("requests left: %d", len(rs))
	}
	if next, _ := db.NextRequestSeq(ctx); next != 2 {
		t.Errorf("next request number %d: numbers are never reused", next)
	}
	for k, want := range map[string]bool{"scim.token": true, "profile": true, "walkthrough.okta": false, "walkthrough.entra": false} {
		if _, ok, _ := db.Setting(ctx, k); ok != want {
			t.Errorf("setting %s kept %t, want %t", k, ok, want)
		}
	}
}

func TestAppActions(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	for _, a := range []AppAction{
		{Action: "deactivate-user", ResourceType: "User", ResourceID: "u1", Name: "a@example.com"},
		{Action: "seed", Detail: "2 users"},
		{Action: "reactivate-user", ResourceType: "User", ResourceID: "u1", Name: "a@example.com"},
	} {
		if err := db.AppendAppAction(ctx, &a); err != nil || a.Seq == 0 || a.Time.IsZero() {
			t.Fatalf("%+v %v", a, err)
		}
	}
	mine, err := db.AppActions(ctx, KindUser, "u1", 0)
	if err != nil || len(mine) != 2 || mine[0].Action != "reactivate-user" || mine[1].Action != "deactivate-user" {
		t.Errorf("actions on u1, newest first: %+v %v", mine, err)
	}
	if all, _ := db.AppActions(ctx, "", "", 2); len(all) != 2 || all[0].Action != "reactivate-user" {
		t.Errorf("latest two: %+v", all)
	}
}

func TestRequestEffectsRoundTrip(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	in := &exchange.Record{Method: "DELETE", Path: "/scim/v2/Users/u1", Status: 204, Profile: "thinglink",
		Effects: []exchange.Effect{{Kind: exchange.EffectKeptInactive}, {Kind: exchange.EffectAttributeDropped, Detail: "title"}}}
	if err := db.AppendRequests(ctx, []*exchange.Record{in}); err != nil {
		t.Fatal(err)
	}
	got, err := db.GetRequest(ctx, in.Seq)
	if err != nil || got.Profile != "thinglink" || !slices.Equal(got.Effects, in.Effects) {
		t.Errorf("read back %+v %v", got, err)
	}
	listed, _ := db.ListRequests(ctx, 0, 1)
	if len(listed) != 1 || len(listed[0].Effects) != 2 {
		t.Errorf("listing lost the effects: %+v", listed)
	}
}
