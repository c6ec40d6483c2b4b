package postgres

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"maillage/internal/charter"
	"maillage/internal/label"
	"maillage/internal/maillage"
)

// The applicant's side: start (prefilled from the place, or from the
// previous application for a renewal), answer, attach evidence, submit,
// correct, exchange messages.

// Eligible lists the structures u is the referent of, that may apply.
func (s *LabelService) Eligible(ctx context.Context, u *maillage.User) ([]*maillage.Structure, error) {
	var ids []int64
	if err := s.db.NewRaw(`SELECT DISTINCT structure_id FROM memberships WHERE user_id = ? AND role = 'referent' AND ended_on IS NULL ORDER BY 1`, u.ID).Scan(ctx, &ids); err != nil {
		return nil, err
	}
	st := NewStructureService(s.db)
	var out []*maillage.Structure
	for _, id := range ids {
		x, err := st.FindStructureByID(ctx, id)
		if err != nil {
			return nil, err
		}
		out = append(out, x)
	}
	return out, nil
}

// Start opens an application of a structure to a programme, for one of
// its referents. The answers start from the place's data (each
// indicator's prefill field); when the structure held this programme's
// label, it is a renewal: linked to the previous application and started
// from its last answers and files.
func (s *LabelService) Start(ctx context.Context, u *maillage.User, structureID int64, code string) (*label.Application, error) {
	pid, p, err := s.currentProgramme(ctx, code)
	if err != nil {
		return nil, maillage.Invalid("programme", "label.programme.not_found")
	}
	st, err := NewStructureService(s.db).FindStructureByID(ctx, structureID)
	if err != nil {
		return nil, maillage.Invalid("structure_id", "label.structure.unknown")
	}
	if !label.CanApply(maillage.Viewer{UserID: u.ID}, st) {
		return nil, maillage.Errorf(maillage.EFORBIDDEN, "label.apply.forbidden")
	}
	if !p.Eligible(st) {
		return nil, maillage.Invalid("structure_id", "label.structure.not_eligible")
	}
	var id int64
	err = s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var prev struct {
			ApplicationID int64
			RevisionID    int64
		}
		err := tx.NewRaw(`SELECT l.application_id, r.id AS revision_id FROM label_labels l
			JOIN label_revisions r ON r.application_id = l.application_id
			WHERE l.structure_id = ? AND l.programme_code = ? AND l.status = 'actif'
			ORDER BY l.expires_on DESC, r.number DESC LIMIT 1`, structureID, code).Scan(ctx, &prev)
		if err != nil && !isNoRows(err) {
			return err
		}
		var renewal *int64
		if prev.ApplicationID != 0 {
			renewal = &prev.ApplicationID
		}
		if err := tx.NewRaw(`INSERT INTO label_applications (programme_id, programme_code, structure_id, applicant_id, renewal_of)
			VALUES (?, ?, ?, ?, ?) RETURNING id`, pid, code, structureID, u.ID, renewal).Scan(ctx, &id); err != nil {
			if maillage.ErrorCode(translate(err, "")) == maillage.ECONFLICT {
				return maillage.Errorf(maillage.ECONFLICT, "label.application.exists")
			}
			return err
		}
		var rev int64
		if err := tx.NewRaw("INSERT INTO label_revisions (application_id, number) VALUES (?, 1) RETURNING id", id).Scan(ctx, &rev); err != nil {
			return err
		}
		if renewal != nil {
			if err := copyRevision(ctx, tx, prev.RevisionID, rev, id); err != nil {
				return err
			}
		} else {
			team, err := teamCharter(ctx, tx, structureID, s.now())
			if err != nil {
				return err
			}
			for _, in := range p.Indicators() {
				v := in.PrefillFrom(st)
				if in.Prefill == label.PrefillTeamCharter {
					v = team.Text(labelDateFR)
				}
				if v != "" {
					if len([]rune(v)) > label.MaxAnswer {
						v = string([]rune(v)[:label.MaxAnswer])
					}
					if _, err := tx.NewRaw("INSERT INTO label_answers (revision_id, indicator, text) VALUES (?, ?, ?)", rev, in.Code, v).Exec(ctx); err != nil {
						return err
					}
				}
			}
		}
		return transition(ctx, tx, label.Machine, id, "", label.Brouillon, &u.ID, "")
	})
	if err != nil {
		return nil, err
	}
	return findApplication(ctx, s.db.DB, id, false)
}

