package postgres

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/uptrace/bun"

	"maillage/internal/maillage"
	"maillage/internal/recruiting"
)

// Applications: a person applies to an open offer with a message and an
// optional CV; the offer's employers move the application (seen, interview,
// retained or not), the candidate may withdraw it; both read its history.

type jobApplicationRow struct {
	ID             int64
	OfferID        int64
	OfferTitleF    string `bun:"offer_title_f"`
	OfferTitleM    string `bun:"offer_title_m"`
	OfferStatus    string
	StructureID    int64
	StructureNom   string
	UserID         int64
	ProfileID      *int64
	CandidateName  string
	CandidateEmail *string
	Message        string
	Status         string
	CvFile         *string
	CvName         *string
	CvSize         *int
	CvSha256       *string
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

const jobApplicationSelect = `SELECT a.id, a.offer_id, o.title_feminine AS offer_title_f, o.title_masculine AS offer_title_m,
	o.status AS offer_status, o.structure_id, s.nom AS structure_nom, a.user_id, p.id AS profile_id,
	coalesce(p.display_name, nullif(u.display_name, ''), '') AS candidate_name, u.email AS candidate_email, a.message, a.status,
	a.cv_file, a.cv_name, a.cv_size, a.cv_sha256, a.created_at, a.updated_at
	FROM job_applications a JOIN job_offers o ON o.id = a.offer_id JOIN structures s ON s.id = o.structure_id
	JOIN users u ON u.id = a.user_id LEFT JOIN profiles p ON p.user_id = a.user_id`

func (r *jobApplicationRow) domain() *recruiting.Application {
	a := &recruiting.Application{ID: r.ID, OfferID: r.OfferID, OfferTitle: recruiting.BothForms(r.OfferTitleF, r.OfferTitleM),
		OfferStatus: r.OfferStatus, StructureID: r.StructureID, StructureNom: r.StructureNom, UserID: r.UserID, ProfileID: r.ProfileID,
		CandidateName: r.CandidateName, CandidateEmail: str(r.CandidateEmail), Message: r.Message, Status: r.Status,
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, Events: []recruiting.Event{}}
	if r.CvFile != nil {
		a.CV = &recruiting.CV{Name: str(r.CvName), SHA256: str(r.CvSha256)}
		if r.CvSize != nil {
			a.CV.Size = *r.CvSize
		}
	}
	return a
}

func (s *RecruitingService) applications(ctx context.Context, db bun.IDB, where string, args ...any) ([]*recruiting.Application, []jobApplicationRow, error) {
	var rows []jobApplicationRow
	if err := db.NewRaw(jobApplicationSelect+" WHERE "+where, args...).Scan(ctx, &rows); err != nil {
		return nil, nil, fmt.Errorf("find applications: %w", err)
	}
	out := make([]*recruiting.Application, len(rows))
	for i := range rows {
		out[i] = rows[i].domain()
	}
	return out, rows, nil
}

func (s *RecruitingService) application(ctx context.Context, db bun.IDB, id int64, lock bool) (*recruiting.Application, *jobApplicationRow, error) {
	q := "a.id = ?"
	if lock {
		q += " FOR UPDATE OF a"
	}
	as, rows, err := s.applications(ctx, db, q, id)
	if err != nil {
		return nil, nil, err
	}
	if len(as) == 0 {
		return nil, nil, maillage.Errorf(maillage.ENOTFOUND, "recruiting.application.not_found")
	}
	return as[0], &rows[0], nil
}

// sides tells whether u is an employer of the application's offer and
// whether u is its candidate.
func (s *RecruitingService) sides(ctx context.Context, u *maillage.User, a *recruiting.Application) (employer, candidate bool, err error) {
	if u == nil {
		return false, false, nil
	}
	st, err := s.structs.FindStructureByID(ctx, a.StructureID)
	if err != nil {
		return false, false, err
	}
	o := &recruiting.Offer{StructureID: a.StructureID}
	return o.CanEdit(u, st), a.UserID == u.ID, nil
}

// Apply records an application to an open offer, its CV if any, and the
// mail to the offer's author, in one transaction.
func (s *RecruitingService) Apply(ctx context.Context, u *maillage.User, offerID int64, in recruiting.ApplicationInput, cv *recruiting.CVFile) (*recruiting.Application, error) {
	ps := in.Validate()
	if cv != nil {
		ps.Extend("", cv.Check())
	}
	if err := ps.Err(); err != nil {
		return nil, err
	}
	o, err := s.FindOffer(ctx, u, offerID)
	if err != nil {
		return nil, err
	}
	if !o.Open(s.Now()) {
		return nil, maillage.Errorf(maillage.ECONFLICT, "recruiting.application.closed")
	}
	if o.Manage {
		return nil, maillage.Errorf(maillage.ECONFLICT, "recruiting.application.own")
	}
	twice := maillage.Invalid("message", "recruiting.application.twice")
	var already bool
	if err := s.db.NewRaw("SELECT EXISTS (SELECT 1 FROM job_applications WHERE offer_id = ? AND user_id = ?)", offerID, u.ID).Scan(ctx, &already); err != nil {
		return nil, err
	}
	if already {
		return nil, twice
	}
	var file, sum, name any
	var size any
	if cv != nil {
		f, h, err := s.saveCV(cv.Data)
		if err != nil {
			return nil, err
		}
		file, sum, name, size = f, h, cv.CleanName(), len(cv.Data)
	}
	var id int64
	err = s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		err := tx.NewRaw(`INSERT INTO job_applications (offer_id, user_id, message, cv_file, cv_name, cv_size, cv_sha256)
			VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`, offerID, u.ID, in.Message, file, name, size, sum).Scan(ctx, &id)
		if err != nil {
			if maillage.ErrorCode(translate(err, "")) == maillage.ECONFLICT {
				return twice // applied at the same moment from another tab
			}
			return err
		}
		if err := transition(ctx, tx, recruiting.ApplicationMachine, id, "", recruiting.ApplicationSent, &u.ID, ""); err != nil {
			return err
		}
		name, err := s.nameOf(ctx, tx, u.ID)
		if err != nil {
			return err
		}
		return s.mailUser(ctx, tx, o.CreatedBy, "job_application_received", "recruiting.mail.application.subject", "recruiting.mail.application.body", "/emploi/candidatures/"+itoa64(id),
			"Offer", o.Title(), "Structure", o.StructureNom, "Candidate", name)
	})
	if err != nil {
		if f, ok := file.(string); ok {
			s.removeCV(f)
		}
		return nil, err
	}
	return s.FindApplication(ctx, u, id)
}

