package store

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/scimlab/scimlab/exchange"
	"github.com/scimlab/scimlab/scim/quirk"
)

func seqs(rs []*exchange.Record) []int64 {
	out := make([]int64, len(rs))
	for i, r := range rs {
		out[i] = r.Seq
	}
	return out
}

func TestRequestLog(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	when := time.Date(2024, 3, 4, 5, 6, 7, 890, time.UTC)
	full := &exchange.Record{
		Time: when, Method: "PATCH", Path: "/scim/v2/Users/u1", Query: "a=b",
		ReqHeaders: http.Header{"Authorization": {"Bearer [redacted]"}, "Content-Type": {"application/scim+json"}},
		ReqBody:    []byte(`{"Operations":[]}`), Status: 200,
		RespHeaders: http.Header{"Etag": {`W/"2"`}}, RespBody: []byte(`{"id":"u1"}`),
		Duration: 1500 * time.Microsecond, RemoteAddr: "10.0.0.1:5555", ViaTunnel: true, Auth: exchange.AuthOK,
		ResourceType: "User", ResourceID: "u1", Quirks: []quirk.Quirk{"a", "b"}, ErrorDetail: "none",
		UserAgent: "Okta SCIM Client 1.0.0", Strict: true, RefusedBy: quirk.CapitalisedOp, ScimType: "invalidSyntax",
		Annotation: exchange.Annotation{IdP: exchange.Okta, Flavour: exchange.FlavourOIN, Step: exchange.StepUpdateUser,
			Subject: "alice", Summary: "changed", Failed: true,
			Hints: []exchange.Hint{{Severity: exchange.SeverityWarn, Text: "h", Cause: "c"}}},
	}
	batch := []*exchange.Record{
		{Method: "GET", Path: "/scim/v2/Users", ResourceType: "User", Status: 200},
		full,
		{Method: "DELETE", Path: "/scim/v2/Groups/g1", ResourceType: "Group", ResourceID: "g1", Status: 204},
	}
	if err := db.AppendRequests(ctx, batch); err != nil {
		t.Fatal(err)
	}
	if got := seqs(batch); !slices.Equal(got, []int64{1, 2, 3}) {
		t.Fatalf("seqs = %v", got)
	}
	if batch[0].Time.IsZero() {
		t.Error("zero Time not filled")
	}
	more := []*exchange.Record{
		{Method: "GET", Path: "/scim/v2/Users/u1", ResourceType: "User", ResourceID: "u1", Status: 200},
		{Method: "POST", Path: "/scim/v2/Users", Status: 201, ReqBody: []byte("12345")},
	}
	if err := db.AppendRequests(ctx, more); err != nil {
		t.Fatal(err)
	}
	if got := seqs(more); !slices.Equal(got, []int64{4, 5}) {
		t.Fatalf("second batch seqs = %v", got)
	}

	got, err := db.GetRequest(ctx, 2)
	if err != nil {
		t.Fatal(err)
	}
	want := *full
	want.Time = when
	if !reflect.DeepEqual(got, &want) {
		t.Fatalf("GetRequest =\n%+v\nwant\n%+v", got, &want)
	}
	_, err = db.GetRequest(ctx, 99)
	wantErr(t, err, ErrNotFound)

	list, err := db.ListRequests(ctx, 0, 2)
	if err != nil || !slices.Equal(seqs(list), []int64{5, 4}) {
		t.Fatalf("ListRequests(0, 2) = %v, %v", seqs(list), err)
	}
	list, err = db.ListRequests(ctx, 4, 0)
	if err != nil || !slices.Equal(seqs(list), []int64{3, 2, 1}) {
		t.Fatalf("ListRequests(4, 0) = %v, %v", seqs(list), err)
	}
	for _, r := range list {
		if r.ReqBody != nil || r.RespBody != nil {
			t.Fatalf("list returned bodies for %d", r.Seq)
		}
	}
	if list[1].Summary != "changed" || list[1].ReqHeaders.Get("Content-Type") != "application/scim+json" || !slices.Equal(list[1].Quirks, []quirk.Quirk{"a", "b"}) {
		t.Fatalf("listed row lost fields: %+v", list[1])
	}
	since, err := db.RequestsSince(ctx, 2, 0)
	if err != nil || !slices.Equal(seqs(since), []int64{3, 4, 5}) {
		t.Fatalf("RequestsSince(2) = %v, %v", seqs(since), err)
	}
	since, _ = db.RequestsSince(ctx, 2, 1)
	if !slices.Equal(seqs(since), []int64{3}) {
		t.Fatalf("RequestsSince(2, 1) = %v", seqs(since))
	}
	hist, err := db.RequestsForResource(ctx, KindUser, "u1", 0)
	if err != nil || !slices.Equal(seqs(hist), []int64{4, 2}) {
		t.Fatalf("RequestsForResource = %v, %v", seqs(hist), err)
	}
	hist, _ = db.RequestsForResource(ctx, KindGroup, "g1", 10)
	if !slices.Equal(seqs(hist), []int64{3}) {
		t.Fatalf("group history = %v", seqs(hist))
	}
	plan := explain(t, db.log.r, `SELECT `+requestMeta+` FROM requests WHERE resource_type = ? AND resource_id = ? ORDER BY seq DESC LIMIT ?`, []any{"User", "u1", 10})
	if want := "SEARCH requests USING INDEX requests_resource (resource_type=? AND resource_id=?)"; !strings.Contains(plan, want) {
		t.Errorf("history plan:\n%s", plan)
	}
}

