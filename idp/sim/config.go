package sim

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/scimlab/scimlab/exchange"
)

// Defaults for the zero values of Config.
const (
	// DefaultTimeout is how long Okta waits for an answer before it closes the socket
	// (reference §2.8); Entra's limit is undocumented, so the same value serves both.
	DefaultTimeout = 60 * time.Second
	// MaxConcurrency bounds Concurrency: beyond it a laptop measures its own scheduler.
	MaxConcurrency = 256
)

// Config says what to imitate, against which server, and how hard.
type Config struct {
	// IdP is exchange.Okta or exchange.Entra.
	IdP exchange.IdP
	// OktaFlavour picks Okta's app flavour; empty means the scenario's, else AIW.
	OktaFlavour exchange.Flavour
	// EntraCompliant sends the RFC-style shapes Entra sends when the Tenant URL carries
	// ?aadOptscim062020 (lowercase ops, boolean active, members[value eq ...] removal).
	EntraCompliant bool
	// Target is the server's SCIM base URL, ending in /scim/v2, as pasted into the IdP.
	Target string
	// Token is the bearer token. It is sent, never printed.
	Token string
	// Scenario is the name of an embedded scenario (see Scenarios) or the path of a
	// scenario file; empty picks the lifecycle matching IdP, flavour and compliance.
	Scenario string
	// Label, when not empty, is worked into every userName, Entra externalId and group
	// name the run sends (alice@example.com becomes alice.2@example.com, Engineering
	// becomes "Engineering 2"), so a scenario can be played again against a server that
	// still holds the users and groups of an earlier run. Letters, digits and "-" only.
	Label string
	// Users, Groups and Members grow the scenario's population: at least Users users,
	// Groups groups, and Members members in each group. Zero keeps the scenario's own.
	Users, Groups, Members int
	// Concurrency is how many users or groups one step works on at once; default 1.
	Concurrency int
	// Rate caps requests per second across all workers; zero is no cap.
	Rate float64
	// Timeout bounds each request; default DefaultTimeout.
	Timeout time.Duration
	// Sleep waits for d unless ctx ends first. Tests replace it so an Okta Retry-After of
	// five minutes costs nothing; nil waits on the real clock.
	Sleep func(ctx context.Context, d time.Duration) error
	// Client sends the requests; nil builds one transport sized for Concurrency.
	Client *http.Client
}

// UsageError is a mistake in how the simulation was asked for: a bad option or
// scenario. A command line answers it with exit status 2.
type UsageError struct{ msg string }

func (e *UsageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &UsageError{msg: fmt.Sprintf(format, args...)}
}

// IsUsageError reports whether err, or an error it wraps, is a UsageError.
func IsUsageError(err error) bool {
	var u *UsageError
	return errors.As(err, &u)
}

// Validate checks the options and loads the scenario, and says in one line what is
// wrong. Every error it returns is a *UsageError.
func (c Config) Validate() error {
	_, err := c.resolve()
	return err
}

// resolved is a validated Config with its defaults and scenario filled in.
type resolved struct {
	Config
	scenario *Scenario
	flavour  exchange.Flavour
	base     *url.URL
}

