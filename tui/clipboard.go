package tui

import (
	"fmt"

	tea "charm.land/bubbletea/v2"
)

// CopyRoute is the way a copied value went, or did not go, to a clipboard.
type CopyRoute int

const (
	// CopiedSystem: the value is on the clipboard of the machine scimlab runs on.
	CopiedSystem CopyRoute = iota + 1
	// CopyTerminal: the console is to send the value to the terminal as OSC 52.
	// Over SSH that is the only way to the admin's own clipboard, and many
	// terminals ignore it unless allowed (macOS Terminal, GNOME Terminal, tmux
	// without set-clipboard), so nobody can tell whether it arrived.
	CopyTerminal
	// CopyNone: there is no way to copy; the admin reads the value and copies it
	// by hand.
	CopyNone
)

// Clipboard copies values for the console. The console calls Copy from a command,
// never from its update loop, since it may run a program.
type Clipboard interface {
	// Copy puts text on the system clipboard and returns CopiedSystem when scimlab
	// runs on the admin's machine and a clipboard is available; otherwise it copies
	// nothing and returns CopyTerminal when the terminal may take OSC 52, or
	// CopyNone.
	Copy(text string) CopyRoute
}

// copied describes a value for the toast that reports the copy.
type copied struct {
	// what names the value ("the bearer token").
	what string
	// ifLost and byHand tell how to read the value instead, after an OSC 52 copy
	// ("press v to show it") and when nothing could copy ("press v and copy it by
	// hand"); the console always offers a way.
	ifLost, byHand string
	// note is added to a successful copy's toast.
	note string
}

// copyValue copies text through Deps.Clipboard (OSC 52 without one) and reports
// how in a copyDoneMsg.
func (sh *shared) copyValue(text string, c copied) tea.Cmd {
	cb := sh.d.Clipboard
	return func() tea.Msg {
		route := CopyTerminal
		if cb != nil {
			route = cb.Copy(text)
		}
		return copyDoneMsg{text: text, about: c, route: route}
	}
}

// onCopied sends an OSC 52 copy when that is the route, and words the toast by
// what was actually done.
func onCopied(msg copyDoneMsg) tea.Cmd {
	toastCmd := toast(copyToast(msg.about, msg.route))
	if msg.route == CopyNone {
		toastCmd = toastErr(copyToast(msg.about, msg.route))
	}
	if msg.route == CopyTerminal {
		return tea.Batch(tea.SetClipboard(msg.text), toastCmd)
	}
	return toastCmd
}

// copyToast says what happened to a copy: done, sent without knowing whether it
// arrived, or impossible, with the way to read the value in the last two cases.
func copyToast(c copied, route CopyRoute) string {
	switch route {
	case CopiedSystem:
		return "Copied " + c.what + " to the clipboard" + c.note
	case CopyTerminal:
		return "Sent " + c.what + " to the terminal's clipboard (OSC 52) — if nothing arrives, " + c.ifLost
	}
	return "No clipboard available: " + c.byHand
}

// What the console copies, and how each can be read instead.
var (
	copiedToken = copied{what: "the bearer token", ifLost: "press v to show it", byHand: "press v and copy it by hand"}
	copiedURL   = copied{what: "the SCIM base URL", ifLost: "copy it from this panel", byHand: "copy it from this panel by hand"}
)

// copiedCurl is a request as a curl command; v shows it on the Requests tab.
func copiedCurl(seq int64) copied {
	return copied{what: fmt.Sprintf("request #%d as curl", seq), ifLost: "press v to show it",
		byHand: "press v and copy it by hand", note: " (token as $SCIMLAB_TOKEN)"}
}
