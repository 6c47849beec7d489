package doctor

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/charmbracelet/colorprofile"

	"github.com/scimlab/scimlab/app"
	"github.com/scimlab/scimlab/tui"
)

func facts(env map[string]string) terminalFacts {
	return terminalFacts{Env: env, GOOS: "linux", Profile: colorprofile.ANSI256}
}

func TestSizeCheck(t *testing.T) {
	f := facts(map[string]string{"TERM": "xterm-256color"})
	c := sizeCheck(f)
	want(t, c, OK, "not a terminal", "the console needs one")

	f.IsTerminal, f.Width, f.Height = true, 30, 8
	want(t, sizeCheck(f), Warn, "30×8", "smaller than the 40×10", "at least 40×10")
	f.Width, f.Height = 80, 24
	c = sizeCheck(f)
	want(t, c, OK, "a terminal of 80×24 (TERM=xterm-256color)", "below 140 columns")
	refuse(t, c, "smaller")
	f.Width, f.Height = 200, 50
	c = sizeCheck(f)
	want(t, c, OK, "200×50")
	refuse(t, c, "below 140")
}

func TestColourCheck(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		profile colorprofile.Profile
		status  Status
		words   []string
		not     []string
	}{
		{"truecolor", map[string]string{"TERM": "xterm-256color", "COLORTERM": "truecolor"}, colorprofile.TrueColor, OK,
			[]string{"24-bit colour", "TERM=xterm-256color, COLORTERM=truecolor"}, []string{"NO_COLOR"}},
		{"16 colours", map[string]string{"TERM": "xterm"}, colorprofile.ANSI, OK, []string{"16 colours", "nearest"}, nil},
		{"NO_COLOR", map[string]string{"TERM": "xterm-256color", "NO_COLOR": "1"}, colorprofile.ASCII, OK,
			[]string{"no colours, as NO_COLOR asks", "bold"}, []string{"export TERM"}},
		{"NO_COLOR the library does not read", map[string]string{"TERM": "xterm-256color", "NO_COLOR": "yes"}, colorprofile.ANSI256, OK,
			[]string{"256 colours", "NO_COLOR=yes does not turn colours off"}, nil},
		{"a dumb terminal", map[string]string{"TERM": "dumb"}, colorprofile.NoTTY, Warn,
			[]string{"no colours (TERM=dumb)", "export TERM=xterm-256color"}, nil},
		{"no TERM", map[string]string{}, colorprofile.NoTTY, Warn, []string{"TERM is not set"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := facts(tt.env)
			f.Profile = tt.profile
			c := colourCheck(f)
			want(t, c, tt.status, tt.words...)
			refuse(t, c, tt.not...)
		})
	}
}

func TestClipboardCheck(t *testing.T) {
	tests := []struct {
		name   string
		env    map[string]string
		plan   app.CopyPlan
		tmux   string
		status Status
		words  []string
		not    []string
	}{
		{"this machine's clipboard", map[string]string{"TERM": "xterm"}, app.CopyPlan{Route: tui.CopiedSystem, SystemTool: "wl-copy", OSC52: true}, "", OK,
			[]string{"this machine's clipboard (wl-copy)", "OSC 52 instead", "v always shows"}, []string{"tmux"}},
		{"OSC 52 over SSH", map[string]string{"TERM": "xterm"}, app.CopyPlan{Route: tui.CopyTerminal, SSHVar: "SSH_TTY", SystemTool: "xclip", OSC52: true}, "", OK,
			[]string{"as OSC 52", "SSH_TTY is set", "allowed in their settings", "v always shows"}, []string{"tmux", "wl-copy, xclip or xsel"}},
		{"OSC 52 without a system clipboard", map[string]string{"TERM": "xterm"}, app.CopyPlan{Route: tui.CopyTerminal, OSC52: true}, "", OK,
			[]string{"as OSC 52", "wl-copy, xclip or xsel"}, []string{"SSH"}},
		{"tmux passes it on", map[string]string{"TERM": "tmux-256color", "TMUX": "/tmp/tmux-1/default,1,0"}, app.CopyPlan{Route: tui.CopyTerminal, OSC52: true}, "on", OK,
			[]string{"tmux passes it on"}, []string{"set -g set-clipboard on"}},
		{"tmux does not", map[string]string{"TERM": "tmux-256color", "TMUX": "/tmp/tmux-1/default,1,0"}, app.CopyPlan{Route: tui.CopyTerminal, OSC52: true}, "external", Warn,
			[]string{"set-clipboard is external", "tmux set -g set-clipboard on", "~/.tmux.conf"}, nil},
		{"tmux not asked", map[string]string{"TERM": "tmux-256color", "TMUX": "/tmp/tmux-1/default,1,0"}, app.CopyPlan{Route: tui.CopyTerminal, OSC52: true}, "", OK,
			[]string{"only with set -g set-clipboard on"}, nil},
		{"no way at all", map[string]string{"TERM": "linux"}, app.CopyPlan{Route: tui.CopyNone}, "", Warn,
			[]string{"no way to copy: TERM=linux takes no OSC 52", "press v"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := facts(tt.env)
			f.Copy, f.TmuxClipboard = tt.plan, tt.tmux
			c := clipboardCheck(f)
			want(t, c, tt.status, tt.words...)
			refuse(t, c, tt.not...)
		})
	}
}

