package store

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
)

// When a user is deleted (Entra's hard delete), every user whose enterprise manager it
// was loses that manager in the same transaction, with a new version and lastModified;
// the rest of their document, and users managed by someone else, stay as they were.
func TestDeleteUserClearsManagerReferences(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	const ent = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	createUser(t, db, "boss", `{"userName":"boss"}`)
	createUser(t, db, "other", `{"userName":"other"}`)
	onlyManager := createUser(t, db, "u1", `{"userName":"u1","`+ent+`":{"manager":{"value":"boss","displayName":"Boss"}}}`)
	withDept := createUser(t, db, "u2", `{"userName":"u2","title":"Eng","`+ent+`":{"department":"R&D","manager":{"value":"boss"}}}`)
	unrelated := createUser(t, db, "u3", `{"userName":"u3","`+ent+`":{"manager":{"value":"other"}}}`)

	if err := db.DeleteUser(ctx, "boss", 0); err != nil {
		t.Fatal(err)
	}

	u1, _ := db.GetUser(ctx, "u1")
	if got := decode(t, u1.Doc); got[ent] != nil || got["userName"] != "u1" {
		t.Errorf("u1 after its manager was deleted: %s; want no manager and no empty extension", u1.Doc)
	}
	if u1.Version != onlyManager.Version+1 || !u1.LastModified.After(onlyManager.LastModified) {
		t.Errorf("u1: version %d lastModified %v, want a new version", u1.Version, u1.LastModified)
	}
	u2, _ := db.GetUser(ctx, "u2")
	got := decode(t, u2.Doc)
	ext, _ := got[ent].(map[string]any)
	if ext == nil || ext["manager"] != nil || ext["department"] != "R&D" || got["title"] != "Eng" {
		t.Errorf("u2: %s; want the department and title kept and the manager gone", u2.Doc)
	}
	if u2.Version != withDept.Version+1 {
		t.Errorf("u2: version %d, want %d", u2.Version, withDept.Version+1)
	}
	u3, _ := db.GetUser(ctx, "u3")
	if u3.Version != unrelated.Version || string(u3.Doc) != string(unrelated.Doc) {
		t.Errorf("u3, managed by someone else, changed: %s v%d", u3.Doc, u3.Version)
	}
	// A search by the deleted manager finds nobody now.
	total, _, err := db.Search(ctx, Query{Kind: KindUser, Where: CondCmp{Field: Field{Path: []string{ent, "manager", "value"}}, Op: "eq", Value: "boss"}, Count: -1})
	if err != nil || total != 0 {
		t.Errorf("users still managed by the deleted user: %d %v", total, err)
	}
}

func decode(t *testing.T, doc []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(doc, &m); err != nil {
		t.Fatalf("%s: %v", doc, err)
	}
	return m
}

// ManagedBy lists the users a manager manages, not the manager itself, and the
// lookups behind it and behind clearing the references read the manager index, so a
// delete costs the same at 100k users as at 10.
func TestManagedByUsesTheIndex(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	createUser(t, db, "boss", `{"userName":"boss","`+EnterpriseUserURN+`":{"manager":{"value":"boss"}}}`)
	createUser(t, db, "b", `{"userName":"b","`+EnterpriseUserURN+`":{"manager":{"value":"boss"}}}`)
	createUser(t, db, "a", `{"userName":"a","`+EnterpriseUserURN+`":{"manager":{"value":"boss"}}}`)
	createUser(t, db, "c", `{"userName":"c","`+EnterpriseUserURN+`":{"manager":{"value":"other"}}}`)
	createUser(t, db, "d", `{"userName":"d"}`)
	got, err := db.ManagedBy(ctx, "boss", 0)
	if err != nil || len(got) != 2 || got[0] != "a" || got[1] != "b" {
		t.Errorf("ManagedBy(boss) = %v, %v; want [a b]", got, err)
	}
	if got, _ := db.ManagedBy(ctx, "boss", 1); len(got) != 1 {
		t.Errorf("ManagedBy(boss, 1) = %v", got)
	}
	for _, q := range []string{
		`SELECT id FROM users WHERE ` + managerOf + ` = ? AND id <> ? ORDER BY id LIMIT ?`,
		`UPDATE users SET version = version + 1 WHERE ` + managerOf + ` = ? AND id <> ?`,
	} {
		args := []any{"boss", "boss", 10}[:strings.Count(q, "?")]
		rows, err := db.w.QueryContext(ctx, "EXPLAIN QUERY PLAN "+q, args...)
		if err != nil {
			t.Fatal(err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, notUsed int
			var detail string
			if err := rows.Scan(&id, &parent, &notUsed, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		if !strings.Contains(strings.Join(plan, "; "), "INDEX users_manager") {
			t.Errorf("%s\nplan %q, want the manager index", q, plan)
		}
	}
}
