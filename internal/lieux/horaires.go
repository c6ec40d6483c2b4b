package lieux

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The opening hours of the national standard use the OpenStreetMap
// opening_hours syntax. This parser reads the part of it that real files of
// places use: weekday ranges and lists (Mo-Fr, Mo,We,Fr), the nth weekday of
// the month (Sa[1]), hour ranges (09:00-12:00,14:00-18:30, past midnight,
// open end 18:00+), "24/7", public and school holidays (PH, SH), month and
// date selectors (Jan-Jun, Dec 24-Jan 02, Jul 14), week numbers (week
// 02-52/2), rule modifiers (off, closed, open, unknown), comments ("sur
// rendez-vous"), and ";", "," and "||" between rules. No maintained Go
// library reads it into a structure (see the commit adding this file).

// Interval is an opening interval in minutes from midnight. To is past 1440
// when it ends after midnight (22:00-02:00 is 1320–1560); OpenEnd marks
// "18:00+" (To is then From).
type Interval struct {
	From, To int
	OpenEnd  bool
}

// Day is what the normal week says of a weekday: its intervals (none:
// closed) and the comment of its rule.
type Day struct {
	Intervals []Interval
	Comment   string
}

// MonthDay is a date without a year; Day 0 means the whole month.
type MonthDay struct {
	Month int // 1–12
	Day   int // 0–31
}

// DateRange is a range of dates or months (From = To for one).
type DateRange struct{ From, To MonthDay }

// WeekRange selects ISO week numbers From to To, every Step weeks.
type WeekRange struct{ From, To, Step int }

// Exception is a rule that applies only at some times: holidays, months,
// dates, week numbers or the nth weekday of a month. It opens Intervals on
// the Days it names (all days when Days is empty), or closes them (Off).
type Exception struct {
	Holidays  string // "PH" (public holidays), "SH" (school holidays) or ""
	Dates     []DateRange
	Weeks     []WeekRange
	Days      []int // weekdays, 0 = Monday
	Nth       []int // nth weekday of the month (1–5, -1 = last), with Days
	Off       bool
	Intervals []Interval
	Comment   string
}

// Schedule is a parsed horaires value: the normal week, Monday first, and
// the exceptions in the order written.
type Schedule struct {
	AlwaysOpen bool
	Week       [7]Day
	Exceptions []Exception
}

// HoursError says where a horaires value stops following the syntax.
type HoursError struct {
	Pos   int    // position in characters, from 1
	Token string // what was found there ("" at the end)
}

func (e *HoursError) Error() string {
	if e.Token == "" {
		return fmt.Sprintf("opening hours: unexpected end at %d", e.Pos)
	}
	return fmt.Sprintf("opening hours: unexpected %q at %d", e.Token, e.Pos)
}

var weekdayCodes = map[string]int{"mo": 0, "tu": 1, "we": 2, "th": 3, "fr": 4, "sa": 5, "su": 6}

