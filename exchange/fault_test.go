package exchange

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// An injected failure travels in the JSON form as "fault", with its delay in
// milliseconds; a record without one says "fault": null rather than leaving it out.
func TestRecordJSONCarriesTheInjectedFault(t *testing.T) {
	r := Record{Method: "POST", Path: "/scim/v2/Users", Status: 429,
		Fault: &Injected{Rule: "POST /Users 429 retry-after=30 delay=1500ms", Status: 429, RetryAfter: 30, Delay: 1500 * time.Millisecond}}
	b, err := encode(r)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	f, ok := m["fault"].(map[string]any)
	if !ok {
		t.Fatalf("no fault object in %s", b)
	}
	if f["rule"] != "POST /Users 429 retry-after=30 delay=1500ms" || f["status"] != 429.0 || f["retryAfter"] != 30.0 ||
		f["delayMs"] != 1500.0 || f["drop"] != false {
		t.Errorf("fault %v", f)
	}
	var back Injected
	raw, _ := json.Marshal(f)
	if err := json.Unmarshal(raw, &back); err != nil || back != *r.Fault {
		t.Errorf("read back %+v, %v; want %+v", back, err, *r.Fault)
	}
	b, _ = json.Marshal(Record{})
	if !strings.Contains(string(b), `"fault":null`) {
		t.Errorf("a record without a fault: %s", b)
	}
}
