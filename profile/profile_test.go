package profile

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/scimlab/scimlab/exchange"
)

func TestBuiltinsLoad(t *testing.T) {
	want := []string{"generic", "scim-setup", "thinglink", "tiled", "toplyne"}
	if got := Names(); !slices.Equal(got, want) {
		t.Fatalf("Names() = %v, want %v", got, want)
	}
	for _, name := range want {
		p, err := Load(name)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if p.Name != name || !p.Builtin() || p.Title == "" || p.Description == "" || p.Guide == "" {
			t.Errorf("%s: name %q builtin %t title %q description %q guide %q", name, p.Name, p.Builtin(), p.Title, p.Description, p.Guide)
		}
		if name != DefaultName && len(p.Summary()) == 0 {
			t.Errorf("%s: an app profile must differ from generic somewhere", name)
		}
	}
	if s := Default().Summary(); len(s) != 0 {
		t.Errorf("generic summary %q: generic is the baseline and differs from nothing", s)
	}
}

// TestBuiltinKnobs pins what each built-in plays, as docs/profiles.md quotes the guides.
func TestBuiltinKnobs(t *testing.T) {
	tl, _ := Builtin("thinglink")
	if tl.Users.Delete != DeleteDeactivate || tl.Users.SeatLimit <= 0 || tl.Users.Role.New != "Learner" || !tl.Users.Role.IgnoreSent ||
		!tl.Groups.MatchByName || !tl.Groups.DeleteDeactivatesMembers {
		t.Errorf("thinglink knobs: %+v %+v", tl.Users, tl.Groups)
	}
	if got := tl.Users.Stored.For(exchange.Okta); !slices.Equal(got, []string{"userName", "displayName", "name.givenName", "name.familyName"}) {
		t.Errorf("thinglink stores for Okta %v", got)
	}
	if got := tl.Users.Stored.For(exchange.Entra); !slices.Equal(got, []string{"userName", "active", "displayName", "externalId"}) {
		t.Errorf("thinglink stores for Entra %v", got)
	}
	if got := tl.Users.Stored.For(exchange.Unknown); len(got) != 6 {
		t.Errorf("thinglink stores for an unknown client %v, want the union of both lists", got)
	}
	ti, _ := Builtin("tiled")
	if one, many := ti.GroupNoun(); one != "library" || many != "libraries" {
		t.Errorf("tiled calls groups %s/%s", one, many)
	}
	if ti.Users.Delete != DeleteRefuse || len(ti.Extensions) != 1 || len(ti.Schemas("User")) != 1 || ti.Schemas("User")[0].Schema.Attr("tiledAdmin") == nil {
		t.Errorf("tiled knobs: delete %s extensions %+v", ti.Users.Delete, ti.Extensions)
	}
	to, _ := Builtin("toplyne")
	if to.GroupsEnabled() || to.Users.UniqueIdentifier != IdentifierEmail || to.Users.UserNameFormat != "email" {
		t.Errorf("toplyne knobs: %+v %+v", to.Users, to.Groups)
	}
	ss, _ := Builtin("scim-setup")
	if !ss.GroupsEnabled() || ss.Groups.Import != ImportRefuse || ss.Users.Import != ImportAllow || ss.Users.UniqueIdentifier != IdentifierEmail {
		t.Errorf("scim-setup knobs: %+v %+v", ss.Users, ss.Groups)
	}
	g := Default()
	if !g.GroupsEnabled() || g.Users.Delete != DeleteHard || g.TokenHeader() != "Authorization" || g.Lists.FilterMiss != MissEmpty {
		t.Errorf("generic knobs: %+v", g)
	}
}

func write(t *testing.T, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "myapp.yaml")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestCustomProfile(t *testing.T) {
	path := write(t, `extends: thinglink
users:
  seatLimit: 3
  seatAnswer:
    status: 409
    scimType: uniqueness
    detail: no seat left
token:
  header: x-api-key
lists:
  filterMiss: "404"
`)
	p, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if p.Name != "myapp" || p.Source() != path || p.Builtin() || len(p.Text()) == 0 {
		t.Errorf("name %q source %q builtin %t", p.Name, p.Source(), p.Builtin())
	}
	if p.Users.SeatLimit != 3 || p.Users.SeatAnswer.Status != 409 || p.Users.Delete != DeleteDeactivate || p.Users.Role.New != "Learner" {
		t.Errorf("extends did not keep thinglink's knobs or set the file's: %+v", p.Users)
	}
	if p.TokenHeader() != "X-Api-Key" || p.Lists.FilterMiss != Miss404 {
		t.Errorf("header %q filterMiss %q", p.TokenHeader(), p.Lists.FilterMiss)
	}
	// The same text parses to the same profile, as a restart reads it from the database.
	again, err := Parse(p.Source(), p.Text())
	if err != nil || again.Users.SeatLimit != 3 {
		t.Errorf("reparse: %v %+v", err, again)
	}
}

