package postgres

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"maillage/internal/label"
	"maillage/internal/maillage"
	"maillage/internal/search"
)

// Granted labels: granting (an accepted application), renewal (the new
// label replaces the previous one), withdrawal with a reason, expiry
// reminders, and the public register (search type "label", the place's
// page and the national export through label_autres_formations_labels).

const labelSelect = `SELECT l.id, l.structure_id, s.nom AS structure_nom, l.application_id, l.programme_code, l.programme_title, l.status,
	l.starts_on, l.expires_on, l.withdrawn_at, l.withdrawal_reason, s.commune, coalesce(c.code_departement, '') AS code_departement,
	coalesce(c.code_region, '') AS code_region, coalesce(s.latitude, c.latitude) AS latitude, coalesce(s.longitude, c.longitude) AS longitude
	FROM label_labels l JOIN structures s ON s.id = l.structure_id LEFT JOIN communes c ON c.code_insee = s.commune_insee`

func (s *LabelService) labelsWhere(ctx context.Context, where string, args ...any) ([]*label.Label, error) {
	var out []*label.Label
	err := s.db.NewRaw(labelSelect+" WHERE "+where+" ORDER BY l.starts_on, l.id", args...).Scan(ctx, &out)
	return out, err
}

// grant records the label of an accepted application: from the decision
// day for the programme's validity; a label the structure held for the
// programme is replaced (renewal).
func (s *LabelService) grant(ctx context.Context, tx bun.IDB, u *maillage.User, a *label.Application) error {
	p, err := s.programmeByID(ctx, a.ProgrammeID)
	if err != nil {
		return err
	}
	start, end := label.Validity(s.now(), p.ValidityYears())
	var old []int64
	if err := tx.NewRaw("SELECT id FROM label_labels WHERE structure_id = ? AND programme_code = ? AND status = 'actif' FOR UPDATE",
		a.StructureID, a.ProgrammeCode).Scan(ctx, &old); err != nil {
		return err
	}
	for _, id := range old {
		if err := transition(ctx, tx, label.LabelMachine, id, label.LabelActif, label.LabelRemplace, &u.ID, "label.renewed"); err != nil {
			return err
		}
		if _, err := tx.NewRaw("UPDATE label_labels SET status = 'remplace' WHERE id = ?", id).Exec(ctx); err != nil {
			return err
		}
		if err := outbox(ctx, tx, labelEntityLabel, id); err != nil {
			return err
		}
	}
	var id int64
	if err := tx.NewRaw(`INSERT INTO label_labels (structure_id, application_id, programme_code, programme_title, register_text, starts_on, expires_on)
		VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`, a.StructureID, a.ID, a.ProgrammeCode, p.Title, label.RegisterText(p.Title, end), start, end).Scan(ctx, &id); err != nil {
		return err
	}
	if err := transition(ctx, tx, label.LabelMachine, id, "", label.LabelActif, &u.ID, ""); err != nil {
		return err
	}
	if err := outbox(ctx, tx, labelEntityLabel, id); err != nil {
		return err
	}
	return touchStructure(ctx, tx, a.StructureID)
}

// touchStructure tells the search index the place changed (its labels
// show in its document and national data).
func touchStructure(ctx context.Context, tx bun.IDB, structureID int64) error {
	if _, err := tx.NewRaw("UPDATE structures SET updated_at = now() WHERE id = ?", structureID).Exec(ctx); err != nil {
		return err
	}
	return outbox(ctx, tx, "structure", structureID)
}

// withdrawOf withdraws the active label an application granted (its
// decision is reopened).
func (s *LabelService) withdrawOf(ctx context.Context, tx bun.IDB, u *maillage.User, applicationID int64, reason string) error {
	var ids []int64
	if err := tx.NewRaw("SELECT id FROM label_labels WHERE application_id = ? AND status = 'actif' FOR UPDATE", applicationID).Scan(ctx, &ids); err != nil {
		return err
	}
	for _, id := range ids {
		if err := s.withdraw(ctx, tx, u, id, reason); err != nil {
			return err
		}
	}
	return nil
}

func (s *LabelService) withdraw(ctx context.Context, tx bun.IDB, u *maillage.User, id int64, reason string) error {
	var row struct {
		StructureID int64
		Status      string
	}
	if err := tx.NewRaw("SELECT structure_id, status FROM label_labels WHERE id = ? FOR UPDATE", id).Scan(ctx, &row); err != nil {
		return translate(err, "label.label.not_found")
	}
	if err := transition(ctx, tx, label.LabelMachine, id, row.Status, label.LabelRetire, &u.ID, reason); err != nil {
		return err
	}
	if _, err := tx.NewRaw("UPDATE label_labels SET status = 'retire', withdrawn_at = ?, withdrawal_reason = ? WHERE id = ?", s.now(), reason, id).Exec(ctx); err != nil {
		return err
	}
	if err := outbox(ctx, tx, labelEntityLabel, id); err != nil {
		return err
	}
	return touchStructure(ctx, tx, row.StructureID)
}

