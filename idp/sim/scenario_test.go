package sim

import (
	"strings"
	"testing"

	"github.com/scimlab/scimlab/exchange"
)

// TestBadScenariosAreRefusedWithFileAndLine: a scenario mistake is a usage error that
// names the file, the line and what is wrong.
func TestBadScenariosAreRefusedWithFileAndLine(t *testing.T) {
	tests := []struct {
		name, text string
		want       []string
	}{
		{"unknown field in a step", "idp: okta\nsteps:\n  - do: assign\n    user: alice\n    colour: red\n",
			[]string{"line 5", `unknown field "colour" in a step`}},
		{"unknown top-level field", "idp: okta\nflavor: aiw\nsteps:\n  - do: test-connection\n",
			[]string{"line 2", `unknown field "flavor" at the top of the scenario`}},
		{"unknown field in a user", "idp: okta\nusers:\n  - userName: a@b.c\n    mail: a@b.c\nsteps:\n  - do: test-connection\n",
			[]string{"line 4", `unknown field "mail" in a user`}},
		{"bad YAML", "idp: okta\nsteps:\n\t- do: test-connection\n",
			[]string{"line 3", "cannot start any token"}},
		{"unknown step kind", "idp: entra\nsteps:\n  - do: test-connection\n  - do: provision\n",
			[]string{"line 4", `unknown step kind "provision"`, "assign"}},
		{"a step of the other IdP", "idp: okta\nusers:\n  - userName: a@b.c\nsteps:\n  - do: delete-user\n    user: a\n",
			[]string{"line 5", "Okta never sends DELETE /Users"}},
		{"an unknown user", "idp: okta\nsteps:\n  - do: assign\n    user: carol\n",
			[]string{"line 3", `no user "carol"`}},
		{"a member who is not a user", "idp: okta\ngroups:\n  - name: G\n    members: [zed]\nsteps:\n  - do: push-group\n    group: G\n",
			[]string{"line 3", `member "zed"`}},
		{"no idp", "steps:\n  - do: test-connection\n", []string{"line 1", "idp is required"}},
		{"no steps", "idp: okta\n", []string{"no steps"}},
		{"update without set", "idp: okta\nusers:\n  - userName: a@b.c\nsteps:\n  - do: update-user\n    user: a\n",
			[]string{"line 5", `"set" belongs to update-user`}},
		{"a wrong type", "idp: okta\ngenerate:\n  users: many\nsteps:\n  - do: test-connection\n",
			[]string{"line 3", "cannot unmarshal"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file := writeScenario(t, "customer.yaml", tt.text)
			_, err := LoadScenario(file)
			if err == nil {
				t.Fatalf("the scenario was accepted")
			}
			if !IsUsageError(err) || ExitStatus(nil, err) != ExitUsage {
				t.Errorf("want a usage error (exit 2), got %T", err)
			}
			msg := err.Error()
			for _, w := range append([]string{"customer.yaml"}, tt.want...) {
				if !strings.Contains(msg, w) {
					t.Errorf("%q lacks %q", msg, w)
				}
			}
			if strings.Contains(msg, "\n") {
				t.Errorf("the message spans lines: %q", msg)
			}
		})
	}
}

// TestEmbeddedScenariosLoad keeps every shipped scenario valid and named as the
// defaults expect.
func TestEmbeddedScenariosLoad(t *testing.T) {
	want := []string{"bench", "bench-create", "entra", "entra-compliant", "entra-first-cycle", "entra-load", "okta-aiw", "okta-load", "okta-oin"}
	if got := strings.Join(Scenarios(), " "); got != strings.Join(want, " ") {
		t.Fatalf("Scenarios() = %s, want %s", got, strings.Join(want, " "))
	}
	for _, name := range []string{"bench", "bench-create", "entra-first-cycle"} {
		if sc, err := LoadScenario(name); err != nil || sc.Description == "" || sc.Generate.Users == 0 {
			t.Errorf("%s: want a load scenario with a description and a population: %v", name, err)
		}
	}
	for _, name := range []string{"entra", "entra-compliant", "entra-load", "okta-aiw", "okta-load", "okta-oin"} {
		sc, err := LoadScenario(name)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if sc.Description == "" || len(sc.Steps) < 5 || !strings.HasPrefix(name, string(sc.IdP)) {
			t.Errorf("%s: want an %s scenario with a description and a lifecycle of steps", name, sc.IdP)
		}
	}
}

// TestConfigValidate: usage mistakes come back as one clear line each.
func TestConfigValidate(t *testing.T) {
	good := Config{IdP: exchange.Okta, Target: "http://127.0.0.1:8080/scim/v2", Token: "t"}
	tests := []struct {
		name   string
		change func(*Config)
		want   string
	}{
		{"valid", func(*Config) {}, ""},
		{"no IdP", func(c *Config) { c.IdP = "" }, "okta or entra"},
		{"unknown IdP", func(c *Config) { c.IdP = "onelogin" }, `unknown identity provider "onelogin"`},
		{"no target", func(c *Config) { c.Target = "" }, "a target is required"},
		{"not a URL", func(c *Config) { c.Target = "127.0.0.1:8080" }, "is not an http(s) URL"},
		{"query in the target", func(c *Config) { c.Target += "?aadOptscim062020" }, "--entra-compliant"},
		{"no token", func(c *Config) { c.Token = " " }, "a token is required"},
		{"bad flavour", func(c *Config) { c.OktaFlavour = "saml" }, `unknown Okta flavour "saml"`},
		{"flavour for Entra", func(c *Config) { c.IdP = exchange.Entra; c.OktaFlavour = exchange.FlavourOIN }, "applies to okta only"},
		{"compliant for Okta", func(c *Config) { c.EntraCompliant = true }, "applies to entra only"},
		{"negative users", func(c *Config) { c.Users = -1 }, "--users must not be negative"},
		{"members above users", func(c *Config) { c.Users = 3; c.Members = 5 }, "more than --users"},
		{"too much concurrency", func(c *Config) { c.Concurrency = 10000 }, "--concurrency 10000"},
		{"negative rate", func(c *Config) { c.Rate = -2 }, "--rate"},
		{"scenario of the other IdP", func(c *Config) { c.Scenario = "entra" }, "written for entra, not okta"},
		{"flavour against the scenario", func(c *Config) { c.Scenario = "okta-aiw"; c.OktaFlavour = exchange.FlavourOIN }, "written for the aiw flavour"},
		{"no such scenario", func(c *Config) { c.Scenario = "okta-xyz" }, "embedded scenarios are"},
		{"no such file", func(c *Config) { c.Scenario = "/nonexistent/okta.yaml" }, "/nonexistent/okta.yaml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := good
			tt.change(&c)
			err := c.Validate()
			if tt.want == "" {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			if err == nil || !IsUsageError(err) || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("Validate() = %v, want a one-line usage error with %q", err, tt.want)
			}
		})
	}
}
