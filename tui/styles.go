package tui

import (
	"image/color"
	"strings"

	"github.com/scimlab/scimlab/exchange"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/textinput"
	"charm.land/lipgloss/v2"

	"github.com/scimlab/scimlab/idp"
)

// Styles holds every style the console uses, by meaning. It is built once for
// a dark or light background; views pick fields and never name colours.
type Styles struct {
	Dark bool

	Text, Bold, Muted, Faint, Italic lipgloss.Style
	Title, Section, Label, Value     lipgloss.Style
	URL, Secret, Key, Link           lipgloss.Style
	Success, Warning, Error, Info    lipgloss.Style
	Border                           lipgloss.Style // box and rule lines
	BoxTitle                         lipgloss.Style

	Brand, Tab, TabActive, TabCount lipgloss.Style
	StatusBar                       lipgloss.Style

	ColumnHeader, Selected, SelectedDim lipgloss.Style
	Marker                              lipgloss.Style

	MethodGet, MethodPost, MethodPut, MethodPatch, MethodDelete, MethodOther lipgloss.Style
	Status2xx, Status3xx, Status4xx, Status5xx, StatusOther                  lipgloss.Style
	Duration, SlowDuration                                                   lipgloss.Style
	IdPOkta, IdPEntra, IdPOther                                              lipgloss.Style
	Tunnel                                                                   lipgloss.Style

	Quirk, QuirkText, Hint, Why lipgloss.Style
	Live, Paused                lipgloss.Style
	Tolerant, Strict            lipgloss.Style
	// Fault marks what a fault rule injected, and rules that are on.
	Fault lipgloss.Style
	// Profile names the app profile; Effect badges what it did to a request;
	// Deleted is a tombstone row; AppSide marks what the app's own admin did.
	Profile, Effect, Deleted, AppSide lipgloss.Style

	StepDone, StepCurrent, StepPending, StepFailed lipgloss.Style

	JSONKey, JSONString, JSONNumber, JSONBool, JSONNull, JSONPunct lipgloss.Style

	Dialog, DialogTitle     lipgloss.Style
	Toast, ToastError       lipgloss.Style
	Big, BigTitle, Narrated lipgloss.Style
	FilterOn                lipgloss.Style

	Help help.Styles

	// paints caches the escape sequences around a styled table cell; see
	// paint. Styles are used from the program's goroutine only.
	paints map[paintKey][2]string
}

type paintKey struct {
	style             *lipgloss.Style
	selected, focused bool
}

// paint renders text in style (with the selection background when selected)
// the way Style.Render does, from the style's escape sequences computed once.
// Table cells are the bulk of every frame, and Render costs microseconds per
// call; text must be a single line without tabs, as cells are.
func (s *Styles) paint(style *lipgloss.Style, selected, focused bool, text string) string {
	k := paintKey{style, selected, focused}
	p, ok := s.paints[k]
	if !ok {
		st := *style
		if selected {
			sel := s.Selected
			if !focused {
				sel = s.SelectedDim
			}
			st = st.Inherit(sel)
		}
		out := st.Render("\x00")
		i := strings.IndexByte(out, 0)
		if i < 0 || strings.Count(out, "\x00") != 1 {
			return st.Render(text)
		}
		p = [2]string{out[:i], out[i+1:]}
		if s.paints == nil {
			s.paints = map[paintKey][2]string{}
		}
		s.paints[k] = p
	}
	return p[0] + text + p[1]
}

