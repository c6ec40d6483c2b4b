package mentoring

import (
	"slices"
	"time"

	"maillage/internal/maillage"
)

// Request states: a mentee asks a mentor, who accepts or declines; an
// unanswered request expires after RequestTTL; the mentee may withdraw it.
const (
	RequestSent      = "envoyee"
	RequestAccepted  = "acceptee"
	RequestDeclined  = "refusee"
	RequestExpired   = "expiree"
	RequestCancelled = "annulee"
)

// RequestMachine is the life of a request.
var RequestMachine = maillage.Machine{
	Name:   "mentoring_request",
	States: []string{RequestSent, RequestAccepted, RequestDeclined, RequestExpired, RequestCancelled},
	Next:   map[string][]string{RequestSent: {RequestAccepted, RequestDeclined, RequestExpired, RequestCancelled}},
}

// Pairing states: an accepted request makes an active pairing, which
// either side ends with a reason.
const (
	PairingActive = "active"
	PairingEnded  = "terminee"
)

// PairingMachine is the life of a pairing.
var PairingMachine = maillage.Machine{
	Name:   "mentoring_pairing",
	States: []string{PairingActive, PairingEnded},
	Next:   map[string][]string{PairingActive: {PairingEnded}},
}

// Bounds of the mentoring rules.
const (
	// MaxOpenRequests is how many requests a mentee may have waiting at once.
	MaxOpenRequests = 3
	// AskAgainAfter is how long after a request a mentee may send the same
	// mentor another one (once the first is cancelled): each request mails
	// the mentor.
	AskAgainAfter = 24 * time.Hour
	// RequestTTL is how long a request waits for an answer.
	RequestTTL = 14 * 24 * time.Hour
	// ReminderBefore is how long before expiry the mentor is reminded.
	ReminderBefore = 3 * 24 * time.Hour
	// MaxMessage bounds the message of a request, an answer, a reason.
	MaxMessage = 2000
	// DefaultMenteeKm is the distance a mentee accepts when they never said
	// (the matching uses it for mentees without any request).
	DefaultMenteeKm = 40
)

// Person is one side of a request or a pairing, as the other side and the
// coordinator see it: the public profile id and the name.
type Person struct {
	UserID    int64  `json:"-"`
	ProfileID int64  `json:"profile_id"`
	Name      string `json:"name"`
	// Departement and Region are the person's territory (codes).
	Departement string `json:"departement,omitempty"`
	Region      string `json:"-"`
}

// Request is a mentee's request to a mentor.
type Request struct {
	ID      int64  `json:"id"`
	Mentee  Person `json:"mentee"`
	Mentor  Person `json:"mentor"`
	Status  string `json:"status"`
	Message string `json:"message"`
	// Answer is the mentor's message with the acceptance or the refusal.
	Answer string `json:"answer,omitempty"`
	// MaxKm and Remote are the distance the mentee accepted (MaxKm 0:
	// remote only).
	MaxKm      int      `json:"max_km"`
	Remote     bool     `json:"remote"`
	DistanceKm *float64 `json:"distance_km,omitempty"`
	// ProposedBy is the coordinator who proposed the pair (nil when the
	// mentee asked).
	ProposedBy *int64     `json:"-"`
	Proposed   bool       `json:"proposed"`
	CreatedAt  time.Time  `json:"created_at"`
	ExpiresAt  time.Time  `json:"expires_at"`
	AnsweredAt *time.Time `json:"answered_at,omitempty"`
	PairingID  *int64     `json:"pairing_id,omitempty"`
}

// Open reports whether the request waits for an answer.
func (r *Request) Open() bool { return r.Status == RequestSent }

// Involves reports whether the viewer is one side of the request.
func (r *Request) Involves(v maillage.Viewer) bool {
	return v.UserID != 0 && (v.UserID == r.Mentee.UserID || v.UserID == r.Mentor.UserID)
}

// CanAnswer is the one rule for accepting or declining: the mentor alone.
func (r *Request) CanAnswer(v maillage.Viewer) bool {
	return v.UserID != 0 && v.UserID == r.Mentor.UserID
}

// CanCancel is the one rule for withdrawing: the mentee alone.
func (r *Request) CanCancel(v maillage.Viewer) bool {
	return v.UserID != 0 && v.UserID == r.Mentee.UserID
}

