package tui

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/scimlab/scimlab/exchange"
)

// view draws the list, and the inspector beside it (wide) or instead of it
// (narrow, when open).
func (t *requestsTab) view() string {
	if !t.wide() {
		if t.open && t.selected() != nil {
			return t.inspectorView(t.w, t.h, true)
		}
		return t.listView(t.w, true)
	}
	lw, rw := hsplit(t.w, 58)
	return joinPanes(t.sh.st, t.listView(lw, !t.open), lw, t.inspectorView(rw, t.h, t.open), rw, t.h)
}

func (t *requestsTab) inspectorView(w, h int, focused bool) string {
	r := t.selected()
	if r == nil {
		s := t.sh.st
		return "\n" + s.Muted.Render(" Select a request to see its headers, bodies and diagnosis.")
	}
	return t.insp.view(r, t.cache[r.Seq], t.failed[r.Seq], w, h, focused)
}

// edgeLine reports whether the list starts with a line saying the start of
// the log is reached (or older rows are loading) instead of a request.
func (t *requestsTab) edgeLine() bool {
	return len(t.vis) > 0 && t.top == 0 && t.vis[0] == 0 && t.selIndex() < t.listRows()-1 && (t.loadingOlder || t.noOlder)
}

// requestColumns are dropped from the right end of importance: the badges of the
// profile's effects and the quirks (a ⚑ in the summary stands in for them), the IdP
// (the summary names it),
// the duration, the time, and last what happened.
var requestColumns = []column{
	{title: "TIME", min: 8, drop: 3},
	{title: "METHOD", min: 6},
	{title: "ST", min: 3},
	{title: "TOOK", min: 6, right: true, drop: 4},
	{title: "IDP", min: 5, drop: 5},
	{title: "PATH", min: 20, flex: 4},
	{title: "WHAT HAPPENED", min: 26, flex: 5, drop: 2},
	{title: "BADGES", min: 12, max: 30, flex: 1, drop: 6},
}

func (t *requestsTab) listView(w int, focused bool) string {
	s := t.sh.st
	widths := layoutColumns(requestColumns, w)
	lines := []string{t.filterBar(w), tableHeader(s, requestColumns, widths, w)}
	n := t.listRows()
	switch {
	case len(t.rows) == 0 && !t.loaded && t.sh.d.Reader != nil:
		lines = append(lines, "", s.Muted.Render("  Reading the request log…"))
	case len(t.rows) == 0:
		lines = append(lines, t.emptyState(w)...)
	case len(t.vis) == 0:
		lines = append(lines, "", s.Muted.Render("  No request in the window matches the filter. ")+s.Key.Render("x")+s.Muted.Render(" clears it."))
	default:
		quirksShown := widths[len(widths)-1] > 0
		sel := t.selIndex()
		if t.edgeLine() {
			switch {
			case t.loadingOlder:
				lines = append(lines, s.Muted.Render("  loading older requests…"))
				n--
			case t.noOlder:
				lines = append(lines, s.Faint.Render(fit("  ── start of the log ──", w)))
				n--
			}
		}
		if key := fmt.Sprintf("%d|%p|%t", w, s, quirksShown); key != t.drawnFor || len(t.drawn) > 8*max(n, 50) {
			t.drawn, t.drawnFor = make(map[drawnKey]string), key
		}
		for i := t.top; i < len(t.vis) && i < t.top+n; i++ {
			r := &t.rows[t.vis[i]]
			k := drawnKey{r.Seq, i == sel, focused}
			line, ok := t.drawn[k]
			if !ok {
				line = tableRow(s, requestColumns, widths, t.cells(r, quirksShown), i == sel, focused, w)
				t.drawn[k] = line
			}
			lines = append(lines, line)
		}
	}
	for len(lines) < t.h-1-len(t.notice) {
		lines = append(lines, "")
	}
	lines = append(lines[:max(0, t.h-1-len(t.notice))], t.notice...)
	lines = append(lines, t.statusBar(w))
	return strings.Join(lines, "\n")
}

