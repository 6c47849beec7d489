// Package fault holds scimlab's fault rules: "make matching requests fail", written the
// way a support engineer types them, e.g. `POST /Users 429 retry-after=30 times=2`.
//
// A Rule says which requests it matches (method, path pattern, optionally the IdP that
// sends them) and what happens to them (an error status with a SCIM error body, a
// Retry-After header, a delay, or a connection closed without an answer), and when it
// fires (after N matches, at most N times, on a percentage chosen by a seeded
// generator so a rehearsal and a test can be repeated exactly). A Set is the rules in
// force with their counters; the SCIM server asks it about every request before any
// handler runs, so an injected failure never changes stored data.
//
// The package is pure: it parses and decides, and does no I/O.
package fault

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/scimlab/scimlab/exchange"
)

// basePath is the SCIM base the server serves under; a pattern may repeat it.
const basePath = "/scim/v2"

// Limits on option values. A delay beyond MaxDelay would outlast any IdP's patience
// (Okta gives up after 60 s) and only tie up the server.
const (
	MaxDelay      = 10 * time.Minute
	MaxRetryAfter = 86400
)

// Rule is one fault rule. The zero values of the options mean "not given".
type Rule struct {
	// Method is an HTTP method in upper case, or "*" for any.
	Method string
	// Path is the pattern relative to the SCIM base: "/Users", "/Groups/*", "*".
	Path string
	// Status is the error status answered, 0 for none (a delay alone, or drop).
	Status int
	// ScimType overrides the SCIM error type answered with Status.
	ScimType string
	// RetryAfter is the Retry-After header in whole seconds, 0 for none.
	RetryAfter int
	// Delay is how long the server waits before answering (or dropping).
	Delay time.Duration
	// Drop closes the connection without an answer.
	Drop bool
	// Times stops the rule after it fired this often; 0 is no limit.
	Times int
	// After lets this many matching requests through before the rule fires.
	After int
	// Percent is the share of matching requests that fail, 1–100; 0 means all.
	Percent int
	// IdP limits the rule to one IdP's requests; exchange.Unknown matches any sender.
	IdP exchange.IdP
}

// Syntax is the rule grammar on one line, for usage texts and the console.
const Syntax = "METHOD PATH [STATUS | drop] [retry-after=SECONDS] [delay=DURATION] [times=N] [after=N] [percent=P] [idp=okta|entra] [scim-type=TYPE]"

// Error is a rule that could not be read: which rule, which part of it, and what is
// wrong with that part. File and Line are set for a rule read from a file.
type Error struct {
	File  string
	Line  int
	Input string
	// Part names the offending part as written, e.g. `status "4299"`.
	Part    string
	Problem string
}

// Error says where and what, e.g.
// `faults.txt line 3: fault rule "POST /Users 4299": status "4299": ...`.
func (e *Error) Error() string {
	var b strings.Builder
	if e.File != "" {
		fmt.Fprintf(&b, "%s line %d: ", e.File, e.Line)
	}
	fmt.Fprintf(&b, "fault rule %q", e.Input)
	if e.Part != "" {
		b.WriteString(": " + e.Part)
	}
	b.WriteString(": " + e.Problem)
	return b.String()
}

// methods are the methods a rule may name; "*" matches any of them.
var methods = []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete}

// endpoints are the first path segments the SCIM server serves, spelled as routed.
var endpoints = []string{"Users", "Groups", ".search", "ServiceProviderConfig", "ResourceTypes", "Schemas"}

// scimTypes lists the SCIM error types RFC 7644 §3.12 (table 9) defines, by the status
// they go with.
var scimTypes = map[string]int{
	"invalidFilter": 400, "tooMany": 400, "mutability": 400, "invalidSyntax": 400,
	"invalidPath": 400, "noTarget": 400, "invalidValue": 400, "invalidVers": 400,
	"uniqueness": 409, "sensitive": 403,
}

