package doctor

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

var sample = Report{Version: "scimlab v1.2.3", Checks: []Check{
	{Group: GroupScimlab, Name: "version", Status: OK, Found: "scimlab v1.2.3"},
	{Group: GroupPaths, Name: "config file", Status: Fail, Path: "/home/ada/.config/scimlab/config.json",
		Found: "mode 0644: other users may read it, and it may hold an ngrok auth token",
		Fix:   "make it readable and writable by you alone", Command: "chmod 600 /home/ada/.config/scimlab/config.json"},
	{Group: GroupTunnel, Name: "ngrok service", Status: Warn, Found: "unreachable: no network",
		Notes: []string{"Okta and Entra cannot reach it"}, Fix: "check the internet connection"},
}}

func TestWriteText(t *testing.T) {
	var b bytes.Buffer
	if err := sample.WriteText(&b, false, 0); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, w := range []string{
		"scimlab doctor\n",
		"\nscimlab\n  ✔ version        scimlab v1.2.3\n",
		"\nPaths\n  ✘ config file    /home/ada/.config/scimlab/config.json\n                   mode 0644: other users may read it",
		"                   fix: make it readable and writable by you alone\n                   run: chmod 600 /home/ada/.config/scimlab/config.json\n",
		"\nTunnel\n  ! ngrok service  unreachable: no network\n                   · Okta and Entra cannot reach it\n                   fix: check the internet connection\n",
		"1 failure (✘) to fix; 1 warning (!): scimlab works, with less.\n",
	} {
		if !strings.Contains(out, w) {
			t.Errorf("the report lacks %q:\n%s", w, out)
		}
	}
	if strings.Contains(out, "\x1b[") {
		t.Errorf("colours without color:\n%q", out)
	}

	b.Reset()
	if err := sample.WriteText(&b, true, 0); err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"\x1b[32m✔\x1b[0m", "\x1b[31m✘\x1b[0m", "\x1b[33m!\x1b[0m", "\x1b[31mfix:\x1b[0m"} {
		if !strings.Contains(b.String(), w) {
			t.Errorf("the coloured report lacks %q", w)
		}
	}

	b.Reset()
	ok := Report{Checks: sample.Checks[:1]}
	if err := ok.WriteText(&b, false, 0); err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(b.String(), "\nEverything scimlab needs is in place.\n") {
		t.Errorf("a clean report ends:\n%s", b.String())
	}
}

// On a narrow terminal long lines wrap under their own indentation, and no word
// is lost; a command stays on one line, to be copied.
func TestWriteTextWraps(t *testing.T) {
	var b bytes.Buffer
	if err := sample.WriteText(&b, false, 50); err != nil {
		t.Fatal(err)
	}
	var words []string
	for line := range strings.SplitSeq(b.String(), "\n") {
		if utf8.RuneCountInString(line) > 50 && !strings.Contains(line, "/home/ada") {
			t.Errorf("line of %d columns: %q", utf8.RuneCountInString(line), line)
		}
		words = append(words, strings.Fields(line)...)
	}
	if !strings.Contains(b.String(), "run: chmod 600 /home/ada/.config/scimlab/config.json\n") {
		t.Errorf("a command was wrapped:\n%s", b.String())
	}
	var unwrapped bytes.Buffer
	if err := sample.WriteText(&unwrapped, false, 0); err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(words, " "), strings.Join(strings.Fields(unwrapped.String()), " "); got != want {
		t.Errorf("wrapping changed the words:\n%s\n%s", got, want)
	}
	if !strings.Contains(b.String(), "\n                   it, and it may hold an ngrok") {
		t.Errorf("a wrapped line does not keep its indentation:\n%s", b.String())
	}
}

func TestWriteJSON(t *testing.T) {
	var b bytes.Buffer
	if err := sample.WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Version  string
		OK       bool
		Failures int
		Warnings int
		Checks   []map[string]any
	}
	if err := json.Unmarshal(b.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if got.Version != "scimlab v1.2.3" || got.OK || got.Failures != 1 || got.Warnings != 1 || len(got.Checks) != 3 {
		t.Errorf("JSON report %+v", got)
	}
	c := got.Checks[1]
	if c["group"] != "paths" || c["name"] != "config file" || c["status"] != "fail" || c["path"] != "/home/ada/.config/scimlab/config.json" ||
		c["fix"] != "make it readable and writable by you alone" || c["command"] != "chmod 600 /home/ada/.config/scimlab/config.json" {
		t.Errorf("JSON check %v", c)
	}
	if _, ok := got.Checks[0]["fix"]; ok {
		t.Errorf("a check without a fix has one in JSON: %v", got.Checks[0])
	}
	if got.Checks[2]["status"] != "warn" {
		t.Errorf("JSON check %v", got.Checks[2])
	}
}
