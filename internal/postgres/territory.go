package postgres

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"maillage/internal/maillage"
)

// TerritoryService implements maillage.TerritoryService.
type TerritoryService struct{ db *DB }

// NewTerritoryService returns the territory service.
func NewTerritoryService(db *DB) *TerritoryService { return &TerritoryService{db: db} }

var _ maillage.TerritoryService = (*TerritoryService)(nil)

type communeRow struct {
	CodeInsee       string   `bun:"code_insee"`
	Nom             string   `bun:"nom"`
	CodeDepartement string   `bun:"code_departement"`
	CodeRegion      string   `bun:"code_region"`
	CodesPostaux    []string `bun:"codes_postaux,array"`
	Population      *int     `bun:"population"`
	Latitude        float64  `bun:"latitude"`
	Longitude       float64  `bun:"longitude"`
}

func (r *communeRow) domain() *maillage.Commune {
	return &maillage.Commune{CodeInsee: r.CodeInsee, Nom: r.Nom, CodeDepartement: r.CodeDepartement,
		CodeRegion: r.CodeRegion, CodesPostaux: r.CodesPostaux, Population: r.Population,
		Latitude: r.Latitude, Longitude: r.Longitude}
}

const communeColumns = "code_insee, nom, code_departement, code_region, codes_postaux, population, latitude, longitude"

// FindCommuneByCode returns the commune with the INSEE code.
func (s *TerritoryService) FindCommuneByCode(ctx context.Context, code string) (*maillage.Commune, error) {
	var r communeRow
	err := s.db.NewRaw("SELECT "+communeColumns+" FROM communes WHERE code_insee = ?", code).Scan(ctx, &r)
	if err != nil {
		return nil, translate(err, "network.commune.not_found")
	}
	return r.domain(), nil
}

// FindCommunes returns communes whose name (accent-insensitive) or postcode
// starts with the prefix, most populated first.
func (s *TerritoryService) FindCommunes(ctx context.Context, f maillage.CommuneFilter) ([]*maillage.Commune, error) {
	limit := f.Limit
	if limit <= 0 || limit > 100 {
		limit = 20
	}
	q := s.db.NewSelect().TableExpr("communes").ColumnExpr(communeColumns)
	prefix := strings.TrimSpace(f.Prefix)
	if prefix != "" {
		if !isDigits(prefix) && inseeCode.MatchString(strings.ToUpper(prefix)) { // Corsica: 2A004
			q = q.Where("code_insee = ?", strings.ToUpper(prefix))
		} else if isDigits(prefix) {
			q = q.Where("EXISTS (SELECT 1 FROM unnest(codes_postaux) cp WHERE cp LIKE ?) OR code_insee = ?", prefix+"%", prefix)
		} else {
			norm := strings.ReplaceAll(strings.ReplaceAll(prefix, "’", "'"), "-", " ")
			q = q.Where("replace(search_name, '-', ' ') LIKE replace(lower(immutable_unaccent(?)), '-', ' ') || '%'", escapeLike(norm))
		}
	}
	if f.CodeDepartement != "" {
		q = q.Where("code_departement = ?", f.CodeDepartement)
	}
	var rows []communeRow
	if err := q.OrderExpr("population DESC NULLS LAST, nom").Limit(int64(limit)).Scan(ctx, &rows); err != nil {
		return nil, err
	}
	out := make([]*maillage.Commune, len(rows))
	for i := range rows {
		out[i] = rows[i].domain()
	}
	return out, nil
}

// PostcodeIndex loads the postcodes of every commune in one query (about
// 35,000 rows): an import checks each row against it without a round trip.
func (s *TerritoryService) PostcodeIndex(ctx context.Context) (maillage.PostcodeIndex, error) {
	var rows []struct {
		CodeInsee    string   `bun:"code_insee"`
		CodesPostaux []string `bun:"codes_postaux,array"`
	}
	if err := s.db.NewRaw("SELECT code_insee, codes_postaux FROM communes").Scan(ctx, &rows); err != nil {
		return nil, fmt.Errorf("load postcodes: %w", err)
	}
	ix := make(maillage.PostcodeIndex, len(rows))
	for _, r := range rows {
		ix[r.CodeInsee] = r.CodesPostaux
	}
	return ix, nil
}

// FindDepartements lists every département.
func (s *TerritoryService) FindDepartements(ctx context.Context) ([]*maillage.Departement, error) {
	var out []*maillage.Departement
	err := s.db.NewRaw("SELECT code, nom, code_region FROM departements ORDER BY code").Scan(ctx, &out)
	return out, err
}

// FindRegions lists every région.
func (s *TerritoryService) FindRegions(ctx context.Context) ([]*maillage.Region, error) {
	var out []*maillage.Region
	err := s.db.NewRaw("SELECT code, nom FROM regions ORDER BY code").Scan(ctx, &out)
	return out, err
}

// CountCommunes returns the number of communes loaded.
func (s *TerritoryService) CountCommunes(ctx context.Context) (int, error) {
	var n int
	err := s.db.NewRaw("SELECT count(*) FROM communes").Scan(ctx, &n)
	return n, err
}

var inseeCode = regexp.MustCompile(`^(2[AB]\d{3}|\d{2}[0-9AB]\d{2})$`)

