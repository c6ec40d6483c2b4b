package recruiting

import (
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"maillage/internal/maillage"
)

// Contract is the kind of contract an offer proposes (names:
// "recruiting.contract.<contract>").
type Contract string

// The contracts.
const (
	ContractCDI            Contract = "cdi"
	ContractCDD            Contract = "cdd"
	ContractApprentissage  Contract = "apprentissage"
	ContractServiceCivique Contract = "service_civique"
	ContractBenevolat      Contract = "benevolat"
)

// Contracts lists the contracts in display order.
var Contracts = []Contract{ContractCDI, ContractCDD, ContractApprentissage, ContractServiceCivique, ContractBenevolat}

// Valid reports whether c is a known contract.
func (c Contract) Valid() bool { return slices.Contains(Contracts, c) }

// Remote is how much of the work may be done at a distance (names:
// "recruiting.remote.<remote>").
type Remote string

// The remote shares.
const (
	RemoteNone    Remote = "aucun"
	RemotePartial Remote = "partiel"
	RemoteFull    Remote = "total"
)

// Remotes lists the remote shares in display order.
var Remotes = []Remote{RemoteNone, RemotePartial, RemoteFull}

// Valid reports whether r is a known remote share.
func (r Remote) Valid() bool { return slices.Contains(Remotes, r) }

// SalaryPeriod is what a salary amount pays for (names:
// "recruiting.salary.period.<period>").
type SalaryPeriod string

// The salary periods.
const (
	PeriodHour  SalaryPeriod = "heure"
	PeriodMonth SalaryPeriod = "mois"
	PeriodYear  SalaryPeriod = "an"
)

// SalaryPeriods lists the periods in display order.
var SalaryPeriods = []SalaryPeriod{PeriodMonth, PeriodYear, PeriodHour}

// Salary is an optional gross salary range, in euros.
type Salary struct {
	Min    *int         `json:"min,omitempty"`
	Max    *int         `json:"max,omitempty"`
	Period SalaryPeriod `json:"period,omitempty"`
}

// Set reports whether an amount is given.
func (s *Salary) Set() bool { return s != nil && (s.Min != nil || s.Max != nil) }

// Want is a title or a bloc an offer asks for: Ref is maillage.TitleRef of
// it ("MN" for a whole title, "REMN/REMN-B1" for a bloc), required or
// welcome.
type Want struct {
	Ref      string `json:"ref"`
	Required bool   `json:"required"`
	Label    string `json:"label,omitempty"` // filled by storage
}

// Certification is the code of the title the want is, or belongs to.
func (w Want) Certification() string { c, _, _ := strings.Cut(w.Ref, "/"); return c }

// Bloc is the bloc code of the want ("" for a whole title).
func (w Want) Bloc() string { _, b, _ := strings.Cut(w.Ref, "/"); return b }

// Code is the bloc code, or the title code for a whole title (what people
// read, and what the training path is asked about).
func (w Want) Code() string {
	if b := w.Bloc(); b != "" {
		return b
	}
	return w.Certification()
}

// Offer is a job offer of an employer structure.
type Offer struct {
	ID              int64      `json:"id"`
	StructureID     int64      `json:"structure_id"`
	StructureNom    string     `json:"structure_nom"`
	CreatedBy       int64      `json:"-"`
	TitleFeminine   string     `json:"title_feminine"`
	TitleMasculine  string     `json:"title_masculine"`
	Description     string     `json:"description"`
	CodeInsee       string     `json:"code_insee,omitempty"`
	Commune         string     `json:"commune,omitempty"`
	CodeDepartement string     `json:"code_departement,omitempty"`
	CodeRegion      string     `json:"code_region,omitempty"`
	Latitude        *float64   `json:"latitude,omitempty"`
	Longitude       *float64   `json:"longitude,omitempty"`
	Remote          Remote     `json:"remote"`
	Contract        Contract   `json:"contract"`
	DurationMonths  int        `json:"duration_months,omitempty"`
	HoursPerWeek    int        `json:"hours_per_week"`
	Salary          *Salary    `json:"salary,omitempty"`
	StartOn         *time.Time `json:"start_on,omitempty"` // nil: as soon as possible
	ClosesOn        time.Time  `json:"closes_on"`          // last day to apply
	Wants           []Want     `json:"wants"`
	HowToApply      string     `json:"how_to_apply,omitempty"`
	ApplyURL        string     `json:"apply_url,omitempty"`
	Status          string     `json:"status"`
	PublishedAt     *time.Time `json:"published_at,omitempty"`
	CreatedAt       time.Time  `json:"created_at"`
	UpdatedAt       time.Time  `json:"updated_at"`
	Applications    *int       `json:"applications,omitempty"` // count, for its employers
	// Manage is set when the reader is one of its employers (Offer.CanEdit).
	Manage    bool            `json:"-"`
	Events    []Event         `json:"-"`
	Structure *OfferStructure `json:"-"`
}

