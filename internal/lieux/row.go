package lieux

import (
	"fmt"
	"math"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"maillage/internal/maillage"
)

// importer turns raw rows (schema field → text) into lieux and a report.
type importer struct {
	opt Options
	rep *Report
	ids map[string]int // id → line of its first occurrence
}

func newImporter(opt Options) *importer {
	return &importer{opt: opt, rep: &Report{}, ids: map[string]int{}}
}

// rowCheck collects the problems of one row.
type rowCheck struct {
	line  int
	id    string
	errs  []RowError
	warns []RowError
	bad   map[string]bool // fields already reported as errors
}

func (c *rowCheck) fail(field, format string, args ...any) {
	c.errs = append(c.errs, RowError{Line: c.line, ID: c.id, Field: field, Reason: fmt.Sprintf(format, args...)})
	c.bad[field] = true
}

func (c *rowCheck) warn(field, format string, args ...any) {
	c.warns = append(c.warns, RowError{Line: c.line, ID: c.id, Field: field, Reason: fmt.Sprintf(format, args...)})
}

// add imports one row; pre holds problems found while reading it (JSON
// values of the wrong type).
func (im *importer) add(line int, raw map[string]string, pre []RowError) {
	im.rep.Total++
	c := &rowCheck{line: line, id: strings.TrimSpace(raw["id"]), bad: map[string]bool{}}
	for _, e := range pre {
		c.fail(e.Field, "%s", e.Reason)
	}
	l := c.build(raw)

	for _, e := range Validate(l) {
		if !c.bad[e.Field] {
			c.fail(e.Field, "%s", e.Reason)
		}
	}
	if l.ID != "" {
		if first, dup := im.ids[l.ID]; dup {
			c.fail("id", "id « %s » : déjà utilisé ligne %d (l'id doit être unique dans le fichier)", l.ID, first)
		} else {
			im.ids[l.ID] = line
		}
	}
	if im.opt.Communes != nil && l.CodeInsee != "" && !c.bad["code_insee"] {
		if cps, ok := im.opt.Communes.PostcodesOf(l.CodeInsee); !ok {
			c.fail("code_insee", "code_insee « %s » : aucune commune n'a ce code INSEE", l.CodeInsee)
		} else if !c.bad["code_postal"] && l.CodePostal != "" && !slices.Contains(cps, l.CodePostal) {
			c.warn("code_insee", "le code INSEE %s ne correspond pas au code postal %s", l.CodeInsee, l.CodePostal)
		}
	}

	if len(c.errs) > 0 {
		im.rep.Errors = append(im.rep.Errors, byColumn(c.errs)...)
		return
	}
	im.rep.Rows = append(im.rep.Rows, Row{Line: line, Lieu: l})
	im.rep.Warnings = append(im.rep.Warnings, byColumn(c.warns)...)
}

// fileWarning records a problem of the file as a whole (unknown columns…).
func (im *importer) fileWarning(line int, field, format string, args ...any) {
	im.rep.Warnings = append(im.rep.Warnings, RowError{Line: line, Field: field, Reason: fmt.Sprintf(format, args...)})
}

// byColumn sorts problems in the order of the schema columns, row-wide ones first.
func byColumn(es []RowError) []RowError {
	slices.SortStableFunc(es, func(a, b RowError) int { return columnIndex(a.Field) - columnIndex(b.Field) })
	return es
}

func columnIndex(name string) int {
	if f, ok := schema.byName[name]; ok {
		return f.Index
	}
	return -1
}

