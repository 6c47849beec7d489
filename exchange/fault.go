package exchange

import (
	"encoding/json"
	"math"
	"time"
)

// Injected is a failure scimlab made on purpose: a fault rule fired on the request, so
// the answer (or its absence, or its lateness) is the rule's, not the SCIM server's.
// The handler never ran unless only a delay was injected and the client waited for it.
type Injected struct {
	// Rule is the fault rule that fired, in its canonical text.
	Rule string
	// Status is the status the rule answered, 0 when it only delayed or dropped.
	Status int
	// RetryAfter is the Retry-After header sent, in whole seconds; 0 for none.
	RetryAfter int
	// Delay is how long the answer was held back.
	Delay time.Duration
	// Drop tells that the connection was closed without an answer.
	Drop bool
}

type injectedJSON struct {
	Rule       string  `json:"rule"`
	Status     int     `json:"status"`
	RetryAfter int     `json:"retryAfter"`
	DelayMs    float64 `json:"delayMs"`
	Drop       bool    `json:"drop"`
}

// MarshalJSON writes the delay in milliseconds, as Record writes its duration.
func (f Injected) MarshalJSON() ([]byte, error) {
	return json.Marshal(injectedJSON{Rule: f.Rule, Status: f.Status, RetryAfter: f.RetryAfter,
		DelayMs: math.Round(float64(f.Delay)/float64(time.Microsecond)) / 1000, Drop: f.Drop})
}

// UnmarshalJSON reads what MarshalJSON wrote.
func (f *Injected) UnmarshalJSON(b []byte) error {
	var j injectedJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*f = Injected{Rule: j.Rule, Status: j.Status, RetryAfter: j.RetryAfter,
		Delay: time.Duration(math.Round(j.DelayMs * float64(time.Millisecond))), Drop: j.Drop}
	return nil
}