// OfferStructure is what an offer page shows of its employer.
type OfferStructure struct {
	Nom, Commune, CodePostal, SiteWeb string
}

// Title is the title in both forms, feminine first (« Médiatrice
// numérique / Médiateur numérique »), or the one form when they are the same.
func (o *Offer) Title() string { return BothForms(o.TitleFeminine, o.TitleMasculine) }

// BothForms joins the feminine and masculine forms of a title.
func BothForms(feminine, masculine string) string {
	switch {
	case feminine == "" || feminine == masculine:
		return masculine
	case masculine == "":
		return feminine
	}
	return feminine + " / " + masculine
}

// Open reports whether the offer takes applications on the day of now:
// published and not past its closing day.
func (o *Offer) Open(now time.Time) bool {
	return o.Status == OfferPublished && !maillage.Today(now).After(o.ClosesOn)
}

// Public reports whether anyone may read the offer: published, filled,
// closed or expired (a draft is its employers' only).
func (o *Offer) Public() bool { return o.Status != OfferDraft }

// Editable reports whether the offer's text may still change.
func (o *Offer) Editable() bool { return o.Status == OfferDraft || o.Status == OfferPublished }

// Required and Welcome split the wants.
func (o *Offer) Required() []Want { return o.wants(true) }

// Welcome lists the wants that are welcome but not required.
func (o *Offer) Welcome() []Want { return o.wants(false) }

func (o *Offer) wants(required bool) []Want {
	var out []Want
	for _, w := range o.Wants {
		if w.Required == required {
			out = append(out, w)
		}
	}
	return out
}

// Employs is the one rule for who acts as the employer of a structure: the
// structure plays the employer role, and the person is an active member of
// it who is its referent or holds the employer role (scoped to that
// structure, or unscoped). s.Members holds the active memberships.
func Employs(u *maillage.User, s *maillage.Structure) bool {
	if u == nil || u.ID == 0 || s == nil || !s.Has(maillage.StructureEmployeur) {
		return false
	}
	member := false
	for _, m := range s.Members {
		if m.UserID != u.ID || m.EndedOn != nil {
			continue
		}
		if m.Role == maillage.MemberReferent {
			return true
		}
		member = true
	}
	if !member {
		return false
	}
	for _, g := range u.Grants {
		if g.Role == maillage.RoleEmployeur && (g.ScopeKind == maillage.ScopeNone ||
			g.ScopeKind == maillage.ScopeStructure && g.ScopeValue == strconv.FormatInt(s.ID, 10)) {
			return true
		}
	}
	return false
}

// CanEdit is the one rule for who writes, publishes and closes an offer,
// reads its applications and ranks candidates for it: an employer of its
// structure (Employs). s is the offer's structure with its active members.
func (o *Offer) CanEdit(u *maillage.User, s *maillage.Structure) bool {
	return s != nil && s.ID == o.StructureID && Employs(u, s)
}

// Bounds of an offer, shared by forms, API and storage.
const (
	MaxTitle       = 120
	MaxDescription = 5000
	MaxHowToApply  = 1000
	MaxURL         = 500
	MaxWants       = 12
	MaxDuration    = 36 // months
	MaxHours       = 48 // per week
	MaxSalary      = 500000
	MaxClosingDays = 366 // how far ahead an offer may close
)

// DateLayout is how dates are written in forms and in the API.
const DateLayout = "2006-01-02"

// MinDay is the earliest day the room reads (ParseDate): year 0 has the
// form YYYY-MM-DD, but PostgreSQL has no year 0, and no start nor
// availability is older than the portal.
var MinDay = time.Date(2000, time.January, 1, 0, 0, 0, 0, time.UTC)

// KeyDay is the message of a day ParseDate does not read.
const KeyDay = "recruiting.day.invalid"

