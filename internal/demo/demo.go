// Package demo generates the demonstration network: people and structures
// placed in real communes (weighted by population, overseas included),
// with competencies, titles, mentor settings, visibility choices and
// memberships. Generation is a pure function of the referential and a seed
// (math/rand/v2 PCG): the same seed gives the same network. Storage is
// behind Store (internal/postgres implements it with bulk inserts).
package demo

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"time"

	"maillage/internal/maillage"
)

// DefaultSeed is the seed of `maillage seed --demo` and `maillage run`.
const DefaultSeed uint64 = 20261122

// Options size the network.
type Options struct {
	Seed       uint64
	People     int // 3,000 by default
	Structures int // 500 by default
}

func (o Options) withDefaults() Options {
	if o.People <= 0 {
		o.People = 3000
	}
	if o.Structures <= 0 {
		o.Structures = 500
	}
	return o
}

// Commune is what the generator needs of a commune.
type Commune struct {
	Code        string
	Nom         string
	Departement string
	Region      string
	Postcodes   []string
	Population  int
	Latitude    float64
	Longitude   float64
}

// Certification is a title with the codes of its blocs.
type Certification struct {
	Code  string
	Blocs []string
}

// Referential is what the network is drawn from (read from the database).
type Referential struct {
	Communes       []Commune // any order; sorted by code before drawing
	Competences    []string  // codes 1.1 … 5.2
	Certifications []Certification
}

// Person is a demo account with its profile and role.
type Person struct {
	Email   string
	Profile maillage.Profile // CodeInsee, Commune, CodeDepartement, CodeRegion, coordinates set
	Grant   maillage.RoleGrant
}

// Membership links a person to a structure (indexes in Network).
type Membership struct {
	Person    int
	Structure int
	Role      string
	StartedOn time.Time
}

// Network is a generated demo network.
type Network struct {
	Seed        uint64
	People      []Person
	Structures  []maillage.Structure // Lieu, Roles, CodeDepartement, CodeRegion
	Memberships []Membership
}

// Counts summarise a network.
type Counts struct {
	People      int
	Structures  int
	Memberships int
	Competences int
	Titles      int
	Mentors     int
	ByKind      map[maillage.ProfileKind]int
}

func (c Counts) String() string {
	return fmt.Sprintf("%d profils (%d conseillers, %d médiateurs dont %d mentors, %d aidants, %d coordinateurs), %d structures, %d appartenances, %d compétences déclarées, %d titres",
		c.People, c.ByKind[maillage.KindConseiller], c.ByKind[maillage.KindMediateur], c.Mentors, c.ByKind[maillage.KindAidant],
		c.ByKind[maillage.KindCoordinateur], c.Structures, c.Memberships, c.Competences, c.Titles)
}

// Counts counts what the network holds.
func (n *Network) Counts() Counts {
	c := Counts{People: len(n.People), Structures: len(n.Structures), Memberships: len(n.Memberships), ByKind: map[maillage.ProfileKind]int{}}
	for _, p := range n.People {
		c.ByKind[p.Profile.Kind]++
		c.Competences += len(p.Profile.Competences)
		c.Titles += len(p.Profile.Titles)
		if p.Profile.Mentor != nil && p.Profile.Mentor.Available {
			c.Mentors++
		}
	}
	return c
}

// refDate anchors every generated date, so a seed gives the same data on
// any day.
var refDate = time.Date(2026, 1, 15, 0, 0, 0, 0, time.UTC)

type generator struct {
	rng      *rand.Rand
	ref      *Referential
	communes []Commune
	cumul    []uint64 // cumulative population
	certs    map[string]Certification
	n        *Network
}

