package training

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"maillage/internal/maillage"
)

// DemoBody is a training body of the demonstration network and the places
// where it teaches (its own commune first, then communes where people of
// the network live).
type DemoBody struct {
	StructureID int64
	Name        string
	Places      []Place
}

// demoOffer is a kind of demo offer: its title, the ranks of the blocs it
// prepares, how it is taught.
type demoOffer struct {
	title, objectives string
	ranks             []int
	modality          Modality
	hours             int
}

var demoOffers = []demoOffer{
	{"Accompagner les publics vers l'autonomie numérique", "Accueillir, diagnostiquer les besoins et accompagner les personnes dans leurs usages numériques du quotidien.", []int{1}, ModalityPresentiel, 140},
	{"Développer un espace de médiation numérique", "Construire l'offre d'un lieu de médiation, ses partenariats et ses projets sur le territoire.", []int{2}, ModalityHybride, 105},
	{"Gérer un espace de médiation et animer ses projets collaboratifs", "Organiser la gestion d'un lieu, animer une communauté et conduire des projets collaboratifs.", []int{3}, ModalityPresentiel, 105},
	{"Parcours complet vers le titre professionnel", "Préparer l'ensemble des blocs du titre, de l'accompagnement des publics à la gestion d'un espace.", []int{1, 2, 3}, ModalityHybride, 420},
	{"Projets et gestion d'un lieu numérique (blocs 2 et 3)", "Préparer les deux blocs de développement et de gestion d'un espace de médiation numérique.", []int{2, 3}, ModalityDistanciel, 210},
	{"Classe virtuelle : accompagner les publics éloignés du numérique", "Se former à distance à l'accompagnement des personnes en difficulté avec le numérique.", []int{1}, ModalityDistanciel, 70},
}

// DemoOffers draws the offers of a demo training body (with upcoming
// sessions, and sometimes one that already ran) towards the first current
// certification that has blocs. The same seed, body and day give the same
// offers.
func DemoOffers(seed uint64, now time.Time, b DemoBody, certs []*maillage.Certification) []*Offer {
	var c *maillage.Certification
	for _, x := range certs {
		if x.RetiredAt == nil && len(x.Blocs) >= 3 && (c == nil || x.ValidUntil != nil && c.ValidUntil != nil && x.ValidUntil.After(*c.ValidUntil)) {
			c = x
		}
	}
	if c == nil || len(b.Places) == 0 {
		return nil
	}
	r := rand.New(rand.NewPCG(seed, uint64(b.StructureID)))
	day := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, maillage.Paris)
	var out []*Offer
	kinds := r.Perm(len(demoOffers))[:2+r.IntN(3)]
	slices.Sort(kinds)
	for _, k := range kinds {
		d := demoOffers[k]
		o := &Offer{Title: d.title, Objectives: d.objectives, Modality: d.modality, Hours: d.hours,
			Description:    fmt.Sprintf("Formation proposée par %s, en petits groupes, avec mises en situation et accompagnement individualisé.", b.Name),
			Certifications: []string{c.Code}, PriceCents: int64(d.hours) * int64(900+r.IntN(900)),
			Contact: Contact{Name: "Accueil formation", Email: fmt.Sprintf("formation-%d@demo.maillage.example", b.StructureID)}}
		for _, rank := range d.ranks {
			for _, bl := range c.Blocs {
				if bl.Rank == rank && bl.RetiredAt == nil {
					o.Blocs = append(o.Blocs, bl.Code)
				}
			}
		}
		if len(o.Blocs) == 0 {
			continue
		}
		o.Funding = []Funding{FundingCPF}
		for _, f := range []Funding{FundingOPCO, FundingFranceTravail, FundingRegion} {
			if r.IntN(2) == 0 {
				o.Funding = append(o.Funding, f)
			}
		}
		n := 1 + r.IntN(3)
		for i := range n {
			start := day.AddDate(0, 0, 10+r.IntN(240)).Add(9 * time.Hour)
			if i == 0 && r.IntN(3) == 0 {
				start = day.AddDate(0, 0, -20-r.IntN(200)).Add(9 * time.Hour) // one that already ran
			}
			weeks := max(1, d.hours/35)
			s := &Session{Start: start, End: start.AddDate(0, 0, 7*weeks-3).Add(8 * time.Hour), Seats: 8 + r.IntN(10), Registration: RegistrationOpen}
			s.SeatsLeft = 1 + r.IntN(s.Seats)
			if d.modality == ModalityDistanciel || (d.modality == ModalityHybride && r.IntN(3) == 0) {
				s.Place = Place{Remote: true}
			} else {
				s.Place = b.Places[r.IntN(len(b.Places))]
			}
			if r.IntN(2) == 0 {
				s.RegistrationURL = fmt.Sprintf("https://formation.demo.maillage.example/inscription/%d-%d", b.StructureID, i+1)
			}
			o.Sessions = append(o.Sessions, s)
		}
		out = append(out, o)
	}
	return out
}

// DemoActivityNumber is a deterministic numéro de déclaration d'activité
// for a demo body: two digits of its région's code then nine of its id.
func DemoActivityNumber(region string, structureID int64) string {
	reg := "00" + strings.Map(func(r rune) rune {
		if r < '0' || r > '9' {
			return -1
		}
		return r
	}, region)
	return reg[len(reg)-2:] + fmt.Sprintf("%09d", structureID%1_000_000_000)
}
