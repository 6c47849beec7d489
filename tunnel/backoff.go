package tunnel

import (
	"math"
	"time"
)

// Backoff spaces out reconnection attempts: the n-th consecutive failure
// waits Min·Factor^(n-1), capped at Max, shortened by up to Jitter of
// itself so that many agents cut off together do not return in step.
type Backoff struct {
	Min, Max time.Duration
	Factor   float64
	// Jitter is the largest fraction taken off a delay, in [0, 1). Below
	// 1-1/Factor every delay is longer than the one before until Max.
	Jitter float64
}

// DefaultBackoff waits about 1s, 2s, 4s … up to 30s.
var DefaultBackoff = Backoff{Min: time.Second, Max: 30 * time.Second, Factor: 2, Jitter: 0.2}

// Delay is the wait after the attempt-th consecutive failure (1-based);
// r is a random number in [0, 1).
func (b Backoff) Delay(attempt int, r float64) time.Duration {
	b = b.withDefaults()
	if attempt < 1 {
		attempt = 1
	}
	d := float64(b.Min) * math.Pow(b.Factor, float64(attempt-1))
	if d > float64(b.Max) || math.IsInf(d, 0) || math.IsNaN(d) {
		d = float64(b.Max)
	}
	r = min(max(r, 0), 1)
	d -= d * b.Jitter * r
	return time.Duration(d)
}

func (b Backoff) withDefaults() Backoff {
	if b.Min <= 0 {
		b.Min = DefaultBackoff.Min
	}
	if b.Max < b.Min {
		b.Max = max(DefaultBackoff.Max, b.Min)
	}
	if b.Factor < 1 {
		b.Factor = DefaultBackoff.Factor
	}
	if b.Jitter < 0 || b.Jitter >= 1 {
		b.Jitter = 0
	}
	return b
}
