package scimserver

import (
	"fmt"
	"strings"
	"sync"
	"testing"
)

func TestConcurrentCreatesOfOneUserName(t *testing.T) {
	e := newEnv(t, Config{})
	const n = 40
	statuses := make([]int, n)
	details := make([]string, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			r := e.do("POST", "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"Race@Example.com","active":true}`, nil)
			statuses[i], details[i] = r.status, r.str("detail")
		}()
	}
	close(start)
	wg.Wait()
	count := map[int]int{}
	for i, s := range statuses {
		count[s]++
		if strings.Contains(strings.ToLower(details[i]), "locked") || strings.Contains(strings.ToLower(details[i]), "busy") {
			t.Errorf("database contention surfaced to the client: %q", details[i])
		}
	}
	if count[201] != 1 || count[409] != n-1 {
		t.Fatalf("statuses %v, want exactly one 201 and %d 409s", count, n-1)
	}
	list := e.must(e.do("GET", `/Users?filter=userName eq "race@example.com"`, nil, nil), 200)
	if list.str("totalResults") != "1" {
		t.Fatalf("%s users stored", list.str("totalResults"))
	}
}

func TestConcurrentMixedWrites(t *testing.T) {
	e := newEnv(t, Config{})
	gid := e.createGroup("Parallel")
	const n = 24
	ids := make([]string, n)
	var wg sync.WaitGroup
	errs := make(chan string, 4*n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := e.do("POST", "/Users", fmt.Sprintf(`{"userName":"p%d@example.com"}`, i), nil)
			if r.status != 201 {
				errs <- fmt.Sprintf("create: %d %s", r.status, r.raw)
				return
			}
			ids[i] = r.str("id")
			// Entra adds members right after creating users, in parallel.
			r = e.do("PATCH", "/Groups/"+gid, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Add","path":"members","value":[{"value":"`+ids[i]+`"}]}]}`, nil)
			if r.status != 204 {
				errs <- fmt.Sprintf("add member: %d %s", r.status, r.raw)
			}
			r = e.do("PATCH", "/Users/"+ids[i], `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"active","value":"False"}]}`, nil)
			if r.status != 200 {
				errs <- fmt.Sprintf("deactivate: %d %s", r.status, r.raw)
			}
			if r := e.do("GET", "/Groups?excludedAttributes=members&filter=displayName+eq+%22Parallel%22", nil, nil); r.status != 200 {
				errs <- fmt.Sprintf("lookup: %d %s", r.status, r.raw)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for msg := range errs {
		t.Error(msg)
	}
	if got := e.memberIDs(gid); len(got) != n {
		t.Fatalf("group has %d members after %d concurrent adds", len(got), n)
	}
	version := e.must(e.do("GET", "/Groups/"+gid, nil, nil), 200).str("meta.version")
	if version != fmt.Sprintf(`W/"%d"`, n+1) {
		t.Errorf("group version %s after %d membership changes, want W/\"%d\"", version, n, n+1)
	}
}