// options are the option names, in the order String writes them.
var options = []string{"retry-after", "scim-type", "delay", "after", "times", "percent", "idp"}

// Parse reads one rule as typed on the command line or in the console. A "#" starts a
// comment that runs to the end.
func Parse(s string) (Rule, error) {
	input := strings.TrimSpace(s)
	if i := strings.IndexByte(input, '#'); i >= 0 {
		input = strings.TrimSpace(input[:i])
	}
	fail := func(part, problem string, args ...any) (Rule, error) {
		return Rule{}, &Error{Input: input, Part: part, Problem: fmt.Sprintf(problem, args...)}
	}
	words := strings.Fields(input)
	if len(words) == 0 {
		return fail("", "the rule is empty; write %s", Syntax)
	}
	if len(words) < 2 {
		return fail("", "a rule needs a method, a path and what happens, e.g. POST /Users 429")
	}
	var r Rule
	method := strings.ToUpper(words[0])
	if method != "*" && !slices.Contains(methods, method) {
		return fail(fmt.Sprintf("method %q", words[0]), "use GET, POST, PUT, PATCH, DELETE or * for any")
	}
	r.Method = method
	path, problem := parsePath(words[1])
	if problem != "" {
		return fail(fmt.Sprintf("path %q", words[1]), "%s", problem)
	}
	r.Path = path

	seen := map[string]bool{}
	for _, w := range words[2:] {
		name, value, isOption := strings.Cut(w, "=")
		if !isOption {
			switch {
			case strings.EqualFold(w, "drop"):
				if r.Drop {
					return fail(`"drop"`, "it is given twice")
				}
				r.Drop = true
			case len(w) == 3 && isDigits(w):
				if r.Status != 0 {
					return fail(fmt.Sprintf("status %q", w), "a rule answers one status, and %d is already given", r.Status)
				}
				n, _ := strconv.Atoi(w)
				if n < 400 || n > 599 {
					return fail(fmt.Sprintf("status %q", w), "a fault answers an error: give a status from 400 to 599")
				}
				r.Status = n
			case isDigits(w):
				return fail(fmt.Sprintf("status %q", w), "a status has three digits, from 400 to 599")
			default:
				return fail(fmt.Sprintf("%q", w), "not a status, \"drop\" or an option; options are written name=value: %s", strings.Join(options, ", "))
			}
			continue
		}
		name = strings.ToLower(name)
		part := fmt.Sprintf("option %q", w)
		if !slices.Contains(options, name) {
			return fail(part, "unknown option %q; options are %s", name, strings.Join(options, ", "))
		}
		if seen[name] {
			return fail(part, "%s is given twice", name)
		}
		seen[name] = true
		if value == "" {
			return fail(part, "%s needs a value after =", name)
		}
		if problem := r.setOption(name, value); problem != "" {
			return fail(part, "%s", problem)
		}
	}
	if problem := r.check(); problem != "" {
		return fail("", "%s", problem)
	}
	return r, nil
}

// parsePath checks a path pattern and returns it relative to the SCIM base.
func parsePath(p string) (string, string) {
	if p == "*" {
		return p, ""
	}
	if strings.ContainsAny(p, "?#") {
		return "", "a path pattern has no query: rules match the path only, e.g. /Users"
	}
	if !strings.HasPrefix(p, "/") {
		return "", "a path starts with /, e.g. /Users or /Groups/* (or is * for every path)"
	}
	if rest, ok := strings.CutPrefix(p, basePath); ok && (rest == "" || rest[0] == '/') {
		p = rest
	}
	p = strings.TrimSuffix(p, "/")
	segs := strings.Split(strings.TrimPrefix(p, "/"), "/")
	if p == "" || len(segs) > 2 {
		return "", "name an endpoint and at most one more segment: /Users, /Users/*, /Groups/<id>, /.search"
	}
	for _, s := range segs {
		if s == "" {
			return "", "the path has an empty segment (//)"
		}
	}
	if first := segs[0]; first != "*" && !slices.Contains(endpoints, first) {
		for _, ep := range endpoints {
			if strings.EqualFold(first, ep) {
				return "", "SCIM endpoint names are case-sensitive: write /" + ep + strings.TrimPrefix(p, "/"+first)
			}
		}
		return "", "no SCIM endpoint is called " + first + "; use Users, Groups, .search, ServiceProviderConfig, ResourceTypes, Schemas or *"
	}
	return "/" + strings.Join(segs, "/"), ""
}