var monthCodes = map[string]int{"jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12}

type tokKind int

const (
	tWord tokKind = iota
	tNum
	tTime
	tPunct
	tComment
	tEnd
)

type token struct {
	kind tokKind
	text string
	pos  int // in characters, from 1
	n    int // value of a number, minutes of a time
}

func tokenize(s string) ([]token, error) {
	var out []token
	pos := 0 // characters consumed
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		start := pos + 1
		switch {
		case unicode.IsSpace(r):
			i += size
			pos++
		case r == '"':
			j := strings.IndexByte(s[i+1:], '"')
			if j < 0 {
				return nil, &HoursError{Pos: start, Token: `"`}
			}
			text := s[i+1 : i+1+j]
			out = append(out, token{kind: tComment, text: text, pos: start})
			pos += utf8.RuneCountInString(text) + 2
			i += j + 2
		case r >= '0' && r <= '9':
			j := i
			for j < len(s) && s[j] >= '0' && s[j] <= '9' {
				j++
			}
			if j < len(s) && s[j] == ':' && j+3 <= len(s) && isDigits2(s[j+1:j+3]) && j-i <= 2 {
				h, _ := strconv.Atoi(s[i:j])
				m, _ := strconv.Atoi(s[j+1 : j+3])
				if h > 48 || m > 59 {
					return nil, &HoursError{Pos: start, Token: s[i : j+3]}
				}
				out = append(out, token{kind: tTime, text: s[i : j+3], pos: start, n: h*60 + m})
				pos += j + 3 - i
				i = j + 3
				continue
			}
			n, err := strconv.Atoi(s[i:j])
			if err != nil || j-i > 4 {
				return nil, &HoursError{Pos: start, Token: s[i:j]}
			}
			out = append(out, token{kind: tNum, text: s[i:j], pos: start, n: n})
			pos += j - i
			i = j
		case unicode.IsLetter(r):
			j := i
			for j < len(s) {
				r2, sz := utf8.DecodeRuneInString(s[j:])
				if !unicode.IsLetter(r2) {
					break
				}
				j += sz
			}
			out = append(out, token{kind: tWord, text: s[i:j], pos: start})
			pos += utf8.RuneCountInString(s[i:j])
			i = j
		case r == '|' && strings.HasPrefix(s[i:], "||"):
			out = append(out, token{kind: tPunct, text: "||", pos: start})
			pos += 2
			i += 2
		case strings.ContainsRune(";,-/+[]:", r):
			out = append(out, token{kind: tPunct, text: string(r), pos: start})
			pos++
			i += size
		default:
			return nil, &HoursError{Pos: start, Token: string(r)}
		}
	}
	return append(out, token{kind: tEnd, pos: pos + 1}), nil
}

func isDigits2(s string) bool {
	return len(s) == 2 && s[0] >= '0' && s[0] <= '9' && s[1] >= '0' && s[1] <= '9'
}

type hoursParser struct {
	toks []token
	i    int
}

func (p *hoursParser) peek() token { return p.at(0) }

// at returns the token k places ahead (the end token past the end).
func (p *hoursParser) at(k int) token {
	if p.i+k >= len(p.toks) {
		return p.toks[len(p.toks)-1]
	}
	return p.toks[p.i+k]
}
func (p *hoursParser) next() token {
	t := p.at(0)
	if p.i < len(p.toks)-1 {
		p.i++
	}
	return t
}
func (p *hoursParser) fail() error {
	t := p.peek()
	return &HoursError{Pos: t.pos, Token: t.text}
}
func bad(t token) error { return &HoursError{Pos: t.pos, Token: t.text} }

func (p *hoursParser) punct(s string) bool {
	if t := p.peek(); t.kind == tPunct && t.text == s {
		p.i++
		return true
	}
	return false
}

func (p *hoursParser) isWord(words map[string]int) bool {
	t := p.peek()
	_, ok := words[strings.ToLower(t.text)]
	return t.kind == tWord && ok
}

func (p *hoursParser) isWordText(w string) bool {
	t := p.peek()
	return t.kind == tWord && strings.EqualFold(t.text, w)
}

// selectorAhead reports whether a rule selector starts at the current token
// (so that a "," ends the rule before it).
func (p *hoursParser) selectorAhead() bool {
	return p.isWord(weekdayCodes) || p.isWord(monthCodes) || p.isWordText("PH") || p.isWordText("SH") || p.isWordText("week")
}

type rule struct {
	additional bool
	holidays   string
	dates      []DateRange
	weeks      []WeekRange
	days       []int
	nth        []int
	times      []Interval
	modifier   string // "", "off", "open", "unknown"
	comment    string
}

// ParseHoraires reads a horaires value in the OpenStreetMap opening_hours
// syntax. The error is a *HoursError naming where the value stops following
// it; the value is then best kept as text.
func ParseHoraires(s string) (Schedule, error) {
	var sch Schedule
	s = strings.TrimSpace(s)
	if s == "" {
		return sch, &HoursError{Pos: 1}
	}
	toks, err := tokenize(s)
	if err != nil {
		return Schedule{}, err
	}
	p := &hoursParser{toks: toks}
	var rules []rule
	additional := false
	for {
		r, err := p.rule()
		if err != nil {
			return Schedule{}, err
		}
		r.additional = additional
		rules = append(rules, r)
		switch {
		case p.peek().kind == tEnd:
			return apply(rules), nil
		case p.punct(";"), p.punct("||"):
			additional = false
		case p.punct(","):
			additional = true
		default:
			return Schedule{}, p.fail()
		}
		if p.peek().kind == tEnd { // a trailing ";"
			return apply(rules), nil
		}
	}
}

