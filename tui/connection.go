package tui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/scimlab/scimlab/exchange"
	"github.com/scimlab/scimlab/tunnel"
)

// connectionTab shows what to paste into the IdP: the SCIM base URL and the
// bearer token, under each IdP's own field names, with the tunnel state.
type connectionTab struct {
	sh *shared
	// recent returns the newest requests, newest first, for the activity
	// block; the Requests tab owns them.
	recent   func(n int) []*exchange.Record
	k        connectionKeys
	ik       inputKeys
	reveal   bool
	input    textinput.Model
	entering bool
	// picker is the list of app profiles while it is open.
	picker *profilePicker
	pk     pickerKeys
	// seedInput takes the path of a seed file while seeding is set.
	seedInput textinput.Model
	seeding   bool
	w, h      int
}

func newConnectionTab(sh *shared) *connectionTab {
	in := textinput.New()
	in.Prompt = "ngrok authtoken › "
	in.Placeholder = "paste it from dashboard.ngrok.com › Your Authtoken"
	in.EchoMode = textinput.EchoPassword
	in.EchoCharacter = '•'
	in.CharLimit = 512
	seed := textinput.New()
	seed.Prompt = "seed file › "
	seed.Placeholder = "path of a CSV or JSON file of users and groups"
	seed.CharLimit = 1024
	return &connectionTab{sh: sh, k: newConnectionKeys(), ik: newInputKeys(), pk: newPickerKeys(), input: in, seedInput: seed}
}

func (t *connectionTab) restyle() {
	t.input.SetStyles(t.sh.st.inputStyles())
	t.seedInput.SetStyles(t.sh.st.inputStyles())
}

func (t *connectionTab) setSize(w, h int) {
	t.w, t.h = w, h
	t.input.SetWidth(max(10, min(60, w-24)))
	t.seedInput.SetWidth(max(10, min(80, w-16)))
}

func (t *connectionTab) typing() bool { return t.entering || t.seeding || t.picker != nil }

func (t *connectionTab) keys() keyMap {
	switch {
	case t.picker != nil:
		return t.pk.keyMap()
	case t.entering, t.seeding:
		return t.ik.keyMap()
	}
	k := t.k
	k.Rotate.SetEnabled(t.sh.d.RotateToken != nil)
	k.Mode.SetEnabled(t.sh.d.SetStrict != nil)
	k.Ngrok.SetEnabled(t.sh.d.SaveNgrokToken != nil)
	k.Forget.SetEnabled(t.canForget())
	k.Retry.SetEnabled(t.canRetry())
	k.Profile.SetEnabled(t.sh.d.SetProfile != nil && t.sh.d.Profiles != nil)
	k.Seed.SetEnabled(t.sh.d.Lab != nil)
	k.Reset.SetEnabled(t.sh.d.Lab != nil)
	return k.keyMap()
}

// canForget reports whether an ngrok token is saved for F to forget.
func (t *connectionTab) canForget() bool {
	d := t.sh.d
	return d.ForgetNgrokToken != nil && d.NgrokTokenSaved != nil && d.NgrokTokenSaved()
}

// canRetry reports whether the tunnel is down and main can make it try now.
func (t *connectionTab) canRetry() bool {
	return t.sh.d.RetryTunnel != nil && tunnelDown(t.sh.tunnel)
}

