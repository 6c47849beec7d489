package tui

import (
	"context"
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/scimlab/scimlab/exchange"
)

// ProfileInfo describes an app profile (package profile) for the console.
type ProfileInfo struct {
	Name        string
	Title       string
	Description string
	Guide       string
	// Source is "built-in" or the file the profile was read from.
	Source string
	// Summary lists, one short line each, what the profile does differently from
	// generic.
	Summary []string
	// GroupOne and GroupMany are what the app calls groups ("library", "libraries").
	GroupOne, GroupMany string
	GroupsEnabled       bool
	// UniqueIdentifier is what the app identifies users by: userName, email or
	// externalId; Okta's "Unique identifier field for users" must say email for email.
	UniqueIdentifier string
	// TokenHeader is the header the app reads the token from ("Authorization").
	TokenHeader string
}

// Lab changes what the app holds as the app's own admin would. These are not SCIM
// requests from the IdP: they do not appear in the request log, and each is listed in
// the history of what it changed (ResourceDetail.AppActions). Methods are called from
// background commands.
type Lab interface {
	// SetUserActive deactivates or reactivates a user.
	SetUserActive(ctx context.Context, id string, active bool) error
	// Delete deletes a user (KindUser) or group (KindGroup); it stays in its table
	// as a tombstone until the lab is reset.
	Delete(ctx context.Context, kind, id string) error
	// Seed reads a CSV or JSON seed file into the lab and says what it added.
	Seed(ctx context.Context, path string) (string, error)
	// Reset empties the lab for the next class: users, groups, memberships,
	// tombstones, the request log and the walkthroughs' progress. The token and the
	// profile stay.
	Reset(ctx context.Context) error
}

// AppAction is one thing the app's own admin did, as a resource's history lists it.
type AppAction struct {
	Time time.Time
	// What says it in a few words, e.g. "deactivated in the app".
	What string
}

// profileNow returns the profile the server plays, or the generic one when the
// console was given no way to ask.
func (sh *shared) profileNow() ProfileInfo {
	if sh.d.Profile != nil {
		return sh.d.Profile()
	}
	return ProfileInfo{Name: "generic", GroupOne: "group", GroupMany: "groups", GroupsEnabled: true}
}

// groupWords returns what the app calls one group and several.
func (sh *shared) groupWords() (one, many string) {
	p := sh.profile
	if p.GroupOne == "" {
		return "group", "groups"
	}
	return p.GroupOne, p.GroupMany
}

// upperFirst capitalises the first letter of s.
func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// profilePicker lists the profiles the console can switch to.
type profilePicker struct {
	list []ProfileInfo
	sel  int
}

func newProfilePicker(list []ProfileInfo, current string) *profilePicker {
	p := &profilePicker{list: list}
	for i, q := range list {
		if q.Name == current {
			p.sel = i
		}
	}
	return p
}

// update handles a key while the picker is open; done reports that it closed.
func (p *profilePicker) update(msg tea.KeyPressMsg, k pickerKeys, sh *shared) (cmd tea.Cmd, done bool) {
	switch {
	case key.Matches(msg, k.Up):
		p.sel = max(0, p.sel-1)
	case key.Matches(msg, k.Down):
		p.sel = min(len(p.list)-1, p.sel+1)
	case key.Matches(msg, k.Cancel):
		return nil, true
	case key.Matches(msg, k.Choose):
		if len(p.list) == 0 {
			return nil, true
		}
		chosen := p.list[p.sel]
		if chosen.Name == sh.profile.Name {
			return toast("Already playing " + chosen.Name), true
		}
		return confirmProfile(sh, chosen), true
	}
	return nil, false
}

// confirmProfile asks before switching, saying what changes.
func confirmProfile(sh *shared, p ProfileInfo) tea.Cmd {
	set := sh.d.SetProfile
	name := p.Name
	body := "Requests that arrive after the switch are answered as " + displayTitle(p) + " does"
	if len(p.Summary) > 0 {
		body += ": " + strings.Join(p.Summary, "; ")
	}
	body += ". Requests already being answered finish as before; users and groups stay. The choice is kept for the next start."
	return func() tea.Msg {
		return confirmMsg{
			title:  "Play " + displayTitle(p) + " (" + name + ")?",
			body:   body,
			action: "switch profile",
			yes:    func() tea.Msg { return profileSetMsg{name: name, err: set(name)} },
		}
	}
}

func displayTitle(p ProfileInfo) string {
	if p.Title != "" {
		return p.Title
	}
	return p.Name
}