func itoa64(n int64) string { return strconv.FormatInt(n, 10) }

// nameOf is how a person is named in mails to others: the name of their
// profile or account, never their address (a person without a name is « a
// member »).
func (s *RecruitingService) nameOf(ctx context.Context, db bun.IDB, userID int64) (string, error) {
	var name string
	err := db.NewRaw(`SELECT coalesce((SELECT display_name FROM profiles WHERE user_id = u.id), nullif(u.display_name, ''), '')
		FROM users u WHERE u.id = ?`, userID).Scan(ctx, &name)
	if err != nil {
		return "", fmt.Errorf("name of user %d: %w", userID, err)
	}
	if name == "" && s.Texts != nil {
		name = s.Texts.T(mailLang, "recruiting.mail.member")
	}
	return name, nil
}

// mailUser enqueues a mail (subject and body from the catalogue, with
// Link) to a user's address, in French (see Texts). A user without an
// address (a deleted account) gets none.
func (s *RecruitingService) mailUser(ctx context.Context, tx bun.IDB, userID int64, kind, subject, body, path string, args ...any) error {
	if userID == 0 {
		return nil
	}
	var email *string
	if err := tx.NewRaw("SELECT email FROM users WHERE id = ?", userID).Scan(ctx, &email); err != nil {
		return fmt.Errorf("recipient of %s: %w", kind, err)
	}
	if email == nil || *email == "" {
		return nil
	}
	if s.Texts == nil {
		return fmt.Errorf("mail %s: no texts", kind)
	}
	args = append(args, "Link", s.BaseURL+path)
	return EnqueueMail(ctx, tx, &maillage.Mail{To: *email, Kind: kind, Lang: mailLang,
		Subject: s.Texts.T(mailLang, subject, args...), Text: s.Texts.T(mailLang, body, args...)})
}

// FindApplication returns an application with its history to its
// candidate and the offer's employers (ENOTFOUND for anyone else). An
// employer opening a sent application marks it seen.
func (s *RecruitingService) FindApplication(ctx context.Context, u *maillage.User, id int64) (*recruiting.Application, error) {
	a, _, err := s.application(ctx, s.db.DB, id, false)
	if err != nil {
		return nil, err
	}
	employer, candidate, err := s.sides(ctx, u, a)
	if err != nil {
		return nil, err
	}
	if !employer && !candidate {
		return nil, maillage.Errorf(maillage.ENOTFOUND, "recruiting.application.not_found")
	}
	if employer && a.Status == recruiting.ApplicationSent {
		err := s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
			res, err := tx.NewRaw("UPDATE job_applications SET status = 'vue', updated_at = now() WHERE id = ? AND status = 'envoyee'", id).Exec(ctx)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return nil // seen meanwhile
			}
			return transition(ctx, tx, recruiting.ApplicationMachine, id, recruiting.ApplicationSent, recruiting.ApplicationSeen, &u.ID, "")
		})
		if err != nil {
			return nil, err
		}
		a.Status = recruiting.ApplicationSeen
	}
	if a.Events, err = events(ctx, s.db.DB, recruiting.ApplicationMachine.Name, id); err != nil {
		return nil, err
	}
	return a, nil
}

