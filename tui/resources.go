package tui

import (
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"

	"github.com/scimlab/scimlab/exchange"
)

// resourceLimit bounds one table read; the search narrows beyond it.
const resourceLimit = 1000

var (
	// refreshDelay groups the reloads a burst of writes causes.
	refreshDelay = 400 * time.Millisecond
	// searchDelay waits for a pause in typing before querying.
	searchDelay = 150 * time.Millisecond
)

// Detail sections of a resource.
const (
	secMembers = iota
	secHistory
	secJSON
	secCount
)

// resourcesTab is the Users or the Groups table with a detail pane.
type resourcesTab struct {
	sh   *shared
	kind string
	k    resourceKeys
	dk   resourceDetailKeys
	fk   inputKeys

	rows  []ResourceRow
	sel   int
	top   int
	selID string

	input  textinput.Model
	search bool
	query  string

	gen                                      int
	visited, loaded, loading, refreshPending bool
	refreshed                                time.Time
	err                                      error

	det  *resourceDetail
	open bool // the detail pane has focus (narrow: it replaces the table)

	w, h int
}

// resourceDetail is the state of one open user or group.
type resourceDetail struct {
	kind, id string
	d        *ResourceDetail
	err      error
	loading  bool
	section  int
	msel     int
	hsel     int
	vp       viewport.Model // scroll position of the JSON section
	vpKey    string
	json     []string // the JSON section's lines, wrapped and styled
}

func newResourcesTab(sh *shared, kind string) *resourcesTab {
	in := textinput.New()
	in.Prompt = "/ "
	in.Placeholder = "userName, name, e-mail, externalId…"
	if kind == KindGroup {
		in.Placeholder = "displayName or externalId…"
	}
	in.CharLimit = 200
	return &resourcesTab{sh: sh, kind: kind, k: newResourceKeys(), dk: newResourceDetailKeys(), fk: newInputKeys(), input: in}
}

func (t *resourcesTab) noun(n int) string {
	if t.kind == KindGroup {
		one, many := t.sh.groupWords()
		return plural(n, one, many)
	}
	return plural(n, "user", "users")
}

func (t *resourcesTab) restyle() { t.input.SetStyles(t.sh.st.inputStyles()) }

func (t *resourcesTab) typing() bool { return t.search }

func (t *resourcesTab) wide() bool { return t.w >= wideWidth }

func (t *resourcesTab) setSize(w, h int) {
	t.w, t.h = w, h
	t.input.SetWidth(max(10, t.listWidth()-30))
	t.top = scrollWindow(t.top, t.sel, len(t.rows), t.listRows())
}

func (t *resourcesTab) listWidth() int {
	if t.wide() {
		l, _ := hsplit(t.w, 50)
		return l
	}
	return t.w
}

func (t *resourcesTab) listRows() int { return max(1, t.h-3) }

func (t *resourcesTab) keys() keyMap {
	switch {
	case t.search:
		return t.fk.keyMap()
	case t.open:
		dk := t.dk
		dk.appActionKeys = t.actionKeys(t.detailRow())
		return dk.keyMap()
	}
	k := t.k
	k.appActionKeys = t.actionKeys(t.current())
	return k.keyMap()
}

// visit loads the table the first time the tab is shown.
func (t *resourcesTab) visit() tea.Cmd {
	t.visited = true
	if t.loaded || t.loading {
		return nil
	}
	return t.load()
}

func (t *resourcesTab) load() tea.Cmd {
	r := t.sh.d.Reader
	if r == nil {
		return nil
	}
	t.gen++
	t.loading = true
	gen, kind, q, ctx := t.gen, t.kind, t.query, t.sh.ctx
	return func() tea.Msg {
		var rows []ResourceRow
		var err error
		if kind == KindGroup {
			rows, err = r.Groups(ctx, q, resourceLimit)
		} else {
			rows, err = r.Users(ctx, q, resourceLimit)
		}
		return resourcesLoadedMsg{kind: kind, search: q, gen: gen, rows: rows, err: err}
	}
}

