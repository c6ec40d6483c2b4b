package postgres

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"maillage/internal/label"
	"maillage/internal/maillage"
)

// Exports of the reviewers' queue: chosen columns, CSV or XLSX; private
// notes only in a reviewer's export (exports are for reviewers only: the
// filter's viewer must review the programmes). Large exports are prepared
// in the background and announced by mail.

// exportRow is what one application gives to an export.
type exportRow struct {
	ID              int64
	StructureNom    string
	Commune         string
	CodeDepartement string
	ProgrammeTitle  string
	State           string
	DepositedAt     *time.Time
	DueAt           *time.Time
	DecidedAt       *time.Time
	Motivation      string
	Reviewers       string
	Majors          int
	Minors          int
	Notes           string
}

// Export returns the rows of every application matching the filter (at
// most 20,000), with the columns asked (label.ExportColumnsFor).
func (s *LabelService) Export(ctx context.Context, f label.Filter, cols []string) ([]label.ExportRow, int, error) {
	f.Normalize()
	where, args, err := queueWhere(f)
	if err != nil {
		return nil, 0, err
	}
	cols = label.ExportColumnsFor(cols, label.IsReviewer(f.Viewer))
	notes := "''"
	for _, c := range cols {
		if c == "notes" {
			notes = `coalesce((SELECT string_agg(n.text, ' | ' ORDER BY n.id) FROM label_notes n WHERE n.application_id = a.id), '')`
		}
	}
	var rows []exportRow
	q := `SELECT a.id, s.nom AS structure_nom, s.commune, coalesce(c.code_departement, '') AS code_departement, p.title AS programme_title,
		a.state, a.deposited_at, a.due_at, a.decided_at, a.motivation,
		coalesce((SELECT string_agg(coalesce(nullif(r.display_name, ''), r.email, ''), ', ' ORDER BY r.id) FROM label_assignments la JOIN users r ON r.id = la.reviewer_id WHERE la.application_id = a.id), '') AS reviewers,
		(SELECT count(*) FROM label_assessments x WHERE x.application_id = a.id AND x.grade = 'non_conformite_majeure') AS majors,
		(SELECT count(*) FROM label_assessments x WHERE x.application_id = a.id AND x.grade = 'non_conformite_mineure') AS minors,
		` + notes + ` AS notes` + queueFrom + ` JOIN label_programmes p ON p.id = a.programme_id` + where + queueOrder(f) + " LIMIT 20000"
	if err := s.db.NewRaw(q, args...).Scan(ctx, &rows); err != nil {
		return nil, 0, err
	}
	day := func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.In(maillage.Paris).Format("2006-01-02")
	}
	out := make([]label.ExportRow, len(rows))
	for i, r := range rows {
		row := label.ExportRow{}
		for _, c := range cols {
			var v string
			switch c {
			case "id":
				v = strconv.FormatInt(r.ID, 10)
			case "structure":
				v = r.StructureNom
			case "commune":
				v = r.Commune
			case "departement":
				v = r.CodeDepartement
			case "programme":
				v = r.ProgrammeTitle
			case "etat":
				v = s.Texts.T(mailLang, "label.state."+r.State)
			case "depot":
				v = day(r.DepositedAt)
			case "echeance":
				v = day(r.DueAt)
			case "instructeurs":
				v = r.Reviewers
			case "majeures":
				v = strconv.Itoa(r.Majors)
			case "mineures":
				v = strconv.Itoa(r.Minors)
			case "decision":
				v = day(r.DecidedAt)
			case "motivation":
				v = r.Motivation
			case "notes":
				v = r.Notes
			}
			row[c] = v
		}
		out[i] = row
	}
	return out, len(out), nil
}

// ExportHeader names the columns in the catalogue's language.
func ExportHeader(t maillage.Texts, lang string, cols []string) []string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = t.T(lang, "label.column."+c)
	}
	return out
}

// exportFilter is what a background export keeps of its filter.
type exportFilter struct {
	Tab         string  `json:"tab"`
	Programme   string  `json:"programme,omitempty"`
	State       string  `json:"state,omitempty"`
	Departement string  `json:"departement,omitempty"`
	Sort        string  `json:"sort,omitempty"`
	IDs         []int64 `json:"ids,omitempty"`
	HasIDs      bool    `json:"has_ids,omitempty"`
}

