package store

import (
	"context"
	"database/sql"
	"strings"
	"testing"
)

// TestQueryPlansUseIndexes proves the lookups identity providers make on
// every sync are index searches, not table scans.
func TestQueryPlansUseIndexes(t *testing.T) {
	db := searchFixture(t)
	tests := []struct {
		name  string
		q     Query
		want  []string // each must appear in the plan
		table string   // must never be scanned
	}{
		{
			name:  "userName eq, case-insensitive",
			q:     Query{Kind: KindUser, Where: cmp(f("userName"), "eq", "Alice")},
			want:  []string{"SEARCH users USING INDEX users_user_name (user_name=?)"},
			table: "users",
		},
		{
			name:  "userName eq, case-exact still uses the NOCASE index",
			q:     Query{Kind: KindUser, Where: cmp(fx("userName"), "eq", "alice")},
			want:  []string{"SEARCH users USING INDEX users_user_name (user_name=?)"},
			table: "users",
		},
		{
			name:  "externalId eq",
			q:     Query{Kind: KindUser, Where: cmp(fx("externalId"), "eq", "ext-1")},
			want:  []string{"SEARCH users USING INDEX users_external_id (external_id=?)"},
			table: "users",
		},
		{
			name:  "user displayName eq",
			q:     Query{Kind: KindUser, Where: cmp(f("displayName"), "eq", "alice liddell")},
			want:  []string{"SEARCH users USING INDEX users_display_name (display_name=?)"},
			table: "users",
		},
		{
			name:  "id eq",
			q:     Query{Kind: KindUser, Where: cmp(fx("id"), "eq", "u1")},
			want:  []string{"SEARCH users USING INDEX sqlite_autoindex_users_1 (id=?)"},
			table: "users",
		},
		{
			name:  "group displayName eq",
			q:     Query{Kind: KindGroup, Where: cmp(f("displayName"), "eq", "admins")},
			want:  []string{"SEARCH groups USING INDEX groups_display_name (display_name=?)"},
			table: "groups",
		},
		{
			name: "members[value eq]",
			q:    Query{Kind: KindGroup, Where: CondAny{[]string{"members"}, cmp(fx("value"), "eq", "u1")}},
			want: []string{
				"SEARCH groups USING INDEX sqlite_autoindex_groups_1 (id=?)",
				"SEARCH memberships USING COVERING INDEX memberships_user (user_id=?)",
			},
			table: "groups",
		},
		{
			name: "members.value eq",
			q:    Query{Kind: KindGroup, Where: cmp(fx("members", "value"), "eq", "u1")},
			want: []string{
				"SEARCH groups USING INDEX sqlite_autoindex_groups_1 (id=?)",
				"SEARCH memberships USING COVERING INDEX memberships_user (user_id=?)",
			},
			table: "groups",
		},
		{
			name:  "id eq, caseExact not set",
			q:     Query{Kind: KindUser, Where: cmp(f("id"), "eq", "u1")},
			want:  []string{"SEARCH users USING INDEX sqlite_autoindex_users_1 (id=?)"},
			table: "users",
		},
		{
			name: "members[value eq], caseExact not set",
			q:    Query{Kind: KindGroup, Where: CondAny{[]string{"members"}, cmp(f("value"), "eq", "u1")}},
			want: []string{
				"SEARCH groups USING INDEX sqlite_autoindex_groups_1 (id=?)",
				"SEARCH memberships USING COVERING INDEX memberships_user (user_id=?)",
			},
			table: "groups",
		},
		{
			name: "User groups.value eq",
			q:    Query{Kind: KindUser, Where: cmp(f("groups", "value"), "eq", "g1")},
			want: []string{
				"SEARCH users USING INDEX sqlite_autoindex_users_1 (id=?)",
				"SEARCH memberships USING PRIMARY KEY (group_id=?)",
			},
			table: "users",
		},
		{
			name:  "Entra: id eq and members[value eq]",
			q:     Query{Kind: KindGroup, Where: CondAnd{cmp(fx("id"), "eq", "g1"), CondAny{[]string{"members"}, cmp(fx("value"), "eq", "u1")}}},
			want:  []string{"SEARCH groups USING INDEX sqlite_autoindex_groups_1 (id=?)"},
			table: "groups",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.q.Count = 100
			c, err := compileQuery(tc.q)
			if err != nil {
				t.Fatal(err)
			}
			// The count query runs on every search too.
			for _, run := range []struct {
				sql  string
				args []any
			}{
				{c.pageSQL, append(append([]any{}, c.args...), 100, 0)},
				{c.countSQL, c.args[:c.whereArgs]},
			} {
				plan := explain(t, db.r, run.sql, run.args)
				for _, w := range tc.want {
					if run.sql == c.countSQL {
						// count(*) may read the same index without visiting rows.
						w = strings.Replace(w, "USING INDEX", "USING COVERING INDEX", 1)
					}
					if !strings.Contains(plan, w) {
						t.Errorf("plan lacks %q:\n%s\n%s", w, run.sql, plan)
					}
				}
				if strings.Contains(plan, "SCAN "+tc.table) || strings.Contains(plan, "SCAN memberships") {
					t.Errorf("plan scans a table:\n%s\n%s", run.sql, plan)
				}
			}
		})
	}
}

func explain(t *testing.T, pool *sql.DB, query string, args []any) string {
	t.Helper()
	rows, err := pool.QueryContext(context.Background(), "EXPLAIN QUERY PLAN "+query, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var id, parent, notused int
		var detail string
		if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
			t.Fatal(err)
		}
		b.WriteString(detail + "\n")
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}
