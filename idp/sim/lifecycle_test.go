package sim

import (
	"testing"
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
		{"okta aiw", Config{IdP: Okta}, []string{NoteReactivateMatch}},
		{"okta oin", Config{IdP: Okta, OktaFlavour: OIN}, []string{NoteReactivateMatch}},
		{"entra", Config{IdP: Entra}, nil},
		{"entra compliant", Config{IdP: Entra, EntraCompliant: true}, nil},
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
