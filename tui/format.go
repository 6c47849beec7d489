package tui

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/scimlab/scimlab/exchange"
	"github.com/scimlab/scimlab/scim/quirk"
)

// idpLabel is the IdP's short name for narrow columns, empty for an unknown client.
func idpLabel(p exchange.IdP) string {
	if p == exchange.Unknown {
		return ""
	}
	return p.Short()
}

// clock formats a request time for a list row.
func clock(t time.Time) string {
	if t.IsZero() {
		return "--:--:--"
	}
	return t.Local().Format("15:04:05")
}

// stamp formats a time with milliseconds and, when not today, the date.
func stamp(t, now time.Time) string {
	t = t.Local()
	ny, nm, nd := now.Local().Date()
	if y, m, d := t.Date(); y == ny && m == nm && d == nd {
		return t.Format("15:04:05.000")
	}
	return t.Format("2006-01-02 15:04:05.000")
}

// shortTime formats a modification time compactly: clock time today, else date.
func shortTime(t, now time.Time) string {
	if t.IsZero() {
		return ""
	}
	t = t.Local()
	ny, nm, nd := now.Local().Date()
	if y, m, d := t.Date(); y == ny && m == nm && d == nd {
		return t.Format("15:04:05")
	}
	return t.Format("Jan 02")
}

// dur formats a request duration in at most six cells.
func dur(d time.Duration) string {
	switch {
	case d <= 0:
		return "0ms"
	case d < time.Millisecond:
		return fmt.Sprintf("%dµs", d.Microseconds())
	case d < 10*time.Second:
		ms := float64(d) / float64(time.Millisecond)
		if ms < 100 {
			return trimZero(fmt.Sprintf("%.1f", ms)) + "ms"
		}
		if ms < 1000 {
			return fmt.Sprintf("%.0fms", ms)
		}
		return trimZero(fmt.Sprintf("%.2f", ms/1000)) + "s"
	case d < time.Minute:
		return fmt.Sprintf("%.0fs", d.Seconds())
	}
	return d.Round(time.Second).String()
}

func trimZero(s string) string {
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}

// target is the request line's path with its (decoded) query.
func target(r *exchange.Record) string {
	if r.Query == "" {
		return r.Path
	}
	q := r.Query
	if u, err := url.QueryUnescape(q); err == nil {
		q = u
	}
	return r.Path + "?" + q
}

// shortPath drops the /scim/v2 prefix every request shares.
func shortPath(p string) string {
	if i := strings.Index(strings.ToLower(p), "/scim/v2/"); i >= 0 {
		return p[i+len("/scim/v2"):]
	}
	if strings.EqualFold(strings.TrimSuffix(p, "/"), "/scim/v2") {
		return "/"
	}
	return p
}

// statusText is "404 Not Found".
func statusText(code int) string {
	if t := http.StatusText(code); t != "" {
		return fmt.Sprintf("%d %s", code, t)
	}
	return fmt.Sprint(code)
}

// authWhy explains a refused credential in an admin's words ("" when the request
// authenticated).
func authWhy(auth exchange.Auth) string {
	switch auth {
	case exchange.AuthMissing:
		return "no Authorization header: the IdP sent no token (Okta: Authentication Mode must be HTTP Header; Entra: fill in Secret Token)"
	case exchange.AuthSeveral:
		return "more than one Authorization header: send exactly one"
	case exchange.AuthBasic:
		return "Basic authentication: scimlab expects a bearer token (Okta: Authentication Mode must be HTTP Header, not Basic Auth)"
	case exchange.AuthScheme:
		return "the Authorization header does not use the Bearer scheme"
	case exchange.AuthBare:
		return "the right token without the word \"Bearer\", which strict mode refuses (Okta's Header Auth template sends its field verbatim)"
	case exchange.AuthEmpty:
		return "\"Bearer\" with no token after it: the IdP's token field is empty"
	case exchange.AuthDoubleBearer:
		return "\"Bearer Bearer …\": the word Bearer was pasted into the token field together with the token"
	case exchange.AuthQuoted:
		return "the token was sent inside quotation marks"
	case exchange.AuthJWT:
		return "a JSON Web Token, not scimlab's token (Entra sends its own when Secret Token is blank)"
	case exchange.AuthPrevious:
		return "the token from before the last rotation: paste the new one into the IdP"
	case exchange.AuthWrongToken:
		return "the bearer token does not match the current one: rotated or mistyped"
	case exchange.AuthWrongBare:
		return "a token without \"Bearer\" that does not match the current one: rotated or mistyped"
	}
	return ""
}

// rowSummary is the one-line description shown in the list.
func rowSummary(r *exchange.Record) string {
	if w := r.Auth.Short(); w != "" && r.Status == http.StatusUnauthorized {
		if r.Summary != "" {
			return r.Summary + " — " + w
		}
		return w
	}
	if r.Summary != "" {
		return r.Summary
	}
	if r.Status >= 400 && r.ErrorDetail != "" {
		return r.ErrorDetail
	}
	return ""
}

// badges lists the short quirk labels of a request.
func badges(qs []quirk.Quirk) []string {
	out := make([]string, 0, len(qs))
	for _, q := range qs {
		out = append(out, quirk.Describe(q).Badge)
	}
	return out
}

// MaskToken is a token as the console shows it until asked: all but its last four
// characters hidden, all of a short one.
func MaskToken(tok string) string { return maskToken(tok) }

// maskToken hides a token but its last four characters, so an admin can
// compare it with what the IdP shows without exposing it on screen.
func maskToken(tok string) string {
	if tok == "" {
		return ""
	}
	r := []rune(tok)
	if len(r) <= 8 {
		return strings.Repeat("•", len(r))
	}
	return strings.Repeat("•", 12) + string(r[len(r)-4:])
}

// plural is "1 user" / "3 users".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// thousands formats n with thin separators: 12,345.
func thousands(n int) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return s
	}
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// origin returns scheme://host of a base URL, or "" if it does not parse.
func origin(base string) string {
	u, err := url.Parse(base)
	if err != nil || u.Host == "" {
		return ""
	}
	return u.Scheme + "://" + u.Host
}

// clean makes untrusted text safe to draw: control characters (which could
// carry terminal escape sequences in a hostile request) become visible
// placeholders and tabs become spaces.
func clean(s string) string {
	ok := true
	for _, r := range s {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			ok = false
			break
		}
	}
	if ok {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\t':
			b.WriteString("  ")
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0):
			b.WriteRune('�')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
