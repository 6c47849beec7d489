package store

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/scimlab/scimlab/exchange"
)

// labForDump is a small lab: two users, a group with both, a second empty group, three
// requests (one Entra failure), a token and a walkthrough setting.
func labForDump(t *testing.T) *DB {
	t.Helper()
	ctx := context.Background()
	db := openTest(t)
	createUser(t, db, "u1", `{"userName":"alice@example.com","active":true,"name":{"givenName":"Alice"}}`)
	createUser(t, db, "u2", `{"userName":"bob@example.com","active":false}`)
	createGroup(t, db, "g1", `{"displayName":"Sales"}`, "u1", "u2")
	createGroup(t, db, "g2", `{"displayName":"Empty","externalId":"x-2"}`)
	if err := db.SetBearerToken(ctx, "secret-token"); err != nil {
		t.Fatal(err)
	}
	if err := db.SetSetting(ctx, "walkthrough.okta", `{"steps":[]}`); err != nil {
		t.Fatal(err)
	}
	base := time.Date(2024, 3, 1, 10, 0, 0, 0, time.UTC)
	recs := []*exchange.Record{
		{Time: base, Method: "GET", Path: "/scim/v2/Users", Status: 200, RespBody: []byte(`{"Resources":[]}`),
			Annotation: exchange.Annotation{IdP: exchange.Okta}},
		{Time: base.Add(time.Minute), Method: "POST", Path: "/scim/v2/Users", Status: 409, ReqBody: []byte(`{"userName":"alice@example.com"}`),
			ReqHeaders: http.Header{"Content-Type": {"application/scim+json"}}, ResourceType: "User",
			Related:    []exchange.ResourceRef{{Type: "User", ID: "u1"}},
			Annotation: exchange.Annotation{IdP: exchange.Entra, Failed: true}},
		{Time: base.Add(2 * time.Minute), Method: "PATCH", Path: "/scim/v2/Groups/g1", Status: 204, ResourceType: "Group", ResourceID: "g1",
			Annotation: exchange.Annotation{IdP: exchange.Entra}},
	}
	if err := db.AppendRequests(ctx, recs); err != nil {
		t.Fatal(err)
	}
	return db
}

func TestSettingsAndCount(t *testing.T) {
	db := labForDump(t)
	ctx := context.Background()
	got, err := db.Settings(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"scim.token": "secret-token", "walkthrough.okta": `{"steps":[]}`}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Settings = %v, want %v", got, want)
	}
	c, err := db.Count(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if c != (Counts{Users: 2, Groups: 2, Memberships: 2, Requests: 3}) {
		t.Errorf("Count = %+v", c)
	}
}

