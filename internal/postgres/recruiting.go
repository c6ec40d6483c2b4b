package postgres

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/uptrace/bun"

	"maillage/internal/maillage"
	"maillage/internal/recruiting"
)

// RecruitingService implements recruiting.Service: job offers
// (recruiting.go), candidates (recruiting_candidate.go), applications and
// their CVs (recruiting_application.go, recruiting_file.go), contact
// requests (recruiting_contact.go) and the offers' search documents and
// fallback (recruiting_search.go). Every rule is the recruiting package's,
// applied inside the transaction that writes; every move is a
// state_transitions row; mails go to the outbox in the same transaction.
type RecruitingService struct {
	db       *DB
	profiles *ProfileService
	structs  *StructureService
	// FilesDir holds the CVs (under cv/), outside the web root.
	FilesDir string
	// BaseURL and Texts write the mails (links, subject and body from the
	// catalogue). People have no stored language yet: mails to someone
	// other than the person acting are written in French, the reference.
	BaseURL string
	Texts   maillage.Texts
	Log     *slog.Logger
	// Now is the clock (tests move it).
	Now func() time.Time
}

var _ recruiting.Service = (*RecruitingService)(nil)

// NewRecruitingService returns the service; CVs are kept under filesDir.
func NewRecruitingService(db *DB, filesDir string) *RecruitingService {
	return &RecruitingService{db: db, profiles: NewProfileService(db), structs: NewStructureService(db), FilesDir: filesDir,
		Log: slog.Default(), Now: time.Now}
}

