package scimserver

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/scimlab/scimlab/store"
)

// Benchmarks run over HTTP against a real store, at two store sizes: the cost of an
// indexed lookup, a PATCH or a one-member group change must not grow from one to the
// other. Seeding goes through the store directly (it is not what is measured) and is
// shared by the benchmarks of one size. The group holds half the users: 500 members
// at 1k users, 50k members at 100k users. Every request is logged, as in use.

type benchFixture struct {
	server  *httptest.Server
	srv     *Server
	db      *store.DB
	dir     string
	base    string
	users   int
	groupID string
	// outsider is a user not in the group, added and removed by the PATCH benchmark.
	outsider string
	// created numbers the users BenchmarkCreateUser made.
	created int
}

var (
	benchMu       sync.Mutex
	benchFixtures = map[int]*benchFixture{}
)

func benchUserName(i int) string { return fmt.Sprintf("bench.user.%06d@example.com", i) }

func fixture(b *testing.B, users int) *benchFixture {
	b.Helper()
	benchMu.Lock()
	defer benchMu.Unlock()
	if f := benchFixtures[users]; f != nil {
		return f
	}
	ctx := context.Background()
	// Not b.TempDir: the fixture outlives the sub-benchmark that builds it.
	dir, err := os.MkdirTemp("", "scimlab-bench-")
	if err != nil {
		b.Fatal(err)
	}
	db, err := store.Open(ctx, filepath.Join(dir, "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	members := make([]store.Member, 0, users/2)
	var outsider string
	for i := range users {
		doc := fmt.Sprintf(`{"userName":%q,"name":{"givenName":"Bench","familyName":"User %d"},"emails":[{"value":%q,"type":"work","primary":true}],"active":true}`,
			benchUserName(i), i, benchUserName(i))
		r := &store.Resource{Kind: store.KindUser, Doc: []byte(doc)}
		if err := db.CreateUser(ctx, r); err != nil {
			b.Fatal(err)
		}
		if i%2 == 0 {
			members = append(members, store.Member{UserID: r.ID, Type: "User"})
		} else if outsider == "" {
			outsider = r.ID
		}
	}
	g := &store.Resource{Kind: store.KindGroup, Doc: []byte(`{"displayName":"Everyone"}`)}
	if err := db.CreateGroup(ctx, g, members); err != nil {
		b.Fatal(err)
	}
	srv := New(Config{Token: testToken}, db, slog.New(slog.NewTextHandler(io.Discard, nil)))
	hs := httptest.NewServer(srv.Handler())
	f := &benchFixture{server: hs, srv: srv, db: db, dir: dir, base: hs.URL + BasePath, users: users, groupID: g.ID, outsider: outsider}
	benchFixtures[users] = f
	return f
}

func (f *benchFixture) do(b *testing.B, method, path, body string, want int) {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, f.base+path, rd)
	if err != nil {
		b.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+testToken)
	req.Header.Set("Content-Type", "application/scim+json")
	res, err := f.server.Client().Do(req)
	if err != nil {
		b.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if res.StatusCode != want {
		b.Fatalf("%s %s: status %d, want %d", method, path, res.StatusCode, want)
	}
}

var benchSizes = []int{1_000, 100_000}

func BenchmarkCreateUser(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("users=%d", n), func(b *testing.B) {
			f := fixture(b, n)
			b.ResetTimer()
			for range b.N {
				// Numbered across runs: -count and the b.N probes run this again on
				// the same fixture.
				f.created++
				f.do(b, "POST", "/Users", fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"create-%d@example.com","active":true}`, f.created), 201)
			}
		})
	}
}

func BenchmarkUserNameLookup(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("users=%d", n), func(b *testing.B) {
			f := fixture(b, n)
			b.ResetTimer()
			for i := range b.N {
				filter := url.QueryEscape(fmt.Sprintf(`userName eq "%s"`, benchUserName((i*7919)%n)))
				f.do(b, "GET", "/Users?filter="+filter+"&startIndex=1&count=100", "", 200)
			}
		})
	}
}

func BenchmarkPatchActive(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("users=%d", n), func(b *testing.B) {
			f := fixture(b, n)
			ids := f.userIDs(b)
			b.ResetTimer()
			for i := range b.N {
				body := fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"active":%t}}]}`, i%2 == 1)
				f.do(b, "PATCH", "/Users/"+ids[(i*7919)%len(ids)], body, 200)
			}
		})
	}
}

func BenchmarkGetUser(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("users=%d", n), func(b *testing.B) {
			f := fixture(b, n)
			ids := f.userIDs(b)
			b.ResetTimer()
			for i := range b.N {
				f.do(b, "GET", "/Users/"+ids[(i*7919)%len(ids)], "", 200)
			}
		})
	}
}

// userIDs returns up to 1,000 user ids, read once from the store.
func (f *benchFixture) userIDs(b *testing.B) []string {
	_, page, err := f.db.Search(context.Background(), store.Query{Kind: store.KindUser, Count: 1000})
	if err != nil || len(page) == 0 {
		b.Fatalf("reading user ids: %v", err)
	}
	ids := make([]string, len(page))
	for i, r := range page {
		ids[i] = r.ID
	}
	return ids
}

func BenchmarkLastPage(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("users=%d", n), func(b *testing.B) {
			f := fixture(b, n)
			b.ResetTimer()
			for range b.N {
				f.do(b, "GET", fmt.Sprintf("/Users?startIndex=%d&count=100", n-99), "", 200)
			}
		})
	}
}

func BenchmarkGroupPatchMember(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("users=%d/members=%d", n, n/2), func(b *testing.B) {
			f := fixture(b, n)
			add := `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"add","path":"members","value":[{"value":"` + f.outsider + `"}]}]}`
			remove := `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"remove","path":"members[value eq \"` + f.outsider + `\"]"}]}`
			b.ResetTimer()
			// Alternating add and remove keeps every PATCH a real one-member change.
			for i := range b.N {
				body := add
				if i%2 == 1 {
					body = remove
				}
				f.do(b, "PATCH", "/Groups/"+f.groupID, body, 204)
			}
		})
	}
}

// TestMain removes the benchmark fixtures, which outlive single benchmarks.
func TestMain(m *testing.M) {
	code := m.Run()
	benchMu.Lock()
	for _, f := range benchFixtures {
		f.server.Close()
		f.srv.Close()
		f.db.Close()
		os.RemoveAll(f.dir)
	}
	benchMu.Unlock()
	os.Exit(code)
}