// build normalises each field; problems go to c. Required fields left empty
// and schema patterns are checked afterwards by Validate.
func (c *rowCheck) build(raw map[string]string) maillage.Lieu {
	get := func(name string) string { return strings.TrimSpace(raw[name]) }
	l := maillage.Lieu{
		ID:                     get("id"),
		Pivot:                  c.pivot(get("pivot")),
		Nom:                    get("nom"),
		Commune:                get("commune"),
		CodePostal:             get("code_postal"),
		CodeInsee:              strings.ToUpper(get("code_insee")),
		Adresse:                get("adresse"),
		ComplementAdresse:      get("complement_adresse"),
		Typologie:              c.typologie(get("typologie")),
		Telephone:              c.telephone(get("telephone")),
		Courriels:              c.emails(get("courriels")),
		SiteWeb:                c.urls("site_web", splitURLs(get("site_web"))),
		Horaires:               get("horaires"),
		PresentationResume:     c.resume(get("presentation_resume")),
		PresentationDetail:     get("presentation_detail"),
		Source:                 get("source"),
		StructureParente:       get("structure_parente"),
		DateMaj:                c.date(get("date_maj")),
		AutresFormationsLabels: get("autres_formations_labels"),
		FicheAccesLibre:        c.url("fiche_acces_libre", get("fiche_acces_libre")),
		PriseRDV:               c.url("prise_rdv", get("prise_rdv")),
	}
	l.Latitude, l.Longitude = c.coordinates(get("latitude"), get("longitude"))
	l.Itinerance = c.enum("itinerance", get("itinerance"))
	l.Services = c.enum("services", get("services"))
	l.PublicsSpecifiquementAdresses = c.enum("publics_specifiquement_adresses", get("publics_specifiquement_adresses"))
	l.PriseEnChargeSpecifique = c.enum("prise_en_charge_specifique", get("prise_en_charge_specifique"))
	l.FraisACharge = c.enum("frais_a_charge", get("frais_a_charge"))
	l.DispositifProgrammesNationaux = c.enum("dispositif_programmes_nationaux", get("dispositif_programmes_nationaux"))
	l.FormationsLabels = c.enum("formations_labels", get("formations_labels"))
	l.ModalitesAcces = c.enum("modalites_acces", get("modalites_acces"))
	l.ModalitesAccompagnement = c.enum("modalites_accompagnement", get("modalites_accompagnement"))
	return l
}

// pivot removes spaces and dots (434 933 123 00029, 1234567.001) and
// upper-cases; a pivot that passes the schema pattern but is doubtful is a
// warning: real data is full of placeholders and mistyped keys, and the
// place itself is still worth importing.
func (c *rowCheck) pivot(s string) string {
	p := strings.ToUpper(strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || r == '.' {
			return -1
		}
		return r
	}, s))
	if p == "" {
		return ""
	}
	if reason := checkValue(schema.byName["pivot"], p); reason != "" {
		c.fail("pivot", "pivot « %s » : %s", s, reason)
		return p
	}
	switch maillage.PivotKind(p) {
	case maillage.PivotPlaceholder:
		c.warn("pivot", "pivot « %s » : SIRET bouche-trou ; renseignez le vrai SIRET du lieu (annuaire-entreprises.data.gouv.fr)", s)
	case maillage.PivotSIREN:
		c.warn("pivot", "pivot « %s » : c'est un SIREN (9 chiffres) ; le SIRET de l'établissement (14 chiffres) est attendu", s)
	case "":
		if len(p) == 14 && strings.Trim(p, "0123456789") == "" {
			c.warn("pivot", "pivot « %s » : clé de contrôle du SIRET invalide ; vérifiez le numéro (annuaire-entreprises.data.gouv.fr)", s)
		} else {
			c.warn("pivot", "pivot « %s » : ni SIRET, ni RNA, ni RIDET reconnaissable", s)
		}
	}
	return p
}

var typologieByKey = func() map[string]string {
	m := map[string]string{}
	for _, t := range maillage.LieuTypologies {
		m[key(t.Code)] = t.Code
	}
	return m
}()

