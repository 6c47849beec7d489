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
	plan := PlanCopy(getenv)
	return &systemClipboard{
		remote:    plan.SSHVar != "",
		available: plan.SystemTool != "",
		osc52:     plan.OSC52,
		write:     clipboard.WriteAll,
		logger:    logger,
	}
}

// CopyPlan is the way the console's copies will go in this session, and the facts
// of the session that decide it, read as the console reads them when it starts.
type CopyPlan struct {
	// Route is where a copy goes: tui.CopiedSystem, tui.CopyTerminal or tui.CopyNone.
	// A system clipboard that fails when written falls back to the terminal.
	Route tui.CopyRoute
	// SSHVar names the variable that shows an SSH session, SSH_TTY or
	// SSH_CONNECTION; "" in a local one.
	SSHVar string
	// SystemTool names what writes this machine's clipboard (pbcopy, the Windows
	// clipboard, wl-copy, xclip, xsel, termux-clipboard-set, clip.exe), "" when
	// there is none.
	SystemTool string
	// OSC52 reports whether the terminal type (TERM) may take OSC 52.
	OSC52 bool
}

// PlanCopy tells where the console's copies will go in the session getenv
// describes on this machine.
func PlanCopy(getenv func(string) string) CopyPlan {
	return planCopy(runtime.GOOS, getenv, exec.LookPath)
}

func planCopy(goos string, getenv func(string) string, lookPath func(string) (string, error)) CopyPlan {
	p := CopyPlan{
		SystemTool: systemClipboardTool(goos, getenv, lookPath),
		OSC52:      terminalTakesOSC52(getenv("TERM")),
	}
	for _, v := range []string{"SSH_TTY", "SSH_CONNECTION"} {
		if getenv(v) != "" {
			p.SSHVar = v
			break
		}
	}
	switch {
	case p.SSHVar == "" && p.SystemTool != "":
		p.Route = tui.CopiedSystem
	case p.OSC52:
		p.Route = tui.CopyTerminal
	default:
		p.Route = tui.CopyNone
	}
	return p
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

// systemClipboardTool names what the clipboard library writes this machine's
// clipboard with on goos, "" when it has nothing to write with: macOS (pbcopy)
// and Windows always have a clipboard; elsewhere it runs wl-copy, xclip or xsel,
// which need to be installed and to have a Wayland or X display to talk to, or
// the Termux or WSL tools. The order is the library's.
func systemClipboardTool(goos string, getenv func(string) string, lookPath func(string) (string, error)) string {
	switch goos {
	case "darwin":
		return "pbcopy"
	case "windows":
		return "the Windows clipboard"
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
		return "wl-copy"
	case getenv("DISPLAY") != "" && has("xclip"):
		return "xclip"
	case getenv("DISPLAY") != "" && has("xsel"):
		return "xsel"
	case has("termux-clipboard-set", "termux-clipboard-get"):
		return "termux-clipboard-set"
	case !has("xclip") && !has("xsel") && has("clip.exe", "powershell.exe"):
		// WSL: the library falls back to Windows' clip.exe only when neither X tool
		// is installed.
		return "clip.exe"
	}
	return ""
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
