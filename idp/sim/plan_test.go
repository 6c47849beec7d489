package sim

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/scimlab/scimlab/exchange"
	"github.com/scimlab/scimlab/store"
)

// A plan lists the steps a run plays, titled as its report titles them, and every
// name the run sends; a label changes the names and nothing else.
func TestPlan(t *testing.T) {
	target := newServer(t, false, nil)
	cfg := Config{IdP: exchange.Okta, Target: target, Token: testToken}
	plan, err := cfg.Plan()
	if err != nil {
		t.Fatal(err)
	}
	rep := play(t, cfg)
	if len(plan.Steps) != len(rep.Steps) {
		t.Fatalf("plan has %d steps, the run played %d", len(plan.Steps), len(rep.Steps))
	}
	for i, s := range plan.Steps {
		if s.Index != rep.Steps[i].Index || s.Title != rep.Steps[i].Title || s.Do != rep.Steps[i].Do {
			t.Errorf("planned %+v, played %d %s %q", s, rep.Steps[i].Index, rep.Steps[i].Do, rep.Steps[i].Title)
		}
	}
	if !slices.Equal(plan.UserNames, []string{"alice@example.com", "bob@example.com"}) ||
		!slices.Contains(plan.GroupNames, "Engineering") || !slices.Contains(plan.GroupNames, "Platform Engineering") {
		t.Errorf("names: %v %v", plan.UserNames, plan.GroupNames)
	}

	cfg.Label = "2"
	labelled, err := cfg.Plan()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(labelled.UserNames, []string{"alice.2@example.com", "bob.2@example.com"}) ||
		!slices.Equal(labelled.GroupNames, []string{"Platform Engineering 2", "Engineering 2"}) {
		t.Errorf("labelled names: %v %v", labelled.UserNames, labelled.GroupNames)
	}
	for i := range plan.Steps {
		if plan.Steps[i] != labelled.Steps[i] {
			t.Errorf("a label changed step %d: %+v → %+v", i+1, plan.Steps[i], labelled.Steps[i])
		}
	}

	cfg.Label = "2 x"
	if _, err := cfg.Plan(); !IsUsageError(err) || !strings.Contains(err.Error(), "letters, digits") {
		t.Errorf("a label with a space: %v", err)
	}
}

// Played again against the same server, a lifecycle finds its users and links them
// instead of creating them; with a label it provisions afresh, every step passing, so
// a class demo can be repeated.
func TestALabelReplaysALifecycleAfresh(t *testing.T) {
	for _, cfg := range []Config{{IdP: exchange.Okta}, {IdP: exchange.Okta, OktaFlavour: exchange.FlavourOIN}, {IdP: exchange.Entra}, {IdP: exchange.Entra, EntraCompliant: true}} {
		var db *store.DB
		cfg.Target, db = newServerDB(t, false, nil)
		first := play(t, cfg)
		again := play(t, cfg)
		cfg.Label = "2"
		labelled := play(t, cfg)
		name := string(cfg.IdP) + string(cfg.OktaFlavour)
		if !first.Passed() || !labelled.Passed() {
			t.Fatalf("%s: first passed %v, labelled passed %v:\n%s", name, first.Passed(), labelled.Passed(), text(t, labelled))
		}
		// Entra's lifecycle ends by deleting bob, whom it then creates again.
		if creates(again) >= creates(first) || noteCodes(again)[NoteLinked] == 0 {
			t.Errorf("%s: played again unlabelled, %d users created, %d linked", name, creates(again), noteCodes(again)[NoteLinked])
		}
		if creates(labelled) != creates(first) || creates(first) == 0 || noteCodes(labelled)[NoteLinked] != 0 {
			t.Errorf("%s: labelled run created %d users (first run %d) and linked %d", name, creates(labelled), creates(first), noteCodes(labelled)[NoteLinked])
		}
		// alice, whom every lifecycle updates and none deletes, keeps her labelled name.
		for _, userName := range []string{"alice@example.com", "alice.2@example.com"} {
			n, _, err := db.Search(context.Background(), store.Query{Kind: store.KindUser,
				Where: store.CondCmp{Field: store.Field{Path: []string{"userName"}}, Op: "eq", Value: userName}})
			if err != nil || n != 1 {
				t.Errorf("%s: %d users named %s (%v)", name, n, userName, err)
			}
		}
	}
}

// creates counts the user creates a run sent that were answered 201.
func creates(rep *Report) int {
	n := 0
	for _, s := range rep.Steps {
		for _, o := range s.Outcomes {
			for _, ex := range o.Exchanges {
				if ex.Kind == kindUsersCreate && ex.Status == 201 {
					n++
				}
			}
		}
	}
	return n
}