// OfferInput is what an employer writes: the JSON body of POST and PUT
// /api/emploi/offres, whose field paths are also the names of the form's
// inputs (a want is "wants.<ref>").
type OfferInput struct {
	StructureID    int64    `json:"structure_id"`
	TitleFeminine  string   `json:"title_feminine"`
	TitleMasculine string   `json:"title_masculine"`
	Description    string   `json:"description"`
	CodeInsee      string   `json:"code_insee"`
	Remote         Remote   `json:"remote"`
	Contract       Contract `json:"contract"`
	DurationMonths int      `json:"duration_months"`
	HoursPerWeek   int      `json:"hours_per_week"`
	Salary         *Salary  `json:"salary"`
	StartOn        string   `json:"start_on"`  // YYYY-MM-DD, "" as soon as possible
	ClosesOn       string   `json:"closes_on"` // YYYY-MM-DD, last day to apply
	Wants          []Want   `json:"wants"`
	HowToApply     string   `json:"how_to_apply"`
	ApplyURL       string   `json:"apply_url"`
}

// OfferRefs are the codes of the referentials an input names that exist
// (storage fills it inside the transaction that saves).
type OfferRefs struct {
	Communes map[string]bool
	Titles   map[string]bool // maillage.TitleRef: "MN", "REMN/REMN-B1"
}

// Normalize trims the texts of the input.
func (in *OfferInput) Normalize() {
	in.TitleFeminine, in.TitleMasculine = maillage.CleanText(in.TitleFeminine), maillage.CleanText(in.TitleMasculine)
	in.Description = strings.TrimSpace(in.Description)
	in.HowToApply = strings.TrimSpace(in.HowToApply)
	in.ApplyURL = strings.TrimSpace(in.ApplyURL)
	in.CodeInsee = strings.ToUpper(strings.TrimSpace(in.CodeInsee))
	in.StartOn, in.ClosesOn = strings.TrimSpace(in.StartOn), strings.TrimSpace(in.ClosesOn)
	if in.Remote == "" {
		in.Remote = RemoteNone
	}
	if in.Salary != nil && !in.Salary.Set() {
		in.Salary = nil
	}
	for i := range in.Wants {
		in.Wants[i].Ref = strings.TrimSpace(in.Wants[i].Ref)
		in.Wants[i].Label = ""
	}
}

// ParseDate reads a date written YYYY-MM-DD from MinDay on ("" gives
// nil); a problem about it is KeyDay.
func ParseDate(s string) (*time.Time, bool) {
	if s == "" {
		return nil, true
	}
	t, err := time.Parse(DateLayout, s)
	if err != nil || t.Before(MinDay) {
		return nil, false
	}
	return &t, true
}