// copyRevision copies the answers and files of a revision into another
// (a correction, a renewal). Files are shared on disk (same hash).
func copyRevision(ctx context.Context, tx bun.IDB, from, to, applicationID int64) error {
	if _, err := tx.NewRaw(`INSERT INTO label_answers (revision_id, indicator, text) SELECT ?, indicator, text FROM label_answers WHERE revision_id = ?`, to, from).Exec(ctx); err != nil {
		return err
	}
	_, err := tx.NewRaw(`INSERT INTO label_files (application_id, revision_id, indicator, name, content_type, size, sha256, uploaded_by, created_at)
		SELECT ?, ?, indicator, name, content_type, size, sha256, uploaded_by, created_at FROM label_files WHERE revision_id = ? ORDER BY id`, applicationID, to, from).Exec(ctx)
	return err
}

// Mine lists the applications of the structures u is the referent of.
func (s *LabelService) Mine(ctx context.Context, u *maillage.User) ([]*label.Application, error) {
	var rows []applicationRow
	if err := s.db.NewRaw(applicationSelect+` WHERE a.structure_id IN (SELECT structure_id FROM memberships WHERE user_id = ? AND role = 'referent' AND ended_on IS NULL)
		ORDER BY a.updated_at DESC, a.id DESC LIMIT 200`, u.ID).Scan(ctx, &rows); err != nil {
		return nil, err
	}
	out := make([]*label.Application, len(rows))
	for i := range rows {
		out[i] = rows[i].domain()
	}
	return out, nil
}

// loadRevision reads a revision with its answers and files.
func loadRevision(ctx context.Context, idb bun.IDB, applicationID int64, number int) (*label.Revision, error) {
	r := &label.Revision{ApplicationID: applicationID, Number: number, Answers: map[string]string{}}
	if err := idb.NewRaw("SELECT id, submitted_at FROM label_revisions WHERE application_id = ? AND number = ?", applicationID, number).
		Scan(ctx, &r.ID, &r.SubmittedAt); err != nil {
		return nil, translate(err, "label.application.not_found")
	}
	var answers []struct{ Indicator, Text string }
	if err := idb.NewRaw("SELECT indicator, text FROM label_answers WHERE revision_id = ?", r.ID).Scan(ctx, &answers); err != nil {
		return nil, err
	}
	for _, a := range answers {
		r.Answers[a.Indicator] = a.Text
	}
	if err := idb.NewRaw(`SELECT id, indicator, name, content_type, size, sha256, created_at FROM label_files WHERE revision_id = ? ORDER BY indicator, id`, r.ID).
		Scan(ctx, &r.Files); err != nil {
		return nil, err
	}
	if r.Files == nil {
		r.Files = []label.Evidence{}
	}
	return r, nil
}

// access says what u is to an application: a referent of its structure,
// a reviewer of its programme, a lead reviewer. Neither: not found (an
// application's existence is not disclosed).
func (s *LabelService) access(ctx context.Context, idb bun.IDB, u *maillage.User, a *label.Application) (applicant, reviewer, lead bool, err error) {
	if u == nil {
		return false, false, false, maillage.Errorf(maillage.ENOTFOUND, "label.application.not_found")
	}
	if applicant, err = isReferent(ctx, idb, a.StructureID, u.ID); err != nil {
		return
	}
	reviewer = label.ReviewsApplication(u, a, applicant)
	if reviewer {
		if lead, err = isLead(ctx, idb, u, a.ProgrammeCode); err != nil {
			return
		}
	}
	if !applicant && !reviewer {
		err = maillage.Errorf(maillage.ENOTFOUND, "label.application.not_found")
	}
	return
}

