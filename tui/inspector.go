package tui

import (
	"fmt"
	"net/http"
	"sort"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"

	"github.com/scimlab/scimlab/exchange"
	"github.com/scimlab/scimlab/scim/quirk"
)

// inspector draws one request: what happened in plain English, why it failed,
// the quirks it relied on, then headers and bodies.
type inspector struct {
	sh    *shared
	vp    viewport.Model
	key   string   // what the content was built for
	lines []string // the content, already wrapped and styled line by line
}

func newInspector(sh *shared) *inspector {
	vp := viewport.New()
	vp.MouseWheelEnabled = false
	return &inspector{sh: sh, vp: vp}
}

func (in *inspector) top() { in.vp.GotoTop() }

// scroll moves the body with the navigation keys.
func (in *inspector) scroll(msg tea.KeyPressMsg, k navKeys) { scrollViewport(&in.vp, msg, k) }

// scrollViewport applies the navigation keys to a viewport.
func scrollViewport(vp *viewport.Model, msg tea.KeyPressMsg, k navKeys) {
	switch {
	case key.Matches(msg, k.Up):
		vp.ScrollUp(1)
	case key.Matches(msg, k.Down):
		vp.ScrollDown(1)
	case key.Matches(msg, k.PageUp):
		vp.PageUp()
	case key.Matches(msg, k.PageDown):
		vp.PageDown()
	case key.Matches(msg, k.Top):
		vp.GotoTop()
	case key.Matches(msg, k.Bottom):
		vp.GotoBottom()
	}
}

func (in *inspector) view(r *exchange.Record, d *exchange.Record, loadErr error, w, h int, focused bool) string {
	s := in.sh.st
	head := in.header(r, w)
	bodyH := max(1, h-len(head)-1)
	k := fmt.Sprintf("%d|%d|%t|%v|%p|%s|%d", r.Seq, w, d != nil, loadErr, s, r.Summary, len(r.Hints))
	in.vp.SetWidth(w)
	in.vp.SetHeight(bodyH)
	if k != in.key {
		in.key = k
		in.lines = in.body(r, d, loadErr, w-1)
		in.vp.SetContentLines(in.lines)
	}
	// The viewport keeps the scroll position; the lines are cut here, as
	// they are already wrapped and styled (the viewport's own View runs the
	// full layout machinery, which a flood would pay every frame).
	lines := append(head, visibleLines(in.lines, in.vp.YOffset(), bodyH)...)
	pos := ""
	if total := in.vp.TotalLineCount(); total > bodyH {
		pos = fmt.Sprintf("%d%% ", int(in.vp.ScrollPercent()*100))
	}
	hint := s.Key.Render(" enter") + s.Muted.Render(" to scroll here")
	if focused {
		hint = s.Key.Render(" esc") + s.Muted.Render(" back  ") + s.Key.Render("[ ]") + s.Muted.Render(" prev/next  ") + s.Key.Render("y") + s.Muted.Render(" curl")
	}
	lines = append(lines, spread(hint, s.Faint.Render(pos), w))
	return strings.Join(lines, "\n")
}

// header is the fixed top of the inspector: the request line and its outcome.
func (in *inspector) header(r *exchange.Record, w int) []string {
	s := in.sh.st
	line := " " + s.method(r.Method).Render(r.Method) + " " + s.Bold.Render(clean(target(r)))
	outcome := s.status(r.Status).Render(statusText(r.Status))
	meta := []string{dur(r.Duration), stamp(r.Time, in.sh.now()), fmt.Sprintf("#%d", r.Seq)}
	if r.ViaTunnel {
		meta = append(meta, "via tunnel from "+clean(r.RemoteAddr))
	} else if r.RemoteAddr != "" {
		meta = append(meta, "from "+clean(r.RemoteAddr))
	}
	return []string{
		trunc(line, w),
		trunc(" "+outcome+s.Muted.Render(" · "+strings.Join(meta, " · ")), w),
		rule(s, "", w),
	}
}

