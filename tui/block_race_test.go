//go:build race

package tui

import "time"

// blockingAfter is longer under the race detector, which slows a command that reads a
// few thousand rows well past 100 ms; taking it for a blocking one would drop its result.
const blockingAfter = time.Second