// Find returns an application as u may see it: applicants never get the
// assessments, private notes nor opinions; a reviewer gets the opinions
// Opinion.SeenBy lets them see.
func (s *LabelService) Find(ctx context.Context, u *maillage.User, id int64) (*label.Dossier, error) {
	a, err := findApplication(ctx, s.db.DB, id, false)
	if err != nil {
		return nil, err
	}
	applicant, reviewer, lead, err := s.access(ctx, s.db.DB, u, a)
	if err != nil {
		return nil, err
	}
	p, err := s.programmeByID(ctx, a.ProgrammeID)
	if err != nil {
		return nil, err
	}
	st, err := NewStructureService(s.db).FindStructureByID(ctx, a.StructureID)
	if err != nil {
		return nil, err
	}
	d := &label.Dossier{App: a, Programme: p, Structure: st, Kinds: label.KindsOf(st), Applicant: applicant, Reviewer: reviewer, Lead: lead}
	if d.Revision, err = loadRevision(ctx, s.db.DB, id, a.Revision); err != nil {
		return nil, err
	}
	if a.Revision > 1 {
		if d.Previous, err = loadRevision(ctx, s.db.DB, id, a.Revision-1); err != nil {
			return nil, err
		}
	}
	if err := s.db.NewRaw("SELECT number, submitted_at FROM label_revisions WHERE application_id = ? ORDER BY number", id).Scan(ctx, &d.Revisions); err != nil {
		return nil, err
	}
	if d.Messages, err = s.messages(ctx, id); err != nil {
		return nil, err
	}
	var moves []struct {
		FromState, ToState, ActorName, Motivation string
		At                                        time.Time
	}
	if err := s.db.NewRaw(`SELECT t.from_state, t.to_state, coalesce(nullif(u.display_name, ''), u.email, '') AS actor_name, t.motivation, t.at
		FROM state_transitions t LEFT JOIN users u ON u.id = t.actor_id WHERE t.entity = ? AND t.entity_id = ? ORDER BY t.id`, label.Machine.Name, id).Scan(ctx, &moves); err != nil {
		return nil, err
	}
	for _, m := range moves {
		d.History = append(d.History, label.Move{From: m.FromState, To: m.ToState, ActorName: m.ActorName, Motivation: m.Motivation, At: m.At})
	}
	var ls []*label.Label
	if ls, err = s.labelsWhere(ctx, "l.application_id = ?", id); err != nil {
		return nil, err
	}
	if len(ls) > 0 {
		d.Label = ls[len(ls)-1]
	}
	if !reviewer {
		return d, nil
	}
	if d.Conflict, err = conflicted(ctx, s.db.DB, u.ID, a); err != nil {
		return nil, err
	}
	if err := s.db.NewRaw(`SELECT x.indicator, x.grade, x.comment, coalesce(x.reviewer_id, 0) AS reviewer_id,
		coalesce(nullif(u.display_name, ''), u.email, '') AS reviewer_name, x.updated_at
		FROM label_assessments x LEFT JOIN users u ON u.id = x.reviewer_id WHERE x.application_id = ?`, id).Scan(ctx, &d.Assessments); err != nil {
		return nil, err
	}
	if err := s.db.NewRaw(`SELECT n.id, coalesce(n.author_id, 0) AS author_id, coalesce(nullif(u.display_name, ''), u.email, '') AS author_name, n.text, n.created_at
		FROM label_notes n LEFT JOIN users u ON u.id = n.author_id WHERE n.application_id = ? ORDER BY n.id`, id).Scan(ctx, &d.Notes); err != nil {
		return nil, err
	}
	ops, err := s.opinions(ctx, s.db.DB, "o.application_id = ?", id)
	if err != nil {
		return nil, err
	}
	for _, o := range ops {
		if o.SeenBy(u, true) {
			d.Opinions = append(d.Opinions, o)
		}
	}
	if d.Team, err = s.team(ctx, a.ProgrammeCode); err != nil {
		return nil, err
	}
	return d, nil
}

func (s *LabelService) messages(ctx context.Context, id int64) ([]label.Message, error) {
	var ms []label.Message
	if err := s.db.NewRaw(`SELECT m.id, coalesce(m.author_id, 0) AS author_id, coalesce(nullif(u.display_name, ''), u.email, '') AS author_name,
		m.from_reviewer, m.text, m.created_at FROM label_messages m LEFT JOIN users u ON u.id = m.author_id WHERE m.application_id = ? ORDER BY m.id`, id).Scan(ctx, &ms); err != nil {
		return nil, err
	}
	var files []struct {
		MessageID int64
		label.Evidence
	}
	if err := s.db.NewRaw(`SELECT message_id, id, name, content_type, size, sha256, created_at FROM label_files WHERE application_id = ? AND message_id IS NOT NULL ORDER BY id`, id).Scan(ctx, &files); err != nil {
		return nil, err
	}
	for i := range ms {
		ms[i].Files = []label.Evidence{}
		for _, f := range files {
			if f.MessageID == ms[i].ID {
				ms[i].Files = append(ms[i].Files, f.Evidence)
			}
		}
	}
	return ms, nil
}

