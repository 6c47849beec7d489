package sim

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/scimlab/scimlab/exchange"
)

// TestEntraFailsWhereAServerRefusesWhatEntraReallySends: a server that refuses a JSON
// null in a create, or a capitalised op, fails the Entra lifecycle at that step, and
// the note says what Entra logs and what was refused.
func TestEntraFailsWhereAServerRefusesWhatEntraReallySends(t *testing.T) {
	tests := []struct {
		name   string
		refuse func(*http.Request, []byte) bool
		detail string
		// step and target fail; the note must hold every part of want.
		step, target string
		want         []string
		// passing is a target of the same step that must pass without a refusal.
		passing string
	}{
		{
			name: "null in a create", refuse: bodyHas(http.MethodPost, "/Users", ":null"),
			detail: "null is not a valid attribute value",
			step:   "assign 2 users", target: "bob", passing: "alice",
			want: []string{"JSON null attribute values", "SystemForCrossDomainIdentityManagementServiceIncompatible", "null is not a valid attribute value"},
		},
		{
			name: "capitalised op", refuse: bodyHas(http.MethodPatch, "/", `"op":"Add"`),
			detail: `unsupported op "Add"`,
			step:   "push group Sales", target: "Sales",
			want: []string{"capitalised PATCH ops", "SystemForCrossDomainIdentityManagementServiceIncompatible", "The server refused what Entra really sends"},
		},
		{
			name: "a refusal that names nothing", refuse: bodyHas(http.MethodPatch, "/", `"op":"Add"`),
			step: "push group Sales", target: "Sales",
			want: []string{"answered 400 to a request carrying what Entra really sends: capitalised PATCH ops", "SystemForCrossDomainIdentityManagementServiceIncompatible"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			target := newServer(t, false, intercept(tt.refuse, scimError(http.StatusBadRequest, tt.detail)))
			rep := play(t, Config{IdP: exchange.Entra, Target: target})
			if rep.Passed() || rep.ExitCode() != ExitFailed {
				t.Fatalf("the run passed against a server refusing %s:\n%s", tt.name, text(t, rep))
			}
			s := stepNamed(t, rep, "", tt.step)
			o := outcome(t, s, tt.target)
			notes := notesOf(o)
			if s.Status != StatusFailed || o.Status != StatusFailed || !hasCode(o, NoteRefusedQuirk) {
				t.Fatalf("step %q / %s: %s / %s, want failed with a refused-quirk note:\n%s", tt.step, tt.target, s.Status, o.Status, notes)
			}
			for _, w := range tt.want {
				if !strings.Contains(notes, w) {
					t.Errorf("the note lacks %q:\n%s", w, notes)
				}
			}
			if tt.passing != "" {
				if p := outcome(t, s, tt.passing); p.Status != StatusPassed || hasCode(p, NoteRefusedQuirk) {
					t.Errorf("%s should pass untouched: %s\n%s", tt.passing, p.Status, notesOf(p))
				}
			}
		})
	}
}

