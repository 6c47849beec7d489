package profile

import (
	"encoding/json"
	"strings"
)

// Stored is how a lab keeps the profile it plays: a built-in one by name, a custom one
// with its file's path and text too, so the lab plays it again after the file is gone
// and an exported lab carries it whole.
type Stored struct {
	Name   string `json:"name"`
	Source string `json:"source,omitempty"`
	Text   string `json:"text,omitempty"`
}

// StoredOf is how p is kept.
func StoredOf(p *Profile) Stored {
	s := Stored{Name: p.Name}
	if !p.Builtin() {
		s.Source, s.Text = p.Source(), string(p.Text())
	}
	return s
}

// Encode is s as the lab keeps it.
func (s Stored) Encode() string {
	data, _ := json.Marshal(s) // three strings always encode
	return string(data)
}

// DecodeStored reads a kept profile. A bare name (not JSON) is a built-in one's.
func DecodeStored(data string) (Stored, error) {
	var s Stored
	if err := json.Unmarshal([]byte(data), &s); err != nil {
		if name := strings.TrimSpace(data); name != "" && !strings.ContainsAny(name, "{[\"") {
			return Stored{Name: name}, nil
		}
		return Stored{}, err
	}
	return s, nil
}

// Profile is the profile s keeps: the built-in one of that name, or the custom one
// parsed from its text.
func (s Stored) Profile() (*Profile, error) {
	if s.Text == "" {
		return Builtin(s.Name)
	}
	return Parse(s.Source, []byte(s.Text))
}
