package lieux

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"maillage/internal/maillage"
)

// Validate returns what keeps l from being stored or written in a file valid
// against the schema: the rules of schema.json (required fields, patterns —
// closed lists included, with their canonical spelling —, maximum length),
// those the schema states in words only (URLs in http(s), e-mail addresses,
// coordinate ranges, no empty or "|"-holding item in a list), and the
// portal's bounds (see Bound and MaxListValues), no control character (nor
// tab or line break outside presentation_resume, presentation_detail and
// autres_formations_labels), and, when communes is not nil, an INSEE code
// that some commune has. The importer enforces the same rules; forms and
// the API call Validate. Warnings are not errors: a placeholder SIRET is
// valid. Line is 0.
func Validate(l maillage.Lieu, communes Communes) []RowError {
	rec := record(&l)
	var errs []RowError
	add := func(field, key string, args ...any) {
		errs = append(errs, RowError{Field: field, Key: key, Args: args})
	}
	bad := map[string]bool{}
	for _, f := range schema.Fields {
		v := rec[f.Name]
		if pos, code := controlAt(v); pos > 0 || !multiline[f.Name] && strings.ContainsAny(v, "\t\r\n") {
			if pos == 0 {
				pos, code = lineBreakAt(v)
			}
			add(f.Name, KeyControl, "Field", f.Name, "Position", pos, "Code", code)
			bad[f.Name] = true
		}
	}
	for _, e := range checkRecord(rec) {
		if !bad[e.Field] {
			errs = append(errs, e)
			bad[e.Field] = true
		}
	}
	for name, items := range lists(&l) {
		if bad[name] {
			continue
		}
		if len(items) > MaxListValues {
			add(name, KeyListTooLong, "Field", name, "Count", len(items), "Max", MaxListValues)
			bad[name] = true
			continue
		}
		max := Bound(name)
		for _, it := range items {
			switch {
			case strings.TrimSpace(it) == "" || strings.Contains(it, Separator):
				add(name, KeyListItem, "Field", name, "Value", clean(it))
			case max > 0 && utf8.RuneCountInString(it) > max:
				add(name, KeyTooLong, "Field", name, "Length", utf8.RuneCountInString(it), "Max", max)
			case name == "site_web" && !validURL(it):
				add(name, KeyURL, "Field", name, "Value", clean(it))
			case name == "courriels" && !validEmail(it):
				add(name, KeyEmail, "Value", clean(it))
			default:
				continue
			}
			bad[name] = true
			break
		}
	}
	for _, f := range schema.Fields {
		if _, isList := lists(&l)[f.Name]; isList || bad[f.Name] {
			continue
		}
		v := rec[f.Name]
		if max := bounds[f.Name]; max > 0 && f.MaxLength == 0 {
			if n := utf8.RuneCountInString(v); n > max {
				add(f.Name, KeyTooLong, "Field", f.Name, "Length", n, "Max", max)
				bad[f.Name] = true
				continue
			}
		}
		if (f.Name == "fiche_acces_libre" || f.Name == "prise_rdv") && v != "" && !validURL(v) {
			add(f.Name, KeyURL, "Field", f.Name, "Value", clean(v))
			bad[f.Name] = true
		}
	}
	for name, f := range map[string]*float64{"latitude": l.Latitude, "longitude": l.Longitude} {
		if f != nil && !bad[name] {
			if limit := coordinateLimit(name, *f); limit > 0 {
				add(name, KeyCoordinateRange, "Field", name, "Value", formatFloat(f), "Limit", limit)
			}
		}
	}
	if communes != nil && l.CodeInsee != "" && !bad["code_insee"] {
		if _, ok := communes.Commune(l.CodeInsee); !ok {
			add("code_insee", KeyInseeUnknown, "Value", l.CodeInsee)
		}
	}
	for i := range errs {
		errs[i].ID = clean(l.ID)
	}
	return byColumn(errs)
}

// lists returns the multi-value fields of l.
func lists(l *maillage.Lieu) map[string][]string {
	return map[string][]string{
		"typologie": l.Typologie, "courriels": l.Courriels, "site_web": l.SiteWeb, "itinerance": l.Itinerance,
		"services": l.Services, "publics_specifiquement_adresses": l.PublicsSpecifiquementAdresses,
		"prise_en_charge_specifique": l.PriseEnChargeSpecifique, "frais_a_charge": l.FraisACharge,
		"dispositif_programmes_nationaux": l.DispositifProgrammesNationaux, "formations_labels": l.FormationsLabels,
		"modalites_acces": l.ModalitesAcces, "modalites_accompagnement": l.ModalitesAccompagnement,
	}
}

func lineBreakAt(s string) (int, string) {
	n := 0
	for _, r := range s {
		n++
		if r == '\t' || r == '\r' || r == '\n' {
			return n, fmt.Sprintf("U+%04X", r)
		}
	}
	return 0, ""
}
