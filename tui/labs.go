package tui

import (
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/progress"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"github.com/scimlab/scimlab/human"
)

// labsTab lists the labs and switches, creates, resets, deletes and exports them.
// Every action that changes a lab asks first.
type labsTab struct {
	sh *shared
	k  labsKeys
	ik inputKeys

	labs   []LabInfo
	sel    int
	top    int
	loaded bool
	err    error

	// input asks for a new lab's name or an export's path; asking says which.
	input  textinput.Model
	asking labPrompt
	kind   ExportKind // of the export being asked for
	target string     // the lab the prompt is about

	// export is the export running, nil when none.
	export *exportRun
	bar    progress.Model
	nextID int
	// busy names an action under way (a switch, a reset) for the status line.
	busy string

	w, h int
}

// labPrompt is what the input line asks for.
type labPrompt int

const (
	promptNone labPrompt = iota
	promptName
	promptPath
)

func newLabsTab(sh *shared) *labsTab {
	in := textinput.New()
	in.CharLimit = 1024
	return &labsTab{sh: sh, k: newLabsKeys(), ik: newInputKeys(), input: in,
		bar: progress.New(progress.WithoutPercentage(), progress.WithFillCharacters('█', '░'))}
}

func (t *labsTab) restyle() {
	t.input.SetStyles(t.sh.st.inputStyles())
	t.bar.FullColor, t.bar.EmptyColor = t.sh.st.Success.GetForeground(), t.sh.st.Faint.GetForeground()
}

func (t *labsTab) setSize(w, h int) {
	t.w, t.h = w, h
	t.input.SetWidth(max(10, w-30))
	t.bar.SetWidth(max(10, min(60, w-30)))
	t.top = scrollWindow(t.top, t.sel, len(t.labs), t.listRows())
}

func (t *labsTab) typing() bool { return t.asking != promptNone }

func (t *labsTab) keys() keyMap {
	if t.typing() {
		return t.ik.keyMap()
	}
	k := t.k
	on := t.sh.d.Labs != nil
	cur := t.current()
	other := on && cur != nil && !t.isCurrent(cur)
	k.Switch.SetEnabled(other)
	k.Delete.SetEnabled(other)
	k.New.SetEnabled(on)
	k.Reset.SetEnabled(on && cur != nil)
	k.HAR.SetEnabled(on && cur != nil && t.export == nil)
	k.Bundle.SetEnabled(on && cur != nil && t.export == nil)
	k.Refresh.SetEnabled(on)
	return k.keyMap()
}

// listRows is how many labs fit: the tab's height less the title and the blank line
// under it, the header, the prompt or progress line and the status line.
func (t *labsTab) listRows() int { return max(1, t.h-6) }

func (t *labsTab) current() *LabInfo {
	if t.sel < 0 || t.sel >= len(t.labs) {
		return nil
	}
	return &t.labs[t.sel]
}

// isCurrent tells whether l is the lab being served.
func (t *labsTab) isCurrent(l *LabInfo) bool {
	return t.sh.d.Labs != nil && l.Path == t.sh.d.Labs.CurrentPath()
}

// refresh reads the labs again.
func (t *labsTab) refresh() tea.Cmd {
	labs, ctx := t.sh.d.Labs, t.sh.ctx
	if labs == nil {
		return nil
	}
	return func() tea.Msg {
		ls, err := labs.List(ctx)
		return labsListedMsg{labs: ls, err: err}
	}
}

func (t *labsTab) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case labsListedMsg:
		t.loaded, t.err = true, msg.err
		if msg.err == nil {
			name := ""
			if c := t.current(); c != nil {
				name = c.Name
			}
			t.labs = msg.labs
			t.sel = 0
			for i, l := range t.labs {
				if name != "" && l.Name == name || name == "" && t.isCurrent(&t.labs[i]) {
					t.sel = i
				}
			}
			t.top = scrollWindow(t.top, t.sel, len(t.labs), t.listRows())
		}
		return nil
	case labChangedMsg:
		t.busy = ""
		if msg.err != nil {
			return tea.Batch(toastErr(fmt.Sprintf("Could not %s the lab %s: %v", msg.what, msg.name, msg.err)), t.refresh())
		}
		return tea.Batch(toast(fmt.Sprintf("The lab %s was %s", msg.name, pastTense(msg.what))), t.refresh())
	case exportProgressMsg:
		if t.export == nil || msg.id != t.export.id {
			return nil
		}
		t.export.done, t.export.total = msg.done, msg.total
		return t.export.wait()
	case exportDoneMsg:
		if t.export == nil || msg.id != t.export.id {
			return nil
		}
		kind := t.export.kind
		t.export = nil
		if msg.err != nil {
			t.sh.log.Error("export", "err", msg.err)
			return toastErr("The export failed, nothing was written: " + msg.err.Error())
		}
		what := plural(msg.res.Requests, "request", "requests")
		if kind == ExportBundle {
			what += ", " + plural(msg.res.Users, "user", "users") + ", " + plural(msg.res.Groups, "group", "groups")
		}
		return toast(fmt.Sprintf("Wrote %s (%s, %s), secrets removed", msg.res.Path, what, human.Bytes(msg.res.Bytes)))
	case tea.KeyPressMsg:
		if t.typing() {
			return t.updateInput(msg)
		}
		return t.onKey(msg)
	}
	if t.typing() {
		var cmd tea.Cmd
		t.input, cmd = t.input.Update(msg)
		return cmd
	}
	return nil
}

