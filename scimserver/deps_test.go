package scimserver

import (
	"os/exec"
	"strings"
	"testing"
)

// TestImports keeps imports pointing one way: the server may use the store and its own
// sub-packages, never the console, the tunnel or the IdP classifier (main wires those).
func TestImports(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", ".").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, p := range strings.Fields(string(out)) {
		if !strings.HasPrefix(p, "github.com/scimlab/scimlab/") {
			continue
		}
		switch strings.TrimPrefix(p, "github.com/scimlab/scimlab/") {
		case "scimserver", "scimserver/filter", "scimserver/patch", "scimserver/schema", "scimserver/quirk", "store":
		default:
			t.Errorf("scimserver imports %s; only store and its own sub-packages are allowed", p)
		}
	}
}
