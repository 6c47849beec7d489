package patch

import (
	"os/exec"
	"strings"
	"testing"
)

// patch works on JSON documents only: it must not reach the store or the HTTP server.
func TestImports(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Skipf("go list unavailable: %v", err)
	}
	allowed := map[string]bool{
		"github.com/scimlab/scimlab/scimserver/patch":  true,
		"github.com/scimlab/scimlab/scimserver/schema": true,
		"github.com/scimlab/scimlab/scimserver/filter": true,
		"github.com/scimlab/scimlab/scimserver/quirk":  true,
	}
	for _, dep := range strings.Fields(string(out)) {
		if strings.HasPrefix(dep, "github.com/scimlab/scimlab/") && !allowed[dep] {
			t.Errorf("patch depends on %s", dep)
		}
	}
}
