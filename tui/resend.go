package tui

import (
	"fmt"
	"net/http"
	"sort"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textarea"
	tea "charm.land/bubbletea/v2"

	"github.com/scimlab/scimlab/exchange"
)

// resendView sends a recorded request to this scimlab again, as recorded or edited
// first, and shows the answer beside the recorded one with what differs. It covers the
// body of the screen until closed.
type resendView struct {
	sh       *shared
	k        resendKeys
	recorded *exchange.Record

	area    textarea.Model
	editing bool
	editErr string

	sending bool
	sent    *exchange.Record
	ans     *Answer
	err     error

	lines []string // the answer's view, wrapped and styled
	key   string   // what lines were built for
	off   int
	w, h  int
}

func newResendView(sh *shared, rec *exchange.Record, edit bool, w, h int) *resendView {
	ta := textarea.New()
	ta.ShowLineNumbers = false
	ta.Prompt = " "
	ta.CharLimit = 0
	ta.MaxHeight = 0
	v := &resendView{sh: sh, k: newResendKeys(), recorded: rec, area: ta, editing: edit}
	v.setSize(w, h)
	v.restyle()
	return v
}

func (v *resendView) restyle() {
	st := textarea.DefaultStyles(v.sh.st.Dark)
	st.Focused.Text, st.Blurred.Text = v.sh.st.Text, v.sh.st.Muted
	st.Focused.CursorLine = v.sh.st.Text
	// A steady cursor: a blinking one redraws the screen twice a second for nothing.
	st.Cursor.Blink = false
	v.area.SetStyles(st)
	v.key = ""
}

func (v *resendView) setSize(w, h int) {
	v.w, v.h = w, h
	v.area.SetWidth(max(10, w-2))
	v.area.SetHeight(max(3, h-4))
	v.key = ""
}

// start edits the request, or sends it: at once when it only reads, after asking when
// it writes, since it changes the lab.
func (v *resendView) start() tea.Cmd {
	if v.editing {
		return v.edit(v.recorded)
	}
	return v.confirmSend(v.recorded)
}

func (v *resendView) edit(r *exchange.Record) tea.Cmd {
	v.editing, v.editErr = true, ""
	v.area.SetValue(requestText(r))
	v.area.MoveToBegin()
	return v.area.Focus()
}

func (v *resendView) confirmSend(r *exchange.Record) tea.Cmd {
	if v.sh.d.Resend == nil {
		return toastErr("Sending requests again is not available here")
	}
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		return v.send(r)
	}
	body := fmt.Sprintf("%s %s goes to this scimlab with the token it serves now. It is a real request: it changes the lab "+
		"(users, groups) and appears in the request log like any other.", r.Method, shortPath(target(r)))
	yes := func() tea.Msg { return resendConfirmedMsg{sent: r} }
	return func() tea.Msg {
		return confirmMsg{title: fmt.Sprintf("Send request #%d again?", v.recorded.Seq), body: body, action: "send", yes: yes}
	}
}

func (v *resendView) send(r *exchange.Record) tea.Cmd {
	resend, ctx, recorded := v.sh.d.Resend, v.sh.ctx, v.recorded
	v.sending, v.sent, v.ans, v.err = true, r, nil, nil
	v.key = ""
	return func() tea.Msg {
		ans, err := resend(ctx, recorded, r)
		return resendDoneMsg{sent: r, ans: ans, err: err}
	}
}

func (v *resendView) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case resendConfirmedMsg:
		return v.send(msg.sent)
	case resendDoneMsg:
		v.sending, v.ans, v.err, v.off, v.key = false, msg.ans, msg.err, 0, ""
		if msg.err != nil {
			v.sh.log.Error("send again", "seq", v.recorded.Seq, "err", msg.err)
		}
		return nil
	}
	if v.editing {
		var cmd tea.Cmd
		v.area, cmd = v.area.Update(msg)
		return cmd
	}
	return nil
}

// onKey handles a key; closed tells the console to close the view.
func (v *resendView) onKey(msg tea.KeyPressMsg) (cmd tea.Cmd, closed bool) {
	if v.editing {
		switch {
		case key.Matches(msg, v.k.Submit):
			r, err := parseRequestText(v.area.Value(), v.recorded)
			if err != nil {
				v.editErr = err.Error()
				return nil, false
			}
			v.editing = false
			v.area.Blur()
			return v.send(r), false
		case key.Matches(msg, v.k.Close):
			v.editing = false
			v.area.Blur()
			// Back to the answer when there is one, else out.
			return nil, v.sent == nil
		}
		var c tea.Cmd
		v.area, c = v.area.Update(msg)
		return c, false
	}
	switch {
	case key.Matches(msg, v.k.Close):
		return nil, true
	case v.sending:
	case key.Matches(msg, v.k.Again):
		r := v.sent
		if r == nil {
			r = v.recorded
		}
		return v.confirmSend(r), false
	case key.Matches(msg, v.k.Edit):
		r := v.sent
		if r == nil {
			r = v.recorded
		}
		return v.edit(r), false
	case key.Matches(msg, v.k.Up):
		v.off = max(0, v.off-1)
	case key.Matches(msg, v.k.Down):
		v.off++
	case key.Matches(msg, v.k.PageUp):
		v.off = max(0, v.off-(v.h-3))
	case key.Matches(msg, v.k.PageDown):
		v.off += v.h - 3
	case key.Matches(msg, v.k.Top):
		v.off = 0
	}
	return nil, false
}

