package tui

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/scimlab/scimlab/exchange"
)

var (
	// detailDelay lets the selection rest before bodies are read. It is
	// longer than a flood's frame, so following a flood reads no bodies.
	detailDelay = 150 * time.Millisecond
	// settleDelay is how long after a burst the console checks the log for
	// requests whose events were dropped at the end of the burst.
	settleDelay = 300 * time.Millisecond
)

const (
	// windowCap bounds the request rows held in memory; older history is read
	// from the log on demand.
	windowCap = 2000
	// pageSize is how many older rows one scroll past the top loads.
	pageSize = 200
	// initialRows is how much history the list shows at start-up.
	initialRows = 500
	// detailCacheSize bounds the cached request bodies.
	detailCacheSize = 64
)

// drawnKey identifies one rendered list row.
type drawnKey struct {
	seq               int64
	selected, focused bool
}

// requestsTab is the live inspector: a bounded window of the request log that
// follows new requests, and a detail pane.
type requestsTab struct {
	sh *shared
	k  requestKeys
	ik inspectorKeys
	fk inputKeys

	rows []exchange.Record // ascending Seq; at most windowCap (a little more while paused)
	vis  []int             // indices into rows that pass the filter
	sel  int64             // selected request; 0 = none
	top  int               // index into vis of the first row drawn

	follow   bool  // the selection sticks to the newest request
	head     bool  // rows reach the newest request seen
	newCount int   // requests that arrived while not following
	latest   int64 // newest Seq seen

	loaded, loadingOlder, noOlder, loadingNewest bool
	// settling: a look at the log is scheduled for when the bursts stop;
	// bursts counts them, settledAt is the count when the look was planned.
	settling          bool
	bursts, settledAt int
	loadErr           error

	filter reqFilter
	input  textinput.Model
	search bool // the search field has focus

	open bool // the inspector has focus (narrow: it replaces the list)
	insp *inspector

	// drawn caches rendered list rows: a row never changes once recorded,
	// so under a flood only the new rows are drawn each frame.
	drawn    map[drawnKey]string
	drawnFor string // the width and styles the cached rows were drawn for

	cache    map[int64]*exchange.Record
	order    []int64 // cache insertion order
	inflight map[int64]bool
	failed   map[int64]error
	curlWant int64 // copy (or show) this request as curl once its body is loaded
	curlShow bool

	// notice holds the rendered pending hints drawn above the status line;
	// the list gives up that many rows.
	notice []string

	w, h int
}

func newRequestsTab(sh *shared) *requestsTab {
	in := textinput.New()
	in.Prompt = "/ "
	in.Placeholder = "path, user, summary, status, quirk…"
	in.CharLimit = 200
	return &requestsTab{
		sh: sh, k: newRequestKeys(), ik: newInspectorKeys(), fk: newInputKeys(),
		follow: true, head: true, input: in,
		insp:     newInspector(sh),
		cache:    map[int64]*exchange.Record{},
		inflight: map[int64]bool{},
		failed:   map[int64]error{},
	}
}

func (t *requestsTab) restyle() {
	t.input.SetStyles(t.sh.st.inputStyles())
	t.noticeChanged()
}

func (t *requestsTab) typing() bool { return t.search }

func (t *requestsTab) wide() bool { return t.w >= wideWidth }

func (t *requestsTab) setSize(w, h int) {
	t.w, t.h = w, h
	t.input.SetWidth(max(10, t.listWidth()-30))
	t.noticeChanged()
}

func (t *requestsTab) listWidth() int {
	if t.wide() {
		l, _ := hsplit(t.w, 58)
		return l
	}
	return t.w
}

// listRows is the number of request rows the list pane can draw: the body
// minus the filter bar, the column header, the notice and the status line.
func (t *requestsTab) listRows() int { return max(1, t.h-3-len(t.notice)) }

