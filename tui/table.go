package tui

import (
	"strings"

	"charm.land/lipgloss/v2"
)

// column describes one table column. Columns whose minimum widths do not fit
// are dropped in order of drop rank (highest first); what is left over is
// shared among flexible columns.
type column struct {
	title string
	min   int  // comfortable minimum width
	max   int  // 0: no upper bound
	flex  int  // share of leftover width; 0: fixed at min
	right bool // align right
	drop  int  // 0: never dropped
}

// layoutColumns returns each column's width for a table w cells wide (0 for a
// dropped column). Columns are separated by one space and the table starts
// with a two-cell selection gutter.
func layoutColumns(cols []column, w int) []int {
	widths := make([]int, len(cols))
	on := make([]bool, len(cols))
	for i := range cols {
		on[i] = true
	}
	need := func() int {
		n := 2
		for i, c := range cols {
			if on[i] {
				n += c.min + 1
			}
		}
		return n - 1
	}
	for need() > w {
		worst := -1
		for i, c := range cols {
			if on[i] && c.drop > 0 && (worst < 0 || c.drop > cols[worst].drop) {
				worst = i
			}
		}
		if worst < 0 {
			break
		}
		on[worst] = false
	}
	left := w - need()
	flexTotal := 0
	for i, c := range cols {
		if on[i] {
			widths[i] = c.min
			flexTotal += c.flex
		}
	}
	// Even the columns that are never dropped may not fit a very narrow
	// terminal: then the widest flexible one gives up cells.
	for ; left < 0; left++ {
		widest := -1
		for i, c := range cols {
			if on[i] && c.flex > 0 && widths[i] > 4 && (widest < 0 || widths[i] > widths[widest]) {
				widest = i
			}
		}
		if widest < 0 {
			break
		}
		widths[widest]--
	}
	for left > 0 && flexTotal > 0 {
		given := 0
		for i, c := range cols {
			if !on[i] || c.flex == 0 {
				continue
			}
			add := max(1, left*c.flex/flexTotal)
			if c.max > 0 {
				add = min(add, c.max-widths[i])
			}
			add = min(add, left-given)
			if add > 0 {
				widths[i] += add
				given += add
			}
		}
		if given == 0 {
			break
		}
		left -= given
	}
	return widths
}

// cell is one table cell's text and style. The style is a pointer into
// Styles: a lipgloss.Style is large, and copying one per cell per frame
// showed up as most of a flood's allocations.
type cell struct {
	text  string
	style *lipgloss.Style
}

// tableRow renders cells at the given widths. Selected rows get the selection
// background across the whole line, including gutters.
func tableRow(s *Styles, cols []column, widths []int, cells []cell, selected, focused bool, w int) string {
	var b strings.Builder
	sep, pad := " ", func(n int) string { return strings.Repeat(" ", n) }
	if selected {
		bg := &s.Selected
		if !focused {
			bg = &s.SelectedDim
		}
		sep = s.paint(bg, false, false, " ")
		pad = func(n int) string { return s.paint(bg, false, false, strings.Repeat(" ", n)) }
		b.WriteString(s.paint(&s.Marker, true, focused, "▌ "))
	} else {
		b.WriteString("  ")
	}
	used := 2
	first := true
	for i, c := range cols {
		if widths[i] == 0 {
			continue
		}
		if !first {
			b.WriteString(sep)
			used++
		}
		first = false
		text := fit(cells[i].text, widths[i])
		if c.right {
			text = fitRight(cells[i].text, widths[i])
		}
		b.WriteString(s.paint(cells[i].style, selected, focused, text))
		used += widths[i]
	}
	if used < w {
		b.WriteString(pad(w - used))
	}
	return b.String()
}

// tableHeader renders the column titles.
func tableHeader(s *Styles, cols []column, widths []int, w int) string {
	cells := make([]cell, len(cols))
	for i, c := range cols {
		cells[i] = cell{c.title, &s.ColumnHeader}
	}
	return tableRow(s, cols, widths, cells, false, false, w)
}

// scrollWindow keeps the selected index visible in a list of n rows shown h
// at a time, moving top as little as possible.
func scrollWindow(top, sel, n, h int) int {
	if h <= 0 {
		return 0
	}
	if sel < top {
		top = sel
	}
	if sel >= top+h {
		top = sel - h + 1
	}
	top = min(top, max(0, n-h))
	return max(0, top)
}
