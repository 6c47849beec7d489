package main

import (
	"encoding/json"
	"io"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/scimlab/scimlab"

// packageGraph is the intended shape of the house: for each package, the scimlab
// packages it may depend on, directly or not. The vocabulary (scim/..., exchange) sits
// at the bottom and is imported by all; nothing imports upwards. docs/architecture.md
// explains each package's job.
var packageGraph = map[string][]string{
	"scim/quirk":  {},
	"scim/filter": {"scim/quirk"},
	"scim/schema": {"scim/filter", "scim/quirk"},
	"scim/patch":  {"scim/schema", "scim/filter", "scim/quirk"},
	"exchange":    {"scim/quirk"},
	"fault":       {"exchange", "scim/quirk"},
	"store":       {"exchange", "scim/quirk"},
	"profile":     {"exchange", "scim/schema", "scim/filter", "scim/quirk"},
	"scimserver":  {"store", "exchange", "fault", "profile", "scim/patch", "scim/schema", "scim/filter", "scim/quirk"},
	"idp":         {"exchange", "scim/filter", "scim/quirk"},
	"idp/fixture": {},
	"idp/sim":     {"idp", "exchange", "scim/filter", "scim/quirk"},
	"tunnel":      {},
	"config":      {},
	"tui":         {"idp", "tunnel", "exchange", "fault", "human", "scim/filter", "scim/quirk"},
	"logview":     {"store", "exchange", "scim/quirk"},
	"har":         {"exchange", "scim/quirk"},
	"har/hartest": {},
	"bundle":      {"exchange", "scim/quirk"},
	"lab":         {"store", "bundle", "har", "human", "idp", "exchange", "fault", "profile", "scim/schema", "scim/filter", "scim/quirk"},
	"replay":      {"exchange", "scim/quirk"},
	"progress":    {},
	"human":       {},
	"app": {"scimserver", "store", "human", "idp", "idp/sim", "tui", "tunnel", "exchange", "fault", "profile", "lab", "bundle", "har", "replay",
		"scim/patch", "scim/schema", "scim/filter", "scim/quirk"},
	"doctor": {"app", "config", "scimserver", "store", "human", "idp", "idp/sim", "tui", "tunnel", "exchange", "fault", "profile", "lab", "bundle", "har", "replay",
		"scim/patch", "scim/schema", "scim/filter", "scim/quirk"},
	"cli": {"app", "config", "doctor", "logview", "scimserver", "store", "human", "idp", "idp/sim", "tui", "tunnel", "exchange", "fault", "profile",
		"lab", "bundle", "har", "replay", "scim/patch", "scim/schema", "scim/filter", "scim/quirk"},
	"": {"app", "cli", "config", "doctor", "logview", "scimserver", "store", "human", "idp", "idp/sim", "idp/fixture", "tui", "tunnel", "exchange", "fault", "profile",
		"lab", "bundle", "har", "replay", "progress", "scim/patch", "scim/schema", "scim/filter", "scim/quirk"},
}

// forbidden are outside packages some packages must not link: the vocabulary opens no
// connection and no database, and the console reaches the database only through its
// Reader. An entry ending in "/" forbids a whole module.
var forbidden = map[string][]string{
	"scim/quirk":  {"net", "net/http", "database/sql"},
	"scim/filter": {"net", "net/http", "database/sql"},
	"scim/schema": {"net", "net/http", "database/sql"},
	"scim/patch":  {"net", "net/http", "database/sql"},
	"exchange":    {"database/sql", "modernc.org/sqlite/"},
	"fault":       {"database/sql", "modernc.org/sqlite/"},
	"profile":     {"database/sql", "modernc.org/sqlite/"},
	"har":         {"database/sql", "modernc.org/sqlite/"},
	"bundle":      {"database/sql", "modernc.org/sqlite/"},
	"replay":      {"database/sql", "modernc.org/sqlite/"},
	"idp":         {"database/sql", "modernc.org/sqlite/"},
	"tui":         {"database/sql", "modernc.org/sqlite/"},
}

type listedPackage struct {
	ImportPath string
	Deps       []string
}

// TestPackageGraph checks every package's transitive dependencies against
// packageGraph. It needs the go command; without it the test fails rather than
// letting the graph drift unchecked.
func TestPackageGraph(t *testing.T) {
	cmd := exec.Command("go", "list", "-deps=false", "-json=ImportPath,Deps", "./...")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list ./... failed, so the package graph cannot be checked: %v", err)
	}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	seen := map[string]bool{}
	for {
		var p listedPackage
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("reading go list output: %v", err)
		}
		rel := strings.TrimPrefix(strings.TrimPrefix(p.ImportPath, module), "/")
		allowed, known := packageGraph[rel]
		if !known {
			t.Errorf("package %q is not in packageGraph: add it with the packages it may use, and describe it in docs/architecture.md", p.ImportPath)
			continue
		}
		seen[rel] = true
		for _, dep := range p.Deps {
			if depRel, ours := strings.CutPrefix(dep, module+"/"); ours && !slices.Contains(allowed, depRel) {
				t.Errorf("%s depends on %s, which packageGraph does not allow", p.ImportPath, dep)
			}
			for _, bad := range forbidden[rel] {
				if dep == bad || strings.HasSuffix(bad, "/") && (strings.HasPrefix(dep, bad) || dep == strings.TrimSuffix(bad, "/")) {
					t.Errorf("%s links %s", p.ImportPath, dep)
				}
			}
		}
	}
	for rel := range packageGraph {
		if !seen[rel] {
			t.Errorf("packageGraph names %q, which go list did not report", rel)
		}
	}
}
