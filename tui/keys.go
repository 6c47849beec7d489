package tui

import (
	"strings"

	"charm.land/bubbles/v2/key"
)

// keyMap is one screen's bindings: a short row for the footer and groups for
// the full help. Global keys are merged in by the root model.
type keyMap struct {
	short []key.Binding
	full  [][]key.Binding
}

// ShortHelp implements help.KeyMap.
func (k keyMap) ShortHelp() []key.Binding { return k.short }

// FullHelp implements help.KeyMap.
func (k keyMap) FullHelp() [][]key.Binding { return k.full }

func bind(keys []string, helpKey, desc string) key.Binding {
	return key.NewBinding(key.WithKeys(keys...), key.WithHelp(helpKey, desc))
}

// globalKeys work on every screen unless a text field has focus.
type globalKeys struct {
	Next, Prev                             key.Binding
	Conn, Reqs, Users, Groups, Guide, Labs key.Binding
	Help, Quit, ForceQuit                  key.Binding
}

func newGlobalKeys() globalKeys {
	return globalKeys{
		Next:      bind([]string{"tab"}, "tab", "next tab"),
		Prev:      bind([]string{"shift+tab"}, "shift+tab", "previous tab"),
		Conn:      bind([]string{"1"}, "1", "connection"),
		Reqs:      bind([]string{"2"}, "2", "requests"),
		Users:     bind([]string{"3"}, "3", "users"),
		Groups:    bind([]string{"4"}, "4", "groups"),
		Guide:     bind([]string{"5"}, "5", "walkthrough"),
		Labs:      bind([]string{"6"}, "6", "labs"),
		Help:      bind([]string{"?"}, "?", "toggle help"),
		Quit:      bind([]string{"q"}, "q", "quit"),
		ForceQuit: bind([]string{"ctrl+c"}, "ctrl+c", "quit"),
	}
}

func (g globalKeys) full() []key.Binding {
	return []key.Binding{g.Conn, g.Reqs, g.Users, g.Groups, g.Guide, g.Labs, g.Next, g.Prev, g.Help, g.Quit, g.ForceQuit}
}

// navKeys move a selection or scroll a pane.
type navKeys struct {
	Up, Down, PageUp, PageDown, Top, Bottom key.Binding
}

func newNavKeys() navKeys {
	return navKeys{
		Up:       bind([]string{"up", "k"}, "↑/k", "up"),
		Down:     bind([]string{"down", "j"}, "↓/j", "down"),
		PageUp:   bind([]string{"pgup", "ctrl+u"}, "pgup", "page up"),
		PageDown: bind([]string{"pgdown", "ctrl+d", "space"}, "pgdn", "page down"),
		Top:      bind([]string{"home", "g"}, "g/home", "top"),
		Bottom:   bind([]string{"end", "G"}, "G/end", "bottom"),
	}
}

// connectionKeys act on the connection panel.
type connectionKeys struct {
	CopyURL, CopyToken, Reveal, Rotate, Mode, Ngrok, Forget, Retry key.Binding
}

func newConnectionKeys() connectionKeys {
	return connectionKeys{
		CopyURL:   bind([]string{"c"}, "c", "copy SCIM base URL"),
		CopyToken: bind([]string{"t"}, "t", "copy token"),
		Reveal:    bind([]string{"v"}, "v", "show/hide token"),
		Rotate:    bind([]string{"R"}, "R", "rotate token"),
		Mode:      bind([]string{"s"}, "s", "strict/tolerant mode"),
		Ngrok:     bind([]string{"n"}, "n", "save ngrok token"),
		Forget:    bind([]string{"F"}, "F", "forget saved ngrok token"),
		Retry:     bind([]string{"r"}, "r", "retry tunnel now"),
	}
}

func (k connectionKeys) keyMap() keyMap {
	return keyMap{
		// Retry is enabled only while the tunnel is down, and then it is the
		// first thing the admin needs, so it leads.
		short: []key.Binding{k.Retry, k.CopyURL, k.CopyToken, k.Reveal, k.Rotate, k.Mode, k.Ngrok, k.Forget},
		full:  [][]key.Binding{{k.CopyURL, k.CopyToken, k.Reveal}, {k.Rotate, k.Mode, k.Ngrok, k.Forget, k.Retry}},
	}
}

