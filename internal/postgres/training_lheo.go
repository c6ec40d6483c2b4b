package postgres

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"maillage/internal/lieux"
	"maillage/internal/maillage"
	"maillage/internal/training"
)

// errFatalFile rolls an import back: the file could not be read to its end.
var errFatalFile = errors.New("LHEO file not readable to its end")

// ImportLHEO imports an LHEO 2.3 (or 2.2) file in one transaction: each
// formation becomes an offer of its training body (found by SIRET; an
// administrator's import creates the bodies it does not know), matched to
// a stored offer by its id (extras of our exports) or its title, with its
// sessions matched by id or by dates and place; upcoming sessions no longer
// in the file are removed, past ones are kept. Formations the file or the
// database refuses are reported element by element and left out; a file
// that is not LHEO (wrong namespace, not XML, cut short) writes nothing.
// Progress is called after each formation.
func (s *TrainingService) ImportLHEO(ctx context.Context, req training.ImportRequest) (*training.ImportResult, error) {
	if req.StructureID != 0 {
		if _, err := s.bodyOf(ctx, req.Actor, req.StructureID); err != nil {
			return nil, err
		}
	} else if !req.Actor.Admin {
		return nil, maillage.Errorf(maillage.EFORBIDDEN, training.KeyBodyForbidden)
	}
	ix, err := s.Certifications(ctx)
	if err != nil {
		return nil, err
	}
	if _, _, err := s.loadCommunes(ctx); err != nil {
		return nil, err
	}
	opts := training.ImportOptions{Certifications: ix, Progress: req.Progress,
		Commune: func(postcode, city string) (string, bool) { return s.communeByPostcode(ctx, postcode, city) }}
	res := &training.ImportResult{}
	im := &lheoImport{s: s, req: req, res: res, bodies: map[string]int64{}}
	err = s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		im.tx = tx
		rep, err := training.ImportLHEO(req.File, opts, func(f training.Formation) error { return im.formation(ctx, f) })
		res.Report = rep
		if err != nil {
			return err
		}
		if rep.Fatal {
			return errFatalFile
		}
		return nil
	})
	if rep := res.Report; rep != nil {
		rep.Imported -= im.rejected
		rep.Rejected += im.rejected
		for _, is := range im.issues {
			if len(rep.Issues) >= training.MaxIssues {
				rep.IssuesLeftOut++
				continue
			}
			rep.Issues = append(rep.Issues, is)
		}
	}
	if errors.Is(err, errFatalFile) {
		*res = training.ImportResult{Report: res.Report}
		return res, nil
	}
	if err != nil {
		return nil, err
	}
	s.changed()
	if res.OffersCreated+res.OffersUpdated >= analyzeAfter {
		// A large import changes the tables' statistics at once: refresh
		// them now rather than at the next autovacuum, so that the first
		// paths after it get good plans.
		if _, err := s.db.ExecContext(ctx, "ANALYZE training_offers, training_offer_blocs, training_offer_certifications, training_sessions"); err != nil {
			s.log().Warn("analyze after LHEO import", "err", err)
		}
	}
	return res, nil
}

// analyzeAfter is how many formations an import writes before it
// refreshes the tables' statistics.
const analyzeAfter = 1000

type lheoImport struct {
	s        *TrainingService
	req      training.ImportRequest
	res      *training.ImportResult
	tx       bun.Tx
	bodies   map[string]int64 // SIRET → structure, declared in this import
	issues   []training.Issue
	rejected int
}

func (im *lheoImport) reject(f training.Formation, element, field, key string, args ...any) {
	im.rejected++
	im.issues = append(im.issues, training.Issue{Formation: f.Index, Element: element, Line: f.Line, Field: field, Key: key, Args: args})
}

