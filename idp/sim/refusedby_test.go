package sim

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/scimlab/scimlab/exchange"
	"github.com/scimlab/scimlab/scim/quirk"
	"github.com/scimlab/scimlab/store"
)

// A report of a run against strict scimlab names each refused quirk exactly as
// scimlab's request log does (refusedBy), request for request: the report and the
// console speak of one quirk alike.
func TestStrictReportNamesTheQuirkAsTheLogDoes(t *testing.T) {
	for _, cfg := range []Config{{IdP: exchange.Entra}, {IdP: exchange.Entra, EntraCompliant: true}} {
		target, db := newServerDB(t, true, nil)
		cfg.Target = target
		rep := play(t, cfg)
		var named []quirk.Quirk
		for _, s := range rep.Steps {
			for _, o := range s.Outcomes {
				for _, n := range o.Notes {
					if n.Code != NoteRefusedQuirk {
						continue
					}
					if len(n.Quirks) != 1 {
						t.Errorf("step %q: a refusal by strict scimlab names %v, want exactly the one it refused:\n%s", s.Title, n.Quirks, n.Text)
					}
					named = append(named, n.Quirks...)
				}
			}
		}
		var logged []quirk.Quirk
		for _, r := range loggedRequests(t, db, rep.Requests) {
			if r.RefusedBy != "" {
				logged = append(logged, r.RefusedBy)
			}
		}
		if len(logged) == 0 || !slices.Equal(named, logged) {
			t.Errorf("compliant %v: the report names %v, the request log's refusedBy says %v", cfg.EntraCompliant, named, logged)
		}
	}
}

// loggedRequests waits until the server has logged n requests and returns them oldest
// first: the recorder writes in the background.
func loggedRequests(t *testing.T, db *store.DB, n int64) []*exchange.Record {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		rs, err := db.ListRequests(context.Background(), 0, int(n)+10)
		if err != nil {
			t.Fatal(err)
		}
		if int64(len(rs)) >= n {
			slices.Reverse(rs)
			return rs
		}
		if time.Now().After(deadline) {
			t.Fatalf("the log holds %d requests, the run sent %d", len(rs), n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
