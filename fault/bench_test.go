package fault

import "testing"

// BenchmarkDecide measures what the fault layer adds to every request: nothing to do
// without rules, and a short locked scan with a few.
func BenchmarkDecide(b *testing.B) {
	for _, bc := range []struct {
		name  string
		rules []string
	}{
		{"no rules", nil},
		{"3 rules, none matching", []string{"PATCH /Groups/* 500", "DELETE /Users/* drop", "GET /Schemas delay=1s"}},
		{"percent rule matching", []string{"POST /Users 500 percent=50"}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			s := NewSet(DefaultSeed)
			for _, r := range bc.rules {
				rule, err := Parse(r)
				if err != nil {
					b.Fatal(err)
				}
				s.Add(rule)
			}
			b.ReportAllocs()
			for b.Loop() {
				s.Decide("POST", "/scim/v2/Users", nil)
			}
		})
	}
}