func (t *requestsTab) cells(r *exchange.Record, quirksShown bool) []cell {
	s := t.sh.st
	status := fmt.Sprint(r.Status)
	if r.Status == 0 {
		status = "---"
	}
	d := &s.Duration
	if r.Duration > time.Second {
		d = &s.SlowDuration
	}
	summary := clean(rowSummary(r))
	sumStyle := &s.Text
	if r.Status == http.StatusUnauthorized || r.Status >= 500 {
		sumStyle = &s.Why
	}
	if r.Fault != nil {
		summary, sumStyle = faultMark+" "+summary, &s.Fault
	}
	quirks := strings.Join(append(effectBadges(r.Effects), badges(r.Quirks)...), ", ")
	if !quirksShown && quirks != "" {
		summary = "⚑ " + summary
	}
	path := shortPath(clean(target(r)))
	if r.ViaTunnel {
		path = "⇡" + path
	}
	return []cell{
		{clock(r.Time), &s.Muted},
		{r.Method, s.method(r.Method)},
		{status, s.status(r.Status)},
		{dur(r.Duration), d},
		{idpLabel(r.IdP), s.idp(r.IdP)},
		{path, &s.Text},
		{summary, sumStyle},
		{quirks, &s.QuirkText},
	}
}

func (t *requestsTab) filterBar(w int) string {
	s := t.sh.st
	count := fmt.Sprintf("%s in window ", thousands(len(t.rows)))
	if t.filter.active() {
		count = fmt.Sprintf("%s of %s ", thousands(len(t.vis)), thousands(len(t.rows)))
	}
	if t.search {
		return spread(" "+t.input.View(), s.Muted.Render(count), w)
	}
	if !t.filter.active() {
		hint := " " + s.Key.Render("/") + s.Muted.Render(" search  ") + s.Key.Render("m") + s.Muted.Render(" method  ") +
			s.Key.Render("s") + s.Muted.Render(" status  ") + s.Key.Render("r") + s.Muted.Render(" resource  ") +
			s.Key.Render("i") + s.Muted.Render(" IdP")
		return spread(hint, s.Muted.Render(count), w)
	}
	parts := t.filter.describe()
	left := " " + s.Label.Render("filter ") + s.FilterOn.Render(strings.Join(parts, " · ")) + "  " + s.Key.Render("x") + s.Muted.Render(" clear")
	return spread(left, s.Muted.Render(count), w)
}

func (t *requestsTab) statusBar(w int) string {
	s := t.sh.st
	var left string
	switch {
	case t.loadingNewest:
		left = s.Muted.Render(" loading the newest requests…")
	case t.follow && t.head:
		left = s.Live.Render(" ● live") + s.Muted.Render(" — following new requests")
	default:
		left = s.Paused.Render(" ⏸ paused")
		if t.newCount > 0 {
			left += s.Paused.Render(fmt.Sprintf(" — %s new", thousands(t.newCount)))
		}
		left += s.Muted.Render(" · ") + s.Key.Render("G/end") + s.Muted.Render(" to follow")
	}
	right := ""
	if t.sh.dropped > 0 {
		right = s.Warning.Render(fmt.Sprintf("%s events dropped, reloaded from the log ", thousands(t.sh.dropped)))
	} else if r := t.selected(); r != nil {
		right = s.Faint.Render(fmt.Sprintf("#%d ", r.Seq))
	}
	return spread(left, right, w)
}

func (t *requestsTab) emptyState(w int) []string {
	s := t.sh.st
	u := t.sh.baseURL()
	lines := []string{
		"",
		"  " + s.Bold.Render("No requests yet."),
		"",
	}
	for _, l := range wrap("Paste the SCIM base URL and token from 1 Connection into Okta or Entra and run its connection test, or try it from a shell (t on 1 Connection copies the token):", w-4) {
		lines = append(lines, "  "+s.Muted.Render(l))
	}
	lines = append(lines, "",
		"  "+s.Text.Render(`curl -H "Authorization: Bearer $SCIMLAB_TOKEN" \`),
		"       "+s.Text.Render(trunc(u+"/Users", w-9)))
	return lines
}

// noticeMaxLines bounds the hints under the request list, so the list keeps
// most of the pane; the Walkthrough tab has room for the whole text.
const noticeMaxLines = 6

// noticeChanged re-renders the pending hints for the list pane and keeps the
// selection in view of the rows that are left.
func (t *requestsTab) noticeChanged() {
	t.notice = nil
	w := t.listWidth()
	if len(t.sh.pending) > 0 && t.h >= 12 {
		budget := min(noticeMaxLines, (t.h-3)/3)
		hints := hintLines(t.sh.st, t.sh.pending, w-2, budget-1, "the full advice is on 5 Walkthrough")
		if len(hints) > 0 {
			t.notice = append(t.notice, rule(t.sh.st, "Hints", w))
			for _, l := range hints {
				t.notice = append(t.notice, " "+l)
			}
		}
	}
	t.top = scrollWindow(t.top, t.selIndex(), len(t.vis), t.listRows())
}
