package quirk

import (
	"testing"
)

func TestEveryQuirkIsExplained(t *testing.T) {
	for _, q := range All() {
		info := Describe(q)
		if info.Badge == "" || info.What == "" || info.Strict == "" {
			t.Errorf("%s: incomplete explanation %+v", q, info)
		}
		if info.Badge == string(q) {
			t.Errorf("%s: badge repeats the identifier; write words an admin reads", q)
		}
	}
}

func TestDescribeUnknownQuirkStillReads(t *testing.T) {
	info := Describe("from-a-newer-version")
	if info.What == "" || info.Strict == "" {
		t.Fatalf("unknown quirk gave empty text: %+v", info)
	}
}

func TestSet(t *testing.T) {
	var nilSet *Set
	nilSet.Add(StringBoolean) // must not panic
	if got := nilSet.List(); got != nil {
		t.Fatalf("nil set listed %v", got)
	}
	var s Set
	s.Add(StringBoolean)
	s.Add(CapitalisedOp)
	s.Add(StringBoolean)
	got := s.List()
	if len(got) != 2 || got[0] != CapitalisedOp || got[1] != StringBoolean {
		t.Fatalf("List() = %v, want sorted and deduplicated [capitalised-op string-boolean]", got)
	}
}
