package app

import (
	"log/slog"
	"os/exec"
	"runtime"

	"github.com/atotto/clipboard"

	"github.com/scimlab/scimlab/tui"
)

// systemClipboard is the console's clipboard: the clipboard of this machine when
// the admin sits at it, OSC 52 through the terminal when they reach it over SSH
// (this machine's clipboard is then not theirs) or when it has none.
type systemClipboard struct {
	// remote: scimlab runs in an SSH session.
	remote bool
	// available: a clipboard the library can write exists and can be reached.
	available bool
	// osc52: the terminal may take OSC 52; the Linux console and dumb terminals
	// cannot.
	osc52  bool
	write  func(string) error
	logger *slog.Logger
}

// newClipboard reads the session from the environment once, when the console
// starts.
func newClipboard(getenv func(string) string, logger *slog.Logger) *systemClipboard {
	return &systemClipboard{
		remote:    getenv("SSH_TTY") != "" || getenv("SSH_CONNECTION") != "",
		available: hasSystemClipboard(runtime.GOOS, getenv, exec.LookPath),
		osc52:     terminalTakesOSC52(getenv("TERM")),
		write:     clipboard.WriteAll,
		logger:    logger,
	}
}

// Copy implements tui.Clipboard.
func (c *systemClipboard) Copy(text string) tui.CopyRoute {
	if !c.remote && c.available {
		err := c.write(text)
		if err == nil {
			return tui.CopiedSystem
		}
		// The tool can fail where it was found (xclip with an X server gone away);
		// the terminal is the next best way.
		c.logger.Warn("copying to the system clipboard failed", "err", err)
	}
	if c.osc52 {
		return tui.CopyTerminal
	}
	return tui.CopyNone
}

// hasSystemClipboard reports whether the clipboard library has a clipboard to
// write on goos: macOS (pbcopy) and Windows always do; elsewhere it runs wl-copy,
// xclip or xsel, which need to be installed and to have a Wayland or X display to
// talk to, or the Termux or WSL tools.
func hasSystemClipboard(goos string, getenv func(string) string, lookPath func(string) (string, error)) bool {
	switch goos {
	case "darwin", "windows":
		return true
	}
	has := func(names ...string) bool {
		for _, n := range names {
			if _, err := lookPath(n); err != nil {
				return false
			}
		}
		return true
	}
	switch {
	case getenv("WAYLAND_DISPLAY") != "" && has("wl-copy", "wl-paste"):
		return true
	case getenv("DISPLAY") != "" && (has("xclip") || has("xsel")):
		return true
	case has("termux-clipboard-set", "termux-clipboard-get"):
		return true
	case !has("xclip") && !has("xsel") && has("clip.exe", "powershell.exe"):
		// WSL: the library falls back to Windows' clip.exe only when neither X tool
		// is installed.
		return true
	}
	return false
}

// terminalTakesOSC52 reports whether a terminal of type term may honour OSC 52;
// whether it does depends on its settings, which nobody can read.
func terminalTakesOSC52(term string) bool {
	switch term {
	case "", "dumb", "linux", "vt100", "vt220":
		return false
	}
	return true
}