// formation stores one formation under a savepoint: what the database
// refuses is reported and undone without losing the rest of the file.
func (im *lheoImport) formation(ctx context.Context, f training.Formation) error {
	path := fmt.Sprintf("lheo/offres/formation[%d]", f.Index)
	sessions := f.Offer.Sessions
	var ps maillage.Problems
	if err := im.s.checkSessions(ctx, &ps, "sessions.", sessions); err != nil {
		return err
	}
	if len(ps) > 0 {
		for _, p := range ps {
			im.issues = append(im.issues, training.Issue{Formation: f.Index, Element: path + "/action/lieu-de-formation", Line: f.Line, Field: p.Field, Key: p.Key, Args: p.Args})
		}
		im.rejected++
		return nil
	}
	before := *im.res
	_, known := im.bodies[f.Body.SIRET]
	if _, err := im.tx.ExecContext(ctx, "SAVEPOINT formation"); err != nil {
		return err
	}
	structureID, refused, err := im.body(ctx, f, path)
	if err == nil && !refused {
		err = im.store(ctx, structureID, f)
	}
	if err != nil {
		if ctx.Err() != nil {
			return err
		}
		if _, rerr := im.tx.ExecContext(ctx, "ROLLBACK TO SAVEPOINT formation"); rerr != nil {
			return rerr
		}
		*im.res = before
		if !known {
			delete(im.bodies, f.Body.SIRET)
		}
		im.s.log().Warn("LHEO formation refused by the database", "formation", f.Index, "err", err)
		im.reject(f, path, "", training.KeyFormationRefused)
		return nil
	}
	_, err = im.tx.ExecContext(ctx, "RELEASE SAVEPOINT formation")
	return err
}

// body finds (or, for an administrator's import, creates) the structure of
// a formation's training body and records its declaration once per import.
func (im *lheoImport) body(ctx context.Context, f training.Formation, path string) (int64, bool, error) {
	b := f.Body
	element := path + "/organisme-formation-responsable/SIRET-organisme-formation/SIRET"
	if id, ok := im.bodies[b.SIRET]; ok {
		return id, false, nil
	}
	var ids []int64
	if err := im.tx.NewRaw("SELECT id FROM structures WHERE pivot = ? ORDER BY id", b.SIRET).Scan(ctx, &ids); err != nil {
		return 0, false, err
	}
	var id int64
	switch {
	case im.req.StructureID != 0:
		for _, x := range ids {
			if x == im.req.StructureID {
				id = x
			}
		}
		if id == 0 {
			im.reject(f, element, "organisme.siret", training.KeyOtherBody, "SIRET", b.SIRET)
			return 0, true, nil
		}
	case len(ids) > 0:
		id = ids[0]
	default:
		var err error
		if id, err = im.createBody(ctx, b); err != nil {
			if maillage.ErrorCode(err) == maillage.EINVALID {
				im.reject(f, element, "organisme.siret", training.KeyUnknownBody, "SIRET", b.SIRET)
				return 0, true, nil
			}
			return 0, false, err
		}
		im.res.BodiesCreated++
	}
	in := training.BodyInput{ActivityNumber: b.ActivityNumber, Qualiopi: b.Qualiopi, Contact: b.Contact}
	if b.LegalName != b.Name {
		in.LegalName = b.LegalName
	}
	in.Normalize()
	if ps := in.Validate(); len(ps) > 0 {
		for _, p := range ps {
			im.issues = append(im.issues, training.Issue{Formation: f.Index, Element: path + "/organisme-formation-responsable", Line: f.Line, Field: "organisme." + p.Field, Key: p.Key, Args: p.Args})
		}
		im.rejected++
		return 0, true, nil
	}
	if err := declareTrainingBodyQuiet(ctx, im.tx, id, in); err != nil {
		return 0, false, err
	}
	im.bodies[b.SIRET] = id
	return id, false, nil
}

