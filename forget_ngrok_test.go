package main

import (
	"context"
	"errors"
	"testing"

	"github.com/scimlab/scimlab/app"
	"github.com/scimlab/scimlab/tunnel"
)

// Forgetting the saved ngrok token from the console removes it from the config file
// and stops the tunnel that ran on it, which then says why it is local only.
func TestForgetSavedNgrokTokenStopsItsTunnel(t *testing.T) {
	cfgPath := useConfigDir(t)
	if err := tunnel.SaveConfig(cfgPath, tunnel.Config{NgrokAuthToken: ngrokTokenConfig, LastPublicURL: "https://kept.example.com"}); err != nil {
		t.Fatal(err)
	}
	a := serveApp(t, app.Options{NgrokConnectURL: closedAddr(t)}, noEnv)
	waitStatus(t, a.App, func(st tunnel.Status) bool { return st.Mode == tunnel.ModeNgrok && hasFailed(st) })
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	deps := a.ConsoleDeps(ctx, a.log)
	if !deps.NgrokTokenSaved() {
		t.Fatal("the console does not know a token is saved")
	}

	res, err := deps.ForgetNgrokToken()
	if err != nil {
		t.Fatal(err)
	}
	if !res.TunnelStopped || res.StillSet != "" {
		t.Errorf("result %+v, want the tunnel stopped and no other token", res)
	}
	cfg := loadConfig(t, cfgPath)
	if cfg.NgrokAuthToken != "" || cfg.LastPublicURL != "https://kept.example.com" {
		t.Errorf("config after forgetting: token kept %v, last URL %q", cfg.NgrokAuthToken != "", cfg.LastPublicURL)
	}
	if mode := fileMode(t, cfgPath); mode != 0o600 {
		t.Errorf("config file mode %v, want 0600", mode)
	}
	st := waitStatus(t, a.App, func(st tunnel.Status) bool { return st.Mode == tunnel.ModeLocalOnly })
	if st.State != tunnel.Off || st.Reason != tunnel.ReasonTokenForgotten {
		t.Errorf("status %+v, want local only because the token was forgotten", st)
	}
	waitOutput(t, a.stdout, "tunnel: local only: "+tunnel.ReasonTokenForgotten)
	if deps.NgrokTokenSaved() {
		t.Error("the console still sees a saved token")
	}
	if _, err := deps.ForgetNgrokToken(); !errors.Is(err, app.ErrNoSavedNgrokToken) {
		t.Errorf("forgetting twice: %v", err)
	}
	if status := serviceProviderConfig(t, a.LocalURL(), a.Token()); status != 200 {
		t.Fatalf("local server after forgetting: %d", status)
	}
	a.stop()
	mustNotLeak(t, ngrokTokenConfig, a.stdout, a.stderr)
}

// A token from NGROK_AUTHTOKEN or --ngrok-token is not scimlab's: forgetting the saved
// one leaves the tunnel running on it, and says so.
func TestForgetSavedNgrokTokenLeavesTheEnvironmentsToken(t *testing.T) {
	cfgPath := useConfigDir(t)
	if err := tunnel.SaveConfig(cfgPath, tunnel.Config{NgrokAuthToken: ngrokTokenConfig}); err != nil {
		t.Fatal(err)
	}
	d := newRefusingDialer(ngrokTokenEnv)
	a := serveApp(t, app.Options{NgrokDialer: d}, envWith("NGROK_AUTHTOKEN", ngrokTokenEnv))
	waitConnecting(t, a.App)
	res, err := a.ForgetNgrokToken()
	if err != nil {
		t.Fatal(err)
	}
	if res.TunnelStopped || res.StillSet != tunnel.SourceEnv {
		t.Errorf("result %+v, want the tunnel kept on %s", res, tunnel.SourceEnv)
	}
	if st := a.TunnelStatus(); st.Mode != tunnel.ModeNgrok {
		t.Errorf("status %+v, want ngrok still", st)
	}
	if loadConfig(t, cfgPath).NgrokAuthToken != "" {
		t.Error("the saved token is still in the config file")
	}
	d.letGo()

	// With --no-tunnel (and a token saved earlier) only the file changes.
	cfgPath = useConfigDir(t)
	if err := tunnel.SaveConfig(cfgPath, tunnel.Config{NgrokAuthToken: ngrokTokenConfig}); err != nil {
		t.Fatal(err)
	}
	b := serveApp(t, app.Options{NoTunnel: true}, noEnv)
	res, err = b.ForgetNgrokToken()
	if err != nil || res.TunnelStopped || res.StillSet != "" {
		t.Errorf("--no-tunnel: %+v, %v", res, err)
	}
	if st := b.TunnelStatus(); st.Reason != "the tunnel is turned off by --no-tunnel" {
		t.Errorf("--no-tunnel status changed: %+v", st)
	}
}