func (t *requestsTab) keys() keyMap {
	switch {
	case t.search:
		return t.fk.keyMap()
	case t.open:
		k := t.ik
		k.Resend.SetEnabled(t.sh.d.Resend != nil)
		k.Edit.SetEnabled(t.sh.d.Resend != nil)
		return k.keyMap()
	}
	return t.k.keyMap()
}

// recent returns up to n of the newest requests in the window, newest first.
func (t *requestsTab) recent(n int) []*exchange.Record {
	var out []*exchange.Record
	for i := len(t.rows) - 1; i >= 0 && len(out) < n; i-- {
		out = append(out, &t.rows[i])
	}
	return out
}

// loadInitial reads the newest page of history.
func (t *requestsTab) loadInitial() tea.Cmd {
	return t.load(loadInitial, 0, initialRows, 0)
}

func (t *requestsTab) load(p loadPurpose, before int64, limit int, target int64) tea.Cmd {
	r, ctx := t.sh.d.Reader, t.sh.ctx
	if r == nil {
		return nil
	}
	return func() tea.Msg {
		rows, err := r.Requests(ctx, before, limit)
		return requestsLoadedMsg{purpose: p, before: before, target: target, limit: limit, rows: rows, err: err}
	}
}

// addEvents takes a burst of new requests. While following, they join the
// window and the oldest fall off; while paused the view stays put and only a
// count grows. A hole in the sequence (events the subscription dropped) is
// read back from the log.
func (t *requestsTab) addEvents(evs []exchange.Event) tea.Cmd {
	var cmds []tea.Cmd
	fresh := make([]exchange.Record, 0, len(evs))
	for _, e := range evs {
		if e.Seq <= t.latest {
			continue
		}
		if t.latest > 0 && e.Seq > t.latest+1 && t.head {
			missing := int(min(int64(windowCap), e.Seq-t.latest-1))
			cmds = append(cmds, t.load(loadGap, e.Seq, missing, 0))
		}
		t.latest = e.Seq
		fresh = append(fresh, e.Record)
	}
	// Any burst, even of events already read from the log, may be followed
	// by events the subscription dropped with no later event to report them;
	// a look at the log a moment later finds those.
	t.bursts++
	if len(evs) > 0 && !t.settling && t.sh.d.Reader != nil {
		t.settling, t.settledAt = true, t.bursts
		cmds = append(cmds, settleLater())
	}
	if len(fresh) == 0 {
		return tea.Batch(cmds...)
	}
	switch {
	case t.head && t.follow:
		t.rows = append(t.rows, fresh...)
		t.trimTop()
		t.rebuild()
		t.selectLast()
	case t.head && len(t.rows)+len(fresh) <= windowCap+windowCap/2:
		t.rows = append(t.rows, fresh...)
		t.newCount += len(fresh)
		t.rebuild()
	default:
		t.head = false
		t.newCount += len(fresh)
	}
	return tea.Batch(append(cmds, t.wantDetail())...)
}

func settleLater() tea.Cmd {
	return tea.Tick(settleDelay, func(time.Time) tea.Msg { return settleMsg{} })
}

// trimTop drops the oldest rows beyond the window. It lets the window run a
// little over before trimming, so a flood moves the rows in memory once per
// few hundred events rather than on every burst.
func (t *requestsTab) trimTop() {
	if len(t.rows) <= windowCap+windowCap/8 {
		return
	}
	if n := len(t.rows) - windowCap; n > 0 {
		t.rows = slices.Delete(t.rows, 0, n)
		t.noOlder = false
	}
}

func (t *requestsTab) trimBottom() {
	if len(t.rows) > windowCap {
		t.rows = t.rows[:windowCap]
		t.head = false
	}
}

// mergeRows adds rows (in any order) to the window, keeping it sorted by Seq
// without duplicates.
func (t *requestsTab) mergeRows(add []exchange.Record) {
	if len(add) == 0 {
		return
	}
	all := append(slices.Clone(t.rows), add...)
	sort.SliceStable(all, func(i, j int) bool { return all[i].Seq < all[j].Seq })
	out := all[:0]
	for i := range all {
		if len(out) > 0 && out[len(out)-1].Seq == all[i].Seq {
			continue
		}
		out = append(out, all[i])
	}
	t.rows = out
}

