package tui

import (
	"strings"
	"testing"
)

// helpScreens opens the help on the current tab and pages through it, returning
// every screen shown until the last line of keys.
func helpScreens(t *testing.T, m Model) (Model, []string) {
	t.Helper()
	m = press(t, m, "?")
	screens := []string{text(m)}
	for i := 0; strings.Contains(screens[len(screens)-1], "more lines"); i++ {
		if i > 20 {
			t.Fatal("the help never reached its end")
		}
		m = press(t, m, "pgdn")
		if !m.showHelp {
			t.Fatal("pgdn closed the help")
		}
		screens = append(screens, text(m))
	}
	return m, screens
}

// ? lists every key of every tab, grouped by tab, at both sizes, scrolling where
// the screen is too small.
func TestHelpShowsEveryKeyOfEveryTab(t *testing.T) {
	for _, sz := range [][2]int{{80, 24}, {200, 50}} {
		m := newTestModel(t, newTestDeps(sampleEvents()), sz[0], sz[1])
		m = press(t, m, "2")
		m, screens := helpScreens(t, m)
		all := strings.Join(screens, "\n")
		for _, sec := range helpSections() {
			if !strings.Contains(all, sec.label) {
				t.Errorf("%dx%d: section %q missing", sz[0], sz[1], sec.label)
			}
			for _, b := range sec.keys {
				row := b.Help().Key
				if !strings.Contains(all, row) || !strings.Contains(all, b.Help().Desc) {
					t.Errorf("%dx%d: %s: key %q (%s) missing", sz[0], sz[1], sec.label, row, b.Help().Desc)
				}
			}
		}
		// Keys of other tabs, which the old help of the Requests tab left out.
		for _, want := range []string{"Okta walkthrough", "rotate token", "open member / request", "next tab"} {
			if !strings.Contains(all, want) {
				t.Errorf("%dx%d: help lacks %q", sz[0], sz[1], want)
			}
		}
		if sz[1] == 50 && len(screens) != 1 {
			t.Errorf("200x50: the help needs %d screens, want one", len(screens))
		}
		m = press(t, m, "esc")
		if m.showHelp {
			t.Error("esc left the help open")
		}
	}
}

// The active tab's keys lead, marked; switching tabs keeps the help open with the
// new tab's keys first; any other key closes it.
func TestHelpLeadsWithTheActiveTab(t *testing.T) {
	m := newTestModel(t, newTestDeps(sampleEvents()), 80, 24)
	m = press(t, m, "5", "?")
	lines := strings.Split(text(m), "\n")
	if !strings.Contains(lines[4], "5 Walkthrough ◂ this tab") {
		t.Fatalf("first section %q, want the Walkthrough's", lines[4])
	}
	m = press(t, m, "down", "down")
	if !m.showHelp || m.helpTop != 2 {
		t.Fatalf("↓ closed or did not scroll the help (open %v, top %d)", m.showHelp, m.helpTop)
	}
	m = press(t, m, "1")
	if !m.showHelp || m.active != tabConnection || m.helpTop != 0 {
		t.Fatalf("tab switch: open %v, tab %d, top %d", m.showHelp, m.active, m.helpTop)
	}
	mustShow(t, m, "1 Connection ◂ this tab", "copy SCIM base URL")
	m = press(t, m, "v")
	if m.showHelp {
		t.Fatal("v left the help open")
	}
	if !m.conn.reveal {
		t.Error("v closed the help but did not act")
	}
}
