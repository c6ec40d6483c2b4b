package maillage

import (
	"regexp"
	"strings"
	"unicode/utf8"
)

// CommuneText is what a person typed to name a commune, taken apart by
// ParseCommuneText; the commune resolver (TerritoryService.ResolveCommune)
// looks the parts up.
type CommuneText struct {
	// Key is the name folded for comparison (CommuneKey), "" when only a
	// code was typed.
	Key string
	// Code is a code that may be an INSEE code ("69123", "2A004"), typed
	// alone or after the name ("Lyon (69123)", as the forms write a
	// resolved commune back).
	Code string
	// Postcode is five digits that may be a postcode ("Saint-Denis 97400",
	// "(97400)", or alone). Five digits are often both an INSEE code and
	// another commune's postcode (69003 is Albigny-sur-Saône and Lyon 3e):
	// the resolver then compares with the name, or offers the choice.
	Postcode string
	// Departement is the département of "Saint-Denis (93)".
	Departement string
}

// MaxCommuneText is the longest text the resolver reads, in characters.
const MaxCommuneText = 100

var (
	inseeCodePattern = regexp.MustCompile(`^(2[AB]\d{3}|\d{2}[0-9AB]\d{2})$`)
	postcodePattern  = regexp.MustCompile(`^\d{5}$`)
	depPattern       = regexp.MustCompile(`^(\d{2}|2[AB]|97\d|98\d)$`)
	arrondissement   = regexp.MustCompile(`\s+\d{1,2}\s*(e|er|ème|eme|è)(\s+arrondissement)?$`)
	saintPrefix      = regexp.MustCompile(`(^|\s)st(e?)\s`)
)

// IsDepartementCode reports whether s has the form of a département's
// code (« 69 », « 2A », « 974 »), whether or not one has it.
func IsDepartementCode(s string) bool { return depPattern.MatchString(s) }

// ParseCommuneText takes a typed commune apart: a name, qualified or not by
// its département or postcode in parentheses ("Saint-Denis (93)",
// "Saint-Denis (97400)") or by a postcode after it ("Saint-Denis 97400");
// an INSEE code or a postcode alone; "St"/"Ste" for Saint/Sainte, any case,
// accents, hyphens and apostrophes; an arrondissement ("Lyon 3e", "Paris
// 15e arrondissement", "Marseille 1er"), which is its city. Control
// characters and invalid UTF-8 are dropped; an empty text, or one longer
// than MaxCommuneText characters, gives the zero CommuneText.
func ParseCommuneText(text string) CommuneText {
	text = CleanText(StripControl(text))
	if text == "" || utf8.RuneCountInString(text) > MaxCommuneText {
		return CommuneText{}
	}
	name, qualifier := text, ""
	if i := strings.LastIndex(text, "("); i > 0 && strings.HasSuffix(text, ")") {
		name, qualifier = strings.TrimSpace(text[:i]), strings.ToUpper(strings.TrimSpace(text[i+1:len(text)-1]))
	} else if f := strings.Fields(text); len(f) > 1 && postcodePattern.MatchString(f[len(f)-1]) {
		name, qualifier = strings.Join(f[:len(f)-1], " "), f[len(f)-1]
	}
	var ct CommuneText
	switch {
	case qualifier == "":
		if code := strings.ToUpper(name); inseeCodePattern.MatchString(code) || postcodePattern.MatchString(code) {
			name = ""
			ct.setCode(code)
		}
	case inseeCodePattern.MatchString(qualifier) || postcodePattern.MatchString(qualifier):
		ct.setCode(qualifier)
	case depPattern.MatchString(qualifier):
		ct.Departement = qualifier
	default:
		// "(Réunion)", "(bis)": not a qualifier the resolver knows; the
		// words stay part of the name.
		name = text
	}
	ct.Key = CommuneKey(name)
	return ct
}

func (ct *CommuneText) setCode(code string) {
	if inseeCodePattern.MatchString(code) {
		ct.Code = code
	}
	if postcodePattern.MatchString(code) {
		ct.Postcode = code
	}
}

var (
	unaccenter = strings.NewReplacer("é", "e", "è", "e", "ê", "e", "ë", "e", "à", "a", "â", "a", "ä", "a", "î", "i", "ï", "i",
		"ô", "o", "ö", "o", "ù", "u", "û", "u", "ü", "u", "ÿ", "y", "ç", "c", "œ", "oe", "æ", "ae",
		"É", "E", "È", "E", "Ê", "E", "À", "A", "Î", "I", "Ô", "O", "Ç", "C", "Œ", "OE")
	keySeparators = strings.NewReplacer("-", " ", "'", " ", "’", " ", ".", " ")
)

// CommuneKey folds a commune's name for comparison: lower case, no accent
// (as immutable_unaccent does for communes.search_name), hyphens, dots and
// apostrophes as spaces, "st"/"ste" spelt out, and an arrondissement suffix
// dropped ("lyon 3e" is Lyon).
func CommuneKey(name string) string {
	k := strings.ToLower(unaccenter.Replace(name))
	k = keySeparators.Replace(k)
	k = strings.Join(strings.Fields(k), " ")
	k = arrondissement.ReplaceAllString(k, "")
	k = saintPrefix.ReplaceAllString(k+" ", "${1}saint${2} ")
	return strings.TrimSpace(k)
}