// rebuild recomputes the visible rows after the window or the filter changed
// and keeps the selection on the same request (or the nearest one).
func (t *requestsTab) rebuild() {
	t.vis = t.vis[:0]
	for i := range t.rows {
		if t.filter.match(&t.rows[i]) {
			t.vis = append(t.vis, i)
		}
	}
	if len(t.vis) == 0 {
		t.top = 0
		return
	}
	i := t.nearest(t.sel)
	t.sel = t.rows[t.vis[i]].Seq
	t.top = scrollWindow(t.top, i, len(t.vis), t.listRows())
}

// nearest returns the index into vis of seq, or of the closest visible row.
func (t *requestsTab) nearest(seq int64) int {
	i := sort.Search(len(t.vis), func(i int) bool { return t.rows[t.vis[i]].Seq >= seq })
	if i == len(t.vis) {
		return len(t.vis) - 1
	}
	return i
}

// selIndex is the selected row's index into vis, or -1.
func (t *requestsTab) selIndex() int {
	if len(t.vis) == 0 {
		return -1
	}
	i := t.nearest(t.sel)
	if t.rows[t.vis[i]].Seq != t.sel {
		return -1
	}
	return i
}

func (t *requestsTab) selected() *exchange.Record {
	if i := t.selIndex(); i >= 0 {
		return &t.rows[t.vis[i]]
	}
	return nil
}

func (t *requestsTab) selectLast() {
	if len(t.vis) == 0 {
		return
	}
	t.sel = t.rows[t.vis[len(t.vis)-1]].Seq
	t.top = scrollWindow(t.top, len(t.vis)-1, len(t.vis), t.listRows())
}

// moveTo selects the i-th visible row. Moving onto the newest row resumes
// following; moving away pauses it.
func (t *requestsTab) moveTo(i int) tea.Cmd {
	if len(t.vis) == 0 {
		return nil
	}
	i = max(0, min(i, len(t.vis)-1))
	t.sel = t.rows[t.vis[i]].Seq
	t.top = scrollWindow(t.top, i, len(t.vis), t.listRows())
	last := i == len(t.vis)-1
	switch {
	case last && t.head:
		t.resumeFollow()
	case !last:
		t.follow = false
	}
	return t.wantDetail()
}

func (t *requestsTab) resumeFollow() {
	t.follow = true
	t.newCount = 0
	t.trimTop()
	t.rebuild()
	t.selectLast()
}

// followNewest jumps to the newest request, reloading the head of the log when
// the window has drifted away from it.
func (t *requestsTab) followNewest() tea.Cmd {
	if t.head {
		t.resumeFollow()
		return t.wantDetail()
	}
	if t.loadingNewest {
		return nil
	}
	t.loadingNewest = true
	return t.load(loadNewest, 0, windowCap, 0)
}

// olderCmd loads the page before the window when the user scrolls past it.
func (t *requestsTab) olderCmd() tea.Cmd {
	if t.loadingOlder || t.noOlder || len(t.rows) == 0 {
		return nil
	}
	t.loadingOlder = true
	return t.load(loadOlder, t.rows[0].Seq, pageSize, 0)
}

// jumpTo opens request seq in the inspector, loading its neighbourhood when it
// is outside the window.
func (t *requestsTab) jumpTo(seq int64) tea.Cmd {
	if t.search {
		t.search = false
		t.input.Blur()
	}
	t.filter = reqFilter{}
	t.rebuild()
	i := sort.Search(len(t.rows), func(i int) bool { return t.rows[i].Seq >= seq })
	if i < len(t.rows) && t.rows[i].Seq == seq {
		t.sel = seq
		t.follow = false
		t.rebuild()
		t.open = true
		return t.wantDetailNow()
	}
	t.open = true
	t.follow = false
	t.sel = seq
	return t.load(loadAround, seq+pageSize/2, pageSize, seq)
}

