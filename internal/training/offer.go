// Package training holds the training offers of training bodies, their
// sessions, and the pure rules around them: validation, the training path
// (which sessions cover the blocs a person misses), the file formats LHEO
// (offers), RNCP open data (certifications) and iCalendar (sessions). It
// reads no database and no clock: callers pass what it needs, `now` included.
package training

import (
	"net/mail"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"maillage/internal/maillage"
)

// Modality says how an offer is taught.
type Modality string

// The modalities of an offer.
const (
	ModalityPresentiel Modality = "presentiel" // on site
	ModalityDistanciel Modality = "distanciel" // remote
	ModalityHybride    Modality = "hybride"    // both
)

// Modalities lists the modalities in display order.
var Modalities = []Modality{ModalityPresentiel, ModalityDistanciel, ModalityHybride}

// Valid reports whether m is a known modality.
func (m Modality) Valid() bool { return slices.Contains(Modalities, m) }

// Funding is a way an offer can be paid for.
type Funding string

// The fundings of an offer.
const (
	FundingCPF           Funding = "cpf"            // compte personnel de formation
	FundingOPCO          Funding = "opco"           // opérateur de compétences
	FundingFranceTravail Funding = "france_travail" // France Travail
	FundingRegion        Funding = "region"         // conseil régional
	FundingAutre         Funding = "autre"          // any other
)

// Fundings lists the fundings in display order.
var Fundings = []Funding{FundingCPF, FundingOPCO, FundingFranceTravail, FundingRegion, FundingAutre}

// Valid reports whether f is a known funding.
func (f Funding) Valid() bool { return slices.Contains(Fundings, f) }

// RegistrationState says whether one can still register to a session.
type RegistrationState string

// The registration states of a session.
const (
	RegistrationOpen   RegistrationState = "ouverte"  // registrations open
	RegistrationFull   RegistrationState = "complete" // no seat left
	RegistrationClosed RegistrationState = "fermee"   // registrations closed
)

// RegistrationStates lists the states in display order.
var RegistrationStates = []RegistrationState{RegistrationOpen, RegistrationFull, RegistrationClosed}

// Valid reports whether s is a known state.
func (s RegistrationState) Valid() bool { return slices.Contains(RegistrationStates, s) }

// Bounds of the fields, in characters (runes). Title and description follow
// the rest of the portal; the others fit the LHEO elements they are
// exported to, so an export never cuts them.
const (
	MaxTitle          = 200
	MaxDescription    = 5000
	MaxObjectives     = 3000 // objectif-formation
	MaxContactName    = 50   // coordonnees/nom
	MaxEmail          = 160  // courriel
	MaxPhone          = 25   // numtel
	MaxURL            = 400  // urlweb
	MaxAddress        = 200  // up to 4 lines of 50 characters (adresse/ligne)
	MaxAddressLines   = 4
	MaxAddressLine    = 50
	MaxCity           = 50 // ville
	MaxCertifications = 5  // formation/certification
	MaxBlocs          = 50
	MaxHours          = 100000
	MaxPriceCents     = 999999999 // prix-total-TTC holds at most 10 characters: 9999999.99
	MaxSeats          = 100000
	MaxSessions       = 500
)

// MinSessionDay is the earliest start or end of a session: PostgreSQL has
// no year 0, which Go's times have (1 January 0001 in Paris is in it).
var MinSessionDay = time.Date(2000, time.January, 1, 0, 0, 0, 0, maillage.Paris)

// Contact is the person to ask about an offer.
type Contact struct {
	Name  string `json:"name,omitempty"`
	Email string `json:"email,omitempty"`
	Phone string `json:"phone,omitempty"`
}

// Offer is a training offer of a training body: what it teaches, towards
// which certifications and blocs, how, for how long, at what price.
type Offer struct {
	ID             int64      `json:"id"`
	StructureID    int64      `json:"structure_id"` // the training body
	Title          string     `json:"title"`
	Description    string     `json:"description"`
	Objectives     string     `json:"objectives"`
	Certifications []string   `json:"certifications"` // certification codes (maillage.Certification.Code)
	Blocs          []string   `json:"blocs"`          // bloc codes prepared, each of one of Certifications
	Modality       Modality   `json:"modality"`
	Hours          int        `json:"hours"`       // 0: unknown
	PriceCents     int64      `json:"price_cents"` // all taxes included; 0: free or unknown
	Funding        []Funding  `json:"funding"`
	Contact        Contact    `json:"contact"`
	Sessions       []*Session `json:"sessions,omitempty"`
	CreatedAt      time.Time  `json:"created_at"`
	UpdatedAt      time.Time  `json:"updated_at"`
}

