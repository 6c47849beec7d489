package filter

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/scimlab/scimlab/scim/quirk"
)

// Parse parses a filter following the grammar of RFC 7644 §3.4.2.2. Keywords, operators
// and the literals true, false and null are read in any case, as ABNF literals are
// (RFC 5234 §2.3); extra white space is allowed wherever a space is. Errors are
// *SyntaxError.
func Parse(s string) (Expr, error) {
	return parseFilter(s, false, nil)
}

// ParseTolerant parses a filter like Parse but also accepts what identity providers send
// in the field, recording each departure in seen (which may be nil):
//   - an unquoted comparison value, userName eq alice@example.com, read as a string
//     (quirk.UnquotedFilterValue);
//   - a sub-attribute after a value filter, emails[type eq "work"].value eq "x", read as
//     emails[type eq "work" and value eq "x"] (quirk.ValuePathSubAttr).
func ParseTolerant(s string, seen *quirk.Set) (Expr, error) {
	return parseFilter(s, true, seen)
}

// ParsePath parses a PATCH operation's path (RFC 7644 §3.5.2):
// attrPath ["[" valFilter "]" ["." subAttr]]. Errors are *SyntaxError.
func ParsePath(s string) (Path, error) {
	return parsePath(s, false, nil)
}

// ParsePathTolerant parses a PATCH path like ParsePath but reads the value filter the way
// ParseTolerant does, recording departures in seen (which may be nil).
func ParsePathTolerant(s string, seen *quirk.Set) (Path, error) {
	return parsePath(s, true, seen)
}

// ParseStrict parses like Parse. When Parse refuses a filter that ParseTolerant accepts,
// the departures are recorded in seen and the error is a quirk.Refusal of the first, so
// the refusal is explained by the quirk that caused it.
func ParseStrict(s string, seen *quirk.Set) (Expr, error) {
	e, err := Parse(s)
	if err != nil {
		return nil, refusal(err, seen, func(tolerated *quirk.Set) error {
			_, err := ParseTolerant(s, tolerated)
			return err
		})
	}
	return e, nil
}

// ParsePathStrict is ParseStrict for PATCH paths.
func ParsePathStrict(s string, seen *quirk.Set) (Path, error) {
	p, err := ParsePath(s)
	if err != nil {
		return Path{}, refusal(err, seen, func(tolerated *quirk.Set) error {
			_, err := ParsePathTolerant(s, tolerated)
			return err
		})
	}
	return p, nil
}

// refusal turns a strict parse error into a quirk.Refusal when the tolerant parse would
// have succeeded.
func refusal(strictErr error, seen *quirk.Set, tolerant func(*quirk.Set) error) error {
	var tolerated quirk.Set
	if tolerant(&tolerated) != nil {
		return strictErr
	}
	qs := tolerated.List()
	if len(qs) == 0 {
		return strictErr
	}
	for _, q := range qs {
		seen.Add(q)
	}
	return quirk.Refuse(qs[0], strictErr)
}

func parseFilter(s string, tolerant bool, seen *quirk.Set) (Expr, error) {
	p := &parser{in: s, tolerant: tolerant, seen: seen}
	if err := p.checkInput(); err != nil {
		return nil, err
	}
	p.skipSpace()
	if p.eof() {
		return nil, p.errorf(p.pos, "the filter is empty")
	}
	e, err := p.or(false)
	if err != nil {
		return nil, err
	}
	p.skipSpace()
	if !p.eof() {
		return nil, p.trailing()
	}
	return e, nil
}

func parsePath(s string, tolerant bool, seen *quirk.Set) (Path, error) {
	p := &parser{in: s, tolerant: tolerant, seen: seen, path: true}
	if err := p.checkInput(); err != nil {
		return Path{}, err
	}
	p.skipSpace()
	if p.eof() {
		return Path{}, p.errorf(p.pos, "the path is empty")
	}
	attr, err := p.attrPath()
	if err != nil {
		return Path{}, err
	}
	path := Path{Attr: attr}
	afterAttr := p.pos
	p.skipSpace()
	if p.peek() == '[' {
		if attr.Sub != "" {
			return Path{}, p.errorf(p.pos, "a value filter must follow a multi-valued attribute, not the sub-attribute %q", attr.String())
		}
		if path.Filter, err = p.bracket(); err != nil {
			return Path{}, err
		}
		if p.peek() == '.' {
			p.pos++
			if path.Sub, err = p.subAttr(); err != nil {
				return Path{}, err
			}
		}
	} else {
		p.pos = afterAttr
	}
	p.skipSpace()
	if !p.eof() {
		switch {
		case p.peek() == '.' && path.Sub != "":
			return Path{}, p.errorf(p.pos, "a path has at most one sub-attribute after a value filter")
		case p.peek() == '[':
			return Path{}, p.errorf(p.pos, "a path has at most one value filter")
		}
		return Path{}, p.errorf(p.pos, "unexpected %s after the path %q", p.token(), strings.TrimSpace(s[:p.pos]))
	}
	return path, nil
}

