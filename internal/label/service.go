package label

import (
	"context"
	"io"
	"time"

	"maillage/internal/maillage"
)

// Dossier is an application as one person may see it: what every side
// sees (the application, its programme, its revisions, its messages and its
// history), and what only reviewers see (assessments, private notes,
// opinions), nil for an applicant.
type Dossier struct {
	App       *Application
	Programme *Programme
	Structure *maillage.Structure
	Kinds     []string
	// Revision is the latest revision; Previous the one before it (the
	// reviewer sees what changed between them).
	Revision  *Revision
	Previous  *Revision
	Revisions []Revision
	Messages  []Message
	History   []Move
	Label     *Label

	// What the viewer is to the application.
	Applicant bool // a referent of the structure
	Reviewer  bool // a reviewer of its programme
	Lead      bool // a lead reviewer of its programme (or an administrator)
	Conflict  bool // the viewer may not review it (conflict of interest)

	// Reviewers only.
	Assessments []Assessment
	Notes       []Note
	Opinions    []Opinion
	Team        []TeamMember // reviewers of the programme (assignment, opinions)
}

// Editable reports whether the applicant may change the answers now (a
// draft, or a revision asked for corrections).
func (d *Dossier) Editable() bool {
	return d.Applicant && (d.App.State == Brouillon || d.App.State == Correction) && !d.Revision.Frozen()
}

// Assessment returns the assessment of an indicator.
func (d *Dossier) Assessment(code string) *Assessment {
	for i := range d.Assessments {
		if d.Assessments[i].Indicator == code {
			return &d.Assessments[i]
		}
	}
	return nil
}

// Move is one recorded transition, with the actor's name.
type Move struct {
	From, To   string
	ActorName  string
	Motivation string
	At         time.Time
}

// TeamMember is a reviewer of a programme.
type TeamMember struct {
	UserID int64  `json:"-"`
	Name   string `json:"nom"`
	Email  string `json:"-"`
	Lead   bool   `json:"responsable"`
}

// Upload is a file sent with a form: its name and content (read at most
// MaxEvidenceSize+1 bytes).
type Upload struct {
	Name string
	Body io.Reader
}

// QueueCounts are the number of applications per tab.
type QueueCounts map[string]int

// Service is the label capability's storage and processing (implemented
// by internal/postgres). Every method takes the acting person and applies
// the rules of this package inside its transaction.
type Service interface {
	Programmes(ctx context.Context) ([]*Programme, error)
	Programme(ctx context.Context, code string) (*Programme, error)

	// Applicant side.
	Start(ctx context.Context, u *maillage.User, structureID int64, programme string) (*Application, error)
	Mine(ctx context.Context, u *maillage.User) ([]*Application, error)
	Eligible(ctx context.Context, u *maillage.User) ([]*maillage.Structure, error)
	Find(ctx context.Context, u *maillage.User, id int64) (*Dossier, error)
	SaveAnswers(ctx context.Context, u *maillage.User, id int64, answers map[string]string) error
	AddFile(ctx context.Context, u *maillage.User, id int64, indicator string, up Upload) (*Evidence, error)
	RemoveFile(ctx context.Context, u *maillage.User, id, fileID int64) error
	Submit(ctx context.Context, u *maillage.User, id int64) error
	File(ctx context.Context, u *maillage.User, fileID int64) (*Evidence, io.ReadCloser, error)
	PostMessage(ctx context.Context, u *maillage.User, id int64, text string, files []Upload) error

	// Reviewer side.
	Queue(ctx context.Context, f Filter) ([]*Application, int, error)
	Counts(ctx context.Context, u *maillage.User) (QueueCounts, error)
	Assign(ctx context.Context, u *maillage.User, ids []int64, reviewerID int64) (*BulkResult, error)
	Unassign(ctx context.Context, u *maillage.User, id, reviewerID int64) error
	Move(ctx context.Context, u *maillage.User, id int64, to, motivation string) error
	Bulk(ctx context.Context, u *maillage.User, action string, ids []int64, reviewerID int64, motivation string) (*BulkResult, error)
	Assess(ctx context.Context, u *maillage.User, id int64, as []Assessment) error
	AddNote(ctx context.Context, u *maillage.User, id int64, text string) error
	AskOpinion(ctx context.Context, u *maillage.User, id, reviewerID int64, question string, confidential bool) error
	AnswerOpinion(ctx context.Context, u *maillage.User, opinionID int64, answer string) (applicationID int64, err error)
	RemindOpinion(ctx context.Context, u *maillage.User, opinionID int64) (applicationID int64, err error)
	Team(ctx context.Context, u *maillage.User, programme string) ([]TeamMember, error)
	SetLead(ctx context.Context, u *maillage.User, programme string, userID int64, lead bool) error
	DeclareTie(ctx context.Context, u *maillage.User, structureID int64, reason string) error

	// Exports: rows at once, or a background export announced by mail
	// (large ones: it returns its id).
	Export(ctx context.Context, f Filter, cols []string) ([]ExportRow, int, error)
	StartExport(ctx context.Context, f Filter, cols []string, format string) (int64, error)
	ExportFile(ctx context.Context, u *maillage.User, id int64) (format string, body io.ReadCloser, err error)

	// Labels.
	Labels(ctx context.Context, structureID int64) ([]*Label, error)
	Label(ctx context.Context, id int64) (*Label, error)
	Register(ctx context.Context, departement string, offset, limit int) ([]*Label, int, error)
	Withdraw(ctx context.Context, u *maillage.User, labelID int64, reason string) error
}
