package replay

import (
	"fmt"
	"testing"
)

// BenchmarkIDMapLifecycle learns 3,000 ids, each followed by the rewrites a replay
// makes of one request (path, query, body, recorded answer), as a lifecycle of 3,000
// creates does.
func BenchmarkIDMapLifecycle(b *testing.B) {
	body := `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"user@example.com","active":true}`
	for range b.N {
		m := newIDMap()
		for i := range 3000 {
			m.add(fmt.Sprintf("%08d-0000-4000-8000-000000000000", i), fmt.Sprintf("%08d-1111-4000-8000-000000000000", i))
			m.rewrite("/scim/v2/Users")
			m.rewrite("")
			m.rewrite(body)
			m.rewrite(body)
		}
	}
}
