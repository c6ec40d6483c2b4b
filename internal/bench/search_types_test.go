package bench_test

import (
	"context"
	"math/rand"
	"sort"
	"strings"
	"testing"

	"maillage/internal/app"

	"github.com/uptrace/bun/dialect/pgdialect"
)

// Sizes of the other searchable types in the search scenario (issue 16):
// places, upcoming training sessions, published job offers.
const (
	benchPlaces   = 30000
	benchSessions = 20000
	benchJobs     = 5000
)

// communePicker draws communes weighted by population (+50, so small ones
// appear), the same way for every type.
func communePicker(b *testing.B, a *app.App, seed int64) func() string {
	var communes []struct {
		CodeInsee  string
		Population int
	}
	if err := a.DB.NewRaw("SELECT code_insee, coalesce(population, 0) AS population FROM communes ORDER BY code_insee").Scan(context.Background(), &communes); err != nil {
		b.Fatal(err)
	}
	cum := make([]int, len(communes))
	total := 0
	for i, c := range communes {
		total += c.Population + 50
		cum[i] = total
	}
	rnd := rand.New(rand.NewSource(seed))
	return func() string { return communes[sort.SearchInts(cum, rnd.Intn(total)+1)].CodeInsee }
}

var (
	placeTypes    = []string{"CCAS", "MUNI", "ASSO", "BIB", "TIERS_LIEUX", "CS", "PIJ_BIJ", "MQ"}
	placeServices = []string{"Aide aux démarches administratives", "Maîtrise des outils numériques du quotidien",
		"Insertion professionnelle via le numérique", "Utilisation sécurisée du numérique", "Parentalité et éducation avec le numérique",
		"Loisirs et créations numériques", "Accès internet et matériel informatique"}
	trainingTitles = []string{"Initiation à la médiation numérique", "Accompagner les démarches en ligne", "Animer un atelier numérique",
		"Responsable d'espace de médiation numérique — bloc 1", "Sécurité numérique des publics", "Pix : préparer la certification"}
	jobTitles = [][2]string{{"Médiatrice numérique", "Médiateur numérique"}, {"Conseillère numérique", "Conseiller numérique"},
		{"Coordinatrice de médiation numérique", "Coordinateur de médiation numérique"}, {"Animatrice d'espace numérique", "Animateur d'espace numérique"}}
	contracts = []string{"cdi", "cdd", "apprentissage", "service_civique", "benevolat"}
)

