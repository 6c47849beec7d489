package store

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// Unfiltered pages come in creation order with the right total, whether the order
// was read before or after creates and deletes.
func TestUnfilteredPagesFollowCreatesAndDeletes(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	var want []string
	create := func(i int) {
		id := fmt.Sprintf("u%02d", i)
		createUser(t, db, id, fmt.Sprintf(`{"userName":"n%02d"}`, i))
		want = append(want, id)
	}
	remove := func(id string) {
		if err := db.DeleteUser(ctx, id, 0); err != nil {
			t.Fatal(err)
		}
		want = slices.DeleteFunc(want, func(s string) bool { return s == id })
	}
	check := func(when string) {
		t.Helper()
		var got []string
		for start := 1; ; start += 3 {
			total, page, err := db.Search(ctx, Query{Kind: KindUser, StartIndex: start, Count: 3})
			if err != nil {
				t.Fatal(err)
			}
			if total != len(want) {
				t.Fatalf("%s: total %d at startIndex %d, want %d", when, total, start, len(want))
			}
			if len(page) == 0 {
				break
			}
			for _, r := range page {
				got = append(got, r.ID)
			}
		}
		if !slices.Equal(got, want) {
			t.Fatalf("%s: pages %v, want %v", when, got, want)
		}
		if n, page, err := db.Search(ctx, Query{Kind: KindUser, Count: 0}); err != nil || n != len(want) || page != nil {
			t.Fatalf("%s: count only = %d, %v, %v", when, n, page, err)
		}
		if n, page, err := db.Search(ctx, Query{Kind: KindUser, StartIndex: len(want) + 5, Count: 3}); err != nil || n != len(want) || len(page) != 0 {
			t.Fatalf("%s: past the end = %d, %v, %v", when, n, page, err)
		}
		_, all, err := db.Search(ctx, Query{Kind: KindUser, StartIndex: 2, Count: -1})
		if err != nil || len(all) != max(len(want)-1, 0) {
			t.Fatalf("%s: every user from the second: %d, %v", when, len(all), err)
		}
	}
	for i := range 8 {
		create(i)
	}
	remove("u03")
	check("read after writes")
	remove("u00")
	remove("u07")
	create(8)
	create(9)
	check("kept in step")
	createGroup(t, db, "g1", `{"displayName":"G"}`, "u01")
	if n, page, err := db.Search(ctx, Query{Kind: KindGroup, Count: 10}); err != nil || n != 1 || len(page) != 1 {
		t.Fatalf("groups: %d, %d, %v", n, len(page), err)
	}
	if err := db.DeleteGroup(ctx, "g1", 0); err != nil {
		t.Fatal(err)
	}
	if n, _, err := db.Search(ctx, Query{Kind: KindGroup, Count: 10}); err != nil || n != 0 {
		t.Fatalf("groups after delete: %d, %v", n, err)
	}
}

// A refused write changes nothing, in the file or in the order.
func TestOrderIgnoresFailedWrites(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	createUser(t, db, "u1", `{"userName":"a"}`)
	if n, _, _ := db.Search(ctx, Query{Kind: KindUser, Count: 10}); n != 1 {
		t.Fatalf("total %d", n)
	}
	if err := db.CreateUser(ctx, &Resource{ID: "u2", Doc: []byte(`{"userName":"A"}`)}); err == nil {
		t.Fatal("a taken userName was accepted")
	}
	wantErr(t, db.DeleteUser(ctx, "u1", 9), ErrPreconditionFailed)
	if n, page, _ := db.Search(ctx, Query{Kind: KindUser, Count: 10}); n != 1 || len(page) != 1 || page[0].ID != "u1" {
		t.Fatalf("after refused writes: total %d, page %v", n, page)
	}
}

// The page query seeks to its first row by rowid: no step over the rows before it.
func TestOrderedPageSeeks(t *testing.T) {
	db := openTest(t)
	plan := explain(t, db.r, "SELECT "+columnsOf(KindUser)+" FROM users WHERE rowid >= ? ORDER BY rowid LIMIT ?", []any{1, 10})
	if !strings.Contains(plan, "SEARCH users USING INTEGER PRIMARY KEY (rowid>?)") {
		t.Fatalf("plan:\n%s", plan)
	}
}