func (t *resourcesTab) loadDetail(id string) tea.Cmd {
	r := t.sh.d.Reader
	if r == nil || id == "" {
		return nil
	}
	if t.det == nil || t.det.id != id {
		t.det = t.newDetail(id)
	}
	t.det.loading = true
	kind, ctx := t.kind, t.sh.ctx
	return func() tea.Msg {
		d, err := r.Resource(ctx, kind, id)
		return resourceDetailMsg{kind: kind, id: id, detail: d, err: err}
	}
}

func (t *resourcesTab) newDetail(id string) *resourceDetail {
	vp := viewport.New()
	vp.MouseWheelEnabled = false
	sec := secMembers
	if t.det != nil {
		sec = t.det.section
	}
	return &resourceDetail{kind: t.kind, id: id, vp: vp, section: sec}
}

// touched schedules a reload when a burst of events wrote users or groups.
// Both tables reload on either kind: memberships cross over.
func (t *resourcesTab) touched(evs []exchange.Event) tea.Cmd {
	if !t.visited || t.refreshPending {
		return nil
	}
	for _, e := range evs {
		if e.Method == "GET" || e.Status >= 400 || e.Status == 0 {
			continue
		}
		if isKind(e.ResourceType, e.Path, KindUser) || isKind(e.ResourceType, e.Path, KindGroup) {
			t.refreshPending = true
			gen, kind := t.gen, t.kind
			return tea.Tick(refreshDelay, func(time.Time) tea.Msg { return refreshResourcesMsg{kind: kind, gen: gen} })
		}
	}
	return nil
}

// openID shows one resource, e.g. from a membership link in the other table.
func (t *resourcesTab) openID(id string) tea.Cmd {
	t.visited = true
	t.open = true
	t.det = nil
	for i, r := range t.rows {
		if r.ID == id {
			t.sel = i
			t.selID = id
			t.top = scrollWindow(t.top, i, len(t.rows), t.listRows())
		}
	}
	cmds := []tea.Cmd{t.loadDetail(id)}
	if !t.loaded && !t.loading {
		cmds = append(cmds, t.load())
	}
	return tea.Batch(cmds...)
}

func (t *resourcesTab) current() *ResourceRow {
	if t.sel >= 0 && t.sel < len(t.rows) {
		return &t.rows[t.sel]
	}
	return nil
}

func (t *resourcesTab) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case resourcesLoadedMsg:
		if msg.gen != t.gen {
			return nil
		}
		t.loading = false
		if msg.err != nil {
			t.err = msg.err
			t.sh.log.Error("read resources", "kind", t.kind, "err", msg.err)
			return nil
		}
		t.err = nil
		t.loaded = true
		t.refreshed = t.sh.now()
		t.rows = msg.rows
		t.sel = 0
		for i, r := range t.rows {
			if r.ID == t.selID && r.ID != "" {
				t.sel = i
			}
		}
		t.sel = min(t.sel, max(0, len(t.rows)-1))
		if r := t.current(); r != nil {
			t.selID = r.ID
		}
		t.top = scrollWindow(t.top, t.sel, len(t.rows), t.listRows())
		return t.wantDetail()
	case resourceDetailMsg:
		if t.det == nil || t.det.id != msg.id {
			return nil
		}
		t.det.loading = false
		t.det.err = msg.err
		if msg.err != nil {
			t.sh.log.Error("read resource", "kind", t.kind, "id", msg.id, "err", msg.err)
			return nil
		}
		t.det.d = msg.detail
		t.det.vpKey = ""
		if msg.detail != nil {
			t.det.msel = min(t.det.msel, max(0, len(msg.detail.Memberships)-1))
			t.det.hsel = min(t.det.hsel, max(0, len(historyEntries(msg.detail))-1))
		}
		return nil
	case refreshResourcesMsg:
		t.refreshPending = false
		cmds := []tea.Cmd{t.load()}
		if t.det != nil {
			cmds = append(cmds, t.loadDetail(t.det.id))
		}
		return tea.Batch(cmds...)
	case searchDebounceMsg:
		if msg.gen == t.gen && strings.TrimSpace(t.input.Value()) != t.query {
			t.query = strings.TrimSpace(t.input.Value())
			return t.load()
		}
		return nil
	case resourceDebounceMsg:
		if r := t.current(); r != nil && r.ID == msg.id {
			return t.loadDetail(msg.id)
		}
		return nil
	case tea.KeyPressMsg:
		switch {
		case t.search:
			return t.updateSearch(msg)
		case t.open:
			return t.updateDetail(msg)
		}
		return t.updateTable(msg)
	case tea.MouseWheelMsg:
		return t.onWheel(msg)
	case tea.MouseClickMsg:
		return t.onClick(msg)
	}
	if t.search {
		var cmd tea.Cmd
		t.input, cmd = t.input.Update(msg)
		return tea.Batch(cmd, t.searchLater())
	}
	return nil
}