func (c Config) resolve() (*resolved, error) {
	switch c.IdP {
	case exchange.Okta, exchange.Entra:
	case "":
		return nil, usagef("name the identity provider to imitate: okta or entra")
	default:
		return nil, usagef("unknown identity provider %q: use okta or entra", string(c.IdP))
	}
	switch c.OktaFlavour {
	case "", exchange.FlavourAIW, exchange.FlavourOIN:
	default:
		return nil, usagef("unknown Okta flavour %q: use aiw (App Integration Wizard) or oin (catalog / template app)", string(c.OktaFlavour))
	}
	if c.OktaFlavour != "" && c.IdP != exchange.Okta {
		return nil, usagef("--okta-flavour applies to okta only")
	}
	if c.EntraCompliant && c.IdP != exchange.Entra {
		return nil, usagef("--entra-compliant applies to entra only")
	}
	base, err := parseTarget(c.Target)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(c.Token) == "" {
		return nil, usagef("a token is required: the bearer token the server expects")
	}
	for _, n := range []struct {
		name string
		v    int
	}{{"users", c.Users}, {"groups", c.Groups}, {"members", c.Members}, {"concurrency", c.Concurrency}} {
		if n.v < 0 {
			return nil, usagef("--%s must not be negative (got %d)", n.name, n.v)
		}
	}
	if c.Concurrency > MaxConcurrency {
		return nil, usagef("--concurrency %d is more than %d", c.Concurrency, MaxConcurrency)
	}
	if c.Members > 0 && c.Users > 0 && c.Members > c.Users {
		return nil, usagef("--members %d is more than --users %d: a group cannot hold more users than exist", c.Members, c.Users)
	}
	if !validLabel(c.Label) {
		return nil, usagef("label %q may hold only letters, digits and \"-\"", c.Label)
	}
	if c.Rate < 0 {
		return nil, usagef("--rate must not be negative (got %g)", c.Rate)
	}
	if c.Timeout < 0 {
		return nil, usagef("--timeout must not be negative")
	}
	sc, err := c.loadScenario()
	if err != nil {
		return nil, err
	}
	if sc.IdP != c.IdP {
		return nil, usagef("scenario %s is written for %s, not %s", sc.Name, sc.IdP, c.IdP)
	}
	r := &resolved{Config: c, scenario: sc, base: base}
	if c.IdP == exchange.Okta {
		r.flavour = exchange.FlavourAIW
		switch {
		case c.OktaFlavour != "" && sc.Flavour != "" && c.OktaFlavour != sc.Flavour:
			return nil, usagef("scenario %s is written for the %s flavour, not %s: drop --okta-flavour or pick scenario okta-%s", sc.Name, sc.Flavour, c.OktaFlavour, c.OktaFlavour)
		case c.OktaFlavour != "":
			r.flavour = c.OktaFlavour
		case sc.Flavour != "":
			r.flavour = sc.Flavour
		}
	}
	r.EntraCompliant = c.EntraCompliant || sc.Compliant
	if r.Concurrency == 0 {
		r.Concurrency = 1
	}
	if r.Timeout == 0 {
		r.Timeout = DefaultTimeout
	}
	if r.Sleep == nil {
		r.Sleep = sleepContext
	}
	if r.Client == nil {
		r.Client = newClient(r.Concurrency)
	}
	return r, nil
}

func (c Config) loadScenario() (*Scenario, error) {
	name := c.Scenario
	if name == "" {
		name = string(c.IdP)
		switch {
		case c.IdP == exchange.Okta && c.OktaFlavour == exchange.FlavourOIN:
			name = "okta-oin"
		case c.IdP == exchange.Okta:
			name = "okta-aiw"
		case c.EntraCompliant:
			name = "entra-compliant"
		}
	}
	return LoadScenario(name)
}

// parseTarget accepts the base URL an admin pastes into the IdP. Both IdPs append
// /Users and /Groups to it, so a missing /scim/v2 is a mistake worth naming before a
// single request goes out.
func parseTarget(target string) (*url.URL, error) {
	if target == "" {
		return nil, usagef("a target is required: the server's SCIM base URL, e.g. http://127.0.0.1:8080/scim/v2")
	}
	u, err := url.Parse(target)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, usagef("target %q is not an http(s) URL such as http://127.0.0.1:8080/scim/v2", target)
	}
	if u.User != nil {
		return nil, usagef("target must not carry credentials; pass the token separately")
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, usagef("target %q must not carry a query or fragment; use --entra-compliant for ?aadOptscim062020", redactURL(u))
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = ""
	return u, nil
}

func redactURL(u *url.URL) string {
	c := *u
	c.RawQuery, c.Fragment, c.User = "", "", nil
	return c.String()
}

func sleepContext(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func validLabel(l string) bool {
	for _, r := range l {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
			return false
		}
	}
	return true
}
