package lieux_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"maillage/internal/lieux"
)

func iv(from, to string) lieux.Interval {
	m := func(s string) int {
		var h, mn int
		for i, part := range strings.SplitN(s, ":", 2) {
			n := 0
			for _, r := range part {
				n = n*10 + int(r-'0')
			}
			if i == 0 {
				h = n
			} else {
				mn = n
			}
		}
		return h*60 + mn
	}
	a, b := m(from), m(to)
	if b <= a {
		b += 24 * 60
	}
	return lieux.Interval{From: a, To: b}
}

func days(spec map[int][]lieux.Interval) [7]lieux.Day {
	var w [7]lieux.Day
	for d, ivs := range spec {
		w[d] = lieux.Day{Intervals: ivs}
	}
	return w
}

// TestParseHoraires reads the opening hours of the national data (issue 10,
// item 16: they were free text).
func TestParseHoraires(t *testing.T) {
	morning, afternoon := iv("09:00", "12:00"), iv("14:00", "18:30")
	tests := []struct {
		in   string
		want lieux.Schedule
	}{
		{"Mo-Fr 09:00-12:00,14:00-18:30; Sa 08:30-12:00", lieux.Schedule{Week: days(map[int][]lieux.Interval{
			0: {morning, afternoon}, 1: {morning, afternoon}, 2: {morning, afternoon}, 3: {morning, afternoon}, 4: {morning, afternoon}, 5: {iv("08:30", "12:00")}})}},
		{"Mo,We,Fr 09:00-12:00; PH off", lieux.Schedule{Week: days(map[int][]lieux.Interval{0: {morning}, 2: {morning}, 4: {morning}}),
			Exceptions: []lieux.Exception{{Holidays: "PH", Off: true}}}},
		{"Mo-Sa 09:00-18:00; We off", lieux.Schedule{Week: days(map[int][]lieux.Interval{0: {iv("09:00", "18:00")}, 1: {iv("09:00", "18:00")}, 3: {iv("09:00", "18:00")}, 4: {iv("09:00", "18:00")}, 5: {iv("09:00", "18:00")}})}},
		{"24/7", func() lieux.Schedule {
			s := lieux.Schedule{AlwaysOpen: true}
			for d := range s.Week {
				s.Week[d] = lieux.Day{Intervals: []lieux.Interval{{From: 0, To: 1440}}}
			}
			return s
		}()},
		{"Tu 14:00-17:00, Th 09:00-12:00", lieux.Schedule{Week: days(map[int][]lieux.Interval{1: {iv("14:00", "17:00")}, 3: {morning}})}},
		{"Fr 20:00-02:00", lieux.Schedule{Week: days(map[int][]lieux.Interval{4: {{From: 1200, To: 1560}}})}},
		{"Mo-Fr 09:00-17:00; Jul-Aug Mo-Fr 10:00-12:00; Dec 25 off", lieux.Schedule{
			Week: days(map[int][]lieux.Interval{0: {iv("09:00", "17:00")}, 1: {iv("09:00", "17:00")}, 2: {iv("09:00", "17:00")}, 3: {iv("09:00", "17:00")}, 4: {iv("09:00", "17:00")}}),
			Exceptions: []lieux.Exception{
				{Dates: []lieux.DateRange{{From: lieux.MonthDay{Month: 7}, To: lieux.MonthDay{Month: 8}}}, Days: []int{0, 1, 2, 3, 4}, Intervals: []lieux.Interval{iv("10:00", "12:00")}},
				{Dates: []lieux.DateRange{{From: lieux.MonthDay{Month: 12, Day: 25}, To: lieux.MonthDay{Month: 12, Day: 25}}}, Off: true},
			}}},
		{"week 02-52/2 Sa 09:00-12:00", lieux.Schedule{Exceptions: []lieux.Exception{
			{Weeks: []lieux.WeekRange{{From: 2, To: 52, Step: 2}}, Days: []int{5}, Intervals: []lieux.Interval{morning}}}}},
		{"Sa[1] 10:00-12:00", lieux.Schedule{Exceptions: []lieux.Exception{{Days: []int{5}, Nth: []int{1}, Intervals: []lieux.Interval{iv("10:00", "12:00")}}}}},
		{`Mo-Fr 09:00-12:00 "sur rendez-vous"; SH off`, lieux.Schedule{
			Week: func() [7]lieux.Day {
				var w [7]lieux.Day
				for d := range 5 {
					w[d] = lieux.Day{Intervals: []lieux.Interval{morning}, Comment: "sur rendez-vous"}
				}
				return w
			}(),
			Exceptions: []lieux.Exception{{Holidays: "SH", Off: true}}}},
		{"mo-fr 09:00-12:00;", lieux.Schedule{Week: days(map[int][]lieux.Interval{0: {morning}, 1: {morning}, 2: {morning}, 3: {morning}, 4: {morning}})}},
		{"Mo 18:00+", lieux.Schedule{Week: days(map[int][]lieux.Interval{0: {{From: 1080, To: 1080, OpenEnd: true}}})}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := lieux.ParseHoraires(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	for in, pos := range map[string]int{
		"lundi 9h-12h":                           1,
		"Mo-Fr 9h-12h":                           7,
		"Mo-Fr 08:00-12:00 14:00-18:00":          19,
		"Mo-Fr 09:00-":                           13,
		"Mo 25:00-26:00; Tu 09:00-12:00 sur rdv": 32,
		"":                                       1,
		"Mo 09:00-12:00 \"":                      16,
	} {
		_, err := lieux.ParseHoraires(in)
		he, ok := err.(*lieux.HoursError)
		if !ok || he.Pos != pos {
			t.Errorf("ParseHoraires(%q) = %v, want an error at %d", in, err, pos)
		}
	}
	if got := lieux.Clock(1560); got != "02:00" {
		t.Errorf("Clock(1560) = %q", got)
	}
}

// TestHorairesWarning: hours that do not follow the syntax are kept, with a
// warning that says where they stop following it.
func TestHorairesWarning(t *testing.T) {
	rep := parse(t, csvFile(',', base(map[string]string{"horaires": "du lundi au vendredi 9h-12h"}), base(map[string]string{"id": "ok", "horaires": "Mo-Fr 09:00-12:00; PH off"})), lieux.Options{})
	want := []lieux.RowError{problem(2, "lieu-1", "horaires", lieux.KeyHoraires, "Value", "du lundi au vendredi 9h-12h", "Position", 1)}
	if diff := cmp.Diff(want, rep.Warnings); diff != "" || len(rep.Rows) != 2 || rep.Rows[0].Lieu.Horaires != "du lundi au vendredi 9h-12h" {
		t.Errorf("warnings (-want +got):\n%s rows %d", diff, len(rep.Rows))
	}
}
