package app

import (
	"errors"
	"fmt"

	"github.com/scimlab/scimlab/tunnel"
)

// ErrNoSavedNgrokToken reports that there is no saved ngrok token to forget.
var ErrNoSavedNgrokToken = errors.New("no ngrok auth token is saved in scimlab's saved settings (config.json)")

// NgrokForgotten is what forgetting the saved ngrok token did.
type NgrokForgotten struct {
	// TunnelStopped tells that the ngrok tunnel ran on the saved token and was
	// replaced by no tunnel.
	TunnelStopped bool
	// StillSet names the token that still applies, tunnel.SourceFlag or
	// tunnel.SourceEnv: scimlab never stored it, so forgetting leaves it alone.
	// "" when none is set.
	StillSet string
}

// NgrokTokenSaved reports whether scimlab's config file holds an ngrok token.
func (a *App) NgrokTokenSaved() bool {
	a.urlMu.Lock()
	defer a.urlMu.Unlock()
	return a.tunnelCfg.NgrokAuthToken != ""
}

// ForgetNgrokToken removes the saved ngrok token from the config file (written
// again with mode 0600) and stops an ngrok tunnel that runs on it, which then
// reports local-only for that reason. A token from --ngrok-token or
// NGROK_AUTHTOKEN is not scimlab's to forget: a tunnel on it keeps running.
// Closing an ngrok tunnel can take a couple of seconds; call it off the UI
// goroutine.
func (a *App) ForgetNgrokToken() (NgrokForgotten, error) {
	a.urlMu.Lock()
	if a.tunnelCfg.NgrokAuthToken == "" {
		a.urlMu.Unlock()
		return NgrokForgotten{}, ErrNoSavedNgrokToken
	}
	cfg := a.tunnelCfg
	cfg.NgrokAuthToken = ""
	if err := tunnel.SaveConfig(a.tunnelPath, cfg); err != nil {
		a.urlMu.Unlock()
		return NgrokForgotten{}, fmt.Errorf("removing the ngrok auth token: %w", err)
	}
	a.tunnelCfg = cfg
	ranOnIt := a.ngrokSource == tunnel.SourceConfig
	if ranOnIt {
		a.ngrokSource = ""
	}
	a.urlMu.Unlock()

	_, still := tunnel.ResolveToken(a.opts.NgrokToken, a.getenv, tunnel.Config{})
	res := NgrokForgotten{StillSet: still}
	if !ranOnIt || a.tunnel.Status().Mode != tunnel.ModeNgrok {
		return res, nil
	}
	var next tunnel.Tunnel = tunnel.NewLocalOnly(tunnel.ReasonTokenForgotten)
	if a.opts.TunnelMode == "loopback" {
		// This run was asked for the loopback stand-in before the token was saved.
		next = tunnel.Select(a.tunnelOptions("", ""))
	}
	res.TunnelStopped = true
	return res, a.tunnel.Replace(next)
}
