package logview

import (
	"strconv"
	"time"

	"github.com/scimlab/scimlab/exchange"
)

// faultBadge marks a row whose answer a fault rule injected.
const faultBadge = "[injected fault]"

// faultLine says what the fault rule that fired did, e.g. `fault: the rule "POST /Users
// 429 retry-after=30" answered 429 with Retry-After: 30`.
func faultLine(f *exchange.Injected) string {
	var what string
	switch {
	case f.Drop:
		what = "closed the connection without an answer"
	case f.Status != 0:
		what = "answered " + strconv.Itoa(f.Status)
		if f.RetryAfter > 0 {
			what += " with Retry-After: " + strconv.Itoa(f.RetryAfter)
		}
	default:
		what = "let the request through"
	}
	if f.Delay > 0 {
		held := f.Delay.Round(time.Millisecond).String()
		if f.Delay%time.Second == 0 {
			// As the rule is written: 70s, not 1m10s.
			held = strconv.FormatInt(int64(f.Delay/time.Second), 10) + "s"
		}
		what = "held the request back for " + held + ", then " + what
	}
	return "fault: the rule \"" + f.Rule + "\" " + what
}
