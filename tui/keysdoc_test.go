package tui

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// keysMarkdown renders docs/keys.md from the key maps the console uses, so the
// document cannot drift from the code.
func keysMarkdown() string {
	var b strings.Builder
	b.WriteString("# scimlab console keys\n\n")
	b.WriteString("<!-- Generated from tui/keys.go by `go test ./tui -run TestKeysDoc -update`. Do not edit by hand. -->\n\n")
	b.WriteString("The console (`scimlab` with no arguments) is keyboard-first. The footer shows the keys of the\n")
	b.WriteString("screen you are on; `?` shows all of them. While a text field has focus (search, ngrok token, fault rule),\n")
	b.WriteString("keys type into it and only `enter`, `esc` and `ctrl+c` act. The mouse wheel scrolls lists and\n")
	b.WriteString("panes; a click selects a row or a tab.\n")
	for _, s := range helpSections() {
		fmt.Fprintf(&b, "\n## %s\n\n", s.title)
		if s.intro != "" {
			b.WriteString(s.intro + "\n\n")
		}
		b.WriteString("| Keys | Action |\n|---|---|\n")
		for _, k := range s.keys {
			keys := make([]string, len(k.Keys()))
			for i, ks := range k.Keys() {
				keys[i] = "`" + ks + "`"
			}
			fmt.Fprintf(&b, "| %s | %s |\n", strings.Join(keys, " "), k.Help().Desc)
		}
	}
	return b.String()
}

// TestKeysDoc fails when docs/keys.md no longer matches the key maps. Run the
// test with -update to regenerate it.
func TestKeysDoc(t *testing.T) {
	path := filepath.Join("..", "docs", "keys.md")
	want := keysMarkdown()
	if f := flag.Lookup("update"); f != nil && f.Value.String() == "true" {
		if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (generate it with go test ./tui -run TestKeysDoc -update)", err)
	}
	if string(got) != want {
		t.Fatalf("docs/keys.md is stale: run go test ./tui -run TestKeysDoc -update")
	}
}

// TestKeysDocCoversEveryBinding guards the generator: every binding a screen
// uses must appear in the document.
func TestKeysDocCoversEveryBinding(t *testing.T) {
	doc := keysMarkdown()
	for _, km := range []keyMap{
		newConnectionKeys().keyMap(), newRequestKeys().keyMap(), newInspectorKeys().keyMap(),
		newResourceKeys().keyMap(), newResourceDetailKeys().keyMap(), newWalkthroughKeys().keyMap(), newPickerKeys().keyMap(),
	} {
		for _, b := range km.short {
			if !strings.Contains(doc, "| "+b.Help().Desc+" |") {
				t.Errorf("binding %q (%s) missing from docs/keys.md", b.Keys(), b.Help().Desc)
			}
		}
	}
}