// parser is a recursive-descent parser over one input string. Recursion happens only
// on "(", "not (" and "[", each of which counts against MaxDepth.
type parser struct {
	in       string
	pos      int
	depth    int
	tolerant bool
	seen     *quirk.Set
	path     bool
}

func (p *parser) errorf(pos int, format string, args ...any) *SyntaxError {
	for i, a := range args {
		if s, ok := a.(string); ok {
			args[i] = clip(s)
		}
	}
	return &SyntaxError{Input: p.in, Pos: pos, Msg: fmt.Sprintf(format, args...), path: p.path}
}

// clip shortens input quoted in an error message, so that an 8 KiB attribute name does
// not turn into an 8 KiB log line.
func clip(s string) string {
	const maxRunes = 48
	n := 0
	for i := range s {
		if n == maxRunes {
			return s[:i] + "…"
		}
		n++
	}
	return s
}

func (p *parser) checkInput() error {
	if len(p.in) > MaxLen {
		return p.errorf(MaxLen, "the input is %d bytes long; at most %d are allowed", len(p.in), MaxLen)
	}
	if utf8.ValidString(p.in) {
		return nil
	}
	for i := 0; i < len(p.in); {
		r, size := utf8.DecodeRuneInString(p.in[i:])
		if r == utf8.RuneError && size == 1 {
			return p.errorf(i, "the input is not valid UTF-8 (byte 0x%02x)", p.in[i])
		}
		i += size
	}
	return nil
}

func (p *parser) eof() bool { return p.pos >= len(p.in) }

