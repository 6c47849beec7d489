package app_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/scimlab/scimlab/app"
	"github.com/scimlab/scimlab/fault"
	"github.com/scimlab/scimlab/scimserver"
)

func startWithFaults(t *testing.T, dbPath string, rules ...string) *app.App {
	t.Helper()
	a, err := app.Start(context.Background(), app.Options{
		Listen: "127.0.0.1:0", DB: dbPath, NoTunnel: true,
		MaxBody: scimserver.DefaultMaxBodyBytes, LogRetention: scimserver.DefaultLogRetention,
		Faults: rules, FaultSeed: fault.DefaultSeed,
	}, noEnv, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close)
	return a
}

func ruleTexts(es []fault.Entry) string {
	var out []string
	for _, e := range es {
		s := e.Rule.String()
		if !e.Enabled {
			s += " (off)"
		}
		out = append(out, s)
	}
	return strings.Join(out, "; ")
}

// What the console changes is saved at once: a restart brings back the same rules,
// on or off as they were left.
func TestConsoleFaultChangesSurviveARestart(t *testing.T) {
	dbPath := filepath.Join(t.TempDir(), "scimlab.db")
	a := startWithFaults(t, dbPath)
	ctx := context.Background()
	deps := a.ConsoleDeps(ctx, nil)
	if _, err := deps.AddFault("POST /users 500"); err == nil {
		t.Fatal("a bad rule was added")
	}
	first, err := deps.AddFault("post /Users 429 retry-after=30 times=2")
	if err != nil {
		t.Fatal(err)
	}
	second, err := deps.AddFault("PATCH /Groups/* 500 percent=50")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := deps.AddFault("GET /Users delay=70s"); err != nil {
		t.Fatal(err)
	}
	if err := deps.SetFaultEnabled(second.ID, false); err != nil {
		t.Fatal(err)
	}
	if err := deps.RemoveFault(first.ID); err != nil {
		t.Fatal(err)
	}
	const want = "PATCH /Groups/* 500 percent=50 (off); GET /Users delay=70s"
	if got := ruleTexts(deps.Faults()); got != want {
		t.Fatalf("rules %q, want %q", got, want)
	}
	a.Close()

	again := startWithFaults(t, dbPath)
	if got := ruleTexts(again.Faults()); got != want {
		t.Errorf("after a restart: %q, want %q", got, want)
	}
	if err := again.ConsoleDeps(ctx, nil).ClearFaults(); err != nil {
		t.Fatal(err)
	}
	again.Close()
	if got := ruleTexts(startWithFaults(t, dbPath).Faults()); got != "" {
		t.Errorf("cleared rules came back: %q", got)
	}
}

// idp= rules ask the classifier: a request that shows it is Entra's fails, Okta's
// passes, and a request without evidence is Entra's once Entra has been recognised.
func TestFaultRulesRecogniseTheIdP(t *testing.T) {
	dbPath := filepath.Join(t.TempDir(), "scimlab.db")
	a := startWithFaults(t, dbPath, "* * 503 idp=entra")
	base := a.LocalURL()
	send := func(method, path, ua string) int {
		req, _ := http.NewRequest(method, base+path, nil)
		req.Header.Set("Authorization", "Bearer "+a.Token())
		req.Header.Set("User-Agent", ua)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	if got := send("GET", "/Users?startIndex=1&count=2", "Okta SCIM Client 1.0.0"); got != 200 {
		t.Errorf("Okta's test connection: %d, want 200", got)
	}
	if got := send("DELETE", "/Users/does-not-exist", ""); got != 404 {
		t.Errorf("a bare DELETE before Entra was seen: %d, want the server's 404", got)
	}
	if got := send("GET", `/Users?filter=userName+eq+%22`+"7d420df3-9995-4831-a406-ecf8166f5f6a"+`%22`, ""); got != 503 {
		t.Errorf("Entra's test connection: %d, want the injected 503", got)
	}
	// The classifier learns who sent the probe once the recorder has annotated it.
	events, cancel := a.Subscribe(16)
	defer cancel()
	deadline := time.After(10 * time.Second)
	for seen := false; !seen; {
		if got := send("DELETE", "/Users/does-not-exist", ""); got == 503 {
			seen = true
			break
		}
		select {
		case <-events:
		case <-deadline:
			t.Fatal("a bare DELETE never counted as Entra's after Entra's probe")
		}
	}
	entries := a.Faults()
	if len(entries) != 1 || entries[0].Fired < 2 {
		t.Errorf("counters %+v", entries)
	}
}

// Closing the app ends the requests a delay holds; it does not wait the delay out.
func TestCloseEndsHeldRequests(t *testing.T) {
	a := startWithFaults(t, filepath.Join(t.TempDir(), "scimlab.db"), "GET /Groups delay=10m")
	answered := make(chan int, 1)
	go func() {
		req, _ := http.NewRequest("GET", a.LocalURL()+"/Groups", nil)
		req.Header.Set("Authorization", "Bearer "+a.Token())
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			answered <- 0
			return
		}
		res.Body.Close()
		answered <- res.StatusCode
	}()
	for deadline := time.Now().Add(10 * time.Second); a.Faults()[0].Fired == 0; {
		if time.Now().After(deadline) {
			t.Fatal("the request never reached the fault layer")
		}
		time.Sleep(time.Millisecond)
	}
	closed := make(chan struct{})
	go func() { a.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(time.Minute):
		t.Fatal("Close waited for the injected delay")
	}
	if got := <-answered; got != http.StatusServiceUnavailable {
		t.Errorf("the held request got %d, want 503", got)
	}
}