// setOption reads one name=value option into r, or says what is wrong with it.
func (r *Rule) setOption(name, value string) string {
	count := func(min, max int, what string) (int, string) {
		n, err := strconv.Atoi(value)
		if err != nil || n < min || n > max {
			return 0, fmt.Sprintf("%s takes %s from %d to %d", name, what, min, max)
		}
		return n, ""
	}
	var problem string
	switch name {
	case "retry-after":
		r.RetryAfter, problem = count(1, MaxRetryAfter, "whole seconds")
	case "times":
		r.Times, problem = count(1, 1_000_000, "a number of requests")
	case "after":
		r.After, problem = count(1, 1_000_000, "a number of requests")
	case "percent":
		value = strings.TrimSuffix(value, "%")
		r.Percent, problem = count(1, 100, "a percentage")
		if r.Percent == 100 {
			// Every matching request: the same rule as no percent at all.
			r.Percent = 0
		}
	case "delay":
		d, err := time.ParseDuration(value)
		switch {
		case err != nil && isDigits(value):
			return "delay takes a duration with its unit, e.g. " + value + "s, 500ms or 2m"
		case err != nil:
			return "delay takes a duration such as 70s, 500ms or 2m"
		case d <= 0 || d > MaxDelay:
			return "delay must be more than 0 and at most " + formatDuration(MaxDelay)
		}
		r.Delay = d
	case "idp":
		p, ok := exchange.ParseIdP(value)
		if !ok || p == exchange.Unknown {
			return "idp is okta or entra"
		}
		r.IdP = p
	case "scim-type":
		if _, ok := scimTypes[value]; !ok {
			names := make([]string, 0, len(scimTypes))
			for n := range scimTypes {
				names = append(names, n)
			}
			slices.Sort(names)
			return "not a SCIM error type of RFC 7644 §3.12; use one of " + strings.Join(names, ", ")
		}
		r.ScimType = value
	}
	return problem
}

// check validates the combination of outcome and options.
func (r *Rule) check() string {
	switch {
	case r.Status == 0 && !r.Drop && r.Delay == 0:
		return "say what happens to matching requests: a status (e.g. 429 or 500), drop, or delay=DURATION"
	case r.Status != 0 && r.Drop:
		return "a rule either answers a status or drops the connection, not both"
	case r.RetryAfter != 0 && r.Status == 0:
		return "retry-after goes with a status, usually 429 or 503"
	case r.ScimType != "" && r.Status == 0:
		return "scim-type goes with a status"
	case r.ScimType != "" && scimTypes[r.ScimType] != r.Status:
		return fmt.Sprintf("RFC 7644 §3.12 defines scim-type %s for status %d, not %d", r.ScimType, scimTypes[r.ScimType], r.Status)
	}
	return ""
}

// ErrorType is the SCIM error type the rule answers with: the one given, else the
// type RFC 7644 §3.12 assigns the status where it assigns exactly one meaning
// (409 uniqueness), else invalidValue for a 400, else none.
func (r Rule) ErrorType() string {
	switch {
	case r.ScimType != "":
		return r.ScimType
	case r.Status == http.StatusConflict:
		return "uniqueness"
	case r.Status == http.StatusBadRequest:
		return "invalidValue"
	}
	return ""
}

