package sim

import (
	"strings"
	"testing"

	"github.com/scimlab/scimlab/exchange"
)

// benign are the notes a tolerant server may earn: they describe the IdP's normal
// reactions (linking a match, skipping an unprovisioned member), not a fault.
var benign = map[string]bool{NoteLinked: true, NoteReactivateMatch: true, NoteSkipped: true, NoteRestarted: true}

func TestLifecyclesPassAgainstTolerantScimlab(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		// wantNotes are notes the lifecycle must earn against a correct server.
		wantNotes []string
	}{
		{"okta aiw", Config{IdP: exchange.Okta}, []string{NoteReactivateMatch}},
		{"okta oin", Config{IdP: exchange.Okta, OktaFlavour: exchange.FlavourOIN}, []string{NoteReactivateMatch}},
		{"entra", Config{IdP: exchange.Entra}, nil},
		{"entra compliant", Config{IdP: exchange.Entra, EntraCompliant: true}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.cfg.Target = newServer(t, false, nil)
			rep := play(t, tt.cfg)
			out := text(t, rep)
			if !rep.Passed() || rep.ExitCode() != ExitPassed {
				t.Fatalf("want every step passed against a tolerant server:\n%s", out)
			}
			codes := noteCodes(rep)
			for code := range codes {
				if !benign[code] {
					t.Errorf("a correct server earned note %q:\n%s", code, out)
				}
			}
			if codes[NoteLinked] != 0 {
				t.Errorf("a fresh server holds no one to link, yet %d links were noted", codes[NoteLinked])
			}
			for _, code := range tt.wantNotes {
				if codes[code] == 0 {
					t.Errorf("missing note %q:\n%s", code, out)
				}
			}
			if rep.Requests < 10 || rep.Errors != 0 {
				t.Errorf("requests %d, errors %d: want a full lifecycle without errors", rep.Requests, rep.Errors)
			}
			t.Log("\n" + out)
		})
	}
}

// TestStrictScimlabRefusesWhatEntraSends plays each lifecycle against scimlab in strict
// mode: Okta sends nothing a strict server refuses; Entra's steps fail where strict
// mode refuses its quirks, and each failure names the quirk and quotes the server.
func TestStrictScimlabRefusesWhatEntraSends(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		// refused maps a failing step's title to the quirk its note must name.
		refused map[string]string
	}{
		{"okta aiw", Config{IdP: exchange.Okta}, nil},
		{"okta oin", Config{IdP: exchange.Okta, OktaFlavour: exchange.FlavourOIN}, nil},
		{"entra", Config{IdP: exchange.Entra}, map[string]string{
			"push group Sales":           "ADSCIM group schema URN",
			"update alice":               "capitalised PATCH ops",
			"set alice's manager to bob": "capitalised PATCH ops",
			"give alice role Admin":      "capitalised PATCH ops",
			"deactivate bob":             "capitalised PATCH ops",
			"reactivate bob":             "capitalised PATCH ops",
		}},
		{"entra compliant", Config{IdP: exchange.Entra, EntraCompliant: true}, map[string]string{
			"push group Sales":           "ADSCIM group schema URN",
			"update alice":               "path-less replace whose keys are attribute paths",
			"set alice's manager to bob": "manager as a bare id string",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.cfg.Target = newServer(t, true, nil)
			rep := play(t, tt.cfg)
			out := text(t, rep)
			if got := rep.Passed(); got != (len(tt.refused) == 0) {
				t.Fatalf("Passed() = %v with %d expected refusals:\n%s", got, len(tt.refused), out)
			}
			for _, s := range rep.Steps {
				quirk, want := tt.refused[s.Title]
				if !want {
					if s.Status == StatusFailed {
						t.Errorf("step %q failed, strict mode should accept it:\n%s", s.Title, allNotes(s))
					}
					continue
				}
				notes := allNotes(s)
				if s.Status != StatusFailed || !strings.Contains(notes, quirk) || !strings.Contains(notes, "The server said") ||
					!strings.Contains(notes, "SystemForCrossDomainIdentityManagementServiceIncompatible") {
					t.Errorf("step %q: status %s, want failed naming %q, quoting the server and Entra's log code:\n%s", s.Title, s.Status, quirk, notes)
				}
			}
			if rep.ExitCode() != map[bool]int{true: ExitPassed, false: ExitFailed}[len(tt.refused) == 0] {
				t.Errorf("exit code %d", rep.ExitCode())
			}
		})
	}
}
