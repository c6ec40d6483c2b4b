package maillage

import "context"

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

// TerritoryService reads the territorial referential.
type TerritoryService interface {
	FindCommuneByCode(ctx context.Context, code string) (*Commune, error)
	FindCommunes(ctx context.Context, filter CommuneFilter) ([]*Commune, error)
	FindDepartements(ctx context.Context) ([]*Departement, error)
	FindRegions(ctx context.Context) ([]*Region, error)
	CountCommunes(ctx context.Context) (int, error)
	// ResolveCommune turns typed text into one commune, or candidates.
	ResolveCommune(ctx context.Context, text string) (*Commune, []*Commune, error)
}
