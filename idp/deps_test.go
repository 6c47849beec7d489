package idp

import (
	"os/exec"
	"strings"
	"testing"
)

// TestImports keeps the package pure: the server, the console and the log command all
// import it, so it may import only the standard library and the quirk catalogue.
func TestImports(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", ".", "./fixture").Output()
	if err != nil {
		t.Skipf("go list: %v", err)
	}
	allowed := map[string]bool{
		"github.com/scimlab/scimlab/idp":              true,
		"github.com/scimlab/scimlab/idp/fixture":      true,
		"github.com/scimlab/scimlab/scimserver/quirk": true,
	}
	for _, p := range strings.Fields(string(out)) {
		if !allowed[p] {
			t.Errorf("forbidden import %s", p)
		}
	}
}
