package lieux

import (
	"strconv"
	"strings"
	"time"

	"maillage/internal/maillage"
)

// Separator joins the values of a multi-value field on export.
const Separator = "|"

// getters turn each schema field of a Lieu into its text in a file: values
// joined with "|", dates YYYY-MM-DD, numbers with a point.
var getters = map[string]func(l *maillage.Lieu) string{
	"id":                              func(l *maillage.Lieu) string { return l.ID },
	"pivot":                           func(l *maillage.Lieu) string { return l.Pivot },
	"nom":                             func(l *maillage.Lieu) string { return l.Nom },
	"commune":                         func(l *maillage.Lieu) string { return l.Commune },
	"code_postal":                     func(l *maillage.Lieu) string { return l.CodePostal },
	"code_insee":                      func(l *maillage.Lieu) string { return l.CodeInsee },
	"adresse":                         func(l *maillage.Lieu) string { return l.Adresse },
	"complement_adresse":              func(l *maillage.Lieu) string { return l.ComplementAdresse },
	"latitude":                        func(l *maillage.Lieu) string { return formatFloat(l.Latitude) },
	"longitude":                       func(l *maillage.Lieu) string { return formatFloat(l.Longitude) },
	"typologie":                       func(l *maillage.Lieu) string { return join(l.Typologie) },
	"telephone":                       func(l *maillage.Lieu) string { return l.Telephone },
	"courriels":                       func(l *maillage.Lieu) string { return join(l.Courriels) },
	"site_web":                        func(l *maillage.Lieu) string { return join(l.SiteWeb) },
	"horaires":                        func(l *maillage.Lieu) string { return l.Horaires },
	"presentation_resume":             func(l *maillage.Lieu) string { return l.PresentationResume },
	"presentation_detail":             func(l *maillage.Lieu) string { return l.PresentationDetail },
	"source":                          func(l *maillage.Lieu) string { return l.Source },
	"itinerance":                      func(l *maillage.Lieu) string { return join(l.Itinerance) },
	"structure_parente":               func(l *maillage.Lieu) string { return l.StructureParente },
	"date_maj":                        func(l *maillage.Lieu) string { return formatDate(l.DateMaj) },
	"services":                        func(l *maillage.Lieu) string { return join(l.Services) },
	"publics_specifiquement_adresses": func(l *maillage.Lieu) string { return join(l.PublicsSpecifiquementAdresses) },
	"prise_en_charge_specifique":      func(l *maillage.Lieu) string { return join(l.PriseEnChargeSpecifique) },
	"frais_a_charge":                  func(l *maillage.Lieu) string { return join(l.FraisACharge) },
	"dispositif_programmes_nationaux": func(l *maillage.Lieu) string { return join(l.DispositifProgrammesNationaux) },
	"formations_labels":               func(l *maillage.Lieu) string { return join(l.FormationsLabels) },
	"autres_formations_labels":        func(l *maillage.Lieu) string { return l.AutresFormationsLabels },
	"modalites_acces":                 func(l *maillage.Lieu) string { return join(l.ModalitesAcces) },
	"modalites_accompagnement":        func(l *maillage.Lieu) string { return join(l.ModalitesAccompagnement) },
	"fiche_acces_libre":               func(l *maillage.Lieu) string { return l.FicheAccesLibre },
	"prise_rdv":                       func(l *maillage.Lieu) string { return l.PriseRDV },
}

// enumerations are the closed lists by schema field. typologie is not one:
// schema.json does not constrain it (see typologie handling in row.go).
var enumerations = map[string][]string{
	"itinerance":                      maillage.LieuItinerances,
	"services":                        maillage.LieuServices,
	"publics_specifiquement_adresses": maillage.LieuPublics,
	"prise_en_charge_specifique":      maillage.LieuPrisesEnCharge,
	"frais_a_charge":                  maillage.LieuFrais,
	"dispositif_programmes_nationaux": maillage.LieuDispositifs,
	"formations_labels":               maillage.LieuFormationsLabels,
	"modalites_acces":                 maillage.LieuModalitesAcces,
	"modalites_accompagnement":        maillage.LieuModalitesAccompagnement,
}

// record returns the row of l as schema field → text.
func record(l *maillage.Lieu) map[string]string {
	m := make(map[string]string, len(getters))
	for name, get := range getters {
		m[name] = get(l)
	}
	return m
}

// row returns the row of l in column order.
func row(l *maillage.Lieu) []string {
	out := make([]string, len(schema.Fields))
	for i, f := range schema.Fields {
		out[i] = getters[f.Name](l)
	}
	return out
}

func join(v []string) string { return strings.Join(v, Separator) }

func formatFloat(f *float64) string {
	if f == nil {
		return ""
	}
	return strconv.FormatFloat(*f, 'f', -1, 64)
}

func formatDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.DateOnly)
}
