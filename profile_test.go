package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// serve plays the profile it is given and seeds the lab, says so in its banner, and
// scimlab log shows what the profile did to each request as badges and sentences.
func TestServeWithProfileAndSeed(t *testing.T) {
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "scimlab.db")
	profilePath := filepath.Join(dir, "school.yaml")
	seedPath := filepath.Join(dir, "class.csv")
	if err := os.WriteFile(profilePath, []byte("extends: thinglink\nname: school\nusers:\n  seatLimit: 2\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(seedPath, []byte("userName,groups\nteacher@school.example,Art\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	base, token, stdout, stop := startServe(t, []string{"--listen", "127.0.0.1:0", "--db", dbPath, "--no-tunnel",
		"--profile", profilePath, "--seed", seedPath}, noEnv)
	// The banner ends with how to stop: everything it says comes before that line, the
	// profile's behaviours under its name.
	const stopLine = "Press Ctrl+C to stop."
	for i := 0; i < 200 && !strings.Contains(stdout.String(), stopLine); i++ {
		time.Sleep(10 * time.Millisecond)
	}
	banner := stdout.String()
	end := strings.Index(banner, stopLine)
	if end < 0 {
		t.Fatalf("banner lacks %q:\n%s", stopLine, banner)
	}
	prev := 0
	for _, want := range []string{
		"Profile        school — ThingLink (" + profilePath + ")",
		"· DELETE /Users keeps the user, inactive",
		"· seat limit 2 users (then 403)",
		"Database",
		"Seed           seeded 1 user, 1 new group, 1 membership",
	} {
		at := strings.Index(banner, want)
		switch {
		case at < 0:
			t.Errorf("banner lacks %q:\n%s", want, banner)
		case at < prev || at > end:
			t.Errorf("banner says %q out of place (after %q, or after the line on how to stop):\n%s", want, banner[:prev], banner)
		default:
			prev = at
		}
	}
	bearer := "Bearer " + token
	st, body := send(t, "POST", base+"/Users", oktaUA, bearer, `{"userName":"ann@school.example","title":"Teacher","active":true}`)
	if st != 201 {
		t.Fatalf("create: %d %s", st, body)
	}
	if st, body := send(t, "POST", base+"/Users", oktaUA, bearer, `{"userName":"ben@school.example","active":true}`); st != 403 {
		t.Fatalf("create past the seat limit: %d %s", st, body)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}

	out, _, err := runLogCmd(t, "--db", dbPath)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"[dropped title]", "[role Learner]", "[seat limit]",
		"school: the app does not store title, so it was dropped",
		"school: every seat is taken (limit 2), so the app created no account",
		"error: The app refused to create the account: every seat of its licence is taken (2 users; deactivated accounts keep theirs). Okta marks",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("scimlab log lacks %q:\n%s", want, out)
		}
	}
	out, _, err = runLogCmd(t, "--db", dbPath, "--json")
	if err != nil {
		t.Fatal(err)
	}
	recs := jsonLines(t, out)
	last := recs[len(recs)-1]
	effects, _ := last["effects"].([]any)
	if last["profile"] != "school" || len(effects) == 0 {
		t.Fatalf("JSON record %v", last)
	}
	first := effects[len(effects)-1].(map[string]any)
	if first["kind"] != "seat-limit" || first["detail"] != "2" || first["badge"] != "seat limit" || !strings.HasPrefix(first["sentence"].(string), "every seat is taken") {
		t.Errorf("JSON effect %v", first)
	}
	// What the app's admin did is listed apart from the requests.
	out, _, err = runLogCmd(t, "--db", dbPath, "--app-actions")
	if err != nil || !strings.Contains(out, "seed") || !strings.Contains(out, "seeded 1 user, 1 new group, 1 membership") || strings.Contains(out, "POST") {
		t.Errorf("app actions: %v\n%s", err, out)
	}
	out, _, err = runLogCmd(t, "--db", dbPath, "--app-actions", "--json")
	if recs := jsonLines(t, out); err != nil || len(recs) != 1 || recs[0]["action"] != "seed" || recs[0]["name"] != "class.csv" {
		t.Errorf("app actions as JSON: %v %v", err, recs)
	}
	if _, _, err := runLogCmd(t, "--db", dbPath, "--app-actions", "--follow"); err == nil {
		t.Error("--app-actions --follow was accepted")
	}

	// The profile is kept: a restart without --profile plays school again.
	_, _, stdout, _ = startServe(t, []string{"--listen", "127.0.0.1:0", "--db", dbPath, "--no-tunnel"}, noEnv)
	if !strings.Contains(stdout.String(), "Profile        school — ThingLink") {
		t.Errorf("restart banner:\n%s", stdout.String())
	}
}

// A bad profile file stops serve before anything starts, naming the file, line and knob.
func TestServeRefusesBadProfile(t *testing.T) {
	dir := t.TempDir()
	profilePath := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(profilePath, []byte("groups:\n  unknownMembers: ignore\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr lockedBuffer
	err := run(t.Context(), []string{"serve", "--listen", "127.0.0.1:0", "--db", filepath.Join(dir, "db", "scimlab.db"), "--no-tunnel", "--profile", profilePath},
		noEnv, strings.NewReader(""), &stdout, &stderr)
	if err == nil || err.Error() != "profile "+profilePath+`: line 2: groups.unknownMembers: must be reject or skip, not "ignore"` {
		t.Fatalf("error %v", err)
	}
	if _, statErr := os.Stat(filepath.Join(dir, "db")); statErr == nil {
		t.Error("the database directory was created")
	}
}