func (t *requestsTab) onLoaded(msg requestsLoadedMsg) tea.Cmd {
	switch msg.purpose {
	case loadOlder:
		t.loadingOlder = false
	case loadNewest:
		t.loadingNewest = false
	}
	if msg.err != nil {
		t.loadErr = msg.err
		t.sh.log.Error("read request log", "err", msg.err, "purpose", int(msg.purpose))
		return toastErr("Could not read the request log: " + msg.err.Error())
	}
	t.loadErr = nil
	if msg.purpose != loadTail {
		for _, r := range msg.rows {
			t.latest = max(t.latest, r.Seq)
		}
	}
	switch msg.purpose {
	case loadInitial:
		t.loaded = true
		t.mergeRows(msg.rows)
		t.noOlder = len(msg.rows) < msg.limit
		t.trimTop()
		t.rebuild()
		if t.follow {
			t.selectLast()
		}
	case loadOlder:
		if len(msg.rows) < msg.limit {
			t.noOlder = true
		}
		before := t.selIndex()
		first := t.sel
		t.mergeRows(msg.rows)
		t.trimBottom()
		t.rebuild()
		if before == 0 && first != 0 {
			// The user pressed ↑ on the oldest row: step onto the newest of the
			// rows just loaded.
			if i := t.nearest(first); i > 0 {
				return t.moveTo(i - 1)
			}
		}
	case loadNewest:
		t.rows = nil
		t.mergeRows(msg.rows)
		t.head = true
		t.noOlder = len(msg.rows) < msg.limit
		t.rebuild()
		t.resumeFollow()
	case loadGap:
		if !t.head {
			return nil
		}
		t.mergeRows(msg.rows)
		t.trimTop()
		t.rebuild()
		if t.follow {
			t.selectLast()
		}
	case loadTail:
		if len(msg.rows) == 0 {
			return nil
		}
		newest := msg.rows[0].Seq
		if newest <= t.latest {
			return nil
		}
		if !t.head {
			t.newCount += int(newest - t.latest)
			t.latest = newest
			return nil
		}
		return t.load(loadGap, newest+1, int(min(int64(windowCap), newest-t.latest)), 0)
	case loadAround:
		t.rows = nil
		t.mergeRows(msg.rows)
		t.head = len(t.rows) > 0 && t.rows[len(t.rows)-1].Seq >= t.latest
		t.noOlder = len(msg.rows) < msg.limit && msg.before > 0
		t.sel = msg.target
		t.rebuild()
		return t.wantDetailNow()
	}
	return t.wantDetail()
}

// wantDetail schedules reading the selected request's bodies once the
// selection rests, when a detail pane is showing.
func (t *requestsTab) wantDetail() tea.Cmd {
	if !t.wide() && !t.open {
		return nil
	}
	seq := t.sel
	if seq == 0 || t.cache[seq] != nil || t.inflight[seq] {
		return nil
	}
	return tea.Tick(detailDelay, func(time.Time) tea.Msg { return detailDebounceMsg{seq} })
}

// wantDetailNow reads the selected request's bodies at once.
func (t *requestsTab) wantDetailNow() tea.Cmd {
	seq := t.sel
	if seq == 0 || t.cache[seq] != nil || t.inflight[seq] || t.sh.d.Reader == nil {
		return nil
	}
	t.inflight[seq] = true
	r, ctx := t.sh.d.Reader, t.sh.ctx
	return func() tea.Msg {
		d, err := r.Request(ctx, seq)
		return requestDetailMsg{seq: seq, detail: d, err: err}
	}
}

func (t *requestsTab) remember(seq int64, d *exchange.Record) {
	if _, ok := t.cache[seq]; !ok {
		t.order = append(t.order, seq)
	}
	t.cache[seq] = d
	for len(t.order) > detailCacheSize {
		delete(t.cache, t.order[0])
		t.order = t.order[1:]
	}
}

