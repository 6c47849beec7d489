package bundle

import (
	"cmp"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/scimlab/scimlab/exchange"
	"github.com/scimlab/scimlab/scim/quirk"
)

// maxFailuresListed bounds the failures the summary lists one by one; the HAR and the
// request lines hold them all.
const maxFailuresListed = 20

// Summary is what a person reads first: what happened, what failed and which hints
// fired. Feed it every exported request with Observe; Text writes it.
type Summary struct {
	Lab       string
	Created   time.Time
	Creator   string
	Selection Selection
	// Users, Groups and Memberships count the lab's resources.
	Users, Groups, Memberships int
	// Walkthroughs are one line per IdP walkthrough, e.g. "Okta: 7 of 9 steps done".
	Walkthroughs []string
	// Profile says which app profile the lab plays, e.g. "thinglink (built in)".
	Profile string
	// FaultRules are the lab's fault rules, one per line.
	FaultRules []string
	// Tombstones, AppActions and Independent count the app-side state: deleted users
	// and groups kept, the app's own admin's actions, accounts outside the
	// organisation.
	Tombstones, AppActions, Independent int

	requests    int
	first, last time.Time
	byIdP       map[exchange.IdP]int
	failed      int
	failures    []string
	hints       map[exchange.Cause]*hintSeen
	quirks      map[quirk.Quirk]int
	// injected counts the answers a fault rule gave; changed the requests the
	// profile did something to.
	injected, changed int
}

type hintSeen struct {
	severity exchange.Severity
	text     string
	count    int
	firstSeq int64
}

// Observe counts one exported request.
func (s *Summary) Observe(r *exchange.Record) {
	if s.byIdP == nil {
		s.byIdP, s.hints, s.quirks = map[exchange.IdP]int{}, map[exchange.Cause]*hintSeen{}, map[quirk.Quirk]int{}
	}
	s.requests++
	if s.first.IsZero() || r.Time.Before(s.first) {
		s.first = r.Time
	}
	if r.Time.After(s.last) {
		s.last = r.Time
	}
	s.byIdP[r.IdP]++
	if r.Fault != nil {
		s.injected++
	}
	if len(r.Effects) > 0 {
		s.changed++
	}
	if r.HTTPFailed() {
		s.failed++
		if len(s.failures) < maxFailuresListed {
			s.failures = append(s.failures, failureLine(r))
		}
	}
	for _, q := range r.Quirks {
		s.quirks[q]++
	}
	for _, h := range r.Hints {
		key := h.Cause
		if key == "" {
			key = exchange.Cause(h.Text)
		}
		seen := s.hints[key]
		if seen == nil {
			seen = &hintSeen{severity: h.Severity, text: h.Text, firstSeq: r.Seq}
			s.hints[key] = seen
		}
		seen.count++
	}
}

// Requests is how many requests were observed.
func (s *Summary) Requests() int { return s.requests }

func failureLine(r *exchange.Record) string {
	target := r.Path
	if r.Query != "" {
		q := r.Query
		if u, err := url.QueryUnescape(q); err == nil {
			q = u
		}
		target += "?" + q
	}
	line := fmt.Sprintf("#%d %s %s %s → %d", r.Seq, r.Time.UTC().Format("2006-01-02 15:04:05"), r.Method, target, r.Status)
	switch {
	case r.Summary != "":
		line += "  " + r.Summary
	case r.ErrorDetail != "":
		line += "  " + r.ErrorDetail
	}
	return line
}

