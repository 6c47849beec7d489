package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scimlab/scimlab/app"
)

// A console started with --token serves that token, never the stored one: a token
// rotated there is stored but undone by the next start with the same command line.
// Rotating says so, and so does a start whose --token differs from the stored token.
func TestTokenOverrideIsExplained(t *testing.T) {
	useConfigDir(t)
	dbPath := filepath.Join(t.TempDir(), "scimlab.db")
	args := []string{"--db", dbPath, "--no-tunnel", "--listen", "127.0.0.1:0"}

	// First start: the database's token is generated and stored; no override.
	_, stored, out, stop := startServe(t, args, noEnv)
	stop()
	if strings.Contains(out.String(), "warning:") {
		t.Errorf("a plain start warns:\n%s", out)
	}

	// --token the same as the stored one: nothing to say.
	_, _, out, stop = startServe(t, append(args, "--token", stored), noEnv)
	stop()
	if strings.Contains(out.String(), "warning:") {
		t.Errorf("--token equal to the stored token warns:\n%s", out)
	}

	// --token differing from the stored one: the banner says the IdP's stored token fails.
	s := serveApp(t, appOptions(dbPath), envWith("SCIMLAB_TOKEN", "from-the-environment"))
	if warn := s.TokenWarning(); !strings.Contains(warn, "$SCIMLAB_TOKEN differs from the token stored") || !strings.Contains(warn, "Unset SCIMLAB_TOKEN") {
		t.Errorf("environment override warning %q", warn)
	}
	s.stop()
	_, _, out, stop = startServe(t, append(args, "--token", "from-the-flag"), noEnv)
	stop()
	for _, want := range []string{"warning: --token differs from the token stored in the database", "401 Unauthorized", "Start without --token"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("banner lacks %q:\n%s", want, out)
		}
	}

	// The console of a start with --token: before rotating it warns of the stored
	// token; after rotating, that the next start brings --token back.
	o := appOptions(dbPath)
	o.Token = "from-the-flag"
	c := serveApp(t, o, noEnv)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	deps := c.ConsoleDeps(ctx, c.log)
	if deps.TokenOverride != "--token" {
		t.Errorf("console token override %q", deps.TokenOverride)
	}
	screen, _ := renderConsole(t, deps)
	if !strings.Contains(screen, "--token differs from the token stored in the database") {
		t.Errorf("console does not warn of the stored token:\n%s", screen)
	}
	rotated, err := deps.RotateToken()
	if err != nil {
		t.Fatal(err)
	}
	if warn := deps.TokenWarning(); !strings.Contains(warn, "started with --token") || !strings.Contains(warn, "goes back to that token") {
		t.Errorf("after rotating: warning %q", warn)
	}
	if status, _ := call(t, "GET", c.LocalURL()+"/Users", rotated, ""); status != 200 {
		t.Errorf("the rotated token: %d", status)
	}
	c.stop()

	// What the warning announced: the same command line serves --token again, and the
	// banner says the stored (rotated) token differs.
	_, again, out, stop := startServe(t, append(args, "--token", "from-the-flag"), noEnv)
	stop()
	if again != "from-the-flag" || !strings.Contains(out.String(), "warning: --token differs from the token stored") {
		t.Errorf("restart after rotating: token %q\n%s", again, out)
	}
}

// appOptions are serve's defaults on the database at dbPath.
func appOptions(dbPath string) app.Options {
	return app.Options{DB: dbPath, NoTunnel: true}
}
