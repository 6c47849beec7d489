package cli

import (
	"testing"
	"time"
)

func TestAgeValue(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"7d", 7 * 24 * time.Hour},
		{"0d", 0},
		{"90m", 90 * time.Minute},
		{" 12h ", 12 * time.Hour},
		{"0", 0},
	}
	for _, tt := range tests {
		var a ageValue
		if err := a.Set(tt.in); err != nil || time.Duration(a) != tt.want {
			t.Errorf("Set(%q) = %v, %v; want %v", tt.in, time.Duration(a), err, tt.want)
		}
	}
	for _, bad := range []string{"-1h", "-2d", "1w", ""} {
		var a ageValue
		if err := a.Set(bad); err == nil {
			t.Errorf("Set(%q) accepted %v", bad, time.Duration(a))
		}
	}
}
