package store

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/google/uuid"
)

func TestMain(m *testing.M) {
	code := m.Run()
	closeBenchFixtures()
	os.Exit(code)
}

// benchFixture is a database with size users and one group holding half of
// them (at most 50k), built once per size and shared by the benchmarks.
type benchFixture struct {
	db         *DB
	size       int
	userIDs    []string
	groupID    string
	nonMembers []string
	created    int
}

var bench struct {
	sync.Mutex
	dir      string
	fixtures map[int]*benchFixture
}

// benchSizes are the store sizes each benchmark runs at: the work of an indexed
// lookup or a one-member group change must not grow with them (compare the two).
var benchSizes = []int{1_000, 100_000}

func benchUserName(i int) string { return fmt.Sprintf("user%07d@example.com", i) }

// getBenchFixture returns the fixture for size, building it on first use.
func getBenchFixture(b *testing.B, size int) *benchFixture {
	b.Helper()
	bench.Lock()
	defer bench.Unlock()
	if fx := bench.fixtures[size]; fx != nil {
		return fx
	}
	if bench.dir == "" {
		dir, err := os.MkdirTemp("", "scimlab-store-bench-")
		if err != nil {
			b.Fatal(err)
		}
		bench.dir = dir
		bench.fixtures = map[int]*benchFixture{}
	}
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(bench.dir, fmt.Sprintf("bench-%d.db", size)))
	if err != nil {
		b.Fatal(err)
	}
	fx := &benchFixture{db: db, size: size}
	members := min(size/2, 50_000)
	if err := bulkLoad(ctx, fx, members); err != nil {
		b.Fatal(err)
	}
	bench.fixtures[size] = fx
	return fx
}

// bulkLoad inserts users and one group's memberships directly, in one
// transaction with prepared statements: the API would spend minutes on
// per-request transactions the benchmarks do not measure.
func bulkLoad(ctx context.Context, fx *benchFixture, members int) error {
	// The creation orders Open began to read are forgotten after: the rows came in
	// around them.
	return fx.db.writeThen(ctx, func(tx *sql.Tx) error {
		ins, err := tx.PrepareContext(ctx, `INSERT INTO users
			(id, user_name, external_id, display_name, active, doc, version, created, last_modified)
			VALUES (?, ?, ?, ?, 1, ?, 1, ?, ?)`)
		if err != nil {
			return err
		}
		defer ins.Close()
		now := formatTime(fx.db.now())
		for i := range fx.size {
			id := uuid.NewString()
			name := benchUserName(i)
			doc, ix, err := normalize(KindUser, fmt.Appendf(nil, `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],
				"userName":%q,"externalId":"ext-%d","displayName":"User %d","active":true,
				"name":{"givenName":"Given%d","familyName":"Family%d"},
				"emails":[{"value":%q,"type":"work","primary":true}]}`, name, i, i, i, i, name))
			if err != nil {
				return err
			}
			if _, err := ins.ExecContext(ctx, id, ix.userName, ix.externalID, ix.displayName, string(doc), now, now); err != nil {
				return err
			}
			fx.userIDs = append(fx.userIDs, id)
		}
		fx.groupID = uuid.NewString()
		if _, err := tx.ExecContext(ctx, `INSERT INTO groups (id, display_name, doc, version, created, last_modified)
			VALUES (?, 'Everyone', '{"displayName":"Everyone"}', 1, ?, ?)`, fx.groupID, now, now); err != nil {
			return err
		}
		mem, err := tx.PrepareContext(ctx, `INSERT INTO memberships (group_id, user_id) VALUES (?, ?)`)
		if err != nil {
			return err
		}
		defer mem.Close()
		for _, id := range fx.userIDs[:members] {
			if _, err := mem.ExecContext(ctx, fx.groupID, id); err != nil {
				return err
			}
		}
		fx.nonMembers = fx.userIDs[members:]
		_, err = tx.ExecContext(ctx, "ANALYZE")
		return err
	}, fx.db.forgetOrders)
}

func closeBenchFixtures() {
	bench.Lock()
	defer bench.Unlock()
	for _, fx := range bench.fixtures {
		fx.db.Close()
	}
	if bench.dir != "" {
		os.RemoveAll(bench.dir)
	}
}

func forEachSize(b *testing.B, fn func(b *testing.B, fx *benchFixture)) {
	for _, size := range benchSizes {
		b.Run(fmt.Sprintf("users=%dk", size/1000), func(b *testing.B) {
			fx := getBenchFixture(b, size)
			b.ReportAllocs()
			b.ResetTimer()
			fn(b, fx)
		})
	}
}