// Place is where a session happens: a commune and an address, or remote.
type Place struct {
	Remote    bool   `json:"remote"`
	CodeInsee string `json:"code_insee,omitempty"`
	Postcode  string `json:"postcode,omitempty"`
	City      string `json:"city,omitempty"`
	Address   string `json:"address,omitempty"` // street lines, separated by "\n"
}

// Session is one run of an offer, with its dates and place. A past session
// stays (shown as past), it is never deleted.
type Session struct {
	ID              int64             `json:"id"`
	OfferID         int64             `json:"offer_id"`
	Start           time.Time         `json:"start"`
	End             time.Time         `json:"end"`
	Place           Place             `json:"place"`
	Seats           int               `json:"seats"`      // 0: unknown
	SeatsLeft       int               `json:"seats_left"` // at most Seats
	Registration    RegistrationState `json:"registration"`
	RegistrationURL string            `json:"registration_url,omitempty"`
}

// Past reports whether the session has started at now.
func (s *Session) Past(now time.Time) bool { return !s.Start.After(now) }

// Validate checks an offer and its sessions. Field paths are those of the
// JSON body ("title", "blocs.2", "sessions.0.end"). With a nil index the
// certification and bloc codes are not checked against the referential.
func (o *Offer) Validate(ix *CertIndex) maillage.Problems {
	var ps maillage.Problems
	checkText(&ps, "title", o.Title, MaxTitle, true, false)
	checkText(&ps, "description", o.Description, MaxDescription, false, true)
	checkText(&ps, "objectives", o.Objectives, MaxObjectives, true, true)

	if len(o.Certifications) > MaxCertifications {
		ps.Add("certifications", KeyTooMany, "Count", len(o.Certifications), "Max", MaxCertifications)
	}
	for i, code := range o.Certifications {
		field := "certifications." + strconv.Itoa(i)
		switch {
		case slices.Contains(o.Certifications[:i], code):
			ps.Add(field, KeyDuplicate, "Code", code)
		case ix != nil && ix.Certification(code) == nil:
			ps.Add(field, KeyUnknownCertification, "Code", code)
		}
	}
	if len(o.Blocs) > MaxBlocs {
		ps.Add("blocs", KeyTooMany, "Count", len(o.Blocs), "Max", MaxBlocs)
	}
	for i, code := range o.Blocs {
		field := "blocs." + strconv.Itoa(i)
		if slices.Contains(o.Blocs[:i], code) {
			ps.Add(field, KeyDuplicate, "Code", code)
			continue
		}
		if ix == nil {
			continue
		}
		b := ix.Bloc(code)
		switch {
		case b == nil:
			ps.Add(field, KeyUnknownBloc, "Code", code)
		case !slices.Contains(o.Certifications, b.CertificationCode):
			ps.Add(field, KeyBlocOtherCertification, "Code", code, "Certification", b.CertificationCode)
		}
	}

	if !o.Modality.Valid() {
		ps.Add("modality", KeyChoice)
	}
	switch {
	case o.Hours < 0:
		ps.Add("hours", KeyNegative)
	case o.Hours > MaxHours:
		ps.Add("hours", KeyTooLarge, "Max", MaxHours)
	}
	switch {
	case o.PriceCents < 0:
		ps.Add("price_cents", KeyNegative)
	case o.PriceCents > MaxPriceCents:
		ps.Add("price_cents", KeyTooLarge, "Max", MaxPriceCents)
	}
	for i, f := range o.Funding {
		field := "funding." + strconv.Itoa(i)
		if !f.Valid() {
			ps.Add(field, KeyChoice)
		} else if slices.Contains(o.Funding[:i], f) {
			ps.Add(field, KeyDuplicate, "Code", string(f))
		}
	}
	ps.Extend("contact.", o.Contact.Validate())

	if len(o.Sessions) > MaxSessions {
		ps.Add("sessions", KeyTooMany, "Count", len(o.Sessions), "Max", MaxSessions)
	}
	for i, s := range o.Sessions {
		ps.Extend("sessions."+strconv.Itoa(i)+".", s.Validate())
	}
	return ps
}

// Validate checks a contact: every field is optional.
func (c Contact) Validate() maillage.Problems {
	var ps maillage.Problems
	checkText(&ps, "name", c.Name, MaxContactName, false, false)
	if c.Email != "" {
		if a, err := mail.ParseAddress(c.Email); err != nil || a.Address != c.Email || utf8.RuneCountInString(c.Email) > MaxEmail {
			ps.Add("email", KeyEmail)
		}
	}
	if c.Phone != "" && !validPhone(c.Phone) {
		ps.Add("phone", KeyPhone)
	}
	return ps
}