type offerRow struct {
	ID              int64
	StructureID     int64
	StructureNom    string
	CreatedBy       *int64
	TitleFeminine   string
	TitleMasculine  string
	Description     string
	CodeInsee       *string
	Commune         *string
	CodeDepartement *string
	CodeRegion      *string
	Latitude        *float64
	Longitude       *float64
	Remote          string
	Contract        string
	DurationMonths  *int
	HoursPerWeek    int
	SalaryMin       *int
	SalaryMax       *int
	SalaryPeriod    *string
	StartOn         *time.Time
	ClosesOn        time.Time
	HowToApply      string
	ApplyURL        string
	Status          string
	PublishedAt     *time.Time
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

const offerSelect = `SELECT o.id, o.structure_id, s.nom AS structure_nom, o.created_by, o.title_feminine, o.title_masculine,
	o.description, o.code_insee, c.nom AS commune, c.code_departement, c.code_region, c.latitude, c.longitude, o.remote,
	o.contract, o.duration_months, o.hours_per_week, o.salary_min, o.salary_max, o.salary_period, o.start_on, o.closes_on,
	o.how_to_apply, o.apply_url, o.status, o.published_at, o.created_at, o.updated_at
	FROM job_offers o JOIN structures s ON s.id = o.structure_id LEFT JOIN communes c ON c.code_insee = o.code_insee`

func (r *offerRow) domain() *recruiting.Offer {
	o := &recruiting.Offer{ID: r.ID, StructureID: r.StructureID, StructureNom: r.StructureNom, TitleFeminine: r.TitleFeminine,
		TitleMasculine: r.TitleMasculine, Description: r.Description, CodeInsee: str(r.CodeInsee), Commune: str(r.Commune),
		CodeDepartement: str(r.CodeDepartement), CodeRegion: str(r.CodeRegion), Latitude: r.Latitude, Longitude: r.Longitude,
		Remote: recruiting.Remote(r.Remote), Contract: recruiting.Contract(r.Contract), HoursPerWeek: r.HoursPerWeek,
		StartOn: r.StartOn, ClosesOn: r.ClosesOn, HowToApply: r.HowToApply, ApplyURL: r.ApplyURL, Status: r.Status,
		PublishedAt: r.PublishedAt, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, Wants: []recruiting.Want{}}
	if r.CreatedBy != nil {
		o.CreatedBy = *r.CreatedBy
	}
	if r.DurationMonths != nil {
		o.DurationMonths = *r.DurationMonths
	}
	if r.SalaryMin != nil || r.SalaryMax != nil {
		o.Salary = &recruiting.Salary{Min: r.SalaryMin, Max: r.SalaryMax, Period: recruiting.SalaryPeriod(str(r.SalaryPeriod))}
	}
	return o
}

// loadWants fills the titles and blocs the offers want, in their order.
func loadWants(ctx context.Context, db bun.IDB, offers ...*recruiting.Offer) error {
	if len(offers) == 0 {
		return nil
	}
	byID := map[int64]*recruiting.Offer{}
	ids := make([]int64, len(offers))
	for i, o := range offers {
		byID[o.ID], ids[i] = o, o.ID
	}
	var rows []struct {
		OfferID           int64
		CertificationCode string
		BlocCode          *string
		Required          bool
		Label             string
	}
	if err := db.NewRaw(`SELECT w.offer_id, w.certification_code, w.bloc_code, w.required, coalesce(b.label, c.title) AS label
		FROM job_offer_wants w JOIN certifications c ON c.code = w.certification_code LEFT JOIN blocs b ON b.code = w.bloc_code
		WHERE w.offer_id IN (?) ORDER BY w.offer_id, w.rank`, bun.In(ids)).Scan(ctx, &rows); err != nil {
		return fmt.Errorf("load offer wants: %w", err)
	}
	for _, r := range rows {
		o := byID[r.OfferID]
		o.Wants = append(o.Wants, recruiting.Want{Ref: maillage.TitleRef(maillage.ProfileTitle{CertificationCode: r.CertificationCode, BlocCode: str(r.BlocCode)}),
			Required: r.Required, Label: r.Label})
	}
	return nil
}

func (s *RecruitingService) offers(ctx context.Context, db bun.IDB, where string, args ...any) ([]*recruiting.Offer, error) {
	var rows []offerRow
	if err := db.NewRaw(offerSelect+" WHERE "+where, args...).Scan(ctx, &rows); err != nil {
		return nil, fmt.Errorf("find offers: %w", err)
	}
	out := make([]*recruiting.Offer, len(rows))
	for i := range rows {
		out[i] = rows[i].domain()
	}
	return out, loadWants(ctx, db, out...)
}

func (s *RecruitingService) offer(ctx context.Context, db bun.IDB, id int64, lock bool) (*recruiting.Offer, error) {
	q := "o.id = ?"
	if lock {
		q += " FOR UPDATE OF o"
	}
	os, err := s.offers(ctx, db, q, id)
	if err != nil {
		return nil, err
	}
	if len(os) == 0 {
		return nil, maillage.Errorf(maillage.ENOTFOUND, "recruiting.offer.not_found")
	}
	return os[0], nil
}

// manages tells whether u is an employer of the offer's structure
// (Offer.CanEdit on the stored structure and its active members).
func (s *RecruitingService) manages(ctx context.Context, u *maillage.User, o *recruiting.Offer) (bool, error) {
	if u == nil {
		return false, nil
	}
	st, err := s.structs.FindStructureByID(ctx, o.StructureID)
	if err != nil {
		return false, err
	}
	return o.CanEdit(u, st), nil
}

// EmployerStructures lists the structures u acts as employer for
// (recruiting.Employs), by name.
func (s *RecruitingService) EmployerStructures(ctx context.Context, u *maillage.User) ([]*maillage.Structure, error) {
	if u == nil {
		return nil, nil
	}
	var ids []int64
	if err := s.db.NewRaw(`SELECT DISTINCT m.structure_id FROM memberships m JOIN structures s ON s.id = m.structure_id
		WHERE m.user_id = ? AND m.ended_on IS NULL AND 'employeur' = ANY (s.roles) ORDER BY 1`, u.ID).Scan(ctx, &ids); err != nil {
		return nil, fmt.Errorf("employer structures: %w", err)
	}
	var out []*maillage.Structure
	for _, id := range ids {
		st, err := s.structs.FindStructureByID(ctx, id)
		if err != nil {
			return nil, err
		}
		if recruiting.Employs(u, st) {
			out = append(out, st)
		}
	}
	return out, nil
}

func (s *RecruitingService) employerOf(ctx context.Context, u *maillage.User) ([]int64, error) {
	sts, err := s.EmployerStructures(ctx, u)
	ids := make([]int64, len(sts))
	for i, st := range sts {
		ids[i] = st.ID
	}
	return ids, err
}

// FindOffer returns an offer; a draft only to its employers (ENOTFOUND
// for anyone else, so it does not exist for them).
func (s *RecruitingService) FindOffer(ctx context.Context, u *maillage.User, id int64) (*recruiting.Offer, error) {
	o, err := s.offer(ctx, s.db.DB, id, false)
	if err != nil {
		return nil, err
	}
	if o.Manage, err = s.manages(ctx, u, o); err != nil {
		return nil, err
	}
	if !o.Public() && !o.Manage {
		return nil, maillage.Errorf(maillage.ENOTFOUND, "recruiting.offer.not_found")
	}
	if o.Manage {
		var n int
		if err := s.db.NewRaw("SELECT count(*) FROM job_applications WHERE offer_id = ?", id).Scan(ctx, &n); err != nil {
			return nil, err
		}
		o.Applications = &n
		if o.Events, err = events(ctx, s.db.DB, recruiting.OfferMachine.Name, id); err != nil {
			return nil, err
		}
	}
	return o, nil
}

// FindOffers lists offers (published ones unless f says otherwise),
// newest first, with the total.
func (s *RecruitingService) FindOffers(ctx context.Context, f recruiting.OfferFilter) ([]*recruiting.Offer, int, error) {
	statuses := f.Statuses
	if len(statuses) == 0 {
		statuses = []string{recruiting.OfferPublished}
	}
	where := "o.status IN (?)"
	args := []any{bun.In(statuses)}
	if f.StructureIDs != nil {
		if len(f.StructureIDs) == 0 {
			return nil, 0, nil
		}
		where += " AND o.structure_id IN (?)"
		args = append(args, bun.In(f.StructureIDs))
	}
	if f.CodeDepartement != "" {
		where += " AND c.code_departement = ?"
		args = append(args, f.CodeDepartement)
	}
	if f.Contract != "" {
		where += " AND o.contract = ?"
		args = append(args, string(f.Contract))
	}
	if !f.OpenOn.IsZero() {
		where += " AND o.status = 'publiee' AND o.closes_on >= ?"
		args = append(args, maillage.Today(f.OpenOn))
	}
	if len(f.IDs) > 0 {
		where += " AND o.id IN (?)"
		args = append(args, bun.In(f.IDs))
	}
	var total int
	if err := s.db.NewRaw(`SELECT count(*) FROM job_offers o LEFT JOIN communes c ON c.code_insee = o.code_insee WHERE `+where, args...).Scan(ctx, &total); err != nil {
		return nil, 0, fmt.Errorf("count offers: %w", err)
	}
	limit := f.Limit
	if limit <= 0 || limit > 500 {
		limit = 50
	}
	offset := max(f.Offset, 0) // a page number that overflowed, as FindCandidates does
	out, err := s.offers(ctx, s.db.DB, where+" ORDER BY o.published_at DESC NULLS LAST, o.id DESC LIMIT ? OFFSET ?", append(args, limit, offset)...)
	return out, total, err
}

// offerRefs reads which of the codes an input names exist (live rows).
func offerRefs(ctx context.Context, tx bun.IDB, in *recruiting.OfferInput) (recruiting.OfferRefs, error) {
	refs := recruiting.OfferRefs{Communes: map[string]bool{}, Titles: map[string]bool{}}
	if in.CodeInsee != "" {
		var n int
		if err := tx.NewRaw("SELECT count(*) FROM communes WHERE code_insee = ?", in.CodeInsee).Scan(ctx, &n); err != nil {
			return refs, err
		}
		refs.Communes[in.CodeInsee] = n > 0
	}
	if len(in.Wants) > 0 {
		all, err := titleRefs(ctx, tx)
		if err != nil {
			return refs, err
		}
		refs.Titles = all
	}
	return refs, nil
}

// titleRefs are the live titles and blocs, as maillage.TitleRef.
func titleRefs(ctx context.Context, db bun.IDB) (map[string]bool, error) {
	var rows []struct{ Cert, Bloc string }
	if err := db.NewRaw(`SELECT c.code AS cert, coalesce(b.code, '') AS bloc FROM certifications c
		LEFT JOIN blocs b ON b.certification_code = c.code AND b.retired_at IS NULL
		WHERE c.retired_at IS NULL`).Scan(ctx, &rows); err != nil {
		return nil, err
	}
	out := map[string]bool{}
	for _, r := range rows {
		out[r.Cert] = true
		if r.Bloc != "" {
			out[r.Cert+"/"+r.Bloc] = true
		}
	}
	return out, nil
}

// Blocs are the live titles with the codes of their live blocs.
func (s *RecruitingService) Blocs(ctx context.Context) (recruiting.Blocs, error) {
	var rows []struct{ Cert, Bloc string }
	if err := s.db.NewRaw(`SELECT c.code AS cert, coalesce(b.code, '') AS bloc FROM certifications c
		LEFT JOIN blocs b ON b.certification_code = c.code AND b.retired_at IS NULL
		WHERE c.retired_at IS NULL ORDER BY c.code, b.rank`).Scan(ctx, &rows); err != nil {
		return nil, fmt.Errorf("blocs: %w", err)
	}
	out := recruiting.Blocs{}
	for _, r := range rows {
		if _, ok := out[r.Cert]; !ok {
			out[r.Cert] = nil
		}
		if r.Bloc != "" {
			out[r.Cert] = append(out[r.Cert], r.Bloc)
		}
	}
	return out, nil
}

// writeOffer validates the input and writes the offer's columns and wants.
func (s *RecruitingService) writeOffer(ctx context.Context, tx bun.Tx, id int64, in *recruiting.OfferInput, userID int64) (int64, error) {
	refs, err := offerRefs(ctx, tx, in)
	if err != nil {
		return 0, err
	}
	if err := in.Validate(s.Now(), refs).Err(); err != nil {
		return 0, err
	}
	start, closes := in.Dates()
	var insee, period any
	var duration, smin, smax any
	if in.CodeInsee != "" {
		insee = in.CodeInsee
	}
	if in.DurationMonths > 0 {
		duration = in.DurationMonths
	}
	if sal := in.Salary; sal.Set() {
		period = string(sal.Period)
		if sal.Min != nil {
			smin = *sal.Min
		}
		if sal.Max != nil {
			smax = *sal.Max
		}
	}
	cols := []any{in.TitleFeminine, in.TitleMasculine, in.Description, insee, string(in.Remote), string(in.Contract), duration,
		in.HoursPerWeek, smin, smax, period, start, closes, in.HowToApply, in.ApplyURL}
	if id == 0 {
		err = tx.NewRaw(`INSERT INTO job_offers (title_feminine, title_masculine, description, code_insee, remote, contract,
			duration_months, hours_per_week, salary_min, salary_max, salary_period, start_on, closes_on, how_to_apply, apply_url,
			structure_id, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			append(cols, in.StructureID, userID)...).Scan(ctx, &id)
	} else {
		_, err = tx.NewRaw(`UPDATE job_offers SET title_feminine = ?, title_masculine = ?, description = ?, code_insee = ?, remote = ?,
			contract = ?, duration_months = ?, hours_per_week = ?, salary_min = ?, salary_max = ?, salary_period = ?, start_on = ?,
			closes_on = ?, how_to_apply = ?, apply_url = ?, updated_at = now() WHERE id = ?`, append(cols, id)...).Exec(ctx)
	}
	if err != nil {
		return 0, translate(err, "recruiting.offer.not_found")
	}
	if _, err := tx.NewRaw("DELETE FROM job_offer_wants WHERE offer_id = ?", id).Exec(ctx); err != nil {
		return 0, err
	}
	for i, w := range in.Wants {
		var bloc any
		if b := w.Bloc(); b != "" {
			bloc = b
		}
		if _, err := tx.NewRaw("INSERT INTO job_offer_wants (offer_id, rank, certification_code, bloc_code, required) VALUES (?, ?, ?, ?, ?)",
			id, i, w.Certification(), bloc, w.Required).Exec(ctx); err != nil {
			return 0, translate(err, "recruiting.offer.not_found")
		}
	}
	return id, outbox(ctx, tx, recruiting.SearchType, id)
}

// CreateOffer writes a draft offer for a structure u employs for.
func (s *RecruitingService) CreateOffer(ctx context.Context, u *maillage.User, in recruiting.OfferInput) (*recruiting.Offer, error) {
	in.Normalize()
	if in.StructureID > 0 {
		st, err := s.structs.FindStructureByID(ctx, in.StructureID)
		if err != nil && maillage.ErrorCode(err) != maillage.ENOTFOUND {
			return nil, err
		}
		if !recruiting.Employs(u, st) {
			return nil, maillage.Invalid("structure_id", "recruiting.offer.structure.forbidden")
		}
	}
	var id int64
	err := s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var err error
		if id, err = s.writeOffer(ctx, tx, 0, &in, u.ID); err != nil {
			return err
		}
		return transition(ctx, tx, recruiting.OfferMachine, id, "", recruiting.OfferDraft, &u.ID, "")
	})
	if err != nil {
		return nil, err
	}
	return s.FindOffer(ctx, u, id)
}

// UpdateOffer rewrites a draft or published offer (its structure stays).
func (s *RecruitingService) UpdateOffer(ctx context.Context, u *maillage.User, id int64, in recruiting.OfferInput) (*recruiting.Offer, error) {
	in.Normalize()
	err := s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		o, err := s.offer(ctx, tx, id, true)
		if err != nil {
			return err
		}
		if err := s.mayManage(ctx, u, o); err != nil {
			return err
		}
		if !o.Editable() {
			return maillage.Errorf(maillage.ECONFLICT, "recruiting.offer.not_editable")
		}
		in.StructureID = o.StructureID
		_, err = s.writeOffer(ctx, tx, id, &in, u.ID)
		return err
	})
	if err != nil {
		return nil, err
	}
	return s.FindOffer(ctx, u, id)
}

// mayManage refuses anyone but the offer's employers: a draft does not
// exist for others (ENOTFOUND), a public offer is forbidden to change.
func (s *RecruitingService) mayManage(ctx context.Context, u *maillage.User, o *recruiting.Offer) error {
	ok, err := s.manages(ctx, u, o)
	switch {
	case err != nil:
		return err
	case ok:
		return nil
	case !o.Public():
		return maillage.Errorf(maillage.ENOTFOUND, "recruiting.offer.not_found")
	}
	return maillage.Errorf(maillage.EFORBIDDEN, "recruiting.offer.forbidden")
}

// MoveOffer publishes (the offer must still be valid: a closing day in the
// past is refused), fills or closes an offer.
func (s *RecruitingService) MoveOffer(ctx context.Context, u *maillage.User, id int64, to string) (*recruiting.Offer, error) {
	if to == recruiting.OfferExpired {
		return nil, maillage.Errorf(maillage.EFORBIDDEN, "recruiting.offer.forbidden")
	}
	err := s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		o, err := s.offer(ctx, tx, id, true)
		if err != nil {
			return err
		}
		if err := s.mayManage(ctx, u, o); err != nil {
			return err
		}
		if err := recruiting.OfferMachine.Check(o.Status, to); err != nil {
			return err
		}
		set := "status = ?, updated_at = now()"
		if to == recruiting.OfferPublished {
			in := o.Input()
			refs, err := offerRefs(ctx, tx, &in)
			if err != nil {
				return err
			}
			if err := in.Validate(s.Now(), refs).Err(); err != nil {
				return err
			}
			set += ", published_at = now()"
		}
		if _, err := tx.NewRaw("UPDATE job_offers SET "+set+" WHERE id = ?", to, id).Exec(ctx); err != nil {
			return err
		}
		if err := transition(ctx, tx, recruiting.OfferMachine, id, o.Status, to, &u.ID, ""); err != nil {
			return err
		}
		return outbox(ctx, tx, recruiting.SearchType, id)
	})
	if err != nil {
		return nil, err
	}
	return s.FindOffer(ctx, u, id)
}

// ExpireOffers moves the published offers whose closing day is over (in
// Paris) to expiree, recorded without an actor, and takes them out of
// search.
func (s *RecruitingService) ExpireOffers(ctx context.Context, now time.Time) (int, error) {
	var ids []int64
	err := s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if err := tx.NewRaw(`UPDATE job_offers SET status = 'expiree', updated_at = now()
			WHERE status = 'publiee' AND closes_on < ? RETURNING id`, maillage.Today(now)).Scan(ctx, &ids); err != nil {
			return err
		}
		for _, id := range ids {
			if err := transition(ctx, tx, recruiting.OfferMachine, id, recruiting.OfferPublished, recruiting.OfferExpired, nil, ""); err != nil {
				return err
			}
			if err := outbox(ctx, tx, recruiting.SearchType, id); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("expire offers: %w", err)
	}
	return len(ids), nil
}

// events are the recorded moves of an offer, application or contact,
// oldest first, with the name of who made each.
func events(ctx context.Context, db bun.IDB, entity string, id int64) ([]recruiting.Event, error) {
	var rows []struct {
		FromState  string
		ToState    string
		At         time.Time
		ActorID    *int64
		ActorName  string
		Motivation string
	}
	if err := db.NewRaw(`SELECT t.from_state, t.to_state, t.at, t.actor_id,
		coalesce(p.display_name, nullif(u.display_name, ''), '') AS actor_name, t.motivation
		FROM state_transitions t LEFT JOIN users u ON u.id = t.actor_id LEFT JOIN profiles p ON p.user_id = t.actor_id
		WHERE t.entity = ? AND t.entity_id = ? ORDER BY t.id`, entity, id).Scan(ctx, &rows); err != nil {
		return nil, fmt.Errorf("events of %s %d: %w", entity, id, err)
	}
	out := make([]recruiting.Event, len(rows))
	for i, r := range rows {
		out[i] = recruiting.Event{From: r.FromState, To: r.ToState, At: r.At, ActorID: r.ActorID, ActorName: r.ActorName, Motivation: r.Motivation}
	}
	return out, nil
}

// Run is the recruiting worker: every five minutes it expires the offers
// past their closing day and removes the CV files no application holds
// any more, until ctx is done.
func (s *RecruitingService) Run(ctx context.Context) {
	t := time.NewTicker(5 * time.Minute)
	defer t.Stop()
	for {
		if n, err := s.ExpireOffers(ctx, s.Now()); err != nil && ctx.Err() == nil {
			s.Log.Warn("recruiting: expire offers", "err", err)
		} else if n > 0 {
			s.Log.Info("recruiting: offers expired", "count", n)
		}
		if _, err := s.SweepCVs(ctx, s.Now()); err != nil && ctx.Err() == nil {
			s.Log.Warn("recruiting: sweep CV files", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