// searchLater queries once typing pauses.
func (t *resourcesTab) searchLater() tea.Cmd {
	gen, kind := t.gen, t.kind
	return tea.Tick(searchDelay, func(time.Time) tea.Msg { return searchDebounceMsg{kind: kind, gen: gen} })
}

func (t *resourcesTab) updateSearch(msg tea.KeyPressMsg) tea.Cmd {
	switch {
	case key.Matches(msg, t.fk.Cancel):
		t.search = false
		t.input.Blur()
		t.input.SetValue("")
		if t.query != "" {
			t.query = ""
			return t.load()
		}
		return nil
	case key.Matches(msg, t.fk.Accept):
		t.search = false
		t.input.Blur()
		if q := strings.TrimSpace(t.input.Value()); q != t.query {
			t.query = q
			return t.load()
		}
		return nil
	}
	var cmd tea.Cmd
	t.input, cmd = t.input.Update(msg)
	return tea.Batch(cmd, t.searchLater())
}

func (t *resourcesTab) moveTo(i int) tea.Cmd {
	if len(t.rows) == 0 {
		return nil
	}
	t.sel = max(0, min(i, len(t.rows)-1))
	t.selID = t.rows[t.sel].ID
	t.top = scrollWindow(t.top, t.sel, len(t.rows), t.listRows())
	return t.wantDetail()
}

// wantDetail loads the selected resource into the side pane once the
// selection rests (wide layout only; narrow loads on enter).
func (t *resourcesTab) wantDetail() tea.Cmd {
	r := t.current()
	if !t.wide() || r == nil || (t.det != nil && t.det.id == r.ID && (t.det.d != nil || t.det.loading)) {
		return nil
	}
	kind, id := t.kind, r.ID
	return tea.Tick(detailDelay, func(time.Time) tea.Msg { return resourceDebounceMsg{kind: kind, id: id} })
}

func (t *resourcesTab) updateTable(msg tea.KeyPressMsg) tea.Cmd {
	page := t.listRows()
	switch {
	case key.Matches(msg, t.k.Up):
		return t.moveTo(t.sel - 1)
	case key.Matches(msg, t.k.Down):
		return t.moveTo(t.sel + 1)
	case key.Matches(msg, t.k.PageUp):
		return t.moveTo(t.sel - page)
	case key.Matches(msg, t.k.PageDown):
		return t.moveTo(t.sel + page)
	case key.Matches(msg, t.k.Top):
		return t.moveTo(0)
	case key.Matches(msg, t.k.Bottom):
		return t.moveTo(len(t.rows) - 1)
	case key.Matches(msg, t.k.Open):
		r := t.current()
		if r == nil {
			return nil
		}
		t.open = true
		if t.det != nil && t.det.id == r.ID && t.det.d != nil {
			return nil
		}
		return t.loadDetail(r.ID)
	case key.Matches(msg, t.k.Search):
		t.search = true
		t.input.SetValue(t.query)
		t.input.CursorEnd()
		return t.input.Focus()
	case key.Matches(msg, t.k.Clear):
		t.input.SetValue("")
		if t.query != "" {
			t.query = ""
			return t.load()
		}
	default:
		return t.appAction(msg, t.current())
	}
	return nil
}

