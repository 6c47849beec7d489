package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// An unfiltered list comes in creation order, which is rowid order. With LIMIT and
// OFFSET, SQLite steps over every row before the page, so Okta's import reaching the
// last page of 100k users stepped over 99,900 of them, and a full page needed a
// count(*) over the whole table for its total. rowOrder keeps the rowids of a kind in
// memory instead: the page starts at the rowid startIndex names (a keyset seek
// behind startIndex), and the total is the list's length.
//
// The list is read once, on first use, and then kept in step by the writes: each
// create and delete changes it after its commit (DB.writeThen), in commit order; a
// write that adds or removes rows in bulk (Seed, ResetLab) makes it forget the list,
// which is read again when next needed.
// Changes are idempotent (adding a rowid present, removing one absent, does
// nothing), so a change whose commit a first read already saw is harmless; the read
// holds the lock that changes take, so none is lost meanwhile.

// rowOrder is the creation order of one kind's rows.
type rowOrder struct {
	kind   Kind
	mu     sync.RWMutex
	loaded bool
	rowids []int64 // ascending
}

// ensure reads the rowids the first time the order is needed.
func (o *rowOrder) ensure(ctx context.Context, db *DB) error {
	o.mu.RLock()
	loaded := o.loaded
	o.mu.RUnlock()
	if loaded {
		return nil
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.loaded {
		return nil
	}
	// One row holding every rowid as text, in whatever order the planner finds
	// cheapest (it reads the narrowest index), sorted here: a row per rowid, or
	// SQLite's ORDER BY over the table, took three to ten times as long at 100k users.
	var list sql.NullString
	err := db.r.QueryRowContext(ctx, "SELECT group_concat(rowid, ',') FROM "+tableOf(o.kind)).Scan(&list)
	if err != nil {
		return fmt.Errorf("store: read the order of %ss: %w", o.kind, err)
	}
	var ids []int64
	if list.Valid {
		ids = make([]int64, 0, strings.Count(list.String, ",")+1)
		for f := range strings.SplitSeq(list.String, ",") {
			id, err := strconv.ParseInt(f, 10, 64)
			if err != nil {
				return fmt.Errorf("store: read the order of %ss: %w", o.kind, err)
			}
			ids = append(ids, id)
		}
		slices.Sort(ids)
	}
	o.rowids, o.loaded = ids, true
	return nil
}

// added records a created row. New rows get the highest rowid, so this appends.
func (o *rowOrder) added(rowid int64) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if !o.loaded {
		return
	}
	n := len(o.rowids)
	if n == 0 || o.rowids[n-1] < rowid {
		o.rowids = append(o.rowids, rowid)
		return
	}
	if i, found := slices.BinarySearch(o.rowids, rowid); !found {
		o.rowids = slices.Insert(o.rowids, i, rowid)
	}
}

// removed records a deleted row.
func (o *rowOrder) removed(rowid int64) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if !o.loaded {
		return
	}
	if i, found := slices.BinarySearch(o.rowids, rowid); found {
		o.rowids = slices.Delete(o.rowids, i, i+1)
	}
}

// forget drops the list after a write that added or removed rows in bulk (a seed,
// a reset): the next use reads it again.
func (o *rowOrder) forget() {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.loaded, o.rowids = false, nil
}

// seek returns the number of rows and the rowid of the row at 1-based position
// start; ok is false when start is past the end.
func (o *rowOrder) seek(start int) (total int, rowid int64, ok bool) {
	o.mu.RLock()
	defer o.mu.RUnlock()
	total = len(o.rowids)
	if start > total {
		return total, 0, false
	}
	return total, o.rowids[start-1], true
}