func TestMouseCheck(t *testing.T) {
	for _, term := range []string{"linux", "dumb", "vt220"} {
		want(t, mouseCheck(facts(map[string]string{"TERM": term})), Warn, "TERM="+term, "reports no mouse", "? in the console")
	}
	want(t, mouseCheck(facts(map[string]string{})), Warn, "TERM is not set")
	c := mouseCheck(facts(map[string]string{"TERM": "xterm-256color"}))
	want(t, c, OK, "mouse reports", "lets go of the mouse")
	refuse(t, c, "no mouse")
	// Windows terminals set no TERM and report the mouse through the console API.
	f := facts(map[string]string{})
	f.GOOS = "windows"
	want(t, mouseCheck(f), OK, "mouse reports")
}

// Written to a pipe, the report says what the console would find on a terminal
// in this environment.
func TestGatherTerminalOnAPipe(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	env := map[string]string{"TERM": "xterm-256color", "DISPLAY": "", "WAYLAND_DISPLAY": ""}
	f := gatherTerminal(context.Background(), w, envOf(env))
	if f.IsTerminal || f.Profile != colorprofile.ANSI256 || f.Env["TERM"] != "xterm-256color" {
		t.Errorf("on a pipe: %+v; want no terminal, and the 256 colours of xterm-256color", f)
	}
	env["TERM"] = "dumb"
	if f := gatherTerminal(context.Background(), w, envOf(env)); f.Profile > colorprofile.ASCII {
		t.Errorf("TERM=dumb: profile %v", f.Profile)
	}
	env["TERM"], env["COLORTERM"] = "xterm-256color", "truecolor"
	if f := gatherTerminal(context.Background(), w, envOf(env)); f.Profile != colorprofile.TrueColor {
		t.Errorf("COLORTERM=truecolor: profile %v", f.Profile)
	}
}

// tmux's set-clipboard is read from the tmux server $TMUX names.
func TestTmuxSetClipboard(t *testing.T) {
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux is not installed (scripts/test.sh installs it)")
	}
	socket := filepath.Join(t.TempDir(), "tmux.sock")
	tmux := func(args ...string) {
		t.Helper()
		if out, err := exec.Command("tmux", append([]string{"-S", socket}, args...)...).CombinedOutput(); err != nil {
			t.Fatalf("tmux %v: %v\n%s", args, err, out)
		}
	}
	tmux("-f", "/dev/null", "new-session", "-d", "-x", "80", "-y", "24", "sleep 60")
	t.Cleanup(func() { _ = exec.Command("tmux", "-S", socket, "kill-server").Run() })
	tmuxVar := socket + ",1," + strconv.Itoa(0)
	for _, v := range []string{"on", "off", "external"} {
		tmux("set-option", "-g", "set-clipboard", v)
		if got := tmuxSetClipboard(context.Background(), tmuxVar); got != v {
			t.Errorf("set-clipboard %s read as %q", v, got)
		}
	}
	if got := tmuxSetClipboard(context.Background(), filepath.Join(t.TempDir(), "none.sock")+",1,0"); got != "" {
		t.Errorf("a tmux that does not run answered %q", got)
	}
}
