package charter

import (
	"fmt"
	"maillage/internal/maillage"
	"strconv"
	"time"
)

// KeyDateTime is the catalogue message of a date and time as people read
// them (« 3 décembre 2026 à 14 h 05 »), with the arguments of DateTimeArgs.
const KeyDateTime = "charter.datetime"

// MonthKey returns the catalogue key of the month of t in Europe/Paris
// ("charter.month.12").
func MonthKey(t time.Time) string {
	return "charter.month." + strconv.Itoa(int(t.In(maillage.Paris).Month()))
}

// DateTimeArgs returns the arguments of KeyDateTime for t in Europe/Paris:
// Day, Year and Hour (integers), Month (the translated name of MonthKey(t))
// and Minute (two digits: "05"). French writes « 9 h 05 », English "09:05"
// ({{printf "%02d" .Hour}}).
func DateTimeArgs(t time.Time, month string) []any {
	p := t.In(maillage.Paris)
	return []any{
		"Day", p.Day(), "Month", month, "Year", p.Year(),
		"Hour", p.Hour(), "Minute", fmt.Sprintf("%02d", p.Minute()),
	}
}
