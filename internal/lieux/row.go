package lieux

import (
	"math"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"

	"maillage/internal/maillage"
)

// importer turns raw rows (schema field → text) into lieux and a report.
type importer struct {
	opt     Options
	rep     *Report
	ids     map[string]int // id → line of its first occurrence
	conv    *converter
	unknown map[[2]string]int // (field, value) of closed lists → rows
	v0      bool
	renamed [][2]string // v0 column → v1 field, in header order
	ignored []string    // v0 columns without a v1 field
}

func newImporter(opt Options) *importer {
	return &importer{opt: opt, rep: &Report{Version: "v1"}, ids: map[string]int{}, conv: newConverter(), unknown: map[[2]string]int{}}
}

// rowCheck collects the problems of one row.
type rowCheck struct {
	im    *importer
	line  int
	id    string
	errs  []RowError
	warns []RowError
	bad   map[string]bool // fields already reported as errors
}

func (c *rowCheck) fail(field, key string, args ...any) {
	c.errs = append(c.errs, RowError{Line: c.line, ID: c.id, Field: field, Key: key, Args: args})
	c.bad[field] = true
}

func (c *rowCheck) warn(field, key string, args ...any) {
	c.warns = append(c.warns, RowError{Line: c.line, ID: c.id, Field: field, Key: key, Args: args})
}

// add imports one row; pre holds problems found while reading it (JSON
// values of the wrong type).
func (im *importer) add(line int, raw map[string]string, pre []RowError) {
	im.rep.Total++
	c := &rowCheck{im: im, line: line, id: clean(strings.TrimSpace(raw["id"])), bad: map[string]bool{}}
	for _, e := range pre {
		c.fail(e.Field, e.Key, e.Args...)
	}
	for name, v := range raw {
		if pos, code := controlAt(v); pos > 0 {
			if _, known := schema.byName[name]; known || v0Known(name) {
				c.fail(name, KeyControl, "Field", name, "Position", pos, "Code", code)
			}
			raw[name] = ""
		} else if !multiline[name] {
			raw[name] = oneLine(v)
		}
	}
	im.conv.convert(raw)
	var present []string
	for _, f := range schema.Fields {
		if _, ok := raw[f.Name]; ok {
			present = append(present, f.Name)
		}
	}
	l := c.build(raw)

	for _, e := range Validate(l, nil) {
		if !c.bad[e.Field] {
			c.fail(e.Field, e.Key, e.Args...)
		}
	}
	if l.ID != "" && !c.bad["id"] {
		if first, dup := im.ids[l.ID]; dup {
			c.fail("id", KeyIDDuplicate, "Value", clean(l.ID), "First", first)
		} else {
			im.ids[l.ID] = line
		}
	}
	insee := ""
	if im.opt.Communes != nil {
		insee = c.resolveCommune(&l, im.opt.Communes)
	}
	if t := im.opt.Territory; !t.Everywhere() && len(c.errs) == 0 {
		c.checkTerritory(&l, insee, t, im.opt.Communes)
	}
	if l.Horaires != "" && !c.bad["horaires"] {
		if _, err := ParseHoraires(l.Horaires); err != nil {
			pos := 0
			if he, ok := err.(*HoursError); ok {
				pos = he.Pos
			}
			c.warn("horaires", KeyHoraires, "Value", clean(l.Horaires), "Position", pos)
		}
	}

	if len(c.errs) > 0 {
		im.rep.Errors = append(im.rep.Errors, byColumn(c.errs)...)
		return
	}
	im.rep.Rows = append(im.rep.Rows, Row{Line: line, Lieu: l, Present: present, CommuneInsee: insee})
	im.rep.Warnings = append(im.rep.Warnings, byColumn(c.warns)...)
}

// checkTerritory rejects a row that would write outside the territory:
// its commune is elsewhere (or unknown), or its id is the one of a place
// stored elsewhere (the row would update it, wherever the row puts it).
func (c *rowCheck) checkTerritory(l *maillage.Lieu, insee string, t Territory, communes Communes) {
	dep := ""
	if communes != nil && insee != "" {
		if cm, ok := communes.Commune(insee); ok {
			dep = cm.CodeDepartement
		}
	}
	if !t.Holds(dep) {
		c.fail("code_insee", KeyOutsideTerritory, "Departement", dep)
		return
	}
	if stored, ok := t.Stored[l.ID]; ok && !t.Holds(stored) {
		c.fail("id", KeyStoredOutsideTerritory, "Value", clean(l.ID), "Departement", stored)
	}
}

// fileWarning records a problem of the file as a whole (unknown columns…).
func (im *importer) fileWarning(line int, key string, args ...any) {
	im.rep.Warnings = append(im.rep.Warnings, RowError{Line: line, Key: key, Args: args})
}