func TestPruneRequests(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	var rs []*exchange.Record
	for i := range 10 {
		// Request i carries 10*(i+1) body bytes, split over both bodies.
		body := make([]byte, 5*(i+1))
		rs = append(rs, &exchange.Record{Method: "GET", Path: fmt.Sprint("/", i), ReqBody: body, RespBody: body})
	}
	if err := db.AppendRequests(ctx, rs); err != nil {
		t.Fatal(err)
	}
	remaining := func() []int64 {
		l, err := db.RequestsSince(ctx, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		return seqs(l)
	}

	n, err := db.PruneRequests(ctx, 0, 0)
	if err != nil || n != 0 || len(remaining()) != 10 {
		t.Fatalf("no limits deleted %d, %v", n, err)
	}
	n, err = db.PruneRequests(ctx, 7, 0)
	if err != nil || n != 3 || !slices.Equal(remaining(), []int64{4, 5, 6, 7, 8, 9, 10}) {
		t.Fatalf("keep 7: deleted %d (%v), left %v", n, err, remaining())
	}
	// Bodies of 10, 9, 8 are 100+90+80 = 270 bytes; adding 7 (70) passes 300.
	n, err = db.PruneRequests(ctx, 100, 300)
	if err != nil || n != 4 || !slices.Equal(remaining(), []int64{8, 9, 10}) {
		t.Fatalf("300 bytes: deleted %d (%v), left %v", n, err, remaining())
	}
	// Exactly at the budget keeps everything.
	n, err = db.PruneRequests(ctx, 0, 270)
	if err != nil || n != 0 {
		t.Fatalf("at budget: deleted %d, %v", n, err)
	}
	// Both limits in one call: count first, then bytes.
	n, err = db.PruneRequests(ctx, 2, 100)
	if err != nil || n != 2 || !slices.Equal(remaining(), []int64{10}) {
		t.Fatalf("both: deleted %d (%v), left %v", n, err, remaining())
	}
	// A newest request larger than the budget goes too.
	n, err = db.PruneRequests(ctx, 0, 1)
	if err != nil || n != 1 || len(remaining()) != 0 {
		t.Fatalf("over budget: deleted %d (%v), left %v", n, err, remaining())
	}
	// Seqs are never reused, even after everything was pruned.
	next := []*exchange.Record{{Method: "GET"}}
	if err := db.AppendRequests(ctx, next); err != nil || next[0].Seq != 11 {
		t.Fatalf("seq after prune = %d, %v", next[0].Seq, err)
	}
}

func TestAppendRequestsConcurrentGapFree(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	var mu sync.Mutex
	var all []int64
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 10 {
				batch := make([]*exchange.Record, 1+(w+i)%3)
				for j := range batch {
					batch[j] = &exchange.Record{Method: "GET"}
				}
				if err := db.AppendRequests(ctx, batch); err != nil {
					t.Error(err)
					return
				}
				for j := 1; j < len(batch); j++ {
					if batch[j].Seq != batch[j-1].Seq+1 {
						t.Errorf("batch not consecutive: %v", seqs(batch))
					}
				}
				mu.Lock()
				all = append(all, seqs(batch)...)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	slices.Sort(all)
	for i, s := range all {
		if s != int64(i+1) {
			t.Fatalf("seqs have a gap or duplicate at %d: %d", i, s)
		}
	}
}

func TestSettings(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	if v, ok, err := db.Setting(ctx, "token.hash"); err != nil || ok || v != "" {
		t.Fatalf("missing setting = %q %v %v", v, ok, err)
	}
	for _, v := range []string{"one", "two", ""} {
		if err := db.SetSetting(ctx, "token.hash", v); err != nil {
			t.Fatal(err)
		}
		if got, ok, err := db.Setting(ctx, "token.hash"); err != nil || !ok || got != v {
			t.Fatalf("Setting = %q %v %v, want %q", got, ok, err, v)
		}
	}
}

// Records numbered by the caller (the recorder numbers them before annotating) keep
// their number; the store's next number goes on from the highest ever given, even
// when pruning removed every row.
func TestCallerNumberedRequests(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	next, err := db.NextRequestSeq(ctx)
	if err != nil || next != 1 {
		t.Fatalf("NextRequestSeq on an empty log = %d, %v; want 1", next, err)
	}
	batch := []*exchange.Record{{Seq: 1, Method: "GET"}, {Seq: 2, Method: "POST"}}
	if err := db.AppendRequests(ctx, batch); err != nil {
		t.Fatal(err)
	}
	if next, _ := db.NextRequestSeq(ctx); next != 3 {
		t.Fatalf("next = %d, want 3", next)
	}
	if err := db.AppendRequests(ctx, []*exchange.Record{{Seq: 2, Method: "GET"}}); err == nil {
		t.Fatal("a number given twice was accepted")
	}
	if _, err := db.PruneRequests(ctx, 0, 1); err != nil {
		t.Fatal(err)
	}
	if _, err := db.PruneRequests(ctx, 1, 0); err != nil {
		t.Fatal(err)
	}
	if err := db.AppendRequests(ctx, []*exchange.Record{{Method: "GET"}}); err != nil {
		t.Fatal(err)
	}
	if next, _ := db.NextRequestSeq(ctx); next != 4 {
		t.Fatalf("after pruning and a store-numbered row, next = %d, want 4", next)
	}
}

// A database written before hints were typed keeps them readable: the upgrade turns
// "severity: text" strings into hints of that severity, with no cause.
func TestUpgradeTypesOldHints(t *testing.T) {
	path := filepath.Join(t.TempDir(), "old.db")
	raw, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	for _, stmt := range []string{migrations[0], "PRAGMA user_version = 1",
		`INSERT INTO requests (time, method, path, query, status, duration_ns, remote_addr, via_tunnel, auth,
			resource_type, resource_id, quirks, error_detail, user_agent, idp, step, subject, summary, hints,
			body_bytes, req_headers, resp_headers)
		 VALUES ('2024-01-01T00:00:00.000000000Z', 'GET', '/scim/v2/Users', '', 401, 1, '', 0, 'bad-token', '', '',
			'["capitalised-op"]', 'no', '', 'okta', 'auth-failure', '', 's',
			'["error: the token does not match","warn: look here","info: fyi","no prefix"]', 0, '{}', '{}')`,
		`INSERT INTO requests (time, method, path, query, status, duration_ns, remote_addr, via_tunnel, auth,
			resource_type, resource_id, quirks, error_detail, user_agent, idp, step, subject, summary, hints,
			body_bytes, req_headers, resp_headers)
		 VALUES ('2024-01-01T00:00:01.000000000Z', 'GET', '/scim/v2/Users', '', 200, 1, '', 0, 'ok', '', '',
			'[]', '', '', '', '', '', '', '[]', 0, '{}', '{}')`,
	} {
		if _, err := raw.Exec(stmt); err != nil {
			t.Fatalf("%v\n%s", err, stmt)
		}
	}
	raw.Close()

	db, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	r, err := db.GetRequest(context.Background(), 1)
	if err != nil {
		t.Fatal(err)
	}
	want := []exchange.Hint{
		{Severity: exchange.SeverityError, Text: "the token does not match"},
		{Severity: exchange.SeverityWarn, Text: "look here"},
		{Severity: exchange.SeverityInfo, Text: "fyi"},
		{Severity: exchange.SeverityWarn, Text: "no prefix"},
	}
	if !reflect.DeepEqual(r.Hints, want) {
		t.Errorf("hints after the upgrade = %+v\nwant %+v", r.Hints, want)
	}
	if !r.Failed || r.Auth != exchange.AuthWrongToken || r.IdP != exchange.Okta || !slices.Equal(r.Quirks, []quirk.Quirk{quirk.CapitalisedOp}) {
		t.Errorf("upgraded row: %+v", r)
	}
	if r2, _ := db.GetRequest(context.Background(), 2); r2 == nil || r2.Failed || r2.Hints != nil {
		t.Errorf("upgraded clean row: %+v", r2)
	}
	if next, _ := db.NextRequestSeq(context.Background()); next != 3 {
		t.Errorf("next number after the upgrade = %d, want 3", next)
	}
}

func TestTrimRequestsByAgeCountAndBytes(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	now := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	db.now = func() time.Time { return now }
	var rs []*exchange.Record
	for i := range 2500 {
		// The first 2,000 arrived three hours ago, the rest in the last minutes.
		at := now.Add(-3 * time.Hour).Add(time.Duration(i) * time.Millisecond)
		if i >= 2000 {
			at = now.Add(-time.Duration(2500-i) * time.Second)
		}
		rs = append(rs, &exchange.Record{Time: at, Method: "GET", Path: "/x", ReqBody: []byte("0123456789")})
	}
	if err := db.AppendRequests(ctx, rs); err != nil {
		t.Fatal(err)
	}
	count := func() int {
		l, err := db.RequestsSince(ctx, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		return len(l)
	}
	// Older than an hour: 2,000 go, in two transactions of trimChunk.
	n, err := db.TrimRequests(ctx, Retention{MaxAge: time.Hour})
	if err != nil || n != 2000 || count() != 500 {
		t.Fatalf("age: deleted %d (%v), %d left; want 2000 deleted, 500 left", n, err, count())
	}
	first, _ := db.RequestsSince(ctx, 0, 1)
	if first[0].Seq != 2001 {
		t.Fatalf("oldest kept is %d, want 2001", first[0].Seq)
	}
	// Nothing is older than an hour any more.
	if n, err := db.TrimRequests(ctx, Retention{MaxAge: time.Hour}); err != nil || n != 0 {
		t.Fatalf("second age trim deleted %d, %v", n, err)
	}
	// 500 × 10 body bytes; a 2,000-byte budget keeps the newest 200.
	n, err = db.TrimRequests(ctx, Retention{Bytes: 2000})
	if err != nil || n != 300 || count() != 200 {
		t.Fatalf("bytes: deleted %d (%v), %d left", n, err, count())
	}
	// The total follows appends: 50 more make 2,500 bytes, 50 go again.
	more := make([]*exchange.Record, 50)
	for i := range more {
		more[i] = &exchange.Record{Time: now, Method: "GET", RespBody: []byte("abcdefghij")}
	}
	if err := db.AppendRequests(ctx, more); err != nil {
		t.Fatal(err)
	}
	if n, err := db.TrimRequests(ctx, Retention{Bytes: 2000}); err != nil || n != 50 || count() != 200 {
		t.Fatalf("bytes after appends: deleted %d (%v), %d left", n, err, count())
	}
	if n, err := db.TrimRequests(ctx, Retention{Count: 20}); err != nil || n != 180 || count() != 20 {
		t.Fatalf("count: deleted %d (%v), %d left", n, err, count())
	}
	// Everything older than a minute from now goes when the clock moves on.
	now = now.Add(time.Hour)
	if n, err := db.TrimRequests(ctx, Retention{MaxAge: time.Minute}); err != nil || n != 20 || count() != 0 {
		t.Fatalf("all too old: deleted %d (%v), %d left", n, err, count())
	}
}

// Trimming reads a narrow index, never the requests table itself.
func TestTrimQueriesUseTheTrimIndex(t *testing.T) {
	db := openTest(t)
	for _, q := range []string{
		`SELECT seq FROM requests INDEXED BY requests_trim WHERE time >= ? ORDER BY seq LIMIT 1`,
		`SELECT seq, body_bytes FROM requests INDEXED BY requests_trim ORDER BY seq LIMIT ?`,
		`SELECT coalesce(sum(body_bytes), 0) FROM requests INDEXED BY requests_trim`,
	} {
		plan := explain(t, db.log.r, q, []any{"x"}[:strings.Count(q, "?")])
		if !strings.Contains(plan, "COVERING INDEX requests_trim") {
			t.Errorf("%s\nplan:\n%s", q, plan)
		}
	}
}
