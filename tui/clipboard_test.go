package tui

import (
	"strings"
	"sync"
	"testing"

	tea "charm.land/bubbletea/v2"
)

// fakeClipboard records what the console copies and answers with a fixed route,
// so the tests never touch the real clipboard.
type fakeClipboard struct {
	mu     sync.Mutex
	route  CopyRoute
	copied []string
}

func (f *fakeClipboard) Copy(text string) CopyRoute {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.copied = append(f.copied, text)
	return f.route
}

func withClipboard(cb Clipboard) func(*Deps) { return func(d *Deps) { d.Clipboard = cb } }

// The toast says what was done: copied, sent as OSC 52 (which may not arrive),
// or nothing; only the OSC 52 route writes OSC 52.
func TestCopyIsWordedByWhatWasDone(t *testing.T) {
	tests := []struct {
		route   CopyRoute
		osc52   bool
		toast   string
		notWord string
	}{
		{CopiedSystem, false, "Copied the bearer token to the clipboard", "OSC 52"},
		{CopyTerminal, true, "Sent the bearer token to the terminal's clipboard (OSC 52) — if nothing arrives, press v to show it", "Copied"},
		{CopyNone, false, "No clipboard available: press v and copy it by hand", "Copied"},
	}
	for _, tt := range tests {
		for _, w := range []int{80, 200} {
			cb := &fakeClipboard{route: tt.route}
			m := newModelWith(t, newTestDeps(sampleEvents()), w, 24, withClipboard(cb))
			_, cmd := m.Update(keyPress("t"))
			got, sent := clipboard(cmd)
			if sent != tt.osc52 || (sent && got != testTok) {
				t.Errorf("route %d at %d cells: OSC 52 sent %v (%q), want %v", tt.route, w, sent, got, tt.osc52)
			}
			m = press(t, m, "t")
			screen := strings.Join(strings.Fields(text(m)), " ")
			if !strings.Contains(screen, tt.toast) || strings.Contains(screen, tt.notWord) {
				t.Errorf("route %d at %d cells: screen does not say %q (or says %q):\n%s", tt.route, w, tt.toast, tt.notWord, text(m))
			}
			if len(cb.copied) != 2 || cb.copied[1] != testTok {
				t.Errorf("route %d: the clipboard was asked to copy %q", tt.route, cb.copied)
			}
			m = press(t, m, "v")
			mustShow(t, m, testTok) // v is always there to read the token
		}
	}
}

func TestCopyURLSaysWhereToReadIt(t *testing.T) {
	cb := &fakeClipboard{route: CopyNone}
	m := newModelWith(t, newTestDeps(sampleEvents()), 200, 50, withClipboard(cb))
	m = press(t, m, "c")
	mustShow(t, m, "No clipboard available: copy it from this panel by hand")
	if len(cb.copied) != 1 || cb.copied[0] != "https://scimlab-demo.ngrok-free.app/scim/v2" {
		t.Errorf("copied %q", cb.copied)
	}
}

// y copies a request as curl; v shows the same command to be copied by hand,
// with the mouse free to select it.
func TestCurlCanBeCopiedOrShown(t *testing.T) {
	cb := &fakeClipboard{route: CopiedSystem}
	m := newModelWith(t, newTestDeps(sampleEvents()), 200, 50, withClipboard(cb))
	m = press(t, m, "2", "up", "up", "up", "up") // #3, the POST
	m = press(t, m, "y")
	mustShow(t, m, "Copied request #3 as curl to the clipboard (token as $SCIMLAB_TOKEN)")
	if len(cb.copied) != 1 || !strings.HasPrefix(cb.copied[0], "curl -sS -X POST 'https://scimlab-demo.ngrok-free.app/scim/v2/Users'") {
		t.Fatalf("copied %q", cb.copied)
	}

	m = press(t, m, "v")
	if m.value == nil {
		t.Fatal("v showed nothing")
	}
	mustShow(t, m, "Request #3 as a curl command", "curl -sS -X POST \\", "  'https://scimlab-demo.ngrok-free.app/scim/v2/Users' \\",
		`  -H "Authorization: Bearer $SCIMLAB_TOKEN" \`, "  --data-raw '{", "set that variable")
	if mm := m.View().MouseMode; mm != tea.MouseModeNone {
		t.Errorf("mouse mode %v while the value is shown, want none so the terminal selects", mm)
	}
	m = press(t, m, "q") // any key closes; q does not quit from here
	if m.value != nil {
		t.Fatal("a key left the value shown")
	}
	if mm := m.View().MouseMode; mm != tea.MouseModeCellMotion {
		t.Errorf("mouse mode %v after closing", mm)
	}
	// Without the body loaded yet, the command waits for it (the fake reader has it).
	m = press(t, m, "enter", "v")
	mustShow(t, m, "Request #3 as a curl command")
}