// Generate draws a network from the referential. It is deterministic: the
// same referential and options give the same network.
func Generate(ref *Referential, opt Options) (*Network, error) {
	opt = opt.withDefaults()
	g := &generator{
		rng:   rand.New(rand.NewPCG(opt.Seed, opt.Seed^0x6d61696c6c616765)),
		ref:   ref,
		certs: map[string]Certification{},
		n:     &Network{Seed: opt.Seed},
	}
	for _, c := range ref.Communes {
		if c.Population > 0 && len(c.Postcodes) > 0 {
			g.communes = append(g.communes, c)
		}
	}
	if len(g.communes) == 0 {
		return nil, maillage.Errorf(maillage.EINVALID, "Aucune commune peuplée dans le référentiel : chargez les contenus (territoires) avant la démonstration.")
	}
	if len(ref.Competences) == 0 {
		return nil, maillage.Errorf(maillage.EINVALID, "Le référentiel de compétences est vide : chargez les contenus avant la démonstration.")
	}
	sort.Slice(g.communes, func(i, j int) bool { return g.communes[i].Code < g.communes[j].Code })
	var total uint64
	for _, c := range g.communes {
		total += uint64(c.Population)
		g.cumul = append(g.cumul, total)
	}
	for _, c := range ref.Certifications {
		g.certs[c.Code] = c
	}
	for i := range opt.People {
		g.person(i)
	}
	pivots := map[string]bool{}
	names := map[string]int{}
	for i := range opt.Structures {
		g.structure(i, pivots, names)
	}
	g.memberships()
	return g.n, nil
}

// commune draws a commune with a probability proportional to its population.
func (g *generator) commune() *Commune {
	r := g.rng.Uint64N(g.cumul[len(g.cumul)-1])
	i := sort.Search(len(g.cumul), func(i int) bool { return g.cumul[i] > r })
	return &g.communes[i]
}

func (g *generator) pct(p int) bool { return g.rng.IntN(100) < p }

func pick[T any](g *generator, xs []T) T { return xs[g.rng.IntN(len(xs))] }

// some picks between lo and hi distinct items of xs, in list order.
func some[T any](g *generator, xs []T, lo, hi int) []T {
	n := lo + g.rng.IntN(hi-lo+1)
	idx := g.rng.Perm(len(xs))[:min(n, len(xs))]
	sort.Ints(idx)
	out := make([]T, len(idx))
	for i, j := range idx {
		out[i] = xs[j]
	}
	return out
}

// weighted returns the index drawn with the given weights (summing to 100).
func (g *generator) weighted(ws ...int) int {
	r := g.rng.IntN(100)
	for i, w := range ws {
		if r < w {
			return i
		}
		r -= w
	}
	return len(ws) - 1
}

func (g *generator) daysBefore(maxDays int) time.Time {
	return refDate.AddDate(0, 0, -g.rng.IntN(maxDays+1))
}

func (g *generator) dateBetween(from, to time.Time) *time.Time {
	days := int(to.Sub(from).Hours() / 24)
	d := from.AddDate(0, 0, g.rng.IntN(days+1))
	return &d
}

func day(y, m, d int) time.Time { return time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC) }

// levelRange is the range of competency levels people of a kind declare.
var levelRange = map[maillage.ProfileKind][2]int{
	maillage.KindAidant: {1, 3}, maillage.KindConseiller: {2, 5}, maillage.KindMediateur: {3, 6}, maillage.KindCoordinateur: {3, 7},
}

