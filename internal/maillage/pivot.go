package maillage

import "strings"

// Kinds of pivot identifiers returned by PivotKind.
const (
	PivotSIRET       = "siret"
	PivotSIREN       = "siren"
	PivotRNA         = "rna"
	PivotRIDET       = "ridet"
	PivotPlaceholder = "placeholder"
)

// laPosteSIREN is the SIREN of La Poste: the SIRETs of its establishments do
// not use the Luhn key but a sum of digits that is a multiple of 5 (all but
// the head office, 35600000000048, which follows Luhn).
const (
	laPosteSIREN      = "356000000"
	laPosteHeadOffice = "35600000000048"
)

// ValidSIRET reports whether s is a SIRET: 14 digits, a valid SIREN and a
// valid key (Luhn; sum of digits a multiple of 5 for La Poste). The
// placeholder 00000000000000 is not a valid SIRET.
func ValidSIRET(s string) bool {
	if len(s) != 14 || !allDigits(s) || allZeros(s) || !ValidSIREN(s[:9]) {
		return false
	}
	if strings.HasPrefix(s, laPosteSIREN) && s != laPosteHeadOffice {
		sum := 0
		for i := 0; i < len(s); i++ {
			sum += int(s[i] - '0')
		}
		return sum%5 == 0
	}
	return luhn(s)
}

// ValidSIREN reports whether s is a SIREN: 9 digits with a Luhn key, not all
// zeros.
func ValidSIREN(s string) bool {
	return len(s) == 9 && allDigits(s) && !allZeros(s) && luhn(s)
}

// ValidRNA reports whether s is a number of the Répertoire national des
// associations: W followed by 9 digits.
func ValidRNA(s string) bool {
	return len(s) == 10 && s[0] == 'W' && allDigits(s[1:])
}

// ValidRIDET reports whether s looks like an establishment identifier of New
// Caledonia (RIDET: 7-digit company number + 3-digit establishment, written
// without the dot) or of French Polynesia (numéro TAHITI: a letter, 5 digits,
// then 3 digits of establishment). Neither has a check key, so this is a
// shape check only.
func ValidRIDET(s string) bool {
	switch {
	case len(s) == 10:
		return allDigits(s)
	case len(s) == 9:
		return s[0] >= 'A' && s[0] <= 'Z' && allDigits(s[1:])
	}
	return false
}

// PivotKind says what the pivot identifier s is: PivotPlaceholder for a
// string of zeros (00000000000000, found in real data), PivotSIRET,
// PivotRNA, PivotRIDET, PivotSIREN (9 digits: a company, not an
// establishment), or "" when it is none of them (including a 14-digit number
// with a wrong key).
func PivotKind(s string) string {
	switch {
	case len(s) >= 9 && len(s) <= 14 && allZeros(s):
		return PivotPlaceholder
	case ValidSIRET(s):
		return PivotSIRET
	case ValidRNA(s):
		return PivotRNA
	case ValidSIREN(s):
		return PivotSIREN
	case ValidRIDET(s):
		return PivotRIDET
	}
	return ""
}

func luhn(s string) bool {
	sum := 0
	for i := 0; i < len(s); i++ {
		d := int(s[len(s)-1-i] - '0')
		if i%2 == 1 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return sum%10 == 0
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

func allZeros(s string) bool {
	return s != "" && strings.Trim(s, "0") == ""
}
