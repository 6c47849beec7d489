package doctor

import (
	"context"
	"fmt"
	"io"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/term"

	"github.com/scimlab/scimlab/app"
	"github.com/scimlab/scimlab/tui"
)

// terminalFacts is what the console will find in this terminal.
type terminalFacts struct {
	// IsTerminal is whether the report goes to a terminal; Width and Height its
	// size when it does.
	IsTerminal    bool
	Width, Height int
	// Env holds the variables the console's colours, clipboard and mouse depend on.
	Env map[string]string
	// Profile is the colour profile the console would draw with in this
	// environment on a terminal.
	Profile colorprofile.Profile
	// Copy is where the console's copies go.
	Copy app.CopyPlan
	// TmuxClipboard is tmux's set-clipboard option inside tmux ("on", "external",
	// "off"), "" outside tmux or when tmux could not be asked.
	TmuxClipboard string
	// GOOS is the operating system: Windows terminals set no TERM.
	GOOS string
}

// terminalVars are the variables the colour profile, the clipboard and the mouse
// depend on (colorprofile's list, and the SSH variables the clipboard reads).
var terminalVars = []string{"TERM", "COLORTERM", "NO_COLOR", "CLICOLOR", "CLICOLOR_FORCE", "TTY_FORCE",
	"TMUX", "WT_SESSION", "GOOGLE_CLOUD_SHELL", "ConEmuANSI", "ANSICON", "ANSICON_VER", "SSH_TTY", "SSH_CONNECTION"}

// gatherTerminal reads the terminal facts: stdout's kind and size, the
// environment, the colour profile and the clipboard route.
func gatherTerminal(ctx context.Context, stdout io.Writer, getenv func(string) string) terminalFacts {
	f := terminalFacts{Env: map[string]string{}, Copy: app.PlanCopy(getenv), GOOS: runtime.GOOS}
	var environ []string
	for _, k := range terminalVars {
		if v := getenv(k); v != "" {
			f.Env[k] = v
			environ = append(environ, k+"="+v)
		}
	}
	if file, ok := stdout.(term.File); ok && term.IsTerminal(file.Fd()) {
		f.IsTerminal = true
		f.Width, f.Height, _ = term.GetSize(file.Fd())
	} else {
		// The console always runs on a terminal: say what it would find there.
		environ = append(environ, "TTY_FORCE=1")
	}
	f.Profile = colorprofile.Detect(stdout, environ)
	if tmux := f.Env["TMUX"]; tmux != "" {
		f.TmuxClipboard = tmuxSetClipboard(ctx, tmux)
	}
	return f
}

// tmuxSetClipboard asks the tmux server named by $TMUX ("socket,pid,session") for
// its set-clipboard option, "" when it cannot be asked.
func tmuxSetClipboard(ctx context.Context, tmuxVar string) string {
	socket, _, _ := strings.Cut(tmuxVar, ",")
	if socket == "" {
		return ""
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "tmux", "-S", socket, "show-options", "-gv", "set-clipboard").Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}

// terminalChecks report what the console will find in this terminal.
func terminalChecks(f terminalFacts) []Check {
	return []Check{sizeCheck(f), colourCheck(f), clipboardCheck(f), mouseCheck(f)}
}

// termLabel is TERM as the report names it.
func termLabel(f terminalFacts) string {
	if t, ok := f.Env["TERM"]; ok {
		return "TERM=" + t
	}
	return "TERM is not set"
}

func sizeCheck(f terminalFacts) Check {
	c := Check{Group: GroupTerminal, Name: "terminal", Status: OK}
	if !f.IsTerminal {
		c.Found = "stdout is not a terminal (a pipe or a file): the console needs one; the lines below say what it would find in this environment"
		return c
	}
	c.Found = fmt.Sprintf("stdout is a terminal of %d×%d (%s)", f.Width, f.Height, termLabel(f))
	switch {
	case f.Width < tui.MinWidth || f.Height < tui.MinHeight:
		c.Status = Warn
		c.Found += fmt.Sprintf(": smaller than the %d×%d the console needs", tui.MinWidth, tui.MinHeight)
		c.Fix = fmt.Sprintf("make the window larger, at least %d×%d; 80×24 or more shows every column", tui.MinWidth, tui.MinHeight)
	case f.Width < tui.WideWidth:
		c.Notes = append(c.Notes, fmt.Sprintf("below %d columns an opened request replaces the request list; from %d they sit side by side", tui.WideWidth, tui.WideWidth))
	}
	return c
}

