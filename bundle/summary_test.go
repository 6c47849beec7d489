package bundle

import (
	"strings"
	"testing"
	"time"

	"github.com/scimlab/scimlab/exchange"
)

// The summary says which app scimlab played, its fault rules, the answers they
// injected and the requests the profile changed, and what the app holds besides the
// IdP's resources; what did not happen is not claimed.
func TestSummaryNamesTheAppPlayed(t *testing.T) {
	t0 := time.Date(2025, 3, 4, 10, 0, 0, 0, time.UTC)
	s := &Summary{Lab: "acme", Created: t0, Creator: "scimlab test", Users: 2, Groups: 1, Memberships: 2,
		Profile: "school (custom, from school.yaml; its text is in settings.json)", FaultRules: []string{"POST /Users 503 times=1", "DELETE * 500  (off)"},
		Tombstones: 1, AppActions: 3, Independent: 1}
	s.Observe(&exchange.Record{Seq: 1, Time: t0, Method: "POST", Path: "/scim/v2/Users", Status: 503,
		Fault: &exchange.Injected{Rule: "POST /Users 503 times=1", Status: 503}})
	s.Observe(&exchange.Record{Seq: 2, Time: t0, Method: "POST", Path: "/scim/v2/Users", Status: 201,
		Effects: []exchange.Effect{{Kind: exchange.EffectAttributeDropped, Detail: "emails"}}})
	s.Observe(&exchange.Record{Seq: 3, Time: t0, Method: "GET", Path: "/scim/v2/Users", Status: 200})
	text := s.Text()
	for _, want := range []string{
		"Besides, the app holds 1 deleted user or group (kept until a reset) and 1 independent account; its own admin took 3 actions (app-actions.jsonl).",
		"The app scimlab played",
		"  Profile: school (custom, from school.yaml; its text is in settings.json)",
		"  The profile changed what 1 request did",
		"  Fault rules:\n    POST /Users 503 times=1\n    DELETE * 500  (off)\n",
		"  1 request was answered by a fault rule instead of the app.",
		"tombstones.jsonl",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the summary lacks %q:\n%s", want, text)
		}
	}

	quiet := &Summary{Lab: "quiet", Created: t0}
	quiet.Observe(&exchange.Record{Seq: 1, Time: t0, Method: "GET", Path: "/scim/v2/Users", Status: 200})
	text = quiet.Text()
	for _, want := range []string{"  Profile: generic", "  Fault rules: none."} {
		if !strings.Contains(text, want) {
			t.Errorf("a plain lab's summary lacks %q:\n%s", want, text)
		}
	}
	for _, never := range []string{"answered by a fault rule", "The profile changed", "Besides, the app holds"} {
		if strings.Contains(text, never) {
			t.Errorf("a plain lab's summary says %q:\n%s", never, text)
		}
	}
}
