package lieux

import (
	"maillage/internal/maillage"
	"strings"
	"unicode"

	"github.com/nyaruka/phonenumbers"
)

// overseasPrefixes maps the national prefixes of the overseas départements
// (dialled from anywhere in France) to their region in libphonenumber.
var overseasPrefixes = map[string]string{
	"0590": "GP", "0690": "GP", "0691": "GP",
	"0594": "GF", "0694": "GF",
	"0596": "MQ", "0696": "MQ", "0697": "MQ",
	"0262": "RE", "0263": "RE", "0692": "RE", "0693": "RE",
	"0269": "YT", "0639": "YT",
}

// regionOfPostcode maps the postcode prefixes of the overseas territories
// to their region in libphonenumber: a number written without its country
// code ("27 12 34", "0687 27 12 34" in Nouméa) is read as one of there.
var regionOfPostcode = map[string]string{
	"971": "GP", "972": "MQ", "973": "GF", "974": "RE", "975": "PM", "976": "YT",
	"977": "BL", "978": "MF", "986": "WF", "987": "PF", "988": "NC",
}

// countryCodes are the country codes of the regions without a national
// prefix, which people write after a 0 as if it were one ("0687 …").
var countryCodes = map[string]string{"NC": "687", "PF": "689", "WF": "681", "PM": "508"}

// schemaCodes are the country codes the schema's telephone pattern allows.
var schemaCodes = map[int32]bool{33: true, 590: true, 594: true, 262: true, 596: true, 269: true, 687: true, 689: true, 508: true, 681: true}

// phoneResult says what became of a telephone value.
type phoneResult int

const (
	phoneOK         phoneResult = iota
	phoneUnassigned             // possible but in no range of the numbering plan
	phoneBad                    // not a telephone number
	phoneForeign                // a number outside France and its territories
)

// normalisePhone turns a French number written in any usual way ("04 78 12
// 34 56", "+33 (0)4 78…", "0033 4…", "0262 12 34 56", "27 12 34" or "0687 27
// 12 34" in Nouvelle-Calédonie — the postcode tells where the place is)
// into the E.164 form the schema wants (+33478123456, +262262123456,
// +687271234).
func normalisePhone(s, postcode string) (string, phoneResult) {
	t := strings.ReplaceAll(s, "(0)", "")
	t = strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || strings.ContainsRune(".-()/", r) {
			return -1
		}
		return r
	}, t)
	if strings.HasPrefix(t, "00") {
		t = "+" + t[2:]
	}
	if strings.HasPrefix(t, "+330") {
		t = "+33" + t[4:]
	}
	// "+33 262 …": an overseas number written with the metropolitan code.
	if strings.HasPrefix(t, "+33") && len(t) == 12 {
		if _, ok := overseasPrefixes["0"+t[3:6]]; ok {
			t = "0" + t[3:]
		}
	}
	if len(t) < 2 || strings.Trim(t[1:], "0123456789") != "" || t[0] != '+' && (t[0] < '0' || t[0] > '9') {
		return "", phoneBad
	}
	region := "FR"
	if len(postcode) == 5 {
		if r, ok := regionOfPostcode[postcode[:3]]; ok {
			region = r
		}
	}
	if cc, ok := countryCodes[region]; ok && strings.HasPrefix(t, "0"+cc) {
		t = "+" + t[1:]
	}
	if len(t) == 10 && t[0] == '0' {
		if r, ok := overseasPrefixes[t[:4]]; ok {
			region = r
		} else if _, ok := countryCodes[region]; ok {
			region = "FR" // a metropolitan number given by an overseas place
		}
	}
	num, err := phonenumbers.Parse(t, region)
	if err != nil || !phonenumbers.IsPossibleNumber(num) {
		return "", phoneBad
	}
	e164 := phonenumbers.Format(num, phonenumbers.E164)
	if !schemaCodes[num.GetCountryCode()] {
		return e164, phoneForeign
	}
	if f := schema.byName["telephone"]; f != nil && f.Pattern != nil && !f.Pattern.MatchString(e164) {
		return "", phoneBad
	}
	if !phonenumbers.IsValidNumber(num) {
		return e164, phoneUnassigned
	}
	return e164, phoneOK
}

// FormatPhone shows a stored telephone number the French way: « 04 78 12 34
// 56 » for metropolitan France and the overseas départements (« 0262 12 34
// 56 »), with its country code for the Pacific collectivities and Saint-
// Pierre-et-Miquelon (« +687 27.12.34 »), and as stored when it is not a
// number.
func FormatPhone(stored string) string {
	num, err := phonenumbers.Parse(stored, "FR")
	if err != nil || !phonenumbers.IsPossibleNumber(num) {
		return stored
	}
	switch num.GetCountryCode() {
	case 33, 262, 590, 594, 596:
		return phonenumbers.Format(num, phonenumbers.NATIONAL)
	}
	return phonenumbers.Format(num, phonenumbers.INTERNATIONAL)
}

// NormalisePhone is the importer's reading of a telephone number for forms
// and the API: the stored form and whether it is a French number the schema
// accepts (a number in no allocated range is accepted, as on import).
func NormalisePhone(s, postcode string) (string, bool) {
	n, res := normalisePhone(s, postcode)
	return n, res == phoneOK || res == phoneUnassigned
}

// Normalize puts what a person typed into the form the schema stores, the
// way the importer reads a file: a French telephone number written the
// national way (« 04 78 12 34 56 », « 0262 12 34 56 ») becomes « +33478123456 ».
// Forms, the API and the CLI go through it (the storage calls it before
// Validate); a value it cannot read is left for Validate to refuse.
func Normalize(l *maillage.Lieu) {
	if l.Telephone != "" {
		if n, ok := NormalisePhone(l.Telephone, l.CodePostal); ok {
			l.Telephone = n
		}
	}
}