func (v *resendView) wheel(msg tea.MouseWheelMsg) {
	switch msg.Button {
	case tea.MouseWheelUp:
		v.off = max(0, v.off-3)
	case tea.MouseWheelDown:
		v.off += 3
	}
}

func (v *resendView) keys() keyMap {
	k := v.k
	if v.editing {
		return keyMap{short: []key.Binding{k.Submit, k.Close}, full: [][]key.Binding{{k.Submit, k.Close}}}
	}
	return keyMap{short: []key.Binding{k.Close, k.Again, k.Edit, k.Down, k.Up}, full: k.keyMap().full}
}

func (v *resendView) view() string {
	s := v.sh.st
	w, h := v.w, v.h
	title := fmt.Sprintf(" %s %s", s.Title.Render(fmt.Sprintf("Send request #%d again", v.recorded.Seq)),
		s.Muted.Render("· to this scimlab, with the token it serves now"))
	lines := []string{trunc(title, w), ""}
	if v.editing {
		lines = append(lines, " "+s.Muted.Render(trunc("First line: method and path. Then headers, a blank line and the body.", w-2)))
		lines = append(lines, strings.Split(v.area.View(), "\n")...)
		note := ""
		if v.editErr != "" {
			note = " " + s.Error.Render(trunc(v.editErr, w-2))
		}
		lines = append(lines[:min(len(lines), h-1)], note)
		return strings.Join(lines, "\n")
	}
	switch {
	case v.sending:
		lines = append(lines, " "+s.Muted.Render("Sending…"))
	case v.sent == nil:
		lines = append(lines, " "+s.Muted.Render("Not sent. S sends it as recorded, E edits it first, esc closes."))
	default:
		body := v.answerLines(w)
		room := max(1, h-len(lines))
		v.off = max(0, min(v.off, len(body)-room))
		lines = append(lines, visibleLines(body, v.off, room)...)
	}
	return strings.Join(lines, "\n")
}

// answerLines are the recorded exchange and the new one, side by side when the screen
// is wide enough, one above the other otherwise, after what differs.
func (v *resendView) answerLines(w int) []string {
	k := fmt.Sprintf("%d|%p|%p|%v", w, v.sh.st, v.ans, v.err)
	if k == v.key {
		return v.lines
	}
	s := v.sh.st
	rec, sent := v.recorded, v.sent
	var out []string
	if v.err != nil {
		out = append(out, " "+s.Error.Render(trunc("No answer: "+v.err.Error(), w-2)))
	} else {
		a := v.ans
		switch {
		case len(a.Differences) == 0:
			out = append(out, " "+s.Success.Render("✔ The same answer as recorded")+s.Muted.Render(" (ids, meta and timestamps aside)"))
		default:
			out = append(out, " "+s.Why.Render("✘ The answer differs from the recorded one"))
			for _, d := range a.Differences {
				for _, l := range wrap(clean(d), w-4) {
					out = append(out, "   "+s.Text.Render(l))
				}
			}
		}
	}
	out = append(out, "")
	left := side{heading: fmt.Sprintf("Recorded #%d", rec.Seq), request: rec.Method + " " + target(rec), status: rec.Status,
		took: dur(rec.Duration), body: rec.RespBody}
	var right *side
	if v.ans != nil {
		right = &side{heading: "Now", request: sent.Method + " " + target(sent), status: v.ans.Status, took: dur(v.ans.Duration), body: v.ans.Body}
	}
	if w >= wideWidth-40 {
		lw, rw := hsplit(w, 50)
		lc, rc := left.lines(s, lw-1), right.lines(s, rw-1)
		for i := range max(len(lc), len(rc)) {
			l, r := "", ""
			if i < len(lc) {
				l = lc[i]
			}
			if i < len(rc) {
				r = rc[i]
			}
			out = append(out, fit(l, lw-1)+s.Border.Render("│")+r)
		}
	} else {
		out = append(out, left.lines(s, w)...)
		out = append(out, "")
		out = append(out, right.lines(s, w)...)
	}
	v.lines, v.key = out, k
	return out
}