// typologie maps codes case-insensitively; schema.json does not constrain
// the field, so an unknown code is kept with a warning.
func (c *rowCheck) typologie(s string) []string {
	var out []string
	for _, it := range splitMulti(s) {
		if code, ok := typologieByKey[key(it)]; ok {
			it = code
		} else {
			c.warn("typologie", "typologie « %s » : code absent de la liste des typologies, gardé tel quel", it)
		}
		out = append(out, it)
	}
	return uniq(out)
}

// aliases are the long wordings of schema.json's descriptions, accepted for
// the short values its patterns require.
var aliases = map[string]map[string]string{
	"modalites_accompagnement": {
		key("Dans un atelier collectif : j'apprends collectivement à utiliser le numérique"): "Dans un atelier collectif",
		key("À distance (par téléphone ou en visioconférence)"):                              "À distance",
	},
}

// enum maps each value of a closed list to its canonical spelling.
func (c *rowCheck) enum(name, s string) []string {
	var out []string
	for _, it := range splitMulti(s) {
		k := key(it)
		v, ok := canon[name][k]
		if !ok {
			v, ok = aliases[name][k]
		}
		if !ok {
			c.fail(name, "%s « %s » : valeur hors liste (valeurs possibles : %s)", name, it, strings.Join(enumerations[name], " | "))
			continue
		}
		out = append(out, v)
	}
	return uniq(out)
}

// domPrefixes maps the national prefixes of the overseas départements to
// their country calling codes (Mayotte shares +262 with La Réunion).
var domPrefixes = map[string]string{
	"0590": "590", "0690": "590", "0691": "590",
	"0594": "594", "0694": "594",
	"0596": "596", "0696": "596", "0697": "596",
	"0262": "262", "0263": "262", "0692": "262", "0693": "262",
	"0269": "262", "0639": "262",
}

// normalisePhone turns a French number into the international form the
// schema wants: "04 78 00 00 00", "0033 4 78…", "+33 (0)4 78…" → +33478000000.
func normalisePhone(s string) string {
	t := strings.ReplaceAll(s, "(0)", "")
	t = strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || strings.ContainsRune(".-()", r) {
			return -1
		}
		return r
	}, t)
	if strings.HasPrefix(t, "00") {
		t = "+" + t[2:]
	}
	if strings.HasPrefix(t, "+330") {
		t = "+33" + t[4:]
	}
	if len(t) == 10 && t[0] == '0' && strings.Trim(t, "0123456789") == "" {
		if cc, ok := domPrefixes[t[:4]]; ok {
			return "+" + cc + t[1:]
		}
		return "+33" + t[1:]
	}
	return t
}

func (c *rowCheck) telephone(s string) string {
	if s == "" {
		return ""
	}
	first := s
	if i := strings.IndexAny(s, "|;/"); i >= 0 {
		first = strings.TrimSpace(s[:i])
	}
	n := normalisePhone(first)
	if reason := checkValue(schema.byName["telephone"], n); reason != "" {
		c.fail("telephone", "telephone « %s » : %s", s, reason)
		return s
	}
	if first != s {
		c.warn("telephone", "telephone « %s » : un seul numéro attendu, seul le premier est gardé", s)
	}
	return n
}

func (c *rowCheck) emails(s string) []string {
	var out []string
	for _, e := range splitEmails(s) {
		if len(e) > 7 && strings.EqualFold(e[:7], "mailto:") {
			e = e[7:]
		}
		if !validEmail(e) {
			c.fail("courriels", "courriels « %s » : adresse électronique invalide", e)
			continue
		}
		out = append(out, e)
	}
	return uniq(out)
}

func (c *rowCheck) urls(name string, us []string) []string {
	for _, u := range us {
		c.url(name, u)
	}
	return us
}

func (c *rowCheck) url(name, u string) string {
	if u != "" && !validURL(u) {
		c.fail(name, "%s « %s » : %s", name, u, urlHint)
	}
	return u
}