func pastTense(what string) string {
	if strings.HasSuffix(what, "e") {
		return what + "d"
	}
	return what + "ed"
}

func (t *labsTab) onKey(msg tea.KeyPressMsg) tea.Cmd {
	labs := t.sh.d.Labs
	if labs == nil {
		return nil
	}
	cur := t.current()
	switch {
	case key.Matches(msg, t.k.Up):
		t.move(t.sel - 1)
	case key.Matches(msg, t.k.Down):
		t.move(t.sel + 1)
	case key.Matches(msg, t.k.Top):
		t.move(0)
	case key.Matches(msg, t.k.Bottom):
		t.move(len(t.labs) - 1)
	case key.Matches(msg, t.k.Refresh):
		return t.refresh()
	case key.Matches(msg, t.k.New):
		t.ask(promptName, "new lab name › ", "", "letters, digits, - and _")
	case cur == nil:
	case key.Matches(msg, t.k.Switch) && !t.isCurrent(cur):
		return t.confirmSwitch(cur.Name, false)
	case key.Matches(msg, t.k.Reset):
		return t.confirmReset(cur)
	case key.Matches(msg, t.k.Delete) && !t.isCurrent(cur):
		return t.confirmDelete(cur.Name)
	case key.Matches(msg, t.k.HAR) && t.export == nil:
		t.kind, t.target = ExportHAR, cur.Name
		t.ask(promptPath, "export HAR to › ", labs.ExportPath(cur.Name, ExportHAR), "")
	case key.Matches(msg, t.k.Bundle) && t.export == nil:
		t.kind, t.target = ExportBundle, cur.Name
		t.ask(promptPath, "export bundle to › ", labs.ExportPath(cur.Name, ExportBundle), "")
	}
	return nil
}

func (t *labsTab) move(i int) {
	t.sel = max(0, min(i, len(t.labs)-1))
	t.top = scrollWindow(t.top, t.sel, len(t.labs), t.listRows())
}

func (t *labsTab) ask(p labPrompt, prompt, value, placeholder string) {
	t.asking = p
	t.input.Prompt = prompt
	t.input.Placeholder = placeholder
	t.input.SetValue(value)
	t.input.CursorEnd()
	t.input.Focus()
}

func (t *labsTab) updateInput(msg tea.KeyPressMsg) tea.Cmd {
	switch {
	case key.Matches(msg, t.ik.Cancel):
		t.asking = promptNone
		t.input.Blur()
		return nil
	case key.Matches(msg, t.ik.Accept):
		value := strings.TrimSpace(t.input.Value())
		p := t.asking
		t.asking = promptNone
		t.input.Blur()
		if value == "" {
			return nil
		}
		if p == promptName {
			return t.confirmSwitch(value, true)
		}
		return t.startExport(t.target, t.kind, value)
	}
	var cmd tea.Cmd
	t.input, cmd = t.input.Update(msg)
	return cmd
}

// servedName names the lab served for the dialogs.
func (t *labsTab) servedName() string {
	if n := t.sh.d.Labs.Current(); n != "" {
		return "the lab " + n
	}
	return "the database " + t.sh.d.Labs.CurrentPath()
}

func (t *labsTab) confirmSwitch(name string, create bool) tea.Cmd {
	labs, ctx := t.sh.d.Labs, t.sh.ctx
	title, action := "Switch to the lab "+name+"?", "switch"
	body := fmt.Sprintf("scimlab stops serving %s and serves %s instead, at the same address and tunnel URL. "+
		"It has its own users, groups, request log, walkthroughs and token: the IdP must use its token.", t.servedName(), name)
	if create {
		title, action = "Create the lab "+name+"?", "create and switch"
		body = fmt.Sprintf("scimlab creates the empty lab %s and serves it instead of %s, at the same address and tunnel URL, "+
			"with the token the IdP uses now. Nothing in %s changes.", name, t.servedName(), t.servedName())
	}
	yes := func() tea.Msg {
		res, err := labs.Switch(ctx, name, create)
		if err != nil {
			res.Name = name
		}
		return labSwitchedMsg{res: res, err: err}
	}
	return func() tea.Msg {
		return confirmMsg{title: title, body: body, action: action, yes: startLabAction("switching…", true, yes)}
	}
}

