package postgres

import (
	"cmp"
	"context"
	"fmt"
	"regexp"
	"slices"
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
// maillage.ParseCommuneText takes the text apart: an INSEE code, alone or
// after the name ("Lyon (69123)", what the forms write back); a postcode; a
// name qualified by its département or postcode ("Saint-Denis (93)",
// "Saint-Denis 97400"); "St"/"Ste" for Saint/Sainte, any case, accents,
// hyphens and apostrophes; the municipal arrondissements ("Lyon 3e",
// "Paris 15e arrondissement", "Marseille 1er"), which are their city. A
// name several communes bear gives them all as candidates; a name that only
// begins a commune's name ("Lyn") gives the communes it begins, to choose
// from. Five digits that are both a commune's INSEE code and another's
// postcode (69003: Albigny-sur-Saône, and Lyon 3e) give both to choose
// from, unless a name says which.
func (s *TerritoryService) ResolveCommune(ctx context.Context, text string) (*maillage.Commune, []*maillage.Commune, error) {
	ct := maillage.ParseCommuneText(text)
	if ct == (maillage.CommuneText{}) {
		return nil, nil, nil
	}
	var byCode *maillage.Commune // the commune of a bare code that may also be a postcode
	if ct.Code != "" {
		c, err := s.FindCommuneByCode(ctx, maillage.CityOfArrondissement(ct.Code))
		switch {
		case err != nil && maillage.ErrorCode(err) != maillage.ENOTFOUND:
			return nil, nil, err
		case err != nil:
		case ct.Key != "":
			if maillage.CommuneKey(c.Nom) == ct.Key { // the name agrees with the code
				return c, nil, nil
			}
		case ct.Postcode == "": // 2A004: an INSEE code only
			return c, nil, nil
		default:
			byCode = c
		}
	}
	q := s.db.NewSelect().TableExpr("communes").ColumnExpr(communeColumns)
	if ct.Postcode != "" {
		q = q.Where("? = ANY (codes_postaux)", ct.Postcode)
	}
	if ct.Departement != "" {
		q = q.Where("code_departement = ?", ct.Departement)
	}
	var exact []communeRow
	eq := q.Clone()
	if ct.Key != "" {
		eq = eq.Where(communeKeySQL+" = ?", ct.Key)
	}
	if err := eq.OrderExpr("population DESC NULLS LAST, nom").Limit(20).Scan(ctx, &exact); err != nil {
		return nil, nil, err
	}
	if byCode != nil {
		cands := communes(exact)
		for _, c := range cands {
			if c.CodeInsee == byCode.CodeInsee { // its own postcode too
				return byCode, nil, nil
			}
		}
		if len(cands) == 0 {
			return byCode, nil, nil
		}
		cands = append(cands, byCode)
		slices.SortStableFunc(cands, func(a, b *maillage.Commune) int { return cmp.Compare(population(b), population(a)) })
		return nil, cands, nil
	}
	if len(exact) == 1 {
		return exact[0].domain(), nil, nil
	}
	if len(exact) > 1 {
		return nil, communes(exact), nil
	}
	if ct.Key == "" {
		return nil, nil, nil
	}
	var begin []communeRow
	if err := q.Where(communeKeySQL+" LIKE ? || '%'", escapeLike(ct.Key)).OrderExpr("population DESC NULLS LAST, nom").Limit(10).Scan(ctx, &begin); err != nil {
		return nil, nil, err
	}
	return nil, communes(begin), nil
}

func population(c *maillage.Commune) int {
	if c.Population == nil {
		return -1
	}
	return *c.Population
}

func communes(rows []communeRow) []*maillage.Commune {
	out := make([]*maillage.Commune, len(rows))
	for i := range rows {
		out[i] = rows[i].domain()
	}
	return out
}

// communeKeySQL is a commune's name as maillage.CommuneKey writes it: lower
// case, no accent, hyphens and apostrophes as spaces.
const communeKeySQL = "translate(search_name, '-''’', '   ')"

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
