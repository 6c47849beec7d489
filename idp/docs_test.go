package idp

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scimlab/scimlab/exchange"
)

// TestGuidesMatchWalkthroughs keeps docs/okta.md and docs/entra.md in step with the
// walkthroughs: each step is a numbered heading with the step's title, in order.
func TestGuidesMatchWalkthroughs(t *testing.T) {
	for p, file := range map[exchange.IdP]string{exchange.Okta: "okta.md", exchange.Entra: "entra.md"} {
		b, err := os.ReadFile(filepath.Join("..", "docs", file))
		if err != nil {
			t.Fatal(err)
		}
		doc := string(b)
		last := -1
		for i, d := range walkthroughSteps(p) {
			heading := fmt.Sprintf("## %d. %s\n", i+1, d.title)
			at := strings.Index(doc, heading)
			if at < 0 {
				t.Errorf("%s lacks the heading %q", file, strings.TrimSpace(heading))
				continue
			}
			if at < last {
				t.Errorf("%s: %q is out of order", file, d.title)
			}
			last = at
		}
	}
}

// BenchmarkAnnotate measures the classifier over a whole Entra lifecycle.
func BenchmarkAnnotate(b *testing.B) {
	c := NewClassifier()
	exs := make([]*exchange.Record, 0, 32)
	for _, r := range replay(b, "entra.jsonl", NewClassifier(), nil) {
		exs = append(exs, r.ex)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		c.Annotate(exs[i%len(exs)])
	}
}
