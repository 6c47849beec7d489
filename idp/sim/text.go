package sim

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/scimlab/scimlab/exchange"
)

// palette colours the text report; the zero value writes plain text.
type palette struct{ green, red, yellow, dim, reset string }

func newPalette(color bool) palette {
	if !color {
		return palette{}
	}
	return palette{green: "\033[32m", red: "\033[31m", yellow: "\033[33m", dim: "\033[2m", reset: "\033[0m"}
}

func (p palette) mark(status string) string {
	switch status {
	case StatusPassed:
		return p.green + "✓" + p.reset
	case StatusFailed:
		return p.red + "✗" + p.reset
	case StatusNotRun:
		return p.red + "·" + p.reset
	}
	return p.yellow + "–" + p.reset
}

// shownBody is how much of a body a failed exchange prints.
const shownBody = 600

// WriteText writes the report for people: every request of a lifecycle with the
// bodies of those that failed, or for a load run one line per step, its failures and
// the latency table; then a summary line. color adds ANSI colours.
func (rep *Report) WriteText(w io.Writer, color bool) error {
	bw := bufio.NewWriter(w)
	p := newPalette(color)
	fmt.Fprintf(bw, "%s → %s · scenario %s\n", rep.who(), rep.Target, rep.Scenario)
	if rep.Description != "" {
		fmt.Fprintf(bw, "%s%s%s\n", p.dim, rep.Description, p.reset)
	}
	if rep.Load {
		fmt.Fprintf(bw, "%d users, %d groups, concurrency %d", rep.Users, rep.Groups, rep.Concurrency)
		if rep.Rate > 0 {
			fmt.Fprintf(bw, ", at most %g requests/s", rep.Rate)
		}
		fmt.Fprintln(bw)
	}
	fmt.Fprintln(bw)
	for _, s := range rep.Steps {
		rep.writeStep(bw, p, s)
	}
	if rep.Load && len(rep.Latency) > 0 {
		fmt.Fprintln(bw)
		rep.writeLatency(bw)
	}
	fmt.Fprintln(bw)
	fmt.Fprintln(bw, rep.summary(p))
	return bw.Flush()
}

func (rep *Report) who() string {
	switch {
	case rep.IdP == exchange.Okta && rep.Flavour == exchange.FlavourOIN:
		return "Okta (catalog / template app)"
	case rep.IdP == exchange.Okta:
		return "Okta (App Integration Wizard app)"
	case rep.Compliant:
		return "Entra (aadOptscim062020)"
	}
	return "Entra"
}

func (rep *Report) writeStep(w io.Writer, p palette, s *StepResult) {
	fmt.Fprintf(w, "%s %2d %s", p.mark(s.Status), s.Index, s.Title)
	if s.Targets > 1 {
		fmt.Fprintf(w, "%s  %d passed", p.dim, s.Passed)
		if s.Failed > 0 {
			fmt.Fprintf(w, ", %d failed", s.Failed)
		}
		if s.Skipped > 0 {
			fmt.Fprintf(w, ", %d skipped", s.Skipped)
		}
		fmt.Fprint(w, p.reset)
	}
	if rep.Load && s.Requests > 0 {
		fmt.Fprintf(w, "%s · %d requests in %s, %.0f/s%s", p.dim, s.Requests, roundDuration(s.Elapsed), s.RequestsPerSecond, p.reset)
	}
	fmt.Fprintln(w)
	for _, n := range s.Notes {
		writeNote(w, "     ", n)
	}
	for _, o := range s.Outcomes {
		indent := "     "
		if s.Targets > 1 {
			fmt.Fprintf(w, "     %s %s\n", p.mark(o.Status), o.Target)
			indent = "       "
		}
		if rep.Load && o.Status != StatusFailed {
			continue
		}
		exs := o.Exchanges
		if rep.Load && len(exs) > 0 {
			exs = exs[len(exs)-1:]
		}
		for _, ex := range exs {
			writeExchange(w, p, indent, ex)
		}
		for _, n := range o.Notes {
			writeNote(w, indent, n)
		}
	}
	kept := 0
	for _, o := range s.Outcomes {
		if o.Status == StatusFailed {
			kept++
		}
	}
	if s.Failed > kept {
		fmt.Fprintf(w, "     %s(%d more failures not listed)%s\n", p.dim, s.Failed-kept, p.reset)
	}
}

func writeExchange(w io.Writer, p palette, indent string, ex *Exchange) {
	answer := ex.Err
	if answer == "" {
		answer = fmt.Sprint(ex.Status)
	}
	col := ""
	if ex.Failed() {
		col = p.red
	}
	retry := ""
	if ex.Attempt > 1 {
		retry = fmt.Sprintf(" (attempt %d, after %s)", ex.Attempt, ex.Waited)
	}
	fmt.Fprintf(w, "%s%s %s → %s%s%s %s%s  %s%s\n", indent, ex.Method, ex.URL, col, answer, p.reset, p.dim, roundDuration(ex.Duration), ex.What, retry+p.reset)
	if ex.Failed() {
		if len(ex.Body) > 0 {
			fmt.Fprintf(w, "%s  sent:   %s\n", indent, clip(string(ex.Body)))
		}
		if len(ex.Response) > 0 {
			fmt.Fprintf(w, "%s  answer: %s\n", indent, clip(string(ex.Response)))
		}
	}
}

func writeNote(w io.Writer, indent string, n Note) {
	fmt.Fprintf(w, "%s→ %s\n", indent, n.Text)
}

// clip keeps a body on one line and short enough to read.
func clip(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= shownBody {
		return s
	}
	r := []rune(s)
	return string(r[:shownBody]) + " …"
}

func roundDuration(d time.Duration) string {
	switch {
	case d <= 0:
		return "-"
	case d < time.Millisecond:
		return d.Round(time.Microsecond).String()
	case d < 10*time.Millisecond:
		return d.Round(100 * time.Microsecond).String()
	}
	return d.Round(time.Millisecond).String()
}

func (rep *Report) writeLatency(w io.Writer) {
	width := len("request")
	for _, k := range rep.Latency {
		width = max(width, len(k.Kind))
	}
	fmt.Fprintf(w, "%-*s %8s %7s %9s %9s %9s %9s\n", width, "request", "count", "errors", "p50", "p90", "p99", "max")
	for _, k := range rep.Latency {
		fmt.Fprintf(w, "%-*s %8d %7d %9s %9s %9s %9s\n", width, k.Kind, k.Count, k.Errors,
			roundDuration(k.P50), roundDuration(k.P90), roundDuration(k.P99), roundDuration(k.Max))
	}
}

// Summary is the report's last line without colour: passed or failed (and which
// steps), how many requests in how long, and how many errors.
func (rep *Report) Summary() string { return rep.summary(palette{}) }

func (rep *Report) summary(p palette) string {
	failed := rep.FailedSteps()
	var head string
	if failed == 0 {
		head = fmt.Sprintf("%sPASSED%s: all %d steps passed", p.green, p.reset, len(rep.Steps))
	} else {
		var which []string
		for _, s := range rep.Steps {
			if s.Status == StatusFailed || s.Status == StatusNotRun {
				which = append(which, fmt.Sprint(s.Index))
			}
		}
		head = fmt.Sprintf("%sFAILED%s: %d of %d steps failed or did not run (step %s)", p.red, p.reset, failed, len(rep.Steps), strings.Join(which, ", "))
	}
	return fmt.Sprintf("%s · %d requests in %s (%.0f/s) · %d errors", head, rep.Requests, roundDuration(rep.Elapsed), rep.RequestsPerSecond, rep.Errors)
}