// StartExport records an export to prepare in the background (the worker
// writes the file and mails its requester a link).
func (s *LabelService) StartExport(ctx context.Context, f label.Filter, cols []string, format string) (int64, error) {
	if format != label.FormatCSV && format != label.FormatXLSX {
		return 0, maillage.Invalid("format", maillage.KeyNotInList)
	}
	if !label.IsReviewer(f.Viewer) {
		return 0, maillage.Errorf(maillage.EFORBIDDEN, "label.review.forbidden")
	}
	cols = label.ExportColumnsFor(cols, true)
	b, err := json.Marshal(exportFilter{Tab: f.Tab, Programme: f.Programme, State: f.State, Departement: f.Departement, Sort: f.Sort, IDs: f.IDs, HasIDs: f.HasIDs})
	if err != nil {
		return 0, err
	}
	var id int64
	err = s.db.NewRaw("INSERT INTO label_exports (user_id, format, columns, filter) VALUES (?, ?, ?, ?) RETURNING id",
		f.Viewer.ID, format, pgArray(cols), string(b)).Scan(ctx, &id)
	return id, err
}

// RunExports prepares the waiting background exports, one at a time.
func (s *LabelService) RunExports(ctx context.Context) error {
	for ctx.Err() == nil {
		done, err := s.runOneExport(ctx)
		if err != nil || !done {
			return err
		}
	}
	return nil
}

func (s *LabelService) runOneExport(ctx context.Context) (bool, error) {
	var did bool
	err := s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var e struct {
			ID      int64
			UserID  int64
			Format  string
			Columns []string `bun:"columns,array"`
			Filter  json.RawMessage
		}
		err := tx.NewRaw(`SELECT id, user_id, format, columns, filter FROM label_exports WHERE done_at IS NULL ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED`).Scan(ctx, &e)
		if isNoRows(err) {
			return nil
		} else if err != nil {
			return err
		}
		did = true
		var ef exportFilter
		if err := json.Unmarshal(e.Filter, &ef); err != nil {
			return err
		}
		u, err := s.Users.FindUserByID(ctx, e.UserID)
		if err != nil {
			return err
		}
		f := label.Filter{Viewer: u, Tab: ef.Tab, Programme: ef.Programme, State: ef.State, Departement: ef.Departement, Sort: ef.Sort, IDs: ef.IDs, HasIDs: ef.HasIDs}
		rows, n, err := s.Export(ctx, f, e.Columns)
		var b bytes.Buffer
		if err == nil {
			cols := label.ExportColumnsFor(e.Columns, label.IsReviewer(u))
			header := ExportHeader(s.Texts, mailLang, cols)
			if e.Format == label.FormatXLSX {
				err = label.WriteXLSX(&b, cols, header, rows)
			} else {
				err = label.WriteCSV(&b, cols, header, rows)
			}
		}
		if err != nil {
			_, uerr := tx.NewRaw("UPDATE label_exports SET done_at = now(), error = ? WHERE id = ?", err.Error(), e.ID).Exec(ctx)
			return uerr
		}
		sum := sha256.Sum256(b.Bytes())
		sha := hex.EncodeToString(sum[:])
		if err := s.store(sha, b.Bytes()); err != nil {
			return err
		}
		if _, err := tx.NewRaw("UPDATE label_exports SET done_at = now(), rows = ?, sha256 = ? WHERE id = ?", n, sha, e.ID).Exec(ctx); err != nil {
			return err
		}
		if u.Email == "" {
			return nil
		}
		link := s.BaseURL + "/labels/exports/" + strconv.FormatInt(e.ID, 10)
		m := &maillage.Mail{To: u.Email, Kind: "label_export_ready", Lang: mailLang,
			Subject: s.Texts.T(mailLang, "label.mail.export_ready.subject", "Count", n),
			Text:    s.Texts.T(mailLang, "label.mail.export_ready.body", "Count", n, "Link", link, "Format", strings.ToUpper(e.Format))}
		return EnqueueMail(ctx, tx, m)
	})
	return did, err
}

// ExportFile returns a finished background export, for its requester only.
func (s *LabelService) ExportFile(ctx context.Context, u *maillage.User, id int64) (string, io.ReadCloser, error) {
	var e struct {
		UserID int64
		Format string
		SHA256 *string `bun:"sha256"`
		Error  string
		DoneAt *time.Time
	}
	if err := s.db.NewRaw("SELECT user_id, format, sha256, error, done_at FROM label_exports WHERE id = ?", id).Scan(ctx, &e); err != nil {
		return "", nil, translate(err, "label.export.not_found")
	}
	if u == nil || e.UserID != u.ID {
		return "", nil, maillage.Errorf(maillage.ENOTFOUND, "label.export.not_found")
	}
	if e.DoneAt == nil {
		return "", nil, maillage.Errorf(maillage.ECONFLICT, "label.export.pending")
	}
	if e.SHA256 == nil {
		return "", nil, maillage.Wrap(maillage.EINTERNAL, fmt.Errorf("export %d: %s", id, e.Error), "label.export.failed")
	}
	r, err := os.Open(s.filePath(*e.SHA256))
	if err != nil {
		return "", nil, maillage.Wrap(maillage.ENOTFOUND, err, "label.export.not_found")
	}
	return e.Format, r, nil
}