func (p *hoursParser) rule() (rule, error) {
	var r rule
	// 24/7
	if t := p.peek(); t.kind == tNum && t.n == 24 && p.at(1).text == "/" && p.at(2).kind == tNum && p.at(2).n == 7 {
		p.i += 3
		r.times = []Interval{{From: 0, To: 24 * 60}}
		return p.tail(r)
	}
	// Month and date selectors: Jan-Mar, Dec 24-Jan 02, Jul 14, Jan,Aug.
	for p.isWord(monthCodes) {
		d, err := p.dateRange()
		if err != nil {
			return r, err
		}
		r.dates = append(r.dates, d)
		if !(p.peek().text == "," && p.at(1).kind == tWord && isMonth(p.at(1).text)) {
			break
		}
		p.next()
	}
	// Week numbers: week 01-53/2, week 1,3.
	if p.isWordText("week") {
		p.next()
		for {
			w, err := p.weekRange()
			if err != nil {
				return r, err
			}
			r.weeks = append(r.weeks, w)
			if !(p.peek().text == "," && p.at(1).kind == tNum) {
				break
			}
			p.next()
		}
	}
	// Weekdays and holidays: Mo-Fr, Mo,We, Sa[1], PH, SH.
	for {
		switch {
		case p.isWordText("PH") || p.isWordText("SH"):
			r.holidays = strings.ToUpper(p.next().text)
		case p.isWord(weekdayCodes):
			days, nth, err := p.weekdays()
			if err != nil {
				return r, err
			}
			r.days = append(r.days, days...)
			r.nth = append(r.nth, nth...)
		default:
			return p.times(r)
		}
		if !(p.peek().text == "," && p.at(1).kind == tWord && (isWeekday(p.at(1).text) || strings.EqualFold(p.at(1).text, "PH") || strings.EqualFold(p.at(1).text, "SH"))) {
			return p.times(r)
		}
		p.next()
	}
}

func isMonth(s string) bool   { _, ok := monthCodes[strings.ToLower(s)]; return ok }
func isWeekday(s string) bool { _, ok := weekdayCodes[strings.ToLower(s)]; return ok }

func (p *hoursParser) monthDay() MonthDay {
	m := monthCodes[strings.ToLower(p.next().text)]
	d := 0
	if t := p.peek(); t.kind == tNum && t.n >= 1 && t.n <= 31 {
		d = p.next().n
	}
	return MonthDay{Month: m, Day: d}
}

func (p *hoursParser) dateRange() (DateRange, error) {
	from := p.monthDay()
	to := from
	if p.peek().text == "-" {
		p.next()
		switch t := p.peek(); {
		case t.kind == tWord && isMonth(t.text):
			to = p.monthDay()
		case t.kind == tNum && from.Day > 0 && t.n >= 1 && t.n <= 31: // Dec 24-26
			to = MonthDay{Month: from.Month, Day: p.next().n}
		default:
			return DateRange{}, p.fail()
		}
	}
	return DateRange{From: from, To: to}, nil
}

func (p *hoursParser) weekRange() (WeekRange, error) {
	t := p.next()
	if t.kind != tNum || t.n < 1 || t.n > 53 {
		return WeekRange{}, bad(t)
	}
	w := WeekRange{From: t.n, To: t.n, Step: 1}
	if p.punct("-") {
		t := p.next()
		if t.kind != tNum || t.n < w.From || t.n > 53 {
			return WeekRange{}, bad(t)
		}
		w.To = t.n
	}
	if p.punct("/") {
		t := p.next()
		if t.kind != tNum || t.n < 1 || t.n > 53 {
			return WeekRange{}, bad(t)
		}
		w.Step = t.n
	}
	return w, nil
}