// createBody creates the structure of a training body known only from an
// LHEO file, as a place of the national standard (validated like any).
func (im *lheoImport) createBody(ctx context.Context, b *training.Body) (int64, error) {
	addr := strings.ReplaceAll(b.Address.Address, "\n", ", ")
	if addr == "" {
		addr = b.Address.City
	}
	code := b.Address.CodeInsee
	if code == "" {
		code, _ = im.s.communeByPostcode(ctx, b.Address.Postcode, b.Address.City)
	}
	l := maillage.Lieu{ID: randomLieuID(), Pivot: b.SIRET, Nom: b.Name, Adresse: addr, CodePostal: b.Address.Postcode,
		Commune: b.Address.City, CodeInsee: code, DateMaj: maillage.Today(time.Now()), Source: "LHEO"}
	if b.Contact.Email != "" {
		l.Courriels = []string{b.Contact.Email}
	}
	communes, err := im.s.structures.Communes(ctx)
	if err != nil {
		return 0, err
	}
	if errs := lieux.Validate(l, communes); len(lieux.RowErrors(errs).Problems("lieu.")) > 0 {
		return 0, maillage.Errorf(maillage.EINVALID, training.KeyUnknownBody)
	}
	return im.s.structures.insert(ctx, im.tx, &l, []maillage.StructureRole{maillage.StructureFormation})
}

// declareTrainingBodyQuiet is declareTrainingBody without marking the
// body's sessions: an import marks those it writes.
func declareTrainingBodyQuiet(ctx context.Context, tx bun.IDB, structureID int64, in training.BodyInput) error {
	res, err := tx.NewRaw(`UPDATE structures SET roles = array_append(roles, 'organisme_formation'), updated_at = now()
		WHERE id = ? AND NOT ('organisme_formation' = ANY (roles))`, structureID).Exec(ctx)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n > 0 {
		if err := outbox(ctx, tx, "structure", structureID); err != nil {
			return err
		}
	}
	_, err = tx.NewRaw(`INSERT INTO training_bodies (structure_id, activity_number, qualiopi, legal_name, contact_name, contact_email, contact_phone)
		VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (structure_id) DO UPDATE SET activity_number = EXCLUDED.activity_number, qualiopi = EXCLUDED.qualiopi,
			legal_name = EXCLUDED.legal_name, contact_name = EXCLUDED.contact_name, contact_email = EXCLUDED.contact_email,
			contact_phone = EXCLUDED.contact_phone, updated_at = now()`,
		structureID, in.ActivityNumber, in.Qualiopi, in.LegalName, in.Contact.Name, in.Contact.Email, in.Contact.Phone).Exec(ctx)
	return err
}

type storedSession struct {
	ID        int64     `bun:"id"`
	StartAt   time.Time `bun:"start_at"`
	EndAt     time.Time `bun:"end_at"`
	Remote    bool      `bun:"remote"`
	CodeInsee *string   `bun:"code_insee"`
}