// String writes the rule in its canonical form, which Parse reads back to the same rule.
func (r Rule) String() string {
	parts := []string{r.Method, r.Path}
	switch {
	case r.Status != 0:
		parts = append(parts, strconv.Itoa(r.Status))
	case r.Drop:
		parts = append(parts, "drop")
	}
	if r.RetryAfter != 0 {
		parts = append(parts, "retry-after="+strconv.Itoa(r.RetryAfter))
	}
	if r.ScimType != "" {
		parts = append(parts, "scim-type="+r.ScimType)
	}
	if r.Delay != 0 {
		parts = append(parts, "delay="+formatDuration(r.Delay))
	}
	if r.After != 0 {
		parts = append(parts, "after="+strconv.Itoa(r.After))
	}
	if r.Times != 0 {
		parts = append(parts, "times="+strconv.Itoa(r.Times))
	}
	if r.Percent != 0 {
		parts = append(parts, "percent="+strconv.Itoa(r.Percent))
	}
	if r.IdP != exchange.Unknown {
		parts = append(parts, "idp="+string(r.IdP))
	}
	return strings.Join(parts, " ")
}

// Describe says in one sentence what the rule does, e.g. "POST /Users: answer 429 Too
// Many Requests with Retry-After: 30, at most 2 times."
func (r Rule) Describe() string {
	var what string
	status := ""
	if r.Status != 0 {
		status = strconv.Itoa(r.Status)
		if t := http.StatusText(r.Status); t != "" {
			status += " " + t
		}
		if r.RetryAfter != 0 {
			status += " with Retry-After: " + strconv.Itoa(r.RetryAfter)
		}
	}
	switch {
	case r.Delay != 0 && r.Drop:
		what = "wait " + formatDuration(r.Delay) + ", then close the connection without an answer"
	case r.Delay != 0 && r.Status != 0:
		what = "wait " + formatDuration(r.Delay) + ", then answer " + status
	case r.Delay != 0:
		what = "wait " + formatDuration(r.Delay) + ", then answer as usual"
	case r.Drop:
		what = "close the connection without an answer"
	default:
		what = "answer " + status
	}
	var when []string
	if r.IdP != exchange.Unknown {
		when = append(when, "only when "+r.IdP.Short()+" sends it")
	}
	if r.After != 0 {
		when = append(when, "after letting "+plural(r.After, "matching request")+" through")
	}
	if r.Percent != 0 {
		when = append(when, "on about "+strconv.Itoa(r.Percent)+"% of matching requests (picked by the fault seed)")
	}
	if r.Times != 0 {
		when = append(when, "at most "+plural(r.Times, "time"))
	}
	method := r.Method
	if method == "*" {
		method = "any method"
	}
	path := r.Path
	if path == "*" {
		path = "any path"
	}
	s := method + " " + path + ": " + what
	if len(when) > 0 {
		s += ", " + strings.Join(when, ", ")
	}
	return s + "."
}

// Matches reports whether a request's method and path (absolute, as served, e.g.
// /scim/v2/Groups/42) fall under the rule. The IdP and the counters are the Set's to
// judge.
func (r Rule) Matches(method, path string) bool {
	if r.Method != "*" && r.Method != strings.ToUpper(method) {
		return false
	}
	if r.Path == "*" {
		return true
	}
	rel, ok := strings.CutPrefix(path, basePath+"/")
	if !ok {
		return false
	}
	got := strings.Split(strings.TrimSuffix(rel, "/"), "/")
	want := strings.Split(strings.TrimPrefix(r.Path, "/"), "/")
	if len(got) != len(want) {
		return false
	}
	for i, w := range want {
		if w != "*" && w != got[i] {
			return false
		}
	}
	return true
}

// formatDuration writes a delay the way it is typed: 70s rather than 1m10s.
func formatDuration(d time.Duration) string {
	switch {
	case d%time.Second == 0:
		return strconv.FormatInt(int64(d/time.Second), 10) + "s"
	case d%time.Millisecond == 0:
		return strconv.FormatInt(int64(d/time.Millisecond), 10) + "ms"
	}
	return d.String()
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
