package fault

import (
	"errors"
	"strings"
)

// ParseFile reads a rules file: one rule per line in the syntax of --fault, blank lines
// and lines starting with # ignored, a # after a rule starting a comment. A bad line is
// refused with the file name and line number; no rule of a bad file is returned.
func ParseFile(name string, data []byte) ([]Rule, error) {
	var rules []Rule
	for i, line := range strings.Split(string(data), "\n") {
		text := strings.TrimSpace(line)
		if i == 0 {
			text = strings.TrimPrefix(text, "\uFEFF")
		}
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		r, err := Parse(text)
		if err != nil {
			var fe *Error
			if errors.As(err, &fe) {
				fe.File, fe.Line = name, i+1
			}
			return nil, err
		}
		rules = append(rules, r)
	}
	return rules, nil
}
