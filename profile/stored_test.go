package profile

import (
	"strings"
	"testing"
)

// A built-in profile is kept by name, a custom one with its file's path and text, and
// each comes back as the profile it was; a bare name reads as a built-in one.
func TestStored(t *testing.T) {
	custom, err := Parse("school.yaml", []byte("extends: thinglink\nname: school\nusers:\n  seatLimit: 7\n"))
	if err != nil {
		t.Fatal(err)
	}
	builtin, err := Builtin("tiled")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []*Profile{custom, builtin} {
		s := StoredOf(p)
		back, err := DecodeStored(s.Encode())
		if err != nil || back != s {
			t.Fatalf("%s: kept as %q, read back %+v, %v", p.Name, s.Encode(), back, err)
		}
		again, err := back.Profile()
		if err != nil || again.Name != p.Name || again.Builtin() != p.Builtin() || string(again.Text()) != string(p.Text()) ||
			again.Users.SeatLimit != p.Users.SeatLimit {
			t.Errorf("%s came back as %+v, %v", p.Name, again, err)
		}
	}
	if s := StoredOf(builtin); s.Text != "" || s.Source != "" {
		t.Errorf("a built-in profile is kept with its text: %+v", s)
	}
	if s, err := DecodeStored("thinglink"); err != nil || s.Name != "thinglink" {
		t.Errorf("a bare name: %+v, %v", s, err)
	}
	if _, err := DecodeStored(`{"name":`); err == nil {
		t.Error("broken JSON read as a profile")
	}
	if _, err := (Stored{Name: "slack"}).Profile(); err == nil || !strings.Contains(err.Error(), `no built-in profile "slack"`) {
		t.Errorf("an unknown built-in: %v", err)
	}
}
