package maillage

import (
	"context"
	"slices"
)

// Region is a French région (or a COM pseudo-région).
type Region struct {
	Code string `json:"code"`
	Nom  string `json:"nom"`
}

// Departement is a French département (or a COM).
type Departement struct {
	Code       string `json:"code"`
	Nom        string `json:"nom"`
	CodeRegion string `json:"code_region"`
}

// Commune is a current commune with its centre point.
type Commune struct {
	CodeInsee       string   `json:"code_insee"`
	Nom             string   `json:"nom"`
	CodeDepartement string   `json:"code_departement"`
	CodeRegion      string   `json:"code_region"`
	CodesPostaux    []string `json:"codes_postaux"`
	Population      *int     `json:"population,omitempty"`
	Latitude        float64  `json:"latitude"`
	Longitude       float64  `json:"longitude"`
}

// Overseas reports whether the commune lies outside metropolitan France
// (DROM and COM). Matching keeps overseas people within their territory.
func (c *Commune) Overseas() bool { return len(c.CodeDepartement) == 3 }

// CommuneFilter selects communes.
type CommuneFilter struct {
	Prefix          string // name prefix, accent- and case-insensitive, or a postcode prefix
	CodeDepartement string
	Limit           int
}

// CityOfArrondissement returns the INSEE code of the city a municipal
// arrondissement belongs to (75101–75120 Paris, 69381–69389 Lyon,
// 13201–13216 Marseille), and code itself otherwise. The referential holds
// the cities; real files often give the arrondissement.
func CityOfArrondissement(code string) string {
	switch {
	case len(code) != 5:
		return code
	case code >= "75101" && code <= "75120":
		return "75056"
	case code >= "69381" && code <= "69389":
		return "69123"
	case code >= "13201" && code <= "13216":
		return "13055"
	}
	return code
}

// PostcodeIndex maps the INSEE code of every commune to its postcodes.
type PostcodeIndex map[string][]string

// PostcodesOf returns the postcodes of a commune (an arrondissement counts
// as its city), and false when no commune has the code.
func (ix PostcodeIndex) PostcodesOf(code string) ([]string, bool) {
	cps, ok := ix[CityOfArrondissement(code)]
	return slices.Clone(cps), ok
}

// TerritoryService reads the territorial referential.
type TerritoryService interface {
	// PostcodeIndex returns the postcodes of every commune (import checks).
	PostcodeIndex(ctx context.Context) (PostcodeIndex, error)
	FindCommuneByCode(ctx context.Context, code string) (*Commune, error)
	FindCommunes(ctx context.Context, filter CommuneFilter) ([]*Commune, error)
	FindDepartements(ctx context.Context) ([]*Departement, error)
	FindRegions(ctx context.Context) ([]*Region, error)
	CountCommunes(ctx context.Context) (int, error)
	// AllCommunes lists every commune (search keeps them in memory to find
	// the communes within a radius).
	AllCommunes(ctx context.Context) ([]*Commune, error)
	// ResolveCommune turns typed text into one commune, or candidates.
	ResolveCommune(ctx context.Context, text string) (*Commune, []*Commune, error)
}