// finish sums the file up in notes, once every row is read.
func (im *importer) finish() *Report {
	if im.v0 {
		im.rep.Version = "v0"
		im.rep.Notes = append(im.rep.Notes, RowError{Key: KeyV0Detected})
		for _, r := range im.renamed {
			im.rep.Notes = append(im.rep.Notes, RowError{Key: KeyV0Column, Args: []any{"From", r[0], "To", r[1]}})
		}
		for _, col := range im.ignored {
			im.rep.Notes = append(im.rep.Notes, RowError{Key: KeyV0ColumnIgnore, Args: []any{"Column", col}})
		}
	}
	im.rep.Notes = append(im.rep.Notes, im.conv.notes()...)
	keys := make([][2]string, 0, len(im.unknown))
	for k := range im.unknown {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if a, b := columnIndex(keys[i][0]), columnIndex(keys[j][0]); a != b {
			return a < b
		}
		if im.unknown[keys[i]] != im.unknown[keys[j]] {
			return im.unknown[keys[i]] > im.unknown[keys[j]]
		}
		return keys[i][1] < keys[j][1]
	})
	listed := map[string]bool{}
	for _, k := range keys {
		im.rep.Notes = append(im.rep.Notes, RowError{Field: k[0], Key: KeyEnumUnknown, Args: []any{"Field", k[0], "Value", k[1], "Count", im.unknown[k]}})
	}
	for _, k := range keys {
		if !listed[k[0]] {
			listed[k[0]] = true
			im.rep.Notes = append(im.rep.Notes, RowError{Field: k[0], Key: KeyEnumAllowed, Args: []any{"Field", k[0], "Values", strings.Join(enumerations[k[0]], " | ")}})
		}
	}
	sort.SliceStable(im.rep.Warnings, func(i, j int) bool { return im.rep.Warnings[i].Line < im.rep.Warnings[j].Line })
	return im.rep
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
		Telephone:              c.telephone(get("telephone"), get("code_postal")),
		Courriels:              c.emails(get("courriels")),
		SiteWeb:                c.urls("site_web", splitURLs(get("site_web"))),
		Horaires:               get("horaires"),
		PresentationResume:     c.truncate("presentation_resume", get("presentation_resume")),
		PresentationDetail:     c.truncate("presentation_detail", get("presentation_detail")),
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
	if key, _ := checkValue(schema.byName["pivot"], p); key != "" {
		c.fail("pivot", KeyPivot, "Value", clean(s))
		return p
	}
	switch maillage.PivotKind(p) {
	case maillage.PivotPlaceholder:
		c.warn("pivot", KeyPivotPlaceholder, "Value", s)
	case maillage.PivotSIREN:
		c.warn("pivot", KeyPivotSIREN, "Value", s)
	case "":
		if len(p) == 14 && strings.Trim(p, "0123456789") == "" {
			c.warn("pivot", KeyPivotSIRETKey, "Value", s)
		} else {
			c.warn("pivot", KeyPivotUnknown, "Value", s)
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
			c.warn("typologie", KeyTypologieUnknown, "Value", clean(it))
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

// enum maps each value of a closed list to its canonical spelling. An
// unknown value rejects the row; the report lists each distinct unknown
// value once with its count, and the allowed values once.
func (c *rowCheck) enum(name, s string) []string {
	var out []string
	for _, it := range splitMulti(s) {
		k := key(it)
		v, ok := canon[name][k]
		if !ok {
			v, ok = aliases[name][k]
		}
		if !ok {
			c.fail(name, KeyEnum, "Field", name, "Value", clean(it))
			c.im.unknown[[2]string{name, clean(it)}]++
			continue
		}
		out = append(out, v)
	}
	return uniq(out)
}

func (c *rowCheck) telephone(s, postcode string) string {
	if s == "" {
		return ""
	}
	first := s
	if i := strings.IndexAny(s, "|;/,"); i >= 0 {
		first = strings.TrimSpace(s[:i])
	}
	n, res := normalisePhone(first, postcode)
	switch res {
	case phoneBad:
		c.fail("telephone", KeyPhone, "Value", clean(s))
		return ""
	case phoneForeign:
		c.fail("telephone", KeyPhoneForeign, "Value", clean(s))
		return ""
	case phoneUnassigned:
		c.warn("telephone", KeyPhoneUnassigned, "Value", clean(first), "Stored", n)
	}
	if first != s {
		c.warn("telephone", KeyPhoneSeveral, "Value", clean(s))
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
			c.fail("courriels", KeyEmail, "Value", clean(e))
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
	if u != "" && !validURL(u) && !c.bad[name] {
		c.fail(name, KeyURL, "Field", name, "Value", clean(u))
	}
	return u
}

// truncate shortens an over-long presentation on a word boundary: the place
// is imported and the truncation reported as a warning.
func (c *rowCheck) truncate(name, s string) string {
	max := Bound(name)
	if n := runeCount(s); max > 0 && n > max {
		c.warn(name, KeyTruncated, "Field", name, "Length", n, "Max", max)
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
			c.fail("date_maj", KeyDateUnreadable, "Value", clean(s))
			return time.Time{}
		}
	}
	if err != nil {
		c.fail("date_maj", KeyDateImpossible, "Value", clean(s))
		return time.Time{}
	}
	t = time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	if t.Year() < 2000 {
		c.warn("date_maj", KeyDateOld, "Value", s)
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
		c.warn("latitude", KeyCoordinateAlone, "Field", "latitude")
		return nil, nil
	case lo != nil && la == nil && !c.bad["latitude"]:
		c.warn("longitude", KeyCoordinateAlone, "Field", "longitude")
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
		c.fail(name, KeyCoordinateNumber, "Field", name, "Value", clean(s))
		return nil
	}
	if limit := coordinateLimit(name, f); limit > 0 {
		c.fail(name, KeyCoordinateRange, "Field", name, "Value", clean(s), "Limit", limit)
		return nil
	}
	return &f
}

// coordinateLimit returns the bound f breaks (90 for a latitude, 180 for a
// longitude), or 0.
func coordinateLimit(name string, f float64) int {
	limit := 90
	if name == "longitude" {
		limit = 180
	}
	if f < -float64(limit) || f > float64(limit) {
		return limit
	}
	return 0
}

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