func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`).Replace(s)
}

// ResolveCommune is the one commune resolver (profile and structure
// forms, "près de" in search, the API): it turns what a person typed into
// one commune, or into the candidates to choose from, and never guesses.
// It understands an INSEE code, alone or in parentheses ("Lyon (69123)",
// what the autocomplete proposes); a postcode; a name qualified by its
// département or postcode ("Saint-Denis (93)", "Saint-Denis 97400");
// "St"/"Ste" for Saint/Sainte, any case, accents, hyphens and apostrophes;
// the municipal arrondissements ("Lyon 3e", "Paris 15e arrondissement",
// "Marseille 1er"), which are their city. A name several communes bear
// gives them all as candidates; a name that only begins a commune's name
// ("Lyn") gives the communes it begins, to choose from.
func (s *TerritoryService) ResolveCommune(ctx context.Context, text string) (*maillage.Commune, []*maillage.Commune, error) {
	text = maillage.CleanText(maillage.StripControl(text))
	if text == "" || len([]rune(text)) > 100 {
		return nil, nil, nil
	}
	name, qualifier := text, ""
	if i := strings.LastIndex(text, "("); i > 0 && strings.HasSuffix(text, ")") {
		name, qualifier = strings.TrimSpace(text[:i]), strings.ToUpper(strings.TrimSpace(text[i+1:len(text)-1]))
	} else if f := strings.Fields(text); len(f) > 1 && (isDigits(f[len(f)-1]) && len(f[len(f)-1]) == 5) {
		name, qualifier = strings.Join(f[:len(f)-1], " "), f[len(f)-1]
	}
	// A code on its own, or in parentheses: an INSEE code, else a postcode.
	for _, code := range []string{qualifier, strings.ToUpper(name)} {
		if code == "" || !inseeCode.MatchString(code) {
			continue
		}
		if c, err := s.FindCommuneByCode(ctx, maillage.CityOfArrondissement(code)); err == nil {
			return c, nil, nil
		}
	}
	var postcode, dep string
	switch {
	case isDigits(qualifier) && len(qualifier) == 5:
		postcode = qualifier
	case qualifier != "":
		dep = qualifier
	case isDigits(name) && len(name) == 5:
		postcode, name = name, ""
	}
	key := communeKey(name)
	q := s.db.NewSelect().TableExpr("communes").ColumnExpr(communeColumns)
	if postcode != "" {
		q = q.Where("? = ANY (codes_postaux)", postcode)
	}
	if dep != "" {
		q = q.Where("code_departement = ?", dep)
	}
	var exact []communeRow
	eq := q.Clone()
	if key != "" {
		eq = eq.Where(communeKeySQL+" = ?", key)
	}
	if err := eq.OrderExpr("population DESC NULLS LAST, nom").Limit(20).Scan(ctx, &exact); err != nil {
		return nil, nil, err
	}
	if len(exact) == 1 {
		return exact[0].domain(), nil, nil
	}
	if len(exact) > 1 {
		return nil, communes(exact), nil
	}
	if key == "" {
		return nil, nil, nil
	}
	var begin []communeRow
	if err := q.Where(communeKeySQL+" LIKE ? || '%'", escapeLike(key)).OrderExpr("population DESC NULLS LAST, nom").Limit(10).Scan(ctx, &begin); err != nil {
		return nil, nil, err
	}
	return nil, communes(begin), nil
}

func communes(rows []communeRow) []*maillage.Commune {
	out := make([]*maillage.Commune, len(rows))
	for i := range rows {
		out[i] = rows[i].domain()
	}
	return out
}

// communeKeySQL is a commune's name as communeKey writes it: lower case,
// no accent, hyphens and apostrophes as spaces.
const communeKeySQL = "translate(search_name, '-''’', '   ')"

var (
	arrondissement = regexp.MustCompile(`\s+\d{1,2}\s*(e|er|ème|eme|è)(\s+arrondissement)?$`)
	saintPrefix    = regexp.MustCompile(`(^|\s)st(e?)\s`)
)

// communeKey normalises a typed name for comparison: lower case, no
// accent, hyphens and apostrophes as spaces, "st"/"ste" spelt out, and an
// arrondissement suffix dropped ("lyon 3e" is Lyon).
func communeKey(name string) string {
	k := strings.ToLower(unaccent(name))
	k = strings.NewReplacer("-", " ", "'", " ", "’", " ", ".", " ").Replace(k)
	k = strings.Join(strings.Fields(k), " ")
	k = arrondissement.ReplaceAllString(k, "")
	k = saintPrefix.ReplaceAllString(k+" ", "${1}saint${2} ")
	return strings.TrimSpace(k)
}

// AllCommunes lists every commune.
func (s *TerritoryService) AllCommunes(ctx context.Context) ([]*maillage.Commune, error) {
	var rows []communeRow
	if err := s.db.NewRaw("SELECT "+communeColumns+" FROM communes ORDER BY code_insee").Scan(ctx, &rows); err != nil {
		return nil, err
	}
	out := make([]*maillage.Commune, len(rows))
	for i := range rows {
		out[i] = rows[i].domain()
	}
	return out, nil
}

// unaccent drops the accents of French letters (as immutable_unaccent does
// for search_name).
func unaccent(s string) string {
	r := strings.NewReplacer("é", "e", "è", "e", "ê", "e", "ë", "e", "à", "a", "â", "a", "ä", "a", "î", "i", "ï", "i",
		"ô", "o", "ö", "o", "ù", "u", "û", "u", "ü", "u", "ÿ", "y", "ç", "c", "œ", "oe", "æ", "ae",
		"É", "E", "È", "E", "Ê", "E", "À", "A", "Î", "I", "Ô", "O", "Ç", "C", "Œ", "OE")
	return r.Replace(s)
}
