package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"maillage/internal/maillage"
	"maillage/internal/recruiting"
)

// Contact requests: an employer writes to a person open to opportunities
// through the portal. The request, its mail and its pages carry no
// address; the addresses are read (and shown to both sides) only once the
// person accepts (Contact.Hide on every contact returned).

type contactRow struct {
	ID                 int64
	StructureID        int64
	StructureNom       string
	OfferID            *int64
	OfferTitleF        *string `bun:"offer_title_f"`
	OfferTitleM        *string `bun:"offer_title_m"`
	EmployerID         int64
	EmployerName       string
	EmployerEmail      *string
	CandidateID        int64
	CandidateProfileID *int64
	CandidateName      string
	CandidateEmail     *string
	Message            string
	Answer             string
	Status             string
	CreatedAt          time.Time
	AnsweredAt         *time.Time
}

const contactSelect = `SELECT k.id, k.structure_id, s.nom AS structure_nom, k.offer_id, o.title_feminine AS offer_title_f,
	o.title_masculine AS offer_title_m, k.employer_id, coalesce(ep.display_name, nullif(eu.display_name, ''), '') AS employer_name,
	CASE WHEN k.status = 'acceptee' THEN eu.email END AS employer_email, k.candidate_id, cp.id AS candidate_profile_id,
	coalesce(cp.display_name, nullif(cu.display_name, ''), '') AS candidate_name,
	CASE WHEN k.status = 'acceptee' THEN cu.email END AS candidate_email, k.message, k.answer, k.status, k.created_at, k.answered_at
	FROM job_contacts k JOIN structures s ON s.id = k.structure_id LEFT JOIN job_offers o ON o.id = k.offer_id
	JOIN users eu ON eu.id = k.employer_id LEFT JOIN profiles ep ON ep.user_id = k.employer_id
	JOIN users cu ON cu.id = k.candidate_id LEFT JOIN profiles cp ON cp.user_id = k.candidate_id`

func (r *contactRow) domain() *recruiting.Contact {
	c := &recruiting.Contact{ID: r.ID, StructureID: r.StructureID, StructureNom: r.StructureNom, OfferID: r.OfferID,
		EmployerID: r.EmployerID, EmployerName: r.EmployerName, EmployerEmail: str(r.EmployerEmail), CandidateID: r.CandidateID,
		CandidateName: r.CandidateName, CandidateEmail: str(r.CandidateEmail), Message: r.Message, Answer: r.Answer,
		Status: r.Status, CreatedAt: r.CreatedAt, AnsweredAt: r.AnsweredAt}
	if r.OfferTitleM != nil {
		c.OfferTitle = recruiting.BothForms(str(r.OfferTitleF), *r.OfferTitleM)
	}
	if r.CandidateProfileID != nil {
		c.CandidateProfileID = *r.CandidateProfileID
	}
	c.Hide()
	return c
}

func (s *RecruitingService) contacts(ctx context.Context, db bun.IDB, where string, args ...any) ([]*recruiting.Contact, error) {
	var rows []contactRow
	if err := db.NewRaw(contactSelect+" WHERE "+where, args...).Scan(ctx, &rows); err != nil {
		return nil, fmt.Errorf("find contacts: %w", err)
	}
	out := make([]*recruiting.Contact, len(rows))
	for i := range rows {
		out[i] = rows[i].domain()
	}
	return out, nil
}

// Contact records an employer's request to a person open to
// opportunities (as the employer may see them) and the mail that tells
// the person, without any address.
func (s *RecruitingService) Contact(ctx context.Context, u *maillage.User, in recruiting.ContactInput) (*recruiting.Contact, error) {
	if err := in.Validate().Err(); err != nil {
		return nil, err
	}
	st, err := s.structs.FindStructureByID(ctx, in.StructureID)
	if err != nil && maillage.ErrorCode(err) != maillage.ENOTFOUND {
		return nil, err
	}
	if !recruiting.Employs(u, st) {
		return nil, maillage.Invalid("structure_id", "recruiting.offer.structure.forbidden")
	}
	view, _, err := s.FindCandidate(ctx, u, in.ProfileID)
	if err != nil {
		return nil, err
	}
	if in.OfferID != nil {
		o, err := s.offer(ctx, s.db.DB, *in.OfferID, false)
		if err != nil || o.StructureID != in.StructureID || !o.Public() {
			return nil, maillage.Invalid("offer_id", "recruiting.contact.offer")
		}
	}
	var id int64
	err = s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		// One request of an employer waits for a person at a time,
		// whatever the structure: anyone may create structures, and each
		// request mails the person.
		var waiting bool
		if err := tx.NewRaw(`SELECT EXISTS (SELECT 1 FROM job_contacts WHERE employer_id = ? AND candidate_id = ? AND structure_id <> ?
			AND status = 'envoyee')`, u.ID, view.UserID, in.StructureID).Scan(ctx, &waiting); err != nil {
			return err
		}
		if waiting {
			return maillage.Invalid("message", "recruiting.contact.pending_yours")
		}
		err := tx.NewRaw(`INSERT INTO job_contacts (structure_id, offer_id, employer_id, candidate_id, message) VALUES (?, ?, ?, ?, ?)
			RETURNING id`, in.StructureID, in.OfferID, u.ID, view.UserID, in.Message).Scan(ctx, &id)
		if err != nil {
			if maillage.ErrorCode(translate(err, "")) == maillage.ECONFLICT {
				return maillage.Invalid("message", "recruiting.contact.pending")
			}
			return err
		}
		if err := transition(ctx, tx, recruiting.ContactMachine, id, "", recruiting.ContactSent, &u.ID, ""); err != nil {
			return err
		}
		name, err := s.nameOf(ctx, tx, u.ID)
		if err != nil {
			return err
		}
		return s.mailUser(ctx, tx, view.UserID, "job_contact_received", "recruiting.mail.contact.subject", "recruiting.mail.contact.body", "/emploi/mes-candidatures",
			"Structure", st.Lieu.Nom, "Employer", name)
	})
	if err != nil {
		return nil, err
	}
	cs, err := s.contacts(ctx, s.db.DB, "k.id = ?", id)
	if err != nil || len(cs) == 0 {
		return nil, err
	}
	return cs[0], nil
}

