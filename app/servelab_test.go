package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/scimlab/scimlab/app"
	"github.com/scimlab/scimlab/exchange"
	"github.com/scimlab/scimlab/idp/sim"
	"github.com/scimlab/scimlab/lab"
	"github.com/scimlab/scimlab/store"
)

// A lab imported from a bundle keeps its requests in its own request log's file, and
// serving it (the integrity check running beside the start) answers reads and writes
// at once: every imported user is listed, in pages too, and a new one is created and
// logged after the imported requests.
func TestServeAnImportedLab(t *testing.T) {
	dir := labHome(t)
	ctx := context.Background()
	a := startNamedLab(t, dir, "acme")
	if _, err := sim.Run(ctx, sim.Config{IdP: exchange.Okta, Target: a.LocalURL(), Token: a.Token()}, nil); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		createUser(t, a.LocalURL(), a.Token(), fmt.Sprintf("kept%d@example.com", i))
	}
	dest := t.TempDir() + "/acme.scimlab.zip"
	res, err := a.ExportLab(ctx, "", app.ExportBundle, dest, store.RequestFilter{}, "scimlab test", nil)
	if err != nil {
		t.Fatal(err)
	}
	a.Close()
	source := labCount(t, dir, "acme")

	imp, err := dir.Import(ctx, dest, "copy", lab.ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	in, err := store.Inspect(ctx, imp.Path)
	if err != nil {
		t.Fatal(err)
	}
	if in.LogInDatabase || !in.Log.Exists || in.Log.Path != store.LogPath(imp.Path) || in.Log.Requests != int64(res.Requests) || res.Requests == 0 {
		t.Fatalf("the imported lab's log: %+v (in the database: %v), want the %d exported requests in %s",
			in.Log, in.LogInDatabase, res.Requests, store.LogPath(imp.Path))
	}
	if in.Users != source.Users || source.Users < 3 {
		t.Fatalf("the imported lab holds %d users, the exported one %d", in.Users, source.Users)
	}

	b := startNamedLab(t, dir, "copy")
	var total int
	var names []string
	for start := 1; ; start += 2 {
		var page struct {
			TotalResults int
			Resources    []struct{ UserName string }
		}
		getJSON(t, fmt.Sprintf("%s/Users?startIndex=%d&count=2", b.LocalURL(), start), b.Token(), &page)
		total = page.TotalResults
		if len(page.Resources) == 0 {
			break
		}
		for _, r := range page.Resources {
			names = append(names, r.UserName)
		}
	}
	if total != int(source.Users) || len(names) != total || !strings.Contains(strings.Join(names, " "), "kept2@example.com") {
		t.Errorf("the served copy lists %d users (total %d): %v; want the %d exported", len(names), total, names, source.Users)
	}
	createUser(t, b.LocalURL(), b.Token(), "after-import@example.com")
	b.Close()
	if c := labCount(t, dir, "copy"); c.Users != source.Users+1 || c.Requests <= int64(res.Requests) {
		t.Errorf("after serving the copy: %+v; want %d users and more than the %d imported requests", c, source.Users+1, res.Requests)
	}
}

// Switching the console to a lab whose damage lies past its schema serves it at once,
// as a start does, and the integrity check running beside it stops the server with the
// explanation a refused start gives; nothing is written to the damaged file.
func TestSwitchToALabFoundDamagedStops(t *testing.T) {
	dir := labHome(t)
	ctx := context.Background()
	path, err := dir.Path("broken")
	if err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 300 {
		doc := fmt.Sprintf(`{"userName":"user%d@example.com","title":"%s"}`, i, strings.Repeat("x", 300))
		if err := db.CreateUser(ctx, &store.Resource{Doc: []byte(doc)}); err != nil {
			t.Fatal(err)
		}
	}
	// A stored token: the switch writes nothing, so only the check finds the damage.
	if err := db.SetBearerToken(ctx, "stored-token-0123456789abcdef"); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for i := len(data) / 2; i < len(data)/2+3*4096; i++ {
		data[i] = byte(i*7 + 13)
	}
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}

	a := startNamedLab(t, dir, "acme")
	if _, err := a.SwitchLab(ctx, "broken", false); err != nil {
		t.Fatalf("switching to a lab whose damage lies past its schema: %v", err)
	}
	select {
	case err := <-a.Done():
		if !errors.Is(err, store.ErrDamaged) || !strings.Contains(err.Error(), "the database file "+path+" is damaged") ||
			!strings.Contains(err.Error(), "mv "+path) {
			t.Fatalf("the server stopped with %v, want the damage explained", err)
		}
	case <-time.After(time.Minute):
		t.Fatal("the server went on serving a damaged lab")
	}
	a.Close()
	if after, err := os.ReadFile(path); err != nil || !bytes.Equal(data, after) {
		t.Errorf("the damaged file changed (%v)", err)
	}
}

// getJSON GETs url with the token and decodes the 200 answer into v.
func getJSON(t *testing.T, url, token string, v any) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d", url, resp.StatusCode)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
}
