package mentoring

import (
	"context"
	"time"

	"maillage/internal/maillage"
)

// RequestFilter selects requests: those a person sent (MenteeID) or
// received (MentorID), in a status ("" any).
type RequestFilter struct {
	MenteeID, MentorID int64
	Status             string
	Limit              int
}

// Pause is a mentor's pause: since when, and until which day (nil: until
// they resume).
type Pause struct {
	Since time.Time
	Until *time.Time
}

// Notification is a dashboard notice of a mentoring event.
type Notification struct {
	ID        int64
	Kind      string
	OtherName string
	RequestID *int64
	PairingID *int64
	CreatedAt time.Time
}

// NotificationKinds are the events told on the dashboard (and by mail):
// names "mentoring.notice.<kind>".
var NotificationKinds = []string{"request_received", "request_proposed", "request_accepted", "request_declined", "request_expiring",
	"request_expired", "request_cancelled", "pairing_ended"}

// Territory is a département or a région a coordinator may choose (the
// zero Territory is the whole country).
type Territory struct {
	Kind string // maillage.ScopeDepartement or maillage.ScopeRegion
	Code string
	Nom  string
}

// Scope returns the scope of the territory.
func (t Territory) Scope() Scope {
	switch t.Kind {
	case maillage.ScopeDepartement:
		return Scope{Departement: t.Code}
	case maillage.ScopeRegion:
		return Scope{Region: t.Code}
	}
	return Scope{}
}

// Proposals are the optimal matching of a scope, with who is who.
type Proposals struct {
	Result  *Result
	Mentees map[int64]Lonely    // by user id
	Mentors map[int64]Candidate // by user id
	// Alone is how many conseillers of the scope have no mentor and a
	// commune; Offering how many mentors with a free place are within
	// reach of at least one of them (Instance: every mentor with a place
	// of their territories).
	Alone, Offering int
}

// Refusal is a confirmed proposal that could not become a request, and why.
type Refusal struct {
	Pair    Pair
	Problem maillage.Problem
}

// Service is the mentoring capability as the web layer uses it
// (internal/postgres.MentoringService implements it).
type Service interface {
	FindMentors(ctx context.Context, userID int64, q Query) (ranked []Ranked, themes []string, located bool, err error)
	SendRequest(ctx context.Context, menteeID int64, in RequestInput, lang string) (*Request, error)
	CancelRequest(ctx context.Context, menteeID, id int64) (*Request, error)
	AnswerRequest(ctx context.Context, mentorID, id int64, in AnswerInput, lang string) (*Request, error)
	FindRequest(ctx context.Context, viewer maillage.Viewer, id int64) (*Request, error)
	FindRequests(ctx context.Context, f RequestFilter) ([]*Request, error)
	FindPairing(ctx context.Context, viewer maillage.Viewer, id int64) (*Pairing, error)
	FindPairings(ctx context.Context, userID int64) ([]*Pairing, error)
	EndPairing(ctx context.Context, userID, id int64, in EndInput, lang string) (*Pairing, error)
	FindMeetings(ctx context.Context, viewer maillage.Viewer, pairingID int64) ([]*Meeting, error)
	LogMeeting(ctx context.Context, userID, pairingID int64, in MeetingInput) (*Meeting, error)
	FindPause(ctx context.Context, userID int64) (*Pause, error)
	PauseMentor(ctx context.Context, userID int64, in PauseInput) error
	ResumeMentor(ctx context.Context, userID int64) error
	FindNotifications(ctx context.Context, userID int64) ([]Notification, error)
	MarkRead(ctx context.Context, userID int64, kinds ...string) error

	Scopes(ctx context.Context, u *maillage.User) ([]Territory, error)
	CheckScope(ctx context.Context, u *maillage.User, sc Scope) (nom string, err error)
	Coverage(ctx context.Context, viewer maillage.Viewer, sc Scope) ([]Coverage, error)
	RegionCoverage(ctx context.Context, viewer maillage.Viewer) ([]Coverage, error)
	Lonely(ctx context.Context, u *maillage.User, sc Scope) ([]Lonely, error)
	Loads(ctx context.Context, u *maillage.User, sc Scope) ([]Load, error)
	Waiting(ctx context.Context, u *maillage.User, sc Scope) ([]*Request, error)
	Propose(ctx context.Context, u *maillage.User, sc Scope) (*Proposals, error)
	ConfirmProposals(ctx context.Context, u *maillage.User, sc Scope, pairs []Pair, lang string) ([]*Request, []Refusal, error)
}

// UntilDay is the last day of the pause (zero when open-ended).
func (p *Pause) UntilDay() time.Time {
	if p == nil || p.Until == nil {
		return time.Time{}
	}
	return *p.Until
}
