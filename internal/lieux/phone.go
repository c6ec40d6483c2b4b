package lieux

import (
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

// pacificCodes are the country codes of the collectivities whose numbers
// have no national prefix, with their number of digits: people write them
// "0687 27 12 34" as if 687 were a prefix.
var pacificCodes = map[string]int{"687": 6, "689": 8, "508": 6, "681": 6}

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
// 34 56", "+33 (0)4 78…", "0033 4…", "0262 12 34 56", "0687 27 12 34") into
// the E.164 form the schema wants (+33478123456, +262262123456).
func normalisePhone(s string) (string, phoneResult) {
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
	if t == "" || strings.Trim(t[1:], "0123456789") != "" || t[0] != '+' && (t[0] < '0' || t[0] > '9') {
		return "", phoneBad
	}
	region := "FR"
	if len(t) == 10 && t[0] == '0' {
		if r, ok := overseasPrefixes[t[:4]]; ok {
			region = r
		} else if n, ok := pacificCodes[t[1:4]]; ok && len(t)-4 == n {
			t = "+" + t[1:]
		}
	} else if t[0] == '0' && len(t) == 12 && pacificCodes[t[1:4]] == 8 {
		t = "+" + t[1:]
	}
	num, err := phonenumbers.Parse(t, region)
	if err != nil || !phonenumbers.IsPossibleNumber(num) {
		return "", phoneBad
	}
	if !schemaCodes[num.GetCountryCode()] {
		return phonenumbers.Format(num, phonenumbers.E164), phoneForeign
	}
	e164 := phonenumbers.Format(num, phonenumbers.E164)
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
