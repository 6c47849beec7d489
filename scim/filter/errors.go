package filter

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// SyntaxError reports a filter or PATCH path that does not follow RFC 7644.
type SyntaxError struct {
	// Input is the text that was parsed.
	Input string
	// Pos is the byte offset in Input where the problem was found.
	Pos int
	// Msg says what was wrong and, where it can, what was expected.
	Msg string

	path bool // the input was a PATCH path, not a filter
}

// Error reports the position as a 1-based character count, which is what someone
// looking at the filter in a log line can count.
func (e *SyntaxError) Error() string {
	what := "filter"
	if e.path {
		what = "path"
	}
	return fmt.Sprintf("invalid %s at position %d: %s", what, e.Column(), e.Msg)
}

// Column returns the 1-based character (not byte) position of the problem.
func (e *SyntaxError) Column() int {
	pos := min(max(e.Pos, 0), len(e.Input))
	return utf8.RuneCountInString(e.Input[:pos]) + 1
}

// Caret returns the part of the input around the problem on one line and a caret under
// the problem on the next, for showing the error in the console.
func (e *SyntaxError) Caret() string {
	const window = 40
	in := e.Input
	pos := min(max(e.Pos, 0), len(in))
	start := max(pos-window, 0)
	for start > 0 && !utf8.RuneStart(in[start]) {
		start--
	}
	end := min(pos+window, len(in))
	for end < len(in) && !utf8.RuneStart(in[end]) {
		end++
	}
	var prefix, suffix string
	if start > 0 {
		prefix = "…"
	}
	if end < len(in) {
		suffix = "…"
	}
	before := prefix + printable(in[start:pos])
	return before + printable(in[pos:end]) + suffix + "\n" +
		strings.Repeat(" ", utf8.RuneCountInString(before)) + "^"
}

// printable replaces control characters so the caret line stays aligned.
func printable(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)
}
