package lieux

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// HoursLine is one line of opening hours as a page shows it: when (a day,
// a range of days, an exception) and what applies then.
type HoursLine struct {
	When string
	What string
}

// DescribeHours writes a schedule in a language, t being the catalogue in
// that language: consecutive days with the same hours are one line
// (« Du lundi au vendredi : 9 h – 12 h, 14 h – 17 h 30 »), closed days say
// so, then each exception (public holidays, months, dates, weeks, the nth
// weekday of the month) in the order written.
func DescribeHours(s Schedule, t func(key string, args ...any) string) []HoursLine {
	if s.AlwaysOpen && len(s.Exceptions) == 0 {
		return []HoursLine{{What: t(KeyHoursAlways)}}
	}
	var out []HoursLine
	if s.AlwaysOpen {
		out = append(out, HoursLine{What: t(KeyHoursAlways)})
	} else if !(closedWeek(s.Week) && len(s.Exceptions) > 0) { // « Sa[1] 10:00-12:00 » says nothing of the other days
		for i := 0; i < 7; {
			j := i + 1
			for j < 7 && sameDay(s.Week[i], s.Week[j]) {
				j++
			}
			when := t(WeekdayKeys[i])
			switch {
			case i == 0 && j == 7:
				when = t(KeyHoursEvery)
			case j-i == 2:
				when = t(KeyHoursTwoDays, "From", t(WeekdayKeys[i]), "To", t(WeekdayKeys[j-1]))
			case j-i > 2:
				when = t(KeyHoursDays, "From", t(WeekdayKeys[i]), "To", t(WeekdayKeys[j-1]))
			}
			out = append(out, HoursLine{When: capitalize(when), What: describeIntervals(s.Week[i].Intervals, s.Week[i].Comment, false, t)})
			i = j
		}
	}
	for _, e := range s.Exceptions {
		out = append(out, HoursLine{When: capitalize(exceptionWhen(e, t)), What: describeIntervals(e.Intervals, e.Comment, e.Off, t)})
	}
	return out
}

func closedWeek(w [7]Day) bool {
	for _, d := range w {
		if len(d.Intervals) > 0 || d.Comment != "" {
			return false
		}
	}
	return true
}

func sameDay(a, b Day) bool { return a.Comment == b.Comment && slices.Equal(a.Intervals, b.Intervals) }

func describeIntervals(iv []Interval, comment string, off bool, t func(string, ...any) string) string {
	var what string
	if off || len(iv) == 0 {
		what = t(KeyHoursClosed)
		if comment != "" && !off && len(iv) == 0 {
			return comment // « sur rendez-vous » says more than « fermé »
		}
	} else {
		parts := make([]string, len(iv))
		for i, x := range iv {
			if x.OpenEnd {
				parts[i] = t(KeyHoursOpenEnd, "From", clock(x.From, t))
			} else {
				parts[i] = t(KeyHoursInterval, "From", clock(x.From, t), "To", clock(x.To%(24*60), t))
			}
		}
		what = strings.Join(parts, ", ")
	}
	if comment != "" {
		what = t(KeyHoursComment, "What", what, "Comment", comment)
	}
	return what
}

// clock writes minutes from midnight as the language writes an hour.
func clock(m int, t func(string, ...any) string) string {
	h, min := m/60, m%60
	if min == 0 {
		return t(KeyHoursTimeH, "H", h)
	}
	mm := string(rune('0'+min/10)) + string(rune('0'+min%10))
	return t(KeyHoursTime, "H", h, "M", mm)
}

func exceptionWhen(e Exception, t func(string, ...any) string) string {
	var parts []string
	switch e.Holidays {
	case "PH":
		parts = append(parts, t(KeyHoursPublicHolidays))
	case "SH":
		parts = append(parts, t(KeyHoursSchoolHolidays))
	}
	for _, d := range e.Dates {
		switch {
		case d.From == d.To:
			parts = append(parts, monthDay(d.From, t))
		case d.From.Day == 0 && d.To.Day == 0:
			parts = append(parts, t(KeyHoursMonths, "From", monthDay(d.From, t), "To", monthDay(d.To, t)))
		default:
			parts = append(parts, t(KeyHoursDates, "From", monthDay(d.From, t), "To", monthDay(d.To, t)))
		}
	}
	for _, w := range e.Weeks {
		switch {
		case w.From == w.To:
			parts = append(parts, t(KeyHoursWeek, "From", w.From))
		case w.Step <= 1:
			parts = append(parts, t(KeyHoursWeekAll, "From", w.From, "To", w.To))
		default:
			parts = append(parts, t(KeyHoursWeeks, "From", w.From, "To", w.To, "Step", w.Step))
		}
	}
	if len(e.Nth) > 0 {
		for _, d := range e.Days {
			for _, n := range e.Nth {
				switch {
				case n >= 1 && n <= 5:
					parts = append(parts, t(NthKeys[n-1], "Day", t(WeekdayKeys[d])))
				case n == -1:
					parts = append(parts, t(KeyHoursNthLast, "Day", t(WeekdayKeys[d])))
				}
			}
		}
	} else if len(e.Days) > 0 {
		days := make([]string, len(e.Days))
		for i, d := range e.Days {
			days[i] = t(WeekdayKeys[d])
		}
		parts = append(parts, strings.Join(days, ", "))
	}
	return strings.Join(parts, ", ")
}

func monthDay(d MonthDay, t func(string, ...any) string) string {
	if d.Month < 1 || d.Month > 12 {
		return ""
	}
	if d.Day == 0 {
		return t(MonthKeys[d.Month-1])
	}
	if d.Day == 1 {
		return t(KeyHoursDate1, "Month", t(MonthKeys[d.Month-1]))
	}
	return t(KeyHoursDate, "Day", d.Day, "Month", t(MonthKeys[d.Month-1]))
}

func capitalize(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}