// side is one of the two exchanges compared: the recorded one or the new one.
type side struct {
	heading, request, took string
	status                 int
	body                   []byte
}

// lines lays a side out in w cells: its heading, request line, status and body.
func (sd *side) lines(s *Styles, w int) []string {
	if sd == nil {
		return nil
	}
	out := []string{
		" " + s.Section.Render(trunc(sd.heading, w-1)),
		" " + s.Muted.Render(trunc(clean(sd.request), w-1)),
		" " + s.status(sd.status).Render(statusText(sd.status)) + s.Muted.Render(" · "+sd.took),
		"",
	}
	if b := bodyLines(s, sd.body, w-1); len(b) > 0 {
		return append(out, indentLines(b)...)
	}
	return append(out, " "+s.Faint.Render("(no body)"))
}

// requestText is a request as the editor shows it: the request line, the headers the
// IdP sent (not the credentials, which are the server's own when sent), a blank line
// and the body.
func requestText(r *exchange.Record) string {
	var b strings.Builder
	b.WriteString(r.Method + " " + target(r) + "\n")
	names := make([]string, 0, len(r.ReqHeaders))
	for n := range r.ReqHeaders {
		names = append(names, n)
	}
	sort.Strings(names)
	creds := exchange.Credentials{}
	for _, n := range names {
		switch http.CanonicalHeaderKey(n) {
		case "Content-Length", "Accept-Encoding", "Connection", "Host":
			continue
		}
		if creds.Header(n) {
			continue
		}
		for _, val := range r.ReqHeaders[n] {
			b.WriteString(n + ": " + val + "\n")
		}
	}
	b.WriteString("\n")
	b.Write(r.ReqBody)
	return b.String()
}

// parseRequestText reads the editor's text back into a request based on rec.
func parseRequestText(text string, rec *exchange.Record) (*exchange.Record, error) {
	head, body, _ := strings.Cut(strings.ReplaceAll(text, "\r\n", "\n"), "\n\n")
	lines := strings.Split(head, "\n")
	method, rest, ok := strings.Cut(strings.TrimSpace(lines[0]), " ")
	rest = strings.TrimSpace(rest)
	if !ok || method == "" || !strings.HasPrefix(rest, "/") {
		return nil, fmt.Errorf("the first line must be the method and the path, e.g. PATCH /scim/v2/Users/…")
	}
	r := *rec
	r.Method = strings.ToUpper(method)
	r.Path, r.Query, _ = strings.Cut(rest, "?")
	r.ReqHeaders = http.Header{}
	for i, l := range lines[1:] {
		if strings.TrimSpace(l) == "" {
			continue
		}
		name, val, ok := strings.Cut(l, ":")
		if !ok || strings.TrimSpace(name) == "" {
			return nil, fmt.Errorf("line %d is not a header (Name: value): %q", i+2, l)
		}
		r.ReqHeaders.Add(strings.TrimSpace(name), strings.TrimSpace(val))
	}
	r.ReqBody = nil
	if strings.TrimSpace(body) != "" {
		r.ReqBody = []byte(body)
	}
	return &r, nil
}

// resendKeys act on the resend view.
type resendKeys struct {
	navKeys
	Submit, Again, Edit, Close key.Binding
}

func newResendKeys() resendKeys {
	return resendKeys{
		navKeys: newNavKeys(),
		Submit:  bind([]string{"ctrl+s"}, "ctrl+s", "send the edited request"),
		Again:   bind([]string{"S"}, "S", "send again"),
		Edit:    bind([]string{"E"}, "E", "edit and send"),
		Close:   bind([]string{"esc"}, "esc", "close"),
	}
}

func (k resendKeys) keyMap() keyMap {
	return keyMap{
		short: []key.Binding{k.Close, k.Again, k.Edit},
		full:  [][]key.Binding{{k.Up, k.Down, k.PageUp, k.PageDown, k.Top}, {k.Again, k.Edit, k.Submit, k.Close}},
	}
}

// resend opens the resend view on the selected request, in the editor with edit. The
// view needs the request's bodies, which the inspector has read by then.
func (t *requestsTab) resend(edit bool) tea.Cmd {
	if t.sh.d.Resend == nil {
		return nil
	}
	r := t.selected()
	if r == nil {
		return nil
	}
	d := t.cache[r.Seq]
	if d == nil {
		return tea.Batch(toast("The request is still loading; press the key again in a moment"), t.wantDetailNow())
	}
	rec := *d
	return func() tea.Msg { return resendOpenMsg{rec: &rec, edit: edit} }
}
