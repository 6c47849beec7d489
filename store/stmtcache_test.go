package store

import (
	"context"
	"database/sql"
	"fmt"
	"testing"
)

// cachedTexts returns the statement texts one reader connection keeps prepared.
func cachedTexts(t *testing.T, db *DB, run func(c *sql.Conn)) int {
	t.Helper()
	ctx := context.Background()
	c, err := db.r.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	run(c)
	n := -1
	if err := c.Raw(func(dc any) error {
		n = len(dc.(*preparingConn).stmts)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestStatementsArePreparedOncePerConnection(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	createUser(t, db, "u1", `{"userName":"a"}`)
	createUser(t, db, "u2", `{"userName":"b"}`)
	n := cachedTexts(t, db, func(c *sql.Conn) {
		for range 50 {
			var name string
			if err := c.QueryRowContext(ctx, `SELECT user_name FROM users WHERE id = ?`, "u2").Scan(&name); err != nil || name != "b" {
				t.Fatalf("query: %q, %v", name, err)
			}
		}
	})
	if n != 1 {
		t.Fatalf("50 runs of one statement left %d cached statements, want 1", n)
	}
}

// The same text run while rows of it are still open gets a statement of its own.
func TestStatementInUseIsNotShared(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	for i := range 3 {
		createUser(t, db, fmt.Sprint("u", i), fmt.Sprintf(`{"userName":"n%d"}`, i))
	}
	const q = `SELECT id FROM users WHERE id >= ? ORDER BY id`
	cachedTexts(t, db, func(c *sql.Conn) {
		outer, err := c.QueryContext(ctx, q, "u0")
		if err != nil {
			t.Fatal(err)
		}
		defer outer.Close()
		var got []string
		for outer.Next() {
			var id string
			if err := outer.Scan(&id); err != nil {
				t.Fatal(err)
			}
			var inner []string
			rows, err := c.QueryContext(ctx, q, id)
			if err != nil {
				t.Fatal(err)
			}
			for rows.Next() {
				var x string
				if err := rows.Scan(&x); err != nil {
					t.Fatal(err)
				}
				inner = append(inner, x)
			}
			rows.Close()
			got = append(got, fmt.Sprint(id, inner))
		}
		if err := outer.Err(); err != nil {
			t.Fatal(err)
		}
		want := "[u0[u0 u1 u2] u1[u1 u2] u2[u2]]"
		if fmt.Sprint(got) != want {
			t.Fatalf("nested runs of one statement = %v, want %v", got, want)
		}
	})
}

// Past the bound, statements are evicted and still answer correctly.
func TestStatementCacheIsBounded(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	createUser(t, db, "u1", `{"userName":"a"}`)
	n := cachedTexts(t, db, func(c *sql.Conn) {
		for i := range maxCachedStatements + 40 {
			var one int
			q := fmt.Sprintf(`SELECT %d FROM users WHERE id = ?`, i)
			if err := c.QueryRowContext(ctx, q, "u1").Scan(&one); err != nil || one != i {
				t.Fatalf("statement %d: %d, %v", i, one, err)
			}
		}
	})
	if n != maxCachedStatements {
		t.Fatalf("%d cached statements, want the bound %d", n, maxCachedStatements)
	}
}
