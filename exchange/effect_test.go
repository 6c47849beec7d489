package exchange

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestEffectWords(t *testing.T) {
	e := Effect{Kind: EffectAttributeDropped, Detail: "title"}
	if e.Badge() != "dropped title" || e.Sentence() != "the app does not store title, so it was dropped" {
		t.Errorf("%q / %q", e.Badge(), e.Sentence())
	}
	if e := (Effect{Kind: EffectKeptInactive}); e.Badge() != "kept inactive" || strings.Contains(e.Sentence(), "%") {
		t.Errorf("%q / %q", e.Badge(), e.Sentence())
	}
	// A kind this version does not know (written by a newer scimlab) still reads.
	if e := (Effect{Kind: "future-thing", Detail: "x"}); e.Badge() != "future-thing" || e.Sentence() != "future-thing: x" {
		t.Errorf("%q / %q", e.Badge(), e.Sentence())
	}
	r := Record{Effects: []Effect{{Kind: EffectSeatLimit, Detail: "3"}}}
	if !r.HasEffect(EffectSeatLimit) || r.HasEffect(EffectKeptInactive) {
		t.Error("HasEffect")
	}
}

// TestEffectsDocumented keeps docs/profiles.md's table of effects complete.
func TestEffectsDocumented(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "docs", "profiles.md"))
	if err != nil {
		t.Fatal(err)
	}
	for k := range effectText {
		if !strings.Contains(string(b), "| `"+string(k)+"` |") {
			t.Errorf("docs/profiles.md does not list the effect %s", k)
		}
	}
}
