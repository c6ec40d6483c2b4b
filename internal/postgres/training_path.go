package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"maillage/internal/maillage"
	"maillage/internal/training"
)

// PathFor computes the training path of a person: the blocs they hold
// (training.HeldBlocs of their profile), the target certification (the one
// they are closest to unless s names one), and the upcoming sessions
// within their radius (or remote) that cover what they miss, with the
// fewest sessions that cover it all.
func (s *TrainingService) PathFor(ctx context.Context, userID int64, set training.PathSettings, now time.Time) (*training.PathView, error) {
	set.Normalize()
	if err := set.Validate().Err(); err != nil {
		return nil, err
	}
	p, err := s.profiles.FindProfileByUserID(ctx, userID)
	if maillage.ErrorCode(err) == maillage.ENOTFOUND {
		return nil, maillage.Errorf(maillage.ENOTFOUND, training.KeyPathNoProfile)
	} else if err != nil {
		return nil, err
	}
	ix, err := s.Certifications(ctx)
	if err != nil {
		return nil, err
	}
	person := training.Person{Blocs: training.HeldBlocs(p.Titles, p.Competences, ix), RadiusKm: float64(set.RadiusKm), Remote: set.Remote}
	view := &training.PathView{Settings: set, Commune: p.Commune, BlocLabels: map[string]string{}, Bodies: map[int64]string{}}
	if p.Latitude != nil && p.Longitude != nil {
		person.Lat, person.Lon, view.Located = *p.Latitude, *p.Longitude, true
	} else {
		person.RadiusKm = -1 // no commune: remote sessions only
	}
	path, err := s.PathForPerson(ctx, person, set.Target, now)
	if err != nil {
		return nil, err
	}
	view.Path = path
	view.Certification = ix.Certification(path.Certification)
	for _, c := range ix.Certifications() {
		if c.RetiredAt == nil && len(c.Blocs) > 0 {
			view.Targets = append(view.Targets, c)
		}
		for _, b := range c.Blocs {
			view.BlocLabels[b.Code] = b.Label
		}
	}
	var structures []int64
	for _, bs := range path.Sessions {
		for _, o := range bs.Sessions {
			structures = append(structures, o.Offer.StructureID)
		}
	}
	if len(structures) > 0 {
		var names []struct {
			ID  int64
			Nom string
		}
		if err := s.db.NewRaw("SELECT id, nom FROM structures WHERE id IN (?)", bun.In(structures)).Scan(ctx, &names); err != nil {
			return nil, err
		}
		for _, n := range names {
			view.Bodies[n.ID] = n.Nom
		}
	}
	return view, nil
}

// PathForPerson computes a path for a person given whole (the benchmark
// and PathFor), from the index of upcoming sessions (sessionIndex).
func (s *TrainingService) PathForPerson(ctx context.Context, person training.Person, target string, now time.Time) (*training.Path, error) {
	si, err := s.sessionIndex(ctx)
	if err != nil {
		return nil, err
	}
	return si.Path(training.PathQuery{Person: person, Target: target, Now: now, PerBloc: PathPerBloc})
}

// PathPerBloc is how many sessions a path lists for each missing bloc
// (the cover still weighs every candidate).
const PathPerBloc = 10

// trainingPathCache is how long the index of upcoming sessions answers
// paths before it is read again. Every change through this service drops
// it at once; the changes of another process (an import command, another
// instance of the portal) show within this delay.
const trainingPathCache = time.Minute