// TestBadProfiles: a bad file is refused with the file, the line and the knob.
func TestBadProfiles(t *testing.T) {
	cases := []struct {
		name, text string
		line       int
		knob, msg  string
	}{
		{"unknown knob", "users:\n  delete: hard\n  seatLimt: 4\n", 3, "users.seatLimt", "unknown knob; the knobs in users are delete, deleteAnswer, seatLimit"},
		{"bad enum", "name: x\nusers:\n  delete: soft\n", 3, "users.delete", `must be hard, deactivate or refuse, not "soft"`},
		{"wrong type", "users:\n  seatLimit: lots\n", 2, "users.seatLimit", "cannot read text `lots` into int"},
		{"bad path", "users:\n  stored:\n    okta: [userName, name.givnName]\n", 3, "users.stored.okta[1]", "name.givnName is no attribute"},
		{"read-only path", "users:\n  updatable:\n    - meta.created\n", 3, "users.updatable[0]", "read-only"},
		{"bad per-IdP key", "users:\n  stored:\n    google: [userName]\n", 3, "users.stored.google", "unknown key; a per-IdP list is any, okta or entra"},
		{"bad extends", "extends: slack\n", 1, "extends", `must name a built-in profile`},
		{"bad answer", "users:\n  seatLimit: 2\n  seatAnswer:\n    status: 200\n", 4, "users.seatAnswer.status", "must be an error status"},
		{"bad scimType", "groups:\n  importAnswer:\n    scimType: nope\n", 3, "groups.importAnswer.scimType", "RFC 7644's error types"},
		{"bad extension type", "extensions:\n  - urn: urn:x:2.0:User\n    name: X\n    resource: User\n    attributes:\n      - name: flag\n        type: bool\n", 7, "extensions[0].attributes[0].type", "must be string, boolean"},
		{"extension of core", "extensions:\n  - urn: urn:ietf:params:scim:schemas:core:2.0:User\n    name: X\n    resource: User\n    attributes: [{name: a, type: string}]\n", 2, "extensions[0].urn", "one of scimlab's own schemas"},
		{"required not stored", "users:\n  required: [title]\n  stored: [displayName]\n", 2, "users.required[0]", "not in users.stored"},
		{"bad header", "token:\n  header: \"X Api\"\n", 2, "token.header", "HTTP header name"},
		{"bad status", "groups:\n  patchStatus: 201\n", 2, "groups.patchStatus", "must be 200"},
		{"syntax", "users:\n  delete: hard\n\tseatLimit: 1\n", 2, "", "not valid YAML"},
		{"not a mapping", "- a\n- b\n", 1, "", "YAML mapping of knobs"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := write(t, c.text)
			_, err := Load(path)
			if err == nil {
				t.Fatal("loaded; want an error")
			}
			pe, ok := err.(*Error)
			if !ok {
				t.Fatalf("error %T %v, want *Error", err, err)
			}
			if pe.File != path || pe.Line != c.line || pe.Knob != c.knob || !strings.Contains(pe.Msg, c.msg) {
				t.Errorf("got file %q line %d knob %q msg %q\nwant line %d knob %q msg containing %q", pe.File, pe.Line, pe.Knob, pe.Msg, c.line, c.knob, c.msg)
			}
			if !strings.HasPrefix(err.Error(), "profile "+path+": ") {
				t.Errorf("message %q does not start with the file", err)
			}
		})
	}
}

func TestLoadNames(t *testing.T) {
	if _, err := Load("slack"); err == nil || !strings.Contains(err.Error(), "built-in profiles are generic, scim-setup, thinglink, tiled, toplyne") {
		t.Errorf("unknown name: %v", err)
	}
	if _, err := Load("./missing.yaml"); err == nil || !strings.Contains(err.Error(), "missing.yaml") {
		t.Errorf("missing file: %v", err)
	}
}

func TestCovers(t *testing.T) {
	list := []string{"userName", "name", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department"}
	for p, want := range map[string]bool{
		"username": true, "name.givenName": true, "name": true, "title": false,
		"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department": true,
		"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:division":   false,
	} {
		if got := Covers(list, p); got != want {
			t.Errorf("Covers(%q) = %t", p, got)
		}
	}
	if Covers([]string{"name.givenName"}, "name") {
		t.Error("name.givenName must not cover the whole name")
	}
}