func (t *connectionTab) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case tokenRotatedMsg:
		if msg.err != nil {
			t.sh.log.Error("rotate token", "err", msg.err)
			return toastErr("Could not rotate the token: " + msg.err.Error())
		}
		t.sh.log.Info("token rotated")
		t.sh.readTokenWarning()
		if o := t.sh.d.TokenOverride; o != "" {
			// The toast is short-lived; the panel keeps the full warning.
			return toast("New token active; restarting with " + o + " brings the old one back")
		}
		return toast("New token active; the old one stopped working. Paste the new one into Okta/Entra (t copies it).")
	case ngrokSavedMsg:
		if msg.err != nil {
			t.sh.log.Error("save ngrok token", "err", msg.err)
			return toastErr("Could not save the ngrok token: " + msg.err.Error())
		}
		return toast("ngrok token saved; the tunnel is starting")
	case ngrokForgottenMsg:
		if msg.err != nil {
			t.sh.log.Error("forget ngrok token", "err", msg.err)
			return toastErr("Could not forget the ngrok token: " + msg.err.Error())
		}
		return toast(forgottenToast(msg.res))
	case tunnelRetriedMsg:
		if msg.state == tunnel.Reconnecting {
			return toast("An attempt is under way; if it fails, the next one starts at once")
		}
		return toast("Trying the tunnel again now")
	case tea.KeyPressMsg:
		switch {
		case t.picker != nil:
			cmd, done := t.picker.update(msg, t.pk, t.sh)
			if done {
				t.picker = nil
			}
			return cmd
		case t.seeding:
			return t.updateSeed(msg)
		case t.entering:
			return t.updateInput(msg)
		}
		return t.onKey(msg)
	}
	if t.seeding {
		var cmd tea.Cmd
		t.seedInput, cmd = t.seedInput.Update(msg)
		return cmd
	}
	if t.entering {
		var cmd tea.Cmd
		t.input, cmd = t.input.Update(msg)
		return cmd
	}
	return nil
}

func (t *connectionTab) onKey(msg tea.KeyPressMsg) tea.Cmd {
	d := t.sh.d
	switch {
	case key.Matches(msg, t.k.CopyURL):
		u := t.sh.baseURL()
		if u == "" {
			return toastErr("No URL yet: the server is not listening")
		}
		return t.sh.copyValue(u, copiedURL)
	case key.Matches(msg, t.k.CopyToken):
		if t.sh.token() == "" {
			return toastErr("There is no token to copy")
		}
		return t.sh.copyValue(t.sh.token(), copiedToken)
	case key.Matches(msg, t.k.Reveal):
		t.reveal = !t.reveal
	case key.Matches(msg, t.k.Rotate) && d.RotateToken != nil:
		rotate := d.RotateToken
		body := "A new token is generated and the current one stops working at once: " +
			"Okta and Entra get 401 Unauthorized until you paste the new token into them."
		if o := d.TokenOverride; o != "" {
			body += " It is stored in the database, but this console was started with " + o +
				": starting it again the same way brings back that token, not the new one."
		}
		return func() tea.Msg {
			return confirmMsg{
				title:  "Rotate the bearer token?",
				body:   body,
				action: "rotate now",
				yes: func() tea.Msg {
					_, err := rotate()
					return tokenRotatedMsg{err: err}
				},
			}
		}
	case key.Matches(msg, t.k.Mode) && d.SetStrict != nil:
		return t.confirmMode()
	case key.Matches(msg, t.k.Retry) && t.canRetry():
		retry, state := d.RetryTunnel, t.sh.tunnel.State
		return func() tea.Msg {
			retry()
			return tunnelRetriedMsg{state: state}
		}
	case key.Matches(msg, t.k.Forget) && t.canForget():
		forget := d.ForgetNgrokToken
		return func() tea.Msg {
			return confirmMsg{
				title: "Forget the saved ngrok token?",
				body: "scimlab removes the ngrok auth token from its saved settings (config.json). If the tunnel runs on it, the tunnel stops " +
					"and Okta and Entra can no longer reach this server until you save another token (n). " +
					"A token given by --ngrok-token or NGROK_AUTHTOKEN is not touched.",
				action: "forget it",
				yes: func() tea.Msg {
					res, err := forget()
					return ngrokForgottenMsg{res: res, err: err}
				},
			}
		}
	case key.Matches(msg, t.k.Ngrok) && d.SaveNgrokToken != nil:
		t.entering = true
		t.input.Reset()
		return t.input.Focus()
	case key.Matches(msg, t.k.Profile) && d.SetProfile != nil && d.Profiles != nil:
		t.picker = newProfilePicker(d.Profiles(), t.sh.profile.Name)
	case key.Matches(msg, t.k.Seed) && d.Lab != nil:
		t.seeding = true
		t.seedInput.Reset()
		return t.seedInput.Focus()
	case key.Matches(msg, t.k.Reset) && d.Lab != nil:
		return confirmReset(t.sh)
	}
	return nil
}

