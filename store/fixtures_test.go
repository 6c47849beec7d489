package store

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"
)

// openTest opens a fresh database in t.TempDir with a clock that advances one
// second per call, so timestamps in tests are distinct and predictable.
func openTest(t testing.TB) *DB {
	t.Helper()
	db, err := Open(context.Background(), filepath.Join(t.TempDir(), "scimlab.db"))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	db.now = fakeClock(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), time.Second)
	return db
}

// fakeClock returns start, start+step, start+2*step, ... on successive calls.
func fakeClock(start time.Time, step time.Duration) func() time.Time {
	var mu sync.Mutex
	next := start
	return func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		t := next
		next = next.Add(step)
		return t
	}
}

func createUser(t testing.TB, db *DB, id, doc string) *Resource {
	t.Helper()
	r := &Resource{ID: id, Doc: []byte(doc)}
	if err := db.CreateUser(context.Background(), r); err != nil {
		t.Fatalf("CreateUser(%s): %v", doc, err)
	}
	return r
}

func createGroup(t testing.TB, db *DB, id, doc string, members ...string) *Resource {
	t.Helper()
	ms := make([]Member, len(members))
	for i, m := range members {
		ms[i] = Member{UserID: m}
	}
	r := &Resource{ID: id, Doc: []byte(doc)}
	if err := db.CreateGroup(context.Background(), r, ms); err != nil {
		t.Fatalf("CreateGroup(%s): %v", doc, err)
	}
	return r
}

func memberIDs(ms []Member) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.UserID
	}
	return out
}

func ids(rs []*Resource) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.ID
	}
	return out
}

func wantErr(t *testing.T, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("error = %v, want %v", err, want)
	}
}

func equalStrings(a, b []string) bool { return slices.Equal(a, b) }
