package tui

import (
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
)

// newModelWith is newTestModel over deps adjusted by edit.
func newModelWith(t *testing.T, td *testDeps, w, h int, edit func(*Deps)) Model {
	t.Helper()
	d := td.deps()
	edit(&d)
	m := New(d)
	m.sh.now = func() time.Time { return t0.Add(5 * time.Minute) }
	m = send(t, m, tea.WindowSizeMsg{Width: w, Height: h})
	m = send(t, m, subscribedMsg{cancel: func() {}})
	return m
}

func TestRotatingAnOverriddenTokenSaysTheNextStartUndoesIt(t *testing.T) {
	const before = "--token differs from the token stored in the database: an IdP given the stored one gets 401 Unauthorized."
	const after = "The new token is stored, but this run was started with --token: starting again goes back to it."
	var mu sync.Mutex
	warning := before
	td := newTestDeps(sampleEvents())
	m := newModelWith(t, td, 80, 24, func(d *Deps) {
		d.TokenOverride = "--token"
		d.TokenWarning = func() string {
			mu.Lock()
			defer mu.Unlock()
			return warning
		}
		rotate := d.RotateToken
		d.RotateToken = func() (string, error) {
			mu.Lock()
			warning = after
			mu.Unlock()
			return rotate()
		}
	})
	mustShow(t, m, "--token differs from the token stored", "SCIM base URL")

	m = press(t, m, "R")
	mustShow(t, m, "Rotate the bearer token?", "started with --token", "brings back that token")
	m = press(t, m, "y")
	if td.rotated != 1 {
		t.Fatalf("rotated %d times", td.rotated)
	}
	mustShow(t, m, "restarting with --token brings the old one back", "this run was started with --token")
	mustHide(t, m, "--token differs from the token stored")
}

// Without an override nothing is said about the next start.
func TestRotatingTheStoredTokenSaysNothingOfTheNextStart(t *testing.T) {
	td := newTestDeps(sampleEvents())
	m := newTestModel(t, td, 80, 24)
	m = press(t, m, "R")
	mustHide(t, m, "started with")
	m = press(t, m, "y")
	mustShow(t, m, "New token active; the old one stopped working")
	mustHide(t, m, "brings the old one back")
}