// forgottenToast says what forgetting the ngrok token did, and what it left.
func forgottenToast(f NgrokForgotten) string {
	switch {
	case f.TunnelStopped:
		return "ngrok token forgotten; the tunnel that ran on it is off"
	case f.StillSet != "":
		return "Saved ngrok token forgotten; the tunnel keeps the one from " + f.StillSet + " (scimlab never stored it)"
	}
	return "Saved ngrok token forgotten"
}

// updateSeed takes the seed file's path; enter seeds at once (seeding only adds, and
// is all or nothing).
func (t *connectionTab) updateSeed(msg tea.KeyPressMsg) tea.Cmd {
	switch {
	case key.Matches(msg, t.ik.Cancel):
		t.seeding = false
		t.seedInput.Blur()
		return nil
	case key.Matches(msg, t.ik.Accept):
		path := strings.TrimSpace(t.seedInput.Value())
		t.seeding = false
		t.seedInput.Blur()
		if path == "" {
			return nil
		}
		lab, ctx := t.sh.d.Lab, t.sh.ctx
		return func() tea.Msg {
			text, err := lab.Seed(ctx, path)
			return labDoneMsg{text: upperFirst(text), err: err}
		}
	}
	var cmd tea.Cmd
	t.seedInput, cmd = t.seedInput.Update(msg)
	return cmd
}

func (t *connectionTab) confirmMode() tea.Cmd {
	set := t.sh.d.SetStrict
	to := !t.sh.strict
	c := confirmMsg{
		title:  "Switch to strict RFC mode?",
		body:   "Requests that rely on Okta or Entra quirks (string booleans, capitalised PATCH ops, member removal by value, …) will be refused with the error a strict RFC 7644 server returns. Use it to rehearse against a strict app.",
		action: "switch to strict",
	}
	if !to {
		c.title = "Switch to tolerant mode?"
		c.body = "scimlab will accept what Okta and Entra really send, as production apps must, and badge every quirk in the inspector."
		c.action = "switch to tolerant"
	}
	c.yes = func() tea.Msg {
		set(to)
		return strictSetMsg{strict: to}
	}
	return func() tea.Msg { return c }
}

func (t *connectionTab) updateInput(msg tea.KeyPressMsg) tea.Cmd {
	switch {
	case key.Matches(msg, t.ik.Cancel):
		t.entering = false
		t.input.Blur()
		t.input.Reset()
		return nil
	case key.Matches(msg, t.ik.Accept):
		tok := strings.TrimSpace(t.input.Value())
		t.entering = false
		t.input.Blur()
		t.input.Reset()
		if tok == "" {
			return nil
		}
		save := t.sh.d.SaveNgrokToken
		return func() tea.Msg { return ngrokSavedMsg{err: save(tok)} }
	}
	var cmd tea.Cmd
	t.input, cmd = t.input.Update(msg)
	return cmd
}

// block is a group of lines; when the screen is short, blocks with the
// highest drop rank go first.
type block struct {
	lines []string
	drop  int // 0: never dropped
}

func fitBlocks(blocks []block, h int) []string {
	total := func() int {
		n := 0
		for _, b := range blocks {
			n += len(b.lines)
		}
		return n
	}
	for total() > h {
		worst := -1
		for i, b := range blocks {
			if b.drop > 0 && len(b.lines) > 0 && (worst < 0 || b.drop > blocks[worst].drop) {
				worst = i
			}
		}
		if worst < 0 {
			break
		}
		blocks[worst].lines = nil
	}
	var out []string
	for _, b := range blocks {
		out = append(out, b.lines...)
	}
	return out
}

func (t *connectionTab) secret() string {
	s := t.sh.st
	tok := t.sh.token()
	switch {
	case tok == "":
		return s.Error.Render("none: every request is refused")
	case t.reveal:
		return s.Secret.Render(clean(tok))
	}
	return s.Secret.Render(maskToken(tok))
}