func (t *resourcesTab) updateDetail(msg tea.KeyPressMsg) tea.Cmd {
	d := t.det
	if d == nil {
		t.open = false
		return nil
	}
	switch {
	case key.Matches(msg, t.dk.Back):
		t.open = false
		return nil
	case key.Matches(msg, t.dk.Section):
		d.section = (d.section + 1) % secCount
		return nil
	case key.Matches(msg, t.dk.PrevSection):
		d.section = (d.section + secCount - 1) % secCount
		return nil
	case key.Matches(msg, t.dk.Open):
		return t.follow()
	case key.Matches(msg, t.dk.Active, t.dk.Delete):
		return t.appAction(msg, t.detailRow())
	}
	if d.section == secJSON {
		scrollViewport(&d.vp, msg, t.dk.navKeys)
		return nil
	}
	n, cur := 0, &d.msel
	if d.d != nil {
		n = len(d.d.Memberships)
		if d.section == secHistory {
			n, cur = len(historyEntries(d.d)), &d.hsel
		}
	}
	page := max(1, t.h-8)
	switch {
	case key.Matches(msg, t.dk.Up):
		*cur--
	case key.Matches(msg, t.dk.Down):
		*cur++
	case key.Matches(msg, t.dk.PageUp):
		*cur -= page
	case key.Matches(msg, t.dk.PageDown):
		*cur += page
	case key.Matches(msg, t.dk.Top):
		*cur = 0
	case key.Matches(msg, t.dk.Bottom):
		*cur = n - 1
	}
	*cur = max(0, min(*cur, n-1))
	return nil
}

// follow opens what the selected detail line links to: a member or group in
// the other table, or a request in the inspector.
func (t *resourcesTab) follow() tea.Cmd {
	d := t.det
	if d == nil || d.d == nil {
		return nil
	}
	switch d.section {
	case secMembers:
		if d.msel < len(d.d.Memberships) {
			m := d.d.Memberships[d.msel]
			kind := m.Kind
			if kind == "" {
				kind = KindGroup
				if t.kind == KindGroup {
					kind = KindUser
				}
			}
			return func() tea.Msg { return openResourceMsg{kind: kind, id: m.ID} }
		}
	case secHistory:
		if es := historyEntries(d.d); d.hsel < len(es) && es[d.hsel].rec != nil {
			seq := es[d.hsel].rec.Seq
			return func() tea.Msg { return jumpToRequestMsg{seq: seq} }
		}
	}
	return nil
}

func (t *resourcesTab) onWheel(msg tea.MouseWheelMsg) tea.Cmd {
	overDetail := (t.open && !t.wide()) || (t.wide() && msg.X > t.listWidth())
	delta := 3
	if msg.Button == tea.MouseWheelUp {
		delta = -3
	} else if msg.Button != tea.MouseWheelDown {
		return nil
	}
	if overDetail && t.det != nil {
		if t.det.section == secJSON {
			if delta < 0 {
				t.det.vp.ScrollUp(-delta)
			} else {
				t.det.vp.ScrollDown(delta)
			}
			return nil
		}
		return nil
	}
	return t.moveTo(t.sel + delta)
}

func (t *resourcesTab) onClick(msg tea.MouseClickMsg) tea.Cmd {
	if msg.Button != tea.MouseLeft || (t.open && !t.wide()) || msg.X >= t.listWidth() {
		return nil
	}
	row := msg.Y - 2
	if row < 0 || row >= t.listRows() || t.top+row >= len(t.rows) {
		return nil
	}
	t.open = false
	return t.moveTo(t.top + row)
}

var (
	userColumns = []column{
		{title: "USERNAME", min: 18, flex: 3},
		{title: "NAME", min: 14, flex: 2, drop: 2},
		{title: "EXTERNAL ID", min: 12, flex: 1, drop: 3},
		{title: "ACTIVE", min: 6},
		{title: "GROUPS", min: 6, right: true, drop: 4},
		{title: "MODIFIED", min: 8, drop: 1},
	}
	groupColumns = []column{
		{title: "DISPLAY NAME", min: 20, flex: 3},
		{title: "EXTERNAL ID", min: 14, flex: 2, drop: 3},
		{title: "MEMBERS", min: 7, right: true},
		{title: "MODIFIED", min: 8, drop: 1},
	}
)