// TestEntraDoesNotRecreateAfterInvalidAnchor: the app deletes alice behind Entra's
// back; Entra's next update gets a 404, logs InvalidAnchor, does not re-create her,
// sends nothing more for her, and only after a restart matches and creates afresh.
func TestEntraDoesNotRecreateAfterInvalidAnchor(t *testing.T) {
	target := newServer(t, false, nil)
	file := writeScenario(t, "anchor.yaml", `
idp: entra
users:
  - {userName: alice@example.com, givenName: Alice, familyName: Archer}
  - {userName: bob@example.com, givenName: Bob, familyName: Baker}
steps:
  - do: assign
    users: all
  - do: update-user
    user: alice
    set: {title: Lead}
  - do: set-manager
    user: alice
    manager: bob
  - do: update-user
    user: bob
    set: {title: Manager}
  - do: restart-provisioning
  - do: assign
    user: alice
`)
	var aliceID string
	obs := Funcs{
		OnAnswered: func(ex *Exchange) {
			if ex.Kind == kindUsersCreate && ex.Target == "alice" && aliceID == "" {
				doc, _ := parseResource(ex.Response)
				aliceID = str(doc, "id")
			}
		},
		OnStepStarted: func(s *StepResult) {
			if s.Title != "update alice" {
				return
			}
			req, _ := http.NewRequest(http.MethodDelete, target+"/Users/"+aliceID, nil)
			req.Header.Set("Authorization", "Bearer "+testToken)
			resp, err := http.DefaultClient.Do(req)
			if err != nil || resp.StatusCode != http.StatusNoContent {
				t.Errorf("deleting alice in the app: %v %v", err, resp)
			}
		},
	}
	rep, err := Run(context.Background(), Config{IdP: exchange.Entra, Target: target, Token: testToken, Scenario: file}, obs)
	if err != nil {
		t.Fatal(err)
	}
	out := text(t, rep)
	update := outcome(t, rep.Steps[1], "alice")
	if update.Status != StatusFailed || !hasCode(update, NoteInvalidAnchor) || !strings.Contains(notesOf(update), "does not re-create") {
		t.Fatalf("update after the delete: want InvalidAnchor without re-create:\n%s", out)
	}
	for _, ex := range update.Exchanges {
		if ex.Method == http.MethodPost {
			t.Errorf("Entra re-created alice after InvalidAnchor: %s %s", ex.Method, ex.URL)
		}
	}
	if m := outcome(t, rep.Steps[2], "alice"); m.Status != StatusSkipped || !strings.Contains(notesOf(m), "InvalidAnchor") || len(m.Exchanges) != 0 {
		t.Errorf("set-manager after InvalidAnchor: want skipped without a request:\n%s", out)
	}
	if b := outcome(t, rep.Steps[3], "bob"); b.Status != StatusPassed || hasCode(b, NoteInvalidAnchor) {
		t.Errorf("bob, still present, must update normally:\n%s", out)
	}
	again := outcome(t, rep.Steps[5], "alice")
	kinds := []string{}
	for _, ex := range again.Exchanges {
		kinds = append(kinds, ex.Kind)
	}
	if again.Status != StatusPassed || strings.Join(kinds, ",") != kindUsersFilter+","+kindUsersCreate {
		t.Errorf("after restart Entra must look alice up and create her: %s %v\n%s", again.Status, kinds, out)
	}
}

// TestEntraMatchesAfterRestart: after a restart, Entra looks a known user up, finds
// it, links it instead of creating, and patches only what differs.
func TestEntraMatchesAfterRestart(t *testing.T) {
	target := newServer(t, false, nil)
	file := writeScenario(t, "match.yaml", `
idp: entra
users:
  - {userName: alice@example.com, givenName: Alice, familyName: Archer, title: Engineer}
steps:
  - do: assign
    user: alice
  - do: restart-provisioning
  - do: assign
    user: alice
`)
	rep := play(t, Config{IdP: exchange.Entra, Target: target, Scenario: file})
	first, again := outcome(t, rep.Steps[0], "alice"), outcome(t, rep.Steps[2], "alice")
	if hasCode(first, NoteLinked) {
		t.Errorf("the first assign created alice; it must not claim a match:\n%s", notesOf(first))
	}
	if !hasCode(again, NoteLinked) || len(again.Exchanges) != 1 || again.Exchanges[0].Kind != kindUsersFilter {
		t.Errorf("after restart: want one lookup and a match, no create and no PATCH (nothing differs):\n%s", text(t, rep))
	}
	if !hasCode(rep.Steps[1].Outcomes[0], NoteRestarted) {
		t.Errorf("restart-provisioning must say what Entra forgets")
	}
}

