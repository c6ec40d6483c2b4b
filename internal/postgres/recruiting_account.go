package postgres

import (
	"context"
	"fmt"

	"github.com/uptrace/bun"

	"maillage/internal/recruiting"
)

// The recruiting room's account hooks (UserService.Forget and Export, one
// line each in internal/app).

// ForgetAccount ends, in the transaction that deletes an account, what
// recruiting holds of the person as a candidate: the employers of their
// open applications are told they are withdrawn, then their applications
// (messages, CVs: the worker removes the files), the contact requests they
// received and their availability are deleted with their histories. Offers
// they wrote stay with their structure.
func (s *RecruitingService) ForgetAccount(ctx context.Context, tx bun.Tx, userID int64) error {
	var open []struct {
		ID        int64
		Status    string
		CreatedBy int64
		TitleF    string `bun:"title_f"`
		TitleM    string `bun:"title_m"`
	}
	if err := tx.NewRaw(`SELECT a.id, a.status, coalesce(o.created_by, 0) AS created_by, o.title_feminine AS title_f, o.title_masculine AS title_m
		FROM job_applications a JOIN job_offers o ON o.id = a.offer_id WHERE a.user_id = ? ORDER BY a.id FOR UPDATE OF a`, userID).Scan(ctx, &open); err != nil {
		return fmt.Errorf("forget applications: %w", err)
	}
	name, err := s.nameOf(ctx, tx, userID)
	if err != nil {
		return err
	}
	var ids []int64
	for _, a := range open {
		ids = append(ids, a.ID)
		if recruiting.ApplicationMachine.Final(a.Status) {
			continue
		}
		if err := s.mailUser(ctx, tx, a.CreatedBy, "job_application_withdrawn", "recruiting.mail.withdrawn.subject", "recruiting.mail.withdrawn.body",
			"/emploi/candidatures/"+itoa64(a.ID), "Offer", recruiting.BothForms(a.TitleF, a.TitleM), "Candidate", name); err != nil {
			return err
		}
	}
	var contacts []int64
	if err := tx.NewRaw("SELECT id FROM job_contacts WHERE candidate_id = ?", userID).Scan(ctx, &contacts); err != nil {
		return err
	}
	for _, del := range []struct {
		entity string
		ids    []int64
	}{{recruiting.ApplicationMachine.Name, ids}, {recruiting.ContactMachine.Name, contacts}} {
		if len(del.ids) == 0 {
			continue
		}
		if _, err := tx.NewRaw("DELETE FROM state_transitions WHERE entity = ? AND entity_id IN (?)", del.entity, bun.In(del.ids)).Exec(ctx); err != nil {
			return err
		}
	}
	for _, q := range []string{"DELETE FROM job_applications WHERE user_id = ?", "DELETE FROM job_contacts WHERE candidate_id = ?",
		"DELETE FROM job_seekers WHERE user_id = ?"} {
		if _, err := tx.NewRaw(q, userID).Exec(ctx); err != nil {
			return err
		}
	}
	return nil
}

// ExportAccount is recruiting's part of a person's data download: their
// availability, their applications with their histories, the contact
// requests they received, and, as an employer, the requests they sent and
// the offers they wrote.
func (s *RecruitingService) ExportAccount(ctx context.Context, userID int64) (string, any, error) {
	avail, err := s.Availability(ctx, userID)
	if err != nil {
		return "", nil, err
	}
	apps, _, err := s.applications(ctx, s.db.DB, "a.user_id = ? ORDER BY a.id", userID)
	if err != nil {
		return "", nil, err
	}
	for _, a := range apps {
		if a.Events, err = events(ctx, s.db.DB, recruiting.ApplicationMachine.Name, a.ID); err != nil {
			return "", nil, err
		}
	}
	received, err := s.contacts(ctx, s.db.DB, "k.candidate_id = ? ORDER BY k.id", userID)
	if err != nil {
		return "", nil, err
	}
	sent, err := s.contacts(ctx, s.db.DB, "k.employer_id = ? ORDER BY k.id", userID)
	if err != nil {
		return "", nil, err
	}
	offers, err := s.offers(ctx, s.db.DB, "o.created_by = ? ORDER BY o.id", userID)
	if err != nil {
		return "", nil, err
	}
	out := map[string]any{"applications": apps, "contacts_received": received, "contacts_sent": sent, "offers_written": offers}
	if avail != nil {
		out["available_from"] = avail.Format(recruiting.DateLayout)
	}
	return "recruiting", out, nil
}
