package tui

import (
	"fmt"
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// The help overlay lists every key of every tab in columns, as many as fit, and
// scrolls when even those are taller than the screen. The sections of the tab the
// admin is on come first, marked.
const (
	helpGap = 3
	// helpMinColumn is the narrowest column worth splitting the overlay for: two
	// of them fit in 80 cells, with descriptions cut at their ends.
	helpMinColumn = 34
	// helpChrome is the overlay's own lines: its title and the line under it.
	helpChrome = 2
)

// helpLayout draws every section into as many columns as fit in w cells, the
// active tab's sections first, and returns the rows.
func (m Model) helpLayout(w int) []string {
	s := m.sh.st
	const mark = " ◂ this tab"
	var sections, rest []helpSection
	for _, sec := range helpSections() {
		if slices.Contains(sec.tabs, m.active) {
			sections = append(sections, sec)
		} else {
			rest = append(rest, sec)
		}
	}
	sections = append(sections, rest...)

	keyW, natural := 0, 0
	for _, sec := range sections {
		for _, b := range sec.keys {
			keyW = max(keyW, cellWidth(b.Help().Key))
		}
	}
	for _, sec := range sections {
		natural = max(natural, cellWidth(sec.label)+cellWidth(mark))
		for _, b := range sec.keys {
			natural = max(natural, keyW+1+cellWidth(b.Help().Desc))
		}
	}
	room := w - 2
	cols := max(1, (room+helpGap)/(natural+helpGap))
	if cols == 1 && (room-helpGap)/2 >= helpMinColumn {
		cols = 2
	}
	colW := min(natural, (room-helpGap*(cols-1))/cols)

	blocks := make([][]string, len(sections))
	for i, sec := range sections {
		title := s.Title.Render(trunc(sec.label, colW))
		if slices.Contains(sec.tabs, m.active) {
			title = s.Title.Render(trunc(sec.label, colW-cellWidth(mark))) + s.Key.Render(mark)
		}
		lines := []string{title}
		for _, b := range sec.keys {
			lines = append(lines, helpRow(m, b, keyW, colW))
		}
		blocks[i] = append(lines, "")
	}
	columns := packColumns(blocks, cols)

	height := 0
	for _, c := range columns {
		height = max(height, len(c))
	}
	rows := make([]string, height)
	for r := range rows {
		var b strings.Builder
		b.WriteString(" ")
		for i, c := range columns {
			cell := ""
			if r < len(c) {
				cell = c[r]
			}
			if i < len(columns)-1 {
				cell = fit(cell, colW) + strings.Repeat(" ", helpGap)
			}
			b.WriteString(cell)
		}
		rows[r] = b.String()
	}
	return rows
}

// packColumns flows blocks, in order, into at most cols columns of the least
// height that holds them, never splitting a block. Each block ends in a blank
// separator line, which the last block of a column does without.
func packColumns(blocks [][]string, cols int) [][]string {
	total, tallest := 0, 0
	for _, b := range blocks {
		total += len(b)
		tallest = max(tallest, len(b)-1)
	}
	for h := max(tallest, (total+cols-1)/cols-1); ; h++ {
		columns := [][]string{nil}
		for _, b := range blocks {
			c := len(columns) - 1
			if len(columns[c]) > 0 && len(columns[c])+len(b)-1 > h {
				columns = append(columns, nil)
				c++
			}
			columns[c] = append(columns[c], b...)
		}
		if len(columns) <= cols {
			for i, c := range columns {
				for len(c) > 0 && c[len(c)-1] == "" {
					c = c[:len(c)-1]
				}
				columns[i] = c
			}
			return columns
		}
	}
}

// helpRow is one key of a section: the keys in a column keyW wide, then what
// they do, cut to the column.
func helpRow(m Model, b key.Binding, keyW, colW int) string {
	s := m.sh.st.Help
	h := b.Help()
	return s.FullKey.Render(fit(h.Key, keyW)) + " " + s.FullDesc.Render(trunc(h.Desc, colW-keyW-1))
}

// helpView draws the overlay at w×h, scrolled to m.helpTop.
func (m Model) helpView(w, h int) string {
	s := m.sh.st
	rows := m.helpLayout(w)
	view := max(1, h-helpChrome)
	top := min(m.helpTop, max(0, len(rows)-view))
	hint := "? or esc closes"
	switch below := len(rows) - top - view; {
	case below > 0:
		hint = fmt.Sprintf("↓ %d more lines · %s", below, hint)
	case top > 0:
		hint = "↑ more above · " + hint
	}
	out := []string{spread(" "+s.Title.Render("All keys, by tab"), s.Muted.Render(hint+" "), w), ""}
	out = append(out, rows[top:min(len(rows), top+view)]...)
	return strings.Join(out, "\n")
}

// openHelp shows the overlay from its top, where the active tab's keys are.
func (m *Model) openHelp() {
	m.showHelp = true
	m.helpTop = 0
}

// scrollHelp moves the overlay for a navigation key; it reports whether msg is
// one.
func (m *Model) scrollHelp(msg tea.KeyPressMsg) bool {
	view := max(1, m.bodyHeight(m.active)-helpChrome)
	k := m.hkeys
	switch {
	case key.Matches(msg, k.Up):
		m.moveHelp(-1)
	case key.Matches(msg, k.Down):
		m.moveHelp(1)
	case key.Matches(msg, k.PageUp):
		m.moveHelp(-view)
	case key.Matches(msg, k.PageDown):
		m.moveHelp(view)
	case key.Matches(msg, k.Top):
		m.helpTop = 0
	case key.Matches(msg, k.Bottom):
		m.moveHelp(1 << 20)
	default:
		return false
	}
	return true
}

// moveHelp scrolls the overlay by n rows, within its content.
func (m *Model) moveHelp(n int) {
	rows := m.helpLayout(m.width)
	view := max(1, m.bodyHeight(m.active)-helpChrome)
	m.helpTop = max(0, min(m.helpTop+n, len(rows)-view))
}