// TestEntraFilterAnswers: 404 and surplus hits on Entra's lookups.
func TestEntraFilterAnswers(t *testing.T) {
	duplicate := edited(func(status int, body []byte) (int, []byte) {
		list, _ := parseList(body)
		if len(list.resources) != 1 {
			return status, body
		}
		one := string(mustJSON(list.resources[0]))
		return status, []byte(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":2,"startIndex":1,"itemsPerPage":2,"Resources":[` + one + "," + one + `]}`)
	})
	tests := []struct {
		name   string
		wrap   func(http.Handler) http.Handler
		step   string
		target string
		code   string
		want   string
		halted bool
	}{
		{"404 to the test probe", intercept(isFilter("Users", ""), scimError(http.StatusNotFound, "no such user")),
			"test connection", "", NoteFilter404, "Test Connection fails on exactly this", true},
		{"two hits for one user", intercept(nth(2, isFilter("Users", "bob")), duplicate),
			"assign bob", "bob", NoteDuplicateTargets, "DuplicateTargetEntries", false},
		{"members despite excludedAttributes", intercept(is(http.MethodGet, "/Groups/"), edited(func(s int, b []byte) (int, []byte) {
			return s, []byte(strings.Replace(string(b), "{", `{"members":[],`, 1))
		})), "rename Sales", "Sales", NoteMembersReturned, "SystemForCrossDomainIdentityManagementMultipleEntriesInResponse", false},
	}
	file := writeScenario(t, "filters.yaml", `
idp: entra
users:
  - {userName: bob@example.com}
groups:
  - {name: Sales, members: [bob]}
steps:
  - do: test-connection
  - do: assign
    user: bob
  - do: restart-provisioning
  - do: assign
    user: bob
  - do: restart-provisioning
  - do: push-group
    group: Sales
  - do: rename-group
    group: Sales
    to: Sales EMEA
`)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep := play(t, Config{IdP: exchange.Entra, Target: newServer(t, false, tt.wrap), Scenario: file})
			out := text(t, rep)
			var hit *StepResult
			for _, s := range rep.Steps {
				for _, o := range s.Outcomes {
					if hasCode(o, tt.code) {
						hit = s
						if o.Status != StatusFailed || !strings.Contains(notesOf(o), tt.want) || o.Target != tt.target {
							t.Errorf("%s: outcome %s for %q, want failed for %q with %q:\n%s", tt.code, o.Status, o.Target, tt.target, tt.want, notesOf(o))
						}
					}
				}
			}
			if hit == nil || !strings.HasPrefix(hit.Title, tt.step) {
				t.Fatalf("want note %s on step %q:\n%s", tt.code, tt.step, out)
			}
			if halted := noteCodes(rep)[NoteHalted] > 0; halted != tt.halted {
				t.Errorf("halted = %v, want %v:\n%s", halted, tt.halted, out)
			}
			for code := range noteCodes(rep) {
				if code != tt.code && !benign[code] && code != NoteHalted {
					t.Errorf("unexpected note %s:\n%s", code, out)
				}
			}
		})
	}
}

// TestEntraRemovalThatWipesTheGroup: a server answering a removal with the group is
// checked for members it should have kept.
func TestEntraRemovalThatWipesTheGroup(t *testing.T) {
	file := writeScenario(t, "wipe.yaml", `
idp: entra
users:
  - {userName: alice@example.com}
  - {userName: bob@example.com}
groups:
  - {name: Sales, members: [alice, bob]}
steps:
  - do: assign
    users: all
  - do: push-group
    group: Sales
  - do: remove-members
    group: Sales
    users: [bob]
`)
	// answerWithGroup replies to the removal with the group as the server now holds it,
	// optionally emptied the way a "remove all" server leaves it.
	answerWithGroup := func(wipe bool) func(http.Handler) http.Handler {
		return intercept(bodyHas(http.MethodPatch, "/Groups/", `"op":"Remove"`), func(w http.ResponseWriter, r *http.Request, body []byte, next http.Handler) {
			next.ServeHTTP(httptestDiscard{}, r)
			get, _ := http.NewRequest(http.MethodGet, r.URL.Path, nil)
			get.Header.Set("Authorization", "Bearer "+testToken)
			edited(func(s int, b []byte) (int, []byte) {
				if wipe {
					doc, _ := parseResource(b)
					doc["members"] = []any{}
					b = mustJSON(doc)
				}
				return http.StatusOK, b
			})(w, get.WithContext(r.Context()), nil, next)
		})
	}
	for _, wipe := range []bool{false, true} {
		rep := play(t, Config{IdP: exchange.Entra, Target: newServer(t, false, answerWithGroup(wipe)), Scenario: file})
		o := outcome(t, rep.Steps[2], "Sales")
		if got := hasCode(o, NoteMembersWiped); got != wipe {
			t.Errorf("wipe=%v: members-wiped noted = %v:\n%s", wipe, got, text(t, rep))
		}
		if wipe && !strings.Contains(notesOf(o), "alice@example.com") {
			t.Errorf("the note must name the member lost:\n%s", notesOf(o))
		}
	}
}

// httptestDiscard swallows a response.
type httptestDiscard struct{}

func (httptestDiscard) Header() http.Header         { return http.Header{} }
func (httptestDiscard) Write(b []byte) (int, error) { return len(b), nil }
func (httptestDiscard) WriteHeader(int)             {}