// view draws the picker in w×h cells.
func (p *profilePicker) view(s *Styles, w, h int) []string {
	lines := []string{" " + s.Title.Render("Which app should scimlab play?"), ""}
	nameW := 10
	for _, q := range p.list {
		nameW = max(nameW, cellWidth(q.Name))
	}
	for i, q := range p.list {
		mark := "  "
		st := s.Text
		if i == p.sel {
			mark, st = "› ", s.Bold
		}
		src := ""
		if q.Source != "" && q.Source != "built-in" {
			src = "  (" + q.Source + ")"
		}
		line := " " + s.Key.Render(mark) + st.Render(fit(q.Name, nameW)) + "  " + s.Muted.Render(clean(displayTitle(q)+" — "+q.Description+src))
		lines = append(lines, trunc(line, w))
	}
	if p.sel < len(p.list) {
		q := p.list[p.sel]
		lines = append(lines, "")
		if q.Guide != "" {
			for _, l := range wrap("Plays: "+q.Guide, w-4) {
				lines = append(lines, "   "+s.Italic.Render(l))
			}
		}
		summary := q.Summary
		if len(summary) == 0 {
			summary = []string{"RFC 7644 behaviour: nothing added"}
		}
		for _, l := range summary {
			for i, wl := range wrap(l, w-6) {
				bullet := "   · "
				if i > 0 {
					bullet = "     "
				}
				lines = append(lines, bullet+s.Text.Render(wl))
			}
		}
	}
	lines = append(lines, "", " "+s.Key.Render("↑/↓")+s.Muted.Render(" choose  ")+s.Key.Render("enter")+s.Muted.Render(" switch  ")+s.Key.Render("esc")+s.Muted.Render(" cancel"))
	if len(lines) > h {
		lines = lines[:h]
	}
	return lines
}

// labCmd runs a lab change in the background and reports it.
func labCmd(sh *shared, kind, done string, fn func(ctx context.Context, l Lab) error) tea.Cmd {
	lab, ctx := sh.d.Lab, sh.ctx
	return func() tea.Msg {
		err := fn(ctx, lab)
		return labDoneMsg{kind: kind, text: done, err: err}
	}
}

// confirmUserActive asks before the app's admin deactivates or reactivates a user.
func confirmUserActive(sh *shared, r ResourceRow) tea.Cmd {
	if r.Active {
		return confirmCmd("Deactivate "+r.Name+" in the app?",
			"The app's own admin deactivates the account, as if someone did it in the app's admin pages: no SCIM request is sent and the IdP is not told. "+
				"The IdP still thinks the user is active; the next update it sends may reactivate it.",
			"deactivate", labCmd(sh, KindUser, "Deactivated "+r.Name+" in the app", func(ctx context.Context, l Lab) error {
				return l.SetUserActive(ctx, r.ID, false)
			}))
	}
	return confirmCmd("Reactivate "+r.Name+" in the app?",
		"The app's own admin reactivates the account; no SCIM request is sent and the IdP is not told.",
		"reactivate", labCmd(sh, KindUser, "Reactivated "+r.Name+" in the app", func(ctx context.Context, l Lab) error {
			return l.SetUserActive(ctx, r.ID, true)
		}))
}

// confirmDelete asks before the app's admin deletes a user or group.
func confirmDelete(sh *shared, kind string, r ResourceRow) tea.Cmd {
	one, _ := sh.groupWords()
	noun := one
	body := "The app's own admin deletes the " + one + "; no SCIM request is sent. Its members stay users. It stays here, struck through, until the lab is reset."
	if kind == KindUser {
		noun = "user"
		body = "The app's own admin deletes the account; no SCIM request is sent, so the IdP still believes it exists: its next update or lookup by id gets 404 (Okta shows a failed task; Entra logs InvalidAnchor). It stays here, struck through, until the lab is reset."
	}
	return confirmCmd(fmt.Sprintf("Delete %s %s in the app?", noun, r.Name), body, "delete",
		labCmd(sh, kind, "Deleted "+r.Name+" in the app", func(ctx context.Context, l Lab) error {
			return l.Delete(ctx, kind, r.ID)
		}))
}

// confirmReset asks before emptying the lab.
func confirmReset(sh *shared) tea.Cmd {
	lab, ctx := sh.d.Lab, sh.ctx
	return confirmCmd("Reset the lab for the next class?",
		"Every user, group, membership and deleted one, the request log, the app actions and the walkthroughs' progress are removed. "+
			"The bearer token and the profile ("+sh.profile.Name+") stay, so the IdP keeps its settings. This cannot be undone.",
		"reset the lab", func() tea.Msg { return labResetMsg{err: lab.Reset(ctx)} })
}

func confirmCmd(title, body, action string, yes tea.Cmd) tea.Cmd {
	return func() tea.Msg { return confirmMsg{title: title, body: body, action: action, yes: yes} }
}

// clearLog empties the request list after the lab was reset. Numbers go on from the
// last one: the server never reuses them.
func (t *requestsTab) clearLog() {
	t.rows, t.vis, t.sel, t.top = nil, nil, 0, 0
	t.follow, t.head, t.newCount, t.noOlder, t.open = true, true, 0, true, false
	t.cache, t.order = map[int64]*exchange.Record{}, nil
	t.drawn = nil
}

