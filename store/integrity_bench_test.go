package store

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/scimlab/scimlab/exchange"
)

// BenchmarkOpenIntegrityCheck measures what the integrity check costs a start:
// quick_check of the lab's file and of its request log's file on a fresh connection
// (the OS has the file cached, SQLite does not, as at a restart), Open as a whole
// (both checked before it returns), and OpenServing (which a server starts with, the
// checks going on after it returns), on the 100k-user fixture and on the same lab with
// a full request log (50k requests with 2 KiB bodies, a typical rehearsal's worth of
// Okta and Entra traffic; the log keeps 50k by default).
//
//	go test ./store -run '^$' -bench OpenIntegrityCheck -benchtime 5x
func BenchmarkOpenIntegrityCheck(b *testing.B) {
	ctx := context.Background()
	fx := getBenchFixture(b, 100_000)
	for _, withLog := range []bool{false, true} {
		name := "users=100k"
		if withLog {
			name += "/requests=50k"
			addRequestLog(b, fx, 50_000)
		}
		// Closed files start with everything in the main file, as here.
		if _, err := fx.db.w.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
			b.Fatal(err)
		}
		if fi, err := os.Stat(fx.db.path); err == nil {
			b.Logf("%s: database file %d MiB", name, fi.Size()>>20)
		}
		if _, err := fx.db.log.w.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
			b.Fatal(err)
		}
		for _, f := range []struct{ name, path string }{{"quick_check", fx.db.path}, {"quick_check_log", fx.db.log.path}} {
			b.Run(name+"/"+f.name, func(b *testing.B) {
				for b.Loop() {
					w, err := sql.Open("sqlite", "file:"+f.path+fmt.Sprintf("?_pragma=mmap_size(%d)", mmapSize))
					if err != nil {
						b.Fatal(err)
					}
					if err := checkIntegrity(ctx, w, f.path); err != nil {
						b.Fatal(err)
					}
					w.Close()
				}
			})
		}
		for _, o := range []struct {
			name string
			open func(context.Context, string) (*DB, error)
		}{{"Open", Open}, {"OpenServing", OpenServing}} {
			b.Run(name+"/"+o.name, func(b *testing.B) {
				for b.Loop() {
					db, err := o.open(ctx, fx.db.path)
					if err != nil {
						b.Fatal(err)
					}
					b.StopTimer()
					// The checks OpenServing left running are not its cost.
					db.Close()
					b.StartTimer()
				}
			})
		}
	}
}

// addRequestLog appends n recorded requests with request and response bodies of
// about 1 KiB each.
func addRequestLog(b *testing.B, fx *benchFixture, n int) {
	b.Helper()
	body := []byte(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"someone@example.com","note":"` + strings.Repeat("x", 900) + `"}`)
	start := time.Date(2026, 3, 14, 9, 0, 0, 0, time.UTC)
	const batch = 500
	for i := 0; i < n; i += batch {
		rs := make([]*exchange.Record, 0, batch)
		for j := range batch {
			rs = append(rs, &exchange.Record{
				Time: start.Add(time.Duration(i+j) * time.Second), Method: "POST", Path: "/scim/v2/Users", Status: 201,
				ReqHeaders: http.Header{"Content-Type": {"application/scim+json"}}, ReqBody: body,
				RespHeaders: http.Header{"Content-Type": {"application/scim+json"}}, RespBody: body,
				Auth: exchange.AuthOK, ResourceType: "User", ResourceID: fmt.Sprintf("u%d", i+j),
			})
		}
		if err := fx.db.AppendRequests(context.Background(), rs); err != nil {
			b.Fatal(err)
		}
	}
}
