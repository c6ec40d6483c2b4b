package training

// iCalendar (RFC 5545) files of sessions: one .ics per session and a feed
// per training body. Lines end in CRLF and are folded at 75 octets without
// splitting a character; TEXT values escape backslash, semicolon, comma and
// newlines; times are local to Europe/Paris with its VTIMEZONE.

import (
	"bufio"
	"io"
	"maillage/internal/maillage"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Keys of iCalendar texts.
const (
	KeyICalRemote = "training.ical.remote" // the LOCATION of a remote session
)

// ICalOptions tunes the iCalendar files.
type ICalOptions struct {
	// Domain makes the UIDs: session-<id>@<domain>. The same session always
	// has the same UID, so calendars update it instead of adding another.
	Domain string
	// Now is written as DTSTAMP.
	Now time.Time
	// Text renders the words the files need (the location of a remote
	// session); nil writes the key.
	Text func(key string, args ...any) string
}

const icalProdID = "-//Maillage//Sessions de formation//FR"

// The definition of Europe/Paris since 1996 (EU rules: last Sunday of March
// and of October).
var vtimezoneParis = []string{
	"BEGIN:VTIMEZONE",
	"TZID:Europe/Paris",
	"BEGIN:DAYLIGHT",
	"TZOFFSETFROM:+0100",
	"TZOFFSETTO:+0200",
	"TZNAME:CEST",
	"DTSTART:19700329T020000",
	"RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
	"END:DAYLIGHT",
	"BEGIN:STANDARD",
	"TZOFFSETFROM:+0200",
	"TZOFFSETTO:+0100",
	"TZNAME:CET",
	"DTSTART:19701025T030000",
	"RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
	"END:STANDARD",
	"END:VTIMEZONE",
}

// WriteSessionICS writes one session of an offer as an iCalendar file.
func WriteSessionICS(w io.Writer, o *Offer, s *Session, opts ICalOptions) error {
	iw := newICalWriter(w)
	iw.header("")
	iw.event(o, s, opts)
	iw.line("END:VCALENDAR")
	return iw.flush()
}

// WriteFeedICS writes every session of a training body's offers as one
// iCalendar feed named after the body.
func WriteFeedICS(w io.Writer, b *Body, offers []*Offer, opts ICalOptions) error {
	iw := newICalWriter(w)
	iw.header(b.Name)
	for _, o := range offers {
		for _, s := range o.Sessions {
			iw.event(o, s, opts)
		}
	}
	iw.line("END:VCALENDAR")
	return iw.flush()
}

type icalWriter struct {
	w   *bufio.Writer
	err error
}

func newICalWriter(w io.Writer) *icalWriter { return &icalWriter{w: bufio.NewWriter(w)} }

func (iw *icalWriter) header(name string) {
	iw.line("BEGIN:VCALENDAR")
	iw.line("VERSION:2.0")
	iw.line("PRODID:" + icalProdID)
	iw.line("CALSCALE:GREGORIAN")
	iw.line("METHOD:PUBLISH")
	if name != "" {
		iw.line("X-WR-CALNAME:" + EscapeText(name))
		iw.line("X-WR-TIMEZONE:Europe/Paris")
	}
	for _, l := range vtimezoneParis {
		iw.line(l)
	}
}

func (iw *icalWriter) event(o *Offer, s *Session, opts ICalOptions) {
	domain := opts.Domain
	if domain == "" {
		domain = "maillage"
	}
	iw.line("BEGIN:VEVENT")
	iw.line("UID:session-" + id(s.ID) + "@" + domain)
	iw.line("DTSTAMP:" + opts.Now.UTC().Format("20060102T150405Z"))
	start, end := s.Start.In(maillage.Paris), s.End.In(maillage.Paris)
	if allDay(start) && allDay(end) {
		// Dates only: an all-day event, DTEND being the day after the last.
		iw.line("DTSTART;VALUE=DATE:" + start.Format("20060102"))
		iw.line("DTEND;VALUE=DATE:" + end.AddDate(0, 0, 1).Format("20060102"))
	} else {
		iw.line("DTSTART;TZID=Europe/Paris:" + start.Format("20060102T150405"))
		iw.line("DTEND;TZID=Europe/Paris:" + end.Format("20060102T150405"))
	}
	iw.line("SUMMARY:" + EscapeText(o.Title))
	if strings.TrimSpace(o.Description) != "" {
		iw.line("DESCRIPTION:" + EscapeText(o.Description))
	}
	if s.Place.Remote {
		label := KeyICalRemote
		if opts.Text != nil {
			label = opts.Text(KeyICalRemote)
		}
		iw.line("LOCATION:" + EscapeText(label))
	} else {
		parts := strings.Split(s.Place.Address, "\n")
		parts = append(parts, strings.TrimSpace(s.Place.Postcode+" "+s.Place.City))
		var keep []string
		for _, p := range parts {
			if p = strings.TrimSpace(p); p != "" {
				keep = append(keep, p)
			}
		}
		iw.line("LOCATION:" + EscapeText(strings.Join(keep, ", ")))
	}
	if s.RegistrationURL != "" && validURL(s.RegistrationURL) {
		iw.line("URL:" + s.RegistrationURL)
	}
	if !o.UpdatedAt.IsZero() {
		iw.line("LAST-MODIFIED:" + o.UpdatedAt.UTC().Format("20060102T150405Z"))
	}
	iw.line("END:VEVENT")
}

func allDay(t time.Time) bool {
	return t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 && t.Nanosecond() == 0
}

// line writes one content line, folded, ending in CRLF.
func (iw *icalWriter) line(s string) {
	if iw.err != nil {
		return
	}
	_, iw.err = iw.w.WriteString(Fold(s))
}

func (iw *icalWriter) flush() error {
	if iw.err != nil {
		return iw.err
	}
	return iw.w.Flush()
}

// Fold returns a content line folded as RFC 5545 asks: physical lines of
// at most 75 octets (CRLF excluded), each continuation starting with a
// space, never splitting a UTF-8 sequence; every line ends in CRLF.
func Fold(s string) string {
	const max = 75
	var b strings.Builder
	first := true
	for len(s) > 0 {
		room := max
		if !first {
			room = max - 1 // the leading space
		}
		n := len(s)
		if n > room {
			n = room
			for n > 0 && !utf8.RuneStart(s[n]) {
				n--
			}
		}
		if !first {
			b.WriteByte(' ')
		}
		b.WriteString(s[:n])
		b.WriteString("\r\n")
		s = s[n:]
		first = false
	}
	if first {
		b.WriteString("\r\n")
	}
	return b.String()
}

// EscapeText escapes a TEXT value: backslash, semicolon, comma, and
// newlines (CRLF, CR or LF become \n). Other control characters, which
// RFC 5545 does not allow, are dropped (a tab is kept).
func EscapeText(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == '\\':
			b.WriteString(`\\`)
		case r == ';':
			b.WriteString(`\;`)
		case r == ',':
			b.WriteString(`\,`)
		case r == '\r':
			b.WriteString(`\n`)
			if i+1 < len(s) && s[i+1] == '\n' {
				size++
			}
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteRune(r)
		case r == utf8.RuneError && size == 1, unicode.IsControl(r):
		default:
			b.WriteRune(r)
		}
		i += size
	}
	return b.String()
}
