package lab

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/scimlab/scimlab/human"
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
			human.Bytes(in.Bytes), human.Ago(in.LastUsed, now), status})
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
