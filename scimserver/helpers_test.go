package scimserver

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/scimlab/scimlab/store"
)

const testToken = "test-token-0123456789"

// testEnv is a real server over a real SQLite file, reached over real HTTP.
type testEnv struct {
	t      *testing.T
	db     *store.DB
	srv    *Server
	http   *httptest.Server
	base   string
	logBuf *syncBuffer
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func openStore(t testing.TB) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "scimlab.db"))
	if err != nil {
		t.Fatalf("store.Open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func newEnv(t *testing.T, cfg Config) *testEnv {
	t.Helper()
	return newEnvWithStore(t, cfg, nil)
}

// newEnvWithStore serves a fresh store, through wrap when it is not nil.
func newEnvWithStore(t *testing.T, cfg Config, wrap func(*store.DB) Store) *testEnv {
	t.Helper()
	db := openStore(t)
	var st Store = db
	if wrap != nil {
		st = wrap(db)
	}
	if cfg.Token == "" {
		cfg.Token = testToken
	}
	logBuf := &syncBuffer{}
	srv := New(cfg, st, slog.New(slog.NewTextHandler(logBuf, nil)))
	hs := httptest.NewUnstartedServer(srv.Handler())
	hs.Config.ConnContext = ConnContext
	hs.Start()
	t.Cleanup(func() {
		hs.Close()
		srv.Close()
	})
	return &testEnv{t: t, db: db, srv: srv, http: hs, base: hs.URL + BasePath, logBuf: logBuf}
}

// resp is a decoded HTTP answer.
type resp struct {
	status int
	header http.Header
	raw    []byte
	body   map[string]any
}

// str returns a top-level (or dotted) member of the body as a string, "" if absent.
func (r resp) str(path string) string {
	v := lookup(r.body, path)
	switch t := v.(type) {
	case string:
		return t
	case nil:
		return ""
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// lookup follows a dotted path; a member whose name contains dots (an extension URN)
// is matched as a whole.
func lookup(doc any, path string) any {
	cur := doc
	for path != "" {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		key, rest, _ := strings.Cut(path, ".")
		for k := range m {
			if len(k) > len(key) && (path == k || strings.HasPrefix(path, k+".")) {
				key, rest = k, strings.TrimPrefix(strings.TrimPrefix(path, k), ".")
			}
		}
		cur, path = m[key], rest
	}
	return cur
}

type hdr map[string]string

// do sends a request with the test token unless headers set Authorization ("" removes it).
func (e *testEnv) do(method, path string, body any, headers hdr) resp {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(data)
	}
	url := path
	if !strings.HasPrefix(path, "http") {
		url = e.base + path
	}
	// Tests write filters readably; encode them the way Okta does (%20, %22).
	if base, query, ok := strings.Cut(url, "?"); ok {
		url = base + "?" + strings.NewReplacer(" ", "%20", `"`, "%22").Replace(query)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+testToken)
	req.Header.Set("User-Agent", "scimlab-test")
	if rd != nil {
		req.Header.Set("Content-Type", "application/scim+json; charset=utf-8")
	}
	for k, v := range headers {
		if v == "" && k == "User-Agent" {
			// Present but empty: net/http then sends no User-Agent at all.
			req.Header.Set(k, "")
		} else if v == "" {
			req.Header.Del(k)
		} else {
			req.Header.Set(k, v)
		}
	}
	res, err := e.http.Client().Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	out := resp{status: res.StatusCode, header: res.Header, raw: raw}
	if len(bytes.TrimSpace(raw)) > 0 {
		if err := json.Unmarshal(raw, &out.body); err != nil {
			e.t.Fatalf("%s %s: answer is not a JSON object: %v\n%s", method, path, err, raw)
		}
	}
	return out
}

// must checks the status, printing the body on mismatch.
func (e *testEnv) must(r resp, status int) resp {
	e.t.Helper()
	if r.status != status {
		e.t.Fatalf("status %d, want %d; body: %s", r.status, status, r.raw)
	}
	return r
}

func (e *testEnv) createUser(userName string, extra map[string]any) string {
	e.t.Helper()
	body := map[string]any{
		"schemas":  []string{"urn:ietf:params:scim:schemas:core:2.0:User"},
		"userName": userName,
		"name":     map[string]any{"givenName": "Given", "familyName": "Family"},
		"emails":   []any{map[string]any{"value": userName, "type": "work", "primary": true}},
		"active":   true,
	}
	for k, v := range extra {
		body[k] = v
	}
	r := e.must(e.do("POST", "/Users", body, nil), http.StatusCreated)
	return r.str("id")
}

func (e *testEnv) createGroup(name string, memberIDs ...string) string {
	e.t.Helper()
	members := []any{}
	for _, id := range memberIDs {
		members = append(members, map[string]any{"value": id})
	}
	r := e.must(e.do("POST", "/Groups", map[string]any{
		"schemas":     []string{"urn:ietf:params:scim:schemas:core:2.0:Group"},
		"displayName": name,
		"members":     members,
	}, nil), http.StatusCreated)
	return r.str("id")
}

// checkError asserts a SCIM error response.
func checkError(t *testing.T, r resp, status int, scimType string) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d; body: %s", r.status, status, r.raw)
	}
	if got := r.header.Get("Content-Type"); got != "application/scim+json" {
		t.Errorf("Content-Type %q, want application/scim+json", got)
	}
	schemas, _ := r.body["schemas"].([]any)
	if len(schemas) != 1 || schemas[0] != "urn:ietf:params:scim:api:messages:2.0:Error" {
		t.Errorf("schemas = %v, want the Error URN", r.body["schemas"])
	}
	if got := r.str("status"); got != strconv.Itoa(status) {
		t.Errorf("status member %q, want %q", got, strconv.Itoa(status))
	}
	if scimType != "" && r.str("scimType") != scimType {
		t.Errorf("scimType %q, want %q (detail %q)", r.str("scimType"), scimType, r.str("detail"))
	}
	if r.str("detail") == "" {
		t.Errorf("error without detail: %s", r.raw)
	}
}

