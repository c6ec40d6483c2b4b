package recruiting

import (
	"bytes"
	"path"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"maillage/internal/maillage"
)

// Application is a person's application to an offer. The candidate's
// address is shown to the offer's employers: applying sends it to them (the
// form says so).
type Application struct {
	ID             int64     `json:"id"`
	OfferID        int64     `json:"offer_id"`
	OfferTitle     string    `json:"offer_title"`
	OfferStatus    string    `json:"offer_status"`
	StructureID    int64     `json:"structure_id"`
	StructureNom   string    `json:"structure_nom"`
	UserID         int64     `json:"-"`
	ProfileID      *int64    `json:"profile_id,omitempty"`
	CandidateName  string    `json:"candidate_name"`
	CandidateEmail string    `json:"candidate_email,omitempty"`
	Message        string    `json:"message"`
	Status         string    `json:"status"`
	CV             *CV       `json:"cv,omitempty"`
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`
	Events         []Event   `json:"history"`
}

// CV is a PDF file joined to an application, stored outside the web root
// and served only to the candidate and the offer's employers.
type CV struct {
	Name   string `json:"name"`
	Size   int    `json:"size"`
	SHA256 string `json:"sha256"`
}

// Final reports whether the application can no longer move.
func (a *Application) Final() bool { return ApplicationMachine.Final(a.Status) }

// CanMove is the one rule for who moves an application to state to: the
// candidate only withdraws it; the offer's employers (Offer.CanEdit) move
// it to every other state. Whether the move is allowed from the current
// state is ApplicationMachine's to say.
func CanMove(to string, employer, candidate bool) bool {
	switch to {
	case ApplicationWithdrawn:
		return candidate
	case ApplicationSent, "":
		return false
	}
	return employer && slices.Contains(ApplicationMachine.States, to)
}

// EmployerMoves lists the states an employer may move an application in
// state from to, in display order.
func EmployerMoves(from string) []string {
	var out []string
	for _, to := range ApplicationMachine.Next[from] {
		if CanMove(to, true, false) {
			out = append(out, to)
		}
	}
	return out
}

// Bounds of applications and contacts.
const (
	MaxMessage    = 3000
	MaxCVBytes    = 5 << 20 // 5 Mo
	MaxCVName     = 120
	MaxMotivation = 1000
)

// ApplicationInput is what a candidate sends with an application (the
// JSON body of POST /api/emploi/offres/{id}/candidatures; the form also
// holds the CV file, field "cv").
type ApplicationInput struct {
	Message string `json:"message"`
}

// Validate is the one rule for an application's text.
func (in *ApplicationInput) Validate() maillage.Problems {
	var ps maillage.Problems
	in.Message = strings.TrimSpace(in.Message)
	if in.Message == "" {
		ps.Add("message", "recruiting.application.message.required")
	}
	maillage.CheckText(&ps, "message", in.Message, MaxMessage, true)
	return ps
}

// CVFile is an uploaded CV.
type CVFile struct {
	Name string // as the browser sent it
	Data []byte // at most MaxCVBytes+1 bytes read
}

// IsPDF sniffs the content: a PDF file starts with "%PDF-" (the signature
// of ISO 32000; net/http's DetectContentType reads it the same way). The
// name and the declared type are not trusted.
func IsPDF(data []byte) bool { return bytes.HasPrefix(data, []byte("%PDF-")) }

// Check is the one rule for a CV: not empty, at most MaxCVBytes, a PDF by
// its content. Problems are on the field "cv".
func (f *CVFile) Check() maillage.Problems {
	var ps maillage.Problems
	switch {
	case len(f.Data) == 0:
		ps.Add("cv", "recruiting.cv.empty")
	case len(f.Data) > MaxCVBytes:
		ps.Add("cv", "recruiting.cv.too_large", "Max", MaxCVBytes>>20)
	case !IsPDF(f.Data):
		ps.Add("cv", "recruiting.cv.not_pdf")
	}
	return ps
}

// CleanName is the name a CV is shown and served under: the last element
// of what the browser sent, without control characters, quotes or path
// separators, at most MaxCVName characters, ending in .pdf.
func (f *CVFile) CleanName() string {
	n := strings.ReplaceAll(f.Name, "\\", "/")
	n = path.Base(n)
	n = strings.Map(func(r rune) rune {
		if r == '"' || r == '/' || r == ';' || maillage.HasControl(string(r), false) {
			return -1
		}
		return r
	}, strings.ToValidUTF8(n, ""))
	n = strings.TrimSpace(n)
	if n == "." || n == "" {
		n = "cv.pdf"
	}
	if !strings.HasSuffix(strings.ToLower(n), ".pdf") {
		n += ".pdf"
	}
	for utf8.RuneCountInString(n) > MaxCVName {
		r := []rune(strings.TrimSuffix(n, ".pdf"))
		n = string(r[:MaxCVName-4]) + ".pdf"
	}
	return n
}

// Motivation checks the optional motivation of a move (shown in the
// history to both sides).
func Motivation(ps *maillage.Problems, s string) string {
	s = strings.TrimSpace(s)
	maillage.CheckText(ps, "motivation", s, MaxMotivation, true)
	return s
}

// Contact is an employer's request to talk with a candidate who is open
// to opportunities. Neither address is shown to the other side until the
// candidate accepts: the request, its mail and its pages go through the
// portal.
type Contact struct {
	ID                 int64      `json:"id"`
	StructureID        int64      `json:"structure_id"`
	StructureNom       string     `json:"structure_nom"`
	OfferID            *int64     `json:"offer_id,omitempty"`
	OfferTitle         string     `json:"offer_title,omitempty"`
	EmployerID         int64      `json:"-"`
	EmployerName       string     `json:"employer_name"`
	CandidateID        int64      `json:"-"`
	CandidateProfileID int64      `json:"candidate_profile_id"`
	CandidateName      string     `json:"candidate_name"`
	Message            string     `json:"message"`
	Answer             string     `json:"answer,omitempty"`
	Status             string     `json:"status"`
	CandidateEmail     string     `json:"candidate_email,omitempty"` // only once accepted
	EmployerEmail      string     `json:"employer_email,omitempty"`  // only once accepted
	CreatedAt          time.Time  `json:"created_at"`
	AnsweredAt         *time.Time `json:"answered_at,omitempty"`
}

// Reveal reports whether the addresses may be shown to both sides: the
// candidate accepted the request.
func (c *Contact) Reveal() bool { return c.Status == ContactAccepted }

// Hide removes the addresses unless the candidate accepted: storage calls
// it on every contact it returns.
func (c *Contact) Hide() {
	if !c.Reveal() {
		c.CandidateEmail, c.EmployerEmail = "", ""
	}
}

// ContactInput is what an employer sends to contact a candidate.
type ContactInput struct {
	StructureID int64  `json:"structure_id"`
	ProfileID   int64  `json:"profile_id"`
	OfferID     *int64 `json:"offer_id,omitempty"`
	Message     string `json:"message"`
}

// Validate is the one rule for a contact request's text.
func (in *ContactInput) Validate() maillage.Problems {
	var ps maillage.Problems
	in.Message = strings.TrimSpace(in.Message)
	if in.StructureID <= 0 {
		ps.Add("structure_id", maillage.KeyRequired)
	}
	if in.Message == "" {
		ps.Add("message", "recruiting.contact.message.required")
	}
	maillage.CheckText(&ps, "message", in.Message, MaxMessage, true)
	return ps
}

// ParseAvailability reads the day a candidate is available from
// (field "available_from"; "" clears it).
func ParseAvailability(s string, now time.Time) (*time.Time, maillage.Problems) {
	var ps maillage.Problems
	t, ok := ParseDate(strings.TrimSpace(s))
	switch {
	case !ok:
		ps.Add("available_from", KeyDay, "Year", MinDay.Year())
	case t != nil && t.After(maillage.Today(now).AddDate(2, 0, 0)):
		ps.Add("available_from", "recruiting.availability.far")
	}
	return t, ps
}
