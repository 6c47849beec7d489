package tui

import (
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"
)

// The console measures every line it draws, several times per frame. Full
// grapheme segmentation (ansi.StringWidth) dominates a frame's cost under a
// flood, yet nearly everything drawn is ASCII, escape sequences and a few
// symbols. cellWidth takes a fast path for exactly those and defers to
// ansi.StringWidth for anything else, so it always agrees with it.

// symbolWidths holds the width ansi.StringWidth gives each symbol the console
// draws itself.
var symbolWidths = func() map[rune]int {
	m := map[rune]int{}
	for _, r := range "…•·“”‘’→←↑↓⇡─━│╭╮╰╯▌█●○◌✔✘▶⏸⚑›✱≤≥µ×↯" {
		m[r] = ansi.StringWidth(string(r))
	}
	return m
}()

// cellWidth is the number of terminal cells s occupies.
func cellWidth(s string) int {
	w := 0
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == 0x1b:
			n := escapeLen(s[i:])
			if n == 0 {
				return ansi.StringWidth(s)
			}
			i += n
		case c >= 0x20 && c < 0x7f:
			w++
			i++
		case c < 0x80:
			return ansi.StringWidth(s)
		default:
			r, size := utf8.DecodeRuneInString(s[i:])
			rw, ok := symbolWidths[r]
			if !ok {
				return ansi.StringWidth(s)
			}
			w += rw
			i += size
		}
	}
	return w
}

// escapeLen is the length of the CSI (ESC [ … final) or OSC (ESC ] … BEL or
// ST) sequence at the start of s, or 0 for anything else.
func escapeLen(s string) int {
	if len(s) < 2 {
		return 0
	}
	switch s[1] {
	case '[':
		for j := 2; j < len(s); j++ {
			if s[j] >= 0x40 && s[j] <= 0x7e {
				return j + 1
			}
		}
	case ']':
		for j := 2; j < len(s); j++ {
			if s[j] == 0x07 {
				return j + 1
			}
			if s[j] == 0x1b && j+1 < len(s) && s[j+1] == '\\' {
				return j + 2
			}
		}
	}
	return 0
}
