package tui

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/scimlab/scimlab/exchange"
	"github.com/scimlab/scimlab/fault"
	"github.com/scimlab/scimlab/idp"
)

// withFaults is a rehearsal with three rules: Okta's 429 twice (spent after three
// creates), flaky group pushes (switched off), and a 70 s delay for Okta's lookups.
func withFaults(t *testing.T, td *testDeps) {
	t.Helper()
	for _, s := range []string{"POST /Users 429 retry-after=30 times=2", "PATCH /Groups/* 500 percent=50", "GET /Users delay=70s idp=okta"} {
		r, err := fault.Parse(s)
		if err != nil {
			t.Fatal(err)
		}
		td.faults.Add(r)
	}
	for range 3 {
		td.faults.Decide("POST", "/scim/v2/Users", nil)
	}
	_ = td.faults.SetEnabled(td.faults.Entries()[1].ID, false)
}

// withInjected adds an eighth request to the sample rehearsal: Okta's create of bob,
// answered 429 by a fault rule.
func withInjected(t *testing.T, td *testDeps) {
	withFaults(t, td)
	const rule = "POST /Users 429 retry-after=30 times=2"
	detail := `scimlab fault injection: the rule "` + rule + `" answered this request with 429; the request was not applied`
	td.reader.add(exchange.Event{Record: exchange.Record{
		Seq: 8, Time: t0.Add(250 * time.Second), Method: "POST", Path: "/scim/v2/Users", Status: 429, Duration: 400 * time.Microsecond,
		Auth: exchange.AuthOK, UserAgent: "Okta SCIM Client 1.0.0", ResourceType: "User", ErrorDetail: detail,
		Fault: &exchange.Injected{Rule: rule, Status: 429, RetryAfter: 30},
		Annotation: exchange.Annotation{IdP: exchange.Okta, Step: exchange.StepCreateUser, Subject: "bob@example.com", Failed: true,
			Summary: "Okta could not create user bob@example.com: 429, injected by a fault rule",
			Hints: []exchange.Hint{{Cause: idp.HintFaultRateLimited, Severity: exchange.SeverityWarn,
				Text: `scimlab answered 429 Too Many Requests on purpose (the fault rule "` + rule + `"); nothing was applied. Okta pauses the task as rate-limited and sends the request again after 30 seconds, the Retry-After it was sent; each further 429 doubles the wait, and after the 10th attempt Okta fails the task for good (Dashboard → Tasks).`}}},
	}})
}

// typed is the key presses that type s.
func typed(s string) []string {
	var keys []string
	for _, r := range s {
		keys = append(keys, string(r))
	}
	return keys
}

func screenText(m Model) string { return ansi.Strip(m.View().Content) }

func TestFaultsTabListsRulesWithTheirCounts(t *testing.T) {
	td := newTestDeps(sampleEvents())
	withFaults(t, td)
	m := newTestModel(t, td, 80, 24)
	if got := screenText(m); !strings.Contains(got, "6 Faults ↯2") {
		t.Errorf("the tab bar does not count the 2 rules on:\n%s", got)
	}
	m = press(t, m, "6")
	got := screenText(m)
	for _, want := range []string{
		"2 of 3 rules on · fault seed 1",
		"on  POST /Users 429 retry-after=30 times=2",
		"3 2/2 spent",
		"off PATCH /Groups/* 500 percent=50",
		"POST /Users: answer 429 Too Many Requests with Retry-After: 30, at most 2",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("the Faults tab lacks %q:\n%s", want, got)
		}
	}
	// Traffic moves the counters without a key press.
	td.faults.Decide("GET", "/scim/v2/Users", func() exchange.IdP { return exchange.Okta })
	m = send(t, m, eventsMsg{newEvent(8, "GET", "/scim/v2/Users", 200, "Okta looked up user bob")})
	row := regexp.MustCompile(`(?m)on  GET /Users delay=70s idp=okta +1 +1 *$`)
	if got := screenText(m); !row.MatchString(got) {
		t.Errorf("the counters did not follow the traffic (want matched 1, fired 1):\n%s", got)
	}
}