func (t *labsTab) confirmReset(l *LabInfo) tea.Cmd {
	labs, ctx, name, current := t.sh.d.Labs, t.sh.ctx, l.Name, t.isCurrent(l)
	body := fmt.Sprintf("Its %s, %s, %s in the request log, deleted ones, app actions and walkthrough progress are "+
		"deleted. Its token, profile, fault rules and other settings stay, so the IdP keeps its connection.", plural(int(l.Users), "user", "users"),
		plural(int(l.Groups), "group", "groups"), plural(int(l.Requests), "request", "requests"))
	yes := func() tea.Msg {
		wasCurrent, err := labs.Reset(ctx, name)
		if wasCurrent {
			return labSwitchedMsg{res: LabSwitched{Name: name}, reset: true, err: err}
		}
		return labChangedMsg{name: name, what: "reset", err: err}
	}
	return func() tea.Msg {
		return confirmMsg{title: "Reset the lab " + name + "?", body: body, action: "reset", yes: startLabAction("resetting…", current, yes)}
	}
}

func (t *labsTab) confirmDelete(name string) tea.Cmd {
	labs, ctx := t.sh.d.Labs, t.sh.ctx
	yes := func() tea.Msg { return labChangedMsg{name: name, what: "delete", err: labs.Delete(ctx, name)} }
	return func() tea.Msg {
		return confirmMsg{title: "Delete the lab " + name + "?", action: "delete",
			body: "Its database and every file of it are deleted: users, groups, the request log, walkthroughs, its profile, fault rules and token. " +
				"This cannot be undone; export a support bundle first to keep a copy.", yes: yes}
	}
}

// startLabAction starts run once the console shows what is under way (labActionMsg).
func startLabAction(what string, switching bool, run tea.Cmd) tea.Cmd {
	return func() tea.Msg { return labActionMsg{what: what, switching: switching, run: run} }
}

// exportRun is an export running in the background, reporting its progress.
type exportRun struct {
	id          int
	kind        ExportKind
	done, total int64

	mu     sync.Mutex
	latest [2]int64
	result chan exportDoneMsg
}

// exportRedraw is how often the progress bar is redrawn.
const exportRedraw = 100 * time.Millisecond

func (t *labsTab) startExport(name string, kind ExportKind, path string) tea.Cmd {
	labs, ctx := t.sh.d.Labs, t.sh.ctx
	t.nextID++
	run := &exportRun{id: t.nextID, kind: kind, result: make(chan exportDoneMsg, 1)}
	t.export = run
	go func() {
		res, err := labs.Export(ctx, name, kind, path, func(done, total int64) {
			run.mu.Lock()
			run.latest = [2]int64{done, total}
			run.mu.Unlock()
		})
		run.result <- exportDoneMsg{id: run.id, res: res, err: err}
	}()
	return run.wait()
}

// wait returns the export's end, or its progress after a redraw interval.
func (r *exportRun) wait() tea.Cmd {
	return func() tea.Msg {
		select {
		case done := <-r.result:
			return done
		case <-time.After(exportRedraw):
			r.mu.Lock()
			defer r.mu.Unlock()
			return exportProgressMsg{id: r.id, done: r.latest[0], total: r.latest[1]}
		}
	}
}

func (t *labsTab) columns() []column {
	return []column{
		{title: "NAME", min: 12, max: 24, flex: 1},
		{title: "PROFILE", min: 10, max: 16, flex: 1, drop: 3},
		{title: "USERS", min: 6, right: true},
		{title: "GROUPS", min: 6, right: true, drop: 2},
		{title: "REQUESTS", min: 8, right: true},
		{title: "SIZE", min: 7, right: true, drop: 1},
		{title: "LAST USED", min: 9, drop: 4},
		{title: "", min: 10, flex: 6, drop: 5},
	}
}