// FindContacts lists the requests u received, or those sent for the
// structures u employs for, newest first.
func (s *RecruitingService) FindContacts(ctx context.Context, u *maillage.User, f recruiting.ContactFilter) ([]*recruiting.Contact, error) {
	if u == nil {
		return nil, maillage.Errorf(maillage.EUNAUTHORIZED, "error.signin_required")
	}
	switch {
	case f.Received:
		return s.contacts(ctx, s.db.DB, "k.candidate_id = ? ORDER BY k.created_at DESC, k.id DESC", u.ID)
	case f.Sent:
		ids, err := s.employerOf(ctx, u)
		if err != nil || len(ids) == 0 {
			return nil, err
		}
		return s.contacts(ctx, s.db.DB, "k.structure_id IN (?) ORDER BY k.created_at DESC, k.id DESC", bun.In(ids))
	}
	return nil, nil
}

// AnswerContact records the person's answer; accepting reveals both
// addresses (the mail to the employer carries the person's).
func (s *RecruitingService) AnswerContact(ctx context.Context, u *maillage.User, id int64, accept bool, message string) (*recruiting.Contact, error) {
	var ps maillage.Problems
	message = recruiting.Motivation(&ps, message)
	if len(ps) > 0 {
		return nil, maillage.Invalid("answer", ps[0].Key, ps[0].Args...)
	}
	to := recruiting.ContactDeclined
	if accept {
		to = recruiting.ContactAccepted
	}
	err := s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var row struct {
			CandidateID int64
			EmployerID  int64
			Status      string
			Nom         string
		}
		if err := tx.NewRaw(`SELECT k.candidate_id, k.employer_id, k.status, s.nom FROM job_contacts k JOIN structures s ON s.id = k.structure_id
			WHERE k.id = ? FOR UPDATE OF k`, id).Scan(ctx, &row); err != nil {
			return translate(err, "recruiting.contact.not_found")
		}
		if u == nil || row.CandidateID != u.ID {
			return maillage.Errorf(maillage.ENOTFOUND, "recruiting.contact.not_found")
		}
		if err := recruiting.ContactMachine.Check(row.Status, to); err != nil {
			return err
		}
		if _, err := tx.NewRaw("UPDATE job_contacts SET status = ?, answer = ?, answered_at = now() WHERE id = ?", to, message, id).Exec(ctx); err != nil {
			return err
		}
		if err := transition(ctx, tx, recruiting.ContactMachine, id, row.Status, to, &u.ID, message); err != nil {
			return err
		}
		name, err := s.nameOf(ctx, tx, u.ID)
		if err != nil {
			return err
		}
		if accept {
			return s.mailUser(ctx, tx, row.EmployerID, "job_contact_accepted", "recruiting.mail.contact_accepted.subject", "recruiting.mail.contact_accepted.body", "/emploi/employeur",
				"Candidate", name, "Email", u.Email, "Structure", row.Nom, "Answer", message)
		}
		return s.mailUser(ctx, tx, row.EmployerID, "job_contact_declined", "recruiting.mail.contact_declined.subject", "recruiting.mail.contact_declined.body", "/emploi/employeur",
			"Candidate", name, "Structure", row.Nom, "Answer", message)
	})
	if err != nil {
		return nil, err
	}
	cs, err := s.contacts(ctx, s.db.DB, "k.id = ?", id)
	if err != nil || len(cs) == 0 {
		return nil, err
	}
	return cs[0], nil
}