func (p *hoursParser) weekdays() ([]int, []int, error) {
	from := weekdayCodes[strings.ToLower(p.next().text)]
	to := from
	if p.peek().text == "-" && p.at(1).kind == tWord && isWeekday(p.at(1).text) {
		p.next()
		to = weekdayCodes[strings.ToLower(p.next().text)]
	}
	var days []int
	for d := from; ; d = (d + 1) % 7 {
		days = append(days, d)
		if d == to {
			break
		}
	}
	var nth []int
	if p.punct("[") {
		for {
			neg := p.punct("-")
			t := p.next()
			if t.kind != tNum || t.n < 1 || t.n > 5 {
				return nil, nil, bad(t)
			}
			n := t.n
			if neg {
				n = -n
			}
			nth = append(nth, n)
			if !p.punct(",") {
				break
			}
		}
		if !p.punct("]") {
			return nil, nil, p.fail()
		}
	}
	return days, nth, nil
}

func (p *hoursParser) times(r rule) (rule, error) {
	for p.peek().kind == tTime {
		from := p.next().n
		switch {
		case p.punct("+"):
			r.times = append(r.times, Interval{From: from, To: from, OpenEnd: true})
		case p.punct("-"):
			t := p.next()
			if t.kind != tTime {
				return r, bad(t)
			}
			to := t.n
			if to <= from {
				to += 24 * 60 // past midnight
			}
			iv := Interval{From: from, To: to}
			if p.punct("+") {
				iv.OpenEnd = true
			}
			r.times = append(r.times, iv)
		default:
			return r, p.fail()
		}
		if !(p.peek().text == "," && p.at(1).kind == tTime) {
			break
		}
		p.next()
	}
	return p.tail(r)
}

func (p *hoursParser) tail(r rule) (rule, error) {
	if t := p.peek(); t.kind == tWord {
		switch strings.ToLower(t.text) {
		case "off", "closed":
			r.modifier = "off"
		case "open":
			r.modifier = "open"
		case "unknown":
			r.modifier = "unknown"
		default:
			return r, p.fail()
		}
		p.next()
	}
	if t := p.peek(); t.kind == tComment {
		r.comment = p.next().text
	}
	if len(r.days) == 0 && len(r.times) == 0 && r.modifier == "" && r.comment == "" && r.holidays == "" && len(r.dates) == 0 && len(r.weeks) == 0 {
		return r, p.fail()
	}
	return r, nil
}

// apply builds the schedule: rules that hold every week shape the normal
// week (a later rule replaces the days it names, a rule after "," adds to
// them); the others become exceptions.
func apply(rules []rule) Schedule {
	var sch Schedule
	for _, r := range rules {
		times := r.times
		if len(times) == 0 && r.modifier != "off" {
			times = []Interval{{From: 0, To: 24 * 60}}
		}
		if r.holidays != "" || len(r.dates) > 0 || len(r.weeks) > 0 || len(r.nth) > 0 {
			sch.Exceptions = append(sch.Exceptions, Exception{Holidays: r.holidays, Dates: r.dates, Weeks: r.weeks, Days: r.days,
				Nth: r.nth, Off: r.modifier == "off", Intervals: nilIfOff(times, r.modifier), Comment: r.comment})
			continue
		}
		days := r.days
		if len(days) == 0 {
			days = []int{0, 1, 2, 3, 4, 5, 6}
		}
		for _, d := range days {
			switch {
			case r.modifier == "off":
				sch.Week[d] = Day{Comment: r.comment}
			case r.additional:
				sch.Week[d].Intervals = append(sch.Week[d].Intervals, times...)
				if r.comment != "" {
					sch.Week[d].Comment = r.comment
				}
			default:
				sch.Week[d] = Day{Intervals: append([]Interval(nil), times...), Comment: r.comment}
			}
		}
	}
	sch.AlwaysOpen = len(sch.Exceptions) == 0
	for _, d := range sch.Week {
		if len(d.Intervals) != 1 || d.Intervals[0] != (Interval{From: 0, To: 24 * 60}) {
			sch.AlwaysOpen = false
		}
	}
	return sch
}

func nilIfOff(times []Interval, modifier string) []Interval {
	if modifier == "off" {
		return nil
	}
	return times
}

// Clock writes minutes from midnight as HH:MM (for display; 25:30 is
// written 01:30).
func Clock(minutes int) string {
	m := minutes % (24 * 60)
	if minutes == 24*60 {
		return "24:00"
	}
	return fmt.Sprintf("%02d:%02d", m/60, m%60)
}
