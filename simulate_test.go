package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"strings"
	"testing"
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
		{[]string{"simulate", "entra", "--strict"}, errSimulationFailed, "capitalised"},
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
		{[]string{"simulate", "okta", "--users"}, errUsage, "needs a value"},
		{[]string{"simulate", "okta", "--bogus"}, errUsage, "flag provided but not defined"},
		{[]string{"simulate", "-h"}, flag.ErrHelp, "Exit status"},
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