// loadOtherTypes writes the places, training offers with their upcoming
// sessions, and published job offers of the scenario, in bulk (the
// reindex then builds their documents like any others).
func loadOtherTypes(b *testing.B, a *app.App) {
	ctx := context.Background()
	db := a.DB
	pick := communePicker(b, a, 2)
	rnd := rand.New(rand.NewSource(3))
	exec := func(q string, args ...any) {
		b.Helper()
		if _, err := db.NewRaw(q, args...).Exec(ctx); err != nil {
			b.Fatal(err)
		}
	}
	// Places.
	ids := make([]int64, benchPlaces)
	codes := make([]string, benchPlaces)
	typs := make([]string, benchPlaces)
	servs := make([]string, benchPlaces)
	for i := range ids {
		ids[i], codes[i], typs[i] = int64(i+1), pick(), placeTypes[rnd.Intn(len(placeTypes))]
		n := 1 + rnd.Intn(3)
		perm := rnd.Perm(len(placeServices))[:n]
		s := make([]string, n)
		for j, k := range perm {
			s[j] = placeServices[k]
		}
		servs[i] = strings.Join(s, "|")
	}
	exec(`INSERT INTO structures (lieu_id, pivot, nom, commune, code_postal, code_insee, commune_insee, adresse, latitude, longitude, typologie, services, date_maj)
		SELECT 'bench-lieu-' || x.i, '', 'Espace numérique ' || c.nom || ' ' || x.i, c.nom, coalesce(c.codes_postaux[1], ''), c.code_insee, c.code_insee,
			x.i || ' rue de la République', c.latitude, c.longitude, ARRAY[x.typ], string_to_array(x.services, '|'), current_date
		FROM unnest(?::bigint[], ?::text[], ?::text[], ?::text[]) AS x(i, code, typ, services) JOIN communes c ON c.code_insee = x.code`,
		pgdialect.Array(ids), pgdialect.Array(codes), pgdialect.Array(typs), pgdialect.Array(servs))
	// Training bodies: 400 of those places; 4,000 offers, 5 upcoming sessions each.
	exec(`INSERT INTO training_bodies (structure_id, activity_number, qualiopi)
		SELECT id, lpad(id::text, 11, '0'), id % 3 = 0 FROM structures WHERE lieu_id LIKE 'bench-lieu-%' ORDER BY id LIMIT 400`)
	exec(`UPDATE structures SET roles = roles || '{organisme_formation}' WHERE id IN (SELECT structure_id FROM training_bodies)`)
	exec(`INSERT INTO training_offers (structure_id, title, objectives, modality, hours, funding)
		SELECT b.structure_id, (?::text[])[1 + g % ?], 'Savoir accompagner les publics éloignés du numérique.',
			(ARRAY['presentiel', 'distanciel', 'hybride'])[1 + g % 3], 14 + g % 200, (ARRAY['{cpf}', '{opco,region}', '{france_travail}', '{}'])[1 + g % 4]::text[]
		FROM generate_series(0, ?) g JOIN (SELECT structure_id, row_number() OVER (ORDER BY structure_id) - 1 AS n FROM training_bodies) b ON b.n = g % 400`,
		pgdialect.Array(trainingTitles), len(trainingTitles), benchSessions/5-1)
	exec(`INSERT INTO training_offer_certifications (offer_id, certification_code, rank)
		SELECT o.id, c.code, 0 FROM training_offers o CROSS JOIN LATERAL (SELECT code FROM certifications ORDER BY code OFFSET o.id % (SELECT count(*) FROM certifications) LIMIT 1) c`)
	scodes := make([]string, benchSessions)
	for i := range scodes {
		scodes[i] = pick()
	}
	exec(`INSERT INTO training_sessions (offer_id, start_at, end_at, remote, code_insee, city, seats, seats_left, registration)
		SELECT o.id, now() + (7 + x.n % 300) * interval '1 day', now() + (9 + x.n % 300) * interval '1 day', x.n % 10 = 0,
			CASE WHEN x.n % 10 = 0 THEN NULL ELSE x.code END, CASE WHEN x.n % 10 = 0 THEN '' ELSE c.nom END, 12, 12 - x.n % 12, 'ouverte'
		FROM unnest(?::text[]) WITH ORDINALITY AS x(code, n)
		JOIN communes c ON c.code_insee = x.code
		JOIN (SELECT id, row_number() OVER (ORDER BY id) - 1 AS k FROM training_offers) o ON o.k = (x.n - 1) / 5`, pgdialect.Array(scodes))
	// Job offers by 2,000 of the places.
	jcodes := make([]string, benchJobs)
	jtitles := make([]int64, benchJobs)
	jcontract := make([]string, benchJobs)
	for i := range jcodes {
		jcodes[i], jtitles[i], jcontract[i] = pick(), int64(rnd.Intn(len(jobTitles))), contracts[rnd.Intn(len(contracts))]
	}
	fem, masc := make([]string, len(jobTitles)), make([]string, len(jobTitles))
	for i, t := range jobTitles {
		fem[i], masc[i] = t[0], t[1]
	}
	exec(`INSERT INTO job_offers (structure_id, title_feminine, title_masculine, description, code_insee, contract, duration_months, hours_per_week,
			start_on, closes_on, status, published_at)
		SELECT s.id, (?::text[])[x.t + 1], (?::text[])[x.t + 1], 'Accueil du public, ateliers numériques et aide aux démarches en ligne.', x.code, x.contract,
			CASE WHEN x.contract IN ('cdd', 'apprentissage', 'service_civique') THEN 12 END, 35, current_date + 30, current_date + (20 + x.n % 60)::int, 'publiee', now()
		FROM unnest(?::text[], ?::bigint[], ?::text[]) WITH ORDINALITY AS x(code, t, contract, n)
		JOIN (SELECT id, row_number() OVER (ORDER BY id) AS k FROM structures WHERE lieu_id LIKE 'bench-lieu-%') s ON s.k = 1 + x.n % 2000`,
		pgdialect.Array(fem), pgdialect.Array(masc), pgdialect.Array(jcodes), pgdialect.Array(jtitles), pgdialect.Array(jcontract))
	exec("ANALYZE")
}