// requestKeys act on the request list.
type requestKeys struct {
	navKeys
	Follow, Open, Back, Search, Method, Status, Resource, IdP, Clear, Curl, ShowCurl key.Binding
}

func newRequestKeys() requestKeys {
	n := newNavKeys()
	n.Top.SetHelp("g/home", "oldest (again: load older)")
	return requestKeys{
		navKeys:  n,
		Follow:   bind([]string{"end", "G"}, "G/end", "follow new requests"),
		Open:     bind([]string{"enter"}, "enter", "open request"),
		Back:     bind([]string{"esc"}, "esc", "back to list"),
		Search:   bind([]string{"/"}, "/", "search"),
		Method:   bind([]string{"m"}, "m", "filter method"),
		Status:   bind([]string{"s"}, "s", "filter status"),
		Resource: bind([]string{"r"}, "r", "filter resource"),
		IdP:      bind([]string{"i"}, "i", "filter IdP"),
		Clear:    bind([]string{"x"}, "x", "clear filters"),
		Curl:     bind([]string{"y"}, "y", "copy as curl"),
		ShowCurl: bind([]string{"v"}, "v", "show as curl"),
	}
}

func (k requestKeys) keyMap() keyMap {
	return keyMap{
		short: []key.Binding{k.Open, k.Follow, k.Search, k.Method, k.Status, k.Resource, k.IdP},
		full: [][]key.Binding{
			{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Follow},
			{k.Open, k.Curl, k.ShowCurl},
			{k.Search, k.Method, k.Status, k.Resource, k.IdP, k.Clear},
		},
	}
}

// inspectorKeys act on an open request.
type inspectorKeys struct {
	navKeys
	Back, Curl, ShowCurl, Prev, Next, Resend, Edit key.Binding
}

func newInspectorKeys() inspectorKeys {
	return inspectorKeys{
		navKeys:  newNavKeys(),
		Back:     bind([]string{"esc", "backspace"}, "esc", "back to list"),
		Curl:     bind([]string{"y"}, "y", "copy as curl"),
		ShowCurl: bind([]string{"v"}, "v", "show as curl"),
		Prev:     bind([]string{"["}, "[", "previous request"),
		Next:     bind([]string{"]"}, "]", "next request"),
		Resend:   bind([]string{"S"}, "S", "send again"),
		Edit:     bind([]string{"E"}, "E", "edit and send again"),
	}
}

func (k inspectorKeys) keyMap() keyMap {
	return keyMap{
		short: []key.Binding{k.Back, k.Down, k.Up, k.Prev, k.Next, k.Curl, k.Resend, k.Edit},
		full: [][]key.Binding{{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom}, {k.Prev, k.Next, k.Curl, k.ShowCurl, k.Back},
			{k.Resend, k.Edit}},
	}
}

// resourceKeys act on the Users and Groups tables.
type resourceKeys struct {
	navKeys
	Open, Search, Clear key.Binding
}

func newResourceKeys() resourceKeys {
	return resourceKeys{
		navKeys: newNavKeys(),
		Open:    bind([]string{"enter"}, "enter", "open"),
		Search:  bind([]string{"/"}, "/", "search"),
		Clear:   bind([]string{"x"}, "x", "clear search"),
	}
}

func (k resourceKeys) keyMap() keyMap {
	return keyMap{
		short: []key.Binding{k.Open, k.Search, k.Down, k.Up},
		full:  [][]key.Binding{{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom}, {k.Open, k.Search, k.Clear}},
	}
}

// resourceDetailKeys act on an open user or group.
type resourceDetailKeys struct {
	navKeys
	Section, PrevSection, Open, Back key.Binding
}

func newResourceDetailKeys() resourceDetailKeys {
	return resourceDetailKeys{
		navKeys:     newNavKeys(),
		Section:     bind([]string{"right", "l"}, "→/l", "next section"),
		PrevSection: bind([]string{"left", "h"}, "←/h", "previous section"),
		Open:        bind([]string{"enter"}, "enter", "open member / request"),
		Back:        bind([]string{"esc", "backspace"}, "esc", "back to table"),
	}
}

