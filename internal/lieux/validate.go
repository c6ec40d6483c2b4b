package lieux

import (
	"fmt"
	"strings"

	"maillage/internal/maillage"
)

// Validate returns what keeps l from being written in a file valid against
// the schema: the rules of schema.json (required fields, patterns — closed
// lists included, with their canonical spelling —, maximum length) plus
// those the schema states in words only (URLs in http(s), e-mail addresses,
// coordinate ranges, no empty or "|"-holding item in a list). Warnings are
// not errors: a placeholder SIRET is valid. Line is 0.
func Validate(l maillage.Lieu) []RowError {
	errs := checkRecord(record(&l))
	add := func(field, format string, args ...any) {
		errs = append(errs, RowError{Field: field, Reason: fmt.Sprintf(format, args...)})
	}
	for _, u := range l.SiteWeb {
		if !validURL(u) {
			add("site_web", "site_web « %s » : %s", u, urlHint)
		}
	}
	for name, u := range map[string]string{"fiche_acces_libre": l.FicheAccesLibre, "prise_rdv": l.PriseRDV} {
		if u != "" && !validURL(u) {
			add(name, "%s « %s » : %s", name, u, urlHint)
		}
	}
	for _, e := range l.Courriels {
		if !validEmail(e) {
			add("courriels", "courriels « %s » : adresse électronique invalide", e)
		}
	}
	for name, f := range map[string]*float64{"latitude": l.Latitude, "longitude": l.Longitude} {
		if f != nil {
			if reason := coordinateRange(name, *f); reason != "" {
				add(name, "%s « %s » : %s", name, formatFloat(f), reason)
			}
		}
	}
	for name, items := range map[string][]string{"typologie": l.Typologie, "courriels": l.Courriels, "site_web": l.SiteWeb} {
		for _, it := range items {
			if strings.TrimSpace(it) == "" || strings.Contains(it, Separator) {
				add(name, "%s « %s » : valeur vide ou contenant « %s »", name, it, Separator)
			}
		}
	}
	for i := range errs {
		errs[i].ID = l.ID
	}
	return byColumn(errs)
}