func (t *resourcesTab) columns() []column {
	if t.kind == KindGroup {
		return groupColumns
	}
	return userColumns
}

func (t *resourcesTab) cells(r *ResourceRow) []cell {
	s := t.sh.st
	count := ""
	if r.Members >= 0 {
		count = thousands(r.Members)
	}
	mod := cell{shortTime(r.Modified, t.sh.now()), &s.Muted}
	if !r.Deleted.IsZero() {
		// A tombstone: struck through, with when it went in place of its state.
		gone := cell{shortTime(r.Deleted, t.sh.now()), &s.Faint}
		if t.kind == KindGroup {
			return []cell{{clean(r.Name), &s.Deleted}, {clean(r.ExternalID), &s.Faint}, {"✝ gone", &s.Faint}, gone}
		}
		return []cell{{clean(r.Name), &s.Deleted}, {clean(r.DisplayName), &s.Faint}, {clean(r.ExternalID), &s.Faint}, {"✝ gone", &s.Faint}, {count, &s.Faint}, gone}
	}
	if t.kind == KindGroup {
		return []cell{{clean(r.Name), &s.Bold}, {clean(r.ExternalID), &s.Muted}, {count, &s.Text}, mod}
	}
	active := cell{"○ no", &s.Muted}
	if r.Active {
		active = cell{"● yes", &s.Success}
	}
	if r.Independent {
		active = cell{"◇ out", &s.AppSide}
	}
	return []cell{{clean(r.Name), &s.Bold}, {clean(r.DisplayName), &s.Text}, {clean(r.ExternalID), &s.Muted}, active, {count, &s.Text}, mod}
}

func (t *resourcesTab) view() string {
	if !t.wide() {
		if t.open && t.det != nil {
			return t.detailView(t.w, t.h, true)
		}
		return t.tableView(t.w, true)
	}
	lw, rw := hsplit(t.w, 50)
	right := "\n" + t.sh.st.Muted.Render(" Select a row to see its SCIM JSON, memberships and history.")
	if t.det != nil {
		right = t.detailView(rw, t.h, t.open)
	}
	return joinPanes(t.sh.st, t.tableView(lw, !t.open), lw, right, rw, t.h)
}

func (t *resourcesTab) tableView(w int, focused bool) string {
	s := t.sh.st
	cols := t.columns()
	widths := layoutColumns(cols, w)
	lines := []string{t.searchBar(w), tableHeader(s, cols, widths, w)}
	switch {
	case t.err != nil && len(t.rows) == 0:
		lines = append(lines, "", "  "+s.Error.Render(trunc("Could not read the "+strings.ToLower(t.kind)+"s: "+t.err.Error(), w-4)))
	case !t.loaded:
		lines = append(lines, "", s.Muted.Render("  Reading…"))
	case len(t.rows) == 0 && t.query != "":
		lines = append(lines, "", "  "+s.Muted.Render(trunc(fmt.Sprintf("Nothing matches “%s”. ", t.query), w-12))+s.Key.Render("x")+s.Muted.Render(" clears"))
	case len(t.rows) == 0:
		what := "No users yet. When Okta or Entra provisions one (assign a person to the app), it appears here at once."
		if t.kind == KindGroup {
			_, many := t.sh.groupWords()
			what = "No " + many + " yet. Push a group from Okta (Push Groups) or assign one in Entra, and it appears here at once."
			if !t.sh.profile.GroupsEnabled {
				what = "This app has no groups (profile " + t.sh.profile.Name + "): the IdP's group requests are refused."
			}
		}
		lines = append(lines, "")
		for _, l := range wrap(what, w-4) {
			lines = append(lines, "  "+s.Muted.Render(l))
		}
	default:
		for i := t.top; i < len(t.rows) && i < t.top+t.listRows(); i++ {
			lines = append(lines, tableRow(s, cols, widths, t.cells(&t.rows[i]), i == t.sel, focused, w))
		}
	}
	for len(lines) < t.h-1 {
		lines = append(lines, "")
	}
	status := " " + t.noun(len(t.rows))
	if len(t.rows) >= resourceLimit {
		status = fmt.Sprintf(" first %s; search to narrow", t.noun(len(t.rows)))
	}
	if t.query != "" {
		status += fmt.Sprintf(" matching “%s”", t.query)
	}
	if t.kind == KindGroup && !t.sh.profile.GroupsEnabled && len(t.rows) > 0 {
		status += " · the app has no groups: the IdP cannot see these"
	}
	right := ""
	switch {
	case t.loading:
		right = "refreshing… "
	case !t.refreshed.IsZero():
		right = "live · refreshed " + clock(t.refreshed) + " "
	}
	lines = append(lines[:t.h-1], spread(s.Muted.Render(status), s.Faint.Render(right), w))
	return strings.Join(lines, "\n")
}

