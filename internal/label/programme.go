package label

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"maillage/internal/maillage"
)

// Programme is a label programme as written in content/labels/<code>.yaml:
// criteria, each with its indicators (what is expected, the evidence, the
// kinds of structure it applies to). A programme is versioned: a new
// version is a new file content with a higher version; applications keep
// the version they were started with.
type Programme struct {
	Code         string      `yaml:"code" json:"code"`
	Version      int         `yaml:"version" json:"version"`
	Title        string      `yaml:"titre" json:"titre"`
	Presentation string      `yaml:"presentation" json:"presentation"`
	Source       string      `yaml:"source" json:"source"`
	Licence      string      `yaml:"licence" json:"licence"`
	Structures   []string    `yaml:"structures" json:"structures"`                           // kinds of structure that may apply
	DueDays      int         `yaml:"delai_instruction_jours" json:"delai_instruction_jours"` // review delay after deposit
	Validity     int         `yaml:"validite_annees" json:"validite_annees"`                 // years a granted label lasts
	Reminders    []int       `yaml:"rappels_jours" json:"rappels_jours"`                     // days before expiry a reminder is sent
	Criteria     []Criterion `yaml:"criteres" json:"criteres"`
	// SHA256 is the hash of the file it was read from.
	SHA256 string `yaml:"-" json:"sha256"`
	// File is the name of that file.
	File string `yaml:"-" json:"-"`
}

// Criterion is a criterion of a programme.
type Criterion struct {
	Code        string      `yaml:"code" json:"code"`
	Title       string      `yaml:"titre" json:"titre"`
	Description string      `yaml:"description" json:"description"`
	Indicators  []Indicator `yaml:"indicateurs" json:"indicateurs"`
}

// Indicator is what a reviewer grades: what is expected of the place, the
// evidence that shows it, and the kinds of structure it applies to (empty:
// every kind the programme accepts).
type Indicator struct {
	Code     string   `yaml:"code" json:"code"`
	Title    string   `yaml:"intitule" json:"intitule"`
	Expected string   `yaml:"attendu" json:"attendu"`
	Evidence string   `yaml:"preuves" json:"preuves"`
	Kinds    []string `yaml:"structures,omitempty" json:"structures,omitempty"`
	// Prefill names the field of the place whose value starts the answer
	// (see PrefillFields).
	Prefill string `yaml:"prerempli,omitempty" json:"prerempli,omitempty"`
}

// Kinds of structure an indicator or a programme names: the roles of a
// structure, and whether the place is fixed or itinerant.
const (
	KindFixe      = "fixe"
	KindItinerant = "itinerant"
)

// KnownKinds lists the kinds a programme file may name.
func KnownKinds() []string {
	out := []string{KindFixe, KindItinerant}
	for _, r := range maillage.StructureRoles {
		out = append(out, string(r))
	}
	return out
}

// KindsOf returns the kinds of a structure: its roles, and itinerant when
// the national data says the place moves (else fixe).
func KindsOf(s *maillage.Structure) []string {
	var out []string
	for _, r := range s.Roles {
		out = append(out, string(r))
	}
	if slices.Contains(s.Lieu.Itinerance, "Itinérant") {
		out = append(out, KindItinerant)
	}
	if len(s.Lieu.Itinerance) == 0 || slices.Contains(s.Lieu.Itinerance, "Fixe") {
		out = append(out, KindFixe)
	}
	return out
}

// AppliesTo reports whether the indicator applies to a structure of these kinds.
func (in *Indicator) AppliesTo(kinds []string) bool {
	if len(in.Kinds) == 0 {
		return true
	}
	for _, k := range in.Kinds {
		if slices.Contains(kinds, k) {
			return true
		}
	}
	return false
}

// Eligible reports whether a structure may apply to the programme.
func (p *Programme) Eligible(s *maillage.Structure) bool {
	kinds := KindsOf(s)
	for _, k := range p.Structures {
		if slices.Contains(kinds, k) {
			return true
		}
	}
	return false
}

// Indicators lists every indicator, in order.
func (p *Programme) Indicators() []Indicator {
	var out []Indicator
	for _, c := range p.Criteria {
		out = append(out, c.Indicators...)
	}
	return out
}