// countingStore wraps the real store to observe which reads a request causes.
type countingStore struct {
	Store
	mu           sync.Mutex
	membersCalls int
	readCalls    int
}

func (c *countingStore) Members(ctx context.Context, groupID string, limit int) ([]store.Member, error) {
	c.mu.Lock()
	c.membersCalls++
	c.readCalls++
	c.mu.Unlock()
	return c.Store.Members(ctx, groupID, limit)
}

func (c *countingStore) GetUser(ctx context.Context, id string) (*store.Resource, error) {
	c.mu.Lock()
	c.readCalls++
	c.mu.Unlock()
	return c.Store.GetUser(ctx, id)
}

func (c *countingStore) GetGroup(ctx context.Context, id string) (*store.Resource, error) {
	c.mu.Lock()
	c.readCalls++
	c.mu.Unlock()
	return c.Store.GetGroup(ctx, id)
}

func (c *countingStore) Search(ctx context.Context, q store.Query) (int, []*store.Resource, error) {
	c.mu.Lock()
	c.readCalls++
	c.mu.Unlock()
	return c.Store.Search(ctx, q)
}

// counts returns the calls to Members, and the calls to any read method: each is
// one read transaction.
func (c *countingStore) counts() (members, reads int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.membersCalls, c.readCalls
}

// readerOnly hides the length of a reader so the client sends it chunked.
type readerOnly struct{ io.Reader }

func (readerOnly) Close() error { return nil }

func readResp(t *testing.T, res *http.Response) resp {
	t.Helper()
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	out := resp{status: res.StatusCode, header: res.Header, raw: raw}
	if len(bytes.TrimSpace(raw)) > 0 {
		if err := json.Unmarshal(raw, &out.body); err != nil {
			t.Fatalf("answer is not a JSON object: %v\n%s", err, raw)
		}
	}
	return out
}