func (g *generator) person(i int) {
	kind := []maillage.ProfileKind{maillage.KindConseiller, maillage.KindMediateur, maillage.KindAidant, maillage.KindCoordinateur}[g.weighted(55, 25, 15, 5)]
	first, last := pick(g, firstNames), pick(g, surnames)
	c := g.commune()
	lat, lng := c.Latitude, c.Longitude
	p := maillage.Profile{
		Kind: kind, DisplayName: first + " " + last,
		CodeInsee: c.Code, Commune: c.Nom, CodeDepartement: c.Departement, CodeRegion: c.Region,
		Latitude: &lat, Longitude: &lng,
	}
	since := 2015 + g.rng.IntN(11)
	if kind == maillage.KindConseiller {
		since = 2021 + g.rng.IntN(5) // the programme started in 2021
	}
	p.Bio = fmt.Sprintf(pick(g, bios[string(kind)]), c.Nom, pick(g, publicsText), pick(g, topicsText), since)

	levels := levelRange[kind]
	for _, code := range some(g, g.ref.Competences, 3, 8) {
		p.Competences = append(p.Competences, maillage.ProfileCompetence{Code: code, Level: levels[0] + g.rng.IntN(levels[1]-levels[0]+1), Evidence: maillage.EvidenceDeclared})
	}
	p.Titles = g.titles(kind)
	if g.pct(60) {
		lvl := 1 + g.rng.IntN(4) + g.rng.IntN(4)
		p.PixLevel = &lvl
	}
	open := g.pct(20)
	p.OpenToWork = &open
	p.Mentor = &maillage.MentorSettings{RadiusKm: 20, Themes: []string{}}
	if kind == maillage.KindMediateur && g.pct(80) {
		p.Mentor = &maillage.MentorSettings{
			Available: true, Capacity: 1 + g.rng.IntN(5), RadiusKm: pick(g, maillage.MentorRadii),
			Remote: g.pct(25), Themes: some(g, mentorThemes, 1, 3),
		}
	}
	vis := func(ws ...int) maillage.Visibility { return maillage.Visibilities[g.weighted(ws...)] }
	p.Visibility = map[string]maillage.Visibility{
		maillage.FieldProfile:     vis(75, 20, 5),
		maillage.FieldCommune:     vis(85, 15, 0),
		maillage.FieldBio:         vis(85, 10, 5),
		maillage.FieldCompetences: vis(85, 15, 0),
		maillage.FieldTitles:      vis(90, 10, 0),
		maillage.FieldPix:         vis(25, 25, 50),
		maillage.FieldStructures:  vis(90, 10, 0),
		maillage.FieldMentor:      vis(95, 5, 0),
		maillage.FieldOpenToWork:  vis(40, 60, 0),
	}
	grant := maillage.RoleGrant{Role: maillage.Role(kind)}
	if kind == maillage.KindCoordinateur {
		grant.ScopeKind, grant.ScopeValue = maillage.ScopeDepartement, c.Departement
	}
	g.n.People = append(g.n.People, Person{Email: fmt.Sprintf("%s.%s.%d@demo.maillage.fr", slug(first), slug(last), i+1), Profile: p, Grant: grant})
}

// titles draws the titles and blocs a person holds (only codes present in
// the referential).
func (g *generator) titles(kind maillage.ProfileKind) []maillage.ProfileTitle {
	var out []maillage.ProfileTitle
	add := func(cert, bloc string, from, to time.Time) {
		c, ok := g.certs[cert]
		if !ok || (bloc != "" && !slices.Contains(c.Blocs, bloc)) {
			return
		}
		out = append(out, maillage.ProfileTitle{CertificationCode: cert, BlocCode: bloc, ObtainedOn: g.dateBetween(from, to)})
	}
	switch kind {
	case maillage.KindMediateur, maillage.KindCoordinateur:
		switch g.weighted(45, 15, 10, 30) {
		case 0:
			add("REMN", "", day(2019, 7, 13), day(2024, 7, 12))
		case 1:
			add("MN", "", day(2025, 6, 1), day(2025, 12, 15))
		case 2:
			add("CMN", "", day(2016, 1, 1), day(2019, 7, 12))
		}
	case maillage.KindConseiller:
		if g.pct(40) {
			d := g.dateBetween(day(2021, 6, 1), day(2024, 7, 12))
			add("REMN", "REMN-B1", *d, *d)
			if g.pct(25) {
				add("REMN", "REMN-B2", *d, day(2024, 7, 12))
			}
		}
	}
	if g.pct(25) {
		add("PIX", "", day(2020, 1, 1), day(2025, 12, 15))
	}
	return out
}

// kinds of structure: name pattern, typologie, roles, weight (sums to 100).
var structureKinds = []struct {
	name      string // %s: "de Lyon" (with elision) or "Lyon"
	elide     bool
	typologie string
	roles     []maillage.StructureRole
	weight    int
}{
	{"Espace public numérique %s", true, "EPN", []maillage.StructureRole{maillage.StructureLieu}, 28},
	{"France Services %s", false, "RFS", []maillage.StructureRole{maillage.StructureLieu, maillage.StructureEmployeur}, 20},
	{"Médiathèque %s", false, "BIB", []maillage.StructureRole{maillage.StructureLieu}, 18},
	{"Association Connexions %s", false, "ASSO", []maillage.StructureRole{maillage.StructureLieu, maillage.StructureEmployeur}, 12},
	{"Centre communal d'action sociale %s", true, "CCAS", []maillage.StructureRole{maillage.StructureLieu}, 6},
	{"Tiers-lieu La Fabrique %s", false, "TIERS_LIEUX", []maillage.StructureRole{maillage.StructureLieu}, 6},
	{"Institut de formation au numérique %s", true, "OF", []maillage.StructureRole{maillage.StructureFormation, maillage.StructureEmployeur}, 6},
	{"Hub territorial du numérique %s", true, "ASSO", []maillage.StructureRole{maillage.StructureHub}, 4},
}

