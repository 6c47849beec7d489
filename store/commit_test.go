package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"
)

// Writes queued while a commit is under way share the next one; each still applies
// completely or not at all: a failing write and a panicking one are rolled back
// alone, the others commit.
func TestWritesShareACommitAndFailAlone(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	set := func(key string) func(tx *sql.Tx) error {
		return func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES (?, 'v')`, key)
			return err
		}
	}
	release, running := make(chan struct{}), make(chan struct{})
	first := make(chan error, 1)
	go func() {
		// Holds the writer until the others are queued behind it.
		first <- db.commits.write(func(tx *sql.Tx) error {
			close(running)
			<-release
			return set("first")(tx)
		}, nil)
	}()
	<-running
	errFail := errors.New("refused")
	ops := []func(tx *sql.Tx) error{
		set("a"),
		func(tx *sql.Tx) error {
			if err := set("b")(tx); err != nil {
				return err
			}
			return errFail
		},
		func(tx *sql.Tx) error {
			if err := set("c")(tx); err != nil {
				return err
			}
			panic("callback bug")
		},
		set("a"), // a duplicate key: fails alone
		set("d"),
	}
	results := make([]any, len(ops))
	var wg sync.WaitGroup
	for i, op := range ops {
		wg.Go(func() {
			defer func() {
				if p := recover(); p != nil {
					results[i] = fmt.Sprint("panic: ", p)
				}
			}()
			results[i] = db.commits.write(op, nil)
		})
		// In order, so the duplicate comes after the first "a".
		for len(db.commits.ops) != i+1 {
			time.Sleep(time.Millisecond)
		}
	}
	close(release)
	wg.Wait()
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	if results[0] != nil || results[1] != errFail || results[2] != "panic: callback bug" || !isUniqueViolation(results[3].(error)) || results[4] != nil {
		t.Fatalf("results %v", results)
	}
	rows, err := db.r.QueryContext(ctx, `SELECT key FROM settings ORDER BY key`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var keys []string
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			t.Fatal(err)
		}
		keys = append(keys, k)
	}
	if !slices.Equal(keys, []string{"a", "d", "first"}) {
		t.Fatalf("stored %v, want a, d and first: the failed and panicking writes rolled back alone", keys)
	}
	if w := db.writes.Load(); w != 3 {
		t.Fatalf("%d writes counted, want the 3 committed", w)
	}
}

// A write that panics alone in its transaction panics in its caller and leaves
// nothing behind; the store goes on.
func TestWritePanicReachesTheCaller(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	func() {
		defer func() {
			if p := recover(); p != "boom" {
				t.Fatalf("recovered %v, want the callback's panic", p)
			}
		}()
		_ = db.write(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES ('k', 'v')`); err != nil {
				return err
			}
			panic("boom")
		})
	}()
	if _, ok, err := db.Setting(ctx, "k"); err != nil || ok {
		t.Fatalf("the panicking write left its row (%v, %v)", ok, err)
	}
	if err := db.SetSetting(ctx, "k", "v"); err != nil {
		t.Fatalf("a write after the panic: %v", err)
	}
}

func TestWriteAfterClose(t *testing.T) {
	db, err := Open(context.Background(), filepath.Join(t.TempDir(), "closed.db"))
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if err := db.SetSetting(context.Background(), "k", "v"); !errors.Is(err, errClosed) {
		t.Fatalf("write after Close: %v, want errClosed", err)
	}
}
