package mentoring

import (
	"html/template"
	"math"

	"github.com/gofiber/fiber/v2"

	"maillage/internal/carto"
	"maillage/internal/i18n"
	"maillage/internal/mentoring"
	"maillage/internal/web/kit"
)

// coverageBreaks are the upper bounds (in %) of the classes of the map:
// 0–20, 20–40, 40–60, 60–80, 80–100 %.
var coverageBreaks = []float64{20, 40, 60, 80}

// coverageMap is the map of coverage with its legend.
type coverageMap struct {
	SVG    template.HTML
	Legend []legendItem
}

type legendItem struct{ Color, Label string }

// noData is the fill of a département where no conseiller is counted
// (the land colour of the drawing).
const noData = "#e3e9ef"

// drawCoverage draws the départements of the scope coloured by coverage,
// with the same drawing as the maps of the portal (internal/carto:
// server-side SVG, overseas in insets), and its legend.
func (m *Capability) drawCoverage(c *fiber.Ctx, cov []mentoring.Coverage, sc mentoring.Scope) (*coverageMap, error) {
	atlas, err := carto.Default()
	if err != nil {
		return nil, err
	}
	lang := kit.Lang(c)
	values := map[string]float64{}
	for _, r := range cov {
		if r.Conseillers == 0 {
			values[r.Code] = math.NaN()
			continue
		}
		values[r.Code] = r.Percent()
	}
	scope := carto.France()
	switch {
	case sc.Departement != "":
		scope = carto.Dep(sc.Departement)
	case sc.Region != "":
		scope = carto.Region(sc.Region)
	}
	d, err := atlas.Draw(carto.Map{Scope: scope, ID: "couverture", Title: m.T(c, "mentoring.map.title"), Desc: m.T(c, "mentoring.map.desc"),
		Classes: carto.Classes(values, coverageBreaks)})
	if err != nil {
		return nil, err
	}
	out := &coverageMap{SVG: d.SVG}
	lo := 0.0
	for i, color := range carto.Palette {
		label := m.T(c, "mentoring.map.class", "From", i18n.Number(lang, lo, 0), "To", i18n.Number(lang, 100, 0))
		if i < len(coverageBreaks) {
			label = m.T(c, "mentoring.map.class", "From", i18n.Number(lang, lo, 0), "To", i18n.Number(lang, coverageBreaks[i], 0))
			lo = coverageBreaks[i]
		}
		out.Legend = append(out.Legend, legendItem{color, label})
	}
	out.Legend = append(out.Legend, legendItem{noData, m.T(c, "mentoring.map.none")})
	return out, nil
}