// NewStyles builds the styles for a dark (true) or light background.
func NewStyles(dark bool) *Styles {
	ld := lipgloss.LightDark(dark)
	c := func(light, dark string) color.Color { return ld(lipgloss.Color(light), lipgloss.Color(dark)) }

	var (
		fg      = c("#1F1F28", "#E6E6EF")
		muted   = c("#6B6B7B", "#9A9AAE")
		faint   = c("#A4A4B4", "#5E5E70")
		accent  = c("#5B3FD6", "#9D86FF")
		accentB = c("#5B3FD6", "#7D56F4")
		green   = c("#127A2F", "#6BD68A")
		yellow  = c("#8A6100", "#F2C14E")
		orange  = c("#A8480A", "#FF9F5A")
		red     = c("#B3122E", "#FF6B81")
		blue    = c("#0A5BB8", "#6CB6FF")
		cyan    = c("#00727A", "#5FD7D7")
		violet  = c("#7A1FA8", "#D29BFF")
		selBG   = c("#E4DEFF", "#2E2A4A")
		selDim  = c("#EFEFF4", "#24242E")
		chipBG  = c("#EDE8FF", "#2B2640")
		quirkBG = c("#FFE7B8", "#4A3A12")
		white   = lipgloss.Color("#FFFFFF")
	)
	st := lipgloss.NewStyle
	s := &Styles{Dark: dark}
	s.Text = st().Foreground(fg)
	s.Bold = st().Foreground(fg).Bold(true)
	s.Muted = st().Foreground(muted)
	s.Faint = st().Foreground(faint)
	s.Italic = st().Foreground(muted).Italic(true)
	s.Title = st().Foreground(accent).Bold(true)
	s.Section = st().Foreground(accent).Bold(true)
	s.Label = st().Foreground(muted)
	s.Value = st().Foreground(fg)
	s.URL = st().Foreground(blue).Underline(true)
	s.Secret = st().Foreground(yellow)
	s.Key = st().Foreground(accent).Bold(true)
	s.Link = st().Foreground(blue)
	s.Success = st().Foreground(green)
	s.Warning = st().Foreground(yellow)
	s.Error = st().Foreground(red)
	s.Info = st().Foreground(cyan)
	s.Border = st().Foreground(faint)
	s.BoxTitle = st().Foreground(accent).Bold(true)

	s.Brand = st().Foreground(white).Background(accentB).Bold(true).Padding(0, 1)
	s.Tab = st().Foreground(muted).Padding(0, 1)
	s.TabActive = st().Foreground(accent).Background(chipBG).Bold(true).Padding(0, 1)
	s.TabCount = st().Foreground(faint)
	s.StatusBar = st().Foreground(muted)

	s.ColumnHeader = st().Foreground(muted).Bold(true)
	s.Selected = st().Background(selBG).Bold(true)
	s.SelectedDim = st().Background(selDim)
	s.Marker = st().Foreground(accent).Bold(true)

	s.MethodGet = st().Foreground(blue).Bold(true)
	s.MethodPost = st().Foreground(green).Bold(true)
	s.MethodPut = st().Foreground(orange).Bold(true)
	s.MethodPatch = st().Foreground(violet).Bold(true)
	s.MethodDelete = st().Foreground(red).Bold(true)
	s.MethodOther = st().Foreground(muted).Bold(true)
	s.Status2xx = st().Foreground(green)
	s.Status3xx = st().Foreground(cyan)
	s.Status4xx = st().Foreground(yellow).Bold(true)
	s.Status5xx = st().Foreground(red).Bold(true)
	s.StatusOther = st().Foreground(muted)
	s.Duration = st().Foreground(muted)
	s.SlowDuration = st().Foreground(orange)
	s.IdPOkta = st().Foreground(blue)
	s.IdPEntra = st().Foreground(cyan)
	s.IdPOther = st().Foreground(muted)
	s.Tunnel = st().Foreground(violet)

	s.Quirk = st().Foreground(yellow).Background(quirkBG).Padding(0, 1)
	s.QuirkText = st().Foreground(yellow)
	s.Hint = st().Foreground(cyan)
	s.Why = st().Foreground(red)
	s.Live = st().Foreground(green).Bold(true)
	s.Paused = st().Foreground(yellow).Bold(true)
	s.Tolerant = st().Foreground(green).Bold(true)
	s.Strict = st().Foreground(orange).Bold(true)
	s.Fault = st().Foreground(orange).Bold(true)
	s.Profile = st().Foreground(violet).Bold(true)
	s.Effect = st().Foreground(violet)
	s.Deleted = st().Foreground(faint).Strikethrough(true)
	s.AppSide = st().Foreground(cyan)

	s.StepDone = st().Foreground(green)
	s.StepCurrent = st().Foreground(accent).Bold(true)
	s.StepPending = st().Foreground(faint)
	s.StepFailed = st().Foreground(red).Bold(true)

	s.JSONKey = st().Foreground(blue)
	s.JSONString = st().Foreground(green)
	s.JSONNumber = st().Foreground(orange)
	s.JSONBool = st().Foreground(violet)
	s.JSONNull = st().Foreground(muted).Italic(true)
	s.JSONPunct = st().Foreground(faint)

	s.Dialog = st().Border(lipgloss.RoundedBorder()).BorderForeground(accent).Padding(1, 2)
	s.DialogTitle = st().Foreground(accent).Bold(true)
	s.Toast = st().Foreground(green).Bold(true)
	s.ToastError = st().Foreground(red).Bold(true)
	s.Big = st().Foreground(accent).Bold(true)
	s.BigTitle = st().Foreground(fg).Bold(true)
	s.Narrated = st().Foreground(fg)
	s.FilterOn = st().Foreground(accent).Bold(true)

	s.Help = help.Styles{
		Ellipsis:       st().Foreground(faint),
		ShortKey:       st().Foreground(accent),
		ShortDesc:      st().Foreground(muted),
		ShortSeparator: st().Foreground(faint),
		FullKey:        st().Foreground(accent).Bold(true),
		FullDesc:       st().Foreground(muted),
		FullSeparator:  st().Foreground(faint),
	}
	return s
}

// method returns the style of an HTTP method.
func (s *Styles) method(m string) *lipgloss.Style {
	switch m {
	case "GET":
		return &s.MethodGet
	case "POST":
		return &s.MethodPost
	case "PUT":
		return &s.MethodPut
	case "PATCH":
		return &s.MethodPatch
	case "DELETE":
		return &s.MethodDelete
	}
	return &s.MethodOther
}

// status returns the style of an HTTP status code by class.
func (s *Styles) status(code int) *lipgloss.Style {
	switch code / 100 {
	case 2:
		return &s.Status2xx
	case 3:
		return &s.Status3xx
	case 4:
		return &s.Status4xx
	case 5:
		return &s.Status5xx
	}
	return &s.StatusOther
}

// idp returns the style of an IdP's name.
func (s *Styles) idp(p exchange.IdP) *lipgloss.Style {
	switch p {
	case exchange.Okta:
		return &s.IdPOkta
	case exchange.Entra:
		return &s.IdPEntra
	}
	return &s.IdPOther
}

// step returns the style and glyph of a walkthrough step status.
func (s *Styles) step(status idp.StepStatus) (lipgloss.Style, string) {
	switch status {
	case idp.StatusDone:
		return s.StepDone, "✔"
	case idp.StatusCurrent:
		return s.StepCurrent, "▶"
	case idp.StatusFailed:
		return s.StepFailed, "✘"
	}
	return s.StepPending, "○"
}

// inputStyles styles a text field to match the console, without blinking so
// the screen stays still between key presses.
func (s *Styles) inputStyles() textinput.Styles {
	ts := textinput.DefaultStyles(s.Dark)
	ts.Focused.Prompt = s.Key
	ts.Focused.Text = s.Text
	ts.Focused.Placeholder = s.Faint
	ts.Blurred.Prompt = s.Muted
	ts.Blurred.Text = s.Muted
	ts.Blurred.Placeholder = s.Faint
	ts.Cursor.Blink = false
	return ts
}