// Validate checks a session: dates in order, seats, place, registration.
func (s *Session) Validate() maillage.Problems {
	var ps maillage.Problems
	switch {
	case s.Start.IsZero():
		ps.Add("start", KeyRequired)
	case s.Start.Before(MinSessionDay):
		ps.Add("start", KeyTooEarly, "Year", MinSessionDay.Year())
	}
	switch {
	case s.End.IsZero():
		ps.Add("end", KeyRequired)
	case !s.Start.IsZero() && s.End.Before(s.Start):
		ps.Add("end", KeyEndBeforeStart)
	case s.End.Before(MinSessionDay):
		ps.Add("end", KeyTooEarly, "Year", MinSessionDay.Year())
	}
	switch {
	case s.Seats < 0:
		ps.Add("seats", KeyNegative)
	case s.Seats > MaxSeats:
		ps.Add("seats", KeyTooLarge, "Max", MaxSeats)
	}
	switch {
	case s.SeatsLeft < 0:
		ps.Add("seats_left", KeyNegative)
	case s.SeatsLeft > s.Seats && s.Seats >= 0:
		ps.Add("seats_left", KeySeatsLeftOverSeats, "Seats", s.Seats)
	}
	if !s.Registration.Valid() {
		ps.Add("registration", KeyChoice)
	}
	if s.RegistrationURL != "" && !validURL(s.RegistrationURL) {
		ps.Add("registration_url", KeyURL)
	}
	ps.Extend("place.", s.Place.Validate())
	return ps
}

// Validate checks a place: a remote place needs nothing; another needs its
// commune, postcode and city (the LHEO address requires the last two).
func (p Place) Validate() maillage.Problems {
	var ps maillage.Problems
	if !p.Remote || p.CodeInsee != "" {
		if p.CodeInsee == "" {
			ps.Add("code_insee", KeyRequired)
		} else if !validInsee(p.CodeInsee) {
			ps.Add("code_insee", KeyInsee)
		}
	}
	if !p.Remote || p.Postcode != "" {
		if p.Postcode == "" {
			ps.Add("postcode", KeyRequired)
		} else if !digits(p.Postcode, 5) {
			ps.Add("postcode", KeyPostcode)
		}
	}
	checkText(&ps, "city", p.City, MaxCity, !p.Remote, false)
	checkText(&ps, "address", p.Address, MaxAddress, false, true)
	if !ps.Has("address") && p.Address != "" {
		lines := strings.Split(p.Address, "\n")
		if len(lines) > MaxAddressLines {
			ps.Add("address", KeyAddressLines, "Max", MaxAddressLines, "Width", MaxAddressLine)
		}
		for _, l := range lines {
			if utf8.RuneCountInString(l) > MaxAddressLine || strings.TrimSpace(l) == "" {
				ps.Add("address", KeyAddressLines, "Max", MaxAddressLines, "Width", MaxAddressLine)
			}
		}
	}
	return ps
}

// checkText records the first problem of a text field: required, valid
// UTF-8, no control character (newlines and tabs allowed when multiline),
// at most max characters.
func checkText(ps *maillage.Problems, field, v string, max int, required, multiline bool) {
	if strings.TrimSpace(v) == "" {
		if required {
			ps.Add(field, KeyRequired)
		}
		return
	}
	if !utf8.ValidString(v) {
		ps.Add(field, KeyControl)
		return
	}
	for _, r := range v {
		if multiline && (r == '\n' || r == '\t' || r == '\r') {
			continue
		}
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			ps.Add(field, KeyControl)
			return
		}
	}
	if n := utf8.RuneCountInString(v); n > max {
		ps.Add(field, KeyTooLong, "Count", n, "Max", max)
	}
}

func validURL(s string) bool {
	if utf8.RuneCountInString(s) > MaxURL || strings.ContainsFunc(s, unicode.IsControl) || strings.ContainsAny(s, " \t") {
		return false
	}
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

func validPhone(s string) bool {
	if utf8.RuneCountInString(s) > MaxPhone {
		return false
	}
	n := 0
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
			n++
		case r == '+' && i == 0, r == ' ', r == '.', r == '-':
		default:
			return false
		}
	}
	return n >= 4
}

// validInsee reports whether s looks like an INSEE commune code: 5 digits,
// or 2A/2B followed by 3 digits (Corsica).
func validInsee(s string) bool {
	if len(s) != 5 {
		return false
	}
	if s[0] == '2' && (s[1] == 'A' || s[1] == 'B') {
		return digits(s[2:], 3)
	}
	return digits(s, 5)
}

func digits(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
