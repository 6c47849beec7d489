package filter

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/scimlab/scimlab/scim/quirk"
)

// value parses compValue = false / null / true / number / string after op.
func (p *parser) value(op Op) (Value, error) {
	p.skipSpace()
	start := p.pos
	if p.eof() || p.peek() == ')' || p.peek() == ']' {
		return Value{}, p.errorf(p.pos, "expected a value after %q, found %s", op, p.token())
	}
	if p.peek() == '"' {
		s, err := p.jsonString()
		if err != nil {
			return Value{}, err
		}
		return Value{Kind: String, Str: s}, nil
	}
	end := p.pos
	for end < len(p.in) && !isDelim(p.in[end]) {
		end++
	}
	w := p.in[start:end]
	if w == "" {
		return Value{}, p.errorf(p.pos, "expected a value after %q, found %s", op, p.token())
	}
	switch {
	case isJSONNumber(w):
		f, err := strconv.ParseFloat(w, 64)
		if err != nil {
			return Value{}, p.errorf(start, "the number %s is out of range", w)
		}
		p.pos = end
		return Value{Kind: Number, Num: f, Raw: w}, nil
	// RFC 5234 §2.3 makes ABNF literals case-insensitive, and the keywords beside them
	// (and, or, not, pr, eq) are, so TRUE and Null are accepted as well.
	case strings.EqualFold(w, "true"):
		p.pos = end
		return Value{Kind: Bool, Bool: true}, nil
	case strings.EqualFold(w, "false"):
		p.pos = end
		return Value{Kind: Bool}, nil
	case strings.EqualFold(w, "null"):
		p.pos = end
		return Value{Kind: Null}, nil
	}
	if !p.tolerant {
		var q strings.Builder
		quote(&q, w)
		return Value{}, p.errorf(start, "the value %s must be quoted: write %s; only numbers, true, false and null stand without quotes", printable(w), q.String())
	}
	p.seen.Add(quirk.UnquotedFilterValue)
	p.pos = end
	return Value{Kind: String, Str: w}, nil
}

// isJSONNumber reports whether s is a number in RFC 8259 §6 syntax:
// [ "-" ] ( "0" / 1-9 *DIGIT ) [ "." 1*DIGIT ] [ ( "e" / "E" ) [ "-" / "+" ] 1*DIGIT ].
func isJSONNumber(s string) bool {
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case i < len(s) && isDigit(s[i]):
		for i < len(s) && isDigit(s[i]) {
			i++
		}
	default:
		return false
	}
	if i < len(s) && s[i] == '.' {
		i++
		if i == len(s) || !isDigit(s[i]) {
			return false
		}
		for i < len(s) && isDigit(s[i]) {
			i++
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if i == len(s) || !isDigit(s[i]) {
			return false
		}
		for i < len(s) && isDigit(s[i]) {
			i++
		}
	}
	return i == len(s)
}

// jsonString decodes the JSON string (RFC 8259 §7) starting at pos.
func (p *parser) jsonString() (string, error) {
	open := p.pos
	p.pos++
	// Most values have no escapes: return a slice of the input without copying.
	plain := p.pos
	for plain < len(p.in) && p.in[plain] != '"' && p.in[plain] != '\\' && p.in[plain] >= 0x20 {
		plain++
	}
	if plain < len(p.in) && p.in[plain] == '"' {
		s := p.in[p.pos:plain]
		p.pos = plain + 1
		return s, nil
	}
	b := []byte(p.in[p.pos:plain])
	p.pos = plain
	for {
		if p.eof() {
			return "", p.errorf(open, `the string starting here has no closing quote (")`)
		}
		c := p.in[p.pos]
		switch {
		case c == '"':
			p.pos++
			return string(b), nil
		case c < 0x20:
			return "", p.errorf(p.pos, `control character 0x%02x in a string; write it as \u%04x`, c, c)
		case c != '\\':
			b = append(b, c)
			p.pos++
			continue
		}
		esc := p.pos
		p.pos++
		if p.eof() {
			return "", p.errorf(esc, `the string starting at position %d ends inside an escape sequence`, p.column(open))
		}
		switch e := p.in[p.pos]; e {
		case '"', '\\', '/':
			b = append(b, e)
		case 'b':
			b = append(b, '\b')
		case 'f':
			b = append(b, '\f')
		case 'n':
			b = append(b, '\n')
		case 'r':
			b = append(b, '\r')
		case 't':
			b = append(b, '\t')
		case 'u':
			r, ok := hex4(p.in, p.pos+1)
			if !ok {
				return "", p.errorf(esc, `invalid escape %s: \u needs four hex digits`, shortTok(p.in, esc, 6))
			}
			p.pos += 4
			if r >= 0xd800 && r < 0xdc00 {
				// A high surrogate pairs with a following \uDC00-\uDFFF (RFC 8259 §7).
				if lo, ok := hex4(p.in, p.pos+3); ok && p.pos+2 < len(p.in) && p.in[p.pos+1] == '\\' && p.in[p.pos+2] == 'u' && lo >= 0xdc00 && lo < 0xe000 {
					r = 0x10000 + (r-0xd800)<<10 + (lo - 0xdc00)
					p.pos += 6
				} else {
					r = utf8.RuneError
				}
			} else if r >= 0xdc00 && r < 0xe000 {
				r = utf8.RuneError
			}
			b = utf8.AppendRune(b, r)
		default:
			return "", p.errorf(esc, `invalid escape %s in a string; valid escapes are \" \\ \/ \b \f \n \r \t and \uXXXX`, shortTok(p.in, esc, 2))
		}
		p.pos++
	}
}

// shortTok returns up to n bytes of in from pos, cut at a character boundary.
func shortTok(in string, pos, n int) string {
	end := min(pos+n, len(in))
	for end < len(in) && !utf8.RuneStart(in[end]) {
		end++
	}
	return printable(in[pos:end])
}

func hex4(s string, pos int) (rune, bool) {
	if pos+4 > len(s) {
		return 0, false
	}
	var r rune
	for _, c := range []byte(s[pos : pos+4]) {
		r <<= 4
		switch {
		case isDigit(c):
			r |= rune(c - '0')
		case c|0x20 >= 'a' && c|0x20 <= 'f':
			r |= rune(c|0x20-'a') + 10
		default:
			return 0, false
		}
	}
	return r, true
}
