package scimserver

import (
	"net/mail"
	"reflect"
	"slices"
	"sort"
	"strings"

	"github.com/scimlab/scimlab/profile"
	"github.com/scimlab/scimlab/scim/schema"
)

// Document surgery for the profile layers: which attributes of a stored document a
// profile keeps, which an update may change, which it requires. Documents hold
// attributes under their schema spelling, and extension attributes in an object under
// the extension's URN; knobs name them as paths ("name.givenName",
// "urn:…:User:department"), compared ignoring case.

// alwaysStored are kept whatever a profile's stored list says: without a userName there
// is no account, and without active no deactivation.
var alwaysStored = []string{"userName", "active"}

// pathOf writes the knob path of a document key and, optionally, one of its members.
func pathOf(key, member string) string {
	switch {
	case member == "":
		return key
	case isURNKey(key):
		return key + ":" + member
	}
	return key + "." + member
}

// partial tells whether list names members of key without naming key whole, as
// [name.givenName] does for name or [urn:…:User:department] for the extension.
func partial(list []string, key string) bool {
	for _, l := range list {
		p, err := profile.ParsePath(l)
		if err != nil {
			continue
		}
		if isURNKey(key) && strings.EqualFold(p.URN, key) {
			return true
		}
		if !isURNKey(key) && (p.URN == "" || strings.EqualFold(p.URN, schema.UserURN)) && strings.EqualFold(p.Name, key) && p.Sub != "" {
			return true
		}
	}
	return false
}

// keepOnly removes from doc every attribute list does not cover and returns the paths
// removed, sorted. keep are covered too.
func keepOnly(doc map[string]any, list []string, keep ...string) []string {
	list = slices.Concat(list, keep)
	var dropped []string
	for k, v := range doc {
		switch {
		case profile.Covers(list, k):
		case partial(list, k):
			obj, ok := v.(map[string]any)
			if !ok {
				delete(doc, k)
				dropped = append(dropped, k)
				continue
			}
			for m := range obj {
				if !profile.Covers(list, pathOf(k, m)) {
					delete(obj, m)
					dropped = append(dropped, pathOf(k, m))
				}
			}
			if len(obj) == 0 {
				delete(doc, k)
			}
		default:
			delete(doc, k)
			dropped = append(dropped, k)
		}
	}
	sort.Strings(dropped)
	return dropped
}

// restoreFixed gives next the stored value (from cur) of every attribute an update may
// not change, and returns the paths whose change it undid, sorted. active is always
// updatable: deactivation must work in every app.
func restoreFixed(cur, next map[string]any, updatable []string) []string {
	updatable = slices.Concat(updatable, []string{"active"})
	var undone []string
	for _, k := range unionKeys(cur, next) {
		switch {
		case profile.Covers(updatable, k):
		case partial(updatable, k):
			co, _ := cur[k].(map[string]any)
			no, _ := next[k].(map[string]any)
			if no == nil {
				no = map[string]any{}
			}
			for _, m := range unionKeys(co, no) {
				if profile.Covers(updatable, pathOf(k, m)) {
					continue
				}
				if restore(co, no, m) {
					undone = append(undone, pathOf(k, m))
				}
			}
			if len(no) == 0 {
				delete(next, k)
			} else {
				next[k] = no
			}
		default:
			if restore(cur, next, k) {
				undone = append(undone, k)
			}
		}
	}
	sort.Strings(undone)
	return undone
}

// restore sets to[k] to from[k] (deleting it when from lacks it) and tells whether that
// changed anything.
func restore(from, to map[string]any, k string) bool {
	old, had := from[k]
	now, has := to[k]
	if had == has && reflect.DeepEqual(old, now) {
		return false
	}
	if had {
		to[k] = old
	} else {
		delete(to, k)
	}
	return true
}

func unionKeys(a, b map[string]any) []string {
	var out []string
	for k := range a {
		out = append(out, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// missing returns the first path of required that doc lacks or holds empty.
func missing(doc map[string]any, required []string) (string, bool) {
	for _, r := range required {
		p, err := profile.ParsePath(r)
		if err != nil {
			continue
		}
		var v any
		if p.URN != "" && !strings.EqualFold(p.URN, schema.UserURN) {
			ext, _ := lookupFold(doc, p.URN).(map[string]any)
			v = lookupFold(ext, p.Name)
		} else {
			v = lookupFold(doc, p.Name)
		}
		if p.Sub != "" {
			obj, _ := v.(map[string]any)
			v = lookupFold(obj, p.Sub)
		}
		if empty(v) {
			return r, true
		}
	}
	return "", false
}

func empty(v any) bool {
	switch t := v.(type) {
	case nil:
		return true
	case string:
		return strings.TrimSpace(t) == ""
	case []any:
		return len(t) == 0
	case map[string]any:
		return len(t) == 0
	}
	return false
}

func lookupFold(m map[string]any, key string) any {
	if v, ok := m[key]; ok {
		return v
	}
	for k, v := range m {
		if strings.EqualFold(k, key) {
			return v
		}
	}
	return nil
}

// docString returns a top-level string attribute.
func docString(doc map[string]any, key string) string {
	s, _ := lookupFold(doc, key).(string)
	return s
}

// primaryEmail is the e-mail address marked primary, else the first one.
func primaryEmail(doc map[string]any) string {
	list, _ := lookupFold(doc, "emails").([]any)
	first := ""
	for _, e := range list {
		obj, _ := e.(map[string]any)
		v, _ := lookupFold(obj, "value").(string)
		if v == "" {
			continue
		}
		if p, _ := lookupFold(obj, "primary").(bool); p {
			return v
		}
		if first == "" {
			first = v
		}
	}
	return first
}

// isEmail accepts a bare address such as ann@example.com, as the apps that identify
// users by e-mail do; display names and angle brackets are not an address.
func isEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" {
		return false
	}
	_, domain, _ := strings.Cut(s, "@")
	return domain != "" && !strings.HasPrefix(domain, ".") && !strings.HasSuffix(domain, ".")
}

// roleValues lists the values of a roles attribute.
func roleValues(v any) []string {
	list, _ := v.([]any)
	var out []string
	for _, e := range list {
		switch t := e.(type) {
		case map[string]any:
			if s, ok := lookupFold(t, "value").(string); ok {
				out = append(out, s)
			}
		case string:
			out = append(out, t)
		}
	}
	return out
}