// Pairing is a mentee and a mentor working together.
type Pairing struct {
	ID        int64      `json:"id"`
	RequestID *int64     `json:"request_id,omitempty"`
	Mentee    Person     `json:"mentee"`
	Mentor    Person     `json:"mentor"`
	Status    string     `json:"status"`
	StartedAt time.Time  `json:"started_at"`
	EndedAt   *time.Time `json:"ended_at,omitempty"`
	EndReason string     `json:"end_reason,omitempty"`
	Meetings  int        `json:"meetings"`
}

// Active reports whether the pairing goes on.
func (p *Pairing) Active() bool { return p.Status == PairingActive }

// Involves is the one rule for who sees a pairing, its meetings and their
// notes: its mentee and its mentor, nobody else (coordinators see counts).
func (p *Pairing) Involves(v maillage.Viewer) bool {
	return v.UserID != 0 && (v.UserID == p.Mentee.UserID || v.UserID == p.Mentor.UserID)
}

// CanValidate is the one rule for validating a competency of the mentee:
// the mentor of an active pairing.
func (p *Pairing) CanValidate(v maillage.Viewer) bool {
	return p.Active() && v.UserID != 0 && v.UserID == p.Mentor.UserID
}

// Other returns the side of the pairing that is not the viewer.
func (p *Pairing) Other(v maillage.Viewer) Person {
	if v.UserID == p.Mentee.UserID {
		return p.Mentor
	}
	return p.Mentee
}

// RequestInput is what a mentee sends (the JSON body of POST
// /api/mentorat/demandes; the same names in the form).
type RequestInput struct {
	MentorID int64  `json:"mentor_id"` // the mentor's profile id
	Message  string `json:"message"`
	MaxKm    int    `json:"max_km"` // 5, 10, 15, 20, 40, 100, or 0 for remote only
	Remote   bool   `json:"remote"`
}

// Normalize trims the message.
func (in *RequestInput) Normalize() { in.Message = trimMessage(in.Message) }

// Validate checks the input alone (what storage finds is checked by
// CheckRequest).
func (in *RequestInput) Validate() maillage.Problems {
	var ps maillage.Problems
	if in.MentorID <= 0 {
		ps.Add("mentor_id", "mentoring.request.mentor.unknown")
	}
	if in.MaxKm != 0 && !slices.Contains(maillage.MentorRadii, in.MaxKm) {
		ps.Add("max_km", "mentoring.request.max_km.invalid")
	} else if in.MaxKm == 0 && !in.Remote {
		ps.Add("max_km", "mentoring.request.max_km.invalid")
	}
	maillage.CheckText(&ps, "message", in.Message, MaxMessage, true)
	return ps
}

// RequestContext is what storage reads, under lock, before a request is
// sent: the two people and what already binds them.
type RequestContext struct {
	// Mentee and Mentor as the matching sees them: Mentee.MaxKm and
	// Remote are the request's, Mentor.Capacity is the places left.
	Mentee Mentee
	Mentor Mentor
	// MenteeUserID and MentorUserID are the two accounts.
	MenteeUserID, MentorUserID int64
	// MenteeLocated and MentorLocated: each has a commune.
	MenteeLocated, MentorLocated bool
	// MentorOffers: the mentor offers mentoring (available on their
	// profile, visible to the mentee); MentorPaused: on pause.
	MentorOffers, MentorPaused bool
	// OpenRequests counts the mentee's requests waiting for an answer.
	OpenRequests int
	// Pending: a request of this pair waits already; Paired: they work
	// together already; Refused: the mentor declined this mentee before,
	// or a pairing of theirs ended (the matching forbids such pairs too).
	Pending, Paired, Refused bool
	// AskedRecently: the mentee sent this mentor a request less than
	// AskAgainAfter ago (cancelled since).
	AskedRecently bool
	// ByCoordinator: a coordinator confirmed the pair; the limit of open
	// requests, which protects mentors from a mentee's many requests, does
	// not apply to a coordinator's assignment.
	ByCoordinator bool
}

