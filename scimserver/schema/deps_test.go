package schema

import (
	"os/exec"
	"strings"
	"testing"
)

// schema sits below the HTTP server: of scimlab's packages it may use only the filter
// grammar (for AttrPath) and what filter itself uses.
func TestImports(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Skipf("go list unavailable: %v", err)
	}
	allowed := map[string]bool{
		"github.com/scimlab/scimlab/scimserver/schema": true,
		"github.com/scimlab/scimlab/scimserver/filter": true,
		"github.com/scimlab/scimlab/scimserver/quirk":  true,
	}
	for _, dep := range strings.Fields(string(out)) {
		if strings.HasPrefix(dep, "github.com/scimlab/scimlab/") && !allowed[dep] {
			t.Errorf("schema depends on %s", dep)
		}
	}
}