// editable locks an application that u may change as its applicant: a
// referent, in brouillon or correction_demandee, with an open revision.
func (s *LabelService) editable(ctx context.Context, tx bun.IDB, u *maillage.User, id int64) (*label.Application, *label.Revision, error) {
	a, err := findApplication(ctx, tx, id, true)
	if err != nil {
		return nil, nil, err
	}
	ok, err := isReferent(ctx, tx, a.StructureID, u.ID)
	if err != nil {
		return nil, nil, err
	}
	if !ok {
		if label.ReviewerSees(u, a) {
			return nil, nil, maillage.Errorf(maillage.EFORBIDDEN, "label.apply.forbidden")
		}
		return nil, nil, maillage.Errorf(maillage.ENOTFOUND, "label.application.not_found")
	}
	rev, err := loadRevision(ctx, tx, id, a.Revision)
	if err != nil {
		return nil, nil, err
	}
	if (a.State != label.Brouillon && a.State != label.Correction) || rev.Frozen() {
		return nil, nil, maillage.Errorf(maillage.ECONFLICT, "label.revision.frozen")
	}
	return a, rev, nil
}

// SaveAnswers saves the answers of the open revision (a draft: nothing is
// required yet). Answers not sent are left as they were.
func (s *LabelService) SaveAnswers(ctx context.Context, u *maillage.User, id int64, answers map[string]string) error {
	return s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		a, rev, err := s.editable(ctx, tx, u, id)
		if err != nil {
			return err
		}
		p, err := s.programmeByID(ctx, a.ProgrammeID)
		if err != nil {
			return err
		}
		if err := label.CheckAnswers(p, answers).Err(); err != nil {
			return err
		}
		for code, text := range answers {
			text = strings.ReplaceAll(text, "\r\n", "\n")
			if _, err := tx.NewRaw(`INSERT INTO label_answers (revision_id, indicator, text) VALUES (?, ?, ?)
				ON CONFLICT (revision_id, indicator) DO UPDATE SET text = excluded.text, updated_at = now()`, rev.ID, code, text).Exec(ctx); err != nil {
				return err
			}
		}
		_, err = tx.NewRaw("UPDATE label_applications SET updated_at = now() WHERE id = ?", id).Exec(ctx)
		return err
	})
}

// readUpload reads an upload (at most MaxEvidenceSize+1 bytes), checks it
// (label.CheckEvidence: sniffed type, extension, size), and stores its
// content under FilesDir by its SHA-256.
func (s *LabelService) readUpload(field string, up label.Upload) (*label.Evidence, error) {
	b, err := io.ReadAll(io.LimitReader(up.Body, label.MaxEvidenceSize+1))
	if err != nil {
		return nil, fmt.Errorf("read upload: %w", err)
	}
	head := b
	if len(head) > 512 {
		head = head[:512]
	}
	ct, ps := label.CheckEvidence(field, up.Name, int64(len(b)), head)
	if err := ps.Err(); err != nil {
		return nil, err
	}
	sum := sha256.Sum256(b)
	ev := &label.Evidence{Name: label.CleanFileName(up.Name), ContentType: ct, Size: int64(len(b)), SHA256: hex.EncodeToString(sum[:])}
	if err := s.store(ev.SHA256, b); err != nil {
		return nil, err
	}
	return ev, nil
}

// filePath is where a stored file lives.
func (s *LabelService) filePath(sha string) string {
	return filepath.Join(s.FilesDir, "label", sha[:2], sha)
}

// store writes content under its hash (once; atomically).
func (s *LabelService) store(sha string, b []byte) error {
	if s.FilesDir == "" {
		return fmt.Errorf("label files: no files folder configured (MAILLAGE_FILES_DIR)")
	}
	dst := s.filePath(sha)
	if _, err := os.Stat(dst); err == nil {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o750); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(dst), ".upload-*")
	if err != nil {
		return err
	}
	if _, err := io.Copy(tmp, bytes.NewReader(b)); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), dst)
}

