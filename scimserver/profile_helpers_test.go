package scimserver

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/scimlab/scimlab/exchange"
	"github.com/scimlab/scimlab/idp"
	"github.com/scimlab/scimlab/profile"
	"github.com/scimlab/scimlab/store"
)

// profileEnv serves a profile over a real store, with the IdP classifier naming the
// sender of each request as the running app does.
func profileEnv(t *testing.T, p *profile.Profile) *testEnv {
	t.Helper()
	return newEnv(t, Config{Profile: p, SenderIdP: idp.NewClassifier().Sender})
}

// builtin loads a built-in profile.
func builtin(t *testing.T, name string) *profile.Profile {
	t.Helper()
	p, err := profile.Builtin(name)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// custom parses a profile file's text.
func custom(t *testing.T, text string) *profile.Profile {
	t.Helper()
	p, err := profile.Parse("test.yaml", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// logged stops recording (so the log is complete) and returns every recorded request,
// oldest first.
func logged(t *testing.T, e *testEnv) []*exchange.Record {
	t.Helper()
	e.srv.Close()
	recs, err := e.db.ListRequests(context.Background(), 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	slices.Reverse(recs)
	return recs
}

// effectsOf lists a record's effects as "kind detail" strings.
func effectsOf(r *exchange.Record) []string {
	var out []string
	for _, e := range r.Effects {
		out = append(out, strings.TrimSpace(string(e.Kind)+" "+e.Detail))
	}
	return out
}

// wantEffects checks the effects of the first recorded request matching method and
// path (path may be a prefix ending in "*"), after skip earlier matches.
func wantEffects(t *testing.T, recs []*exchange.Record, method, path string, skip int, want ...string) {
	t.Helper()
	for _, r := range recs {
		if r.Method != method || !(r.Path == path || strings.HasSuffix(path, "*") && strings.HasPrefix(r.Path, strings.TrimSuffix(path, "*"))) {
			continue
		}
		if skip > 0 {
			skip--
			continue
		}
		got := effectsOf(r)
		slices.Sort(got)
		w := slices.Clone(want)
		slices.Sort(w)
		if !slices.Equal(got, w) {
			t.Errorf("%s %s (#%d): effects %q, want %q", method, r.Path, r.Seq, got, w)
		}
		return
	}
	t.Errorf("no recorded %s %s", method, path)
}

// userCount is how many users the store holds.
func userCount(t *testing.T, e *testEnv) int {
	t.Helper()
	total, _, err := e.db.Search(context.Background(), store.Query{Kind: store.KindUser})
	if err != nil {
		t.Fatal(err)
	}
	return total
}

// seedGroup puts an app-side group with existing users (by userName) into the lab, as
// the app's own admin made it.
func seedGroup(t *testing.T, e *testEnv, name string, members ...string) string {
	t.Helper()
	res, err := e.db.Seed(context.Background(), nil, nil, []store.SeedGroup{{Doc: []byte(fmt.Sprintf(`{"displayName":%q}`, name)), Members: members}})
	if err != nil {
		t.Fatal(err)
	}
	return res.GroupIDs[name]
}

// seedUser puts an app-side user into the lab.
func seedUser(t *testing.T, e *testEnv, userName string) string {
	t.Helper()
	res, err := e.db.Seed(context.Background(), [][]byte{[]byte(fmt.Sprintf(`{"userName":%q,"active":true}`, userName))}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	return res.UserIDs[userName]
}