// Withdraw withdraws a granted label with a reason (a lead reviewer of its
// programme or an administrator); the structure's referents are told.
func (s *LabelService) Withdraw(ctx context.Context, u *maillage.User, labelID int64, reason string) error {
	if err := label.CheckWithdrawal(reason); err != nil {
		return err
	}
	return s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var l struct {
			ApplicationID int64
			ProgrammeCode string
		}
		if err := tx.NewRaw("SELECT application_id, programme_code FROM label_labels WHERE id = ?", labelID).Scan(ctx, &l); err != nil {
			return translate(err, "label.label.not_found")
		}
		lead, err := isLead(ctx, tx, u, l.ProgrammeCode)
		if err != nil {
			return err
		}
		if !lead {
			return maillage.Errorf(maillage.EFORBIDDEN, "label.withdraw.forbidden")
		}
		a, err := findApplication(ctx, tx, l.ApplicationID, true)
		if err != nil {
			return err
		}
		if err := s.withdraw(ctx, tx, u, labelID, reason); err != nil {
			return err
		}
		rs, err := referents(ctx, tx, a.StructureID)
		if err != nil {
			return err
		}
		return s.notify(ctx, tx, rs, 0, "withdrawn", a, "Motivation", reason)
	})
}

// Labels lists the labels of a structure, newest last (every status).
func (s *LabelService) Labels(ctx context.Context, structureID int64) ([]*label.Label, error) {
	return s.labelsWhere(ctx, "l.structure_id = ?", structureID)
}

// Label returns one label (public: the register's entry).
func (s *LabelService) Label(ctx context.Context, id int64) (*label.Label, error) {
	ls, err := s.labelsWhere(ctx, "l.id = ?", id)
	if err != nil {
		return nil, err
	}
	if len(ls) == 0 {
		return nil, maillage.Errorf(maillage.ENOTFOUND, "label.label.not_found")
	}
	return ls[0], nil
}

// activeSQL is the condition of a label valid today.
const activeSQL = "l.status = 'actif' AND l.starts_on <= " + maillage.TodaySQL + " AND l.expires_on > " + maillage.TodaySQL

// Register lists the places that hold a label today (public), by name.
func (s *LabelService) Register(ctx context.Context, departement string, offset, limit int) ([]*label.Label, int, error) {
	where, args := activeSQL, []any{}
	if departement != "" {
		where += " AND c.code_departement = ?"
		args = append(args, departement)
	}
	var total int
	if err := s.db.NewRaw("SELECT count(*) FROM label_labels l JOIN structures s ON s.id = l.structure_id LEFT JOIN communes c ON c.code_insee = s.commune_insee WHERE "+where, args...).Scan(ctx, &total); err != nil {
		return nil, 0, err
	}
	if limit <= 0 || limit > 500 {
		limit = 50
	}
	var out []*label.Label
	err := s.db.NewRaw(labelSelect+" WHERE "+where+" ORDER BY s.nom, l.id LIMIT ? OFFSET ?", append(args, limit, offset)...).Scan(ctx, &out)
	return out, total, err
}

