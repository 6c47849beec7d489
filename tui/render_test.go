package tui

import (
	"fmt"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

func TestLexJSONLine(t *testing.T) {
	tests := []struct {
		in   string
		want string
	}{
		{`  "userName": "alice@example.com",`, `sp:"  " key:"\"userName\"" p:":" sp:" " str:"\"alice@example.com\"" p:","`},
		{`"a\"b" : -1.5e3`, `key:"\"a\\\"b\"" sp:" " p:":" sp:" " num:"-1.5e3"`},
		{`[true, false, null]`, `p:"[" bool:"true" p:"," sp:" " bool:"false" p:"," sp:" " null:"null" p:"]"`},
		{`"esc \\" }`, `str:"\"esc \\\\\"" sp:" " p:"}"`},
	}
	names := map[jsonKind]string{jsonSpace: "sp", jsonPunct: "p", jsonKey: "key", jsonString: "str", jsonNumber: "num", jsonBool: "bool", jsonNull: "null", jsonOther: "other"}
	for _, tt := range tests {
		var got []string
		for _, tok := range lexJSONLine(tt.in) {
			got = append(got, fmt.Sprintf("%s:%q", names[tok.kind], tok.text))
		}
		if g := strings.Join(got, " "); g != tt.want {
			t.Errorf("lexJSONLine(%q)\n got %s\nwant %s", tt.in, g, tt.want)
		}
	}
}

func TestBodyLines(t *testing.T) {
	s := NewStyles(true)
	strip := func(ls []string) string {
		for i := range ls {
			ls[i] = ansi.Strip(ls[i])
		}
		return strings.Join(ls, "\n")
	}
	if got := strip(bodyLines(s, []byte(`{"a":[1,{"b":null}]}`), 40)); got != "{\n  \"a\": [\n    1,\n    {\n      \"b\": null\n    }\n  ]\n}" {
		t.Errorf("pretty print:\n%s", got)
	}
	got := strip(bodyLines(s, []byte(`{"userName": "alice", oops}`), 60))
	if !strings.Contains(strings.ReplaceAll(got, "\n", " "), "not valid JSON (invalid character 'o' looking for beginning of object key string at byte 23") ||
		!strings.Contains(got, `{"userName": "alice", oops}`) {
		t.Errorf("invalid body:\n%s", got)
	}
	// A long string wraps under its own indentation and every line fits.
	long := `{"location":"` + strings.Repeat("x", 100) + `"}`
	for _, l := range bodyLines(s, []byte(long), 30) {
		if w := ansi.StringWidth(l); w > 30 {
			t.Fatalf("line of %d cells: %q", w, ansi.Strip(l))
		}
	}
	if bodyLines(s, []byte("  \n"), 30) != nil {
		t.Error("a blank body should draw nothing")
	}
	huge := "[" + strings.Repeat("1,", 5000) + "1]"
	ls := bodyLines(s, []byte(huge), 40)
	if len(ls) != maxBodyLines+1 || !strings.Contains(ansi.Strip(ls[len(ls)-1]), "more lines not shown") {
		t.Errorf("huge body: %d lines, last %q", len(ls), ansi.Strip(ls[len(ls)-1]))
	}
}

func TestWrapIndent(t *testing.T) {
	got := wrapIndent("the bearer token does not match the current one", 20, 2)
	want := []string{"the bearer token", "  does not match the", "  current one"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("got %q", got)
	}
	for _, l := range wrap(strings.Repeat("x", 45), 20) {
		if len(l) > 20 {
			t.Errorf("a long word was not cut: %q", l)
		}
	}
}

func TestLayoutColumnsDropsLeastImportantFirst(t *testing.T) {
	var titles func(ws []int) string = func(ws []int) string {
		var out []string
		for i, w := range ws {
			if w > 0 {
				out = append(out, requestColumns[i].title)
			}
		}
		return strings.Join(out, ",")
	}
	for _, tt := range []struct {
		w    int
		want string
	}{
		{200, "TIME,METHOD,ST,TOOK,IDP,PATH,WHAT HAPPENED,BADGES"},
		{80, "TIME,METHOD,ST,TOOK,PATH,WHAT HAPPENED"},
		{60, "METHOD,ST,PATH,WHAT HAPPENED"},
		{40, "METHOD,ST,PATH"},
		{20, "METHOD,ST,PATH"},
	} {
		ws := layoutColumns(requestColumns, tt.w)
		if got := titles(ws); got != tt.want {
			t.Errorf("width %d: columns %s, want %s", tt.w, got, tt.want)
		}
		total := 2
		for _, w := range ws {
			if w > 0 {
				total += w + 1
			}
		}
		if total-1 > tt.w {
			t.Errorf("width %d: columns take %d cells", tt.w, total-1)
		}
	}
}
