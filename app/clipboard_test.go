package app

import (
	"errors"
	"io/fs"
	"log/slog"
	"slices"
	"testing"

	"github.com/scimlab/scimlab/tui"
)

func TestSystemClipboardTool(t *testing.T) {
	tests := []struct {
		name  string
		goos  string
		env   map[string]string
		tools []string
		want  string
	}{
		{"macOS always has pbcopy", "darwin", nil, nil, "pbcopy"},
		{"Windows always has its clipboard", "windows", nil, nil, "the Windows clipboard"},
		{"Linux without any tool", "linux", map[string]string{"DISPLAY": ":0"}, nil, ""},
		{"X with xclip", "linux", map[string]string{"DISPLAY": ":0"}, []string{"xclip"}, "xclip"},
		{"X with xsel", "linux", map[string]string{"DISPLAY": ":0"}, []string{"xsel"}, "xsel"},
		{"X with both: xclip first, as the library", "linux", map[string]string{"DISPLAY": ":0"}, []string{"xsel", "xclip"}, "xclip"},
		{"xclip but no display (a server, a container)", "linux", nil, []string{"xclip"}, ""},
		{"Wayland with wl-clipboard", "linux", map[string]string{"WAYLAND_DISPLAY": "wayland-0"}, []string{"wl-copy", "wl-paste"}, "wl-copy"},
		{"Wayland with only wl-copy", "linux", map[string]string{"WAYLAND_DISPLAY": "wayland-0"}, []string{"wl-copy"}, ""},
		{"wl-clipboard without Wayland", "linux", nil, []string{"wl-copy", "wl-paste"}, ""},
		{"Termux", "linux", nil, []string{"termux-clipboard-set", "termux-clipboard-get"}, "termux-clipboard-set"},
		{"WSL", "linux", nil, []string{"clip.exe", "powershell.exe"}, "clip.exe"},
		{"FreeBSD with X and xsel", "freebsd", map[string]string{"DISPLAY": ":0"}, []string{"xsel"}, "xsel"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			getenv := func(k string) string { return tt.env[k] }
			lookPath := func(name string) (string, error) {
				if slices.Contains(tt.tools, name) {
					return "/usr/bin/" + name, nil
				}
				return "", fs.ErrNotExist
			}
			if got := systemClipboardTool(tt.goos, getenv, lookPath); got != tt.want {
				t.Errorf("systemClipboardTool = %q, want %q", got, tt.want)
			}
		})
	}
}

// The console copies to this machine's clipboard only when the admin sits at it
// and there is one; over SSH, or when writing fails, it sends OSC 52 if the
// terminal may take it, else says there is no clipboard.
func TestClipboardRoute(t *testing.T) {
	failing := errors.New("xclip: cannot open display")
	tests := []struct {
		name       string
		env        map[string]string
		available  bool
		writeErr   error
		want       tui.CopyRoute
		wantWrites int
	}{
		{"local with a clipboard", map[string]string{"TERM": "xterm-256color"}, true, nil, tui.CopiedSystem, 1},
		{"local, the tool fails", map[string]string{"TERM": "xterm-256color"}, true, failing, tui.CopyTerminal, 1},
		{"local without a clipboard", map[string]string{"TERM": "tmux-256color"}, false, nil, tui.CopyTerminal, 0},
		{"over SSH (SSH_TTY)", map[string]string{"TERM": "xterm-256color", "SSH_TTY": "/dev/pts/3"}, true, nil, tui.CopyTerminal, 0},
		{"over SSH (SSH_CONNECTION)", map[string]string{"TERM": "xterm-256color", "SSH_CONNECTION": "10.0.0.1 50000 10.0.0.2 22"}, true, nil, tui.CopyTerminal, 0},
		{"the Linux console, no clipboard", map[string]string{"TERM": "linux"}, false, nil, tui.CopyNone, 0},
		{"a dumb terminal over SSH", map[string]string{"TERM": "dumb", "SSH_TTY": "/dev/pts/3"}, true, nil, tui.CopyNone, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newClipboard(func(k string) string { return tt.env[k] }, slog.New(slog.DiscardHandler))
			c.available = tt.available
			var writes []string
			c.write = func(s string) error {
				writes = append(writes, s)
				return tt.writeErr
			}
			if got := c.Copy("value"); got != tt.want {
				t.Errorf("route %d, want %d", got, tt.want)
			}
			if len(writes) != tt.wantWrites {
				t.Errorf("%d writes to the system clipboard, want %d", len(writes), tt.wantWrites)
			}
		})
	}
}

// The plan doctor reports is the route the console takes, with the facts behind it.
func TestPlanCopy(t *testing.T) {
	xclip := func(name string) (string, error) {
		if name == "xclip" {
			return "/usr/bin/xclip", nil
		}
		return "", fs.ErrNotExist
	}
	tests := []struct {
		name   string
		env    map[string]string
		want   tui.CopyRoute
		sshVar string
		tool   string
	}{
		{"at the machine with X", map[string]string{"TERM": "xterm-256color", "DISPLAY": ":0"}, tui.CopiedSystem, "", "xclip"},
		{"no display: the terminal", map[string]string{"TERM": "xterm-256color"}, tui.CopyTerminal, "", ""},
		{"over SSH with X forwarded", map[string]string{"TERM": "xterm-256color", "DISPLAY": ":10", "SSH_CONNECTION": "10.0.0.1 50000 10.0.0.2 22"},
			tui.CopyTerminal, "SSH_CONNECTION", "xclip"},
		{"SSH_TTY named first", map[string]string{"TERM": "xterm", "SSH_TTY": "/dev/pts/1", "SSH_CONNECTION": "x"}, tui.CopyTerminal, "SSH_TTY", ""},
		{"the Linux console", map[string]string{"TERM": "linux"}, tui.CopyNone, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := planCopy("linux", func(k string) string { return tt.env[k] }, xclip)
			if p.Route != tt.want || p.SSHVar != tt.sshVar || p.SystemTool != tt.tool {
				t.Errorf("plan %+v, want route %d, SSH var %q, tool %q", p, tt.want, tt.sshVar, tt.tool)
			}
		})
	}
}