func (k resourceDetailKeys) keyMap() keyMap {
	return keyMap{
		short: []key.Binding{k.Back, k.Section, k.Open, k.Down, k.Up},
		full:  [][]key.Binding{{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom}, {k.Section, k.PrevSection, k.Open, k.Back}},
	}
}

// walkthroughKeys act on the walkthrough checklist and the presenter view.
type walkthroughKeys struct {
	Up, Down, Okta, Entra, Presenter, Jump, Reset key.Binding
}

func newWalkthroughKeys() walkthroughKeys {
	return walkthroughKeys{
		Up:        bind([]string{"up", "k", "left", "h"}, "↑/k", "previous step"),
		Down:      bind([]string{"down", "j", "right", "l"}, "↓/j", "next step"),
		Okta:      bind([]string{"o"}, "o", "Okta walkthrough"),
		Entra:     bind([]string{"e"}, "e", "Entra walkthrough"),
		Presenter: bind([]string{"p"}, "p", "presenter view"),
		Jump:      bind([]string{"enter"}, "enter", "open the step's request"),
		Reset:     bind([]string{"R"}, "R", "restart the walkthrough"),
	}
}

func (k walkthroughKeys) keyMap() keyMap {
	return keyMap{
		short: []key.Binding{k.Okta, k.Entra, k.Presenter, k.Down, k.Up, k.Jump, k.Reset},
		full:  [][]key.Binding{{k.Up, k.Down, k.Jump}, {k.Okta, k.Entra, k.Presenter, k.Reset}},
	}
}

// helpKeys act while the help overlay is open: they scroll it, and ? or esc
// closes it. Tab switches keep it open.
type helpKeys struct {
	navKeys
	Close key.Binding
}

func newHelpKeys() helpKeys {
	return helpKeys{navKeys: newNavKeys(), Close: bind([]string{"?", "esc"}, "?/esc", "close help")}
}

func (k helpKeys) keyMap() keyMap {
	return keyMap{short: []key.Binding{k.Down, k.Up, k.PageDown, k.Close}, full: [][]key.Binding{{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom, k.Close}}}
}

// valueKeys act on a value shown to be copied by hand: any key closes it.
type valueKeys struct {
	Close key.Binding
}

func newValueKeys() valueKeys {
	return valueKeys{Close: bind([]string{"esc"}, "any key", "closes")}
}

func (k valueKeys) keyMap() keyMap {
	return keyMap{short: []key.Binding{k.Close}, full: [][]key.Binding{{k.Close}}}
}

// inputKeys act while a text field has focus.
type inputKeys struct {
	Accept, Cancel key.Binding
}

func newInputKeys() inputKeys {
	return inputKeys{
		Accept: bind([]string{"enter"}, "enter", "apply"),
		Cancel: bind([]string{"esc"}, "esc", "cancel"),
	}
}

func (k inputKeys) keyMap() keyMap {
	return keyMap{short: []key.Binding{k.Accept, k.Cancel}, full: [][]key.Binding{{k.Accept, k.Cancel}}}
}

// dialogKeys act on a confirmation dialog.
type dialogKeys struct {
	Yes, No key.Binding
}

func newDialogKeys() dialogKeys {
	return dialogKeys{
		Yes: bind([]string{"y", "Y"}, "y", "confirm"),
		No:  bind([]string{"n", "N", "esc"}, "n/esc", "cancel"),
	}
}

func (k dialogKeys) keyMap() keyMap {
	return keyMap{short: []key.Binding{k.Yes, k.No}, full: [][]key.Binding{{k.Yes, k.No}}}
}

// helpSection is one group of keys in the help overlay and in docs/keys.md.
type helpSection struct {
	// title heads the section in docs/keys.md; label, shorter, in the overlay.
	title, label string
	// intro explains the section in docs/keys.md; the overlay has no room for it.
	intro string
	keys  []key.Binding
	// tabs are the tabs the section belongs to; the overlay marks the active
	// tab's sections. Empty for the keys of every tab, fields and dialogs.
	tabs []tabID
}