var quarters = []string{"Centre", "Nord", "Sud", "Est", "Ouest"}

func (g *generator) structure(i int, pivots map[string]bool, names map[string]int) {
	ws := make([]int, len(structureKinds))
	for k, sk := range structureKinds {
		ws[k] = sk.weight
	}
	sk := structureKinds[g.weighted(ws...)]
	c := g.commune()
	where := c.Nom
	if sk.elide {
		where = ofCommune(c.Nom)
	}
	nom := fmt.Sprintf(sk.name, where)
	if n := names[nom]; n > 0 {
		names[nom]++
		if n <= len(quarters) {
			nom += " " + quarters[n-1]
		} else {
			nom += fmt.Sprintf(" – site %d", n+1)
		}
	} else {
		names[nom] = 1
	}
	var pivot string
	for pivot == "" || pivots[pivot] {
		pivot = g.siret()
	}
	pivots[pivot] = true
	lat := math.Round((c.Latitude+(g.rng.Float64()-0.5)*0.016)*1e5) / 1e5
	lng := math.Round((c.Longitude+(g.rng.Float64()-0.5)*0.016)*1e5) / 1e5
	site := slug(nom)
	l := maillage.Lieu{
		ID:         fmt.Sprintf("maillage-demo-%04d", i+1),
		Pivot:      pivot,
		Nom:        nom,
		Commune:    c.Nom,
		CodePostal: pick(g, c.Postcodes),
		CodeInsee:  c.Code,
		Adresse:    fmt.Sprintf("%d %s", 1+g.rng.IntN(120), pick(g, streets)),
		Latitude:   &lat, Longitude: &lng,
		Typologie:               []string{sk.typologie},
		Telephone:               g.telephone(c.Departement, c.Region),
		Courriels:               []string{"contact@" + site + ".fr"},
		SiteWeb:                 []string{"https://www." + site + ".fr"},
		Horaires:                pick(g, []string{"Mo-Fr 09:00-12:00,14:00-17:30", "Tu-Sa 10:00-18:00", "Mo,We,Fr 09:00-12:30", "Mo-Th 08:30-12:00,13:30-17:00; Fr 08:30-12:00"}),
		Source:                  "Maillage (démonstration)",
		Itinerance:              []string{"Fixe"},
		DateMaj:                 g.daysBefore(540),
		Services:                some(g, maillage.LieuServices, 2, 5),
		FraisACharge:            [][]string{{"Gratuit"}, {"Gratuit sous condition"}, {"Payant"}}[g.weighted(80, 15, 5)],
		ModalitesAcces:          some(g, maillage.LieuModalitesAcces[:4], 1, 3),
		ModalitesAccompagnement: some(g, maillage.LieuModalitesAccompagnement, 1, 3),
	}
	if g.pct(5) {
		l.Itinerance = []string{"Itinérant", "Fixe"}
	}
	if g.pct(40) {
		l.PublicsSpecifiquementAdresses = some(g, maillage.LieuPublics, 1, 2)
	}
	if g.pct(20) {
		l.PriseEnChargeSpecifique = some(g, maillage.LieuPrisesEnCharge, 1, 2)
	}
	var disp []string
	if sk.typologie == "RFS" {
		disp = append(disp, "France Services")
		if !slices.Contains(l.Services, maillage.LieuServices[0]) {
			l.Services = append([]string{maillage.LieuServices[0]}, l.Services...)
		}
	}
	if g.pct(50) {
		disp = append(disp, "Conseillers numériques")
	}
	if g.pct(25) {
		disp = append(disp, "Aidants Connect")
	}
	l.DispositifProgrammesNationaux = sortedAs(disp, maillage.LieuDispositifs)
	if g.pct(10) {
		l.FormationsLabels = some(g, maillage.LieuFormationsLabels, 1, 1)
	}
	if sk.typologie == "OF" || slices.Contains(sk.roles, maillage.StructureHub) {
		l.ModalitesAcces = []string{"Contacter par mail", "Téléphoner"}
	}
	l.PresentationResume = fmt.Sprintf("%s accueille les habitants %s et des environs. Premier service proposé : %s.", nom, ofCommune(c.Nom), lowerFirst(l.Services[0]))
	if len([]rune(l.PresentationResume)) > 280 {
		l.PresentationResume = nom + " : médiation numérique à " + c.Nom + "."
	}
	g.n.Structures = append(g.n.Structures, maillage.Structure{Lieu: l, Roles: slices.Clone(sk.roles), CodeDepartement: c.Departement, CodeRegion: c.Region})
}

