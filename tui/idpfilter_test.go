package tui

import (
	"testing"

	"github.com/scimlab/scimlab/exchange"
)

// i cycles the Requests tab through Okta, Entra, requests no IdP sent, and all,
// as "scimlab log --idp" filters.
func TestRequestsFilterByIdP(t *testing.T) {
	td := newTestDeps(sampleEvents())
	m := newTestModel(t, td, 200, 50)
	m = press(t, m, "2")
	steps := []struct {
		want    exchange.IdP
		any     bool
		count   int
		label   string
		visible []int64
	}{
		{want: exchange.Okta, count: 3, label: "filter Okta", visible: []int64{1, 2, 3}},
		{want: exchange.Entra, count: 3, label: "filter Entra", visible: []int64{4, 5, 6}},
		{want: exchange.Unknown, count: 1, label: "filter not Okta/Entra", visible: []int64{7}},
		{any: true, count: 7, label: "i IdP"},
	}
	for _, st := range steps {
		m = press(t, m, "i")
		if got := len(m.reqs.vis); got != st.count {
			t.Fatalf("%s: %d rows, want %d", st.label, got, st.count)
		}
		for _, i := range m.reqs.vis {
			if r := m.reqs.rows[i]; !st.any && r.IdP != st.want {
				t.Errorf("%s: row #%d from %q", st.label, r.Seq, r.IdP)
			}
		}
		for j, seq := range st.visible {
			if got := m.reqs.rows[m.reqs.vis[j]].Seq; got != seq {
				t.Errorf("%s: row %d is #%d, want #%d", st.label, j, got, seq)
			}
		}
		mustShow(t, m, st.label)
	}

	// It combines with the other filters, and x clears it.
	m = press(t, m, "i", "i", "m", "m", "m", "m") // Entra, PATCH
	if got := len(m.reqs.vis); got != 2 {
		t.Fatalf("Entra PATCHes: %d rows, want 2", got)
	}
	mustShow(t, m, "PATCH · Entra")
	m = press(t, m, "x")
	if got := len(m.reqs.vis); got != 7 || m.reqs.filter.active() {
		t.Fatalf("after x: %d rows, filter %+v", got, m.reqs.filter)
	}
}
