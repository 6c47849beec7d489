// Package human words quantities for people: byte counts and how long ago something
// happened. The labs table, the console's Labs tab and the command line's messages share
// it, so a lab's size reads the same wherever it is shown.
package human

import (
	"fmt"
	"time"
)

// Bytes is a byte count in binary units: 512 B, 96 KB, 1.2 MB, 3.4 GB.
func Bytes(n int64) string {
	switch {
	case n < 1024:
		return fmt.Sprintf("%d B", n)
	case n < 1024*1024:
		return fmt.Sprintf("%d KB", (n+512)/1024)
	case n < 1024*1024*1024:
		return fmt.Sprintf("%.1f MB", float64(n)/(1024*1024))
	}
	return fmt.Sprintf("%.1f GB", float64(n)/(1024*1024*1024))
}

// Ago says how long before now t was: "just now", "5m ago", "3h ago", "2d ago", and
// the local date past a month; "-" for a zero time (never).
func Ago(t, now time.Time) string {
	if t.IsZero() {
		return "-"
	}
	d := now.Sub(t)
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return fmt.Sprintf("%dm ago", int(d/time.Minute))
	case d < 24*time.Hour:
		return fmt.Sprintf("%dh ago", int(d/time.Hour))
	case d < 30*24*time.Hour:
		return fmt.Sprintf("%dd ago", int(d/(24*time.Hour)))
	}
	return t.Local().Format("2006-01-02")
}