func (t *labsTab) view() string {
	s := t.sh.st
	w := t.w
	var lines []string
	served := ""
	if t.sh.d.Labs != nil {
		if n := t.sh.d.Labs.Current(); n != "" {
			served = s.Muted.Render("serving ") + s.Bold.Render(n)
		} else {
			served = s.Muted.Render("serving the database ") + s.Bold.Render(t.sh.d.Labs.CurrentPath())
		}
	}
	lines = append(lines, spread(" "+s.Title.Render("Labs")+"  "+served, "", w), "")
	cols := t.columns()
	widths := layoutColumns(cols, w)
	lines = append(lines, tableHeader(s, cols, widths, w))
	now := t.sh.now()
	switch {
	case t.sh.d.Labs == nil:
		lines = append(lines, "", "  "+s.Muted.Render("Labs are not available here; scimlab labs lists them."))
	case t.err != nil:
		lines = append(lines, "", "  "+s.Error.Render(trunc("Could not list the labs: "+t.err.Error(), w-4)))
	case !t.loaded:
		lines = append(lines, "", "  "+s.Muted.Render("Reading…"))
	default:
		for i := t.top; i < len(t.labs) && i < t.top+t.listRows(); i++ {
			l := &t.labs[i]
			name, nameStyle := l.Name, &s.Text
			state, stateStyle := "", &s.Muted
			switch {
			case t.isCurrent(l):
				name, nameStyle, state, stateStyle = l.Name+" ●", &s.Bold, "serving", &s.Success
			case l.Error != "":
				state, stateStyle = l.Error, &s.Error
			case l.ServedBy != "":
				state = "served at " + l.ServedBy
			case l.Served:
				state = "served by another scimlab"
			}
			profile := l.Profile
			if profile == "" {
				profile = "-"
			}
			lines = append(lines, tableRow(s, cols, widths, []cell{
				{name, nameStyle}, {profile, &s.Muted},
				{thousands(int(l.Users)), &s.Text}, {thousands(int(l.Groups)), &s.Text}, {thousands(int(l.Requests)), &s.Text},
				{human.Bytes(l.Bytes), &s.Muted}, {human.Ago(l.LastUsed, now), &s.Muted}, {clean(state), stateStyle},
			}, i == t.sel, true, w))
		}
	}
	for len(lines) < t.h-2 {
		lines = append(lines, "")
	}
	lines = append(lines[:t.h-2], t.bottomLine(w))
	status := " " + plural(len(t.labs), "lab", "labs") + " · " + t.dataDir()
	if t.busy != "" {
		status = " " + t.busy
	}
	lines = append(lines, s.Muted.Render(trunc(status, w)))
	return strings.Join(lines, "\n")
}

// bottomLine is the prompt or the export's progress; empty otherwise, the footer
// lists the keys.
func (t *labsTab) bottomLine(w int) string {
	s := t.sh.st
	switch {
	case t.typing():
		return " " + t.input.View()
	case t.export != nil:
		pct := 0.0
		if t.export.total > 0 {
			pct = float64(t.export.done) / float64(t.export.total)
		}
		label := fmt.Sprintf(" exporting %s %d/%d ", t.export.kind, t.export.done, t.export.total)
		return trunc(s.Text.Render(label)+t.bar.ViewAs(pct), w)
	}
	return ""
}

// dataDir is the directory of the labs, from the current lab's path: the directory
// above labs/ for a named lab, the file's own directory otherwise.
func (t *labsTab) dataDir() string {
	if t.sh.d.Labs == nil {
		return ""
	}
	dir := filepath.Dir(t.sh.d.Labs.CurrentPath())
	if filepath.Base(dir) == "labs" {
		return filepath.Dir(dir)
	}
	return dir
}

// labsKeys act on the Labs tab.
type labsKeys struct {
	Up, Down, Top, Bottom                            key.Binding
	Switch, New, Reset, Delete, HAR, Bundle, Refresh key.Binding
}

func newLabsKeys() labsKeys {
	n := newNavKeys()
	return labsKeys{
		Up: n.Up, Down: n.Down, Top: n.Top, Bottom: n.Bottom,
		Switch:  bind([]string{"enter"}, "enter", "switch to the lab"),
		New:     bind([]string{"n"}, "n", "new lab"),
		Reset:   bind([]string{"X"}, "X", "reset the lab"),
		Delete:  bind([]string{"D"}, "D", "delete the lab"),
		HAR:     bind([]string{"e"}, "e", "export HAR"),
		Bundle:  bind([]string{"b"}, "b", "export support bundle"),
		Refresh: bind([]string{"r"}, "r", "refresh"),
	}
}

func (k labsKeys) keyMap() keyMap {
	return keyMap{
		short: []key.Binding{k.Switch, k.New, k.HAR, k.Bundle, k.Reset, k.Delete},
		full:  [][]key.Binding{{k.Up, k.Down, k.Top, k.Bottom, k.Refresh}, {k.Switch, k.New, k.Reset, k.Delete}, {k.HAR, k.Bundle}},
	}
}