func (t *resourcesTab) searchBar(w int) string {
	s := t.sh.st
	if t.search {
		return " " + t.input.View()
	}
	if t.query != "" {
		return " " + s.Label.Render("search ") + s.FilterOn.Render("“"+t.query+"”") + "  " + s.Key.Render("x") + s.Muted.Render(" clear")
	}
	return " " + s.Key.Render("/") + s.Muted.Render(" search  ") + s.Key.Render("enter") + s.Muted.Render(" open")
}

func (t *resourcesTab) detailView(w, h int, focused bool) string {
	s := t.sh.st
	d := t.det
	var lines []string
	row := ResourceRow{ID: d.id}
	if d.d != nil {
		row = d.d.Row
	} else if r := t.current(); r != nil && r.ID == d.id {
		row = *r
	}
	name := row.Name
	if name == "" {
		name = d.id
	}
	title := " " + s.Title.Render(trunc(clean(name), w-14))
	badge := ""
	if t.kind == KindUser && (d.d != nil || row.Name != "") {
		badge = s.Muted.Render("○ inactive ")
		if row.Active {
			badge = s.Success.Render("● active ")
		}
		if row.Independent {
			badge = s.AppSide.Render("◇ outside the organisation ")
		}
	}
	if !row.Deleted.IsZero() {
		badge = s.Faint.Render("✝ deleted " + shortTime(row.Deleted, t.sh.now()) + " ")
		title = " " + s.Deleted.Render(trunc(clean(name), w-24))
	}
	lines = append(lines, spread(title, badge, w))
	var facts []string
	if row.DisplayName != "" {
		facts = append(facts, clean(row.DisplayName))
	}
	if row.ExternalID != "" {
		facts = append(facts, "externalId "+clean(row.ExternalID))
	}
	if !row.Modified.IsZero() {
		facts = append(facts, "modified "+shortTime(row.Modified, t.sh.now()))
	}
	lines = append(lines,
		" "+s.Muted.Render(trunc(strings.Join(facts, " · "), w-2)),
		" "+s.Faint.Render(trunc("id "+clean(d.id), w-2)),
		t.sectionBar(w),
	)
	bodyH := max(1, h-len(lines)-1)
	var body []string
	switch {
	case d.err != nil:
		body = []string{"", " " + s.Error.Render(trunc("Could not read it: "+d.err.Error(), w-2))}
	case d.d == nil:
		body = []string{"", " " + s.Muted.Render("Reading…")}
	default:
		switch d.section {
		case secMembers:
			body = t.membersBody(w, bodyH, focused)
		case secHistory:
			body = t.historyBody(w, bodyH, focused)
		case secJSON:
			key := fmt.Sprintf("%d|%p|%d", w, s, len(d.d.JSON))
			d.vp.SetWidth(w)
			d.vp.SetHeight(bodyH)
			if key != d.vpKey {
				d.vpKey = key
				d.json = indentLines(bodyLines(s, d.d.JSON, w-2))
				d.vp.SetContentLines(d.json)
			}
			body = visibleLines(d.json, d.vp.YOffset(), bodyH)
		}
	}
	for len(body) < bodyH {
		body = append(body, "")
	}
	lines = append(lines, body[:bodyH]...)
	hint := s.Key.Render(" enter") + s.Muted.Render(" to browse")
	if focused {
		hint = s.Key.Render(" ←/→") + s.Muted.Render(" section  ") + s.Key.Render("enter") + s.Muted.Render(" open  ") + s.Key.Render("esc") + s.Muted.Render(" back")
	}
	lines = append(lines, hint)
	return strings.Join(lines, "\n")
}

