package i18n

import (
	"maillage/internal/maillage"

	"embed"
	"strconv"
	"time"
	_ "time/tzdata" // Europe/Paris on machines without a zone database

	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"golang.org/x/text/number"
)

//go:embed *.yaml
var own embed.FS

// NewWithFormats returns a catalogue holding the formatting messages of this
// package (month names, date patterns); capabilities load theirs on top.
func NewWithFormats() *Catalog {
	c := New()
	if err := c.Load("i18n", own); err != nil {
		panic(err) // embedded files, checked by the tests
	}
	return c
}

func tag(lang string) language.Tag {
	if Lang(lang) == EN {
		return language.English
	}
	return language.French
}

// Number formats f with at most decimals fraction digits in the
// language's style: « 4,8 », « 12 345 » (French), "4.8", "12,345" (English).
func Number(lang string, f float64, decimals int) string {
	return message.NewPrinter(tag(lang)).Sprint(number.Decimal(f, number.MaxFractionDigits(decimals)))
}

// Int formats n with the language's digit grouping. Below 1,000 there is
// none to make, in either language: the digits alone, without asking the
// printer (a search page writes a few hundred counts;
// TestIntBelowAThousand checks they are the printer's).
func Int(lang string, n int) string {
	if n >= 0 && n < 1000 {
		return strconv.Itoa(n)
	}
	return Number(lang, float64(n), 0)
}

// Km formats a distance in metres as kilometres: one decimal under 10 km
// (« 4,8 km »), whole kilometres above (« 12 km »), with a non-breaking space.
func Km(lang string, meters float64) string {
	km := meters / 1000
	d := 0
	if km < 10 {
		d = 1
	}
	return Number(lang, km, d) + "\u00a0km"
}

// Date formats t in Paris time: « 3 décembre 2026 », "3 December 2026".
func (c *Catalog) Date(lang string, t time.Time) string {
	t = t.In(maillage.Paris)
	key := "format.date"
	if t.Day() == 1 {
		key = "format.date_first" // « 1er décembre »
	}
	return c.T(lang, key, "Day", t.Day(), "Month", c.T(lang, "format.month."+strconv.Itoa(int(t.Month()))), "Year", t.Year())
}

// DateTime formats t in Paris time: « 3 décembre 2026 à 14 h 05 ».
func (c *Catalog) DateTime(lang string, t time.Time) string {
	t = t.In(maillage.Paris)
	return c.T(lang, "format.datetime", "Date", c.Date(lang, t), "Hour", t.Hour(), "Minute", twoDigits(t.Minute()), "Hour2", twoDigits(t.Hour()))
}

// Time formats the time of day in Paris time: « 14 h 05 », "14:05".
func (c *Catalog) Time(lang string, t time.Time) string {
	t = t.In(maillage.Paris)
	return c.T(lang, "format.time", "Hour", t.Hour(), "Minute", twoDigits(t.Minute()), "Hour2", twoDigits(t.Hour()))
}

func twoDigits(n int) string {
	if n < 10 {
		return "0" + strconv.Itoa(n)
	}
	return strconv.Itoa(n)
}
