package postgres

import (
	"context"
	"strings"

	"github.com/uptrace/bun"

	"maillage/internal/label"
	"maillage/internal/maillage"
)

// The reviewers' side: the queue with its tabs, assignment (by oneself or
// a lead reviewer, never against the conflict-of-interest rule), moves and
// decisions, bulk actions, assessments, private notes and opinions.

// queueWhere is the SQL condition of a filter: what the viewer may see
// (reviewers of the programme, never a draft), then the tab and filters.
func queueWhere(f label.Filter) (string, []any, error) {
	u := f.Viewer
	conds := []string{"a.state <> 'brouillon'"}
	var args []any
	codes, all := label.ReviewedProgrammes(u)
	if !all {
		if len(codes) == 0 {
			return "", nil, maillage.Errorf(maillage.EFORBIDDEN, "label.review.forbidden")
		}
		conds = append(conds, "a.programme_code IN (?)")
		args = append(args, bun.In(codes))
		// label.ReviewsApplication: never the applications of the
		// structures u is a referent of.
		conds = append(conds, `NOT EXISTS (SELECT 1 FROM memberships m WHERE m.structure_id = a.structure_id AND m.user_id = ?
			AND m.role = 'referent' AND m.ended_on IS NULL)`)
		args = append(args, u.ID)
	}
	switch f.Tab {
	case label.TabToFollow:
		conds = append(conds, "a.state IN ('deposee', 'en_instruction', 'correction_demandee')",
			"NOT EXISTS (SELECT 1 FROM label_assignments la WHERE la.application_id = a.id)")
	case label.TabFollowed:
		conds = append(conds, "a.state IN ('deposee', 'en_instruction', 'correction_demandee')",
			"EXISTS (SELECT 1 FROM label_assignments la WHERE la.application_id = a.id AND la.reviewer_id = ?)")
		args = append(args, u.ID)
	case label.TabTreated:
		conds = append(conds, "a.state IN ('acceptee', 'refusee', 'classee_sans_suite')")
	}
	if f.Programme != "" {
		conds = append(conds, "a.programme_code = ?")
		args = append(args, f.Programme)
	}
	if f.State != "" {
		conds = append(conds, "a.state = ?")
		args = append(args, f.State)
	}
	if f.Departement != "" {
		conds = append(conds, "c.code_departement = ?")
		args = append(args, f.Departement)
	}
	if f.Query != "" && !f.HasIDs {
		// The search engine could not be reached: names and communes.
		like := "%" + strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`).Replace(f.Query) + "%"
		conds = append(conds, "(immutable_unaccent(s.nom) ILIKE immutable_unaccent(?) OR immutable_unaccent(s.commune) ILIKE immutable_unaccent(?))")
		args = append(args, like, like)
	}
	if f.HasIDs {
		if len(f.IDs) == 0 {
			conds = append(conds, "FALSE")
		} else {
			conds = append(conds, "a.id IN (?)")
			args = append(args, bun.In(f.IDs))
		}
	}
	return " WHERE " + strings.Join(conds, " AND "), args, nil
}

const queueFrom = ` FROM label_applications a JOIN structures s ON s.id = a.structure_id LEFT JOIN communes c ON c.code_insee = s.commune_insee`

// queueFromFor joins the places only when the filter reads them (a
// département, a search without the engine): the queue's lists and counts
// otherwise read the applications' indexes alone.
func queueFromFor(f label.Filter) string {
	if f.Departement != "" || (f.Query != "" && !f.HasIDs) {
		return queueFrom
	}
	return " FROM label_applications a"
}

func queueOrder(f label.Filter) string {
	if f.Sort == label.SortDue {
		return " ORDER BY a.due_at ASC NULLS LAST, a.id"
	}
	return " ORDER BY a.deposited_at ASC NULLS LAST, a.id"
}

// Queue lists the applications of a reviewer's tab, filtered and sorted,
// one page at a time (f.AllIDs: every match, ids only, for bulk actions).
func (s *LabelService) Queue(ctx context.Context, f label.Filter) ([]*label.Application, int, error) {
	f.Normalize()
	where, args, err := queueWhere(f)
	if err != nil {
		return nil, 0, err
	}
	if f.AllIDs {
		var ids []int64
		if err := s.db.NewRaw("SELECT a.id"+queueFromFor(f)+where+queueOrder(f)+" LIMIT 20000", args...).Scan(ctx, &ids); err != nil {
			return nil, 0, err
		}
		out := make([]*label.Application, len(ids))
		for i, id := range ids {
			out[i] = &label.Application{ID: id}
		}
		return out, len(ids), nil
	}
	var total int
	if err := s.db.NewRaw("SELECT count(*)"+queueFromFor(f)+where, args...).Scan(ctx, &total); err != nil {
		return nil, 0, err
	}
	var ids []int64
	if err := s.db.NewRaw("SELECT a.id"+queueFromFor(f)+where+queueOrder(f)+" LIMIT ? OFFSET ?", append(args, f.Limit, f.Offset)...).Scan(ctx, &ids); err != nil {
		return nil, 0, err
	}
	if len(ids) == 0 {
		return nil, total, nil
	}
	var rows []applicationRow
	if err := s.db.NewRaw(applicationSelect+" WHERE a.id IN (?)", bun.In(ids)).Scan(ctx, &rows); err != nil {
		return nil, 0, err
	}
	byID := map[int64]*label.Application{}
	for i := range rows {
		byID[rows[i].ID] = rows[i].domain()
	}
	out := make([]*label.Application, 0, len(ids))
	for _, id := range ids {
		if a := byID[id]; a != nil {
			out = append(out, a)
		}
	}
	return out, total, nil
}

// Counts counts the applications of each tab for a reviewer.
func (s *LabelService) Counts(ctx context.Context, u *maillage.User) (label.QueueCounts, error) {
	where, args, err := queueWhere(label.Filter{Viewer: u, Tab: label.TabAll})
	if err != nil {
		return nil, err
	}
	var c struct{ ToFollow, Followed, Treated, All int }
	// The assignments are aggregated once (a hash join), rather than
	// probed twice per application.
	err = s.db.NewRaw(`WITH asg AS (SELECT application_id, bool_or(reviewer_id = ?) AS mine FROM label_assignments GROUP BY application_id)
		SELECT count(*) FILTER (WHERE a.state IN ('deposee', 'en_instruction', 'correction_demandee') AND asg.application_id IS NULL) AS to_follow,
		count(*) FILTER (WHERE a.state IN ('deposee', 'en_instruction', 'correction_demandee') AND asg.mine) AS followed,
		count(*) FILTER (WHERE a.state IN ('acceptee', 'refusee', 'classee_sans_suite')) AS treated,
		count(*) AS all FROM label_applications a LEFT JOIN asg ON asg.application_id = a.id`+where, append([]any{u.ID}, args...)...).Scan(ctx, &c)
	if err != nil {
		return nil, err
	}
	return label.QueueCounts{label.TabToFollow: c.ToFollow, label.TabFollowed: c.Followed, label.TabTreated: c.Treated, label.TabAll: c.All}, nil
}

// reviewable locks an application u reviews (else not found, or forbidden
// for a reviewer of another programme who cannot know it exists; forbidden
// to its applicant side, label.ReviewsApplication).
func reviewable(ctx context.Context, tx bun.IDB, u *maillage.User, id int64) (*label.Application, error) {
	a, err := findApplication(ctx, tx, id, true)
	if err != nil {
		return nil, err
	}
	if !label.ReviewerSees(u, a) {
		return nil, maillage.Errorf(maillage.ENOTFOUND, "label.application.not_found")
	}
	applicant, err := isReferent(ctx, tx, a.StructureID, u.ID)
	if err != nil {
		return nil, err
	}
	if !label.ReviewsApplication(u, a, applicant) {
		return nil, maillage.Errorf(maillage.EFORBIDDEN, "label.review.own")
	}
	return a, nil
}

// assign assigns one application (locked, seen by u) to reviewerID; the
// key says why not ("" when done or already assigned).
func (s *LabelService) assign(ctx context.Context, tx bun.IDB, u *maillage.User, a *label.Application, reviewerID int64) (string, error) {
	if reviewerID != u.ID {
		lead, err := isLead(ctx, tx, u, a.ProgrammeCode)
		if err != nil {
			return "", err
		}
		if !lead {
			return "label.assign.lead_only", nil
		}
	}
	ok, err := reviewsProgramme(ctx, tx, reviewerID, a.ProgrammeCode)
	if err != nil {
		return "", err
	}
	if !ok {
		return "label.assign.not_reviewer", nil
	}
	if label.IsDecision(a.State) {
		return "label.bulk.skip.state", nil
	}
	c, err := conflicted(ctx, tx, reviewerID, a)
	if err != nil {
		return "", err
	}
	if c {
		return "label.assign.conflict", nil
	}
	res, err := tx.NewRaw(`INSERT INTO label_assignments (application_id, reviewer_id, assigned_by) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`,
		a.ID, reviewerID, u.ID).Exec(ctx)
	if err != nil {
		return "", err
	}
	if n, _ := res.RowsAffected(); n > 0 {
		if err := outbox(ctx, tx, labelEntityApplication, a.ID); err != nil {
			return "", err
		}
	}
	return "", nil
}

// Assign assigns applications to a reviewer: oneself, or anyone of the
// programme's team for a lead reviewer. An application the reviewer is
// tied to (conflict of interest) is left out, with the reason. For one
// application, a refusal is an error.
func (s *LabelService) Assign(ctx context.Context, u *maillage.User, ids []int64, reviewerID int64) (*label.BulkResult, error) {
	res := &label.BulkResult{}
	err := s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var sample *label.Application
		for _, id := range ids {
			a, err := reviewable(ctx, tx, u, id)
			if maillage.ErrorCode(err) == maillage.ENOTFOUND && len(ids) > 1 {
				res.Skipped = append(res.Skipped, label.BulkSkip{ID: id, Key: "label.bulk.skip.not_found"})
				continue
			} else if err != nil {
				return err
			}
			key, err := s.assign(ctx, tx, u, a, reviewerID)
			if err != nil {
				return err
			}
			if key != "" {
				if len(ids) == 1 {
					return maillage.Errorf(maillage.EFORBIDDEN, key)
				}
				res.Skipped = append(res.Skipped, label.BulkSkip{ID: id, Key: key})
				continue
			}
			res.Done++
			sample = a
		}
		if res.Done > 0 && reviewerID != u.ID {
			to, err := usersByID(ctx, tx, []int64{reviewerID})
			if err != nil {
				return err
			}
			return s.notify(ctx, tx, to, u.ID, "assigned", sample, "Count", res.Done)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// Unassign stops a reviewer following an application (oneself, or a lead).
func (s *LabelService) Unassign(ctx context.Context, u *maillage.User, id, reviewerID int64) error {
	return s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		a, err := reviewable(ctx, tx, u, id)
		if err != nil {
			return err
		}
		if reviewerID != u.ID {
			lead, err := isLead(ctx, tx, u, a.ProgrammeCode)
			if err != nil {
				return err
			}
			if !lead {
				return maillage.Errorf(maillage.EFORBIDDEN, "label.assign.lead_only")
			}
		}
		if _, err := tx.NewRaw("DELETE FROM label_assignments WHERE application_id = ? AND reviewer_id = ?", id, reviewerID).Exec(ctx); err != nil {
			return err
		}
		return outbox(ctx, tx, labelEntityApplication, id)
	})
}

// Move moves an application (reviewers): start the review, ask for
// corrections (a new revision opens, started from the frozen one),
// decide (with a motivation; acceptance grants the label), reopen a
// decision (a label it granted is withdrawn).
func (s *LabelService) Move(ctx context.Context, u *maillage.User, id int64, to, motivation string) error {
	return s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		a, err := reviewable(ctx, tx, u, id)
		if err != nil {
			return err
		}
		return s.move(ctx, tx, u, a, to, motivation)
	})
}

// notConflicted refuses a reviewer tied to the application's structure
// (label.Conflict) what reviewing it means: moving, deciding, assessing.
// Administrators may.
func notConflicted(ctx context.Context, tx bun.IDB, u *maillage.User, a *label.Application) error {
	if u.Has(maillage.RoleAdministrateur) {
		return nil
	}
	c, err := conflicted(ctx, tx, u.ID, a)
	if err != nil {
		return err
	}
	if c {
		return maillage.Errorf(maillage.EFORBIDDEN, "label.assign.conflict")
	}
	return nil
}

// move applies one move to a locked application u reviews.
func (s *LabelService) move(ctx context.Context, tx bun.IDB, u *maillage.User, a *label.Application, to, motivation string) error {
	motivation = strings.TrimSpace(strings.ReplaceAll(motivation, "\r\n", "\n"))
	if err := label.CheckMove(a.State, to, motivation); err != nil {
		return err
	}
	if err := notConflicted(ctx, tx, u, a); err != nil {
		return err
	}
	if err := transition(ctx, tx, label.Machine, a.ID, a.State, to, &u.ID, motivation); err != nil {
		return err
	}
	set := "state = ?, motivation = ?, updated_at = now()"
	args := []any{to, motivation}
	switch {
	case label.IsDecision(to):
		set += ", decided_at = ?"
		args = append(args, s.now())
	case label.IsDecision(a.State):
		set += ", decided_at = NULL"
	}
	switch {
	case to == label.Correction:
		// A new revision, started from the frozen one; the motivation is
		// the message that says what to correct.
		var prev int64
		if err := tx.NewRaw("SELECT id FROM label_revisions WHERE application_id = ? AND number = ?", a.ID, a.Revision).Scan(ctx, &prev); err != nil {
			return err
		}
		var rev int64
		if err := tx.NewRaw("INSERT INTO label_revisions (application_id, number) VALUES (?, ?) RETURNING id", a.ID, a.Revision+1).Scan(ctx, &rev); err != nil {
			return err
		}
		if err := copyRevision(ctx, tx, prev, rev, a.ID); err != nil {
			return err
		}
		set += ", revision = revision + 1"
		if _, err := tx.NewRaw("INSERT INTO label_messages (application_id, author_id, from_reviewer, text) VALUES (?, ?, true, ?)", a.ID, u.ID, motivation).Exec(ctx); err != nil {
			return err
		}
	case a.State == label.Correction && to == label.EnInstruction:
		// Taken back without corrections: the revision opened for them
		// was never submitted; drop it.
		if _, err := tx.NewRaw("DELETE FROM label_revisions WHERE application_id = ? AND number = ? AND submitted_at IS NULL", a.ID, a.Revision).Exec(ctx); err != nil {
			return err
		}
		set += ", revision = revision - 1"
	}
	if _, err := tx.NewRaw("UPDATE label_applications SET "+set+" WHERE id = ?", append(args, a.ID)...).Exec(ctx); err != nil {
		return err
	}
	if to == label.Acceptee {
		if err := s.grant(ctx, tx, u, a); err != nil {
			return err
		}
	}
	if a.State == label.Acceptee {
		if err := s.withdrawOf(ctx, tx, u, a.ID, motivation); err != nil {
			return err
		}
	}
	// Reviewing makes one follow the application.
	if _, err := tx.NewRaw(`INSERT INTO label_assignments (application_id, reviewer_id, assigned_by) SELECT ?, ?, ?
		WHERE ? = 'en_instruction' AND NOT EXISTS (SELECT 1 FROM label_assignments WHERE application_id = ?)`, a.ID, u.ID, u.ID, to, a.ID).Exec(ctx); err != nil {
		return err
	}
	rs, err := referents(ctx, tx, a.StructureID)
	if err != nil {
		return err
	}
	kind := "state." + to
	if label.IsDecision(a.State) && to == label.EnInstruction {
		kind = "state.reopened"
	}
	if err := s.notify(ctx, tx, rs, 0, kind, a, "Motivation", motivation); err != nil {
		return err
	}
	return outbox(ctx, tx, labelEntityApplication, a.ID)
}

// Bulk applies one action to many applications (across pages): assign,
// start the review, close without follow-up or refuse — the last two with
// one motivation for all. Those the action does not fit are left as they
// were, each with its reason.
func (s *LabelService) Bulk(ctx context.Context, u *maillage.User, action string, ids []int64, reviewerID int64, motivation string) (*label.BulkResult, error) {
	if len(ids) == 0 {
		return nil, maillage.Invalid("ids", "label.bulk.none")
	}
	if action == label.BulkAssign {
		if reviewerID == 0 {
			reviewerID = u.ID
		}
		return s.Assign(ctx, u, ids, reviewerID)
	}
	to := label.BulkTarget(action)
	if to == "" {
		return nil, maillage.Invalid("action", maillage.KeyNotInList)
	}
	if label.MoveNeedsMotivation(label.EnInstruction, to) {
		if err := label.CheckMove(label.EnInstruction, to, motivation); err != nil {
			return nil, err
		}
	}
	res := &label.BulkResult{}
	err := s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		for _, id := range ids {
			a, err := reviewable(ctx, tx, u, id)
			if maillage.ErrorCode(err) == maillage.ENOTFOUND {
				res.Skipped = append(res.Skipped, label.BulkSkip{ID: id, Key: "label.bulk.skip.not_found"})
				continue
			} else if err != nil {
				return err
			}
			if !label.Machine.Can(a.State, to) {
				res.Skipped = append(res.Skipped, label.BulkSkip{ID: id, Key: "label.bulk.skip.state"})
				continue
			}
			if err := s.move(ctx, tx, u, a, to, motivation); err != nil {
				if key, _ := maillage.ErrorKey(err); maillage.ErrorCode(err) == maillage.EFORBIDDEN {
					res.Skipped = append(res.Skipped, label.BulkSkip{ID: id, Key: key})
					continue
				}
				return err
			}
			res.Done++
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// Assess records per-indicator assessments (a reviewer of an application
// not yet decided).
func (s *LabelService) Assess(ctx context.Context, u *maillage.User, id int64, as []label.Assessment) error {
	return s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		a, err := reviewable(ctx, tx, u, id)
		if err != nil {
			return err
		}
		if label.IsDecision(a.State) {
			return maillage.Errorf(maillage.ECONFLICT, "label.assessment.decided")
		}
		if err := notConflicted(ctx, tx, u, a); err != nil {
			return err
		}
		p, err := s.programmeByID(ctx, a.ProgrammeID)
		if err != nil {
			return err
		}
		var ps maillage.Problems
		for i := range as {
			as[i].Comment = strings.TrimSpace(strings.ReplaceAll(as[i].Comment, "\r\n", "\n"))
			ps.Extend("", as[i].Validate(p))
		}
		if err := ps.Err(); err != nil {
			return err
		}
		for _, x := range as {
			if _, err := tx.NewRaw(`INSERT INTO label_assessments (application_id, indicator, grade, comment, reviewer_id) VALUES (?, ?, ?, ?, ?)
				ON CONFLICT (application_id, indicator) DO UPDATE SET grade = excluded.grade, comment = excluded.comment,
				reviewer_id = excluded.reviewer_id, updated_at = now()`, id, x.Indicator, x.Grade, x.Comment, u.ID).Exec(ctx); err != nil {
				return err
			}
		}
		return nil
	})
}

// AddNote adds a private note (reviewers only; never shown to the applicant).
func (s *LabelService) AddNote(ctx context.Context, u *maillage.User, id int64, text string) error {
	text = strings.TrimSpace(strings.ReplaceAll(text, "\r\n", "\n"))
	if err := label.CheckText("note", text).Err(); err != nil {
		return err
	}
	return s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if _, err := reviewable(ctx, tx, u, id); err != nil {
			return err
		}
		_, err := tx.NewRaw("INSERT INTO label_notes (application_id, author_id, text) VALUES (?, ?, ?)", id, u.ID, text).Exec(ctx)
		return err
	})
}

func (s *LabelService) opinions(ctx context.Context, idb bun.IDB, where string, args ...any) ([]label.Opinion, error) {
	var out []label.Opinion
	err := idb.NewRaw(`SELECT o.id, coalesce(o.requested_by, 0) AS requested_by, coalesce(nullif(q.display_name, ''), q.email, '') AS requested_by_name,
		o.reviewer_id, coalesce(nullif(r.display_name, ''), r.email, '') AS reviewer_name, o.question, o.answer, o.confidential,
		o.created_at, o.answered_at, o.reminded_at
		FROM label_opinions o LEFT JOIN users q ON q.id = o.requested_by JOIN users r ON r.id = o.reviewer_id WHERE `+where+" ORDER BY o.id", args...).Scan(ctx, &out)
	return out, err
}

// AskOpinion asks another reviewer of the programme for an opinion
// (optionally confidential: only the two of them see it).
func (s *LabelService) AskOpinion(ctx context.Context, u *maillage.User, id, reviewerID int64, question string, confidential bool) error {
	question = strings.TrimSpace(strings.ReplaceAll(question, "\r\n", "\n"))
	ps := label.CheckText("question", question)
	if reviewerID == 0 || reviewerID == u.ID {
		ps.Add("avis_de", "label.opinion.reviewer")
	}
	if err := ps.Err(); err != nil {
		return err
	}
	return s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		a, err := reviewable(ctx, tx, u, id)
		if err != nil {
			return err
		}
		ok, err := reviewsProgramme(ctx, tx, reviewerID, a.ProgrammeCode)
		if err != nil {
			return err
		}
		if !ok {
			return maillage.Invalid("avis_de", "label.opinion.reviewer")
		}
		if c, err := conflicted(ctx, tx, reviewerID, a); err != nil {
			return err
		} else if c {
			return maillage.Invalid("avis_de", "label.assign.conflict")
		}
		// One opinion to give at a time: each request mails the reviewer.
		var pending bool
		if err := tx.NewRaw("SELECT EXISTS (SELECT 1 FROM label_opinions WHERE application_id = ? AND reviewer_id = ? AND answered_at IS NULL)",
			id, reviewerID).Scan(ctx, &pending); err != nil {
			return err
		}
		if pending {
			return maillage.Invalid("avis_de", "label.opinion.pending")
		}
		if _, err := tx.NewRaw("INSERT INTO label_opinions (application_id, requested_by, reviewer_id, question, confidential) VALUES (?, ?, ?, ?, ?)",
			id, u.ID, reviewerID, question, confidential).Exec(ctx); err != nil {
			return err
		}
		to, err := usersByID(ctx, tx, []int64{reviewerID})
		if err != nil {
			return err
		}
		return s.notify(ctx, tx, to, u.ID, "opinion_asked", a)
	})
}

// lockOpinion reads an opinion under lock with its application.
func (s *LabelService) lockOpinion(ctx context.Context, tx bun.IDB, u *maillage.User, opinionID int64) (*label.Opinion, *label.Application, error) {
	var appID int64
	if err := tx.NewRaw("SELECT application_id FROM label_opinions WHERE id = ? FOR UPDATE", opinionID).Scan(ctx, &appID); err != nil {
		return nil, nil, translate(err, "label.opinion.not_found")
	}
	a, err := reviewable(ctx, tx, u, appID)
	if err != nil {
		return nil, nil, err
	}
	os, err := s.opinions(ctx, tx, "o.id = ?", opinionID)
	if err != nil || len(os) == 0 {
		return nil, nil, maillage.Errorf(maillage.ENOTFOUND, "label.opinion.not_found")
	}
	if !os[0].SeenBy(u, true) {
		return nil, nil, maillage.Errorf(maillage.ENOTFOUND, "label.opinion.not_found")
	}
	return &os[0], a, nil
}

// AnswerOpinion records the opinion of the reviewer asked.
func (s *LabelService) AnswerOpinion(ctx context.Context, u *maillage.User, opinionID int64, answer string) (int64, error) {
	answer = strings.TrimSpace(strings.ReplaceAll(answer, "\r\n", "\n"))
	var appID int64
	if err := s.db.NewRaw("SELECT application_id FROM label_opinions WHERE id = ?", opinionID).Scan(ctx, &appID); err != nil {
		return 0, translate(err, "label.opinion.not_found")
	}
	if err := label.CheckText("reponse", answer).Err(); err != nil {
		return appID, err // the form is redrawn on its application's page
	}
	err := s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		o, a, err := s.lockOpinion(ctx, tx, u, opinionID)
		if err != nil {
			return err
		}
		appID = a.ID
		if err := o.CheckAnswer(u); err != nil {
			return err
		}
		if _, err := tx.NewRaw("UPDATE label_opinions SET answer = ?, answered_at = now() WHERE id = ?", answer, opinionID).Exec(ctx); err != nil {
			return err
		}
		to, err := usersByID(ctx, tx, []int64{o.RequestedBy})
		if err != nil {
			return err
		}
		return s.notify(ctx, tx, to, u.ID, "opinion_answered", a)
	})
	return appID, err
}

// RemindOpinion reminds the reviewer asked of an unanswered opinion.
func (s *LabelService) RemindOpinion(ctx context.Context, u *maillage.User, opinionID int64) (int64, error) {
	var appID int64
	err := s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		o, a, err := s.lockOpinion(ctx, tx, u, opinionID)
		if err != nil {
			return err
		}
		appID = a.ID
		if o.AnsweredAt != nil {
			return maillage.Errorf(maillage.ECONFLICT, "label.opinion.answered")
		}
		if !o.CanRemind(s.now()) {
			return maillage.Errorf(maillage.ETOOMANY, "label.opinion.remind_soon")
		}
		return s.remindOpinion(ctx, tx, o, a)
	})
	return appID, err
}

func (s *LabelService) remindOpinion(ctx context.Context, tx bun.IDB, o *label.Opinion, a *label.Application) error {
	// Only if nobody reminded since it was read: two instances running the
	// reminders at once send one.
	res, err := tx.NewRaw("UPDATE label_opinions SET reminded_at = ? WHERE id = ? AND reminded_at IS NOT DISTINCT FROM ?", s.now(), o.ID, o.RemindedAt).Exec(ctx)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil
	}
	to, err := usersByID(ctx, tx, []int64{o.ReviewerID})
	if err != nil {
		return err
	}
	return s.notify(ctx, tx, to, 0, "opinion_reminder", a, "Asker", o.RequestedByName)
}

// team lists the reviewers of a programme (active instructeur grants).
func (s *LabelService) team(ctx context.Context, programme string) ([]label.TeamMember, error) {
	var out []label.TeamMember
	err := s.db.NewRaw(`SELECT DISTINCT u.id AS user_id, coalesce(nullif(u.display_name, ''), u.email, '') AS name, coalesce(u.email, '') AS email,
		EXISTS (SELECT 1 FROM label_leads l WHERE l.programme_code = ? AND l.user_id = u.id) AS lead
		FROM role_grants g JOIN users u ON u.id = g.user_id
		WHERE g.role = 'instructeur' AND g.scope_kind = 'programme' AND g.scope_value = ? AND g.revoked_at IS NULL AND u.email IS NOT NULL
		ORDER BY name`, programme, programme).Scan(ctx, &out)
	return out, err
}

// Team lists the reviewers of a programme, for its reviewers.
func (s *LabelService) Team(ctx context.Context, u *maillage.User, programme string) ([]label.TeamMember, error) {
	if !label.Reviews(u, programme) {
		return nil, maillage.Errorf(maillage.EFORBIDDEN, "label.review.forbidden")
	}
	return s.team(ctx, programme)
}

// SetLead makes a reviewer of a programme a lead reviewer, or not
// (administrators; recorded in the audit log).
func (s *LabelService) SetLead(ctx context.Context, u *maillage.User, programme string, userID int64, lead bool) error {
	if !u.Has(maillage.RoleAdministrateur) {
		return maillage.Errorf(maillage.EFORBIDDEN, "label.lead.forbidden")
	}
	return s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		ok, err := reviewsProgramme(ctx, tx, userID, programme)
		if err != nil {
			return err
		}
		if !ok {
			return maillage.Invalid("user_id", "label.assign.not_reviewer")
		}
		e := maillage.AuditEntry{Action: "label.lead_removed"}
		if lead {
			e = maillage.AuditEntry{Action: "label.lead_granted"}
			_, err = tx.NewRaw("INSERT INTO label_leads (programme_code, user_id, granted_by) VALUES (?, ?, ?) ON CONFLICT DO NOTHING", programme, userID, u.ID).Exec(ctx)
		} else {
			_, err = tx.NewRaw("DELETE FROM label_leads WHERE programme_code = ? AND user_id = ?", programme, userID).Exec(ctx)
		}
		if err != nil {
			return err
		}
		e.ActorID, e.TargetID, e.Details = &u.ID, &userID, map[string]any{"programme": programme}
		return auditTx(ctx, tx, e)
	})
}

// DeclareTie records that a reviewer is tied to a structure: they are then
// never assigned its applications.
func (s *LabelService) DeclareTie(ctx context.Context, u *maillage.User, structureID int64, reason string) error {
	if !label.IsReviewer(u) {
		return maillage.Errorf(maillage.EFORBIDDEN, "label.review.forbidden")
	}
	reason = strings.TrimSpace(reason)
	var ps maillage.Problems
	maillage.CheckText(&ps, "motif", reason, 2000, true)
	if err := ps.Err(); err != nil {
		return err
	}
	_, err := s.db.NewRaw("INSERT INTO label_ties (reviewer_id, structure_id, reason) VALUES (?, ?, ?) ON CONFLICT (reviewer_id, structure_id) DO UPDATE SET reason = excluded.reason",
		u.ID, structureID, reason).Exec(ctx)
	return translate(err, "label.structure.unknown")
}