// AddFile attaches an evidence file to an indicator's answer of the open
// revision.
func (s *LabelService) AddFile(ctx context.Context, u *maillage.User, id int64, indicator string, up label.Upload) (*label.Evidence, error) {
	field := label.FileField(indicator)
	ev, err := s.readUpload(field, up)
	if err != nil {
		return nil, err
	}
	ev.Indicator = indicator
	err = s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		a, rev, err := s.editable(ctx, tx, u, id)
		if err != nil {
			return err
		}
		p, err := s.programmeByID(ctx, a.ProgrammeID)
		if err != nil {
			return err
		}
		if _, ok := p.Indicator(indicator); !ok {
			return maillage.Invalid(field, maillage.KeyUnknown)
		}
		if len(rev.FilesOf(indicator)) >= label.MaxFilesPerIndicator {
			return maillage.Invalid(field, "label.evidence.too_many", "Max", label.MaxFilesPerIndicator)
		}
		return tx.NewRaw(`INSERT INTO label_files (application_id, revision_id, indicator, name, content_type, size, sha256, uploaded_by)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id, created_at`, id, rev.ID, indicator, ev.Name, ev.ContentType, ev.Size, ev.SHA256, u.ID).
			Scan(ctx, &ev.ID, &ev.CreatedAt)
	})
	if err != nil {
		return nil, err
	}
	return ev, nil
}

// RemoveFile takes a file off the open revision (a frozen revision keeps
// its files: the database refuses it too).
func (s *LabelService) RemoveFile(ctx context.Context, u *maillage.User, id, fileID int64) error {
	return s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		_, rev, err := s.editable(ctx, tx, u, id)
		if err != nil {
			return err
		}
		res, err := tx.NewRaw("DELETE FROM label_files WHERE id = ? AND revision_id = ?", fileID, rev.ID).Exec(ctx)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return maillage.Errorf(maillage.ENOTFOUND, "label.file.not_found")
		}
		return nil
	})
}

// Submit freezes the open revision: a draft is deposited (its due date
// set), a corrected application goes back to instruction. Every indicator
// that applies must be answered.
func (s *LabelService) Submit(ctx context.Context, u *maillage.User, id int64) error {
	return s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		a, rev, err := s.editable(ctx, tx, u, id)
		if err != nil {
			return err
		}
		p, err := s.programmeByID(ctx, a.ProgrammeID)
		if err != nil {
			return err
		}
		st, err := NewStructureService(s.db).FindStructureByID(ctx, a.StructureID)
		if err != nil {
			return err
		}
		if err := label.CheckComplete(p, label.KindsOf(st), rev).Err(); err != nil {
			return err
		}
		now := s.now()
		to := label.Deposee
		if a.State == label.Correction {
			to = label.EnInstruction
		}
		if err := transition(ctx, tx, label.Machine, id, a.State, to, &u.ID, ""); err != nil {
			return err
		}
		if _, err := tx.NewRaw("UPDATE label_revisions SET submitted_at = ? WHERE id = ?", now, rev.ID).Exec(ctx); err != nil {
			return err
		}
		if a.State == label.Brouillon {
			due := label.DueDate(now, p.DueDays)
			if _, err := tx.NewRaw("UPDATE label_applications SET state = ?, deposited_at = ?, due_at = ?, updated_at = now() WHERE id = ?", to, now, due, id).Exec(ctx); err != nil {
				return err
			}
			rs, err := referents(ctx, tx, a.StructureID)
			if err != nil {
				return err
			}
			if err := s.notify(ctx, tx, rs, 0, "deposited", a, "Due", labelDateFR(due)); err != nil {
				return err
			}
		} else {
			if _, err := tx.NewRaw("UPDATE label_applications SET state = ?, updated_at = now() WHERE id = ?", to, id).Exec(ctx); err != nil {
				return err
			}
			to := reviewerIDs(a)
			var rs []recipient
			if len(to) == 0 {
				rs, err = leads(ctx, tx, a.ProgrammeCode)
			} else {
				rs, err = usersByID(ctx, tx, to)
			}
			if err != nil {
				return err
			}
			if err := s.notify(ctx, tx, rs, u.ID, "corrected", a, "Revision", a.Revision); err != nil {
				return err
			}
		}
		return outbox(ctx, tx, labelEntityApplication, id)
	})
}

