package store

import (
	"os/exec"
	"strings"
	"testing"
)

// TestNoScimlabImports keeps store at the bottom of the import graph: it may
// depend on no other scimlab package.
func TestNoScimlabImports(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go tool not in PATH")
	}
	const self = "github.com/scimlab/scimlab/store"
	out, err := exec.Command(goTool, "list", "-deps", self).CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	deps := strings.Fields(string(out))
	if len(deps) < 10 {
		t.Fatalf("go list returned too little to trust: %q", deps)
	}
	for _, dep := range deps {
		if dep != self && (dep == "github.com/scimlab/scimlab" || strings.HasPrefix(dep, "github.com/scimlab/scimlab/")) {
			t.Errorf("store imports %s", dep)
		}
	}
}
