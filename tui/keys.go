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
	Next, Prev                       key.Binding
	Conn, Reqs, Users, Groups, Guide key.Binding
	Faults                           key.Binding
	Labs                             key.Binding
	Help, Quit, ForceQuit            key.Binding
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
		Faults:    bind([]string{"6"}, "6", "fault rules"),
		Labs:      bind([]string{"7"}, "7", "labs"),
		Help:      bind([]string{"?"}, "?", "toggle help"),
		Quit:      bind([]string{"q"}, "q", "quit"),
		ForceQuit: bind([]string{"ctrl+c"}, "ctrl+c", "quit"),
	}
}

func (g globalKeys) full() []key.Binding {
	return []key.Binding{g.Conn, g.Reqs, g.Users, g.Groups, g.Guide, g.Faults, g.Labs, g.Next, g.Prev, g.Help, g.Quit, g.ForceQuit}
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
	// Profile, Seed and Reset act on the lab: the app scimlab plays and what it holds.
	Profile, Seed, Reset key.Binding
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
		Profile:   bind([]string{"p"}, "p", "switch app profile"),
		Seed:      bind([]string{"S"}, "S", "seed from a file"),
		Reset:     bind([]string{"X"}, "X", "reset the lab"),
	}
}

func (k connectionKeys) keyMap() keyMap {
	return keyMap{
		// Retry is enabled only while the tunnel is down, and then it is the
		// first thing the admin needs, so it leads.
		short: []key.Binding{k.Retry, k.CopyURL, k.CopyToken, k.Reveal, k.Rotate, k.Mode, k.Profile, k.Ngrok, k.Forget},
		full:  [][]key.Binding{{k.CopyURL, k.CopyToken, k.Reveal}, {k.Rotate, k.Mode, k.Ngrok, k.Forget, k.Retry}, {k.Profile, k.Seed, k.Reset}},
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
	appActionKeys
}

// appActionKeys change a user or group as the app's own admin would.
type appActionKeys struct {
	Active, Delete key.Binding
}

func newAppActionKeys() appActionKeys {
	return appActionKeys{
		Active: bind([]string{"d"}, "d", "(de)activate in the app"),
		Delete: bind([]string{"D"}, "D", "delete in the app"),
	}
}

func newResourceKeys() resourceKeys {
	return resourceKeys{
		navKeys: newNavKeys(),
		Open:    bind([]string{"enter"}, "enter", "open"),
		Search:  bind([]string{"/"}, "/", "search"),
		Clear:   bind([]string{"x"}, "x", "clear search"),

		appActionKeys: newAppActionKeys(),
	}
}

func (k resourceKeys) keyMap() keyMap {
	return keyMap{
		short: []key.Binding{k.Open, k.Search, k.Active, k.Delete, k.Down, k.Up},
		full:  [][]key.Binding{{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom}, {k.Open, k.Search, k.Clear}, {k.Active, k.Delete}},
	}
}

// resourceDetailKeys act on an open user or group.
type resourceDetailKeys struct {
	navKeys
	Section, PrevSection, Open, Back key.Binding
	appActionKeys
}

func newResourceDetailKeys() resourceDetailKeys {
	return resourceDetailKeys{
		navKeys:     newNavKeys(),
		Section:     bind([]string{"right", "l"}, "→/l", "next section"),
		PrevSection: bind([]string{"left", "h"}, "←/h", "previous section"),
		Open:        bind([]string{"enter"}, "enter", "open member / request"),
		Back:        bind([]string{"esc", "backspace"}, "esc", "back to table"),

		appActionKeys: newAppActionKeys(),
	}
}

func (k resourceDetailKeys) keyMap() keyMap {
	return keyMap{
		short: []key.Binding{k.Back, k.Section, k.Open, k.Active, k.Delete, k.Down, k.Up},
		full:  [][]key.Binding{{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom}, {k.Section, k.PrevSection, k.Open, k.Back}, {k.Active, k.Delete}},
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

// demoKeys run a class demo from any tab: D opens the demo panel; the others act
// while a demo plays.
type demoKeys struct {
	Open, Next, Pause, Faster, Slower key.Binding
}

func newDemoKeys() demoKeys {
	return demoKeys{
		Open:   bind([]string{"M"}, "M", "demo: open the panel"),
		Next:   bind([]string{"."}, ".", "demo: next step/request"),
		Pause:  bind([]string{"P"}, "P", "demo: pause / resume"),
		Faster: bind([]string{"+", "="}, "+", "demo: faster"),
		Slower: bind([]string{"-"}, "-", "demo: slower"),
	}
}

func (k demoKeys) keyMap() keyMap {
	return keyMap{short: []key.Binding{k.Next, k.Pause, k.Open}, full: [][]key.Binding{{k.Open, k.Next, k.Pause, k.Faster, k.Slower}}}
}

// demoPanelKeys act while the demo panel is open; it takes every key.
type demoPanelKeys struct {
	Up, Down, Slower, Faster, Start, Stop, Close key.Binding
}

func newDemoPanelKeys() demoPanelKeys {
	return demoPanelKeys{
		Up:     bind([]string{"up", "k"}, "↑/k", "previous IdP"),
		Down:   bind([]string{"down", "j"}, "↓/j", "next IdP"),
		Slower: bind([]string{"left", "h", "-"}, "←", "slower pace"),
		Faster: bind([]string{"right", "l", "+", "="}, "→", "faster pace"),
		Start:  bind([]string{"enter"}, "enter", "start the demo"),
		Stop:   bind([]string{"s"}, "s", "stop the demo"),
		Close:  bind([]string{"esc", "M"}, "esc", "close the panel"),
	}
}

func (k demoPanelKeys) keyMap() keyMap {
	return keyMap{
		short: []key.Binding{k.Start, k.Down, k.Faster, k.Stop, k.Close},
		full:  [][]key.Binding{{k.Up, k.Down, k.Slower, k.Faster}, {k.Start, k.Stop, k.Close}},
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

// pickerKeys act on the list of app profiles.
type pickerKeys struct {
	Up, Down, Choose, Cancel key.Binding
}

func newPickerKeys() pickerKeys {
	return pickerKeys{
		Up:     bind([]string{"up", "k"}, "↑/k", "previous profile"),
		Down:   bind([]string{"down", "j"}, "↓/j", "next profile"),
		Choose: bind([]string{"enter"}, "enter", "switch to it (asks first)"),
		Cancel: bind([]string{"esc"}, "esc", "cancel"),
	}
}

func (k pickerKeys) keyMap() keyMap {
	return keyMap{short: []key.Binding{k.Down, k.Up, k.Choose, k.Cancel}, full: [][]key.Binding{{k.Up, k.Down, k.Choose, k.Cancel}}}
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
			intro: "What to paste into Okta or Entra, the tunnel, the token and the mode, and the lab: the app profile scimlab plays (`p`), seeding users and groups from a file (`S`), resetting for the next class (`X`). `r` is offered while the tunnel is down (failed or reconnecting): it skips the wait before the next attempt. `F` is offered while an ngrok token is saved in scimlab's saved settings (config.json): it removes it, after asking, and stops a tunnel that ran on it."},
		{title: "1 Connection — choosing a profile", label: "1 Connection — profiles", tabs: []tabID{tabConnection}, keys: flatKeys(newPickerKeys().keyMap()),
			intro: "`p` lists the built-in profiles and the custom one scimlab was started with; switching asks first."},
		{title: "2 Requests — list", label: "2 Requests", tabs: []tabID{tabRequests}, keys: flatKeys(newRequestKeys().keyMap()),
			intro: "Every request as it arrives. The list follows new requests until you scroll up; `G` or `end` follows again. `i` shows Okta's requests, then Entra's, then those of neither, then all again."},
		{title: "2 Requests — open request", label: "2 Requests — open request", tabs: []tabID{tabRequests}, keys: flatKeys(newInspectorKeys().keyMap()),
			intro: "Headers, bodies, the plain-English summary, why it failed, hints and quirk badges."},
		{title: "3 Users and 4 Groups — table", label: "3 Users · 4 Groups", tabs: []tabID{tabUsers, tabGroups}, keys: flatKeys(newResourceKeys().keyMap()),
			intro: "Tables update live as the IdP writes. Deleted users and groups stay, struck through, until the lab is reset. `d` and `D` act as the app's own admin would, not as the IdP: no SCIM request is sent, and each asks first. Groups have no active state in SCIM, so `d` applies to users."},
		{title: "3 Users and 4 Groups — open user or group", label: "3 Users · 4 Groups — open one", tabs: []tabID{tabUsers, tabGroups}, keys: flatKeys(newResourceDetailKeys().keyMap()),
			intro: "Memberships, history (requests that touched it, newest first) and the SCIM JSON."},
		{title: "5 Walkthrough", label: "5 Walkthrough", tabs: []tabID{tabWalkthrough}, keys: flatKeys(newWalkthroughKeys().keyMap()),
			intro: "The guided checklist of the IdP's setup; steps tick as matching traffic arrives. The presenter view shows one step large, with each event narrated. `R` starts the checklist afresh for the next rehearsal."},
		{title: "6 Faults", label: "6 Faults", tabs: []tabID{tabFaults}, keys: flatKeys(newFaultKeys().keyMap()),
			intro: "The fault rules in force, with how many requests each matched and made fail. `a` opens a field for a rule in the syntax of `--fault` (docs/faults.md), checked as you type; the tab bar counts the rules that are on."},
		{title: "7 Labs", label: "7 Labs", tabs: []tabID{tabLabs}, keys: flatKeys(newLabsKeys().keyMap()),
			intro: "Every lab, one database per rehearsal. Switching (or creating) restarts the server on the other lab in the same process: the address, the tunnel and its URL stay; each lab has its own users, log, walkthroughs, profile, fault rules and token (a new lab starts with the token served now). `e` and `b` export the selected lab as HAR or a support bundle, secrets removed, with a progress bar."},
		{title: "Send a request again", label: "Send again", tabs: []tabID{tabRequests}, keys: flatKeys(newResendKeys().keyMap()),
			intro: "`S` on an open request sends it again to this scimlab as recorded (writes ask first), `E` opens it in an editor first: the first line is the method and the path, then the headers, a blank line and the body. The answer is shown beside the recorded one, with what differs; the request is a real one, logged like any other."},
		{title: "Demo — on any tab", label: "Demo", keys: flatKeys(newDemoKeys().keyMap()),
			intro: "A class demo without a tenant: `M` opens the demo panel, where you pick Okta (App Integration Wizard or catalog app) or Entra (default or `aadOptscim062020`) and a pace, and start it. " +
				"It sends each request to this scimlab over HTTP exactly as that IdP does, so every tab, the walkthrough and the presenter view fill as with a real tenant; the IdP's walkthrough starts afresh. " +
				"The line above the footer says which step runs, what comes next and which key goes on. At the paces step by step and request by request, `.` plays the next step or sends the next request; " +
				"at a timed pace `P` pauses (then `.` sends one request at a time) and `.` skips the wait. At the end the line shows the simulator's verdict; `M` shows its report."},
		{title: "Demo — panel", label: "Demo panel (M)", keys: flatKeys(newDemoPanelKeys().keyMap()),
			intro: "`enter` starts the chosen demo, or starts it again from the beginning while one runs; `s` stops it. Paces: step by step, request by request, slow (a request every 2 s), normal (1/s), fast (4/s), fastest."},
		{title: "Help", label: "Help (?)", keys: flatKeys(newHelpKeys().keyMap()),
			intro: "`?` lists every key, grouped by tab, starting at the tab you are on. Tab switches keep it open."},
		{title: "Text fields", label: "Text fields", keys: flatKeys(newInputKeys().keyMap())},
		{title: "Confirmation dialogs", label: "Dialogs", keys: flatKeys(newDialogKeys().keyMap()),
			intro: "Rotating the token, switching the mode or the profile, forgetting the ngrok token, the app-side actions, restarting a walkthrough, removing every fault rule, switching, creating, resetting and deleting labs, and sending a write request again ask first."},
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