// Text is the summary as plain text.
func (s *Summary) Text() string {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	p("scimlab support bundle")
	p("")
	p("Lab:      %s", s.Lab)
	p("Written:  %s by %s", s.Created.UTC().Format(time.RFC3339), s.Creator)
	p("Requests: %s", s.selectionText())
	p("")
	p("What happened")
	if s.requests == 0 {
		p("  No requests were recorded in this selection.")
	} else {
		p("  %s from %s to %s (UTC).", count(s.requests, "request"), s.first.UTC().Format("2006-01-02 15:04:05"), s.last.UTC().Format("2006-01-02 15:04:05"))
		for _, idp := range []exchange.IdP{exchange.Okta, exchange.Entra, exchange.Unknown} {
			if n := s.byIdP[idp]; n > 0 {
				p("  %-22s %d", idp.Title()+":", n)
			}
		}
	}
	p("  The lab holds %s, %s and %s.", count(s.Users, "user"), count(s.Groups, "group"), count(s.Memberships, "group membership"))
	if line := s.appSideLine(); line != "" {
		p("  %s", line)
	}
	for _, w := range s.Walkthroughs {
		p("  Walkthrough %s", w)
	}
	p("")
	p("The app scimlab played")
	p("  Profile: %s", cmp.Or(s.Profile, "generic"))
	if s.changed > 0 {
		p("  The profile changed what %s did (the effects of each are in requests.jsonl).", count(s.changed, "request"))
	}
	if len(s.FaultRules) == 0 {
		p("  Fault rules: none.")
	} else {
		p("  Fault rules:")
		for _, r := range s.FaultRules {
			p("    %s", r)
		}
	}
	if s.injected > 0 {
		p("  %s answered by a fault rule instead of the app.", count(s.injected, "request was", "requests were"))
	}
	p("")
	p("What failed")
	if s.failed == 0 {
		p("  Nothing: every request was answered with a status below 400.")
	} else {
		if s.failed == 1 {
			p("  1 request was answered with an error status:")
		} else {
			p("  %d requests were answered with an error status:", s.failed)
		}
		for _, f := range s.failures {
			p("  %s", f)
		}
		if s.failed > len(s.failures) {
			p("  … and %d more (requests.har and requests.jsonl hold them all).", s.failed-len(s.failures))
		}
	}
	p("")
	p("Hints that fired")
	if len(s.hints) == 0 {
		p("  None.")
	}
	for _, h := range s.sortedHints() {
		p("  [%s] %s (%d×, first on #%d)", h.severity, h.text, h.count, h.firstSeq)
	}
	if len(s.quirks) > 0 {
		p("")
		p("IdP quirks seen")
		qs := make([]quirk.Quirk, 0, len(s.quirks))
		for q := range s.quirks {
			qs = append(qs, q)
		}
		sort.Slice(qs, func(i, j int) bool { return qs[i] < qs[j] })
		for _, q := range qs {
			info := quirk.Describe(q)
			p("  %s (%d×): %s", info.Badge, s.quirks[q], info.What)
		}
	}
	p("")
	p("Files: requests.har opens in a browser's developer tools (Network, import HAR);")
	p("requests.jsonl, users.jsonl, groups.jsonl, memberships.jsonl, tombstones.jsonl,")
	p("app-actions.jsonl, independent-accounts.jsonl and settings.json (the profile, the")
	p("fault rules, the walkthroughs' progress) are what `scimlab import` loads. Secrets")
	p("(the bearer token, passwords, ngrok credentials, credential headers) were redacted")
	p("before writing.")
	return b.String()
}

// appSideLine says what the app holds besides the IdP's resources, "" when nothing.
func (s *Summary) appSideLine() string {
	var held []string
	if s.Tombstones > 0 {
		held = append(held, count(s.Tombstones, "deleted user or group", "deleted users and groups")+" (kept until a reset)")
	}
	if s.Independent > 0 {
		held = append(held, count(s.Independent, "independent account"))
	}
	var parts []string
	if len(held) > 0 {
		parts = append(parts, "the app holds "+strings.Join(held, " and "))
	}
	if s.AppActions > 0 {
		parts = append(parts, "its own admin took "+count(s.AppActions, "action")+" (app-actions.jsonl)")
	}
	if len(parts) == 0 {
		return ""
	}
	return "Besides, " + strings.Join(parts, "; ") + "."
}

// count is n with its noun, singular or plural (the noun with an s, unless given).
func count(n int, noun string, plural ...string) string {
	if n == 1 {
		return "1 " + noun
	}
	if len(plural) > 0 {
		return fmt.Sprintf("%d %s", n, plural[0])
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

func (s *Summary) selectionText() string {
	if s.Selection.Whole() {
		return "the whole request log"
	}
	var parts []string
	if s.Selection.Since != nil {
		parts = append(parts, "since "+s.Selection.Since.UTC().Format(time.RFC3339))
	}
	if s.Selection.IdP != "" {
		if p, ok := exchange.ParseIdP(s.Selection.IdP); ok {
			parts = append(parts, "from "+p.Title())
		}
	}
	if s.Selection.Failed {
		parts = append(parts, "failed only")
	}
	return strings.Join(parts, ", ")
}

// sortedHints puts errors first, then warnings, then notes; most frequent first within.
func (s *Summary) sortedHints() []*hintSeen {
	rank := map[exchange.Severity]int{exchange.SeverityError: 0, exchange.SeverityWarn: 1, exchange.SeverityInfo: 2}
	out := make([]*hintSeen, 0, len(s.hints))
	for _, h := range s.hints {
		out = append(out, h)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if rank[a.severity] != rank[b.severity] {
			return rank[a.severity] < rank[b.severity]
		}
		if a.count != b.count {
			return a.count > b.count
		}
		return a.firstSeq < b.firstSeq
	})
	return out
}
