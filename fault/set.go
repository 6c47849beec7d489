package fault

import (
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"sync"
	"sync/atomic"

	"github.com/scimlab/scimlab/exchange"
)

// DefaultSeed seeds the percent draws when no seed is given, so that a rehearsal fails
// the same requests every time it is run.
const DefaultSeed = 1

// Entry is a rule in a Set as the console lists it: the rule, whether it is on, and
// its counters since scimlab started.
type Entry struct {
	// ID names the rule in the Set for as long as scimlab runs.
	ID      int
	Rule    Rule
	Enabled bool
	// Matched counts requests the rule matched (method, path and IdP) while it was on;
	// Fired counts those it made fail.
	Matched int
	Fired   int
}

// Spent reports that the rule fired as many times as its times= allows.
func (e Entry) Spent() bool { return e.Rule.Times != 0 && e.Fired >= e.Rule.Times }

// State is a rule as kept between runs: its canonical text and whether it is on.
type State struct {
	Rule    string `json:"rule"`
	Enabled bool   `json:"enabled"`
}

// Set is the fault rules in force, in order, with their counters. The first enabled
// rule that fires answers the request; the rules after it do not see the request.
// It is safe for concurrent use.
type Set struct {
	mu      sync.Mutex
	seed    uint64
	entries []*entry
	nextID  int
	// count mirrors len(entries), so that a server without rules pays no lock per
	// request.
	count atomic.Int64
}

// entry is an Entry with the hash of its rule's text, the key of its percent draws.
type entry struct {
	Entry
	key uint64
}

func newEntry(id int, r Rule, enabled bool) *entry {
	h := fnv.New64a()
	h.Write([]byte(r.String()))
	return &entry{Entry: Entry{ID: id, Rule: r, Enabled: enabled}, key: h.Sum64()}
}

// NewSet returns an empty Set whose percent draws come from seed.
func NewSet(seed uint64) *Set { return &Set{seed: seed, nextID: 1} }

// Seed is the seed of the percent draws.
func (s *Set) Seed() uint64 { return s.seed }

// Add appends a rule, enabled, and returns its entry.
func (s *Set) Add(r Rule) Entry {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := newEntry(s.nextID, r, true)
	s.nextID++
	s.entries = append(s.entries, e)
	s.count.Store(int64(len(s.entries)))
	return e.Entry
}

// ErrNoRule is returned for an id that names no rule (removed meanwhile).
var ErrNoRule = errors.New("fault: no such rule")

// Remove deletes the rule with id.
func (s *Set) Remove(id int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, e := range s.entries {
		if e.ID == id {
			s.entries = append(s.entries[:i], s.entries[i+1:]...)
			s.count.Store(int64(len(s.entries)))
			return nil
		}
	}
	return ErrNoRule
}

// SetEnabled switches the rule with id on or off. Its counters are kept.
func (s *Set) SetEnabled(id int, on bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, e := range s.entries {
		if e.ID == id {
			e.Enabled = on
			return nil
		}
	}
	return ErrNoRule
}

// Clear removes every rule.
func (s *Set) Clear() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.entries = nil
	s.count.Store(0)
}

// Entries returns a snapshot of the rules in order.
func (s *Set) Entries() []Entry {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Entry, len(s.entries))
	for i, e := range s.entries {
		out[i] = e.Entry
	}
	return out
}

// States returns the rules as they are kept between runs.
func (s *Set) States() []State {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]State, len(s.entries))
	for i, e := range s.entries {
		out[i] = State{Rule: e.Rule.String(), Enabled: e.Enabled}
	}
	return out
}

// Replace puts states in place of every rule, with fresh counters. A state that does
// not parse is refused and nothing changes.
func (s *Set) Replace(states []State) error {
	rules := make([]Rule, len(states))
	for i, st := range states {
		r, err := Parse(st.Rule)
		if err != nil {
			return err
		}
		rules[i] = r
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.entries = make([]*entry, len(rules))
	for i, r := range rules {
		s.entries[i] = newEntry(s.nextID, r, states[i].Enabled)
		s.nextID++
	}
	s.count.Store(int64(len(s.entries)))
	return nil
}

// EncodeStates writes states as the JSON kept in the database.
func EncodeStates(states []State) (string, error) {
	if states == nil {
		states = []State{}
	}
	b, err := json.Marshal(states)
	return string(b), err
}

// DecodeStates reads what EncodeStates wrote; an empty string is no rules.
func DecodeStates(data string) ([]State, error) {
	if data == "" {
		return nil, nil
	}
	var states []State
	if err := json.Unmarshal([]byte(data), &states); err != nil {
		return nil, fmt.Errorf("fault: reading saved rules: %w", err)
	}
	return states, nil
}

// Decide finds the rule that fires for a request, counting the request against every
// enabled rule it reaches. path is the request's path as served (/scim/v2/Users).
// sender names the IdP that sent the request; it is called at most once, and only
// when a rule limited to one IdP matches the method and path.
func (s *Set) Decide(method, path string, sender func() exchange.IdP) (Rule, bool) {
	if s.count.Load() == 0 {
		return Rule{}, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var (
		who   exchange.IdP
		asked bool
	)
	for _, e := range s.entries {
		if !e.Enabled || !e.Rule.Matches(method, path) {
			continue
		}
		if e.Rule.IdP != exchange.Unknown {
			if !asked {
				asked = true
				if sender != nil {
					who = sender()
				}
			}
			if who != e.Rule.IdP {
				continue
			}
		}
		e.Matched++
		if e.Matched <= e.Rule.After || e.Spent() {
			continue
		}
		if e.Rule.Percent != 0 && draw(s.seed, e.key, uint64(e.Matched)) >= uint64(e.Rule.Percent) {
			continue
		}
		e.Fired++
		return e.Rule, true
	}
	return Rule{}, false
}

// draw is the percent draw for the n-th request a rule matched: a number in [0, 100)
// computed from the seed, the hash of the rule's text and n alone (a counter-based
// generator), so which requests fail depends on nothing but the seed and the order
// requests arrive.
func draw(seed, rule, n uint64) uint64 {
	return splitmix64(seed^rule+n*0x9E3779B97F4A7C15) % 100
}

// splitmix64 is the finaliser of Steele, Lea and Flood's SplitMix64: it turns
// consecutive inputs into well-spread outputs.
func splitmix64(z uint64) uint64 {
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
	z = (z ^ (z >> 27)) * 0x94D049BB133111EB
	return z ^ (z >> 31)
}
