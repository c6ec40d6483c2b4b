package training

import (
	"strings"

	"maillage/internal/maillage"
)

// Body is a training body as its offers name it: the structure with the
// training-body role and what LHEO asks of the "organisme formation
// responsable".
type Body struct {
	StructureID    int64   `json:"structure_id"`
	SIRET          string  `json:"siret"`
	Name           string  `json:"name"`            // nom-organisme
	LegalName      string  `json:"legal_name"`      // raison-sociale
	ActivityNumber string  `json:"activity_number"` // numéro de déclaration d'activité, 11 characters
	Qualiopi       bool    `json:"qualiopi"`
	Address        Place   `json:"address"` // postal address (never remote)
	Contact        Contact `json:"contact"`
}

// Bounds of the body fields (LHEO nom-organisme, raison-sociale).
const (
	MaxBodyName       = 250
	ActivityNumberLen = 11
)

// Validate checks a body: LHEO requires every identity field.
func (b *Body) Validate() maillage.Problems {
	var ps maillage.Problems
	if b.SIRET == "" {
		ps.Add("siret", KeyRequired)
	} else if !maillage.ValidSIRET(b.SIRET) {
		ps.Add("siret", KeySIRET)
	}
	checkText(&ps, "name", b.Name, MaxBodyName, true, false)
	checkText(&ps, "legal_name", b.LegalName, MaxBodyName, true, false)
	switch {
	case b.ActivityNumber == "":
		ps.Add("activity_number", KeyRequired)
	case len(b.ActivityNumber) != ActivityNumberLen || strings.ContainsFunc(b.ActivityNumber, func(r rune) bool { return (r < '0' || r > '9') && (r < 'A' || r > 'Z') }):
		ps.Add("activity_number", KeyActivityNumber, "Length", ActivityNumberLen)
	}
	// The commune code of a body's address is optional (LHEO files often
	// give only the postcode and city).
	addr := b.Address
	addr.Remote = false
	for _, p := range addr.Validate() {
		if p.Field == "code_insee" && p.Key == KeyRequired {
			continue
		}
		ps.Add("address."+p.Field, p.Key, p.Args...)
	}
	ps.Extend("contact.", b.Contact.Validate())
	return ps
}
