package lieux

import (
	"math"
	"regexp"
	"slices"
	"sort"
	"strings"

	"maillage/internal/maillage"
)

// Commune is what the import needs to know of a commune of the referential.
type Commune struct {
	CodeInsee       string
	Nom             string
	CodeDepartement string
	CodesPostaux    []string
	Population      int
	Latitude        float64
	Longitude       float64
}

// Communes knows the communes of the referential. Commune takes an INSEE
// code (a municipal arrondissement — 75101…, 69381…, 13201… — gives its
// city); WithPostcode lists the communes a postcode serves; WithName the
// communes of that name (case, accents, hyphens and "St"/"Ste" do not
// count); Nearest the commune whose centre is nearest to a point.
// CommuneIndex implements it in memory; storage loads one from the communes
// table.
type Communes interface {
	Commune(code string) (Commune, bool)
	WithPostcode(postcode string) []Commune
	WithName(name string) []Commune
	Nearest(lat, lon float64) (Commune, bool)
}

// CommuneIndex is an in-memory Communes over a list of communes (about
// 35,000: a few megabytes), read-only once built.
type CommuneIndex struct {
	byCode     map[string]*Commune
	byPostcode map[string][]*Commune
	byName     map[string][]*Commune
	cells      map[[2]int][]*Commune // 1° × 1° cells of centres
}

// NewCommuneIndex indexes communes.
func NewCommuneIndex(cs []Commune) *CommuneIndex {
	ix := &CommuneIndex{byCode: map[string]*Commune{}, byPostcode: map[string][]*Commune{}, byName: map[string][]*Commune{}, cells: map[[2]int][]*Commune{}}
	for i := range cs {
		c := &cs[i]
		ix.byCode[c.CodeInsee] = c
		for _, cp := range c.CodesPostaux {
			ix.byPostcode[cp] = append(ix.byPostcode[cp], c)
		}
		k := communeKey(c.Nom)
		ix.byName[k] = append(ix.byName[k], c)
		ix.cells[cell(c.Latitude, c.Longitude)] = append(ix.cells[cell(c.Latitude, c.Longitude)], c)
	}
	return ix
}

func cell(lat, lon float64) [2]int { return [2]int{int(math.Floor(lat)), int(math.Floor(lon))} }

func values(cs []*Commune) []Commune {
	out := make([]Commune, len(cs))
	for i, c := range cs {
		out[i] = *c
	}
	return out
}

// Commune returns the commune with that INSEE code (an arrondissement gives
// its city).
func (ix *CommuneIndex) Commune(code string) (Commune, bool) {
	c, ok := ix.byCode[maillage.CityOfArrondissement(code)]
	if !ok {
		return Commune{}, false
	}
	return *c, true
}

// WithPostcode returns the communes the postcode serves.
func (ix *CommuneIndex) WithPostcode(cp string) []Commune { return values(ix.byPostcode[cp]) }

// WithName returns the communes of that name.
func (ix *CommuneIndex) WithName(name string) []Commune { return values(ix.byName[communeKey(name)]) }

