package training

import (
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"
	"time"

	"maillage/internal/maillage"
)

// Synthetic makes deterministic fake training data for tests and
// benchmarks: certifications with blocs, communes across France (overseas
// included), training bodies, offers and sessions, and LHEO files of any
// size. The same seed gives the same data.
type Synthetic struct {
	seed     uint64
	certs    []*maillage.Certification
	communes []synthCommune
	byCode   map[string]int
	bodies   []*Body
	base     time.Time
}

type synthCommune struct {
	code, postcode, city string
	lat, lon             float64
}

// Synthetic sizes.
const (
	synthCertifications = 12
	synthCommunes       = 2000
	synthBodies         = 300
)

// NewSynthetic returns a generator for seed. Sessions start from base
// (rounded to the day) on: pass the benchmark's or the test's "now".
func NewSynthetic(seed uint64, base time.Time) *Synthetic {
	g := &Synthetic{seed: seed, byCode: map[string]int{}}
	g.base = time.Date(base.Year(), base.Month(), base.Day(), 0, 0, 0, 0, maillage.Paris)
	r := g.rand(0)
	for i := range synthCertifications {
		c := &maillage.Certification{
			Code:   fmt.Sprintf("SYN%02d", i+1),
			Kind:   maillage.KindRNCP,
			Number: fmt.Sprintf("RNCP%d", 90000+i),
			Title:  fmt.Sprintf("Titre synthétique n°%d « médiation & numérique »", i+1),
			Level:  3 + i%5,
		}
		nb := 3 + r.IntN(5) // 3–7 blocs
		for j := range nb {
			c.Blocs = append(c.Blocs, &maillage.Bloc{
				Code:              fmt.Sprintf("%s-B%d", c.Code, j+1),
				CertificationCode: c.Code,
				Rank:              j + 1,
				Label:             fmt.Sprintf("Bloc %d du titre %d : accompagner les publics <éloignés>", j+1, i+1),
				Status:            maillage.StatusConfirmed,
			})
		}
		g.certs = append(g.certs, c)
	}
	for i := range synthCommunes {
		var c synthCommune
		if i%20 == 0 { // overseas: Guadeloupe, Martinique, Guyane, La Réunion, Mayotte
			dep := []string{"971", "972", "973", "974", "976"}[r.IntN(5)]
			centre := map[string][2]float64{"971": {16.2, -61.5}, "972": {14.6, -61.0}, "973": {4.9, -52.3}, "974": {-21.1, 55.5}, "976": {-12.8, 45.1}}[dep]
			c = synthCommune{code: fmt.Sprintf("%s%02d", dep, i%100), postcode: dep + fmt.Sprintf("%02d", i%100),
				lat: centre[0] + r.Float64()*0.4 - 0.2, lon: centre[1] + r.Float64()*0.4 - 0.2}
		} else {
			dep := 1 + r.IntN(95)
			if dep == 20 {
				dep = 21
			}
			c = synthCommune{code: fmt.Sprintf("%02d%03d", dep, i%1000), postcode: fmt.Sprintf("%02d%03d", dep, r.IntN(1000)),
				lat: 42.5 + r.Float64()*8.5, lon: -4.5 + r.Float64()*12.5}
		}
		c.city = fmt.Sprintf("Commune-%d d'Essai", i)
		if _, dup := g.byCode[c.code]; dup {
			continue
		}
		g.byCode[c.code] = len(g.communes)
		g.communes = append(g.communes, c)
	}
	for i := range synthBodies {
		c := g.communes[r.IntN(len(g.communes))]
		g.bodies = append(g.bodies, &Body{
			StructureID:    int64(i + 1),
			SIRET:          synthSIRET(r),
			Name:           fmt.Sprintf("Organisme %d", i+1),
			LegalName:      fmt.Sprintf("Organisme %d & associés SAS", i+1),
			ActivityNumber: fmt.Sprintf("%011d", 11000000000+r.Int64N(9e9)),
			Qualiopi:       r.IntN(3) > 0,
			Address:        Place{CodeInsee: c.code, Postcode: c.postcode, City: c.city, Address: fmt.Sprintf("%d rue de l'Exemple", 1+r.IntN(200))},
			Contact:        Contact{Name: "Accueil", Email: fmt.Sprintf("contact@of%d.example", i+1), Phone: "+33 1 23 45 67 89"},
		})
	}
	return g
}

func (g *Synthetic) rand(stream uint64) *rand.Rand {
	return rand.New(rand.NewPCG(g.seed, stream))
}

// Certifications returns the synthetic certifications with their blocs.
func (g *Synthetic) Certifications() []*maillage.Certification { return g.certs }

// Bodies returns the synthetic training bodies.
func (g *Synthetic) Bodies() []*Body { return g.bodies }

// Coords returns the coordinates of a synthetic commune.
func (g *Synthetic) Coords(code string) (lat, lon float64, ok bool) {
	i, ok := g.byCode[code]
	if !ok {
		return 0, 0, false
	}
	return g.communes[i].lat, g.communes[i].lon, true
}