// FindApplications lists the applications of an offer (for its
// employers) or u's own, newest first.
func (s *RecruitingService) FindApplications(ctx context.Context, u *maillage.User, f recruiting.ApplicationFilter) ([]*recruiting.Application, error) {
	if u == nil {
		return nil, maillage.Errorf(maillage.EUNAUTHORIZED, "error.signin_required")
	}
	var out []*recruiting.Application
	var err error
	switch {
	case f.OfferID > 0:
		o, err := s.offer(ctx, s.db.DB, f.OfferID, false)
		if err != nil {
			return nil, err
		}
		if err := s.mayManage(ctx, u, o); err != nil {
			return nil, err
		}
		out, _, err = s.applications(ctx, s.db.DB, "a.offer_id = ? ORDER BY a.created_at DESC, a.id DESC", f.OfferID)
		if err != nil {
			return nil, err
		}
	case f.Mine:
		out, _, err = s.applications(ctx, s.db.DB, "a.user_id = ? ORDER BY a.created_at DESC, a.id DESC", u.ID)
		if err != nil {
			return nil, err
		}
	default:
		return nil, nil
	}
	return out, nil
}

// MoveApplication moves an application (CanMove says who may; the machine
// says from where), records the move with its motivation and tells the
// other side by mail.
func (s *RecruitingService) MoveApplication(ctx context.Context, u *maillage.User, id int64, to, motivation string) (*recruiting.Application, error) {
	var ps maillage.Problems
	motivation = recruiting.Motivation(&ps, motivation)
	if err := ps.Err(); err != nil {
		return nil, err
	}
	err := s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		a, _, err := s.application(ctx, tx, id, true)
		if err != nil {
			return err
		}
		employer, candidate, err := s.sides(ctx, u, a)
		if err != nil {
			return err
		}
		if !employer && !candidate {
			return maillage.Errorf(maillage.ENOTFOUND, "recruiting.application.not_found")
		}
		if !recruiting.CanMove(to, employer, candidate) {
			return maillage.Errorf(maillage.EFORBIDDEN, "recruiting.application.forbidden")
		}
		if err := recruiting.ApplicationMachine.Check(a.Status, to); err != nil {
			return err
		}
		if _, err := tx.NewRaw("UPDATE job_applications SET status = ?, updated_at = now() WHERE id = ?", to, id).Exec(ctx); err != nil {
			return err
		}
		if err := transition(ctx, tx, recruiting.ApplicationMachine, id, a.Status, to, &u.ID, motivation); err != nil {
			return err
		}
		link := "/emploi/candidatures/" + itoa64(id)
		if to == recruiting.ApplicationWithdrawn {
			var author int64
			if err := tx.NewRaw("SELECT coalesce(created_by, 0) FROM job_offers WHERE id = ?", a.OfferID).Scan(ctx, &author); err != nil {
				return err
			}
			return s.mailUser(ctx, tx, author, "job_application_withdrawn", "recruiting.mail.withdrawn.subject", "recruiting.mail.withdrawn.body", link,
				"Offer", a.OfferTitle, "Candidate", a.CandidateName)
		}
		if to == recruiting.ApplicationSeen {
			return nil
		}
		return s.mailUser(ctx, tx, a.UserID, "job_application_status", "recruiting.mail.status.subject", "recruiting.mail.status.body", link,
			"Offer", a.OfferTitle, "Structure", a.StructureNom, "Status", s.Texts.T(mailLang, "recruiting.application.status."+to),
			"Motivation", motivation)
	})
	if err != nil {
		return nil, err
	}
	return s.FindApplication(ctx, u, id)
}

// OpenCV opens the CV of an application, for its candidate and the
// offer's employers only.
func (s *RecruitingService) OpenCV(ctx context.Context, u *maillage.User, applicationID int64) (io.ReadCloser, *recruiting.CV, error) {
	a, row, err := s.application(ctx, s.db.DB, applicationID, false)
	if err != nil {
		return nil, nil, err
	}
	employer, candidate, err := s.sides(ctx, u, a)
	if err != nil {
		return nil, nil, err
	}
	if (!employer && !candidate) || a.CV == nil {
		return nil, nil, maillage.Errorf(maillage.ENOTFOUND, "recruiting.cv.not_found")
	}
	f, err := s.openCV(str(row.CvFile))
	if err != nil {
		return nil, nil, fmt.Errorf("open CV of application %d: %w", applicationID, err)
	}
	return f, a.CV, nil
}
