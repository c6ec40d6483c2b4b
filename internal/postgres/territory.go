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

// ResolveCommune turns what a person typed into one commune: an INSEE code
// in parentheses ("Lyon (69123)", what the autocomplete proposes), a bare
// INSEE code or postcode, or a name. When a name fits several communes
// (Saint-Denis), the candidates are returned for the person to choose.
func (s *TerritoryService) ResolveCommune(ctx context.Context, text string) (*maillage.Commune, []*maillage.Commune, error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return nil, nil, nil
	}
	if i := strings.LastIndex(text, "("); i >= 0 && strings.HasSuffix(text, ")") {
		code := strings.TrimSpace(text[i+1 : len(text)-1])
		if c, err := s.FindCommuneByCode(ctx, strings.ToUpper(code)); err == nil {
			return c, nil, nil
		}
		text = strings.TrimSpace(text[:i])
	}
	if c, err := s.FindCommuneByCode(ctx, strings.ToUpper(text)); err == nil {
		return c, nil, nil
	}
	cands, err := s.FindCommunes(ctx, maillage.CommuneFilter{Prefix: text, Limit: 20})
	if err != nil {
		return nil, nil, err
	}
	norm := func(x string) string {
		return strings.NewReplacer("-", " ", "’", "'").Replace(strings.ToLower(strings.TrimSpace(x)))
	}
	var exact []*maillage.Commune
	for _, c := range cands {
		if norm(unaccent(c.Nom)) == norm(unaccent(text)) {
			exact = append(exact, c)
		}
	}
	switch {
	case len(exact) == 1:
		return exact[0], nil, nil
	case len(exact) > 1:
		return nil, exact, nil
	case len(cands) == 1:
		return cands[0], nil, nil
	}
	return nil, cands, nil
}

func unaccent(s string) string {
	r := strings.NewReplacer("é", "e", "è", "e", "ê", "e", "ë", "e", "à", "a", "â", "a", "ä", "a", "î", "i", "ï", "i",
		"ô", "o", "ö", "o", "ù", "u", "û", "u", "ü", "u", "ç", "c", "œ", "oe", "É", "E", "È", "E", "Ê", "E", "À", "A", "Î", "I", "Ô", "O", "Ç", "C")
	return r.Replace(s)
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