// Validate is the one rule for an offer, whether it comes from the form,
// the API or the demo: now gives the day the closing date is checked
// against (a closing day in the past is refused).
func (in *OfferInput) Validate(now time.Time, refs OfferRefs) maillage.Problems {
	var ps maillage.Problems
	if in.StructureID <= 0 {
		ps.Add("structure_id", maillage.KeyRequired)
	}
	for _, f := range []struct{ name, v string }{{"title_feminine", in.TitleFeminine}, {"title_masculine", in.TitleMasculine}} {
		if f.v == "" {
			ps.Add(f.name, maillage.KeyRequired)
		}
		maillage.CheckText(&ps, f.name, f.v, MaxTitle, false)
	}
	if in.Description == "" {
		ps.Add("description", maillage.KeyRequired)
	}
	maillage.CheckText(&ps, "description", in.Description, MaxDescription, true)
	if !in.Remote.Valid() {
		ps.Add("remote", maillage.KeyNotInList)
	}
	switch {
	case in.CodeInsee == "" && in.Remote != RemoteFull:
		ps.Add("code_insee", "recruiting.offer.commune.required")
	case in.CodeInsee != "" && !refs.Communes[in.CodeInsee]:
		ps.Add("code_insee", "recruiting.offer.commune.unknown")
	}
	switch {
	case !in.Contract.Valid():
		ps.Add("contract", KeyChooseContract)
	case in.DurationMonths < 0 || in.DurationMonths > MaxDuration:
		ps.Add("duration_months", "recruiting.offer.duration.range", "Max", MaxDuration)
	case in.Contract == ContractCDD && in.DurationMonths == 0:
		ps.Add("duration_months", "recruiting.offer.duration.required")
	case in.Contract == ContractCDI && in.DurationMonths != 0:
		ps.Add("duration_months", "recruiting.offer.duration.cdi")
	case in.Contract == ContractServiceCivique && in.DurationMonths != 0 && (in.DurationMonths < 6 || in.DurationMonths > 12):
		ps.Add("duration_months", "recruiting.offer.duration.civique")
	}
	if in.HoursPerWeek < 1 || in.HoursPerWeek > MaxHours {
		ps.Add("hours_per_week", "recruiting.offer.hours.range", "Max", MaxHours)
	}
	if s := in.Salary; s.Set() {
		for _, f := range []struct {
			name string
			v    *int
		}{{"salary.min", s.Min}, {"salary.max", s.Max}} {
			if f.v != nil && (*f.v < 0 || *f.v > MaxSalary) {
				ps.Add(f.name, "recruiting.offer.salary.range", "Max", MaxSalary)
			}
		}
		if s.Min != nil && s.Max != nil && *s.Min > *s.Max {
			ps.Add("salary.min", "recruiting.offer.salary.order", "Low", *s.Min, "High", *s.Max)
		}
		if !slices.Contains(SalaryPeriods, s.Period) {
			ps.Add("salary.period", "recruiting.offer.salary.period")
		}
	}
	today := maillage.Today(now)
	if _, ok := ParseDate(in.StartOn); !ok {
		ps.Add("start_on", KeyDay, "Year", MinDay.Year())
	}
	closes, ok := ParseDate(in.ClosesOn)
	switch {
	case !ok:
		ps.Add("closes_on", KeyDay, "Year", MinDay.Year())
	case closes == nil:
		ps.Add("closes_on", "recruiting.offer.closes.required")
	case closes.Before(today):
		ps.Add("closes_on", "recruiting.offer.closes.past")
	case closes.After(today.AddDate(0, 0, MaxClosingDays)):
		ps.Add("closes_on", "recruiting.offer.closes.far", "Days", MaxClosingDays)
	}
	if len(in.Wants) > MaxWants {
		ps.Add("wants", maillage.KeyTooMany, "Max", MaxWants)
	}
	seen := map[string]bool{}
	for _, w := range in.Wants {
		field := "wants." + w.Ref
		switch {
		case maillage.HasControl(w.Ref, false) || !refs.Titles[w.Ref]:
			ps.Add(field, "recruiting.offer.want.unknown")
		case seen[w.Ref]:
			ps.Add(field, "recruiting.offer.want.twice")
		}
		seen[w.Ref] = true
	}
	maillage.CheckText(&ps, "how_to_apply", in.HowToApply, MaxHowToApply, true)
	if in.ApplyURL != "" {
		if u, err := url.Parse(in.ApplyURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || len(in.ApplyURL) > MaxURL || maillage.HasControl(in.ApplyURL, false) {
			ps.Add("apply_url", "recruiting.offer.apply_url.invalid")
		}
	}
	return ps
}

// KeyChooseContract is the message of a contract missing or unknown.
const KeyChooseContract = "recruiting.offer.contract.invalid"

// Dates returns the parsed start and closing days of a valid input.
func (in *OfferInput) Dates() (start *time.Time, closes time.Time) {
	start, _ = ParseDate(in.StartOn)
	if c, _ := ParseDate(in.ClosesOn); c != nil {
		closes = *c
	}
	return start, closes
}

// Input returns what an employer would send to write the offer again (the
// form of an existing offer).
func (o *Offer) Input() OfferInput {
	in := OfferInput{StructureID: o.StructureID, TitleFeminine: o.TitleFeminine, TitleMasculine: o.TitleMasculine,
		Description: o.Description, CodeInsee: o.CodeInsee, Remote: o.Remote, Contract: o.Contract,
		DurationMonths: o.DurationMonths, HoursPerWeek: o.HoursPerWeek, Salary: o.Salary,
		ClosesOn: o.ClosesOn.Format(DateLayout), HowToApply: o.HowToApply, ApplyURL: o.ApplyURL}
	if o.StartOn != nil {
		in.StartOn = o.StartOn.Format(DateLayout)
	}
	for _, w := range o.Wants {
		in.Wants = append(in.Wants, Want{Ref: w.Ref, Required: w.Required})
	}
	return in
}

// OfferFilter selects offers.
type OfferFilter struct {
	// Statuses keeps offers in these states (empty: published only).
	Statuses []string
	// StructureIDs keeps the offers of these structures.
	StructureIDs    []int64
	CodeDepartement string
	Contract        Contract
	// OpenOn keeps the offers that take applications that day (published
	// and not past their closing day); zero: no condition.
	OpenOn        time.Time
	IDs           []int64
	Offset, Limit int
}