// helpSections lists every key the console has, grouped by tab, in the order the
// help overlay and docs/keys.md show them.
func helpSections() []helpSection {
	return []helpSection{
		{title: "Everywhere", label: "Everywhere", keys: newGlobalKeys().full()},
		{title: "1 Connection", label: "1 Connection", tabs: []tabID{tabConnection}, keys: flatKeys(newConnectionKeys().keyMap()),
			intro: "What to paste into Okta or Entra, the tunnel, the token and the mode. `r` is offered while the tunnel is down (failed or reconnecting): it skips the wait before the next attempt. `F` is offered while an ngrok token is saved in scimlab's config file: it removes it, after asking, and stops a tunnel that ran on it."},
		{title: "2 Requests — list", label: "2 Requests", tabs: []tabID{tabRequests}, keys: flatKeys(newRequestKeys().keyMap()),
			intro: "Every request as it arrives. The list follows new requests until you scroll up; `G` or `end` follows again. `i` shows Okta's requests, then Entra's, then those of neither, then all again."},
		{title: "2 Requests — open request", label: "2 Requests — open request", tabs: []tabID{tabRequests}, keys: flatKeys(newInspectorKeys().keyMap()),
			intro: "Headers, bodies, the plain-English summary, why it failed, hints and quirk badges."},
		{title: "3 Users and 4 Groups — table", label: "3 Users · 4 Groups", tabs: []tabID{tabUsers, tabGroups}, keys: flatKeys(newResourceKeys().keyMap()),
			intro: "Tables update live as the IdP writes."},
		{title: "3 Users and 4 Groups — open user or group", label: "3 Users · 4 Groups — open one", tabs: []tabID{tabUsers, tabGroups}, keys: flatKeys(newResourceDetailKeys().keyMap()),
			intro: "Memberships, history (requests that touched it, newest first) and the SCIM JSON."},
		{title: "5 Walkthrough", label: "5 Walkthrough", tabs: []tabID{tabWalkthrough}, keys: flatKeys(newWalkthroughKeys().keyMap()),
			intro: "The guided checklist of the IdP's setup; steps tick as matching traffic arrives. The presenter view shows one step large, with each event narrated. `R` starts the checklist afresh for the next rehearsal."},
		{title: "6 Labs", label: "6 Labs", tabs: []tabID{tabLabs}, keys: flatKeys(newLabsKeys().keyMap()),
			intro: "Every lab, one database per rehearsal. Switching (or creating) restarts the server on the other lab in the same process: the address, the tunnel and its URL stay; each lab has its own users, log, walkthroughs and token (a new lab starts with the token served now). `e` and `b` export the selected lab as HAR or a support bundle, secrets removed, with a progress bar."},
		{title: "Send a request again", label: "Send again", tabs: []tabID{tabRequests}, keys: flatKeys(newResendKeys().keyMap()),
			intro: "`S` on an open request sends it again to this scimlab as recorded (writes ask first), `E` opens it in an editor first: the first line is the method and the path, then the headers, a blank line and the body. The answer is shown beside the recorded one, with what differs; the request is a real one, logged like any other."},
		{title: "Help", label: "Help (?)", keys: flatKeys(newHelpKeys().keyMap()),
			intro: "`?` lists every key, grouped by tab, starting at the tab you are on. Tab switches keep it open."},
		{title: "Text fields", label: "Text fields", keys: flatKeys(newInputKeys().keyMap())},
		{title: "Confirmation dialogs", label: "Dialogs", keys: flatKeys(newDialogKeys().keyMap()),
			intro: "Rotating the token, switching the mode, forgetting the ngrok token, restarting a walkthrough, switching, creating, resetting and deleting labs, and sending a write request again ask first."},
	}
}

// flatKeys lists a key map's bindings once each, in help order.
func flatKeys(k keyMap) []key.Binding {
	var out []key.Binding
	seen := map[string]bool{}
	for _, group := range k.full {
		for _, b := range group {
			id := strings.Join(b.Keys(), " ") + "|" + b.Help().Desc
			if !seen[id] {
				seen[id] = true
				out = append(out, b)
			}
		}
	}
	return out
}