func (t *connectionTab) view() string {
	s := t.sh.st
	w := t.w
	url := t.sh.baseURL()
	const lw = 14
	valueW := w - lw - 3

	urlLine := s.URL.Render(trunc(url, valueW))
	if !t.sh.isPublic() && url != "" {
		urlLine += s.Muted.Render(trunc("  local only", max(0, valueW-cellWidth(url))))
	}
	revealHint := "v show"
	if t.reveal {
		revealHint = "v hide"
	}
	tokLine := t.secret() + s.Faint.Render("  "+revealHint)
	head := []string{
		" " + kv(s, "SCIM base URL", lw, urlLine),
		" " + kv(s, "Bearer token", lw, tokLine),
	}
	head = append(head, t.tunnelLines(lw, w)...)
	mode := s.Tolerant.Render("tolerant") + s.Muted.Render(" — accepts what Okta and Entra really send; quirks are badged")
	if t.sh.strict {
		mode = s.Strict.Render("strict RFC") + s.Muted.Render(" — refuses requests that rely on IdP quirks")
	}
	head = append(head, " "+kv(s, "Mode", lw, trunc(mode, valueW)))
	if t.sh.d.Profile != nil {
		p := t.sh.profile
		line := s.Profile.Render(p.Name) + s.Muted.Render(" — "+displayTitle(p))
		if p.Description != "" {
			line += s.Muted.Render(": " + p.Description)
		}
		head = append(head, " "+kv(s, "Profile", lw, trunc(line, valueW)))
	}

	var local []string
	if t.sh.isPublic() && t.sh.d.LocalURL != "" {
		local = []string{" " + kv(s, "Local URL", lw, s.Link.Render(t.sh.d.LocalURL))}
	}

	var input []string
	if t.entering {
		input = []string{
			"",
			" " + t.input.View(),
			" " + s.Muted.Render(trunc("enter saves it in scimlab's config.json (mode 0600) · esc cancels", w-2)),
		}
	}
	if t.seeding {
		input = []string{
			"",
			" " + t.seedInput.View(),
			" " + s.Muted.Render(trunc("enter adds the file's users and groups to the lab (CSV or JSON, see docs/profiles.md) · esc cancels", w-2)),
		}
	}
	if t.picker != nil {
		room := max(4, t.h-len(head)-1)
		return strings.Join(append(append(head, ""), t.picker.view(s, w, room)...), "\n")
	}
	// Try the full boxes first; a short terminal gets the compact ones, which
	// keep the fields the IdP needs and lose the advice.
	warning := t.warningLines(w)
	layout := func(compact bool) []string {
		blocks := []block{{lines: warning}, {lines: head}, {lines: local, drop: 5}, {lines: []string{""}, drop: 6}}
		if t.seeding {
			// The path being typed must stay on screen however tall the rest is.
			blocks = append(blocks, block{lines: input})
			input = nil
		}
		blocks = append(blocks, t.idpBlocks(w, compact)...)
		blocks = append(blocks, block{lines: t.tryIt(w), drop: 4}, block{lines: t.activity(w), drop: 7}, block{lines: input})
		return fitBlocks(blocks, t.h)
	}
	out := layout(false)
	if len(out) > t.h {
		out = layout(true)
	}
	// Still too tall: the warning gives up its tail (the --domain advice)
	// before the values to paste are cut off.
	if over := len(out) - t.h; over > 0 && len(warning) > 3 {
		keep := max(3, len(warning)-over)
		warning = append(warning[:keep-1:keep-1], " "+t.sh.st.Muted.Render(trunc("  … (a taller terminal shows the rest)", w-1)))
		out = layout(true)
	}
	return strings.Join(out, "\n")
}