func lowerFirst(s string) string {
	r := []rune(s)
	if len(r) == 0 {
		return s
	}
	return strings.ToLower(string(r[0])) + string(r[1:])
}

// sortedAs keeps the order of the closed list.
func sortedAs(xs, order []string) []string {
	var out []string
	for _, o := range order {
		if slices.Contains(xs, o) {
			out = append(out, o)
		}
	}
	return out
}

// siret draws a SIRET: a SIREN with its Luhn key, an establishment number
// and the key of the whole (La Poste's SIREN, whose key differs, is avoided).
func (g *generator) siret() string {
	for {
		siren := luhnComplete(fmt.Sprintf("%08d", 10000000+g.rng.IntN(90000000)))
		if siren == "356000000" {
			continue
		}
		s := luhnComplete(siren + fmt.Sprintf("%04d", 1+g.rng.IntN(999)))
		if maillage.ValidSIRET(s) {
			return s
		}
	}
}

// luhnComplete appends the digit that makes s pass the Luhn check.
func luhnComplete(s string) string {
	for d := byte('0'); d <= '9'; d++ {
		c := s + string(d)
		sum := 0
		for i := 0; i < len(c); i++ {
			x := int(c[len(c)-1-i] - '0')
			if i%2 == 1 {
				if x *= 2; x > 9 {
					x -= 9
				}
			}
			sum += x
		}
		if sum%10 == 0 {
			return c
		}
	}
	panic("unreachable")
}

// telephone draws a number of the commune's territory, in international form.
func (g *generator) telephone(dep, region string) string {
	digits := func(n int) string {
		var b strings.Builder
		for range n {
			b.WriteByte(byte('0' + g.rng.IntN(10)))
		}
		return b.String()
	}
	switch dep {
	case "971", "977", "978":
		return "+590590" + digits(6)
	case "972":
		return "+596596" + digits(6)
	case "973":
		return "+594594" + digits(6)
	case "974", "976":
		return "+262262" + digits(6)
	case "975":
		return "+508" + "41" + digits(4)
	case "986":
		return "+681" + "72" + digits(4)
	case "987":
		return "+689" + "40" + digits(6)
	case "988":
		return "+687" + digits(6)
	}
	// Metropolitan zones: 01 Île-de-France, 02 north-west, 03 north-east,
	// 04 south-east, 05 south-west.
	zone := map[string]string{"11": "1", "24": "2", "28": "2", "52": "2", "53": "2", "27": "3", "32": "3", "44": "3",
		"84": "4", "93": "4", "94": "4", "75": "5", "76": "5"}[region]
	switch dep {
	case "11", "30", "34", "48", "66":
		zone = "4"
	}
	if zone == "" {
		zone = "9"
	}
	return "+33" + zone + digits(8)
}

