package store

import (
	"context"
	"testing"
	"time"

	"github.com/scimlab/scimlab/exchange"
)

// An injected failure is kept with its request and comes back the same from a
// listing and from the full read; a request without one reads back without one.
func TestRequestLogKeepsTheInjectedFault(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	injected := &exchange.Injected{Rule: "POST /Users drop delay=2s", Delay: 2 * time.Second, Drop: true}
	batch := []*exchange.Record{
		{Method: "POST", Path: "/scim/v2/Users", Status: 444, Fault: injected},
		{Method: "POST", Path: "/scim/v2/Users", Status: 429},
	}
	if err := db.AppendRequests(ctx, batch); err != nil {
		t.Fatal(err)
	}
	full, err := db.GetRequest(ctx, batch[0].Seq)
	if err != nil {
		t.Fatal(err)
	}
	if full.Fault == nil || *full.Fault != *injected {
		t.Errorf("GetRequest fault = %+v, want %+v", full.Fault, injected)
	}
	listed, err := db.ListRequests(ctx, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(listed) != 2 || listed[1].Fault == nil || *listed[1].Fault != *injected {
		t.Errorf("ListRequests lost the fault: %+v", listed)
	}
	if listed[0].Fault != nil {
		t.Errorf("a request without a fault reads back with %+v", listed[0].Fault)
	}
}
