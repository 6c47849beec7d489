package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/scimlab/scimlab/idp/sim"
)

// scimlab simulate plays against a throw-away scimlab when no --target is given: it
// passes in tolerant mode, fails (exit 1) in strict mode at the steps strict refuses,
// and leaves nothing behind.
func TestSimulateAgainstAThrowAwayServer(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	tests := []struct {
		args       []string
		wantErr    error
		wantStdout string
	}{
		{[]string{"simulate", "entra"}, nil, "PASSED: all 14 steps passed"},
		{[]string{"simulate", "okta", "--okta-flavour", "oin"}, nil, "PASSED"},
		{[]string{"simulate", "entra", "--strict"}, errSimulationFailed, "(quirk capitalised-op)"},
		{[]string{"simulate", "--json", "okta"}, nil, `"passed": true`},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := run(context.Background(), tc.args, noEnv, strings.NewReader(""), &stdout, &stderr)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("error %v, want %v\nstdout:\n%s\nstderr:\n%s", err, tc.wantErr, stdout.String(), stderr.String())
			}
			if !strings.Contains(stdout.String(), tc.wantStdout) {
				t.Errorf("stdout lacks %q:\n%s", tc.wantStdout, stdout.String())
			}
			if strings.Contains(stdout.String()+stderr.String(), "Bearer ") && !strings.Contains(stdout.String()+stderr.String(), "****") {
				t.Errorf("a token may be printed in full:\n%s", stdout.String())
			}
		})
	}
	var report map[string]any
	var stdout bytes.Buffer
	if err := run(context.Background(), []string{"simulate", "okta", "--json"}, noEnv, strings.NewReader(""), &stdout, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(stdout.Bytes(), &report); err != nil {
		t.Fatalf("--json is not one JSON document: %v\n%s", err, stdout.String())
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Errorf("the throw-away server left %d entries in the temporary directory", len(left))
	}
}

func TestSimulateUsage(t *testing.T) {
	tests := []struct {
		args       []string
		wantErr    error
		wantStderr string
	}{
		{[]string{"simulate"}, errUsage, "name the identity provider"},
		{[]string{"simulate", "azure"}, errUsage, `unknown identity provider "azure"`},
		{[]string{"simulate", "okta", "--token", "x"}, errUsage, "--token goes with --target"},
		{[]string{"simulate", "okta", "--target", "http://127.0.0.1:1/scim/v2", "--strict"}, errUsage, "--strict applies to the throw-away server"},
		{[]string{"simulate", "entra", "--okta-flavour", "oin"}, errUsage, "applies to okta only"},
		{[]string{"simulate", "okta", "--users"}, errUsage, "flag needs an argument: --users"},
		{[]string{"simulate", "okta", "--bogus"}, errUsage, "unknown flag: --bogus"},
		{[]string{"simulate", "okta", "entra"}, errUsage, `unexpected argument "entra"`},
		{[]string{"simulate", "-h"}, nil, ""},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := run(context.Background(), tc.args, noEnv, strings.NewReader(""), &stdout, &stderr)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("error %v, want %v\nstderr:\n%s", err, tc.wantErr, stderr.String())
			}
			checkStream(t, "stderr", stderr.String(), tc.wantStderr)
		})
	}
	var stdout bytes.Buffer
	if err := run(context.Background(), []string{"simulate", "--list-scenarios"}, noEnv, strings.NewReader(""), &stdout, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stdout.String(), "entra-compliant\n") {
		t.Errorf("--list-scenarios: %q", stdout.String())
	}
}

// simulate -h says everything needed to use it: what it does, the throw-away server,
// every flag, every built-in scenario, the exit statuses and the environment.
func TestSimulateHelp(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if err := run(context.Background(), []string{"simulate", "-h"}, noEnv, strings.NewReader(""), &stdout, &stderr); err != nil {
		t.Fatalf("simulate -h: %v", err)
	}
	checkStream(t, "stderr", stderr.String(), "")
	help := stdout.String()
	wants := []string{"scimlab simulate okta|entra", "throw-away scimlab", "EXAMPLES", "Exit status:",
		"0  every step passed", "1  a step failed", "2  usage error", "SCIMLAB_TOKEN", "NO_COLOR"}
	wants = append(wants, sim.Scenarios()...)
	for _, f := range []string{"target", "token", "okta-flavour", "entra-compliant", "scenario", "list-scenarios", "users", "groups",
		"members", "concurrency", "rate", "timeout", "json", "strict"} {
		wants = append(wants, "  --"+f+" ")
	}
	for _, w := range wants {
		if !strings.Contains(help, w) {
			t.Errorf("simulate -h lacks %q:\n%s", w, help)
		}
	}
}

// The throw-away server writes nothing outside its temporary directory, which it
// deletes: with HOME, the XDG directories and TMPDIR pointed at directories of their
// own, a run leaves them as they were (the config file untouched), and the exit
// statuses are 0, 1 and 2 as documented.
func TestSimulateLeavesTheUsersDirectoriesAlone(t *testing.T) {
	if testing.Short() {
		t.Skip("runs scimlab in processes of its own")
	}
	root := t.TempDir()
	dirs := map[string]string{}
	for _, v := range []string{"HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME", "TMPDIR"} {
		dirs[v] = filepath.Join(root, strings.ToLower(v))
		if err := os.MkdirAll(dirs[v], 0o700); err != nil {
			t.Fatal(err)
		}
	}
	config := filepath.Join(dirs["XDG_CONFIG_HOME"], "scimlab", "config.json")
	if err := os.MkdirAll(filepath.Dir(config), 0o700); err != nil {
		t.Fatal(err)
	}
	const configText = `{"ngrok_authtoken":"2abc_not-a-real-token","domain":"lab.example.ngrok.app"}`
	if err := os.WriteFile(config, []byte(configText), 0o600); err != nil {
		t.Fatal(err)
	}
	before := tree(t, root)
	for _, tc := range []struct {
		args []string
		exit int
	}{
		{[]string{"simulate", "okta"}, 0},
		{[]string{"simulate", "entra", "--strict", "--json"}, 1},
		{[]string{"simulate", "entra", "--users", "-1"}, 2},
	} {
		cmd := exec.Command(os.Args[0], tc.args...)
		cmd.Env = []string{"SCIMLAB_TEST_AS_MAIN=1", "PATH=" + os.Getenv("PATH")}
		for v, d := range dirs {
			cmd.Env = append(cmd.Env, v+"="+d)
		}
		out, err := cmd.CombinedOutput()
		code := 0
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			code = exit.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		if code != tc.exit {
			t.Errorf("scimlab %s: exit %d, want %d\n%s", strings.Join(tc.args, " "), code, tc.exit, out)
		}
	}
	if after := tree(t, root); !slices.Equal(after, before) {
		t.Errorf("the runs changed the user's directories:\nbefore %q\nafter  %q", before, after)
	}
	if got, _ := os.ReadFile(config); string(got) != configText {
		t.Errorf("the config file changed: %s", got)
	}
}

// tree lists every file and directory under root with its size, relative to root.
func tree(t *testing.T, root string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		out = append(out, fmt.Sprintf("%s %d", rel, info.Size()))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}
