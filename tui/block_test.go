//go:build !race

package tui

import "time"

// blockingAfter is how long runCmd lets a command run before taking it for one that
// waits for events, the tunnel or a clock tick.
const blockingAfter = 100 * time.Millisecond