// tunnelLines describes the tunnel state, and what to do about it.
func (t *connectionTab) tunnelLines(lw, w int) []string {
	s := t.sh.st
	st := t.sh.tunnel
	glyph, word, style := tunnelBadge(s, st)
	status := style.Render(glyph + " " + word)
	var detail string
	advice := st.Hint
	switch st.State {
	case tunnel.Online:
		if !st.Since.IsZero() {
			detail = "since " + clock(st.Since)
		}
		if st.Mode == tunnel.ModePublicURL {
			detail += " · given by --public-url"
		} else if st.Mode != "" {
			detail += " · " + st.Mode
		}
		advice = ""
	case tunnel.Connecting:
		detail = "publishing through " + modeWord(st.Mode) + "…"
		if st.Attempt > 1 {
			detail = fmt.Sprintf("attempt %d…", st.Attempt)
		}
	case tunnel.Reconnecting:
		detail = fmt.Sprintf("attempt %d", max(1, st.Attempt))
		if st.Reason != "" {
			detail += " — " + st.Reason
		}
	case tunnel.Failed:
		detail = st.Reason
		if detail == "" && st.Err != nil {
			detail = st.Err.Error()
		}
		if advice == "" {
			advice = "The local server keeps running."
		}
	default:
		detail = st.Reason
		if t.sh.isPublic() {
			advice = ""
		}
	}
	first := status
	if detail != "" {
		first += s.Muted.Render(" — " + clean(detail))
	}
	lines := []string{" " + kv(s, "Tunnel", lw, trunc(first, w-lw-3))}
	if advice != "" {
		if t.sh.d.SaveNgrokToken != nil && st.State != tunnel.Online && !strings.Contains(st.Reason, "--no-tunnel") {
			advice += " (n pastes an ngrok token here)"
		}
		for _, l := range wrap(clean(advice), w-lw-3) {
			lines = append(lines, " "+strings.Repeat(" ", lw+1)+s.Warning.Render(l))
		}
	}
	// The countdown and the key get a line of their own: after a long
	// reason they would be cut off the tunnel line.
	var retry []string
	if st.State == tunnel.Failed {
		if when := retryWords(st, t.sh.now()); when != "" {
			retry = append(retry, s.Muted.Render(when))
		}
	}
	if t.canRetry() {
		retry = append(retry, s.Key.Render("r")+s.Muted.Render(" tries again now"))
	}
	if len(retry) > 0 {
		lines = append(lines, " "+strings.Repeat(" ", lw+1)+trunc(strings.Join(retry, s.Muted.Render(" · ")), w-lw-3))
	}
	return lines
}

// warningLines shows the changed-URL and token warnings in full, first thing
// on the panel: until the IdP is updated, every request it sends goes nowhere
// or is refused.
func (t *connectionTab) warningLines(w int) []string {
	s := t.sh.st
	var lines []string
	for _, warning := range []string{t.sh.urlWarning, t.sh.tokenWarning} {
		if warning == "" {
			continue
		}
		for i, l := range wrapIndent("⚠ "+clean(warning), w-2, 2) {
			st := s.Warning
			if i == 0 {
				st = st.Bold(true)
			}
			lines = append(lines, " "+st.Render(l))
		}
		lines = append(lines, "")
	}
	return lines
}

func modeWord(mode string) string {
	if mode == "" || mode == tunnel.ModeNgrok {
		return "ngrok"
	}
	return mode
}

type field struct {
	label, value string
	drop         int
}