func (t *requestsTab) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case requestsLoadedMsg:
		return t.onLoaded(msg)
	case settleMsg:
		if t.bursts != t.settledAt {
			// Still busy: events are flowing, so nothing is lost yet.
			// Look once the traffic pauses.
			t.settledAt = t.bursts
			return settleLater()
		}
		t.settling = false
		return t.load(loadTail, 0, 1, 0)
	case detailDebounceMsg:
		if msg.seq == t.sel {
			return t.wantDetailNow()
		}
		return nil
	case requestDetailMsg:
		delete(t.inflight, msg.seq)
		if msg.err != nil {
			t.failed[msg.seq] = msg.err
			t.sh.log.Error("read request", "seq", msg.seq, "err", msg.err)
			return nil
		}
		delete(t.failed, msg.seq)
		t.remember(msg.seq, msg.detail)
		if t.curlWant == msg.seq {
			t.curlWant = 0
			return t.curl(t.curlShow)
		}
		return nil
	case tea.KeyPressMsg:
		switch {
		case t.search:
			return t.updateSearch(msg)
		case t.open:
			return t.updateInspector(msg)
		}
		return t.updateList(msg)
	case tea.MouseWheelMsg:
		return t.onWheel(msg)
	case tea.MouseClickMsg:
		return t.onClick(msg)
	case tea.PasteMsg:
		if t.search {
			var cmd tea.Cmd
			t.input, cmd = t.input.Update(msg)
			t.applySearch()
			return cmd
		}
	}
	if t.search {
		var cmd tea.Cmd
		t.input, cmd = t.input.Update(msg)
		return cmd
	}
	return nil
}

func (t *requestsTab) updateSearch(msg tea.KeyPressMsg) tea.Cmd {
	switch {
	case key.Matches(msg, t.fk.Cancel):
		t.search = false
		t.input.Blur()
		t.input.SetValue("")
		t.applySearch()
		return t.wantDetail()
	case key.Matches(msg, t.fk.Accept):
		t.search = false
		t.input.Blur()
		return t.wantDetail()
	}
	var cmd tea.Cmd
	t.input, cmd = t.input.Update(msg)
	t.applySearch()
	return cmd
}

// applySearch filters as the user types; the list is in memory, so this is
// instant.
func (t *requestsTab) applySearch() {
	t.filter.text = strings.TrimSpace(t.input.Value())
	t.refilter()
}

func (t *requestsTab) refilter() {
	t.rebuild()
	if t.follow {
		t.selectLast()
	}
}

func (t *requestsTab) updateList(msg tea.KeyPressMsg) tea.Cmd {
	i := t.selIndex()
	page := t.listRows()
	switch {
	case key.Matches(msg, t.k.Up):
		if i <= 0 {
			return t.olderCmd()
		}
		return t.moveTo(i - 1)
	case key.Matches(msg, t.k.Down):
		return t.moveTo(i + 1)
	case key.Matches(msg, t.k.PageUp):
		if i <= 0 {
			return t.olderCmd()
		}
		return t.moveTo(i - page)
	case key.Matches(msg, t.k.PageDown):
		return t.moveTo(i + page)
	case key.Matches(msg, t.k.Top):
		if i == 0 {
			return t.olderCmd()
		}
		return t.moveTo(0)
	case key.Matches(msg, t.k.Follow):
		return t.followNewest()
	case key.Matches(msg, t.k.Open):
		if t.selected() == nil {
			return nil
		}
		t.open = true
		t.follow = false
		t.insp.top()
		return t.wantDetailNow()
	case key.Matches(msg, t.k.Search):
		t.search = true
		t.input.SetValue(t.filter.text)
		t.input.CursorEnd()
		return t.input.Focus()
	case key.Matches(msg, t.k.Method):
		t.filter.method = next(filterMethods, t.filter.method)
		t.refilter()
	case key.Matches(msg, t.k.Status):
		t.filter.class = next(filterClasses, t.filter.class)
		t.refilter()
	case key.Matches(msg, t.k.Resource):
		t.filter.resource = next(filterResources, t.filter.resource)
		t.refilter()
	case key.Matches(msg, t.k.IdP):
		t.filter.idp = next(filterIdPs, t.filter.idp)
		t.refilter()
	case key.Matches(msg, t.k.Clear):
		t.filter = reqFilter{}
		t.input.SetValue("")
		t.refilter()
	case key.Matches(msg, t.k.Curl):
		return t.curl(false)
	case key.Matches(msg, t.k.ShowCurl):
		return t.curl(true)
	default:
		return nil
	}
	return t.wantDetail()
}