// profileWords describes a colour profile.
var profileWords = map[colorprofile.Profile]string{
	colorprofile.TrueColor: "24-bit colour",
	colorprofile.ANSI256:   "256 colours",
	colorprofile.ANSI:      "16 colours: the console's colours are mapped to the nearest of them",
	colorprofile.ASCII:     "no colours",
	colorprofile.NoTTY:     "no colours",
}

func colourCheck(f terminalFacts) Check {
	c := Check{Group: GroupTerminal, Name: "colours", Status: OK}
	vars := []string{termLabel(f)}
	for _, k := range []string{"COLORTERM", "NO_COLOR", "CLICOLOR", "CLICOLOR_FORCE"} {
		if v, ok := f.Env[k]; ok {
			vars = append(vars, k+"="+v)
		}
	}
	c.Found = profileWords[f.Profile] + " (" + strings.Join(vars, ", ") + ")"
	noColor, isBool := strconv.ParseBool(f.Env["NO_COLOR"])
	switch {
	case f.Profile > colorprofile.ASCII:
		if f.Env["NO_COLOR"] != "" && isBool != nil {
			c.Notes = append(c.Notes, "NO_COLOR="+f.Env["NO_COLOR"]+" does not turn colours off here: the console's colour library takes 1 or true")
		}
	case isBool == nil && noColor:
		c.Found = "no colours, as NO_COLOR asks; the console keeps bold, faint and reverse video"
	default:
		c.Status = Warn
		c.Fix = "set TERM to your terminal's type, e.g. export TERM=xterm-256color"
	}
	return c
}

func clipboardCheck(f terminalFacts) Check {
	c := Check{Group: GroupTerminal, Name: "clipboard", Status: OK}
	p := f.Copy
	noSystem := "this machine has no clipboard scimlab can write (on Linux it needs wl-copy, xclip or xsel, and a display)"
	if p.SSHVar != "" {
		noSystem = p.SSHVar + " is set: over SSH this machine's clipboard is not yours"
	}
	switch p.Route {
	case tui.CopiedSystem:
		c.Found = "copies go to this machine's clipboard (" + p.SystemTool + ")"
		if p.OSC52 {
			c.Notes = append(c.Notes, "if writing it fails, the console sends the value to the terminal as OSC 52 instead")
		}
	case tui.CopyTerminal:
		c.Found = "copies go to the terminal's clipboard as OSC 52: " + noSystem
		c.Notes = append(c.Notes, "many terminals ignore OSC 52 unless it is allowed in their settings, and nobody can tell from here whether it arrived")
		switch {
		case f.Env["TMUX"] == "":
		case f.TmuxClipboard == "on":
			c.Notes = append(c.Notes, "tmux passes it on (set-clipboard on)")
		case f.TmuxClipboard == "":
			c.Notes = append(c.Notes, "inside tmux, OSC 52 reaches the terminal only with set -g set-clipboard on")
		default:
			c.Status = Warn
			c.Found += "; tmux's set-clipboard is " + f.TmuxClipboard + ", so tmux does not pass it on"
			c.Fix = "let tmux pass OSC 52 on, and add set -g set-clipboard on to ~/.tmux.conf to keep it so"
			c.Command = "tmux set -g set-clipboard on"
		}
	default:
		c.Status = Warn
		c.Found = "no way to copy: " + termLabel(f) + " takes no OSC 52, and " + noSystem
		c.Fix = "press v in the console to show a value and copy it by hand, or use a terminal emulator that takes OSC 52"
	}
	c.Notes = append(c.Notes, "v always shows a value to copy by hand")
	return c
}

// noMouse are terminal types that report no mouse events: the Linux console,
// hardware terminals and dumb ones.
var noMouse = map[string]bool{"dumb": true, "linux": true, "vt100": true, "vt102": true, "vt220": true}

func mouseCheck(f terminalFacts) Check {
	c := Check{Group: GroupTerminal, Name: "mouse", Status: OK}
	t, set := f.Env["TERM"]
	if noMouse[t] || !set && f.GOOS != "windows" {
		c.Status = Warn
		c.Found = termLabel(f) + ": this terminal type reports no mouse events"
		c.Fix = "use the keyboard: every action has a key, and ? in the console lists them"
		return c
	}
	c.Found = "the console asks for mouse reports (cell motion): a click selects, the wheel scrolls"
	c.Notes = append(c.Notes, "while a value is shown (v) the console lets go of the mouse, so the terminal can select text")
	return c
}
