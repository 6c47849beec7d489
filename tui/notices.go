package tui

import (
	"fmt"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/scimlab/scimlab/exchange"
	"github.com/scimlab/scimlab/tunnel"
)

// pendingRecheck bounds how often traffic makes the console ask for the
// pending hints again. The hints are about quiet periods, so the first burst
// after one clears them; a flood must not ask on every frame.
const pendingRecheck = 5 * time.Second

// The one-line forms of the changed-URL warning, for tabs other than
// Connection, where the full text is; the short one fits 80 columns.
const (
	urlBannerText  = "⚠ The public URL changed: Okta/Entra still point at the old URL. 1 Connection shows the new one."
	urlBannerShort = "⚠ Public URL changed: Okta/Entra still point at the old URL (1 Connection)"
)

// readURLWarning refreshes the changed-URL warning and reports whether it
// changed (the header grows or shrinks by the banner line).
func (sh *shared) readURLWarning() bool {
	if sh.d.URLWarning == nil {
		return false
	}
	w := sh.d.URLWarning()
	changed := w != sh.urlWarning
	sh.urlWarning = w
	return changed
}

// readTokenWarning refreshes the warning that the next start would serve another
// token (Deps.TokenWarning).
func (sh *shared) readTokenWarning() {
	if sh.d.TokenWarning != nil {
		sh.tokenWarning = sh.d.TokenWarning()
	}
}

// pollPending asks for the time-based hints as of now.
func (sh *shared) pollPending(now time.Time) tea.Cmd {
	pending := sh.d.Pending
	if pending == nil {
		return nil
	}
	sh.pendingAsked = now
	return func() tea.Msg { return pendingMsg{at: now, hints: pending(now)} }
}

// recheckPending asks again after traffic, while hints are shown: most of
// them say nothing has arrived for a while, which the traffic just disproved.
func (sh *shared) recheckPending() tea.Cmd {
	now := sh.now()
	if len(sh.pending) == 0 || now.Sub(sh.pendingAsked) < pendingRecheck {
		return nil
	}
	return sh.pollPending(now)
}

// hintLines renders hints wrapped to w cells, in at most maxLines lines. When
// they do not fit, the last line is replaced by more (if not empty), so the
// reader knows where the rest is.
func hintLines(s *Styles, hints []exchange.Hint, w, maxLines int, more string) []string {
	if len(hints) == 0 || maxLines <= 0 || w < 10 {
		return nil
	}
	var out []string
	for _, h := range hints {
		glyph, st := "⚠ ", s.Warning
		switch h.Severity {
		case exchange.SeverityInfo:
			glyph, st = "› ", s.Hint
		case exchange.SeverityError:
			st = s.Why
		}
		for _, l := range wrapIndent(glyph+clean(h.Text), w, 2) {
			out = append(out, st.Render(l))
		}
	}
	if len(out) <= maxLines {
		return out
	}
	out = out[:maxLines]
	if more != "" {
		out[maxLines-1] = s.Muted.Render(trunc("  … "+more, w))
	}
	return out
}

// showsBanner reports whether the changed-URL banner sits under the status
// line: on every tab but Connection, which shows the whole warning.
func (m Model) showsBanner(t tabID) bool {
	return m.sh.urlWarning != "" && t != tabConnection
}

// headerHeight is the number of lines above the body of tab t.
func (m Model) headerHeight(t tabID) int {
	if m.showsBanner(t) {
		return headerLines + 1
	}
	return headerLines
}

// bodyHeight is the height left to tab t's body.
func (m Model) bodyHeight(t tabID) int {
	return max(0, m.height-m.headerHeight(t)-footerLines-m.demoLines())
}

func (m Model) urlBanner(w int) string {
	text := urlBannerText
	if cellWidth(text) > w-2 {
		text = urlBannerShort
	}
	return " " + m.sh.st.Warning.Render(trunc(text, w-2))
}

// tunnelDown reports whether the tunnel is in a state a retry can help.
func tunnelDown(st tunnel.Status) bool {
	return st.State == tunnel.Failed || st.State == tunnel.Reconnecting
}

// retryLeft is how long until the tunnel's next attempt, and whether one is
// planned at all.
func retryLeft(st tunnel.Status, now time.Time) (time.Duration, bool) {
	switch {
	case !st.RetryAt.IsZero():
		return max(0, st.RetryAt.Sub(now)), true
	case st.RetryIn > 0:
		return st.RetryIn, true
	}
	return 0, false
}

// retryWords says when the next attempt starts: "next attempt in 12s".
func retryWords(st tunnel.Status, now time.Time) string {
	left, ok := retryLeft(st, now)
	switch {
	case !ok:
		return ""
	case left <= 0:
		return "trying again…"
	case st.RetryAt.IsZero():
		return "next attempt in about " + countdown(left)
	}
	return "next attempt in " + countdown(left) + " (at " + clock(st.RetryAt) + ")"
}

// countdown rounds d up to whole seconds, so it never shows 0s too early.
func countdown(d time.Duration) string {
	secs := int((d + time.Second - 1) / time.Second)
	if secs < 60 {
		return fmt.Sprintf("%ds", secs)
	}
	return fmt.Sprintf("%dm%02ds", secs/60, secs%60)
}

// retryCountdown redraws the tunnel line every second while a retry is
// planned; it stops by itself when the attempt starts or the status changes.
func (sh *shared) retryCountdown() tea.Cmd {
	left, ok := retryLeft(sh.tunnel, sh.now())
	if !ok || sh.tunnel.RetryAt.IsZero() || left <= 0 || sh.tunnel.State != tunnel.Failed {
		return nil
	}
	gen := sh.countdownGen
	next := left % time.Second
	if next == 0 {
		next = time.Second
	}
	return tea.Tick(next, func(time.Time) tea.Msg { return retryCountdownMsg{gen: gen} })
}