// RandomPoint returns a synthetic commune's coordinates, drawn by r.
func (g *Synthetic) RandomPoint(r *rand.Rand) (lat, lon float64) {
	c := g.communes[r.IntN(len(g.communes))]
	return c.lat, c.lon
}

// Formation returns the i-th formation (0-based) of the seed: an offer of
// one of the bodies, with 1 to 3 sessions from the base day on (ids i*10+k).
func (g *Synthetic) Formation(i int) Formation {
	return g.formation(i, 1+int(g.rand(uint64(i)+1).IntN(3)))
}

// FormationWithSessions is Formation with exactly n sessions.
func (g *Synthetic) FormationWithSessions(i, n int) Formation { return g.formation(i, n) }

func (g *Synthetic) formation(i, sessions int) Formation {
	r := g.rand(uint64(i) + 1)
	b := g.bodies[r.IntN(len(g.bodies))]
	c := g.certs[r.IntN(len(g.certs))]
	o := &Offer{
		ID:             int64(i + 1),
		StructureID:    b.StructureID,
		Title:          fmt.Sprintf("Formation %d — préparer le titre %s", i+1, c.Code),
		Description:    fmt.Sprintf("Description de la formation %d.\nDeux lignes, des « guillemets », & des <chevrons>.", i+1),
		Objectives:     "Accompagner les personnes vers l'autonomie numérique.",
		Certifications: []string{c.Code},
		Modality:       Modalities[r.IntN(len(Modalities))],
		Hours:          35 * (1 + r.IntN(20)),
		PriceCents:     int64(r.IntN(500000)),
		Contact:        Contact{Name: "Camille Martin", Email: fmt.Sprintf("camille.martin@of%d.example", b.StructureID), Phone: "01 23 45 67 89"},
		CreatedAt:      g.base.Add(-time.Duration(r.IntN(1000)) * time.Hour).UTC(),
		UpdatedAt:      g.base.Add(-time.Duration(r.IntN(10)) * time.Minute).UTC(),
	}
	// 1 to 3 consecutive blocs of the certification.
	nb := 1 + r.IntN(min(3, len(c.Blocs)))
	first := r.IntN(len(c.Blocs) - nb + 1)
	for _, bl := range c.Blocs[first : first+nb] {
		o.Blocs = append(o.Blocs, bl.Code)
	}
	for _, f := range Fundings {
		if r.IntN(3) == 0 {
			o.Funding = append(o.Funding, f)
		}
	}
	for k := range sessions {
		s := g.session(r, o, int64(i)*10+int64(k)+1)
		o.Sessions = append(o.Sessions, s)
	}
	return Formation{Body: b, Offer: o}
}

func (g *Synthetic) session(r *rand.Rand, o *Offer, sid int64) *Session {
	start := g.base.AddDate(0, 0, r.IntN(365)).Add(9 * time.Hour)
	s := &Session{
		ID:           sid,
		OfferID:      o.ID,
		Start:        start,
		End:          start.AddDate(0, 0, 1+r.IntN(120)).Add(8 * time.Hour),
		Seats:        8 + r.IntN(20),
		Registration: RegistrationOpen,
	}
	s.SeatsLeft = r.IntN(s.Seats + 1)
	if s.SeatsLeft == 0 {
		s.Registration = RegistrationFull
	}
	remote := o.Modality == ModalityDistanciel || (o.Modality == ModalityHybride && r.IntN(2) == 0)
	if remote {
		s.Place = Place{Remote: true}
	} else {
		c := g.communes[r.IntN(len(g.communes))]
		s.Place = Place{CodeInsee: c.code, Postcode: c.postcode, City: c.city, Address: "Salle " + strconv.Itoa(1+r.IntN(30)) + "\n2 place de la Mairie"}
	}
	if r.IntN(2) == 0 {
		s.RegistrationURL = fmt.Sprintf("https://of.example/inscription?session=%d&src=maillage", sid)
	}
	return s
}

// WriteLHEO writes an LHEO 2.3 file of n formations (Formation(0) to
// Formation(n-1)), streaming.
func (g *Synthetic) WriteLHEO(w io.Writer, n int) error {
	lw := NewLHEOWriter(w, ExportOptions{Certifications: NewCertIndex(g.certs), Now: g.base})
	for i := range n {
		f := g.Formation(i)
		if err := lw.Write(f.Body, f.Offer); err != nil {
			return err
		}
	}
	return lw.Close()
}

// synthSIRET returns a random SIRET with valid Luhn keys.
func synthSIRET(r *rand.Rand) string {
	siren := fmt.Sprintf("%08d", 10000000+r.IntN(89999999))
	siren += strconv.Itoa(luhnKey(siren))
	siret := siren + fmt.Sprintf("%04d", r.IntN(10000))
	return siret + strconv.Itoa(luhnKey(siret))
}

// luhnKey returns the digit that makes s plus that digit pass Luhn.
func luhnKey(s string) int {
	sum := 0
	for i := len(s) - 1; i >= 0; i-- {
		d := int(s[i] - '0')
		if (len(s)-1-i)%2 == 0 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return (10 - sum%10) % 10
}
