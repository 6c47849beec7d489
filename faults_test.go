package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/scimlab/scimlab/exchange"
	"github.com/scimlab/scimlab/idp"
	"github.com/scimlab/scimlab/idp/sim"
)

// recordedWaits is the simulator's Sleep hook: it notes how long the simulated IdP
// would wait, and waits no time at all.
type recordedWaits struct {
	mu    sync.Mutex
	waits []time.Duration
}

func (r *recordedWaits) sleep(_ context.Context, d time.Duration) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.waits = append(r.waits, d)
	return nil
}

// The rehearsal of Okta's 429 handling, end to end: a scimlab with a 429 rule, and the
// simulated Okta against it, which waits Retry-After (1 s, then doubled) and succeeds
// on the third attempt; the log marks the two injected answers and says what Okta does.
func TestSimulatedOktaRetriesThroughInjected429s(t *testing.T) {
	dbPath := filepath.Join(t.TempDir(), "scimlab.db")
	const rule = "POST /Users 429 retry-after=1 times=2"
	base, token, stdout, stop := startServe(t, []string{"--listen", "127.0.0.1:0", "--db", dbPath, "--no-tunnel", "--fault", rule}, noEnv)
	if !strings.Contains(stdout.String(), "Faults         1 fault rule makes matching requests fail on purpose (fault seed 1):\n                   "+rule+"\n") {
		t.Errorf("the banner does not list the rule:\n%s", stdout.String())
	}

	var w recordedWaits
	rep, err := sim.Run(context.Background(), sim.Config{IdP: exchange.Okta, Target: base, Token: token, Sleep: w.sleep}, nil)
	if err != nil || sim.ExitStatus(rep, err) != 0 {
		var out bytes.Buffer
		if rep != nil {
			rep.WriteText(&out, false)
		}
		t.Fatalf("the simulated Okta did not pass: %v\n%s", err, out.String())
	}
	if want := []time.Duration{time.Second, 2 * time.Second}; !slices.Equal(w.waits, want) {
		t.Errorf("Okta waited %v, want %v (Retry-After: 1, doubled)", w.waits, want)
	}
	var attempts []int
	for _, step := range rep.Steps {
		for _, o := range step.Outcomes {
			for _, ex := range o.Exchanges {
				if ex.Method == "POST" && strings.HasSuffix(ex.URL, "/Users") {
					attempts = append(attempts, ex.Status)
				}
			}
		}
	}
	if len(attempts) < 3 || !slices.Equal(attempts[:3], []int{429, 429, 201}) {
		t.Errorf("the creates were answered %v, want 429, 429, then 201", attempts)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}

	out, _, err := runLogCmd(t, "--db", dbPath, "--json", "--limit", "0")
	if err != nil {
		t.Fatal(err)
	}
	var injected int
	for _, rec := range jsonLines(t, out) {
		f, _ := rec["fault"].(map[string]any)
		if f == nil {
			continue
		}
		injected++
		if f["rule"] != rule || f["status"] != 429.0 || f["retryAfter"] != 1.0 || rec["idp"] != "okta" {
			t.Errorf("logged fault %v from %v", f, rec["idp"])
		}
		hints, _ := json.Marshal(rec["hints"])
		if !strings.Contains(string(hints), string(idp.HintFaultRateLimited)) || !strings.Contains(string(hints), "after 1 second, the Retry-After it was sent") {
			t.Errorf("the injected 429 lacks Okta's retry hint: %s", hints)
		}
	}
	if injected != 2 {
		t.Errorf("%d requests logged as injected, want 2", injected)
	}
	text, _, err := runLogCmd(t, "--db", dbPath, "--limit", "0")
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(text, "[injected fault]"); n != 2 {
		t.Errorf("scimlab log marks %d rows as injected, want 2:\n%s", n, text)
	}
	if !strings.Contains(text, `fault: the rule "`+rule+`" answered 429 with Retry-After: 1`) {
		t.Errorf("scimlab log does not say what the rule did:\n%s", text)
	}
}

// Rules given on the command line replace the saved ones and survive a restart;
// --no-faults clears them.
func TestFaultRulesAreKeptAcrossRestarts(t *testing.T) {
	dbPath := filepath.Join(t.TempDir(), "scimlab.db")
	args := []string{"--listen", "127.0.0.1:0", "--db", dbPath, "--no-tunnel"}

	base, token, _, stop := startServe(t, append(args, "--fault", "GET /Groups 503", "--fault", "post /scim/v2/Users drop"), noEnv)
	if status, _ := call(t, "GET", base+"/Groups", token, ""); status != 503 {
		t.Errorf("GET /Groups answered %d, want the injected 503", status)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}

	base, token, stdout, stop := startServe(t, args, noEnv)
	for _, want := range []string{"2 fault rules make", "GET /Groups 503\n", "POST /Users drop\n"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("after a restart the banner lacks %q:\n%s", want, stdout.String())
		}
	}
	if status, _ := call(t, "GET", base+"/Groups", token, ""); status != 503 {
		t.Errorf("after a restart GET /Groups answered %d, want the saved rule's 503", status)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}

	base, token, stdout, _ = startServe(t, append(args, "--no-faults"), noEnv)
	if strings.Contains(stdout.String(), "Faults") {
		t.Errorf("--no-faults still lists rules:\n%s", stdout.String())
	}
	if status, _ := call(t, "GET", base+"/Groups", token, ""); status != 200 {
		t.Errorf("with --no-faults GET /Groups answered %d", status)
	}
}

// A bad rule stops scimlab before it starts, naming the flag, the part and, for a
// file, the line.
func TestBadFaultRulesAreRefusedAtStart(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "faults.txt")
	if err := os.WriteFile(file, []byte("# Okta's 429 rehearsal\nPOST /Users 429 retry-after=30 times=2\nPATCH /groups/* 500\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--fault", "POST /Users 4299"}, `--fault: fault rule "POST /Users 4299": status "4299": a status has three digits`},
		{[]string{"--fault", "GET /Users delay=70"}, `option "delay=70": delay takes a duration with its unit, e.g. 70s`},
		{[]string{"--faults", file}, `--faults: ` + file + ` line 3: fault rule "PATCH /groups/* 500": path "/groups/*": SCIM endpoint names are case-sensitive: write /Groups/*`},
		{[]string{"--faults", filepath.Join(dir, "missing.txt")}, "--faults: open"},
		{[]string{"--no-faults", "--fault", "GET /Users 500"}, "cannot be combined"},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			db := filepath.Join(t.TempDir(), "scimlab.db")
			var stdout, stderr bytes.Buffer
			err := run(context.Background(), append([]string{"serve", "--listen", "127.0.0.1:0", "--no-tunnel", "--db", db}, tc.args...), noEnv, strings.NewReader(""), &stdout, &stderr)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
			if !errors.Is(err, errUsage) || stdout.Len() != 0 {
				t.Errorf("serve started, or the error %v is no usage error (exit 2): %q", err, stdout.String())
			}
		})
	}
}
