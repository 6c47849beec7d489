package store

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"slices"
	"testing"

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

// oldLab writes a lab as scimlab wrote it before the request log had a file of its
// own: schema version 2 with requests 5 and 9 in the lab's file, and numbers given up
// to 12 (10 to 12 pruned since).
func oldLab(t *testing.T, path string) {
	t.Helper()
	ctx := context.Background()
	c, err := sqlite.NewConnector("file:" + path)
	if err != nil {
		t.Fatal(err)
	}
	raw := sql.OpenDB(c)
	defer raw.Close()
	for i, m := range migrations[:2] {
		if _, err := raw.ExecContext(ctx, m); err != nil {
			t.Fatalf("old migration %d: %v", i+1, err)
		}
	}
	for _, seq := range []int{5, 9, 12} {
		if _, err := raw.ExecContext(ctx, `INSERT INTO requests (seq, time, method, path, query, status, duration_ns,
			remote_addr, via_tunnel, auth, resource_type, resource_id, quirks, error_detail, user_agent, idp, step,
			subject, summary, hints, body_bytes, req_headers, resp_headers, req_body, flavour)
			VALUES (?, '2024-05-01T10:00:00.000000000Z', 'POST', '/scim/v2/Users', '', 201, 1000, '127.0.0.1', 0, 'ok',
			'User', ?, '[]', '', 'Okta SCIM Client 1.0.0', 'okta', '', '', '', '[]', 2, '{}', '{}', x'7b7d', 'aiw')`,
			seq, fmt.Sprint("u", seq)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := raw.ExecContext(ctx, `DELETE FROM requests WHERE seq = 12; PRAGMA user_version = 2`); err != nil {
		t.Fatal(err)
	}
}

// Opening a lab whose request log is still in the lab's file moves it to the log's
// file: the rows keep their numbers, the next number stays above every number given,
// and the lab's file no longer holds the table.
func TestOpenMovesTheRequestLog(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.db")
	oldLab(t, path)
	// A copy interrupted after the log's commit left row 5 there already.
	lg, err := openLog(ctx, LogPath(path))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := lg.w.ExecContext(ctx, `INSERT INTO requests (seq, time, method, path, query, status, duration_ns,
		remote_addr, via_tunnel, auth, resource_type, resource_id, quirks, error_detail, user_agent, idp, step,
		subject, summary, hints, body_bytes, req_headers, resp_headers)
		SELECT 5, '2024-05-01T10:00:00.000000000Z', 'POST', '/scim/v2/Users', '', 201, 1000, '127.0.0.1', 0, 'ok',
		'User', 'u5', '[]', '', '', 'okta', '', '', '', '[]', 2, '{}', '{}'`); err != nil {
		t.Fatal(err)
	}
	if err := lg.close(); err != nil {
		t.Fatal(err)
	}

	db, err := Open(ctx, path)
	if err != nil {
		t.Fatalf("Open of an old lab: %v", err)
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
	if !slices.Equal(seqs, []int64{9, 5}) || rs[0].ResourceID != "u9" || rs[0].Flavour != "aiw" {
		t.Fatalf("moved log = %v (%+v), want requests 9 and 5 as they were", seqs, rs[0])
	}
	if next, err := db.NextRequestSeq(ctx); err != nil || next != 13 {
		t.Fatalf("NextRequestSeq = %d, %v; want 13, past every number given", next, err)
	}
	var n int
	if err := db.r.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE name = 'requests'`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("the lab's file still has a requests table (%d, %v)", n, err)
	}
}