// tabName is a tab's caption (short or long); the Groups tab uses the app's word.
func (m Model) tabName(t tabID, short int) string {
	if t == tabGroups {
		if _, many := m.sh.groupWords(); many != "groups" {
			return upperFirst(many)
		}
	}
	return tabNames[t][short]
}

// onLab handles the answers of profile switches and app-side changes.
func (m *Model) onLab(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case profileSetMsg:
		if msg.err != nil {
			m.sh.log.Error("switch profile", "profile", msg.name, "err", msg.err)
			return toastErr("Could not switch the profile: " + msg.err.Error())
		}
		m.sh.profile = m.sh.profileNow()
		m.sh.log.Info("profile switched", "profile", m.sh.profile.Name)
		m.resize()
		return tea.Batch(toast("Now playing "+displayTitle(m.sh.profile)+" ("+m.sh.profile.Name+") for the requests that arrive from now on"),
			m.groups.reload())
	case labDoneMsg:
		if msg.err != nil {
			m.sh.log.Error("app-side change", "err", msg.err)
			return toastErr("Could not change the lab: " + msg.err.Error())
		}
		// Both tables: a deleted user leaves its groups, a deleted group its members.
		return tea.Batch(toast(msg.text), m.users.reload(), m.groups.reload())
	case labResetMsg:
		if msg.err != nil {
			m.sh.log.Error("reset the lab", "err", msg.err)
			return toastErr("Could not reset the lab: " + msg.err.Error())
		}
		m.reqs.clearLog()
		m.sh.pending = nil
		return tea.Batch(toast("The lab is empty, ready for the next class; the token and the profile stay"),
			m.users.reload(), m.groups.reload(), m.walk.refresh(), m.sh.pollPending(m.sh.now()))
	}
	return nil
}

// historyEntry is one line of a resource's history: a request, or something the app's
// own admin did.
type historyEntry struct {
	rec *exchange.Record
	act *AppAction
}

// historyEntries merges a resource's requests and app actions, newest first.
func historyEntries(d *ResourceDetail) []historyEntry {
	if d == nil {
		return nil
	}
	out := make([]historyEntry, 0, len(d.History)+len(d.AppActions))
	i, j := 0, 0
	for i < len(d.History) || j < len(d.AppActions) {
		if j >= len(d.AppActions) || (i < len(d.History) && !d.History[i].Time.Before(d.AppActions[j].Time)) {
			out = append(out, historyEntry{rec: &d.History[i]})
			i++
			continue
		}
		out = append(out, historyEntry{act: &d.AppActions[j]})
		j++
	}
	return out
}

// detailRow is the open resource's row, as last read.
func (t *resourcesTab) detailRow() *ResourceRow {
	if t.det == nil {
		return nil
	}
	if t.det.d != nil {
		return &t.det.d.Row
	}
	if r := t.current(); r != nil && r.ID == t.det.id {
		return r
	}
	return nil
}

// actionKeys enables the app-side actions that apply to r.
func (t *resourcesTab) actionKeys(r *ResourceRow) appActionKeys {
	k := newAppActionKeys()
	live := t.sh.d.Lab != nil && r != nil && r.Deleted.IsZero() && !r.Independent && r.ID != ""
	k.Active.SetEnabled(live && t.kind == KindUser)
	k.Delete.SetEnabled(live)
	if t.kind == KindUser && r != nil && r.Active {
		k.Active.SetHelp("d", "deactivate in the app")
	} else if t.kind == KindUser {
		k.Active.SetHelp("d", "reactivate in the app")
	}
	if t.kind == KindGroup {
		one, _ := t.sh.groupWords()
		k.Delete.SetHelp("D", "delete "+one+" in the app")
	} else {
		k.Delete.SetHelp("D", "delete user in the app")
	}
	return k
}

// appAction starts an app-side action on r, after a confirmation.
func (t *resourcesTab) appAction(msg tea.KeyPressMsg, r *ResourceRow) tea.Cmd {
	k := t.actionKeys(r)
	switch {
	case key.Matches(msg, k.Active) && k.Active.Enabled():
		return confirmUserActive(t.sh, *r)
	case key.Matches(msg, k.Delete) && k.Delete.Enabled():
		return confirmDelete(t.sh, t.kind, *r)
	}
	return nil
}

// reload reads the table again, and the open resource, after the lab changed.
func (t *resourcesTab) reload() tea.Cmd {
	if !t.visited {
		return nil
	}
	cmds := []tea.Cmd{t.load()}
	if t.det != nil {
		cmds = append(cmds, t.loadDetail(t.det.id))
	}
	return tea.Batch(cmds...)
}

// effectBadges lists the badges of what the profile did to a request.
func effectBadges(es []exchange.Effect) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.Badge()
	}
	return out
}