// store writes one formation's offer and sessions.
func (im *lheoImport) store(ctx context.Context, structureID int64, f training.Formation) error {
	tx, o := im.tx, f.Offer
	normalizeTrainingOffer(o)
	var offerID int64
	var found []int64
	if o.ID > 0 {
		if err := tx.NewRaw("SELECT id FROM training_offers WHERE id = ? AND structure_id = ?", o.ID, structureID).Scan(ctx, &found); err != nil {
			return err
		}
	}
	if len(found) == 0 {
		if err := tx.NewRaw("SELECT id FROM training_offers WHERE structure_id = ? AND lower(title) = lower(?) ORDER BY withdrawn_at NULLS FIRST, id LIMIT 1",
			structureID, o.Title).Scan(ctx, &found); err != nil {
			return err
		}
	}
	var existing []storedSession
	if len(found) > 0 {
		offerID = found[0]
		if err := updateTrainingOffer(ctx, tx, offerID, o); err != nil {
			return err
		}
		im.res.OffersUpdated++
		if err := tx.NewRaw("SELECT id, start_at, end_at, remote, code_insee FROM training_sessions WHERE offer_id = ?", offerID).Scan(ctx, &existing); err != nil {
			return err
		}
	} else {
		var err error
		if offerID, err = insertTrainingOffer(ctx, tx, structureID, o); err != nil {
			return err
		}
		im.res.OffersCreated++
	}
	kept := map[int64]bool{}
	for _, se := range o.Sessions {
		var match int64
		for _, e := range existing {
			if kept[e.ID] {
				continue
			}
			if (se.ID > 0 && e.ID == se.ID) || (e.StartAt.Equal(se.Start) && e.EndAt.Equal(se.End) && e.Remote == se.Place.Remote && str(e.CodeInsee) == se.Place.CodeInsee) {
				match = e.ID
				break
			}
		}
		if match != 0 {
			kept[match] = true
			if err := updateTrainingSession(ctx, tx, match, se); err != nil {
				return err
			}
			im.res.SessionsUpdated++
			continue
		}
		if _, err := insertTrainingSession(ctx, tx, offerID, se); err != nil {
			return err
		}
		im.res.SessionsCreated++
	}
	now := time.Now()
	for _, e := range existing {
		if kept[e.ID] || !e.StartAt.After(now) {
			continue // a past session is kept
		}
		if _, err := tx.NewRaw("DELETE FROM training_sessions WHERE id = ?", e.ID).Exec(ctx); err != nil {
			return err
		}
		if err := outbox(ctx, tx, trainingEntity, e.ID); err != nil {
			return err
		}
		im.res.SessionsRemoved++
	}
	return nil
}

// ExportLHEO writes the offers (not withdrawn) of one training body, or of
// every body when structureID is 0, as an LHEO 2.3 file, with all their
// sessions. An offer whose body is incomplete for LHEO is left out (logged).
// text writes the required free texts (in French). It returns how many
// formations were written; with none, nothing is written and the error is
// ENOTFOUND.
func (s *TrainingService) ExportLHEO(ctx context.Context, w io.Writer, structureID int64, text func(key string, args ...any) string) (int, error) {
	ix, err := s.Certifications(ctx)
	if err != nil {
		return 0, err
	}
	cond, args := "o.withdrawn_at IS NULL AND o.id > ?", []any{}
	if structureID != 0 {
		cond += " AND o.structure_id = ?"
	}
	var n int
	countArgs := []any{int64(0)}
	if structureID != 0 {
		countArgs = append(countArgs, structureID)
	}
	if err := s.db.NewRaw("SELECT count(*) FROM training_offers o WHERE "+cond, countArgs...).Scan(ctx, &n); err != nil {
		return 0, err
	}
	if n == 0 {
		return 0, maillage.Errorf(maillage.ENOTFOUND, training.KeyLHEONoFormation)
	}
	lw := training.NewLHEOWriter(w, training.ExportOptions{Certifications: ix, Text: text, Now: time.Now()})
	written := 0
	after := int64(0)
	for {
		args = []any{after}
		if structureID != 0 {
			args = append(args, structureID)
		}
		var rows []trainingOfferRow
		if err := s.db.NewRaw(trainingOfferSelect+" WHERE "+cond+" ORDER BY o.id LIMIT 500", args...).Scan(ctx, &rows); err != nil {
			return written, err
		}
		if len(rows) == 0 {
			break
		}
		after = rows[len(rows)-1].ID
		views, err := s.views(ctx, rows)
		if err != nil {
			return written, err
		}
		for _, v := range views {
			body := v.Body
			if err := lw.Write(&body, v.Offer); err != nil {
				if maillage.ErrorCode(err) == maillage.EINVALID {
					s.log().Warn("LHEO export: offer left out", "offer", v.ID, "err", err)
					continue
				}
				return written, err
			}
			written++
		}
	}
	if err := lw.Close(); err != nil {
		return written, err
	}
	return written, nil
}
