package tunnel

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/adrg/xdg"
)

// Config is scimlab's saved settings file. It holds a secret (the ngrok
// token), so it is written with mode 0600 in a 0700 directory.
type Config struct {
	// NgrokAuthToken is the token saved from the console.
	NgrokAuthToken string `json:"ngrok_authtoken,omitempty"`
	// Domain is the last --domain, so the URL configured in the IdP
	// stays valid across restarts.
	Domain string `json:"domain,omitempty"`
	// LastPublicURL is the public URL of the previous run, to warn when
	// the IdP points at an old one.
	LastPublicURL string `json:"last_public_url,omitempty"`
}

// LogValue keeps the token out of logs.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("ngrok_authtoken", MaskToken(c.NgrokAuthToken)),
		slog.String("domain", c.Domain),
		slog.String("last_public_url", c.LastPublicURL),
	)
}

// DefaultConfigPath is $XDG_CONFIG_HOME/scimlab/config.json. Unlike
// xdg.ConfigFile it creates nothing.
func DefaultConfigPath() string {
	return filepath.Join(xdg.ConfigHome, "scimlab", "config.json")
}

// LoadConfig reads the config file. A missing file is an empty Config.
func LoadConfig(path string) (Config, error) {
	var c Config
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return c, nil
	}
	if err != nil {
		return c, fmt.Errorf("read config: %w", err)
	}
	if len(strings.TrimSpace(string(data))) == 0 {
		return c, nil
	}
	if err := json.Unmarshal(data, &c); err != nil {
		// The error text may quote the file, which holds the token.
		return Config{}, fmt.Errorf("saved settings %s are not valid JSON; fix or delete the file", path)
	}
	return c, nil
}

// SaveConfig writes cfg atomically (temp file and rename) with mode 0600,
// creating the directory with mode 0700.
func SaveConfig(path string, cfg Config) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("save config: %w", err)
	}
	data, err := json.MarshalIndent(cfg, "", "  ")
	if err != nil {
		return fmt.Errorf("save config: %w", err)
	}
	data = append(data, '\n')
	f, err := os.CreateTemp(dir, ".config-*.json")
	if err != nil {
		return fmt.Errorf("save config: %w", err)
	}
	tmp := f.Name()
	defer os.Remove(tmp) // no-op after a successful rename
	// CreateTemp already uses 0600; Chmod guards against an unusual umask
	// handling on other systems.
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return fmt.Errorf("save config: %w", err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("save config: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("save config: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("save config: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("save config: %w", err)
	}
	return nil
}

// Token sources reported by ResolveToken.
const (
	SourceFlag   = "--ngrok-token"
	SourceEnv    = "NGROK_AUTHTOKEN"
	SourceConfig = "scimlab's saved settings"
)

// ResolveToken picks the ngrok token: the --ngrok-token flag, then the
// NGROK_AUTHTOKEN variable, then the config file. source is "" when none
// is set.
func ResolveToken(flag string, getenv func(string) string, cfg Config) (token, source string) {
	if t := strings.TrimSpace(flag); t != "" {
		return t, SourceFlag
	}
	if getenv != nil {
		if t := strings.TrimSpace(getenv("NGROK_AUTHTOKEN")); t != "" {
			return t, SourceEnv
		}
	}
	if t := strings.TrimSpace(cfg.NgrokAuthToken); t != "" {
		return t, SourceConfig
	}
	return "", ""
}

// ResolveDomain picks the ngrok domain: the --domain flag, else the one
// remembered in the config file. remember is true when the flag gives a
// new domain that should be saved to cfg.Domain.
func ResolveDomain(flag string, cfg Config) (domain string, remember bool, err error) {
	if strings.TrimSpace(flag) != "" {
		d, err := NormalizeDomain(flag)
		if err != nil {
			return "", false, err
		}
		return d, d != cfg.Domain, nil
	}
	d, err := NormalizeDomain(cfg.Domain)
	if err != nil {
		return "", false, fmt.Errorf("domain in scimlab's saved settings: %w", err)
	}
	return d, false, nil
}

// URLChanged reports whether the public URL differs from the one of the
// previous run. The first run (no previous URL) is not a change.
func URLChanged(cfg Config, newURL string) (old string, changed bool) {
	old = cfg.LastPublicURL
	if old == "" || newURL == "" {
		return old, false
	}
	return old, canonicalURL(old) != canonicalURL(newURL)
}

func canonicalURL(u string) string {
	if n, err := NormalizePublicURL(u); err == nil {
		return n
	}
	return strings.TrimRight(strings.TrimSpace(u), "/")
}

// URLChangedWarning is the message shown when URLChanged reports a change.
func URLChangedWarning(old, newURL string) string {
	return fmt.Sprintf("The public URL changed: it was %s and is now %s. "+
		"Okta/Entra still point at the old URL: update the SCIM base URL "+
		"(Okta: app → Provisioning → Integration; Entra: enterprise app → Provisioning → Admin Credentials → Tenant URL) "+
		"to %s/scim/v2. Keep one URL across restarts: with ngrok, pass --domain with a reserved or free static domain; "+
		"with your own proxy or tunnel, give it a fixed name.",
		old, newURL, strings.TrimSuffix(strings.TrimRight(newURL, "/"), "/scim/v2"))
}

// MaskToken shows enough of a token to recognise it and nothing more.
func MaskToken(t string) string {
	t = strings.TrimSpace(t)
	switch {
	case t == "":
		return ""
	case len(t) < 16:
		return "****"
	default:
		return "****" + t[len(t)-4:]
	}
}
