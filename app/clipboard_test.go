package app

import (
	"errors"
	"io/fs"
	"log/slog"
	"slices"
	"testing"

	"github.com/scimlab/scimlab/tui"
)

func TestHasSystemClipboard(t *testing.T) {
	tests := []struct {
		name  string
		goos  string
		env   map[string]string
		tools []string
		want  bool
	}{
		{"macOS always has pbcopy", "darwin", nil, nil, true},
		{"Windows always has its clipboard", "windows", nil, nil, true},
		{"Linux without any tool", "linux", map[string]string{"DISPLAY": ":0"}, nil, false},
		{"X with xclip", "linux", map[string]string{"DISPLAY": ":0"}, []string{"xclip"}, true},
		{"X with xsel", "linux", map[string]string{"DISPLAY": ":0"}, []string{"xsel"}, true},
		{"xclip but no display (a server, a container)", "linux", nil, []string{"xclip"}, false},
		{"Wayland with wl-clipboard", "linux", map[string]string{"WAYLAND_DISPLAY": "wayland-0"}, []string{"wl-copy", "wl-paste"}, true},
		{"Wayland with only wl-copy", "linux", map[string]string{"WAYLAND_DISPLAY": "wayland-0"}, []string{"wl-copy"}, false},
		{"wl-clipboard without Wayland", "linux", nil, []string{"wl-copy", "wl-paste"}, false},
		{"Termux", "linux", nil, []string{"termux-clipboard-set", "termux-clipboard-get"}, true},
		{"WSL", "linux", nil, []string{"clip.exe", "powershell.exe"}, true},
		{"FreeBSD with X and xsel", "freebsd", map[string]string{"DISPLAY": ":0"}, []string{"xsel"}, true},
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
			if got := hasSystemClipboard(tt.goos, getenv, lookPath); got != tt.want {
				t.Errorf("hasSystemClipboard = %v, want %v", got, tt.want)
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