// sessionIndex returns the index of the upcoming, open sessions of offers
// not withdrawn, by bloc, with their communes' coordinates: a path reads
// only the sessions of the blocs it misses, in memory (the measure is in
// docs/ARCHITECTURE.md: reading them from PostgreSQL for each path cost
// 50–250 ms at 20,000 sessions; the index answers in well under 20 ms).
// It is built once for all callers (they wait for it) and rebuilt after a
// change or trainingPathCache.
func (s *TrainingService) sessionIndex(ctx context.Context) (*training.SessionIndex, error) {
	ix, err := s.Certifications(ctx)
	if err != nil {
		return nil, err
	}
	s.pathMu.Lock()
	defer s.pathMu.Unlock()
	if s.pathIx != nil && s.pathCerts == ix && time.Since(s.pathAt) < trainingPathCache {
		return s.pathIx, nil
	}
	var rows []struct {
		trainingSessionRow
		StructureID int64    `bun:"structure_id"`
		Title       string   `bun:"title"`
		Modality    string   `bun:"modality"`
		Blocs       []string `bun:"blocs,array"`
	}
	at := time.Now()
	err = s.db.NewRaw(`WITH offers AS (
			SELECT o.id, o.structure_id, o.title, o.modality, array_agg(ob.bloc_code ORDER BY ob.rank) AS blocs
			FROM training_offers o JOIN training_offer_blocs ob ON ob.offer_id = o.id
			WHERE o.withdrawn_at IS NULL GROUP BY o.id)
		SELECT `+trainingSessionColumns+`, offers.structure_id, offers.title, offers.modality, offers.blocs
		FROM training_sessions ts JOIN offers ON offers.id = ts.offer_id
		LEFT JOIN communes c ON c.code_insee = ts.code_insee
		WHERE ts.start_at > now() AND ts.registration = 'ouverte'
		ORDER BY ts.offer_id, ts.start_at, ts.id`).Scan(ctx, &rows)
	if err != nil {
		return nil, fmt.Errorf("load upcoming sessions: %w", err)
	}
	byID := map[int64]*training.Offer{}
	var offers []*training.Offer
	coords := map[string][2]float64{}
	for i := range rows {
		r := &rows[i]
		o := byID[r.OfferID]
		if o == nil {
			o = &training.Offer{ID: r.OfferID, StructureID: r.StructureID, Title: r.Title, Modality: training.Modality(r.Modality), Blocs: r.Blocs}
			byID[r.OfferID] = o
			offers = append(offers, o)
		}
		o.Sessions = append(o.Sessions, r.domain())
		if r.CodeInsee != nil && r.Latitude != nil && r.Longitude != nil {
			coords[*r.CodeInsee] = [2]float64{*r.Latitude, *r.Longitude}
		}
	}
	s.pathIx = training.NewSessionIndex(ix, offers, func(code string) (float64, float64, bool) {
		p, ok := coords[code]
		return p[0], p[1], ok
	})
	s.pathCerts, s.pathAt, s.pathSessions = ix, at, len(rows)
	return s.pathIx, nil
}

// changed drops the index of upcoming sessions after a change.
func (s *TrainingService) changed() {
	s.pathMu.Lock()
	s.pathIx = nil
	s.pathMu.Unlock()
}

// IndexedSessions builds the index of upcoming sessions if needed and
// says how many it holds and how long building took (the benchmark).
func (s *TrainingService) IndexedSessions(ctx context.Context) (int, time.Duration, error) {
	t0 := time.Now()
	if _, err := s.sessionIndex(ctx); err != nil {
		return 0, 0, err
	}
	s.pathMu.Lock()
	defer s.pathMu.Unlock()
	return s.pathSessions, time.Since(t0), nil
}

// SharePath creates a link by which a person shows their path (with these
// settings); only its hash is stored, the token is shown once.
func (s *TrainingService) SharePath(ctx context.Context, userID int64, set training.PathSettings) (string, error) {
	set.Normalize()
	if err := set.Validate().Err(); err != nil {
		return "", err
	}
	if _, err := s.profiles.FindProfileByUserID(ctx, userID); err != nil {
		if maillage.ErrorCode(err) == maillage.ENOTFOUND {
			return "", maillage.Errorf(maillage.ENOTFOUND, training.KeyPathNoProfile)
		}
		return "", err
	}
	token := maillage.RandomToken(24)
	_, err := s.db.NewRaw("INSERT INTO training_path_shares (user_id, token_hash, target, radius_km, remote) VALUES (?, ?, ?, ?, ?)",
		userID, maillage.HashToken(token), set.Target, set.RadiusKm, set.Remote).Exec(ctx)
	if err != nil {
		return "", translate(err, training.KeyShareNotFound)
	}
	return token, nil
}