func (p *parser) peek() byte {
	if p.pos >= len(p.in) {
		return 0
	}
	return p.in[p.pos]
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func (p *parser) skipSpace() {
	for p.pos < len(p.in) && isSpace(p.in[p.pos]) {
		p.pos++
	}
}

func isAlpha(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }
func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// isNameChar reports the characters of RFC 7643 §2.1 ATTRNAME (plus "$", for "$ref").
func isNameChar(c byte) bool { return isAlpha(c) || isDigit(c) || c == '-' || c == '_' || c == '$' }

// isPathChar reports the characters an attribute path with a schema URI prefix is made
// of. It is wider than ATTRNAME so that a stray character is reported inside the path
// where it stands rather than as a missing operator after it.
func isPathChar(c byte) bool {
	return isNameChar(c) || c == '.' || c == ':' || c == '/' || c == '%' || c == '~'
}

// isDelim reports the characters that end an unquoted value.
func isDelim(c byte) bool {
	return isSpace(c) || c == '(' || c == ')' || c == '[' || c == ']' || c == '"'
}

// word returns the run of name characters at pos, for keywords and operators.
func (p *parser) word() string {
	end := p.pos
	for end < len(p.in) && (isNameChar(p.in[end]) || p.in[end] == '.' || p.in[end] == ':') {
		end++
	}
	return p.in[p.pos:end]
}

// keyword reports whether the keyword kw (in any case) starts at pos as a whole word.
func (p *parser) keyword(kw string) bool {
	end := p.pos + len(kw)
	if end > len(p.in) || !strings.EqualFold(p.in[p.pos:end], kw) {
		return false
	}
	return end == len(p.in) || !isPathChar(p.in[end])
}

// token describes what stands at pos for an error message.
func (p *parser) token() string {
	if p.eof() {
		if p.path {
			return "the end of the path"
		}
		return "the end of the filter"
	}
	const maxRunes = 24
	rest := p.in[p.pos:]
	var tok string
	switch c := rest[0]; {
	case c == '"':
		end := 1
		for end < len(rest) && rest[end] != '"' {
			if rest[end] == '\\' {
				end++
			}
			end++
		}
		tok = rest[:min(end+1, len(rest))]
	case isDelim(c) || c == ',' || c == '.':
		tok = rest[:1]
	default:
		end := 0
		for end < len(rest) && !isDelim(rest[end]) {
			end++
		}
		tok = rest[:end]
	}
	if utf8.RuneCountInString(tok) > maxRunes {
		tok = string([]rune(tok)[:maxRunes]) + "…"
	}
	if strings.HasPrefix(tok, `"`) {
		return printable(tok)
	}
	return `"` + printable(tok) + `"`
}

// trailing explains why parsing stopped before the end of a filter.
func (p *parser) trailing() error {
	switch p.peek() {
	case ')':
		return p.errorf(p.pos, `unbalanced ")": no "(" is open here`)
	case ']':
		return p.errorf(p.pos, `unbalanced "]": no "[" is open here`)
	}
	return p.errorf(p.pos, `expected "and", "or" or the end of the filter, found %s`, p.token())
}

// enter counts one level of nesting at pos.
func (p *parser) enter(pos int) error {
	p.depth++
	if p.depth > MaxDepth {
		return p.errorf(pos, "the filter nests more than %d levels of parentheses, \"not\" and value filters", MaxDepth)
	}
	return nil
}

// or parses: and {"or" and}. inBracket is set inside a value filter, where value paths
// cannot nest.
func (p *parser) or(inBracket bool) (Expr, error) {
	left, err := p.and(inBracket)
	if err != nil {
		return nil, err
	}
	for {
		save := p.pos
		p.skipSpace()
		if !p.keyword("or") {
			p.pos = save
			return left, nil
		}
		p.pos += len("or")
		right, err := p.and(inBracket)
		if err != nil {
			return nil, err
		}
		left = &Or{Left: left, Right: right}
	}
}

// and parses: unary {"and" unary}.
func (p *parser) and(inBracket bool) (Expr, error) {
	left, err := p.unary(inBracket)
	if err != nil {
		return nil, err
	}
	for {
		save := p.pos
		p.skipSpace()
		if !p.keyword("and") {
			p.pos = save
			return left, nil
		}
		p.pos += len("and")
		right, err := p.unary(inBracket)
		if err != nil {
			return nil, err
		}
		left = &And{Left: left, Right: right}
	}
}

// unary parses: "(" filter ")" / "not" "(" filter ")" / attrExp / valuePath.
func (p *parser) unary(inBracket bool) (Expr, error) {
	p.skipSpace()
	switch c := p.peek(); {
	case c == '(':
		return p.group(inBracket)
	case p.keyword("not"):
		save := p.pos
		p.pos += len("not")
		p.skipSpace()
		if p.peek() == '(' {
			x, err := p.group(inBracket)
			if err != nil {
				return nil, err
			}
			return &Not{X: x}, nil
		}
		// Without "(" the word is an attribute that happens to be called "not".
		p.pos = save
	case p.eof() || !isPathChar(c):
		return nil, p.errorf(p.pos, `expected an attribute name, "(" or "not (", found %s`, p.token())
	}
	return p.attrExp(inBracket)
}

// group parses "(" filter ")" with pos at "(".
func (p *parser) group(inBracket bool) (Expr, error) {
	open := p.pos
	if err := p.enter(open); err != nil {
		return nil, err
	}
	p.pos++
	p.skipSpace()
	if p.peek() == ')' {
		return nil, p.errorf(p.pos, `empty parentheses: expected a filter between "(" and ")"`)
	}
	e, err := p.or(inBracket)
	if err != nil {
		return nil, err
	}
	p.skipSpace()
	if p.peek() != ')' {
		if p.eof() {
			return nil, p.errorf(p.pos, `missing ")" to close the "(" at position %d`, p.column(open))
		}
		if p.peek() == ']' {
			return nil, p.errorf(p.pos, `found "]" but the "(" at position %d is still open`, p.column(open))
		}
		return nil, p.errorf(p.pos, `expected "and", "or" or ")" to close the "(" at position %d, found %s`, p.column(open), p.token())
	}
	p.pos++
	p.depth--
	return e, nil
}

// bracket parses "[" valFilter "]" with pos at "[".
func (p *parser) bracket() (Expr, error) {
	open := p.pos
	if err := p.enter(open); err != nil {
		return nil, err
	}
	p.pos++
	p.skipSpace()
	if p.peek() == ']' {
		return nil, p.errorf(p.pos, `empty value filter: expected a filter between "[" and "]"`)
	}
	e, err := p.or(true)
	if err != nil {
		return nil, err
	}
	p.skipSpace()
	if p.peek() != ']' {
		if p.eof() {
			return nil, p.errorf(p.pos, `missing "]" to close the "[" at position %d`, p.column(open))
		}
		if p.peek() == ')' {
			return nil, p.errorf(p.pos, `found ")" but the "[" at position %d is still open`, p.column(open))
		}
		return nil, p.errorf(p.pos, `expected "and", "or" or "]" to close the "[" at position %d, found %s`, p.column(open), p.token())
	}
	p.pos++
	p.depth--
	return e, nil
}

func (p *parser) column(pos int) int {
	return utf8.RuneCountInString(p.in[:pos]) + 1
}

// attrExp parses an attribute path followed by "pr", an operator and a value, or a
// value filter.
func (p *parser) attrExp(inBracket bool) (Expr, error) {
	start := p.pos
	attr, err := p.attrPath()
	if err != nil {
		return nil, err
	}
	afterAttr := p.pos
	p.skipSpace()
	if p.peek() != '[' {
		p.pos = afterAttr
		return p.condition(attr, start)
	}
	if inBracket {
		return nil, p.errorf(p.pos, `value filters cannot be nested: %q is already inside a "[...]"`, attr.String())
	}
	if attr.Sub != "" {
		return nil, p.errorf(p.pos, "a value filter must follow a multi-valued attribute, not the sub-attribute %q", attr.String())
	}
	inner, err := p.bracket()
	if err != nil {
		return nil, err
	}
	vp := &ValuePath{Attr: attr, Filter: inner}
	if p.peek() != '.' {
		return vp, nil
	}
	if !p.tolerant {
		return nil, p.errorf(p.pos, `a sub-attribute after a value filter (%s[...].%s) is allowed only in PATCH paths; in a filter put the condition inside the brackets: %s[... and %s eq "..."]`,
			attr.Name, p.nameAt(p.pos+1), attr.Name, p.nameAt(p.pos+1))
	}
	subStart := p.pos + 1
	p.pos++
	sub, err := p.subAttr()
	if err != nil {
		return nil, err
	}
	cond, err := p.condition(AttrPath{Name: sub}, subStart)
	if err != nil {
		return nil, err
	}
	p.seen.Add(quirk.ValuePathSubAttr)
	vp.Filter = &And{Left: inner, Right: cond}
	return vp, nil
}

// nameAt returns the attribute name at pos for an error message, or "value".
func (p *parser) nameAt(pos int) string {
	end := pos
	for end < len(p.in) && isNameChar(p.in[end]) {
		end++
	}
	if end == pos {
		return "value"
	}
	return p.in[pos:end]
}

// condition parses what follows an attribute path: "pr" or an operator and a value.
// start is where the path began, for the error about a misplaced "not".
func (p *parser) condition(attr AttrPath, start int) (Expr, error) {
	p.skipSpace()
	opPos := p.pos
	w := p.word()
	if strings.EqualFold(w, "pr") {
		p.pos += len(w)
		save := p.pos
		p.skipSpace()
		if c := p.peek(); c == '"' || c == '-' || isDigit(c) {
			return nil, p.errorf(p.pos, `"pr" (present) takes no value: write %s pr`, attr.String())
		}
		p.pos = save
		return &Present{Attr: attr}, nil
	}
	for _, op := range ops {
		if strings.EqualFold(w, string(op)) {
			p.pos += len(w)
			v, err := p.value(op)
			if err != nil {
				return nil, err
			}
			return &Compare{Attr: attr, Op: op, Value: v}, nil
		}
	}
	if attr.URN == "" && attr.Sub == "" && strings.EqualFold(attr.Name, "not") {
		return nil, p.errorf(start, `"not" must be followed by a filter in parentheses, as in not (userName eq "x")`)
	}
	return nil, p.errorf(opPos, "expected a comparison operator (eq, ne, co, sw, ew, gt, ge, lt, le) or pr after %q, found %s", attr.String(), p.token())
}

// attrPath parses [URI ":"] ATTRNAME ["." ATTRNAME] at pos.
func (p *parser) attrPath() (AttrPath, error) {
	start := p.pos
	for p.pos < len(p.in) && isPathChar(p.in[p.pos]) {
		p.pos++
	}
	tok := p.in[start:p.pos]
	if tok == "" {
		return AttrPath{}, p.errorf(start, "expected an attribute name, found %s", p.token())
	}
	var ap AttrPath
	rest, restPos := tok, start
	if colon := strings.LastIndexByte(tok, ':'); colon >= 0 {
		ap.URN = tok[:colon]
		if err := p.checkURN(ap.URN, start); err != nil {
			return AttrPath{}, err
		}
		rest, restPos = tok[colon+1:], start+colon+1
		if rest == "" {
			return AttrPath{}, p.errorf(restPos, "expected an attribute name after the schema URI %q", ap.URN)
		}
	}
	ap.Name = rest
	if dot := strings.IndexByte(rest, '.'); dot >= 0 {
		ap.Name, ap.Sub = rest[:dot], rest[dot+1:]
		if ap.Sub == "" {
			return AttrPath{}, p.errorf(restPos+dot+1, "expected a sub-attribute name after %q", rest)
		}
		if more := strings.IndexByte(ap.Sub, '.'); more >= 0 {
			return AttrPath{}, p.errorf(restPos+dot+1+more, "an attribute path has at most one sub-attribute, as in name.familyName; found %q", rest)
		}
	}
	if err := p.checkName(ap.Name, restPos); err != nil {
		return AttrPath{}, err
	}
	if ap.Sub != "" {
		if err := p.checkName(ap.Sub, restPos+len(ap.Name)+1); err != nil {
			return AttrPath{}, err
		}
	}
	return ap, nil
}

// subAttr parses the ATTRNAME after "]." at pos.
func (p *parser) subAttr() (string, error) {
	start := p.pos
	for p.pos < len(p.in) && isNameChar(p.in[p.pos]) {
		p.pos++
	}
	name := p.in[start:p.pos]
	if name == "" {
		return "", p.errorf(start, `expected a sub-attribute name after "].", found %s`, p.token())
	}
	if err := p.checkName(name, start); err != nil {
		return "", err
	}
	if p.peek() == '.' {
		return "", p.errorf(p.pos, "a path has at most one sub-attribute after a value filter")
	}
	return name, nil
}

// checkName validates an ATTRNAME (RFC 7643 §2.1): ALPHA *(nameChar), where "$ref" is
// also allowed because RFC 7643 names a sub-attribute so.
func (p *parser) checkName(name string, pos int) error {
	body, bodyPos := name, pos
	if strings.HasPrefix(name, "$") {
		body, bodyPos = name[1:], pos+1
	}
	if body == "" || !isAlpha(body[0]) {
		return p.errorf(bodyPos, "invalid attribute name %q: a name starts with a letter", name)
	}
	for i := 1; i < len(body); i++ {
		if c := body[i]; !isAlpha(c) && !isDigit(c) && c != '-' && c != '_' {
			return p.errorf(bodyPos+i, "invalid character %q in attribute name %q", c, name)
		}
	}
	return nil
}

// checkURN validates the schema URI before an attribute name: a URI scheme, ":", and
// colon-separated segments none of which is empty.
func (p *parser) checkURN(urn string, pos int) error {
	colon := strings.IndexByte(urn, ':')
	if colon < 0 {
		return p.errorf(pos, "%q is not a schema URI; an attribute path is [schema URI \":\"] name, as in urn:ietf:params:scim:schemas:core:2.0:User:userName", urn)
	}
	scheme := urn[:colon]
	if scheme == "" || !isAlpha(scheme[0]) {
		return p.errorf(pos, "invalid schema URI %q: it must start with a scheme such as urn:", urn)
	}
	for i := 1; i < len(scheme); i++ {
		if c := scheme[i]; !isAlpha(c) && !isDigit(c) && c != '+' && c != '-' && c != '.' {
			return p.errorf(pos+i, "invalid schema URI %q: it must start with a scheme such as urn:", urn)
		}
	}
	if i := strings.Index(urn, "::"); i >= 0 {
		return p.errorf(pos+i+1, "invalid schema URI %q: empty segment between colons", urn)
	}
	if strings.HasSuffix(urn, ":") {
		return p.errorf(pos+len(urn)-1, "invalid schema URI %q: empty segment between colons", urn)
	}
	return nil
}
