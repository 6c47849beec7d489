package sim

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestImports keeps the simulator apart from the server it plays against: it may speak
// scimlab's vocabulary (exchange, scim/...), share package idp's knowledge of what the
// IdPs do, and read YAML; it links no server, store or console, so it plays any SCIM
// server alike.
func TestImports(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", ".").Output()
	if err != nil {
		t.Skipf("go list: %v", err)
	}
	allowed := map[string]bool{
		"github.com/scimlab/scimlab/idp/sim":     true,
		"github.com/scimlab/scimlab/exchange":    true,
		"github.com/scimlab/scimlab/idp":         true,
		"github.com/scimlab/scimlab/scim/filter": true,
		"github.com/scimlab/scimlab/scim/quirk":  true,
		"go.yaml.in/yaml/v3":                     true,
	}
	for _, p := range strings.Fields(string(out)) {
		if !allowed[p] {
			t.Errorf("forbidden import %s", p)
		}
	}
}

// TestGuideCoversScenariosAndSteps keeps docs/simulate.md in step with the code: every
// embedded scenario and every step kind is described there.
func TestGuideCoversScenariosAndSteps(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "docs", "simulate.md"))
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	for _, name := range Scenarios() {
		if !strings.Contains(doc, "`"+name+"`") {
			t.Errorf("docs/simulate.md does not list scenario %s", name)
		}
	}
	for kind := range kindRules {
		if !strings.Contains(doc, "| `"+string(kind)+"`") && !strings.Contains(doc, "`"+string(kind)+"` /") && !strings.Contains(doc, "/ `"+string(kind)+"`") {
			t.Errorf("docs/simulate.md does not describe step %s in its table", kind)
		}
	}
}
