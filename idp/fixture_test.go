package idp

import (
	"flag"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/scimlab/scimlab/exchange"

	"github.com/scimlab/scimlab/idp/fixture"
)

var update = flag.Bool("update", false, "rewrite the golden summary files under testdata/")

var t0 = time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)

const simToken = "fixture-token-0123456789"

// replayed is one fixture line after replay.
type replayed struct {
	req fixture.Request
	ex  *exchange.Record
	a   exchange.Annotation
}

// replay sends every request of a fixture through the simulated server, the classifier
// and the walkthrough, one second apart.
func replay(t testing.TB, file string, c *Classifier, w *Walkthrough) []replayed {
	t.Helper()
	reqs, err := fixture.LoadFile(filepath.Join("testdata", file))
	if err != nil {
		t.Fatal(err)
	}
	ids := fixture.IDs{}
	s := newSim(simToken)
	var out []replayed
	for i, fr := range reqs {
		x, err := fr.Expanded(ids, simToken)
		if err != nil {
			t.Fatalf("%s line %d: %v", file, i+1, err)
		}
		h := http.Header{}
		for k, v := range x.Headers {
			h.Set(k, v)
		}
		status, resp, auth := s.serve(x.Method, x.Path, x.Query, h, x.Body)
		if err := ids.Bind(fr, resp); err != nil {
			t.Fatalf("%s line %d: %v", file, i+1, err)
		}
		h.Set("Authorization", redactAuth(h.Get("Authorization")))
		ex := &exchange.Record{Seq: int64(i + 1), Time: t0.Add(time.Duration(i) * time.Second), Method: x.Method, Path: x.Path,
			Query: x.Query, ReqHeaders: h, UserAgent: h.Get("User-Agent"), ReqBody: x.Body, Status: status, RespBody: resp, Auth: auth}
		a := c.Annotate(ex)
		ex.Annotation = a
		w.Observe(ex)
		out = append(out, replayed{req: fr, ex: ex, a: a})
	}
	return out
}

var fixtures = []struct {
	file string
	idp  exchange.IdP
}{
	{"okta-aiw.jsonl", exchange.Okta},
	{"okta-oin.jsonl", exchange.Okta},
	{"entra.jsonl", exchange.Entra},
	{"entra-aadoptscim062020.jsonl", exchange.Entra},
}

func TestFixtureLifecycles(t *testing.T) {
	for _, f := range fixtures {
		t.Run(f.file, func(t *testing.T) {
			c := NewClassifier()
			w := NewWalkthrough(f.idp)
			got := replay(t, f.file, c, w)
			var golden strings.Builder
			for i, r := range got {
				e := r.req.Expect
				line := fmt.Sprintf("line %d (%s)", i+1, r.req.Name)
				if want := e.Status; r.ex.Status != want && !(r.ex.Method == "PATCH" && (r.ex.Status == 200 || r.ex.Status == 204) && (want == 200 || want == 204)) {
					t.Errorf("%s: simulated status %d, fixture expects %d", line, r.ex.Status, want)
				}
				if string(r.a.IdP) != e.IdP {
					t.Errorf("%s: IdP %q, want %q", line, r.a.IdP, e.IdP)
				}
				if string(r.a.Step) != e.Step {
					t.Errorf("%s: step %q, want %q (summary %q)", line, r.a.Step, e.Step, r.a.Summary)
				}
				if e.Flavour != "" && string(r.a.Flavour) != e.Flavour {
					t.Errorf("%s: flavour %q, want %q", line, r.a.Flavour, e.Flavour)
				}
				if e.Subject != "" && r.a.Subject != e.Subject {
					t.Errorf("%s: subject %q, want %q", line, r.a.Subject, e.Subject)
				}
				if r.a.Failed {
					t.Errorf("%s: failed: %s", line, r.a.Summary)
				}
				for _, h := range r.a.Hints {
					if h.Severity != exchange.SeverityInfo {
						t.Errorf("%s: unexpected hint %s: %s", line, h.Cause, h.Text)
					}
				}
				if e.Subject != "" && !strings.Contains(r.a.Summary, e.Subject) {
					t.Errorf("%s: summary %q does not name %q", line, r.a.Summary, e.Subject)
				}
				fmt.Fprintf(&golden, "%-16s %s\n", r.a.Step, r.a.Summary)
			}
			for _, st := range w.Steps() {
				if st.Status != StatusDone {
					t.Errorf("walkthrough step %q is %s after the whole lifecycle", st.Title, st.Status)
				}
			}
			if done, total := w.Progress(); done != total {
				t.Errorf("progress %d/%d", done, total)
			}
			checkGolden(t, filepath.Join("testdata", strings.TrimSuffix(f.file, ".jsonl")+".summaries"), golden.String())
		})
	}
}

// checkGolden compares the summaries a fixture produces with the reviewed copy, so a
// change in wording is a visible diff rather than a silent one.
func checkGolden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./idp -run TestFixtureLifecycles -update)", err)
	}
	if string(want) != got {
		t.Errorf("summaries differ from %s (rerun with -update after review):\n--- want\n%s\n--- got\n%s", path, want, got)
	}
}

// TestFixturesSelected pins the exact wording of the summaries the design names.
func TestFixturesSelected(t *testing.T) {
	want := map[string][]string{
		"okta-aiw.jsonl": {
			"Okta test connection: passed",
			"Okta saved the provisioning settings and read the app's groups (0 groups)",
			"Okta looked up user alice@example.com: not found",
			"Okta created user alice@example.com",
			"Okta updated user alice@example.com (name.familyName, title)",
			"Okta pushed group Engineering (1 member)",
			"Okta: add bob@example.com to Engineering",
			"Okta: remove alice@example.com from Engineering",
			"Okta renamed group Engineering to Platform Engineering",
			"Okta deactivated user bob@example.com",
			"Okta reactivated user bob@example.com",
		},
		"okta-oin.jsonl": {
			"Okta synced the name of group Engineering (unchanged)",
			"Okta: add alice@example.com, bob@example.com to Engineering",
			"Okta: add alice@example.com, remove bob@example.com in Engineering",
			"Okta replaced the members of Engineering (2 members)",
			"Okta removed every member of Platform Engineering (pushed an empty group)",
			"Okta deactivated user bob@example.com",
		},
		"entra.jsonl": {
			"Entra test connection: passed",
			"Entra test connection (groups): passed",
			"Entra created user alice@example.com",
			"Entra created group Sales",
			"Entra: add alice@example.com, bob@example.com to Sales",
			"Entra updated user alice@example.com (emails[work].value, name.familyName, title, costCenter)",
			"Entra updated user alice@example.com (manager)",
			"Entra checked the manager reference of alice@example.com",
			"Entra: remove bob@example.com from Sales",
			"Entra renamed group Sales to Sales EMEA",
			"Entra deactivated user bob@example.com (unassigned, out of scope or sign-in blocked)",
			"Entra deleted user bob@example.com (hard delete)",
		},
		"entra-aadoptscim062020.jsonl": {
			"Entra updated user alice@example.com (displayName, employeeNumber, name.givenName)",
			"Entra: remove alice@example.com from Sales",
		},
	}
	for _, f := range fixtures {
		c := NewClassifier()
		got := map[string]bool{}
		for _, r := range replay(t, f.file, c, nil) {
			got[r.a.Summary] = true
		}
		for _, s := range want[f.file] {
			if !got[s] {
				t.Errorf("%s: no exchange summarised as %q", f.file, s)
			}
		}
	}
}