// A typed rule is checked as it is typed: a bad one says which part is wrong and is
// not added; a good one says what it does and is added on enter.
func TestFaultsTabAddsTypedRules(t *testing.T) {
	td := newTestDeps(sampleEvents())
	m := newTestModel(t, td, 80, 24)
	m = press(t, m, "6", "a")
	m = press(t, m, typed("POST /Users 4299")...)
	if got := screenText(m); !strings.Contains(got, `✘ status "4299": a status has three digits, from 400 to 599`) {
		t.Errorf("no live refusal:\n%s", got)
	}
	m = press(t, m, "enter")
	if len(td.faults.Entries()) != 0 || !m.faults.adding {
		t.Fatalf("enter on a bad rule: %d rules, field open %v", len(td.faults.Entries()), m.faults.adding)
	}
	m = press(t, m, "backspace", "backspace", "backspace", "backspace")
	m = press(t, m, typed("429 retry-after=30 times=2")...)
	if got := screenText(m); !strings.Contains(got, "✔ POST /Users: answer 429 Too Many Requests with Retry-After: 30, at most 2") {
		t.Errorf("no live description of a good rule:\n%s", got)
	}
	// While typing, "q" and the digits type: they do not quit or switch tabs.
	m = press(t, m, "enter")
	es := td.faults.Entries()
	if len(es) != 1 || es[0].Rule.String() != "POST /Users 429 retry-after=30 times=2" || !es[0].Enabled {
		t.Fatalf("rules after enter: %+v", es)
	}
	if got := screenText(m); !strings.Contains(got, "6 Faults ↯1") || !strings.Contains(got, "Rule on: POST /Users 429 retry-after=30 times=2") {
		t.Errorf("after adding:\n%s", got)
	}
	m = press(t, m, "a", "esc")
	if m.faults.adding || len(td.faults.Entries()) != 1 {
		t.Error("esc did not cancel adding")
	}
}

func TestFaultsTabSwitchesRemovesAndClears(t *testing.T) {
	td := newTestDeps(sampleEvents())
	withFaults(t, td)
	m := newTestModel(t, td, 80, 24)
	m = press(t, m, "6", " ")
	if td.faults.Entries()[0].Enabled {
		t.Error("space did not switch the first rule off")
	}
	m = press(t, m, "e")
	if !td.faults.Entries()[0].Enabled {
		t.Error("e did not switch it on again")
	}
	m = press(t, m, "down", "d")
	if es := td.faults.Entries(); len(es) != 2 || es[1].Rule.Path != "/Users" || es[1].Rule.Method != "GET" {
		t.Errorf("d removed the wrong rule: %+v", es)
	}
	m = press(t, m, "D")
	if got := screenText(m); !strings.Contains(got, "Remove every fault rule?") {
		t.Fatalf("D asks nothing:\n%s", got)
	}
	m = press(t, m, "n")
	if len(td.faults.Entries()) != 2 {
		t.Error("cancelling the dialog removed rules")
	}
	m = press(t, m, "D", "y")
	if len(td.faults.Entries()) != 0 {
		t.Error("confirming did not remove every rule")
	}
	if got := screenText(m); !strings.Contains(got, "No fault rules") || strings.Contains(got, "↯") {
		t.Errorf("after clearing:\n%s", got)
	}
}

// An injected answer is marked in the list and explained in the inspector; the
// server's own failures are not.
func TestInspectorMarksInjectedAnswers(t *testing.T) {
	td := newTestDeps(sampleEvents())
	withInjected(t, td)
	m := newTestModel(t, td, 200, 50)
	m = press(t, m, "2", "enter")
	got := screenText(m)
	for _, want := range []string{
		"↯ Okta could not create user bob",
		"↯ Injected fault",
		"rule POST /Users 429 retry-after=30 times=2",
		"answered 429 with Retry-After: 30, in place of the server: nothing was stored",
		"nothing was applied. Okta pauses the",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("the screen lacks %q:\n%s", want, got)
		}
	}
	if n := strings.Count(got, "↯"); n != 3 {
		t.Errorf("%d ↯ marks, want 3 (the row, the inspector, the tab bar)", n)
	}
}