// Nearest returns the commune whose centre is nearest to the point, looking
// in rings of cells around it (up to about 5° away: overseas places far from
// any commune get none).
func (ix *CommuneIndex) Nearest(lat, lon float64) (Commune, bool) {
	if len(ix.byCode) == 0 || math.IsNaN(lat) || math.IsNaN(lon) {
		return Commune{}, false
	}
	c0 := cell(lat, lon)
	var best *Commune
	bestKm := math.Inf(1)
	found := -1
	for r := 0; r <= 5; r++ {
		for dy := -r; dy <= r; dy++ {
			for dx := -r; dx <= r; dx++ {
				if max(abs(dx), abs(dy)) != r {
					continue
				}
				for _, c := range ix.cells[[2]int{c0[0] + dy, c0[1] + dx}] {
					if d := maillage.DistanceKm(lat, lon, c.Latitude, c.Longitude); d < bestKm {
						best, bestKm = c, d
					}
				}
			}
		}
		// Cells of the next ring can hold a nearer centre (a point near the
		// edge of its cell); nothing beyond it can.
		if best != nil && found < 0 {
			found = r
		} else if found >= 0 {
			break
		}
	}
	if best == nil {
		return Commune{}, false
	}
	return *best, true
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

var (
	cedex      = regexp.MustCompile(`(?i)\s+cedex(\s*\d+)?\s*$`)
	saintToken = strings.NewReplacer(" st ", " saint ", " ste ", " sainte ")
)

// communeKey folds a commune name for lookups: "ST-ÉTIENNE CEDEX 2" and
// "Saint-Étienne" meet.
func communeKey(name string) string {
	name = cedex.ReplaceAllString(strings.TrimSpace(name), "")
	name = strings.NewReplacer("-", " ", "'", " ", "’", " ").Replace(strings.ToLower(name))
	name = saintToken.Replace(" " + name + " ")
	return key(name)
}

// Far is the distance between the coordinates of a place and the centre of
// its commune beyond which one of the two is wrong (the largest communes,
// in Guyane, are about 100 km across).
const Far = 100.0

// Near is how far from the coordinates the nearest commune may be to be
// taken as the place's commune when nothing else says which it is.
const Near = 30.0

// resolveCommune finds the commune of a place and corrects or reports what
// its code_insee, postcode and coordinates say wrongly. It returns the
// INSEE code of the commune in the referential ("" if none).
func (c *rowCheck) resolveCommune(l *maillage.Lieu, cs Communes) string {
	if c.bad["code_insee"] || c.bad["code_postal"] {
		return ""
	}
	hasXY := l.Latitude != nil && l.Longitude != nil
	var lat, lon float64
	if hasXY {
		lat, lon = *l.Latitude, *l.Longitude
	}
	byPostcode := cs.WithPostcode(l.CodePostal)
	if l.CodeInsee != "" {
		com, ok := cs.Commune(l.CodeInsee)
		if !ok {
			c.fail("code_insee", KeyInseeUnknown, "Value", l.CodeInsee)
			return ""
		}
		postcodeAgrees := slices.Contains(com.CodesPostaux, l.CodePostal)
		if hasXY {
			if km := maillage.DistanceKm(lat, lon, com.Latitude, com.Longitude); km > Far {
				if better, ok := nearestWithin(byPostcode, lat, lon, Far); ok && !postcodeAgrees {
					c.correctInsee(l, com, better, km, "postcode")
					return better.CodeInsee
				}
				if better, ok := cs.Nearest(lat, lon); ok && !postcodeAgrees && maillage.DistanceKm(lat, lon, better.Latitude, better.Longitude) <= Near &&
					(communeKey(better.Nom) == communeKey(l.Commune) || len(byPostcode) == 0) {
					c.correctInsee(l, com, better, km, "coordinates")
					return better.CodeInsee
				}
				c.warn("latitude", KeyCoordinatesFar, "Code", com.CodeInsee, "Commune", com.Nom, "Km", math.Round(km))
				return com.CodeInsee
			}
		}
		if !postcodeAgrees && len(byPostcode) > 0 {
			c.warn("code_insee", KeyInseePostcode, "Code", l.CodeInsee, "Postcode", l.CodePostal)
		}
		return com.CodeInsee
	}
	if len(byPostcode) > 0 {
		return pick(byPostcode, l.Commune, hasXY, lat, lon).CodeInsee
	}
	// A CEDEX or generic postcode (06286, 13000): the commune named in the
	// row in the département of the postcode, else the nearest one.
	named := inDepartement(cs.WithName(l.Commune), departementOf(l.CodePostal))
	if len(named) > 0 {
		com := pick(named, l.Commune, hasXY, lat, lon)
		c.warn("code_postal", KeyCommuneByName, "Postcode", l.CodePostal, "Code", com.CodeInsee, "Commune", com.Nom)
		return com.CodeInsee
	}
	if hasXY {
		if com, ok := cs.Nearest(lat, lon); ok {
			if km := maillage.DistanceKm(lat, lon, com.Latitude, com.Longitude); km <= Near {
				c.warn("code_postal", KeyCommuneByCoordinates, "Postcode", l.CodePostal, "Code", com.CodeInsee, "Commune", com.Nom, "Km", math.Round(km*10)/10)
				return com.CodeInsee
			}
		}
	}
	c.warn("code_postal", KeyCommuneUnresolved, "Postcode", l.CodePostal, "Commune", clean(l.Commune))
	return ""
}

// correctInsee replaces a code_insee that points far from the coordinates.
func (c *rowCheck) correctInsee(l *maillage.Lieu, old, now Commune, km float64, via string) {
	key := KeyInseeCorrectedPostcode
	if via == "coordinates" {
		key = KeyInseeCorrectedCoordinates
	}
	c.warn("code_insee", key, "Old", l.CodeInsee, "OldCommune", old.Nom, "New", now.CodeInsee, "NewCommune", now.Nom, "Km", math.Round(km))
	l.CodeInsee = now.CodeInsee
}

// nearestWithin returns the commune of cs nearest to the point, if within km.
func nearestWithin(cs []Commune, lat, lon, km float64) (Commune, bool) {
	best, bestKm := Commune{}, math.Inf(1)
	for _, c := range cs {
		if d := maillage.DistanceKm(lat, lon, c.Latitude, c.Longitude); d < bestKm {
			best, bestKm = c, d
		}
	}
	return best, bestKm <= km
}

// pick chooses among candidate communes: the one of that name, else the
// nearest to the coordinates, else the most populated.
func pick(cs []Commune, name string, hasXY bool, lat, lon float64) Commune {
	if len(cs) == 1 {
		return cs[0]
	}
	k := communeKey(name)
	var named []Commune
	for _, c := range cs {
		if communeKey(c.Nom) == k {
			named = append(named, c)
		}
	}
	if len(named) == 1 {
		return named[0]
	}
	if len(named) > 1 {
		cs = named
	}
	if hasXY {
		c, _ := nearestWithin(cs, lat, lon, math.Inf(1))
		return c
	}
	sorted := slices.Clone(cs)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Population > sorted[j].Population })
	return sorted[0]
}

// departementOf returns the département a postcode belongs to: its first two
// digits, three overseas (97x, 98x), 2A or 2B for Corsica ("20").
func departementOf(cp string) string {
	switch {
	case len(cp) != 5:
		return ""
	case strings.HasPrefix(cp, "97"), strings.HasPrefix(cp, "98"):
		return cp[:3]
	case strings.HasPrefix(cp, "20"):
		if cp < "20200" {
			return "2A"
		}
		return "2B"
	}
	return cp[:2]
}

func inDepartement(cs []Commune, dep string) []Commune {
	var out []Commune
	for _, c := range cs {
		if dep == "" || c.CodeDepartement == dep || (dep == "2A" || dep == "2B") && strings.HasPrefix(c.CodeDepartement, "2") {
			out = append(out, c)
		}
	}
	return out
}

// ResolveCommune finds the commune of a place outside a file (a place given
// whole): it may correct l.CodeInsee as the import does, and returns the
// INSEE code of its commune in the referential with what it found wrong.
func ResolveCommune(l *maillage.Lieu, cs Communes) (string, []RowError) {
	c := &rowCheck{im: newImporter(Options{}), id: clean(l.ID), bad: map[string]bool{}}
	insee := c.resolveCommune(l, cs)
	return insee, append(c.errs, c.warns...)
}
