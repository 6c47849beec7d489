package scimserver

import (
	"context"
	"encoding/binary"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scimlab/scimlab/store"
)

// damagedAfterOpen opens a database that passed the integrity check at open, then
// overwrites every page after the first behind its back, as a failing disk or a
// stray write would, and serves it.
func damagedAfterOpen(t *testing.T) (*testEnv, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "scimlab.db")
	db, err := store.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 200 {
		if err := db.CreateUser(context.Background(), &store.Resource{Doc: fmt.Appendf(nil,
			`{"userName":"user%d@example.com","title":"%s"}`, i, strings.Repeat("x", 300))}); err != nil {
			t.Fatal(err)
		}
	}
	db.Close() // every page is in the main file now

	db, err = store.Open(context.Background(), path)
	if err != nil {
		t.Fatalf("the intact file: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	spoil(t, path)

	logBuf := &syncBuffer{}
	srv := New(Config{Token: testToken}, db, slog.New(slog.NewTextHandler(logBuf, nil)))
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(func() { hs.Close(); srv.Close() })
	return &testEnv{t: t, db: db, srv: srv, http: hs, base: hs.URL + BasePath, logBuf: logBuf}, path
}

// spoil fills every page but the first (the header and the schema) with bytes that
// are no b-tree.
func spoil(t *testing.T, path string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	pageSize := int(binary.BigEndian.Uint16(data[16:18]))
	for i := pageSize; i < len(data); i++ {
		data[i] = byte(i*7 + 13)
	}
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteAt(data[pageSize:], int64(pageSize)); err != nil {
		t.Fatal(err)
	}
}

func TestDamagedDatabaseIsNoBug(t *testing.T) {
	e, path := damagedAfterOpen(t)
	for _, tc := range []struct{ method, path, body string }{
		{"GET", "/Users?startIndex=1&count=10", ""},
		{"POST", "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"new@example.com"}`},
	} {
		r := e.do(tc.method, tc.path, tc.body, nil)
		if r.status != http.StatusServiceUnavailable {
			t.Errorf("%s %s: status %d, want 503 (%s)", tc.method, tc.path, r.status, r.raw)
		}
		detail := r.str("detail")
		if !strings.Contains(detail, "damaged") || !strings.Contains(detail, path) || strings.Contains(detail, "bug in scimlab") {
			t.Errorf("%s %s: detail %q, want the damaged file named, not a bug", tc.method, tc.path, detail)
		}
		if r.str("schemas") != `["urn:ietf:params:scim:api:messages:2.0:Error"]` {
			t.Errorf("%s %s: not a SCIM error: %s", tc.method, tc.path, r.raw)
		}
	}
	if log := e.logBuf.String(); !strings.Contains(log, "the database is damaged") || strings.Contains(log, "internal error") {
		t.Errorf("log:\n%s", log)
	}
}