type pathShareRow struct {
	ID        int64      `bun:"id"`
	UserID    int64      `bun:"user_id"`
	Target    string     `bun:"target"`
	RadiusKm  int        `bun:"radius_km"`
	Remote    bool       `bun:"remote"`
	CreatedAt time.Time  `bun:"created_at"`
	RevokedAt *time.Time `bun:"revoked_at"`
}

func (r *pathShareRow) domain() *training.PathShare {
	return &training.PathShare{ID: r.ID, Settings: training.PathSettings{Target: r.Target, RadiusKm: r.RadiusKm, Remote: r.Remote},
		CreatedAt: r.CreatedAt, RevokedAt: r.RevokedAt}
}

// PathShares lists a person's links, the active ones first.
func (s *TrainingService) PathShares(ctx context.Context, userID int64) ([]*training.PathShare, error) {
	var rows []pathShareRow
	if err := s.db.NewRaw(`SELECT id, user_id, target, radius_km, remote, created_at, revoked_at FROM training_path_shares
		WHERE user_id = ? ORDER BY revoked_at IS NOT NULL, created_at DESC, id DESC LIMIT 50`, userID).Scan(ctx, &rows); err != nil {
		return nil, err
	}
	out := make([]*training.PathShare, len(rows))
	for i := range rows {
		out[i] = rows[i].domain()
	}
	return out, nil
}

// RevokePathShare ends a link of the person (another person's link is not
// found).
func (s *TrainingService) RevokePathShare(ctx context.Context, userID, id int64) error {
	res, err := s.db.NewRaw("UPDATE training_path_shares SET revoked_at = now() WHERE id = ? AND user_id = ? AND revoked_at IS NULL", id, userID).Exec(ctx)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return maillage.Errorf(maillage.ENOTFOUND, training.KeyShareNotFound)
	}
	return nil
}

// SharedPath is the path a link shows, computed now for its owner with the
// link's settings; a revoked or unknown link is not found.
func (s *TrainingService) SharedPath(ctx context.Context, token string, now time.Time) (*training.PathView, error) {
	var rows []pathShareRow
	if err := s.db.NewRaw(`SELECT id, user_id, target, radius_km, remote, created_at, revoked_at FROM training_path_shares
		WHERE token_hash = ? AND revoked_at IS NULL`, maillage.HashToken(token)).Scan(ctx, &rows); err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, maillage.Errorf(maillage.ENOTFOUND, training.KeyShareNotFound)
	}
	r := rows[0]
	v, err := s.PathFor(ctx, r.UserID, r.domain().Settings, now)
	if err != nil {
		return nil, err
	}
	var name string
	if err := s.db.NewRaw("SELECT display_name FROM profiles WHERE user_id = ?", r.UserID).Scan(ctx, &name); err != nil {
		return nil, err
	}
	v.Owner = name
	return v, nil
}

// ForgetAccount deletes the share links of a deleted account, in the
// transaction that deletes it (UserService.Forget): a link must not show
// anything once its owner is gone.
func (s *TrainingService) ForgetAccount(ctx context.Context, tx bun.Tx, userID int64) error {
	_, err := tx.NewRaw("DELETE FROM training_path_shares WHERE user_id = ?", userID).Exec(ctx)
	return err
}

// ExportAccount gives what the training room keeps of a person for the
// download of their data (UserService.Export): their share links (the
// offers and sessions belong to the training bodies, not to a person).
func (s *TrainingService) ExportAccount(ctx context.Context, userID int64) (string, any, error) {
	shares, err := s.PathShares(ctx, userID)
	if err != nil {
		return "", nil, err
	}
	return "training", map[string]any{"path_shares": shares}, nil
}
