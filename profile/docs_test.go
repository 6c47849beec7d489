package profile

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func readDoc(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "docs", "profiles.md"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestDocExampleLoads keeps the example of docs/profiles.md a file that works.
func TestDocExampleLoads(t *testing.T) {
	doc := readDoc(t)
	_, section, ok := strings.Cut(doc, "## A custom profile file")
	if !ok {
		t.Fatal("docs/profiles.md has no section \"A custom profile file\"")
	}
	_, block, ok := strings.Cut(section, "```yaml\n")
	if !ok {
		t.Fatal("the section has no yaml block")
	}
	block, _, _ = strings.Cut(block, "```")
	p, err := Parse("school.yaml", []byte(block))
	if err != nil {
		t.Fatal(err)
	}
	if p.Name != "school" || p.Users.SeatLimit != 30 || p.TokenHeader() != "X-Api-Key" || p.Users.Delete != DeleteDeactivate ||
		len(p.Extensions) != 1 || p.Groups.UnknownMembers != MembersSkip {
		t.Errorf("the example loads as %+v", p)
	}
	// The misspelling the section quotes is refused as it says, at the line it says.
	bad := strings.Replace(block, "seatLimit: 30", "seatLimt: 30", 1)
	_, err = Parse("school.yaml", []byte(bad))
	if err == nil || !strings.Contains(doc, strings.SplitAfter(err.Error(), "seatLimit, seatAnswer, ")[0]) {
		t.Errorf("the documented error is not what Parse says: %v", err)
	}
}

// TestDocNamesEveryKnob keeps the knob table complete: every knob of a profile file is
// named in docs/profiles.md.
func TestDocNamesEveryKnob(t *testing.T) {
	doc := readDoc(t)
	leaf := map[reflect.Type]bool{reflect.TypeFor[Answer](): true, reflect.TypeFor[Attributes](): true}
	var walk func(t reflect.Type, prefix string) []string
	walk = func(rt reflect.Type, prefix string) []string {
		var out []string
		for i := range rt.NumField() {
			f := rt.Field(i)
			tag := strings.Split(f.Tag.Get("yaml"), ",")[0]
			if tag == "" || tag == "-" {
				continue
			}
			path := prefix + tag
			if f.Type.Kind() == reflect.Struct && !leaf[f.Type] {
				out = append(out, walk(f.Type, path+".")...)
				continue
			}
			out = append(out, path)
		}
		return out
	}
	for _, knob := range walk(reflect.TypeFor[Profile](), "") {
		if !strings.Contains(doc, "`"+knob+"`") {
			t.Errorf("docs/profiles.md does not name the knob %s", knob)
		}
	}
	for _, name := range Names() {
		if !strings.Contains(doc, "### `"+name+"`") {
			t.Errorf("docs/profiles.md has no section for the built-in profile %s", name)
		}
	}
}