// Indicator returns the indicator of that code.
func (p *Programme) Indicator(code string) (*Indicator, bool) {
	for i := range p.Criteria {
		for j := range p.Criteria[i].Indicators {
			if p.Criteria[i].Indicators[j].Code == code {
				return &p.Criteria[i].Indicators[j], true
			}
		}
	}
	return nil, false
}

// ValidityYears is how long a granted label lasts (3 years by default).
func (p *Programme) ValidityYears() int {
	if p.Validity <= 0 {
		return DefaultValidityYears
	}
	return p.Validity
}

// DefaultValidityYears is the validity of a label whose programme names none.
const DefaultValidityYears = 3

// ReminderDays are the days before expiry a holder is reminded (90 and 30
// by default), largest first.
func (p *Programme) ReminderDays() []int {
	if len(p.Reminders) == 0 {
		return []int{90, 30}
	}
	out := append([]int(nil), p.Reminders...)
	sort.Sort(sort.Reverse(sort.IntSlice(out)))
	return out
}

// PrefillFields are the fields of a place an indicator may start from.
var PrefillFields = []string{"horaires", "services", "publics", "prise_en_charge_specifique", "modalites_acces",
	"modalites_accompagnement", "fiche_acces_libre", "dispositifs", "presentation", PrefillTeamCharter}

// PrefillTeamCharter starts an answer from the team's signatures of the
// aidant charter (TeamCharter), which storage reads from the charter's
// chain; it is no field of the place.
const PrefillTeamCharter = "charte_equipe"

// TeamCharter is where a structure's team stands with the aidant charter
// when an application starts.
type TeamCharter struct {
	Version int          // the version in force
	Members int          // active members of the structure
	Signed  []TeamSigner // who signed the version in force
}

// TeamSigner is a signature of the version in force: the name the person
// typed when signing (what they gave as evidence; no address).
type TeamSigner struct {
	TypedName string
	Day       time.Time
}

