package tui

import "charm.land/bubbles/v2/key"

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
		Help:      bind([]string{"?"}, "?", "toggle help"),
		Quit:      bind([]string{"q"}, "q", "quit"),
		ForceQuit: bind([]string{"ctrl+c"}, "ctrl+c", "quit"),
	}
}

func (g globalKeys) full() []key.Binding {
	return []key.Binding{g.Conn, g.Reqs, g.Users, g.Groups, g.Guide, g.Next, g.Prev, g.Help, g.Quit, g.ForceQuit}
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
	CopyURL, CopyToken, Reveal, Rotate, Mode, Ngrok, Retry key.Binding
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
		Retry:     bind([]string{"r"}, "r", "retry tunnel now"),
		Profile:   bind([]string{"p"}, "p", "switch app profile"),
		Seed:      bind([]string{"S"}, "S", "seed users and groups from a file"),
		Reset:     bind([]string{"X"}, "X", "reset the lab"),
	}
}

func (k connectionKeys) keyMap() keyMap {
	return keyMap{
		// Retry is enabled only while the tunnel is down, and then it is the
		// first thing the admin needs, so it leads.
		short: []key.Binding{k.Retry, k.CopyURL, k.CopyToken, k.Reveal, k.Rotate, k.Mode, k.Profile, k.Ngrok},
		full:  [][]key.Binding{{k.CopyURL, k.CopyToken, k.Reveal}, {k.Rotate, k.Mode, k.Ngrok, k.Retry}, {k.Profile, k.Seed, k.Reset}},
	}
}

// requestKeys act on the request list.
type requestKeys struct {
	navKeys
	Follow, Open, Back, Search, Method, Status, Resource, Clear, Curl key.Binding
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
		Clear:    bind([]string{"x"}, "x", "clear filters"),
		Curl:     bind([]string{"y"}, "y", "copy as curl"),
	}
}

func (k requestKeys) keyMap() keyMap {
	return keyMap{
		short: []key.Binding{k.Open, k.Follow, k.Search, k.Method, k.Status, k.Resource},
		full: [][]key.Binding{
			{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Follow},
			{k.Open, k.Curl},
			{k.Search, k.Method, k.Status, k.Resource, k.Clear},
		},
	}
}

// inspectorKeys act on an open request.
type inspectorKeys struct {
	navKeys
	Back, Curl, Prev, Next key.Binding
}

func newInspectorKeys() inspectorKeys {
	return inspectorKeys{
		navKeys: newNavKeys(),
		Back:    bind([]string{"esc", "backspace"}, "esc", "back to list"),
		Curl:    bind([]string{"y"}, "y", "copy as curl"),
		Prev:    bind([]string{"["}, "[", "previous request"),
		Next:    bind([]string{"]"}, "]", "next request"),
	}
}

func (k inspectorKeys) keyMap() keyMap {
	return keyMap{
		short: []key.Binding{k.Back, k.Down, k.Up, k.Prev, k.Next, k.Curl},
		full:  [][]key.Binding{{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom}, {k.Prev, k.Next, k.Curl, k.Back}},
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
		Active: bind([]string{"d"}, "d", "deactivate/reactivate user in the app"),
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
