package idp

import (
	"net/http"
	"strconv"
	"time"

	"github.com/scimlab/scimlab/exchange"
)

// Hint codes of injected failures (exchange.Record.Fault). Each says what the IdP will
// do next; the ordinary diagnosis of the status (a conflict, a server error, a refused
// token) would be wrong, because the server did not decide it.
const (
	// HintFaultRateLimited: an injected 429, and how the IdP retries it.
	HintFaultRateLimited exchange.Cause = "fault-rate-limited"
	// HintFaultFailed: another injected error status, and what the IdP does with it.
	HintFaultFailed exchange.Cause = "fault-failed"
	// HintFaultDropped: the connection was closed without an answer on purpose.
	HintFaultDropped exchange.Cause = "fault-dropped"
	// HintFaultTimeout: an injected delay the IdP does not wait out.
	HintFaultTimeout exchange.Cause = "fault-timeout"
	// HintFaultDelayed: an injected delay within the IdP's patience.
	HintFaultDelayed exchange.Cause = "fault-delayed"
)

// Okta's retry behaviour (idp-wire-format.md §2.8): it waits at most oktaTimeout for an
// answer; after a 429 it waits Retry-After whole seconds, else oktaRetryDefault,
// doubling the wait with each further 429, and gives up after oktaMaxAttempts.
const (
	oktaTimeout      = 60 * time.Second
	oktaRetryDefault = 5 * time.Minute
	oktaMaxAttempts  = 10
)

// statusClientClosed is what the server records when the client hung up before the
// answer (nginx's 499); it never goes on the wire.
const statusClientClosed = 499

// diagnoseFault explains an injected failure by what the IdP will do next.
func diagnoseFault(a *exchange.Annotation, r *rx, f *exchange.Injected) {
	by := "the fault rule \"" + f.Rule + "\""
	add := func(cause exchange.Cause, sev exchange.Severity, text string) {
		a.Hints = append(a.Hints, exchange.Hint{Cause: cause, Severity: sev, Text: text})
	}
	held := ""
	if f.Delay > 0 {
		held = " after holding it back for " + seconds(f.Delay)
	}
	gaveUp := r.status == statusClientClosed
	switch {
	case f.Delay > 0 && gaveUp:
		add(HintFaultTimeout, exchange.SeverityError, "The client hung up while scimlab held this request back on purpose, for up to "+seconds(f.Delay)+
			" ("+by+"); nothing was applied. "+timeoutNext(a.IdP))
	case f.Delay > 0 && a.IdP == exchange.Okta && f.Delay >= oktaTimeout:
		add(HintFaultTimeout, exchange.SeverityError, "scimlab held this request back for "+seconds(f.Delay)+" on purpose ("+by+"). "+timeoutNext(a.IdP)+
			" This client waited, so the request was applied after the delay.")
	case f.Drop:
		add(HintFaultDropped, exchange.SeverityError, "scimlab closed the connection without an answer on purpose ("+by+held+"); nothing was applied. "+dropNext(a.IdP))
	case f.Status == http.StatusTooManyRequests:
		add(HintFaultRateLimited, exchange.SeverityWarn, "scimlab answered 429 Too Many Requests on purpose ("+by+held+"); nothing was applied. "+rateLimitNext(a.IdP, f.RetryAfter))
	case f.Status != 0:
		sev := exchange.SeverityWarn
		if f.Status >= 500 {
			sev = exchange.SeverityError
		}
		add(HintFaultFailed, sev, "scimlab answered "+statusWords(f.Status)+" on purpose ("+by+held+"); nothing was applied. "+failureNext(a.IdP, r, f.Status))
	case f.Delay > 0:
		text := "scimlab held this request back for " + seconds(f.Delay) + " on purpose (" + by + ") before answering."
		switch a.IdP {
		case exchange.Okta:
			text += " Okta waits up to 60 s for an answer, so it waited this one out."
		case exchange.Entra:
			text += " Entra waited for the answer."
		}
		add(HintFaultDelayed, exchange.SeverityInfo, text)
	}
}

