package tui

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"charm.land/bubbles/v2/key"
)

// keysMarkdown renders docs/keys.md from the key maps the console uses, so the
// document cannot drift from the code.
func keysMarkdown() string {
	var b strings.Builder
	b.WriteString("# scimlab console keys\n\n")
	b.WriteString("<!-- Generated from tui/keys.go by `go test ./tui -run TestKeysDoc -update`. Do not edit by hand. -->\n\n")
	b.WriteString("The console (`scimlab` with no arguments) is keyboard-first. The footer shows the keys of the\n")
	b.WriteString("screen you are on; `?` shows all of them. While a text field has focus (search, ngrok token),\n")
	b.WriteString("keys type into it and only `enter`, `esc` and `ctrl+c` act. The mouse wheel scrolls lists and\n")
	b.WriteString("panes; a click selects a row or a tab.\n")
	g := newGlobalKeys()
	sections := []struct {
		title, intro string
		keys         []key.Binding
	}{
		{"Everywhere", "", g.full()},
		{"1 Connection", "What to paste into Okta or Entra, the tunnel, the token and the mode, and the lab: the app profile scimlab plays, seeding users and groups, resetting for the next class. `r` is offered while the tunnel is down (failed or reconnecting): it skips the wait before the next attempt.", flat(newConnectionKeys().keyMap())},
		{"1 Connection — choosing a profile", "`p` lists the built-in profiles and the custom one scimlab was started with; switching asks first.", flat(newPickerKeys().keyMap())},
		{"2 Requests — list", "Every request as it arrives. The list follows new requests until you scroll up; `G` or `end` follows again.", flat(newRequestKeys().keyMap())},
		{"2 Requests — open request", "Headers, bodies, the plain-English summary, why it failed, hints and quirk badges.", flat(newInspectorKeys().keyMap())},
		{"3 Users and 4 Groups — table", "Tables update live as the IdP writes. Deleted users and groups stay, struck through, until the lab is reset. `d` and `D` act as the app's own admin would, not as the IdP: no SCIM request is sent, and each asks first. Groups have no active state in SCIM, so `d` applies to users.", flat(newResourceKeys().keyMap())},
		{"3 Users and 4 Groups — open user or group", "Memberships, history (requests that touched it, newest first) and the SCIM JSON.", flat(newResourceDetailKeys().keyMap())},
		{"5 Walkthrough", "The guided checklist of the IdP's setup; steps tick as matching traffic arrives. The presenter view shows one step large, with each event narrated. `R` starts the checklist afresh for the next rehearsal.", flat(newWalkthroughKeys().keyMap())},
		{"Text fields", "", flat(newInputKeys().keyMap())},
		{"Confirmation dialogs", "Rotating the token, switching the mode or the profile, the app-side actions, resetting the lab and restarting a walkthrough ask first.", flat(newDialogKeys().keyMap())},
	}
	for _, s := range sections {
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

// flat lists a key map's bindings once each, in help order.
func flat(k keyMap) []key.Binding {
	var out []key.Binding
	seen := map[string]bool{}
	for _, group := range k.full {
		for _, b := range group {
			id := strings.Join(b.Keys(), " ") + "|" + b.Help().Desc
			if !seen[id] {
				seen[id] = true
				out = append(out, b)
			}
		}
	}
	return out
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
