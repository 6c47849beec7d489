package cli

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ageValue is a duration flag that also takes whole days, as "7d": how long the
// request log keeps a request (--log-max-age).
type ageValue time.Duration

func (a *ageValue) String() string {
	if a == nil || *a == 0 {
		return "0"
	}
	return time.Duration(*a).String()
}

func (a *ageValue) Set(s string) error {
	s = strings.TrimSpace(s)
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n < 0 {
			return fmt.Errorf("%q is not a number of days; write e.g. 7d", s)
		}
		*a = ageValue(time.Duration(n) * 24 * time.Hour)
		return nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return fmt.Errorf("%q is not an age; write e.g. 90m, 12h or 7d", s)
	}
	*a = ageValue(d)
	return nil
}

// Type names the value in pflag's messages.
func (a *ageValue) Type() string { return "age" }