// Text is the answer an indicator with PrefillTeamCharter starts with
// (application texts are French, like the programme).
func (t TeamCharter) Text(day func(time.Time) string) string {
	if t.Version == 0 {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Charte de l'aidant numérique, version %d en vigueur\u00a0: ", t.Version)
	switch n := len(t.Signed); {
	case t.Members == 0:
		b.WriteString("la structure n'a pas encore de membre sur Maillage.")
	case n == 0:
		fmt.Fprintf(&b, "aucune des %d personnes de l'équipe ne l'a encore signée sur Maillage.", t.Members)
	case n == 1:
		fmt.Fprintf(&b, "1 personne de l'équipe sur %d l'a signée sur Maillage.", t.Members)
	default:
		fmt.Fprintf(&b, "%d personnes de l'équipe sur %d l'ont signée sur Maillage.", n, t.Members)
	}
	if len(t.Signed) > 0 {
		b.WriteString("\nSignatures\u00a0: ")
		for i, s := range t.Signed {
			if i > 0 {
				b.WriteString("\u00a0; ")
			}
			fmt.Fprintf(&b, "%s (%s)", s.TypedName, day(s.Day))
		}
		b.WriteString(".")
	}
	return b.String()
}

// Prefill returns the answer an indicator starts with for a structure: the
// value of its Prefill field, as the national data holds it.
func (in *Indicator) PrefillFrom(s *maillage.Structure) string {
	l := &s.Lieu
	join := func(v []string) string { return strings.Join(v, ", ") }
	switch in.Prefill {
	case "horaires":
		return l.Horaires
	case "services":
		return join(l.Services)
	case "publics":
		return join(l.PublicsSpecifiquementAdresses)
	case "prise_en_charge_specifique":
		return join(l.PriseEnChargeSpecifique)
	case "modalites_acces":
		return join(l.ModalitesAcces)
	case "modalites_accompagnement":
		return join(l.ModalitesAccompagnement)
	case "fiche_acces_libre":
		return l.FicheAccesLibre
	case "dispositifs":
		return join(l.DispositifProgrammesNationaux)
	case "presentation":
		return strings.TrimSpace(l.PresentationResume + "\n\n" + l.PresentationDetail)
	}
	return ""
}

var (
	programmeCode = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	itemCode      = regexp.MustCompile(`^[0-9A-Za-z]+(\.[0-9A-Za-z]+)*$`)
)

// Validate checks a programme as read from its file. The problems name the
// place in the file ("criteres.2.indicateurs.1.preuves").
func (p *Programme) Validate() maillage.Problems {
	var ps maillage.Problems
	if len(p.Code) > 60 || !programmeCode.MatchString(p.Code) {
		ps.Add("code", "label.programme.code")
	}
	if p.Version < 1 {
		ps.Add("version", "label.programme.version")
	}
	req := func(field, v string, max int) {
		if strings.TrimSpace(v) == "" {
			ps.Add(field, maillage.KeyRequired)
		}
		maillage.CheckText(&ps, field, v, max, true)
	}
	req("titre", p.Title, 200)
	req("presentation", p.Presentation, 5000)
	req("source", p.Source, 2000)
	req("licence", p.Licence, 200)
	if len(p.Structures) == 0 {
		ps.Add("structures", maillage.KeyRequired)
	}
	for _, k := range p.Structures {
		if !slices.Contains(KnownKinds(), k) {
			ps.Add("structures", maillage.KeyNotInList)
		}
	}
	if p.DueDays < 1 || p.DueDays > 365 {
		ps.Add("delai_instruction_jours", "label.programme.due_days")
	}
	if p.Validity < 1 || p.Validity > 10 {
		ps.Add("validite_annees", "label.programme.validity")
	}
	for _, d := range p.Reminders {
		if d < 1 || d > 365 {
			ps.Add("rappels_jours", "label.programme.reminders")
		}
	}
	if len(p.Criteria) == 0 {
		ps.Add("criteres", maillage.KeyRequired)
	}
	seen := map[string]bool{}
	for i, c := range p.Criteria {
		at := fmt.Sprintf("criteres.%d.", i)
		if !itemCode.MatchString(c.Code) || seen["c"+c.Code] {
			ps.Add(at+"code", "label.programme.item_code")
		}
		seen["c"+c.Code] = true
		req(at+"titre", c.Title, 300)
		maillage.CheckText(&ps, at+"description", c.Description, 5000, true)
		if len(c.Indicators) == 0 {
			ps.Add(at+"indicateurs", maillage.KeyRequired)
		}
		for j, in := range c.Indicators {
			at := fmt.Sprintf("%sindicateurs.%d.", at, j)
			if !itemCode.MatchString(in.Code) || seen["i"+in.Code] {
				ps.Add(at+"code", "label.programme.item_code")
			}
			seen["i"+in.Code] = true
			req(at+"intitule", in.Title, 300)
			req(at+"attendu", in.Expected, 5000)
			req(at+"preuves", in.Evidence, 5000)
			for _, k := range in.Kinds {
				if !slices.Contains(KnownKinds(), k) {
					ps.Add(at+"structures", maillage.KeyNotInList)
				}
			}
			if in.Prefill != "" && !slices.Contains(PrefillFields, in.Prefill) {
				ps.Add(at+"prerempli", maillage.KeyNotInList)
			}
		}
	}
	return ps
}

// ParseProgramme reads one programme file (YAML, unknown fields refused)
// and validates it.
func ParseProgramme(name string, b []byte) (*Programme, error) {
	var p Programme
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&p); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if ps := p.Validate(); len(ps) > 0 {
		var parts []string
		for _, pr := range ps {
			parts = append(parts, pr.Field+": "+pr.Key)
		}
		return nil, fmt.Errorf("%s: %s", name, strings.Join(parts, "; "))
	}
	sum := sha256.Sum256(b)
	p.SHA256, p.File = hex.EncodeToString(sum[:]), name
	return &p, nil
}

// LoadProgrammes reads every programme file (*.yaml) of dir in fsys, in
// name order. Two files with the same code and version are refused.
func LoadProgrammes(fsys fs.FS, dir string) ([]*Programme, error) {
	names, err := fs.Glob(fsys, path.Join(dir, "*.yaml"))
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	var out []*Programme
	seen := map[string]string{}
	for _, n := range names {
		b, err := fs.ReadFile(fsys, n)
		if err != nil {
			return nil, err
		}
		p, err := ParseProgramme(n, b)
		if err != nil {
			return nil, err
		}
		key := fmt.Sprintf("%s@%d", p.Code, p.Version)
		if prev, dup := seen[key]; dup {
			return nil, fmt.Errorf("%s: programme %s version %d already read from %s", n, p.Code, p.Version, prev)
		}
		seen[key] = n
		out = append(out, p)
	}
	return out, nil
}