func (t *requestsTab) updateInspector(msg tea.KeyPressMsg) tea.Cmd {
	i := t.selIndex()
	switch {
	case key.Matches(msg, t.ik.Back):
		t.open = false
		return nil
	case key.Matches(msg, t.ik.Prev):
		if i <= 0 {
			return t.olderCmd()
		}
		t.insp.top()
		t.moveTo(i - 1)
		return t.wantDetailNow()
	case key.Matches(msg, t.ik.Next):
		t.insp.top()
		t.moveTo(i + 1)
		t.follow = false
		return t.wantDetailNow()
	case key.Matches(msg, t.ik.Curl):
		return t.curl(false)
	case key.Matches(msg, t.ik.ShowCurl):
		return t.curl(true)
	case key.Matches(msg, t.ik.Resend, t.ik.Edit):
		return t.resend(key.Matches(msg, t.ik.Edit))
	}
	t.insp.scroll(msg, t.ik.navKeys)
	return nil
}

func (t *requestsTab) onWheel(msg tea.MouseWheelMsg) tea.Cmd {
	overDetail := t.open && (!t.wide() || msg.X > t.listWidth())
	if t.wide() && msg.X > t.listWidth() {
		overDetail = true
	}
	if overDetail {
		switch msg.Button {
		case tea.MouseWheelUp:
			t.insp.vp.ScrollUp(3)
		case tea.MouseWheelDown:
			t.insp.vp.ScrollDown(3)
		}
		return nil
	}
	i := t.selIndex()
	switch msg.Button {
	case tea.MouseWheelUp:
		if i <= 0 {
			return t.olderCmd()
		}
		return t.moveTo(i - 3)
	case tea.MouseWheelDown:
		return t.moveTo(i + 3)
	}
	return nil
}

func (t *requestsTab) onClick(msg tea.MouseClickMsg) tea.Cmd {
	if msg.Button != tea.MouseLeft || (t.open && !t.wide()) || msg.X >= t.listWidth() {
		return nil
	}
	row := msg.Y - 2 // filter bar and column header
	if t.edgeLine() {
		row--
	}
	if row < 0 || row >= t.listRows() {
		return nil
	}
	if i := t.top + row; i < len(t.vis) {
		if t.rows[t.vis[i]].Seq == t.sel && t.wide() {
			t.open = true
		}
		return t.moveTo(i)
	}
	return nil
}

// curl puts a curl command that replays the selected request on the clipboard,
// or with show, shows it to be copied by hand. The token is left as
// $SCIMLAB_TOKEN so it never lands in shell history or a support ticket by
// accident.
func (t *requestsTab) curl(show bool) tea.Cmd {
	r := t.selected()
	if r == nil {
		return nil
	}
	d := t.cache[r.Seq]
	if d == nil {
		t.curlWant, t.curlShow = r.Seq, show
		return t.wantDetailNow()
	}
	if show {
		seq, cmd := r.Seq, curlShown(t.sh.baseURL(), d)
		return func() tea.Msg {
			return showValueMsg{title: fmt.Sprintf("Request #%d as a curl command", seq), value: cmd,
				note: "It sends the token as $SCIMLAB_TOKEN: set that variable in the shell first."}
		}
	}
	return t.sh.copyValue(curlFor(t.sh.baseURL(), d), copiedCurl(r.Seq))
}
