package tui

import (
	"fmt"
	"slices"
	"strings"

	"github.com/scimlab/scimlab/exchange"
)

// reqFilter narrows the request list.
type reqFilter struct {
	method   string // "" = any
	class    int    // 0 = any, 2..5 = status class, 9 = any error (>= 400)
	resource string // "" = any, KindUser, KindGroup, "other"
	idp      idpChoice
	text     string // case-insensitive substring of path, summary, subject, ...
}

// idpChoice narrows the list to one IdP, as "scimlab log --idp" does; the zero
// value is any. exchange.Unknown is a choice of its own: requests no IdP sent.
type idpChoice struct {
	set bool
	idp exchange.IdP
}

var (
	filterMethods   = []string{"", "GET", "POST", "PUT", "PATCH", "DELETE"}
	filterClasses   = []int{0, 2, 4, 5, 9}
	filterResources = []string{"", KindUser, KindGroup, "other"}
	filterIdPs      = []idpChoice{{}, {true, exchange.Okta}, {true, exchange.Entra}, {true, exchange.Unknown}}
)

func (f reqFilter) active() bool {
	return f.method != "" || f.class != 0 || f.resource != "" || f.idp.set || f.text != ""
}

func (f reqFilter) match(r *exchange.Record) bool {
	if f.method != "" && r.Method != f.method {
		return false
	}
	switch {
	case f.class == 9 && r.Status < 400:
		return false
	case f.class >= 2 && f.class <= 5 && r.Status/100 != f.class:
		return false
	}
	switch f.resource {
	case KindUser, KindGroup:
		if !isKind(r.ResourceType, r.Path, f.resource) {
			return false
		}
	case "other":
		if isKind(r.ResourceType, r.Path, KindUser) || isKind(r.ResourceType, r.Path, KindGroup) {
			return false
		}
	}
	if f.idp.set && r.IdP != f.idp.idp {
		return false
	}
	if f.text != "" {
		needle := strings.ToLower(f.text)
		hay := strings.ToLower(strings.Join([]string{
			r.Method, target(r), fmt.Sprint(r.Status), r.Summary, r.Subject, string(r.Step), idpLabel(r.IdP),
			r.ErrorDetail, r.UserAgent, r.RemoteAddr, r.ResourceID, strings.Join(badges(r.Quirks), " "),
			r.Auth.Short(), strings.Join(effectBadges(r.Effects), " "),
		}, "\x00"))
		if !strings.Contains(hay, needle) {
			return false
		}
	}
	return true
}

func (f reqFilter) describe() []string {
	var parts []string
	if f.method != "" {
		parts = append(parts, f.method)
	}
	switch {
	case f.class == 9:
		parts = append(parts, "errors")
	case f.class != 0:
		parts = append(parts, fmt.Sprintf("%dxx", f.class))
	}
	switch f.resource {
	case KindUser:
		parts = append(parts, "Users")
	case KindGroup:
		parts = append(parts, "Groups")
	case "other":
		parts = append(parts, "not Users/Groups")
	}
	switch {
	case f.idp.set && f.idp.idp == exchange.Unknown:
		parts = append(parts, "not Okta/Entra")
	case f.idp.set:
		parts = append(parts, f.idp.idp.Short())
	}
	if f.text != "" {
		parts = append(parts, "“"+f.text+"”")
	}
	return parts
}

func next[T comparable](vals []T, cur T) T {
	i := slices.Index(vals, cur)
	return vals[(i+1)%len(vals)]
}
