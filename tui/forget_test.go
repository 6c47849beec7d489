package tui

import (
	"sync"
	"testing"
)

// forgetDeps gives the console a saved ngrok token that forgetting removes, with
// the result forgetting reports.
type forgetDeps struct {
	mu     sync.Mutex
	saved  bool
	calls  int
	result NgrokForgotten
}

func (f *forgetDeps) wire(d *Deps) {
	d.NgrokTokenSaved = func() bool {
		f.mu.Lock()
		defer f.mu.Unlock()
		return f.saved
	}
	d.ForgetNgrokToken = func() (NgrokForgotten, error) {
		f.mu.Lock()
		defer f.mu.Unlock()
		f.calls++
		f.saved = false
		return f.result, nil
	}
}

func TestForgetNgrokTokenAsksFirstAndSaysWhatItDid(t *testing.T) {
	tests := []struct {
		name   string
		result NgrokForgotten
		toast  string
	}{
		{"the tunnel ran on it", NgrokForgotten{TunnelStopped: true}, "ngrok token forgotten; the tunnel that ran on it is off"},
		{"the environment's token stays", NgrokForgotten{StillSet: "NGROK_AUTHTOKEN"}, "the tunnel keeps the one from NGROK_AUTHTOKEN"},
		{"nothing ran on it", NgrokForgotten{}, "Saved ngrok token forgotten"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &forgetDeps{saved: true, result: tt.result}
			m := newModelWith(t, newTestDeps(sampleEvents()), 200, 50, f.wire)
			mustShow(t, m, "F forget saved ngrok token")
			m = press(t, m, "F")
			mustShow(t, m, "Forget the saved ngrok token?", "NGROK_AUTHTOKEN", "not touched", "y forget it")
			m = press(t, m, "n")
			if f.calls != 0 {
				t.Fatal("n forgot the token")
			}
			m = press(t, m, "F", "y")
			if f.calls != 1 {
				t.Fatalf("forgot %d times", f.calls)
			}
			mustShow(t, m, tt.toast)
			// Nothing is saved any more: F is gone from the keys and does nothing.
			mustHide(t, m, "F forget saved ngrok token")
			m = press(t, m, "F")
			if m.dialog != nil {
				t.Error("F asked to forget a token that is not saved")
			}
		})
	}
}
