package maillage_test

import (
	"regexp"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"maillage/internal/maillage"
)

func TestParseCommuneText(t *testing.T) {
	tests := []struct {
		in   string
		want maillage.CommuneText
	}{
		{"Saint-Denis", maillage.CommuneText{Key: "saint denis"}},
		{"  saint   DENIS ", maillage.CommuneText{Key: "saint denis"}},
		{"Saint-Denis (93)", maillage.CommuneText{Key: "saint denis", Departement: "93"}},
		{"Saint-Denis (974)", maillage.CommuneText{Key: "saint denis", Departement: "974"}},
		{"Ajaccio (2a)", maillage.CommuneText{Key: "ajaccio", Departement: "2A"}},
		{"Saint-Denis 97400", maillage.CommuneText{Key: "saint denis", Code: "97400", Postcode: "97400"}},
		{"Saint-Denis (97400)", maillage.CommuneText{Key: "saint denis", Code: "97400", Postcode: "97400"}},
		{"Lyon (69123)", maillage.CommuneText{Key: "lyon", Code: "69123", Postcode: "69123"}},
		{"Ajaccio (2A004)", maillage.CommuneText{Key: "ajaccio", Code: "2A004"}},
		{"2a004", maillage.CommuneText{Code: "2A004"}},
		{"69003", maillage.CommuneText{Code: "69003", Postcode: "69003"}},
		{"St-Etienne", maillage.CommuneText{Key: "saint etienne"}},
		{"Ste-Marie", maillage.CommuneText{Key: "sainte marie"}},
		{"ST. ÉTIENNE", maillage.CommuneText{Key: "saint etienne"}},
		{"Saint Étienne", maillage.CommuneText{Key: "saint etienne"}},
		{"Estrées-St-Denis", maillage.CommuneText{Key: "estrees saint denis"}},
		{"L’Haÿ-les-Roses", maillage.CommuneText{Key: "l hay les roses"}},
		{"Lyon 3e", maillage.CommuneText{Key: "lyon"}},
		{"Lyon 3ème", maillage.CommuneText{Key: "lyon"}},
		{"Marseille 1er", maillage.CommuneText{Key: "marseille"}},
		{"Paris 15e arrondissement", maillage.CommuneText{Key: "paris"}},
		{"Saint-Denis (Réunion)", maillage.CommuneText{Key: "saint denis (reunion)"}},
		{"(93)", maillage.CommuneText{Key: "(93)"}},
		{"Lyon\x00", maillage.CommuneText{Key: "lyon"}},
		{"\x00", maillage.CommuneText{}},
		{"", maillage.CommuneText{}},
		{strings.Repeat("a", maillage.MaxCommuneText+1), maillage.CommuneText{}},
	}
	for _, tt := range tests {
		if got := maillage.ParseCommuneText(tt.in); got != tt.want {
			t.Errorf("ParseCommuneText(%q):\n%s", tt.in, cmp.Diff(tt.want, got))
		}
	}
}

var (
	inseeCode = regexp.MustCompile(`^(2[AB]\d{3}|\d{2}[0-9AB]\d{2})$`)
	postcode  = regexp.MustCompile(`^\d{5}$`)
)

// FuzzParseCommuneText: whatever is typed, the parts are valid UTF-8
// without control characters, the key is folded, the codes look like codes.
func FuzzParseCommuneText(f *testing.F) {
	for _, s := range []string{"\x00", "Saint-Denis (93)", "Saint-Denis 97400", "St-Etienne", "Lyon 3e", "Paris 15e arrondissement",
		"69003", "2A004", "Lyon (69123)", "(", ")", "()", "a ()", "a (\x00)", "Lyon\u2028 3e", "\xff(93)", "st ste st", "é (é)",
		"Lyon 3e 3e", "a\u00a0b", "Ste\tMarie", "ǅ", "İstanbul"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		ct := maillage.ParseCommuneText(in)
		for name, s := range map[string]string{"Key": ct.Key, "Code": ct.Code, "Postcode": ct.Postcode, "Departement": ct.Departement} {
			if !utf8.ValidString(s) || maillage.HasControl(s, false) {
				t.Fatalf("ParseCommuneText(%q).%s = %q", in, name, s)
			}
		}
		if ct.Key != strings.Join(strings.Fields(ct.Key), " ") || strings.ContainsAny(ct.Key, "-'’.") {
			t.Fatalf("ParseCommuneText(%q).Key = %q: not folded", in, ct.Key)
		}
		for _, r := range ct.Key {
			if unicode.IsUpper(r) {
				t.Fatalf("ParseCommuneText(%q).Key = %q: not folded", in, ct.Key)
			}
		}
		if ct.Code != "" && !inseeCode.MatchString(ct.Code) || ct.Postcode != "" && !postcode.MatchString(ct.Postcode) {
			t.Fatalf("ParseCommuneText(%q) = %+v: not codes", in, ct)
		}
		if ct.Departement != "" && (ct.Code != "" || ct.Postcode != "") {
			t.Fatalf("ParseCommuneText(%q) = %+v: two qualifiers", in, ct)
		}
	})
}