// body is the scrolling part of the inspector, as lines at most w wide.
func (in *inspector) body(r *exchange.Record, d *exchange.Record, loadErr error, w int) []string {
	s := in.sh.st
	var out []string
	add := func(st func(...string) string, text string, indent int) {
		for _, l := range wrapIndent(clean(text), w-1-indent, 0) {
			out = append(out, " "+strings.Repeat(" ", indent)+st(l))
		}
	}
	if r.IdP != "" || r.Step != "" {
		who := []string{}
		for _, p := range []string{idpLabel(r.IdP), r.Step.Words(), r.Subject} {
			if p != "" {
				who = append(who, clean(p))
			}
		}
		out = append(out, " "+s.idp(r.IdP).Render(trunc(strings.Join(who, " · "), w-1)))
	}
	if r.Summary != "" {
		add(s.Bold.Render, r.Summary, 0)
	}
	out = append(out, injectedLines(s, r.Fault, r.Status, w)...)

	var why []string
	if a := authWhy(r.Auth); a != "" {
		why = append(why, a)
	}
	if r.ErrorDetail != "" {
		why = append(why, "server said: "+r.ErrorDetail)
	}
	if r.Status >= 400 && len(why) == 0 {
		why = append(why, "the server answered "+statusText(r.Status))
	}
	if len(why) > 0 {
		out = append(out, "", " "+s.Why.Render("✘ Why it failed"))
		for _, l := range why {
			add(s.Text.Render, l, 2)
		}
	}
	if len(r.Effects) > 0 {
		out = append(out, "", " "+s.Section.Render("What the app did")+s.Muted.Render(" — profile "+clean(r.Profile)))
		for _, e := range r.Effects {
			out = append(out, "  "+s.Effect.Render("▸ "+clean(e.Badge())))
			add(s.Text.Render, e.Sentence()+".", 4)
		}
	}
	if len(r.Hints) > 0 {
		out = append(out, "", " "+s.Section.Render("Hints"))
		for _, h := range r.Hints {
			st := s.Hint
			switch h.Severity {
			case exchange.SeverityError:
				st = s.Why
			case exchange.SeverityInfo:
				st = s.Muted
			}
			for i, l := range wrap(clean(h.Text), w-5) {
				bullet := "  "
				if i == 0 {
					bullet = "› "
				}
				out = append(out, "  "+st.Render(bullet+l))
			}
		}
	}
	if len(r.Quirks) > 0 {
		out = append(out, "", " "+s.Section.Render("Quirks this request relied on"))
		for _, q := range r.Quirks {
			info := quirk.Describe(q)
			out = append(out, "  "+s.Quirk.Render(info.Badge))
			add(s.Text.Render, info.What, 3)
			add(s.Muted.Render, "strict: "+info.Strict, 3)
		}
	}

	out = append(out, "", rule(s, "Request", w))
	switch {
	case d != nil:
		out = append(out, httpHeaderLines(s, d.ReqHeaders, w)...)
		if b := bodyLines(s, d.ReqBody, w-1); len(b) > 0 {
			out = append(out, "")
			out = append(out, indentLines(b)...)
		} else {
			out = append(out, " "+s.Faint.Render("(no body)"))
		}
	case loadErr != nil:
		add(s.Error.Render, "Could not read the request from the log: "+loadErr.Error(), 0)
	default:
		out = append(out, " "+s.Muted.Render("loading headers and bodies…"))
	}
	out = append(out, "", rule(s, "Response · "+statusText(r.Status), w))
	if d != nil {
		out = append(out, httpHeaderLines(s, d.RespHeaders, w)...)
		if b := bodyLines(s, d.RespBody, w-1); len(b) > 0 {
			out = append(out, "")
			out = append(out, indentLines(b)...)
		} else {
			out = append(out, " "+s.Faint.Render("(no body)"))
		}
	}
	return out
}

// visibleLines returns h lines of ls starting at off, padded with empty lines.
func visibleLines(ls []string, off, h int) []string {
	off = max(0, min(off, len(ls)))
	out := make([]string, 0, h)
	out = append(out, ls[off:min(len(ls), off+h)]...)
	for len(out) < h {
		out = append(out, "")
	}
	return out
}

func indentLines(ls []string) []string {
	for i := range ls {
		ls[i] = " " + ls[i]
	}
	return ls
}

// httpHeaderLines lists headers sorted by name. Authorization is shown by scheme
// only, even if the log held more, so a token never reaches the screen.
func httpHeaderLines(s *Styles, h http.Header, w int) []string {
	names := make([]string, 0, len(h))
	for k := range h {
		names = append(names, k)
	}
	sort.Strings(names)
	var out []string
	for _, k := range names {
		for _, v := range h[k] {
			if strings.EqualFold(k, "Authorization") {
				v = redactAuth(v)
			}
			name := http.CanonicalHeaderKey(clean(k)) + ": "
			lines := wrapIndent(name+clean(v), w-1, 4)
			for i, l := range lines {
				if i == 0 {
					// The name may end the line on its own when the value is too
					// long to follow it.
					value := strings.TrimPrefix(strings.TrimPrefix(l, strings.TrimSpace(name)), " ")
					out = append(out, " "+s.Label.Render(strings.TrimSpace(name)+" ")+s.Value.Render(value))
					continue
				}
				out = append(out, " "+s.Value.Render(l))
			}
		}
	}
	if len(out) == 0 {
		out = append(out, " "+s.Faint.Render("(no headers)"))
	}
	return out
}

// redactAuth keeps the scheme of an Authorization value and hides the rest.
func redactAuth(v string) string {
	scheme, rest, found := strings.Cut(strings.TrimSpace(v), " ")
	if !found {
		if strings.Contains(v, "redacted") {
			return v
		}
		return "[redacted]"
	}
	if strings.Trim(rest, "[]") == "redacted" || rest == "[REDACTED]" {
		return v
	}
	return scheme + " [redacted]"
}

// curlFor writes a curl command that replays d against the server at base,
// with the token left to the shell variable $SCIMLAB_TOKEN.
func curlFor(base string, d *exchange.Record) string {
	return strings.Join(curlArgs(base, d), " ")
}

// curlShown is curlFor one argument a line, joined by backslashes, so a command
// copied by hand from the screen still pastes as one.
func curlShown(base string, d *exchange.Record) string {
	return strings.Join(curlArgs(base, d), " \\\n  ")
}

// curlArgs are the words of the curl command that replays d.
func curlArgs(base string, d *exchange.Record) []string {
	u := origin(base) + d.Path
	if d.Query != "" {
		u += "?" + d.Query
	}
	args := []string{"curl -sS"}
	if d.Method != http.MethodGet {
		args[0] += " -X " + d.Method
	}
	args = append(args, shellQuote(u), `-H "Authorization: Bearer $SCIMLAB_TOKEN"`)
	for _, h := range []string{"Content-Type", "Accept"} {
		if v := d.ReqHeaders.Get(h); v != "" {
			args = append(args, "-H "+shellQuote(h+": "+v))
		}
	}
	if len(d.ReqBody) > 0 {
		args = append(args, "--data-raw "+shellQuote(string(d.ReqBody)))
	}
	return args
}

// shellQuote quotes s for a POSIX shell.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