func BenchmarkCreateUser(b *testing.B) {
	forEachSize(b, func(b *testing.B, fx *benchFixture) {
		ctx := context.Background()
		for b.Loop() {
			fx.created++
			r := &Resource{Doc: fmt.Appendf(nil, `{"userName":"created-%d@example.com","displayName":"New %d","active":true,
				"emails":[{"value":"created-%d@example.com","type":"work","primary":true}]}`, fx.created, fx.created, fx.created)}
			if err := fx.db.CreateUser(ctx, r); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkUserNameLookup(b *testing.B) {
	forEachSize(b, func(b *testing.B, fx *benchFixture) {
		ctx := context.Background()
		rng := rand.New(rand.NewPCG(1, 2))
		for b.Loop() {
			// As Okta and Entra ask before creating a user: filter=userName eq "…".
			q := Query{Kind: KindUser, Where: CondCmp{Field: Field{Path: []string{"userName"}}, Op: "eq",
				Value: benchUserName(rng.IntN(fx.size))}, StartIndex: 1, Count: 100}
			total, page, err := fx.db.Search(ctx, q)
			if err != nil || total != 1 || len(page) != 1 {
				b.Fatalf("lookup: total %d, page %d, err %v", total, len(page), err)
			}
		}
	})
}

func BenchmarkPageAtEnd(b *testing.B) {
	forEachSize(b, func(b *testing.B, fx *benchFixture) {
		ctx := context.Background()
		total, _, err := fx.db.Search(ctx, Query{Kind: KindUser, Count: 0})
		if err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			n, page, err := fx.db.Search(ctx, Query{Kind: KindUser, StartIndex: total - 99, Count: 100})
			if err != nil || n != total || len(page) != 100 {
				b.Fatalf("page: total %d/%d, page %d, err %v", n, total, len(page), err)
			}
		}
	})
}

// BenchmarkPatchActive is the write of a PATCH active: read the user, replace its
// document, in one write transaction.
func BenchmarkPatchActive(b *testing.B) {
	forEachSize(b, func(b *testing.B, fx *benchFixture) {
		ctx := context.Background()
		rng := rand.New(rand.NewPCG(3, 4))
		active := false
		for b.Loop() {
			id := fx.userIDs[rng.IntN(fx.size)]
			active = !active
			_, err := fx.db.ReplaceUser(ctx, id, 0, func(cur *Resource) (*Resource, error) {
				next := *cur
				next.Doc = fmt.Appendf(nil, `{"userName":%q,"active":%t}`, cur.UserName, active)
				return &next, nil
			})
			if err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkDeleteUser deletes a user made off the clock: the delete finds the users
// it managed and the groups it leaves through indexes, whatever the store's size.
func BenchmarkDeleteUser(b *testing.B) {
	forEachSize(b, func(b *testing.B, fx *benchFixture) {
		ctx := context.Background()
		for b.Loop() {
			b.StopTimer()
			fx.created++
			r := &Resource{Doc: fmt.Appendf(nil, `{"userName":"deleted-%d@example.com"}`, fx.created)}
			if err := fx.db.CreateUser(ctx, r); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			if err := fx.db.DeleteUser(ctx, r.ID, 0); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkGetUser(b *testing.B) {
	forEachSize(b, func(b *testing.B, fx *benchFixture) {
		ctx := context.Background()
		rng := rand.New(rand.NewPCG(5, 6))
		for b.Loop() {
			if _, err := fx.db.GetUser(ctx, fx.userIDs[rng.IntN(fx.size)]); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkGroupAddMember(b *testing.B) {
	forEachSize(b, func(b *testing.B, fx *benchFixture) {
		ctx := context.Background()
		i := 0
		for b.Loop() {
			uid := fx.nonMembers[i%len(fx.nonMembers)]
			if i >= len(fx.nonMembers) {
				// Every non-member was added once already: take this one
				// out again, off the clock.
				b.StopTimer()
				if _, err := fx.db.UpdateGroup(ctx, fx.groupID, 0, func(_ *Resource, m MemberTx) (*Resource, error) {
					_, err := m.RemoveMembers([]string{uid})
					return nil, err
				}); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
			}
			i++
			// An IdP's PATCH {"op":"add","path":"members","value":[{"value":uid}]}.
			g, err := fx.db.UpdateGroup(ctx, fx.groupID, 0, func(_ *Resource, m MemberTx) (*Resource, error) {
				return nil, m.AddMembers([]Member{{UserID: uid}})
			})
			if err != nil || g == nil {
				b.Fatal(err)
			}
		}
	})
}