func (t *resourcesTab) sectionBar(w int) string {
	s := t.sh.st
	d := t.det
	nm, nh := "", ""
	if d.d != nil {
		total := d.d.MembershipTotal
		if total < len(d.d.Memberships) {
			total = len(d.d.Memberships)
		}
		nm = " " + thousands(total)
		nh = " " + thousands(len(historyEntries(d.d)))
	}
	_, many := t.sh.groupWords()
	members := upperFirst(many)
	if t.kind == KindGroup {
		members = "Members"
	}
	names := [secCount]string{members + nm, "History" + nh, "SCIM JSON"}
	var b strings.Builder
	b.WriteString(" ")
	for i, n := range names {
		if i == d.section {
			b.WriteString(s.TabActive.Render(n))
		} else {
			b.WriteString(s.Tab.Render(n))
		}
	}
	return trunc(b.String(), w)
}

func (t *resourcesTab) membersBody(w, h int, focused bool) []string {
	s := t.sh.st
	d := t.det
	ms := d.d.Memberships
	if len(ms) == 0 {
		one, _ := t.sh.groupWords()
		what := "Not a member of any " + one + "."
		if t.kind == KindGroup {
			what = "No members."
		}
		if !d.d.Row.Deleted.IsZero() {
			what = fmt.Sprintf("Deleted with %s; they went with it.", plural(d.d.MembershipTotal, "membership", "memberships"))
		}
		return []string{"", " " + s.Muted.Render(what)}
	}
	cols := []column{{title: "NAME", min: 16, flex: 2}, {title: "ID", min: 12, flex: 1, drop: 1}}
	widths := layoutColumns(cols, w)
	out := []string{tableHeader(s, cols, widths, w)}
	rows := h - 1
	more := d.d.MembershipTotal - len(ms)
	if more > 0 {
		rows--
	}
	top := scrollWindow(0, d.msel, len(ms), rows)
	for i := top; i < len(ms) && i < top+rows; i++ {
		m := ms[i]
		name := m.Display
		if name == "" {
			name = m.ID
		}
		out = append(out, tableRow(s, cols, widths, []cell{{clean(name), &s.Text}, {clean(m.ID), &s.Faint}}, i == d.msel, focused, w))
	}
	if more > 0 {
		out = append(out, " "+s.Muted.Render(fmt.Sprintf("… and %s more", thousands(more))))
	}
	return out
}

func (t *resourcesTab) historyBody(w, h int, focused bool) []string {
	s := t.sh.st
	d := t.det
	hs := historyEntries(d.d)
	if len(hs) == 0 {
		return []string{"", " " + s.Muted.Render("No recorded request touched it.")}
	}
	cols := []column{
		{title: "TIME", min: 8},
		{title: "METHOD", min: 6},
		{title: "ST", min: 3},
		{title: "WHAT HAPPENED", min: 20, flex: 1},
	}
	widths := layoutColumns(cols, w)
	out := []string{tableHeader(s, cols, widths, w)}
	top := scrollWindow(0, d.hsel, len(hs), h-1)
	for i := top; i < len(hs) && i < top+h-1; i++ {
		if a := hs[i].act; a != nil {
			out = append(out, tableRow(s, cols, widths, []cell{
				{clock(a.Time), &s.Muted},
				{"APP", &s.AppSide},
				{"", &s.Muted},
				{clean(a.What), &s.AppSide},
			}, i == d.hsel, focused, w))
			continue
		}
		r := hs[i].rec
		what := rowSummary(r)
		if what == "" {
			what = shortPath(target(r))
		}
		out = append(out, tableRow(s, cols, widths, []cell{
			{clock(r.Time), &s.Muted},
			{r.Method, s.method(r.Method)},
			{fmt.Sprint(r.Status), s.status(r.Status)},
			{clean(what), &s.Text},
		}, i == d.hsel, focused, w))
	}
	return out
}
