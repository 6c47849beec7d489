package store

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"slices"
	"testing"

	"github.com/scimlab/scimlab/exchange"
	"modernc.org/sqlite"
)

func TestLogPath(t *testing.T) {
	tests := []struct{ in, want string }{
		{"/data/scimlab.db", "/data/scimlab.log.db"},
		{"/data/lab", "/data/lab.log.db"},
		{"/data/lab.sqlite", "/data/lab.log.db"},
		{"rel/x.y.db", "rel/x.y.log.db"},
	}
	for _, tt := range tests {
		if got := LogPath(tt.in); got != tt.want {
			t.Errorf("LogPath(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// mainLab writes a lab as scimlab wrote it while the request log was in the lab's
// file: the released migrations 1 to 6, run as they ran, then requests 5 and 9 with
// every column those migrations gave the table (a fault, a profile and its effects,
// a related group), and numbers given up to 12 (10 to 12 pruned since).
func mainLab(t *testing.T, path string) {
	t.Helper()
	ctx := context.Background()
	c, err := sqlite.NewConnector("file:" + path + "?_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)")
	if err != nil {
		t.Fatal(err)
	}
	raw := sql.OpenDB(c)
	defer raw.Close()
	raw.SetMaxOpenConns(1)
	for i, m := range migrations[:logMoved-1] {
		if _, err := raw.ExecContext(ctx, m); err != nil {
			t.Fatalf("old migration %d: %v", i+1, err)
		}
		if _, err := raw.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", i+1)); err != nil {
			t.Fatal(err)
		}
	}
	for _, seq := range []int{5, 9, 12} {
		if _, err := raw.ExecContext(ctx, `INSERT INTO requests (seq, time, method, path, query, status, duration_ns,
			remote_addr, via_tunnel, auth, resource_type, resource_id, quirks, error_detail, user_agent, idp, step,
			subject, summary, hints, body_bytes, req_headers, resp_headers, req_body, resp_body, flavour, failed, strict,
			refused_by, scim_type, fault, profile, effects)
			VALUES (?, '2024-05-01T10:00:00.000000000Z', 'PATCH', '/scim/v2/Users', '', 503, 1000, '127.0.0.1', 0, 'ok',
			'User', ?, '[]', '', 'Okta SCIM Client 1.0.0', 'okta', '', '', '', '[]', 4, '{}', '{}', x'7b7d', x'7b7d',
			'aiw', 1, 0, '', '', '{"rule":"status 503","status":503}', 'slack',
			'[{"kind":"dropped-attribute","detail":"title"}]')`,
			seq, fmt.Sprint("u", seq)); err != nil {
			t.Fatal(err)
		}
		if _, err := raw.ExecContext(ctx, `INSERT INTO request_related (resource_type, resource_id, seq) VALUES ('Group', 'g1', ?)`, seq); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := raw.ExecContext(ctx, `DELETE FROM requests WHERE seq = 12`); err != nil {
		t.Fatal(err)
	}
	var v int
	if err := raw.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&v); err != nil || v != 6 {
		t.Fatalf("the fixture has schema version %d (%v), want 6, the last before the log moved", v, err)
	}
}

// openLogFile opens the log's file at path with its schema, as Open makes it.
func openLogFile(t *testing.T, path string) *sql.DB {
	t.Helper()
	w, err := openWriter(path, 0, logPageSize)
	if err != nil {
		t.Fatal(err)
	}
	if err := migrateSchema(context.Background(), w, logMigrations, len(logMigrations), "request log"); err != nil {
		t.Fatal(err)
	}
	return w
}

// Opening a lab whose request log is still in the lab's file moves it to the log's
// file: the rows keep their numbers and every column, the related resources come
// along, the next number stays above every number given, and the lab's file no
// longer holds the tables.
func TestOpenMovesTheRequestLog(t *testing.T) {
	for _, tc := range []struct {
		name string
		// copied is what an earlier start, killed before the lab's file recorded the
		// move, had copied into the log's file already.
		copied string
	}{
		{"first start", ""},
		{"after a crash during the copy", "seq = 5"},
		{"after a crash after the copy", "1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			path := filepath.Join(t.TempDir(), "old.db")
			mainLab(t, path)
			if tc.copied != "" {
				lw := openLogFile(t, LogPath(path))
				if _, err := lw.ExecContext(ctx, "ATTACH DATABASE ? AS lab", path); err != nil {
					t.Fatal(err)
				}
				if _, err := lw.ExecContext(ctx, `INSERT INTO requests SELECT seq, time, method, path, query, status, duration_ns,
					remote_addr, via_tunnel, auth, resource_type, resource_id, quirks, error_detail, user_agent, idp, step,
					subject, summary, hints, body_bytes, req_headers, resp_headers, flavour, failed, strict, refused_by,
					scim_type, fault, profile, effects, req_body, resp_body FROM lab.requests WHERE `+tc.copied); err != nil {
					t.Fatal(err)
				}
				if err := lw.Close(); err != nil {
					t.Fatal(err)
				}
			}

			db, err := Open(ctx, path)
			if err != nil {
				t.Fatalf("Open of a lab at schema 6: %v", err)
			}
			defer db.Close()
			rs, err := db.ListRequests(ctx, 0, 0)
			if err != nil {
				t.Fatal(err)
			}
			var seqs []int64
			for _, r := range rs {
				seqs = append(seqs, r.Seq)
			}
			if !slices.Equal(seqs, []int64{9, 5}) {
				t.Fatalf("moved log = %v, want requests 9 and 5", seqs)
			}
			r, err := db.GetRequest(ctx, 9)
			if err != nil {
				t.Fatal(err)
			}
			if r.ResourceID != "u9" || r.Flavour != "aiw" || !r.Failed || r.Fault == nil || r.Fault.Status != 503 ||
				r.Profile != "slack" || len(r.Effects) != 1 || r.Effects[0].Detail != "title" || string(r.RespBody) != "{}" {
				t.Errorf("request 9 after the move: %+v", r)
			}
			if !slices.Equal(r.Related, []exchange.ResourceRef{{Type: "Group", ID: "g1"}}) {
				t.Errorf("related resources of request 9 = %v, want the group", r.Related)
			}
			hist, err := db.RequestsForResource(ctx, KindGroup, "g1", 0)
			if err != nil || len(hist) != 2 {
				t.Errorf("the group's history = %d requests (%v), want 2 through the moved side table", len(hist), err)
			}
			if next, err := db.NextRequestSeq(ctx); err != nil || next != 13 {
				t.Fatalf("NextRequestSeq = %d, %v; want 13, past every number given", next, err)
			}
			var n int
			if err := db.r.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE name IN ('requests', 'request_related')`).Scan(&n); err != nil || n != 0 {
				t.Fatalf("the lab's file still has %d of the log's tables (%v)", n, err)
			}
			var v int
			if err := db.r.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&v); err != nil || v != SchemaVersion() {
				t.Fatalf("schema version %d (%v), want %d", v, err, SchemaVersion())
			}
		})
	}
}

// A fresh lab gets both files at this build's schema, and the log's file carries the
// columns and the side table the lab's file used to.
func TestOpenFreshLab(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	rec := &exchange.Record{Method: "DELETE", Path: "/scim/v2/Users/u1", Status: 204, ResourceType: "User", ResourceID: "u1",
		Profile: "slack", Effects: []exchange.Effect{{Kind: "deactivated", Detail: "instead of deleting"}},
		Related: []exchange.ResourceRef{{Type: "Group", ID: "g1"}}}
	if err := db.AppendRequests(ctx, []*exchange.Record{rec}); err != nil {
		t.Fatal(err)
	}
	got, err := db.GetRequest(ctx, rec.Seq)
	if err != nil {
		t.Fatal(err)
	}
	if got.Profile != "slack" || len(got.Effects) != 1 || !slices.Equal(got.Related, rec.Related) {
		t.Errorf("round trip through the log's file: %+v", got)
	}
	var v int
	if err := db.log.r.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&v); err != nil || v != LogSchemaVersion() {
		t.Errorf("log schema version %d (%v), want %d", v, err, LogSchemaVersion())
	}
	var n int
	if err := db.r.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE name IN ('requests', 'request_related')`).Scan(&n); err != nil || n != 0 {
		t.Errorf("the lab's file has %d of the log's tables (%v)", n, err)
	}
}
