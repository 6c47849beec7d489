package store

import (
	"context"
	"strings"
	"testing"

	"github.com/scimlab/scimlab/exchange"
)

// A resource's history lists the requests that addressed it and those that named it
// as related (a group PATCH adding the user, a duplicate create colliding with it);
// related resources come back with the record, and go when the log is pruned.
func TestHistoryIncludesRelatedRequests(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	user := func(id string) exchange.ResourceRef { return exchange.ResourceRef{Type: "User", ID: id} }
	recs := []*exchange.Record{
		{Method: "POST", Path: "/scim/v2/Users", Status: 201, ResourceType: "User", ResourceID: "alice"},
		{Method: "PATCH", Path: "/scim/v2/Groups/g1", Status: 204, ResourceType: "Group", ResourceID: "g1",
			Related: []exchange.ResourceRef{user("alice"), user("bob"), user("alice"), {Type: "Group", ID: "g1"}}},
		{Method: "POST", Path: "/scim/v2/Users", Status: 409, ResourceType: "User", Related: []exchange.ResourceRef{user("alice")}},
		{Method: "GET", Path: "/scim/v2/Users/bob", Status: 200, ResourceType: "User", ResourceID: "bob"},
	}
	if err := db.AppendRequests(ctx, recs); err != nil {
		t.Fatal(err)
	}
	seqsOf := func(rs []*exchange.Record) []int64 {
		var out []int64
		for _, r := range rs {
			out = append(out, r.Seq)
		}
		return out
	}
	hist, err := db.RequestsForResource(ctx, KindUser, "alice", 0)
	if err != nil {
		t.Fatal(err)
	}
	if got := seqsOf(hist); len(got) != 3 || got[0] != 3 || got[1] != 2 || got[2] != 1 {
		t.Fatalf("alice's history: %v, want [3 2 1]", got)
	}
	if r := hist[1]; len(r.Related) != 2 || r.Related[0] != user("alice") || r.Related[1] != user("bob") {
		t.Errorf("the group PATCH's related resources: %v, want alice and bob once each, not the group itself", r.Related)
	}
	if hist, _ := db.RequestsForResource(ctx, KindUser, "bob", 1); len(hist) != 1 || hist[0].Seq != 4 {
		t.Errorf("bob's newest request: %v", seqsOf(hist))
	}
	if hist, _ := db.RequestsForResource(ctx, KindGroup, "g1", 0); len(hist) != 1 || hist[0].Seq != 2 {
		t.Errorf("g1's history: %v", seqsOf(hist))
	}
	got, err := db.GetRequest(ctx, 3)
	if err != nil || len(got.Related) != 1 || got.Related[0] != user("alice") {
		t.Errorf("GetRequest(3).Related = %v, %v", got.Related, err)
	}
	if _, err := db.PruneRequests(ctx, 1, 0); err != nil {
		t.Fatal(err)
	}
	var left int
	if err := db.log.r.QueryRowContext(ctx, `SELECT count(*) FROM request_related`).Scan(&left); err != nil || left != 0 {
		t.Errorf("related rows after pruning their requests: %d %v", left, err)
	}
}

// The history query stays an index lookup, however long the log is.
func TestHistoryQueryUsesIndexes(t *testing.T) {
	db := openTest(t)
	rows, err := db.log.r.QueryContext(context.Background(), `EXPLAIN QUERY PLAN SELECT seq FROM requests `+historyWhere,
		"User", "x", "User", "x")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, notUsed int
		var detail string
		if err := rows.Scan(&id, &parent, &notUsed, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	for _, step := range plan {
		if strings.HasPrefix(step, "SCAN") {
			t.Errorf("the history query scans a table: %q", plan)
		}
	}
}
