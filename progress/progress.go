// Package progress shows how far a long command (an export, an import, a replay) has
// come on a terminal's error stream: one line redrawn in place, with a bar, when the
// stream is a terminal; otherwise a plain line now and then, so a log file or a CI job
// shows the command is alive without filling up with bars.
package progress

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// Line reports progress on one output. It is safe for concurrent use.
type Line struct {
	w        io.Writer
	label    string
	unit     string
	live     bool
	interval time.Duration
	now      func() time.Time

	mu      sync.Mutex
	start   time.Time
	last    time.Time
	drawn   bool
	pending [2]int64
}

// barWidth is the number of cells of the bar.
const barWidth = 24

// New returns a Line labelled label (e.g. "exporting") counting unit ("requests").
// live draws in place for a terminal; otherwise a plain line is written every interval
// and none at all for a command that ends within the first.
func New(w io.Writer, label, unit string, live bool, interval time.Duration) *Line {
	return newLine(w, label, unit, live, interval, time.Now)
}

func newLine(w io.Writer, label, unit string, live bool, interval time.Duration, now func() time.Time) *Line {
	t := now()
	return &Line{w: w, label: label, unit: unit, live: live, interval: interval, now: now, start: t, last: t}
}

// Update reports done of total units; total 0 or less means unknown. A terminal is
// redrawn at most ten times a second.
func (l *Line) Update(done, total int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.pending = [2]int64{done, total}
	now := l.now()
	every := l.interval
	if l.live {
		every = 100 * time.Millisecond
	}
	if now.Sub(l.last) < every && !(l.live && !l.drawn) {
		return
	}
	l.last = now
	l.draw(now)
}

func (l *Line) draw(now time.Time) {
	done, total := l.pending[0], l.pending[1]
	text := fmt.Sprintf("%s %d %s", l.label, done, l.unit)
	if total > 0 {
		text = fmt.Sprintf("%s %s %d/%d %s %3d%%", l.label, bar(done, total), done, total, l.unit, done*100/total)
	}
	text += fmt.Sprintf(" · %s", now.Sub(l.start).Truncate(100*time.Millisecond))
	if l.live {
		fmt.Fprint(l.w, "\r\033[K"+text)
	} else {
		fmt.Fprintln(l.w, text)
	}
	l.drawn = true
}

// Done ends the report: a terminal's line is cleared, so what the command prints next
// starts on a clean line; a plain output that showed progress gets the final count.
func (l *Line) Done() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.drawn {
		return
	}
	if l.live {
		fmt.Fprint(l.w, "\r\033[K")
		return
	}
	l.draw(l.now())
}

func bar(done, total int64) string {
	filled := int(min(done, total) * barWidth / total)
	return "[" + strings.Repeat("█", filled) + strings.Repeat("░", barWidth-filled) + "]"
}