// resume truncates an over-long summary on a word boundary: the place is
// imported and the truncation reported as a warning.
func (c *rowCheck) resume(s string) string {
	max := schema.byName["presentation_resume"].MaxLength
	if n := runeCount(s); max > 0 && n > max {
		c.warn("presentation_resume", "presentation_resume : résumé trop long (%d caractères, %d au plus) ; il est coupé en fin de mot et terminé par « … »", n, max)
		return truncateWords(s, max)
	}
	return s
}

var (
	isoDate = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)
	frDate  = regexp.MustCompile(`^\d{1,2}/\d{1,2}/\d{4}$`)
)

// date reads YYYY-MM-DD, DD/MM/YYYY or an RFC 3339 timestamp (its date as
// written) into a UTC midnight.
func (c *rowCheck) date(s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	var t time.Time
	var err error
	switch {
	case isoDate.MatchString(s):
		t, err = time.Parse(time.DateOnly, s)
	case frDate.MatchString(s):
		t, err = time.Parse("2/1/2006", s)
	default:
		if t, err = time.Parse(time.RFC3339, s); err != nil {
			c.fail("date_maj", "date_maj « %s » : date AAAA-MM-JJ attendue (ou JJ/MM/AAAA)", s)
			return time.Time{}
		}
	}
	if err != nil {
		c.fail("date_maj", "date_maj « %s » : date impossible", s)
		return time.Time{}
	}
	t = time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	if t.Year() < 2000 {
		c.warn("date_maj", "date_maj « %s » : date antérieure à 2000, sans doute une valeur par défaut ; vérifiez-la", s)
	}
	return t
}

// coordinates reads latitude and longitude (decimal point or comma). A lone
// one is of no use on a map: it is dropped with a warning.
func (c *rowCheck) coordinates(lat, lon string) (*float64, *float64) {
	la := c.coordinate("latitude", lat)
	lo := c.coordinate("longitude", lon)
	switch {
	case la != nil && lo == nil && !c.bad["longitude"]:
		c.warn("latitude", "latitude sans longitude : coordonnée ignorée")
		return nil, nil
	case lo != nil && la == nil && !c.bad["latitude"]:
		c.warn("longitude", "longitude sans latitude : coordonnée ignorée")
		return nil, nil
	}
	return la, lo
}

func (c *rowCheck) coordinate(name, s string) *float64 {
	if s == "" {
		return nil
	}
	t := s
	if strings.Count(t, ",") == 1 && !strings.Contains(t, ".") {
		t = strings.Replace(t, ",", ".", 1)
	}
	f, err := strconv.ParseFloat(t, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		c.fail(name, "%s « %s » : nombre décimal attendu (ex. 45.7640)", name, s)
		return nil
	}
	if reason := coordinateRange(name, f); reason != "" {
		c.fail(name, "%s « %s » : %s", name, s, reason)
		return nil
	}
	return &f
}

func coordinateRange(name string, f float64) string {
	limit := 90.0
	if name == "longitude" {
		limit = 180
	}
	if f < -limit || f > limit {
		return fmt.Sprintf("valeur entre -%g et %g attendue", limit, limit)
	}
	return ""
}

const urlHint = "adresse web complète attendue, commençant par https:// ou http://"

func validURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" &&
		strings.HasPrefix(strings.ToLower(s), u.Scheme+"://") && !strings.ContainsFunc(s, unicode.IsSpace) && !strings.Contains(s, "|")
}

func validEmail(s string) bool {
	local, domain, ok := strings.Cut(s, "@")
	if !ok || local == "" || strings.ContainsAny(local, "@<>()[]\\,;:\" |") || strings.ContainsFunc(s, unicode.IsSpace) {
		return false
	}
	labels := strings.Split(domain, ".")
	if len(labels) < 2 || len(labels[len(labels)-1]) < 2 {
		return false
	}
	for _, l := range labels {
		if l == "" || strings.HasPrefix(l, "-") || strings.HasSuffix(l, "-") {
			return false
		}
		for _, r := range l {
			if !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '-' {
				return false
			}
		}
	}
	return true
}
