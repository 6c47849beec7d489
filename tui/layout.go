package tui

import (
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
)

// Layout thresholds. Below wideWidth the list and detail panes stack (one at a
// time); at or above it they sit side by side.
const (
	wideWidth = 140
	minWidth  = 40
	minHeight = 10
)

// MinWidth and MinHeight are the smallest terminal, in cells, the console draws
// in; below it, it says how large it needs to be. From WideWidth columns the
// request list and the opened request sit side by side.
const (
	MinWidth  = minWidth
	MinHeight = minHeight
	WideWidth = wideWidth
)

// fit truncates s to w cells (with an ellipsis) and pads it with spaces to
// exactly w cells. Styled text keeps its escape sequences.
func fit(s string, w int) string {
	if w <= 0 {
		return ""
	}
	sw := cellWidth(s)
	if sw > w {
		return ansi.Truncate(s, w, "…")
	}
	return s + strings.Repeat(" ", w-sw)
}

// fitRight is fit with the text aligned to the right edge.
func fitRight(s string, w int) string {
	if w <= 0 {
		return ""
	}
	sw := cellWidth(s)
	if sw > w {
		return ansi.Truncate(s, w, "…")
	}
	return strings.Repeat(" ", w-sw) + s
}

// trunc shortens s to at most w cells without padding.
func trunc(s string, w int) string {
	if w <= 0 {
		return ""
	}
	if cellWidth(s) <= w {
		return s
	}
	return ansi.Truncate(s, w, "…")
}

// canvas normalises a block of text to exactly w×h cells: every line is cut or
// padded to w and the block is cut or padded to h lines. The root view passes
// everything through it so a resize can never leave stray cells behind.
func canvas(s string, w, h int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > h {
		lines = lines[:h]
	}
	for len(lines) < h {
		lines = append(lines, "")
	}
	for i, l := range lines {
		lines[i] = fitHard(l, w)
	}
	return strings.Join(lines, "\n")
}

// fitHard is fit without the ellipsis, for whole-screen clipping.
func fitHard(s string, w int) string {
	sw := cellWidth(s)
	if sw > w {
		return ansi.Truncate(s, w, "")
	}
	return s + strings.Repeat(" ", w-sw)
}

// wrap breaks plain text into lines of at most w cells, at spaces when it can.
// Style lines after wrapping: a style that spans a line break would bleed into
// whatever is drawn next to the line.
func wrap(s string, w int) []string {
	return wrapIndent(s, w, 0)
}

// wrapIndent wraps plain text to w cells; continuation lines are indented by
// indent spaces (and so hold w-indent cells of text).
func wrapIndent(s string, w, indent int) []string {
	if w <= 0 {
		return nil
	}
	if indent < 0 || indent >= w {
		indent = 0
	}
	var out []string
	for _, para := range strings.Split(s, "\n") {
		out = append(out, wrapPara(para, w, indent)...)
	}
	return out
}

func wrapPara(s string, w, indent int) []string {
	var (
		out  []string
		line strings.Builder
		lw   int
	)
	limit := w
	flush := func() {
		out = append(out, line.String())
		line.Reset()
		lw = 0
		limit = w - indent
		line.WriteString(strings.Repeat(" ", indent))
	}
	for _, word := range strings.Split(s, " ") {
		ww := cellWidth(word)
		switch {
		case lw > 0 && lw+1+ww <= limit:
			line.WriteByte(' ')
			line.WriteString(word)
			lw += 1 + ww
			continue
		case lw > 0:
			flush()
		}
		for ww > limit {
			line.WriteString(ansi.Cut(word, 0, limit))
			word = ansi.Cut(word, limit, ww)
			ww -= limit
			flush()
		}
		line.WriteString(word)
		lw += ww
	}
	out = append(out, line.String())
	return out
}

// hsplit returns the widths of a left and right pane sharing w cells with a
// one-cell gutter; leftShare is the left pane's share in percent.
func hsplit(w, leftShare int) (left, right int) {
	left = w * leftShare / 100
	right = w - left - 1
	return left, right
}

// joinPanes puts two blocks of exactly h lines side by side with a rule.
func joinPanes(s *Styles, left string, lw int, right string, rw int, h int) string {
	ll := strings.Split(canvas(left, lw, h), "\n")
	rl := strings.Split(canvas(right, rw, h), "\n")
	rule := s.Border.Render("│")
	var b strings.Builder
	for i := 0; i < h; i++ {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(ll[i])
		b.WriteString(rule)
		b.WriteString(rl[i])
	}
	return b.String()
}

// box draws a rounded box of width w around body lines, with a title set into
// the top border: ╭─ Title ─ subtitle ───╮.
func box(s *Styles, title, subtitle string, body []string, w int) string {
	if w < 4 {
		return strings.Join(body, "\n")
	}
	inner := w - 4
	head := s.Border.Render("╭─ ") + s.BoxTitle.Render(title)
	if subtitle != "" {
		head += s.Border.Render(" ─ ") + s.Muted.Render(subtitle)
	}
	head = trunc(head, w-2)
	head += s.Border.Render(" " + strings.Repeat("─", max(0, w-cellWidth(head)-2)) + "╮")
	head = fitHard(head, w)
	var b strings.Builder
	b.WriteString(head)
	side := s.Border.Render("│")
	for _, l := range body {
		b.WriteByte('\n')
		b.WriteString(side + " " + fit(l, inner) + " " + side)
	}
	b.WriteByte('\n')
	b.WriteString(s.Border.Render("╰" + strings.Repeat("─", w-2) + "╯"))
	return b.String()
}

// rule is a horizontal line with an optional label: ── Label ─────.
func rule(s *Styles, label string, w int) string {
	if label == "" {
		return s.Border.Render(strings.Repeat("─", w))
	}
	head := s.Border.Render("── ") + s.Section.Render(label) + " "
	return head + s.Border.Render(strings.Repeat("─", max(0, w-cellWidth(head))))
}

// kv renders a label/value line with the label padded to lw cells.
func kv(s *Styles, label string, lw int, value string) string {
	return s.Label.Render(fit(label, lw)) + " " + value
}

// center places s in the middle of a w-cell line.
func center(s string, w int) string {
	return lipgloss.PlaceHorizontal(w, lipgloss.Center, s)
}

// overlay draws fg centred over bg (both w×h) and returns the composed block.
func overlay(bg, fg string, w, h int) string {
	fw, fh := lipgloss.Width(fg), lipgloss.Height(fg)
	x, y := max(0, (w-fw)/2), max(0, (h-fh)/2)
	return lipgloss.NewCompositor(
		lipgloss.NewLayer(bg),
		lipgloss.NewLayer(fg).X(x).Y(y).Z(1),
	).Render()
}