// memberships gives each structure a referent and a few mediators active
// there, drawn among the nearest people of its département (of its région
// when nobody lives in the département).
func (g *generator) memberships() {
	byDep, byRegion := map[string][]int{}, map[string][]int{}
	for i, p := range g.n.People {
		byDep[p.Profile.CodeDepartement] = append(byDep[p.Profile.CodeDepartement], i)
		byRegion[p.Profile.CodeRegion] = append(byRegion[p.Profile.CodeRegion], i)
	}
	referents := map[int]bool{}
	for si, st := range g.n.Structures {
		cands := slices.Clone(byDep[st.CodeDepartement])
		if len(cands) == 0 {
			cands = slices.Clone(byRegion[st.CodeRegion]) // a small département: its région
		}
		if len(cands) == 0 {
			continue
		}
		lat, lng := *st.Lieu.Latitude, *st.Lieu.Longitude
		dist := func(i int) float64 {
			p := g.n.People[i].Profile
			return maillage.DistanceKm(lat, lng, *p.Latitude, *p.Longitude)
		}
		sort.SliceStable(cands, func(a, b int) bool { return dist(cands[a]) < dist(cands[b]) })
		near := cands[:min(len(cands), 12)]
		started := func() time.Time { return g.daysBefore(4 * 365) }
		// The referent: the nearest person who is not yet referent elsewhere
		// and is not an aidant, or else the nearest.
		ref := near[0]
		for _, i := range near {
			if !referents[i] && g.n.People[i].Profile.Kind != maillage.KindAidant {
				ref = i
				break
			}
		}
		referents[ref] = true
		g.n.Memberships = append(g.n.Memberships, Membership{Person: ref, Structure: si, Role: maillage.MemberReferent, StartedOn: started()})
		if !st.Has(maillage.StructureLieu) {
			continue
		}
		active := 0
		want := g.rng.IntN(4)
		for _, i := range near {
			k := g.n.People[i].Profile.Kind
			if active == want || i == ref || (k != maillage.KindConseiller && k != maillage.KindMediateur) || dist(i) > 40 {
				continue
			}
			g.n.Memberships = append(g.n.Memberships, Membership{Person: i, Structure: si, Role: maillage.MemberMediateur, StartedOn: started()})
			active++
		}
	}
}

// ofCommune writes "de Lyon", "d'Annecy", "du Mans", "des Andelys".
func ofCommune(nom string) string {
	switch {
	case strings.HasPrefix(nom, "Le "):
		return "du " + nom[3:]
	case strings.HasPrefix(nom, "Les "):
		return "des " + nom[4:]
	}
	r := []rune(nom)
	if len(r) > 0 && strings.ContainsRune("AEIOUYÉÈÊÂÎÔH", r[0]) {
		return "d'" + nom
	}
	return "de " + nom
}

// slug writes a name in lower-case ASCII for e-mail addresses and domains.
func slug(s string) string {
	repl := strings.NewReplacer("à", "a", "â", "a", "ä", "a", "ç", "c", "é", "e", "è", "e", "ê", "e", "ë", "e",
		"î", "i", "ï", "i", "ô", "o", "ö", "o", "ù", "u", "û", "u", "ü", "u", "ÿ", "y", "œ", "oe", "æ", "ae")
	s = repl.Replace(strings.ToLower(s))
	var b strings.Builder
	dash := false
	for _, r := range s {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.TrimSuffix(b.String(), "-")
}

// Store reads the referential and writes a network.
type Store interface {
	DemoReferential(ctx context.Context) (*Referential, error)
	// WriteNetwork stores the network in one transaction, search outbox
	// included, and refuses (ECONFLICT) when profiles already exist.
	WriteNetwork(ctx context.Context, n *Network) error
	CountProfiles(ctx context.Context) (int, error)
}

// Load generates the network and stores it.
func Load(ctx context.Context, store Store, opt Options) (*Network, error) {
	ref, err := store.DemoReferential(ctx)
	if err != nil {
		return nil, err
	}
	n, err := Generate(ref, opt)
	if err != nil {
		return nil, err
	}
	if err := store.WriteNetwork(ctx, n); err != nil {
		return nil, err
	}
	return n, nil
}

// LoadIfEmpty loads the network when the database has no profile yet; it
// returns nil (and no error) when there was something already.
func LoadIfEmpty(ctx context.Context, store Store, opt Options) (*Network, error) {
	n, err := store.CountProfiles(ctx)
	if err != nil || n > 0 {
		return nil, err
	}
	net, err := Load(ctx, store, opt)
	if maillage.ErrorCode(err) == maillage.ECONFLICT {
		return nil, nil // another instance loaded it meanwhile
	}
	return net, err
}
