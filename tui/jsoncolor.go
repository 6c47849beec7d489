package tui

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
)

// maxBodyLines bounds how much of a body the inspector draws; a group PUT with
// fifty thousand members would otherwise cost seconds per frame.
const maxBodyLines = 3000

type jsonKind int

const (
	jsonSpace jsonKind = iota
	jsonPunct
	jsonKey
	jsonString
	jsonNumber
	jsonBool
	jsonNull
	jsonOther
)

type jsonToken struct {
	kind jsonKind
	text string
}

// lexJSONLine splits one line of indented, valid JSON into tokens. Valid JSON
// has no raw newlines inside strings, so lines can be lexed independently.
func lexJSONLine(line string) []jsonToken {
	var toks []jsonToken
	for i := 0; i < len(line); {
		c := line[i]
		j := i + 1
		kind := jsonPunct
		switch {
		case c == ' ':
			for j < len(line) && line[j] == ' ' {
				j++
			}
			kind = jsonSpace
		case c == '"':
			for j < len(line) {
				if line[j] == '\\' {
					j += 2
					continue
				}
				j++
				if line[j-1] == '"' {
					break
				}
			}
			j = min(j, len(line))
			kind = jsonString
			k := j
			for k < len(line) && line[k] == ' ' {
				k++
			}
			if k < len(line) && line[k] == ':' {
				kind = jsonKey
			}
		case c == '-' || (c >= '0' && c <= '9'):
			for j < len(line) && strings.IndexByte("+-0123456789.eE", line[j]) >= 0 {
				j++
			}
			kind = jsonNumber
		case c >= 'a' && c <= 'z':
			for j < len(line) && line[j] >= 'a' && line[j] <= 'z' {
				j++
			}
			switch line[i:j] {
			case "true", "false":
				kind = jsonBool
			case "null":
				kind = jsonNull
			default:
				kind = jsonOther
			}
		}
		toks = append(toks, jsonToken{kind, line[i:j]})
		i = j
	}
	return toks
}

func (s *Styles) jsonStyle(k jsonKind) lipgloss.Style {
	switch k {
	case jsonPunct:
		return s.JSONPunct
	case jsonKey:
		return s.JSONKey
	case jsonString:
		return s.JSONString
	case jsonNumber:
		return s.JSONNumber
	case jsonBool:
		return s.JSONBool
	case jsonNull:
		return s.JSONNull
	}
	return s.Text
}

// bodyLines renders a request or response body for a pane w cells wide: JSON
// is pretty-printed with syntax colour, anything else is shown as plain text
// under a note. Long lines wrap with their indentation kept, and each piece is
// styled on its own so no style spans a line break.
func bodyLines(s *Styles, body []byte, w int) []string {
	if len(bytes.TrimSpace(body)) == 0 || w < 8 {
		return nil
	}
	var out []string
	text := string(body)
	valid := json.Valid(body)
	if valid {
		var buf bytes.Buffer
		if err := json.Indent(&buf, body, "", "  "); err == nil {
			text = buf.String()
		}
	} else {
		for _, l := range wrap(fmt.Sprintf("not valid JSON (%s) — shown as sent:", jsonError(body)), w) {
			out = append(out, s.Warning.Render(l))
		}
	}
	lines := strings.Split(strings.TrimRight(text, "\n"), "\n")
	for n, line := range lines {
		if len(out) >= maxBodyLines {
			out = append(out, s.Muted.Render(fmt.Sprintf("… %d more lines not shown", len(lines)-n)))
			break
		}
		var toks []jsonToken
		if valid {
			toks = lexJSONLine(line)
		} else {
			toks = []jsonToken{{jsonOther, clean(line)}}
		}
		out = append(out, wrapTokens(s, toks, w)...)
	}
	return out
}

// jsonError describes why body is not JSON, with the byte offset.
func jsonError(body []byte) string {
	var v any
	err := json.Unmarshal(body, &v)
	if se, ok := err.(*json.SyntaxError); ok {
		return fmt.Sprintf("%s at byte %d", se.Error(), se.Offset)
	}
	if err != nil {
		return err.Error()
	}
	return "unknown error"
}

// wrapTokens lays tokens out in lines of at most w cells. Continuation lines
// are indented two cells past the original line's indentation.
func wrapTokens(s *Styles, toks []jsonToken, w int) []string {
	indent := 0
	if len(toks) > 0 && toks[0].kind == jsonSpace {
		indent = len(toks[0].text)
	}
	indent = min(indent+2, w/2)
	var (
		out  []string
		line strings.Builder
		lw   int
	)
	newLine := func() {
		out = append(out, line.String())
		line.Reset()
		line.WriteString(strings.Repeat(" ", indent))
		lw = indent
	}
	for _, t := range toks {
		st := s.jsonStyle(t.kind)
		text := t.text
		tw := cellWidth(text)
		for tw > 0 {
			room := w - lw
			if room <= 0 {
				newLine()
				continue
			}
			piece := text
			pw := tw
			if pw > room {
				if t.kind == jsonSpace {
					newLine()
					break
				}
				piece = ansi.Cut(text, 0, room)
				pw = cellWidth(piece)
				if pw == 0 {
					newLine()
					continue
				}
			}
			if t.kind == jsonSpace {
				line.WriteString(piece)
			} else {
				line.WriteString(st.Render(piece))
			}
			lw += pw
			text = ansi.Cut(text, pw, tw)
			tw -= pw
		}
	}
	out = append(out, line.String())
	return out
}
