package lab

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"
)

// WriteTable prints labs as `scimlab labs` shows them: one line each, with what it
// holds, its size, when it was last used and the scimlab serving it.
func WriteTable(w io.Writer, infos []Info, now time.Time) error {
	if len(infos) == 0 {
		_, err := fmt.Fprintln(w, "No labs yet. Start one with: scimlab --lab NAME (or scimlab serve --lab NAME)")
		return err
	}
	rows := [][]string{{"NAME", "PROFILE", "USERS", "GROUPS", "REQUESTS", "SIZE", "LAST USED", ""}}
	for _, in := range infos {
		profile := in.Profile
		if profile == "" {
			profile = "-"
		}
		status := ""
		switch {
		case in.Error != "":
			status = "cannot be read: " + in.Error
		case in.ServedBy != "":
			status = "served at " + in.ServedBy
		case in.Served:
			status = "served by another scimlab"
		}
		rows = append(rows, []string{in.Name, profile, fmt.Sprint(in.Users), fmt.Sprint(in.Groups), fmt.Sprint(in.Requests),
			Size(in.Bytes), Ago(in.LastUsed, now), status})
	}
	// Names and words align left, numbers right.
	right := []bool{false, false, true, true, true, true, false, false}
	widths := make([]int, len(right))
	for _, r := range rows {
		for i, c := range r {
			widths[i] = max(widths[i], utf8.RuneCountInString(c))
		}
	}
	var b strings.Builder
	for _, r := range rows {
		var line strings.Builder
		for i, c := range r {
			if i > 0 {
				line.WriteString("  ")
			}
			pad := strings.Repeat(" ", widths[i]-utf8.RuneCountInString(c))
			if right[i] {
				line.WriteString(pad + c)
			} else {
				line.WriteString(c + pad)
			}
		}
		b.WriteString(strings.TrimRight(line.String(), " ") + "\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteJSON prints labs as one JSON array.
func WriteJSON(w io.Writer, infos []Info) error {
	if infos == nil {
		infos = []Info{}
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(infos)
}

// Size is a byte count for people: 512 B, 96 KB, 1.2 MB.
func Size(n int64) string {
	switch {
	case n < 1024:
		return fmt.Sprintf("%d B", n)
	case n < 1024*1024:
		return fmt.Sprintf("%d KB", (n+512)/1024)
	case n < 10*1024*1024*1024:
		return fmt.Sprintf("%.1f MB", float64(n)/(1024*1024))
	}
	return fmt.Sprintf("%.1f GB", float64(n)/(1024*1024*1024))
}

// Ago says how long before now t was: "just now", "5m ago", "3h ago", "2d ago", and
// the date past a month.
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
