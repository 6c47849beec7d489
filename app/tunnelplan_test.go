package app

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/adrg/xdg"

	"github.com/scimlab/scimlab/tunnel"
)

// configIn points the XDG config directory at a fresh one holding config (none
// when ""), and returns the config file's path.
func configIn(t *testing.T, config string) string {
	t.Helper()
	t.Cleanup(xdg.Reload)
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	xdg.Reload()
	path := tunnel.DefaultConfigPath()
	if config != "" {
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(config), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return path
}

func TestPlanTunnel(t *testing.T) {
	const envToken, fileToken, flagToken = "env-token-0123456789abcd", "file-token-0123456789abcd", "flag-token-0123456789abcd"
	savedToken := `{"ngrok_authtoken":"` + fileToken + `","domain":"saved.ngrok-free.app"}`
	tests := []struct {
		name        string
		config      string
		env         map[string]string
		o           Options
		mode        string
		state       tunnel.State
		token       string
		source      string
		domain      string
		configError bool
	}{
		{"nothing: local only", "", nil, Options{}, tunnel.ModeLocalOnly, tunnel.Off, "", "", "", false},
		{"NGROK_AUTHTOKEN", "", map[string]string{"NGROK_AUTHTOKEN": envToken}, Options{}, tunnel.ModeNgrok, tunnel.Off, envToken, tunnel.SourceEnv, "", false},
		{"the flag beats the variable", "", map[string]string{"NGROK_AUTHTOKEN": envToken}, Options{NgrokToken: flagToken}, tunnel.ModeNgrok, tunnel.Off, flagToken, tunnel.SourceFlag, "", false},
		{"the config file, with its domain", savedToken, nil, Options{}, tunnel.ModeNgrok, tunnel.Off, fileToken, tunnel.SourceConfig, "saved.ngrok-free.app", false},
		{"--domain beats the saved one", savedToken, nil, Options{Domain: "new.ngrok-free.app"}, tunnel.ModeNgrok, tunnel.Off, fileToken, tunnel.SourceConfig, "new.ngrok-free.app", false},
		{"--no-tunnel with a token", savedToken, nil, Options{NoTunnel: true}, tunnel.ModeLocalOnly, tunnel.Off, fileToken, tunnel.SourceConfig, "saved.ngrok-free.app", false},
		{"--public-url", "", nil, Options{PublicURL: "https://scim.example.com/"}, tunnel.ModePublicURL, tunnel.Online, "", "", "", false},
		{"an unusable --public-url", "", nil, Options{PublicURL: "scim.example.com"}, tunnel.ModePublicURL, tunnel.Failed, "", "", "", false},
		{"a broken config file is passed over", "{not json", map[string]string{"NGROK_AUTHTOKEN": envToken}, Options{}, tunnel.ModeNgrok, tunnel.Off, envToken, tunnel.SourceEnv, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := configIn(t, tt.config)
			p := PlanTunnel(tt.o, func(k string) string { return tt.env[k] })
			if p.Status.Mode != tt.mode || p.Status.State != tt.state {
				t.Errorf("status %+v, want %s %s", p.Status, tt.mode, tt.state)
			}
			if p.NgrokToken != tt.token || p.TokenSource != tt.source || p.Domain != tt.domain {
				t.Errorf("token %q from %q, domain %q; want %q from %q, %q", p.NgrokToken, p.TokenSource, p.Domain, tt.token, tt.source, tt.domain)
			}
			if (p.ConfigErr != nil) != tt.configError || p.ConfigPath != path {
				t.Errorf("config %s: %v", p.ConfigPath, p.ConfigErr)
			}
			if p.DomainErr != nil {
				t.Errorf("domain error %v", p.DomainErr)
			}
		})
	}
	configIn(t, "")
	if p := PlanTunnel(Options{Domain: "https://x.ngrok.app/scim"}, func(string) string { return "" }); p.DomainErr == nil {
		t.Errorf("an unusable --domain planned without an error: %+v", p)
	}

	// Planning saves nothing: no config file appears, not even for a new --domain.
	path := configIn(t, "")
	PlanTunnel(Options{Domain: "new.ngrok-free.app", NgrokToken: flagToken}, func(string) string { return "" })
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("planning wrote the config file: %v", err)
	}
}
