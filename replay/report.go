package replay

import (
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"strings"
)

// SummaryLine is the report in one line, e.g. "57 requests: 54 same, 2 different
// status, 1 different body, 0 not sent, 0 failed".
func (r *Report) SummaryLine() string {
	s := r.Summary
	notSent := fmt.Sprintf("%d not sent", s.NotSent)
	var why []string
	if s.AuthRefused > 0 {
		why = append(why, fmt.Sprintf("%d refused for authentication", s.AuthRefused))
	}
	if s.FaultAnswered > 0 {
		why = append(why, fmt.Sprintf("%d answered by a fault rule", s.FaultAnswered))
	}
	if len(why) > 0 {
		notSent += " (" + strings.Join(why, ", ") + " when recorded)"
	}
	return fmt.Sprintf("%d requests: %d same, %d different status, %d different body, %s, %d failed",
		s.Requests, s.Same, s.DifferentStatus, s.DifferentBody, notSent, s.Failed)
}

// ANSI colours of the text report.
const (
	sgrReset  = "\033[0m"
	sgrRed    = "\033[31m"
	sgrYellow = "\033[33m"
	sgrGreen  = "\033[32m"
	sgrFaint  = "\033[2m"
)

// WriteText writes the requests whose answer differed, failed or was not sent, each
// with how, then the summary line. Requests answered the same are counted, not listed.
func (r *Report) WriteText(w io.Writer, color bool) error {
	paint := func(sgr, s string) string {
		if !color {
			return s
		}
		return sgr + s + sgrReset
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Replayed to %s\n", r.Target)
	var notSent []Result
	for _, res := range r.Results {
		switch res.Outcome {
		case Same:
			continue
		case NotSent:
			notSent = append(notSent, res)
			continue
		}
		status := fmt.Sprintf("%d → %d", res.RecordedStatus, res.Status)
		if res.Outcome == Failed {
			status = fmt.Sprintf("%d → no answer", res.RecordedStatus)
		}
		word := strings.ReplaceAll(string(res.Outcome), "-", " ")
		sgr := sgrYellow
		if res.Outcome != DifferentBody {
			sgr = sgrRed
		}
		fmt.Fprintf(&b, "  #%-5d %s %s  %s  %s\n", res.Seq, res.Method, readable(res.Path), status, paint(sgr, word))
		for _, d := range res.Differences {
			fmt.Fprintf(&b, "         %s\n", d)
		}
		if res.Note != "" {
			fmt.Fprintf(&b, "         %s\n", res.Note)
		}
	}
	if len(notSent) > 0 {
		fmt.Fprintln(&b, "Not sent:")
		for _, res := range notSent {
			fmt.Fprintf(&b, "  #%-5d %s %s  %s\n", res.Seq, res.Method, readable(res.Path), paint(sgrFaint, res.Note))
		}
	}
	line := r.SummaryLine()
	if r.Differs() {
		line = paint(sgrRed, line)
	} else {
		line = paint(sgrGreen, line)
	}
	fmt.Fprintln(&b, line)
	_, err := io.WriteString(w, b.String())
	return err
}

// readable decodes the query, as an admin reads a filter.
func readable(pathQuery string) string {
	if u, err := url.QueryUnescape(pathQuery); err == nil {
		return u
	}
	return pathQuery
}

// WriteJSON writes the report as one JSON document.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}
