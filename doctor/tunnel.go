package doctor

import (
	"context"
	"strings"
	"time"

	"github.com/scimlab/scimlab/app"
	"github.com/scimlab/scimlab/tunnel"
)

// tunnelChecks report where the ngrok token comes from, which tunnel a start
// brings up and why, and whether ngrok's service can be reached from here.
func tunnelChecks(ctx context.Context, o Options) []Check {
	plan := app.PlanTunnel(o.App, o.Getenv)
	checks := []Check{tokenCheck(plan, o.App), tunnelModeCheck(plan, o.App)}
	svc := Check{Group: GroupTunnel, Name: "ngrok service", Status: OK}
	switch {
	case !ngrokMatters(plan, o.App):
		svc.Found = "not checked: this start does not use ngrok (" + notNgrokBecause(o.App) + ")"
	case o.NoNetwork:
		svc.Found = "not checked (--no-network)"
	default:
		start := time.Now()
		res := tunnel.Probe(ctx, o.Probe)
		svc = probeCheck(res, time.Since(start))
	}
	return append(checks, svc)
}

// ngrokMatters tells whether a start uses ngrok, or would with a token: only then
// is its service worth a connection.
func ngrokMatters(plan app.TunnelPlan, o app.Options) bool {
	switch plan.Status.Mode {
	case tunnel.ModeNgrok:
		return true
	case tunnel.ModeLocalOnly:
		return !o.NoTunnel
	}
	return false
}

func notNgrokBecause(o app.Options) string {
	switch {
	case o.NoTunnel && o.PublicURL != "":
		return "--no-tunnel with --public-url"
	case o.NoTunnel:
		return "--no-tunnel"
	case o.TunnelMode == "loopback":
		return "--tunnel loopback"
	}
	return "--public-url"
}

// tokenSource names where the ngrok token comes from, as the admin would look for it.
func tokenSource(source string) string {
	switch source {
	case tunnel.SourceFlag:
		return "--ngrok-token"
	case tunnel.SourceEnv:
		return "the NGROK_AUTHTOKEN variable"
	case tunnel.SourceConfig:
		return "scimlab's saved settings (config.json)"
	}
	return source
}

// tokenCheck says which ngrok token a start would use, never any of it.
func tokenCheck(plan app.TunnelPlan, o app.Options) Check {
	c := Check{Group: GroupTunnel, Name: "ngrok auth token", Status: OK}
	if plan.TokenSource == "" {
		c.Found = "none: not passed with --ngrok-token, not in NGROK_AUTHTOKEN, not in the saved settings (config.json)"
		return c
	}
	c.Found = "from " + tokenSource(plan.TokenSource)
	if plan.Status.Mode != tunnel.ModeNgrok {
		c.Notes = append(c.Notes, "not used by this start: "+notNgrokBecause(o)+" comes first")
	}
	return c
}

// tunnelModeCheck says which tunnel a start brings up and, when it publishes
// nothing, why and how to get a public URL.
func tunnelModeCheck(plan app.TunnelPlan, o app.Options) Check {
	c := Check{Group: GroupTunnel, Name: "tunnel", Status: OK}
	if o.TunnelMode != "" && o.TunnelMode != "loopback" {
		c.Status, c.Found = Fail, `--tunnel accepts only "loopback", not "`+o.TunnelMode+`": scimlab refuses to start`
		c.Fix = "drop --tunnel, or pass --tunnel loopback"
		return c
	}
	st := plan.Status
	if plan.DomainErr != nil {
		c.Status, c.Found = Fail, plan.DomainErr.Error()+": scimlab refuses to start"
		c.Fix = "pass a host name such as your-name.ngrok-free.app to --domain, or drop --domain"
		if strings.TrimSpace(o.Domain) == "" {
			c.Fix = "fix or remove \"domain\" in " + plan.ConfigPath + ", or pass --domain with a host name"
		}
		return c
	}
	switch st.Mode {
	case tunnel.ModeNgrok:
		c.Found = "ngrok, with the token from " + tokenSource(plan.TokenSource) + ", "
		switch {
		case strings.TrimSpace(o.Domain) != "":
			c.Found += "on " + plan.Domain + " (--domain; remembered for the next start)"
		case plan.Domain != "":
			c.Found += "on " + plan.Domain + " (remembered in the saved settings from an earlier --domain)"
		default:
			c.Found += "on the domain ngrok assigns"
		}
	case tunnel.ModeLocalOnly:
		c.Found = "local only: " + st.Reason
		if !o.NoTunnel {
			c.Status, c.Fix = Warn, st.Hint
		}
		if plan.TokenSource == "" && !o.NoTunnel {
			// The tunnel's reason names the ways to give a token, which the fix says.
			c.Found = "local only: there is no ngrok auth token, so Okta and Entra cannot reach this server"
		}
	case tunnel.ModePublicURL:
		if st.State != tunnel.Online {
			c.Status, c.Found, c.Fix = Fail, st.Reason+": scimlab refuses to start", st.Hint
			return c
		}
		c.Found = "your own tunnel or proxy at " + st.PublicURL + " (--public-url); scimlab does not check that it reaches this server"
		if st.Hint != "" {
			c.Status, c.Found = Warn, c.Found+"; "+st.Hint
			c.Fix = "pass the https:// URL your tunnel or proxy serves"
		}
	case tunnel.ModeLoopback:
		c.Found = "loopback: a second local port stands in for the tunnel, to try the tunnel path without ngrok; Okta and Entra cannot reach it"
	}
	return c
}

// probeCheck puts what the probe of ngrok's service found in words.
func probeCheck(res tunnel.ProbeResult, took time.Duration) Check {
	c := Check{Group: GroupTunnel, Name: "ngrok service", Status: OK}
	host := strings.TrimSuffix(res.Addr, ":443")
	switch {
	case res.Reachable && res.Failed == "":
		c.Found = "reachable: " + res.Addr + " answered in " + took.Round(time.Millisecond).String()
		if res.Region != "" {
			c.Found += " (region " + res.Region + ")"
		}
	case res.Reachable:
		c.Status, c.Found = Warn, res.Reason
		c.Fix = "start scimlab and read its tunnel line: it says whether the connection then works, and retries on its own"
	default:
		c.Status, c.Found = Warn, "unreachable: "+res.Reason
		c.Notes = append(c.Notes,
			"without ngrok scimlab runs local only: the console, serve, scimlab simulate and the Demo work on this machine, but Okta and Entra cannot reach it",
			"a tunnel of your own works instead (Cloudflare Tunnel, Tailscale Funnel, ssh -R, a reverse proxy): pass its https URL with --public-url")
		c.Fix = "check the internet connection, and that outbound connections to " + host + " on port 443 are allowed; then run scimlab doctor again"
		if res.Failed == tunnel.ProbeTLS {
			c.Fix = "a proxy or firewall intercepts HTTPS to " + host + ": let it through unchanged, or use a tunnel of your own with --public-url"
		}
	}
	return c
}