// rateLimitNext says how the IdP retries a 429.
func rateLimitNext(p exchange.IdP, retryAfter int) string {
	switch p {
	case exchange.Okta:
		wait := seconds(oktaRetryDefault) + ", as no Retry-After in whole seconds was sent"
		if retryAfter > 0 {
			wait = seconds(time.Duration(retryAfter)*time.Second) + ", the Retry-After it was sent"
		}
		return "Okta pauses the task as rate-limited and sends the request again after " + wait +
			"; each further 429 doubles the wait, and after the " + strconv.Itoa(oktaMaxAttempts) + "th attempt Okta fails the task for good (Dashboard → Tasks)."
	case exchange.Entra:
		return "Entra records TooManyRequests in its provisioning logs (Monitor → Provisioning logs) and retries the object automatically; whether it waits for Retry-After is not documented. If most requests keep failing, Entra quarantines the job."
	}
	if retryAfter > 0 {
		return "A client that honours Retry-After sends the request again after " + seconds(time.Duration(retryAfter)*time.Second) + "."
	}
	return "The client decides when to try again; no Retry-After was sent."
}

// failureNext says what the IdP does after an injected error status, by the tables of
// idp-wire-format.md §2.8 (Okta) and §3.7 (Entra).
func failureNext(p exchange.IdP, r *rx, status int) string {
	lookup := r.method() == http.MethodGet && r.route.id == "" && r.filter.ok
	byID := r.route.id != "" && r.route.id != ".search"
	switch p {
	case exchange.Okta:
		switch {
		case status == http.StatusNotFound && lookup:
			return "Okta reads a 404 to its lookup as \"not found\", like an empty list, and goes on as if the resource did not exist."
		case status == http.StatusNotFound && byID:
			return "Okta's push fails and shows under Dashboard → Tasks; Okta does not re-create the resource."
		case status == http.StatusConflict && r.method() == http.MethodPost:
			return "Okta stops provisioning this resource and lists an error task under Dashboard → Tasks; choose Retry there once the rule is spent or removed."
		}
	case exchange.Entra:
		switch {
		case status == http.StatusNotFound && lookup:
			return "Entra treats a 404 to a filter query as a failure (it expects 200 with an empty list): Test Connection fails, and the job can be quarantined."
		case status == http.StatusNotFound && byID:
			return "Entra records InvalidAnchor in its provisioning logs (Monitor → Provisioning logs) and does not re-create the object: every cycle fails the same way until provisioning is restarted."
		}
	}
	return Consequence(p, status)
}

// dropNext says what the IdP does when the connection closes without an answer.
func dropNext(p exchange.IdP) string {
	switch p {
	case exchange.Okta:
		return "Okta gets no answer and counts the request as failed, as when no answer comes within 60 s. " + Consequence(exchange.Okta, 0)
	case exchange.Entra:
		return "Entra gets no answer and records the failed call in its provisioning logs (Monitor → Provisioning logs); it retries the object in about 40 minutes, then less and less often, and if most requests fail it quarantines the job."
	}
	return "The client sees the connection close without an answer."
}

// timeoutNext says what the IdP does when it stops waiting for an answer.
func timeoutNext(p exchange.IdP) string {
	switch p {
	case exchange.Okta:
		return "Okta waits at most 60 s for an answer: it closes the connection and counts the request as failed. " + Consequence(exchange.Okta, 0)
	case exchange.Entra:
		return "Entra stopped waiting: its provisioning logs show Timeout, and it retries the object in about 40 minutes."
	}
	return "The client stopped waiting."
}

// seconds writes a delay as a person reads it: "30 seconds", "5 minutes", "1.5 seconds".
func seconds(d time.Duration) string {
	switch {
	case d >= time.Minute && d%time.Minute == 0:
		return plural(int(d/time.Minute), "minute")
	case d%time.Second == 0:
		return plural(int(d/time.Second), "second")
	case d < time.Second:
		return strconv.FormatInt(d.Milliseconds(), 10) + " ms"
	}
	return strconv.FormatFloat(d.Seconds(), 'f', -1, 64) + " seconds"
}

// statusWords is "500 Internal Server Error".
func statusWords(status int) string {
	if t := http.StatusText(status); t != "" {
		return strconv.Itoa(status) + " " + t
	}
	return strconv.Itoa(status)
}

// injectedStatus is the outcome of an exchange a fault rule answered, for summaries:
// the rule's words, not the long detail the server wrote for the IdP's admin. It is ""
// when the server answered after an injected delay.
func injectedStatus(f *exchange.Injected, status int) string {
	switch {
	case f.Drop:
		return "no answer: a fault rule closed the connection"
	case f.Status != 0:
		return strconv.Itoa(f.Status) + ", injected by a fault rule"
	case status == statusClientClosed:
		return "no answer: the client gave up during an injected delay"
	}
	return ""
}