// File returns a stored file for someone who may see its application: a
// referent of the structure, or a reviewer of its programme (not for a
// draft). Anyone else gets not found.
func (s *LabelService) File(ctx context.Context, u *maillage.User, fileID int64) (*label.Evidence, io.ReadCloser, error) {
	var f struct {
		ApplicationID int64
		label.Evidence
	}
	if err := s.db.NewRaw("SELECT application_id, id, indicator, name, content_type, size, sha256, created_at FROM label_files WHERE id = ?", fileID).Scan(ctx, &f); err != nil {
		return nil, nil, translate(err, "label.file.not_found")
	}
	a, err := findApplication(ctx, s.db.DB, f.ApplicationID, false)
	if err != nil {
		return nil, nil, err
	}
	if _, _, _, err := s.access(ctx, s.db.DB, u, a); err != nil {
		return nil, nil, maillage.Errorf(maillage.ENOTFOUND, "label.file.not_found")
	}
	r, err := os.Open(s.filePath(f.SHA256))
	if err != nil {
		return nil, nil, maillage.Wrap(maillage.ENOTFOUND, err, "label.file.not_found")
	}
	ev := f.Evidence
	return &ev, r, nil
}

// PostMessage adds a message (with attachments) to an application, from
// its applicant or one of its reviewers; the other side is told by mail.
func (s *LabelService) PostMessage(ctx context.Context, u *maillage.User, id int64, text string, files []label.Upload) error {
	text = strings.ReplaceAll(text, "\r\n", "\n")
	if err := label.CheckText("texte", text).Err(); err != nil {
		return err
	}
	var evs []*label.Evidence
	for _, f := range files {
		ev, err := s.readUpload("pieces", f)
		if err != nil {
			return err
		}
		evs = append(evs, ev)
	}
	return s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		a, err := findApplication(ctx, tx, id, true)
		if err != nil {
			return err
		}
		applicant, reviewer, _, err := s.access(ctx, tx, u, a)
		if err != nil {
			return err
		}
		fromReviewer := reviewer && !applicant
		var mid int64
		if err := tx.NewRaw("INSERT INTO label_messages (application_id, author_id, from_reviewer, text) VALUES (?, ?, ?, ?) RETURNING id",
			id, u.ID, fromReviewer, text).Scan(ctx, &mid); err != nil {
			return err
		}
		for _, ev := range evs {
			if _, err := tx.NewRaw(`INSERT INTO label_files (application_id, message_id, name, content_type, size, sha256, uploaded_by)
				VALUES (?, ?, ?, ?, ?, ?, ?)`, id, mid, ev.Name, ev.ContentType, ev.Size, ev.SHA256, u.ID).Exec(ctx); err != nil {
				return err
			}
		}
		var rs []recipient
		if fromReviewer {
			rs, err = referents(ctx, tx, a.StructureID)
		} else if ids := reviewerIDs(a); len(ids) > 0 {
			rs, err = usersByID(ctx, tx, ids)
		} else {
			rs, err = leads(ctx, tx, a.ProgrammeCode)
		}
		if err != nil {
			return err
		}
		if a.State == label.Brouillon && !fromReviewer {
			rs = nil // nobody reviews a draft yet
		}
		return s.notify(ctx, tx, rs, u.ID, "message", a)
	})
}

// labelDateFR writes a day the French way for a mail (« 3 décembre 2026 »).
func labelDateFR(t time.Time) string {
	months := []string{"janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"}
	d := t.In(maillage.Paris)
	day := fmt.Sprint(d.Day())
	if d.Day() == 1 {
		day = "1er"
	}
	return fmt.Sprintf("%s %s %d", day, months[d.Month()-1], d.Year())
}

// teamCharter reads where the structure's active members stand with the
// charter version in force (the charter room's rule, StandingOf). Without
// any version loaded, the zero TeamCharter: no prefill.
func teamCharter(ctx context.Context, db bun.IDB, structureID int64, now time.Time) (label.TeamCharter, error) {
	view, err := structureSigners(ctx, db, structureID, now)
	if maillage.ErrorCode(err) == maillage.ENOTFOUND {
		return label.TeamCharter{}, nil // no version in force
	}
	if err != nil {
		return label.TeamCharter{}, err
	}
	t := label.TeamCharter{Version: view.Current.Number, Members: len(view.Signers)}
	for _, sg := range view.Signers {
		if sg.Standing.Signed && sg.Standing.Status == charter.StatusValid {
			t.Signed = append(t.Signed, label.TeamSigner{TypedName: sg.Standing.Signature.TypedName, Day: sg.Standing.Signature.At})
		}
	}
	return t, nil
}
