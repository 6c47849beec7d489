package app

import (
	"log/slog"

	"github.com/scimlab/scimlab/tunnel"
)

// TunnelPlan is the tunnel a start with some options would bring up, and where its
// settings come from, worked out the way Start does without starting, saving or
// dialling anything.
type TunnelPlan struct {
	// ConfigPath is scimlab's config file; ConfigErr why it could not be read (a
	// start then goes on without it).
	ConfigPath string
	ConfigErr  error
	// NgrokToken is the ngrok auth token the start would use, a secret to be shown
	// masked if at all; TokenSource where it comes from (tunnel.SourceFlag,
	// SourceEnv, SourceConfig), "" when there is none.
	NgrokToken, TokenSource string
	// Domain is the ngrok domain, from --domain or remembered in the config file;
	// DomainErr why it is unusable (a start then stops with that error).
	Domain    string
	DomainErr error
	// Status is what the chosen tunnel says before it starts: its Mode, and for a
	// tunnel that publishes nothing, the reason and what to do.
	Status tunnel.Status
}

// PlanTunnel works out the tunnel a start with o would bring up, reading the
// environment through getenv and the config file.
func PlanTunnel(o Options, getenv func(string) string) TunnelPlan {
	p := TunnelPlan{ConfigPath: tunnel.DefaultConfigPath()}
	cfg, err := tunnel.LoadConfig(p.ConfigPath)
	if err != nil {
		p.ConfigErr, cfg = err, tunnel.Config{}
	}
	p.NgrokToken, p.TokenSource = tunnel.ResolveToken(o.NgrokToken, getenv, cfg)
	p.Domain, _, p.DomainErr = tunnel.ResolveDomain(o.Domain, cfg)
	p.Status = tunnel.Select(tunnelOptions(o, p.Domain, p.NgrokToken, p.TokenSource, slog.New(slog.DiscardHandler))).Status()
	return p
}
