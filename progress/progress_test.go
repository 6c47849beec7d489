package progress

import (
	"strings"
	"testing"
	"time"
)

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func TestPlainOutputIsQuietForShortWorkAndPeriodicForLong(t *testing.T) {
	c := &clock{t: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)}
	var b strings.Builder
	l := newLine(&b, "exporting", "requests", false, 2*time.Second, c.now)
	for i := range 100 {
		c.t = c.t.Add(10 * time.Millisecond)
		l.Update(int64(i+1), 200)
	}
	if b.Len() != 0 {
		t.Fatalf("a second of work printed %q", b.String())
	}
	for i := 100; i < 200; i++ {
		c.t = c.t.Add(50 * time.Millisecond)
		l.Update(int64(i+1), 200)
	}
	l.Done()
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	if len(lines) < 2 || len(lines) > 4 {
		t.Fatalf("%d lines for 6 s of work at one per 2 s:\n%s", len(lines), b.String())
	}
	last := lines[len(lines)-1]
	if !strings.HasPrefix(last, "exporting [████████████████████████] 200/200 requests 100%") || strings.Contains(b.String(), "\r") {
		t.Errorf("final line %q", last)
	}
}

func TestTerminalRedrawsInPlace(t *testing.T) {
	c := &clock{t: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)}
	var b strings.Builder
	l := newLine(&b, "replaying", "requests", true, 2*time.Second, c.now)
	l.Update(0, 4)
	c.t = c.t.Add(time.Second)
	l.Update(2, 4)
	l.Done()
	out := b.String()
	if strings.Count(out, "\r\033[K") != 3 || strings.Contains(out, "\n") {
		t.Errorf("output %q: want two draws and a clear, in place", out)
	}
	if !strings.Contains(out, "[████████████░░░░░░░░░░░░] 2/4 requests  50%") {
		t.Errorf("output %q", out)
	}
}

func TestUnknownTotal(t *testing.T) {
	c := &clock{t: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)}
	var b strings.Builder
	l := newLine(&b, "importing", "records", true, time.Second, c.now)
	l.Update(7, 0)
	if !strings.Contains(b.String(), "importing 7 records") {
		t.Errorf("output %q", b.String())
	}
}