// RunWorker is the capability's background loop: background exports
// (every few seconds), then hourly the reminders before a label expires,
// the reminders of unanswered opinions, and the search documents of the
// labels that expired.
func (s *LabelService) RunWorker(ctx context.Context) {
	tick := time.NewTicker(5 * time.Second)
	defer tick.Stop()
	var hourly time.Time
	for {
		if err := s.RunExports(ctx); err != nil && ctx.Err() == nil {
			s.Log.Warn("label exports", "err", err)
		}
		if time.Since(hourly) >= time.Hour {
			hourly = time.Now()
			if _, err := s.RunReminders(ctx); err != nil && ctx.Err() == nil {
				s.Log.Warn("label reminders", "err", err)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// RunReminders sends what is due now: a reminder to the referents of each
// label when it crosses one of its programme's thresholds before expiry;
// a reminder to each reviewer whose opinion waits for a week; and marks
// expired labels for the search index and the place. It returns the
// number of mails written.
func (s *LabelService) RunReminders(ctx context.Context) (int, error) {
	now := s.now()
	sent := 0
	var ls []struct {
		ID            int64
		ApplicationID int64
		ProgrammeID   int64
		ExpiresOn     time.Time
		RemindersSent []int `bun:"reminders_sent,array"`
	}
	if err := s.db.NewRaw(`SELECT l.id, l.application_id, a.programme_id, l.expires_on, l.reminders_sent FROM label_labels l
		JOIN label_applications a ON a.id = l.application_id WHERE l.status = 'actif' AND l.expires_on > ?::date AND l.expires_on <= ?::date + 400`,
		maillage.Today(now).Format(time.DateOnly), maillage.Today(now).Format(time.DateOnly)).Scan(ctx, &ls); err != nil {
		return 0, err
	}
	for _, l := range ls {
		p, err := s.programmeByID(ctx, l.ProgrammeID)
		if err != nil {
			return sent, err
		}
		days, due := label.ReminderDue(now, l.ExpiresOn, p.ReminderDays(), l.RemindersSent)
		if !due {
			continue
		}
		err = s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
			res, err := tx.NewRaw("UPDATE label_labels SET reminders_sent = array_append(reminders_sent, ?) WHERE id = ? AND NOT (? = ANY (reminders_sent))", days, l.ID, days).Exec(ctx)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return nil // another instance sent it
			}
			a, err := findApplication(ctx, tx, l.ApplicationID, false)
			if err != nil {
				return err
			}
			rs, err := referents(ctx, tx, a.StructureID)
			if err != nil {
				return err
			}
			sent += len(rs)
			return s.notify(ctx, tx, rs, 0, "expiry", a, "Days", label.DaysLeft(now, l.ExpiresOn), "End", labelDateFR(l.ExpiresOn.AddDate(0, 0, -1)))
		})
		if err != nil {
			return sent, err
		}
	}
	// Opinions waiting for a week.
	var pending []struct {
		ID            int64
		ApplicationID int64
	}
	if err := s.db.NewRaw(`SELECT id, application_id FROM label_opinions WHERE answered_at IS NULL AND coalesce(reminded_at, created_at) <= ?`,
		now.Add(-label.OpinionReminderAfter)).Scan(ctx, &pending); err != nil {
		return sent, err
	}
	for _, o := range pending {
		err := s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
			os, err := s.opinions(ctx, tx, "o.id = ?", o.ID)
			if err != nil || len(os) == 0 || !os[0].ReminderDue(now) {
				return err
			}
			a, err := findApplication(ctx, tx, o.ApplicationID, false)
			if err != nil {
				return err
			}
			sent++
			return s.remindOpinion(ctx, tx, &os[0], a)
		})
		if err != nil {
			return sent, err
		}
	}
	// Expired labels leave the register and the place's data.
	err := s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var exp []struct{ ID, StructureID int64 }
		if err := tx.NewRaw(`UPDATE label_labels SET expiry_synced = true WHERE status = 'actif' AND expires_on <= ?::date AND NOT expiry_synced
			RETURNING id, structure_id`, maillage.Today(now).Format(time.DateOnly)).Scan(ctx, &exp); err != nil {
			return err
		}
		for _, e := range exp {
			if err := outbox(ctx, tx, labelEntityLabel, e.ID); err != nil {
				return err
			}
			if err := touchStructure(ctx, tx, e.StructureID); err != nil {
				return err
			}
		}
		return nil
	})
	return sent, err
}

// LabelDocs returns the labels valid today by id (the register's search
// documents; a withdrawn, replaced or expired label has none).
func (s *LabelService) LabelDocs(ctx context.Context, ids []int64) ([]*label.Label, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	return s.labelsWhere(ctx, activeSQL+" AND l.id IN (?)", bun.In(ids))
}

// ApplicationDocs returns what the restricted index holds of applications
// (submitted ones only: drafts are never indexed): the application, its
// reviewers and the answers of its latest revision.
func (s *LabelService) ApplicationDocs(ctx context.Context, ids []int64) ([]search.ApplicationSource, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	var rows []applicationRow
	if err := s.db.NewRaw(applicationSelect+" WHERE a.id IN (?) AND a.state <> 'brouillon'", bun.In(ids)).Scan(ctx, &rows); err != nil {
		return nil, err
	}
	var answers []struct {
		ApplicationID int64
		Text          string
	}
	if err := s.db.NewRaw(`SELECT r.application_id, string_agg(left(x.text, 500), ' ' ORDER BY x.indicator) AS text
		FROM label_applications a JOIN label_revisions r ON r.application_id = a.id AND r.number = a.revision
		JOIN label_answers x ON x.revision_id = r.id WHERE a.id IN (?) GROUP BY r.application_id`, bun.In(ids)).Scan(ctx, &answers); err != nil {
		return nil, err
	}
	text := map[int64]string{}
	for _, a := range answers {
		text[a.ApplicationID] = a.Text
	}
	out := make([]search.ApplicationSource, len(rows))
	for i := range rows {
		out[i] = search.ApplicationSource{Application: rows[i].domain(), Answers: text[rows[i].ID]}
	}
	return out, nil
}

// The register's part of the PostgreSQL fallback search (search type
// "label"): the places holding a label today.
func init() {
	fallbackParts[label.SearchLabel] = func(s *SearchFallback, v maillage.Viewer) fallbackPart {
		p := fallbackPart{id: "l.id", from: "label_labels l JOIN structures s ON s.id = l.structure_id LEFT JOIN communes c ON c.code_insee = s.commune_insee",
			where: activeSQL, title: "s.nom", subtitle: "''", snippet: "l.programme_title", commune: "s.commune",
			dep: "c.code_departement", lat: "coalesce(s.latitude, c.latitude)", lng: "coalesce(s.longitude, c.longitude)",
			facets: []string{"departement"}, subtitleKeys: "label.search.", url: "/labels/registre/"}
		p.doc = "s.nom || ' ' || s.commune || ' ' || l.programme_title"
		p.filters = map[string]string{"departement": "c.code_departement", "region": "c.code_region", "programme": "l.programme_code"}
		return p
	}
}