// CheckRequest is the one rule for sending a request, whether the mentee
// asks from the list, from a profile, through the API, or a coordinator
// confirms a proposal. Problems name the input fields: "mentor_id" for
// everything about the mentor, "max_km" for the distance. The first rule
// broken is the one reported.
func CheckRequest(c RequestContext) maillage.Problems {
	var ps maillage.Problems
	switch {
	case c.MenteeUserID == c.MentorUserID:
		ps.Add("mentor_id", "mentoring.request.self")
	case !c.MentorOffers:
		ps.Add("mentor_id", "mentoring.request.not_mentor")
	case c.MentorPaused:
		ps.Add("mentor_id", "mentoring.request.paused")
	case c.Paired:
		ps.Add("mentor_id", "mentoring.request.paired")
	case c.Pending:
		ps.Add("mentor_id", "mentoring.request.twice")
	case c.Refused:
		ps.Add("mentor_id", "mentoring.request.refused_before")
	case c.AskedRecently && !c.ByCoordinator:
		ps.Add("mentor_id", "mentoring.request.again_soon")
	case c.Mentor.Capacity <= 0:
		ps.Add("mentor_id", "mentoring.request.full")
	case !c.ByCoordinator && c.OpenRequests >= MaxOpenRequests:
		ps.Add("mentor_id", "mentoring.request.too_many", "Count", MaxOpenRequests)
	case !c.MenteeLocated:
		ps.Add("mentor_id", "mentoring.request.no_commune")
	case !c.MentorLocated:
		ps.Add("mentor_id", "mentoring.request.mentor_no_commune")
	case c.Mentee.Territory != c.Mentor.Territory:
		ps.Add("mentor_id", "mentoring.request.other_territory")
	default:
		if _, ok := Evaluate(c.Mentee, c.Mentor, 0); !ok && (c.Mentee.MaxKm <= 0 || c.Mentor.RadiusKm <= 0) {
			ps.Add("max_km", "mentoring.request.not_remote")
		} else if !ok {
			limit := c.Mentor.RadiusKm
			if c.Mentee.MaxKm > 0 {
				limit = min(limit, c.Mentee.MaxKm)
			}
			ps.Add("max_km", "mentoring.request.too_far", "Km", limit)
		}
	}
	return ps
}

// AnswerInput is the mentor's answer (POST /api/mentorat/demandes/{id}/reponse).
type AnswerInput struct {
	Accept  bool   `json:"accept"`
	Message string `json:"message"`
}

// Validate checks an answer; placesLeft are the mentor's places (an
// acceptance needs one).
func (in *AnswerInput) Validate(placesLeft int) maillage.Problems {
	in.Message = trimMessage(in.Message)
	var ps maillage.Problems
	maillage.CheckText(&ps, "message", in.Message, MaxMessage, true)
	if in.Accept && placesLeft <= 0 {
		ps.Add("accept", "mentoring.answer.full")
	}
	return ps
}

// EndInput ends a pairing (POST /api/mentorat/binomes/{id}/fin).
type EndInput struct {
	Reason string `json:"reason"`
}

// Validate checks the reason: it is required.
func (in *EndInput) Validate() maillage.Problems {
	in.Reason = trimMessage(in.Reason)
	var ps maillage.Problems
	if in.Reason == "" {
		ps.Add("reason", "mentoring.end.reason.required")
	}
	maillage.CheckText(&ps, "reason", in.Reason, MaxMessage, true)
	return ps
}

// PauseInput pauses a mentor's availability until a day (nil: until they
// resume).
type PauseInput struct {
	Until *time.Time `json:"until"`
}

// Validate checks that the end of the pause is after today (Paris).
func (in *PauseInput) Validate(now time.Time) maillage.Problems {
	var ps maillage.Problems
	if in.Until != nil && !in.Until.After(maillage.Today(now)) {
		ps.Add("until", "mentoring.pause.until.past")
	}
	return ps
}

func trimMessage(s string) string {
	// Keep line breaks, trim the ends.
	start, end := 0, len(s)
	for start < end && (s[start] == ' ' || s[start] == '\n' || s[start] == '\r' || s[start] == '\t') {
		start++
	}
	for end > start && (s[end-1] == ' ' || s[end-1] == '\n' || s[end-1] == '\r' || s[end-1] == '\t') {
		end--
	}
	return s[start:end]
}

// EndedOn is when the pairing ended (zero while active).
func (p *Pairing) EndedOn() time.Time {
	if p.EndedAt == nil {
		return time.Time{}
	}
	return *p.EndedAt
}
