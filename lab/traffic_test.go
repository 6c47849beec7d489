package lab

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scimlab/scimlab/exchange"
	"github.com/scimlab/scimlab/idp"
	"github.com/scimlab/scimlab/idp/fixture"
	"github.com/scimlab/scimlab/scimserver"
	"github.com/scimlab/scimlab/store"
)

const trafficToken = "lab-test-token-0123456789abcdef"

// recordFixtures plays IdP lifecycles (files of idp/testdata) against a real SCIM server
// over the lab at path, with the classifier annotating and the walkthroughs ticking as
// scimlab's app does, and saves the walkthroughs' progress where the app keeps it. The
// lifecycles provision the same people, so each file after the first gets its own
// domain (example.net, example.org, ...).
func recordFixtures(t *testing.T, path string, files ...string) {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.SetBearerToken(ctx, trafficToken); err != nil {
		t.Fatal(err)
	}
	classifier := idp.NewClassifier()
	walks := map[exchange.IdP]*idp.Walkthrough{exchange.Okta: idp.NewWalkthrough(exchange.Okta), exchange.Entra: idp.NewWalkthrough(exchange.Entra)}
	srv := scimserver.New(scimserver.Config{Token: trafficToken, Annotate: func(rec *exchange.Record) exchange.Annotation {
		rec.Annotation = classifier.Annotate(rec)
		for _, w := range walks {
			w.Observe(rec)
		}
		return rec.Annotation
	}}, db, nil)
	hs := httptest.NewServer(srv.Handler())
	domains := []string{"example.com", "example.net", "example.org", "example.edu"}
	for n, file := range files {
		lines, err := fixture.LoadFile(filepath.Join("..", "idp", "testdata", file))
		if err != nil {
			t.Fatal(err)
		}
		ids := fixture.IDs{}
		for i, line := range lines {
			line.Path = strings.ReplaceAll(line.Path, "example.com", domains[n])
			line.Query = strings.ReplaceAll(line.Query, "example.com", domains[n])
			line.Body = json.RawMessage(strings.ReplaceAll(string(line.Body), "example.com", domains[n]))
			x, err := line.Expanded(ids, trafficToken)
			if err != nil {
				t.Fatalf("%s line %d: %v", file, i+1, err)
			}
			hr, err := x.HTTPRequest(ctx, hs.URL)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := http.DefaultClient.Do(hr)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err := ids.Bind(line, body); err != nil {
				t.Fatalf("%s line %d: %v", file, i+1, err)
			}
		}
	}
	hs.Close()
	srv.Close()
	for p, w := range walks {
		b, err := json.Marshal(w)
		if err != nil {
			t.Fatal(err)
		}
		if err := db.SetSetting(ctx, WalkthroughSetting(p), string(b)); err != nil {
			t.Fatal(err)
		}
	}
}
