package scimserver

import (
	"context"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scimlab/scimlab/store"
)

// Fuzz targets drive the whole handler stack with a real store and check the one
// promise that covers all input: a client mistake is never a 5xx.

func fuzzServer(f *testing.F) (*Server, string, string) {
	db, err := store.Open(context.Background(), filepath.Join(f.TempDir(), "fuzz.db"))
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { db.Close() })
	s := New(Config{Token: testToken}, db, nil)
	f.Cleanup(func() { s.Close() })
	user := &store.Resource{Kind: store.KindUser, Doc: []byte(`{"userName":"fuzz@example.com","emails":[{"value":"fuzz@example.com","type":"work"}]}`)}
	if err := db.CreateUser(context.Background(), user); err != nil {
		f.Fatal(err)
	}
	group := &store.Resource{Kind: store.KindGroup, Doc: []byte(`{"displayName":"Fuzzers"}`)}
	if err := db.CreateGroup(context.Background(), group, []store.Member{{UserID: user.ID}}); err != nil {
		f.Fatal(err)
	}
	return s, user.ID, group.ID
}

func serveFuzz(t *testing.T, s *Server, method, target, body string) {
	req := httptest.NewRequest(method, "http://scimlab.test/", strings.NewReader(body))
	req.URL.RawPath = ""
	u, err := url.Parse("http://scimlab.test" + target)
	if err != nil {
		return
	}
	req.URL = u
	req.RequestURI = u.RequestURI()
	req.Header.Set("Authorization", "Bearer "+testToken)
	req.Header.Set("Content-Type", "application/scim+json")
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, req)
	if rec.Code >= 500 {
		t.Fatalf("%s %s with body %q: status %d: %s", method, target, body, rec.Code, rec.Body.String())
	}
}

func FuzzResourceBodies(f *testing.F) {
	s, uid, gid := fuzzServer(f)
	for _, seed := range []string{
		`{"userName":"a@b","active":"False","emails":[{"value":"x","primary":"true"}]}`,
		`{"schemas":["urn:x"],"userName":"a","name":{"givenName":null},"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"manager":"x"}}`,
		`{"displayName":"g","members":[{"value":"` + uid + `"},{"value":null}]}`,
		`{"userName":1e400}`, `[]`, `{"userName":"\ud800"}`, `{"meta":{"version":"W/\"1\""},"id":"x","userName":"y"}`,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, body string) {
		serveFuzz(t, s, "POST", BasePath+"/Users", body)
		serveFuzz(t, s, "PUT", BasePath+"/Users/"+uid, body)
		serveFuzz(t, s, "POST", BasePath+"/Groups", body)
		serveFuzz(t, s, "PUT", BasePath+"/Groups/"+gid, body)
		serveFuzz(t, s, "POST", BasePath+"/.search", body)
	})
}

func FuzzPatchBodies(f *testing.F) {
	s, uid, gid := fuzzServer(f)
	for _, seed := range []string{
		`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"emails[type eq \"work\"].value","value":"n@x"}]}`,
		`{"Operations":[{"op":"Remove","path":"members","value":[{"$ref":null,"value":"` + uid + `"}]}]}`,
		`{"Operations":[{"op":"replace","value":{"name.givenName":"x","active":"True"}}]}`,
		`{"Operations":[{"op":"add","path":"members[value eq \"x\"].display","value":1}]}`,
		`{"Operations":null}`,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, body string) {
		serveFuzz(t, s, "PATCH", BasePath+"/Users/"+uid, body)
		serveFuzz(t, s, "PATCH", BasePath+"/Groups/"+gid, body)
	})
}

func FuzzListQueries(f *testing.F) {
	s, _, _ := fuzzServer(f)
	for _, seed := range []string{
		`filter=userName eq "a"&startIndex=-1&count=99999`,
		`filter=emails[type eq "work" and value co "x"] or not (title pr)&sortBy=name.familyName`,
		`filter=meta.lastModified gt "2024-01-01T00:00:00Z"&attributes=urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value`,
		`filter=members[value eq "x"]&excludedAttributes=members`,
		`sortBy=emails&sortOrder=sideways`, `filter=((((`,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, query string) {
		q := url.PathEscape(query)
		q = strings.NewReplacer("%3D", "=", "%26", "&").Replace(q)
		serveFuzz(t, s, "GET", BasePath+"/Users?"+q, "")
		serveFuzz(t, s, "GET", BasePath+"/Groups?"+q, "")
	})
}
