package tui

import (
	tea "charm.land/bubbletea/v2"
)

// staleWhileSwitching tells the messages that carry what the old lab held, which may
// still arrive while the server switches labs: shown after the switch, they would mix
// the two labs.
func staleWhileSwitching(msg tea.Msg) bool {
	switch msg.(type) {
	case eventsMsg, requestsLoadedMsg, requestDetailMsg, resourcesLoadedMsg, resourceDetailMsg, walkthroughMsg, pendingMsg:
		return true
	}
	return false
}

// onLabSwitched starts the console over on the lab served now, after a switch, the
// creation of a lab or a reset of the one served: every tab is built afresh (the
// Deps follow the lab served), the subscription to the new server's events starts, and
// the tab shown stays.
func (m *Model) onLabSwitched(msg labSwitchedMsg) tea.Cmd {
	m.switching = false
	if msg.err != nil {
		m.labs.busy = ""
		what := "switch to the lab " + msg.res.Name
		if msg.reset {
			what = "reset the lab " + msg.res.Name
		}
		m.sh.log.Error("lab", "action", what, "err", msg.err)
		if !msg.reset {
			return tea.Batch(toastErr("Could not "+what+": "+msg.err.Error()), m.labs.refresh())
		}
		// A reset that failed half way serves the lab again all the same: start over.
	}
	if m.cancel != nil {
		m.cancel()
	}
	m.events, m.cancel = nil, nil
	m.resend = nil
	sh := m.sh
	sh.seen, sh.dropped, sh.pending = 0, 0, nil
	if sh.d.Strict != nil {
		sh.strict = sh.d.Strict()
	}
	// Each lab plays its own profile and fault rules.
	sh.profile = sh.profileNow()
	sh.readTokenWarning()
	active := m.active
	m.buildTabs()
	m.active = active
	m.unseen = 0
	m.resize()
	m.restyle()
	note := "Now serving the lab " + msg.res.Name + " at the same address and tunnel URL"
	switch {
	case msg.err != nil:
		note = "The lab " + msg.res.Name + " was only partly reset: " + msg.err.Error()
	case msg.reset:
		note = "The lab " + msg.res.Name + " was reset; its token is unchanged"
	case msg.res.Created:
		note = "Created the lab " + msg.res.Name + "; it serves the same token, so the IdP keeps working"
	case msg.res.TokenChanged:
		note += "; its token differs: give the IdP this lab's token (1 Connection, t copies it)"
	}
	t := toast(note)
	if msg.err != nil {
		t = toastErr(note)
	}
	return tea.Batch(t, m.subscribe(), m.walk.refresh(), m.faults.refresh(), m.sh.pollPending(m.sh.now()), m.labs.refresh())
}