// idpBlocks renders the Okta and Entra boxes: side by side when wide, else
// stacked. compact keeps only the fields the IdP needs.
func (t *connectionTab) idpBlocks(w int, compact bool) []block {
	s := t.sh.st
	url := s.URL.Render(t.sh.baseURL())
	secret := t.secret()
	uniqueID := "userName"
	if t.sh.profile.UniqueIdentifier == "email" {
		// The apps that identify users by e-mail need Okta to send it as userName.
		uniqueID = "email"
	}
	okta := []field{
		{"SCIM connector base URL", url, 0},
		{"Unique identifier field", s.Value.Render(uniqueID), 3},
		{"Authentication Mode", s.Value.Render("HTTP Header"), 2},
		{"API Token / OAuth Bearer Token", secret, 0},
		{"", s.Italic.Render("Paste the token alone: Okta adds “Bearer ” itself."), 3},
	}
	if h := t.sh.profile.TokenHeader; h != "" && h != "Authorization" {
		okta[4] = field{"", s.Italic.Render("This app reads the token from the " + h + " header, not Authorization."), 0}
	}
	entra := []field{
		{"Tenant URL", url, 0},
		{"Secret Token", secret, 0},
		{"", s.Italic.Render("Provisioning Mode: Automatic, then Test Connection."), 3},
	}
	const oktaSub, entraSub = "Applications › your app › Provisioning › Integration", "Enterprise app › Provisioning › Admin Credentials"
	maxDrop := 99
	if compact {
		maxDrop = 0
	}
	if w >= wideWidth {
		bw := (w - 3) / 2
		ob := fieldLines(s, okta, bw-4, maxDrop)
		eb := fieldLines(s, entra, bw-4, maxDrop)
		for len(eb) < len(ob) {
			eb = append(eb, "")
		}
		for len(ob) < len(eb) {
			ob = append(ob, "")
		}
		left := strings.Split(box(s, "Okta", oktaSub, ob, bw), "\n")
		right := strings.Split(box(s, "Microsoft Entra ID", entraSub, eb, bw), "\n")
		lines := make([]string, len(left))
		for i := range left {
			lines[i] = " " + left[i] + " " + right[i]
		}
		return []block{{lines: lines}, {lines: []string{""}, drop: 6}}
	}
	bw := w - 2
	var lines []string
	for _, b := range []string{box(s, "Okta", oktaSub, fieldLines(s, okta, bw-4, maxDrop), bw), box(s, "Microsoft Entra ID", entraSub, fieldLines(s, entra, bw-4, maxDrop), bw)} {
		for _, l := range strings.Split(b, "\n") {
			lines = append(lines, " "+l)
		}
	}
	return []block{{lines: lines}}
}

// fieldLines renders label/value rows for a box, keeping rows whose drop rank
// is at most maxDrop. A value that does not fit beside its label goes on the
// next line.
func fieldLines(s *Styles, fs []field, inner, maxDrop int) []string {
	lw := 0
	for _, f := range fs {
		if f.drop <= maxDrop {
			lw = max(lw, cellWidth(f.label))
		}
	}
	var out []string
	for _, f := range fs {
		if f.drop > maxDrop {
			continue
		}
		if f.label == "" {
			out = append(out, trunc(f.value, inner))
			continue
		}
		if lw+1+cellWidth(f.value) <= inner {
			out = append(out, s.Label.Render(fit(f.label, lw))+" "+f.value)
			continue
		}
		out = append(out, s.Label.Render(f.label), "  "+trunc(f.value, inner-2))
	}
	return out
}

// tryIt shows what the IdPs send first, so the admin knows what to look for.
func (t *connectionTab) tryIt(w int) []string {
	s := t.sh.st
	lines := []string{" " + rule(s, "What to expect", w-2)}
	add := func(who, what string) {
		lines = append(lines, " "+s.Bold.Render(fit(who, 7))+s.Muted.Render(trunc(what, w-10)))
	}
	add("Okta", "Test API Credentials sends GET /Users?startIndex=1&count=2")
	add("Entra", "Test Connection sends GET /Users?filter=userName eq \"<random GUID>\"")
	lines = append(lines, " "+s.Faint.Render(trunc("Each request appears in 2 Requests as it arrives; 5 Walkthrough ticks the steps off.", w-2)))
	return lines
}

// activityRows is how many recent requests the connection panel lists when
// there is room: enough to see a connection test land beside the values the
// admin just pasted.
const activityRows = 8

// activity lists the newest requests, so a connection test can be watched
// from this panel.
func (t *connectionTab) activity(w int) []string {
	if t.recent == nil {
		return nil
	}
	s := t.sh.st
	rows := t.recent(activityRows)
	lines := []string{"", " " + rule(s, "Latest requests", w-2)}
	if len(rows) == 0 {
		return append(lines, " "+s.Faint.Render("None yet: they appear here and in 2 Requests as they arrive."))
	}
	for _, r := range rows {
		what := rowSummary(r)
		if what == "" {
			what = shortPath(target(r))
		}
		line := " " + s.Muted.Render(clock(r.Time)) + "  " + s.status(r.Status).Render(fmt.Sprintf("%3d", r.Status)) + "  " +
			s.method(r.Method).Render(fit(r.Method, 6)) + " " + s.Text.Render(clean(what))
		lines = append(lines, trunc(line, w))
	}
	return lines
}
