package fault

import (
	"errors"
	"reflect"
	"testing"

	"github.com/scimlab/scimlab/exchange"
)

func mustParse(t *testing.T, s string) Rule {
	t.Helper()
	r, err := Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// fired sends n requests and returns the 1-based numbers of those a rule made fail.
func fired(s *Set, n int, method, path string, sender func() exchange.IdP) []int {
	var out []int
	for i := 1; i <= n; i++ {
		if _, ok := s.Decide(method, path, sender); ok {
			out = append(out, i)
		}
	}
	return out
}

func TestTimesStopsTheRule(t *testing.T) {
	s := NewSet(DefaultSeed)
	s.Add(mustParse(t, "POST /Users 429 retry-after=30 times=2"))
	if got := fired(s, 5, "POST", "/scim/v2/Users", nil); !reflect.DeepEqual(got, []int{1, 2}) {
		t.Errorf("fired on %v, want [1 2]", got)
	}
	e := s.Entries()[0]
	if e.Matched != 5 || e.Fired != 2 || !e.Spent() {
		t.Errorf("entry %+v, want matched 5, fired 2, spent", e)
	}
}

func TestAfterLetsTheFirstRequestsThrough(t *testing.T) {
	s := NewSet(DefaultSeed)
	s.Add(mustParse(t, "POST /Users 409 after=5"))
	if got := fired(s, 7, "POST", "/scim/v2/Users", nil); !reflect.DeepEqual(got, []int{6, 7}) {
		t.Errorf("fired on %v, want [6 7]", got)
	}
	s = NewSet(DefaultSeed)
	s.Add(mustParse(t, "POST /Users 409 after=2 times=1"))
	if got := fired(s, 5, "POST", "/scim/v2/Users", nil); !reflect.DeepEqual(got, []int{3}) {
		t.Errorf("after=2 times=1 fired on %v, want [3]", got)
	}
}

// The requests a percent rule fails are fixed by the seed: the same seed fails the
// same requests in every run, and a test can name them.
func TestPercentIsDeterministicUnderASeed(t *testing.T) {
	rule := mustParse(t, "PATCH /Groups/* 500 percent=50")
	run := func(seed uint64) []int {
		s := NewSet(seed)
		s.Add(rule)
		return fired(s, 20, "PATCH", "/scim/v2/Groups/g1", nil)
	}
	want := []int{3, 4, 5, 6, 8, 10, 12, 15, 16, 18, 19}
	if got := run(42); !reflect.DeepEqual(got, want) {
		t.Errorf("seed 42 fails requests %v, want %v", got, want)
	}
	if a, b := run(42), run(42); !reflect.DeepEqual(a, b) {
		t.Errorf("the same seed failed %v, then %v", a, b)
	}
	if reflect.DeepEqual(run(42), run(43)) {
		t.Error("seeds 42 and 43 fail the same requests")
	}
	s := NewSet(7)
	s.Add(rule)
	if n := len(fired(s, 10_000, "PATCH", "/scim/v2/Groups/g1", nil)); n < 4800 || n > 5200 {
		t.Errorf("percent=50 failed %d of 10,000 requests", n)
	}
}

func TestIdPMatchingAsksTheSenderOnlyWhenNeeded(t *testing.T) {
	s := NewSet(DefaultSeed)
	s.Add(mustParse(t, "POST /Users 500 idp=entra"))
	asked := 0
	sender := func(p exchange.IdP) func() exchange.IdP {
		return func() exchange.IdP { asked++; return p }
	}
	if _, ok := s.Decide("POST", "/scim/v2/Users", sender(exchange.Okta)); ok {
		t.Error("a rule for Entra fired on Okta's request")
	}
	if _, ok := s.Decide("POST", "/scim/v2/Users", sender(exchange.Unknown)); ok {
		t.Error("a rule for Entra fired on a request of unknown origin")
	}
	if _, ok := s.Decide("POST", "/scim/v2/Users", sender(exchange.Entra)); !ok {
		t.Error("a rule for Entra did not fire on Entra's request")
	}
	if asked != 3 {
		t.Errorf("the sender was asked %d times for 3 requests", asked)
	}
	asked = 0
	s.Decide("GET", "/scim/v2/Users", sender(exchange.Entra))
	if asked != 0 {
		t.Error("the sender was asked about a request no rule's method and path match")
	}
	if e := s.Entries()[0]; e.Matched != 1 {
		t.Errorf("matched %d: only Entra's request counts", e.Matched)
	}
}

func TestFirstFiringRuleWinsAndDisabledRulesSleep(t *testing.T) {
	s := NewSet(DefaultSeed)
	first := s.Add(mustParse(t, "POST /Users 429 times=1"))
	second := s.Add(mustParse(t, "POST /Users 503"))
	if r, _ := s.Decide("POST", "/scim/v2/Users", nil); r.Status != 429 {
		t.Errorf("first request: %d, want the first rule's 429", r.Status)
	}
	if r, _ := s.Decide("POST", "/scim/v2/Users", nil); r.Status != 503 {
		t.Errorf("second request: %d, want the second rule's 503 once the first is spent", r.Status)
	}
	if err := s.SetEnabled(second.ID, false); err != nil {
		t.Fatal(err)
	}
	if _, ok := s.Decide("POST", "/scim/v2/Users", nil); ok {
		t.Error("a disabled rule fired")
	}
	es := s.Entries()
	if es[1].Matched != 1 {
		t.Errorf("the disabled rule counted %d matches, want the 1 from while it was on", es[1].Matched)
	}
	if err := s.Remove(first.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.Remove(first.ID); !errors.Is(err, ErrNoRule) {
		t.Errorf("removing twice: %v", err)
	}
	if len(s.Entries()) != 1 {
		t.Errorf("%d rules after a removal", len(s.Entries()))
	}
	s.Clear()
	if len(s.Entries()) != 0 {
		t.Error("Clear left rules")
	}
}

func TestStatesRoundTrip(t *testing.T) {
	s := NewSet(DefaultSeed)
	s.Add(mustParse(t, "post /scim/v2/Users 429 times=2 retry-after=30"))
	off := s.Add(mustParse(t, "GET /Users delay=70s"))
	_ = s.SetEnabled(off.ID, false)
	data, err := EncodeStates(s.States())
	if err != nil {
		t.Fatal(err)
	}
	const want = `[{"rule":"POST /Users 429 retry-after=30 times=2","enabled":true},{"rule":"GET /Users delay=70s","enabled":false}]`
	if data != want {
		t.Errorf("saved %s\nwant  %s", data, want)
	}
	states, err := DecodeStates(data)
	if err != nil {
		t.Fatal(err)
	}
	restored := NewSet(DefaultSeed)
	if err := restored.Replace(states); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(restored.States(), s.States()) {
		t.Errorf("restored %v, want %v", restored.States(), s.States())
	}
	if err := restored.Replace([]State{{Rule: "GET /Users"}}); err == nil {
		t.Error("a saved rule that does not parse was accepted")
	}
	if len(restored.Entries()) != 2 {
		t.Error("a refused Replace changed the rules")
	}
	if empty, _ := EncodeStates(nil); empty != "[]" {
		t.Errorf("no rules saved as %q", empty)
	}
}
