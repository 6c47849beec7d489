package doctor

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// groupTitles head the groups in the text report.
var groupTitles = map[Group]string{
	GroupScimlab:  "scimlab",
	GroupPaths:    "Paths",
	GroupDatabase: "Database",
	GroupLabs:     "Labs",
	GroupTunnel:   "Tunnel",
	GroupTerminal: "Terminal",
	GroupPort:     "Port",
}

// marks are the status marks and their colours (SGR).
var marks = map[Status]struct{ mark, sgr string }{
	OK:   {"✔", "32"},
	Warn: {"!", "33"},
	Fail: {"✘", "31"},
}

// WriteText writes the report for people: the checks by group, each with its mark,
// what was found, notes, the fix and the command that applies it. color paints the
// marks; width, when above 0, wraps lines but commands to that many columns under
// their own indentation.
func (r Report) WriteText(w io.Writer, color bool, width int) error {
	paint := func(sgr, s string) string {
		if !color {
			return s
		}
		return "\x1b[" + sgr + "m" + s + "\x1b[0m"
	}
	nameWidth := 0
	for _, c := range r.Checks {
		nameWidth = max(nameWidth, utf8.RuneCountInString(c.Name))
	}
	indent := strings.Repeat(" ", 4+nameWidth+2)
	var b strings.Builder
	b.WriteString(paint("1", "scimlab doctor") + "\n")
	var group Group
	for _, c := range r.Checks {
		if c.Group != group {
			group = c.Group
			b.WriteString("\n" + paint("1", groupTitles[group]) + "\n")
		}
		m := marks[c.Status]
		first := c.Found
		var rest []string
		if c.Path != "" {
			first, rest = c.Path, []string{c.Found}
		}
		head := "  " + paint(m.sgr, m.mark) + " " + c.Name + strings.Repeat(" ", nameWidth-utf8.RuneCountInString(c.Name)+2)
		writeWrapped(&b, head, indent, first, width)
		for _, l := range rest {
			writeWrapped(&b, indent, indent, l, width)
		}
		for _, n := range c.Notes {
			writeWrapped(&b, indent+"· ", indent+"  ", n, width)
		}
		if c.Fix != "" {
			writeWrapped(&b, indent+paint(m.sgr, "fix:")+" ", indent+"     ", c.Fix, width)
		}
		if c.Command != "" {
			// Never wrapped: a line break would spoil it for copying.
			b.WriteString(indent + "run: " + c.Command + "\n")
		}
	}
	b.WriteString("\n")
	writeWrapped(&b, "", "", r.summary(), width)
	_, err := io.WriteString(w, b.String())
	return err
}

// summary is the report's last line.
func (r Report) summary() string {
	fails, warns := r.count(Fail), r.count(Warn)
	if fails+warns == 0 {
		return "Everything scimlab needs is in place."
	}
	var parts []string
	if fails > 0 {
		parts = append(parts, fmt.Sprint(plural(int64(fails), "failure", "failures"), " (✘) to fix"))
	}
	if warns > 0 {
		parts = append(parts, fmt.Sprint(plural(int64(warns), "warning", "warnings"), " (!): scimlab works, with less"))
	}
	return strings.Join(parts, "; ") + "."
}

// writeWrapped writes text after head, wrapping at width (when above 0) with the
// following lines after indent. head and indent are as wide on screen, colours
// aside.
func writeWrapped(b *strings.Builder, head, indent, text string, width int) {
	avail := width - utf8.RuneCountInString(indent)
	if width <= 0 || avail < 20 {
		b.WriteString(head + text + "\n")
		return
	}
	line, prefix := "", head
	for _, word := range strings.Fields(text) {
		if line != "" && utf8.RuneCountInString(line)+1+utf8.RuneCountInString(word) > avail {
			b.WriteString(prefix + line + "\n")
			line, prefix = "", indent
		}
		if line != "" {
			line += " "
		}
		line += word
	}
	b.WriteString(prefix + line + "\n")
}

// jsonReport is the JSON form of a Report.
type jsonReport struct {
	Version string `json:"version"`
	// OK is whether no check failed; warnings do not count.
	OK       bool    `json:"ok"`
	Failures int     `json:"failures"`
	Warnings int     `json:"warnings"`
	Checks   []Check `json:"checks"`
}

// WriteJSON writes the report as one JSON document.
func (r Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(jsonReport{Version: r.Version, OK: !r.Failed(), Failures: r.count(Fail), Warnings: r.count(Warn), Checks: r.Checks})
}