func TestEachResourceAndMembership(t *testing.T) {
	db := labForDump(t)
	ctx := context.Background()
	var users []string
	if err := db.EachResource(ctx, KindUser, func(r *Resource) error {
		users = append(users, r.ID+"="+r.UserName)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(users, []string{"u1=alice@example.com", "u2=bob@example.com"}) {
		t.Errorf("users %v", users)
	}
	var groups []string
	if err := db.EachResource(ctx, KindGroup, func(r *Resource) error {
		groups = append(groups, r.ID+"="+r.DisplayName)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(groups, []string{"g1=Sales", "g2=Empty"}) {
		t.Errorf("groups %v", groups)
	}
	var ms []string
	if err := db.EachMembership(ctx, func(m Membership) error {
		ms = append(ms, m.GroupID+"/"+m.UserID)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ms, []string{"g1/u1", "g1/u2"}) {
		t.Errorf("memberships %v", ms)
	}
	stop := errors.New("stop")
	n := 0
	err := db.EachResource(ctx, KindUser, func(*Resource) error { n++; return stop })
	if !errors.Is(err, stop) || n != 1 {
		t.Errorf("a callback error: got %v after %d calls, want it returned after 1", err, n)
	}
}

func TestEachRequestFilters(t *testing.T) {
	db := labForDump(t)
	ctx := context.Background()
	since := time.Date(2024, 3, 1, 10, 1, 0, 0, time.UTC)
	for _, tc := range []struct {
		name string
		f    RequestFilter
		want []int64
	}{
		{"all", RequestFilter{}, []int64{1, 2, 3}},
		{"up to", RequestFilter{UpToSeq: 2}, []int64{1, 2}},
		{"since", RequestFilter{Since: since}, []int64{2, 3}},
		{"entra", RequestFilter{OnlyIdP: true, IdP: exchange.Entra}, []int64{2, 3}},
		{"unknown", RequestFilter{OnlyIdP: true, IdP: exchange.Unknown}, nil},
		{"failed", RequestFilter{Failed: true}, []int64{2}},
		{"okta failed", RequestFilter{Failed: true, OnlyIdP: true, IdP: exchange.Okta}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []int64
			err := db.EachRequest(ctx, tc.f, func(r *exchange.Record) error {
				got = append(got, r.Seq)
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("seqs %v, want %v", got, tc.want)
			}
			n, newest, err := db.CountRequests(ctx, tc.f)
			if err != nil {
				t.Fatal(err)
			}
			if n != int64(len(tc.want)) || newest != 3 {
				t.Errorf("CountRequests = %d, %d; want %d, 3", n, newest, len(tc.want))
			}
		})
	}
	// Bodies, headers and related resources come with each request.
	var second *exchange.Record
	if err := db.EachRequest(ctx, RequestFilter{Failed: true}, func(r *exchange.Record) error { second = r; return nil }); err != nil {
		t.Fatal(err)
	}
	if string(second.ReqBody) != `{"userName":"alice@example.com"}` || second.ReqHeaders.Get("Content-Type") != "application/scim+json" ||
		!slices.Equal(second.Related, []exchange.ResourceRef{{Type: "User", ID: "u1"}}) {
		t.Errorf("request #2 came without its details: %+v", second)
	}
}

// TestEachRequestBatches walks more requests than one batch, so the related resources
// of every batch are looked up while the walk's rows are still open.
func TestEachRequestBatches(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	n := eachRequestBatch*2 + 7
	recs := make([]*exchange.Record, n)
	for i := range recs {
		recs[i] = &exchange.Record{Method: "DELETE", Path: "/scim/v2/Groups/g", Status: 204,
			Related: []exchange.ResourceRef{{Type: "User", ID: "u" + string(rune('a'+i%26))}}}
	}
	if err := db.AppendRequests(ctx, recs); err != nil {
		t.Fatal(err)
	}
	var seen int
	err := db.EachRequest(ctx, RequestFilter{}, func(r *exchange.Record) error {
		seen++
		if r.Seq != int64(seen) || len(r.Related) != 1 || r.Related[0].ID != "u"+string(rune('a'+(seen-1)%26)) {
			t.Fatalf("request %d: seq %d related %v", seen, r.Seq, r.Related)
		}
		return nil
	})
	if err != nil || seen != n {
		t.Fatalf("walked %d of %d requests: %v", seen, n, err)
	}
}

func TestRestoreKeepsIdsVersionsAndTimes(t *testing.T) {
	src := labForDump(t)
	ctx := context.Background()
	// A replaced user has version 2 and a later lastModified than its creation.
	if _, err := src.ReplaceUser(ctx, "u2", 0, func(cur *Resource) (*Resource, error) {
		cur.Doc = []byte(`{"userName":"bob@example.com","active":true}`)
		return cur, nil
	}); err != nil {
		t.Fatal(err)
	}
	var snap Snapshot
	if err := src.EachResource(ctx, KindUser, func(r *Resource) error { snap.Users = append(snap.Users, r); return nil }); err != nil {
		t.Fatal(err)
	}
	if err := src.EachResource(ctx, KindGroup, func(r *Resource) error { snap.Groups = append(snap.Groups, r); return nil }); err != nil {
		t.Fatal(err)
	}
	if err := src.EachMembership(ctx, func(m Membership) error {
		snap.Memberships = append(snap.Memberships, m)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	var err error
	if snap.Settings, err = src.Settings(ctx); err != nil {
		t.Fatal(err)
	}

	dst := openTest(t)
	if err := dst.Restore(ctx, snap); err != nil {
		t.Fatal(err)
	}
	// Each resource reads back as it reads in the source, a user with its groups.
	get := func(db *DB, r *Resource) *Resource {
		t.Helper()
		var got *Resource
		if r.Kind == KindUser {
			got, err = db.GetUser(ctx, r.ID)
		} else {
			got, err = db.GetGroup(ctx, r.ID)
		}
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	for _, r := range append(append([]*Resource{}, snap.Users...), snap.Groups...) {
		if got, want := get(dst, r), get(src, r); !reflect.DeepEqual(got, want) {
			t.Errorf("restored %s %s:\n got %+v\nwant %+v", r.Kind, r.ID, got, want)
		}
	}
	if u2, _ := dst.GetUser(ctx, "u2"); u2.Version != 2 || !u2.LastModified.After(u2.Created) {
		t.Errorf("u2 restored at version %d, created %v, modified %v", u2.Version, u2.Created, u2.LastModified)
	}
	ms, err := dst.Members(ctx, "g1", 10)
	if err != nil || !slices.Equal(memberIDs(ms), []string{"u1", "u2"}) {
		t.Errorf("members of g1: %v, %v", memberIDs(ms), err)
	}
	if tok, _ := dst.BearerToken(ctx); tok != "secret-token" {
		t.Errorf("token %q", tok)
	}

	// A second restore conflicts and writes nothing.
	extra := snap
	extra.Settings = map[string]string{"new.key": "v"}
	if err := dst.Restore(ctx, extra); !errors.Is(err, ErrConflict) {
		t.Errorf("restoring over existing resources: %v, want ErrConflict", err)
	}
	if _, ok, _ := dst.Setting(ctx, "new.key"); ok {
		t.Error("a failed restore wrote a setting")
	}
}

func TestRestoreRefusesMembershipOfUnknownGroup(t *testing.T) {
	db := openTest(t)
	err := db.Restore(context.Background(), Snapshot{Memberships: []Membership{{GroupID: "nope", Member: Member{UserID: "u"}}}})
	if !errors.Is(err, ErrNotFound) {
		t.Errorf("got %v, want ErrNotFound", err)
	}
}

func TestFilesAndUsage(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "lab.db")
	logPath := filepath.Join(dir, "lab.log.db")
	want := []string{path, path + "-wal", path + "-shm", logPath, logPath + "-wal", logPath + "-shm", path + ".lock"}
	if got := Files(path); !slices.Equal(got, want) {
		t.Errorf("Files = %v, want %v", got, want)
	}
	if u, err := Usage(path); err != nil || u != (FileUsage{}) {
		t.Errorf("Usage of a missing lab = %+v, %v", u, err)
	}
	db, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	l, err := AcquireLock(path, Holder{PID: 1})
	if err != nil {
		t.Fatal(err)
	}
	u, err := Usage(path)
	if err != nil {
		t.Fatal(err)
	}
	var total int64
	for _, f := range Files(path) {
		if fi, err := os.Stat(f); err == nil {
			total += fi.Size()
		}
	}
	if u.Bytes != total || u.Bytes == 0 || u.Modified.IsZero() {
		t.Errorf("Usage = %+v, files total %d", u, total)
	}
	l.Release()
	db.Close()
}

// TestRestoreAppSideState carries what the app holds besides the IdP's resources: a
// membership the app's admin added, the tombstone of a deleted user, the admin's
// actions with their numbers, and an independent account.
func TestRestoreAppSideState(t *testing.T) {
	ctx := context.Background()
	src := openTest(t)
	createUser(t, src, "u1", `{"userName":"alice@example.com"}`)
	createUser(t, src, "u2", `{"userName":"bob@example.com"}`)
	createGroup(t, src, "g1", `{"displayName":"Sales"}`, "u1")
	if _, err := src.Seed(ctx, nil, [][]byte{[]byte(`{"userName":"carol@partner.example","displayName":"Carol"}`)},
		[]SeedGroup{{Doc: []byte(`{"displayName":"Sales"}`), Members: []string{"bob@example.com"}}}); err != nil {
		t.Fatal(err)
	}
	if err := src.DeleteUser(ctx, "u1", 0); err != nil {
		t.Fatal(err)
	}
	if err := src.AppendAppAction(ctx, &AppAction{Action: "delete-user", ResourceType: "User", ResourceID: "u1", Name: "alice@example.com"}); err != nil {
		t.Fatal(err)
	}
	var snap Snapshot
	src.EachResource(ctx, KindUser, func(r *Resource) error { snap.Users = append(snap.Users, r); return nil })
	src.EachResource(ctx, KindGroup, func(r *Resource) error { snap.Groups = append(snap.Groups, r); return nil })
	src.EachMembership(ctx, func(m Membership) error { snap.Memberships = append(snap.Memberships, m); return nil })
	var err error
	if snap.Tombstones, err = src.Tombstones(ctx, KindUser, "", 0); err != nil {
		t.Fatal(err)
	}
	if snap.AppActions, err = src.AppActions(ctx, KindUser, "", 0); err != nil {
		t.Fatal(err)
	}
	if snap.Independent, err = src.IndependentAccounts(ctx, "", 0); err != nil {
		t.Fatal(err)
	}
	if len(snap.Tombstones) != 1 || len(snap.AppActions) != 1 || len(snap.Independent) != 1 || len(snap.Memberships) != 1 || !snap.Memberships[0].AppSide {
		t.Fatalf("the source lab holds %+v", snap)
	}

	dst := openTest(t)
	if err := dst.Restore(ctx, snap); err != nil {
		t.Fatal(err)
	}
	var ms []Membership
	dst.EachMembership(ctx, func(m Membership) error { ms = append(ms, m); return nil })
	ts, _ := dst.Tombstones(ctx, KindUser, "", 0)
	as, _ := dst.AppActions(ctx, KindUser, "", 0)
	ias, _ := dst.IndependentAccounts(ctx, "", 0)
	if !reflect.DeepEqual(ms, snap.Memberships) || !reflect.DeepEqual(ts, snap.Tombstones) ||
		!reflect.DeepEqual(as, snap.AppActions) || !reflect.DeepEqual(ias, snap.Independent) {
		t.Errorf("restored:\n%+v\n%+v\n%+v\n%+v\nwant %+v", ms, ts, as, ias, snap)
	}
}

// A restore adds rows in bulk: unfiltered pages of a lab open while it was restored
// (its creation orders read before) show every restored resource, with their total.
func TestRestoreShowsInUnfilteredPages(t *testing.T) {
	ctx := context.Background()
	src := openTest(t)
	var snap Snapshot
	for i := range 5 {
		createUser(t, src, fmt.Sprintf("u%d", i), fmt.Sprintf(`{"userName":"user%d@example.com"}`, i))
	}
	createGroup(t, src, "g1", `{"displayName":"Sales"}`, "u1")
	src.EachResource(ctx, KindUser, func(r *Resource) error { snap.Users = append(snap.Users, r); return nil })
	src.EachResource(ctx, KindGroup, func(r *Resource) error { snap.Groups = append(snap.Groups, r); return nil })

	dst := openTest(t)
	for _, kind := range []Kind{KindUser, KindGroup} {
		if n, _, err := dst.Search(ctx, Query{Kind: kind, Count: 10}); err != nil || n != 0 {
			t.Fatalf("a new lab lists %d %ss, %v", n, kind, err)
		}
	}
	if err := dst.Restore(ctx, snap); err != nil {
		t.Fatal(err)
	}
	for kind, want := range map[Kind][]string{KindUser: {"u0", "u1", "u2", "u3", "u4"}, KindGroup: {"g1"}} {
		var got []string
		total := 0
		for start := 1; start <= len(want); start += 2 {
			n, page, err := dst.Search(ctx, Query{Kind: kind, StartIndex: start, Count: 2})
			if err != nil {
				t.Fatal(err)
			}
			total = n
			for _, r := range page {
				got = append(got, r.ID)
			}
		}
		if total != len(want) || !slices.Equal(got, want) {
			t.Errorf("%ss after the restore: total %d, pages %v; want %v", kind, total, got, want)
		}
	}
}
