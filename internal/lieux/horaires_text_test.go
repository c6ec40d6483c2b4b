package lieux_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"maillage/internal/lieux"
)

// TestDescribeHours: opening hours of the national data written out in
// French and English (issue 10 §16).
func TestDescribeHours(t *testing.T) {
	c := catalogue(t)
	type line = lieux.HoursLine
	tests := []struct {
		in     string
		fr, en []line
	}{
		{"24/7", []line{{What: "Ouvert 24\u00a0h/24, 7\u00a0j/7"}}, []line{{What: "Open 24/7"}}},
		{"Mo-Su 08:00-20:00", []line{{"Tous les jours", "8 h – 20 h"}}, []line{{"Every day", "8:00–20:00"}}},
		{"Mo-Fr 09:00-12:00,14:00-17:30; Sa 10:00-12:00",
			[]line{{"Du lundi au vendredi", "9 h – 12 h, 14 h – 17 h 30"}, {"Samedi", "10 h – 12 h"}, {"Dimanche", "Fermé"}},
			[]line{{"Monday to Friday", "9:00–12:00, 14:00–17:30"}, {"Saturday", "10:00–12:00"}, {"Sunday", "Closed"}}},
		{"Tu,Th 18:00+", []line{{"Lundi", "Fermé"}, {"Mardi", "à partir de 18 h"}, {"Mercredi", "Fermé"}, {"Jeudi", "à partir de 18 h"}, {"Du vendredi au dimanche", "Fermé"}}, nil},
		{"We 22:00-02:00", []line{{"Lundi et mardi", "Fermé"}, {"Mercredi", "22 h – 2 h"}, {"Du jeudi au dimanche", "Fermé"}}, nil},
		{`Mo-Fr 09:00-17:00 "sur rendez-vous"; PH off; Aug off`,
			[]line{{"Du lundi au vendredi", "9 h – 17 h (sur rendez-vous)"}, {"Samedi et dimanche", "Fermé"}, {"Jours fériés", "Fermé"}, {"Août", "Fermé"}},
			[]line{{"Monday to Friday", "9:00–17:00 (sur rendez-vous)"}, {"Saturday and Sunday", "Closed"}, {"Public holidays", "Closed"}, {"August", "Closed"}}},
		{"Sa[1] 10:00-12:00; Sa[-1] 14:00-16:00", []line{{"1er samedi du mois", "10 h – 12 h"}, {"Dernier samedi du mois", "14 h – 16 h"}},
			[]line{{"First Saturday of the month", "10:00–12:00"}, {"Last Saturday of the month", "14:00–16:00"}}},
		{"Mo 09:00-12:00; Dec 24-Jan 01 off; Jul-Aug Mo off; week 01-53/2 Fr 09:00-12:00", []line{
			{"Lundi", "9 h – 12 h"}, {"Du mardi au dimanche", "Fermé"}, {"Du 24 décembre au 1er janvier", "Fermé"},
			{"De juillet à août, lundi", "Fermé"}, {"Semaines 1 à 53, une sur 2, vendredi", "9 h – 12 h"}}, nil},
	}
	for _, tt := range tests {
		s, err := lieux.ParseHoraires(tt.in)
		if err != nil {
			t.Errorf("%q: %v", tt.in, err)
			continue
		}
		for lang, want := range map[string][]line{"fr": tt.fr, "en": tt.en} {
			if want == nil {
				continue
			}
			got := lieux.DescribeHours(s, func(key string, args ...any) string { return c.T(lang, key, args...) })
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("%q in %s (-want +got):\n%s", tt.in, lang, d)
			}
		}
	}
}
