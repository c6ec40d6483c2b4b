package training

import (
	"strings"

	"maillage/internal/maillage"
)

// CertIndex finds certifications and blocs of the referential by code, and
// certifications by their register number (RNCP34137, RS5875). Build it once
// with NewCertIndex; it is read-only afterwards and safe for concurrent use.
type CertIndex struct {
	certs    []*maillage.Certification
	byCode   map[string]*maillage.Certification
	byNumber map[string]*maillage.Certification
	blocs    map[string]*maillage.Bloc
	// blocByOfficial maps an official bloc code (RNCP34137BC01) to the bloc,
	// for blocs whose own code is internal (REMN-B1).
	blocByOfficial map[string]*maillage.Bloc
}

// NewCertIndex indexes certifications (with their blocs). Retired ones are
// indexed too: offers may still point to them.
func NewCertIndex(certs []*maillage.Certification) *CertIndex {
	ix := &CertIndex{
		certs:          certs,
		byCode:         make(map[string]*maillage.Certification, len(certs)),
		byNumber:       make(map[string]*maillage.Certification, len(certs)),
		blocs:          map[string]*maillage.Bloc{},
		blocByOfficial: map[string]*maillage.Bloc{},
	}
	for _, c := range certs {
		ix.byCode[c.Code] = c
		if c.Number != "" {
			ix.byNumber[strings.ToUpper(c.Number)] = c
		}
		for _, b := range c.Blocs {
			ix.blocs[b.Code] = b
			if off := OfficialBlocCode(c, b); off != "" && off != b.Code {
				ix.blocByOfficial[off] = b
			}
		}
	}
	return ix
}

// Certifications returns the indexed certifications, in the order given.
func (ix *CertIndex) Certifications() []*maillage.Certification { return ix.certs }

// Certification returns the certification with that code, or nil.
func (ix *CertIndex) Certification(code string) *maillage.Certification {
	if ix == nil {
		return nil
	}
	return ix.byCode[code]
}

// ByNumber returns the certification with that register number ("RNCP34137",
// "rncp34137"), or nil.
func (ix *CertIndex) ByNumber(number string) *maillage.Certification {
	if ix == nil {
		return nil
	}
	return ix.byNumber[strings.ToUpper(strings.TrimSpace(number))]
}

// Bloc returns the bloc with that code, or with that official code
// (RNCP34137BC01), or nil.
func (ix *CertIndex) Bloc(code string) *maillage.Bloc {
	if ix == nil {
		return nil
	}
	if b := ix.blocs[code]; b != nil {
		return b
	}
	return ix.blocByOfficial[strings.ToUpper(code)]
}

// OfficialBlocCode returns the code France compétences gives a bloc: its own
// code when it has that form already, else the certification number, "BC"
// and the rank on two digits (RNCP34137BC01); "" when the number is unknown.
func OfficialBlocCode(c *maillage.Certification, b *maillage.Bloc) string {
	if officialBloc(b.Code) {
		return strings.ToUpper(b.Code)
	}
	if c == nil || c.Number == "" || b.Rank <= 0 || b.Rank > 99 {
		return ""
	}
	rank := string([]byte{byte('0' + b.Rank/10), byte('0' + b.Rank%10)})
	return strings.ToUpper(c.Number) + "BC" + rank
}

// officialBloc reports whether code has the form RNCP<digits>BC<digits>.
func officialBloc(code string) bool {
	u := strings.ToUpper(code)
	rest, ok := strings.CutPrefix(u, "RNCP")
	if !ok {
		return false
	}
	num, bc, ok := strings.Cut(rest, "BC")
	return ok && num != "" && bc != "" && allDigits(num) && allDigits(bc)
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
