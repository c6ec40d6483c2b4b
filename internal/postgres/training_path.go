package postgres

import (
	"context"
	"math"
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
// and PathFor): it reads only the upcoming, open sessions of the offers
// that prepare a bloc the person misses, near them (a box around their
// radius) or remote, then lets training.SessionIndex decide.
func (s *TrainingService) PathForPerson(ctx context.Context, person training.Person, target string, now time.Time) (*training.Path, error) {
	ix, err := s.Certifications(ctx)
	if err != nil {
		return nil, err
	}
	empty := training.NewSessionIndex(ix, nil, nil)
	code := target
	if code == "" {
		c := empty.Closest(person, now)
		if c == nil {
			return empty.Path(training.PathQuery{Person: person, Now: now})
		}
		code = c.Code
	}
	c := ix.Certification(code)
	if c == nil {
		return empty.Path(training.PathQuery{Person: person, Target: code, Now: now})
	}
	held := map[string]bool{}
	for _, h := range person.Blocs {
		if h.Evidence == maillage.EvidenceCertified || h.Evidence == maillage.EvidenceValidated {
			if b := ix.Bloc(h.Code); b != nil {
				held[b.Code] = true
			}
		}
	}
	var missing []string
	for _, b := range c.Blocs {
		if b.RetiredAt == nil && !held[b.Code] {
			missing = append(missing, b.Code)
		}
	}
	offers := []*training.Offer{}
	coords := map[string][2]float64{}
	if len(missing) > 0 && len(missing) <= training.MaxMissingBlocs {
		if offers, err = s.candidates(ctx, missing, person, now, coords); err != nil {
			return nil, err
		}
	}
	si := training.NewSessionIndex(ix, offers, func(code string) (float64, float64, bool) {
		p, ok := coords[code]
		return p[0], p[1], ok
	})
	return si.Path(training.PathQuery{Person: person, Target: code, Now: now, PerBloc: PathPerBloc})
}

// PathPerBloc is how many sessions a path lists for each missing bloc
// (the cover still weighs every candidate that can be part of it).
const PathPerBloc = 10

// candidates reads the sessions a path may propose: upcoming, open
// sessions of offers (not withdrawn) that prepare a missing bloc, in a
// box around the person's radius or remote. Remote sessions are all at
// 0 km, so only two kinds of them can matter, and only those are read:
// for each offer the one that ends first (the best of its set of blocs for
// the cover: fewest sessions, then distance, then the earliest end), and
// for each missing bloc the PathPerBloc that start first (its list is
// ordered by distance, then start). The path is the same as with every
// remote session, without reading thousands of them.
func (s *TrainingService) candidates(ctx context.Context, missing []string, person training.Person, now time.Time, coords map[string][2]float64) ([]*training.Offer, error) {
	geo := "FALSE"
	args := []any{pgArray(missing), now}
	if person.RadiusKm > 0 {
		dLat := person.RadiusKm/111.0 + 0.01
		dLon := dLat / math.Max(math.Cos(person.Lat*math.Pi/180), 0.05)
		geo = "(c.latitude BETWEEN ? AND ? AND c.longitude BETWEEN ? AND ?)"
		args = append(args, person.Lat-dLat, person.Lat+dLat, person.Lon-dLon, person.Lon+dLon)
	}
	args = append(args, person.Remote, pgArray(missing), PathPerBloc)
	var rows []struct {
		trainingSessionRow
		StructureID int64    `bun:"structure_id"`
		Title       string   `bun:"title"`
		Modality    string   `bun:"modality"`
		Blocs       []string `bun:"blocs,array"`
	}
	err := s.db.NewRaw(`WITH offers AS (
			SELECT o.id, o.structure_id, o.title, o.modality, array_agg(ob.bloc_code ORDER BY ob.rank) AS blocs
			FROM training_offers o JOIN training_offer_blocs ob ON ob.offer_id = o.id
			WHERE o.withdrawn_at IS NULL
				AND o.id IN (SELECT x.offer_id FROM training_offer_blocs x WHERE x.bloc_code = ANY (?::text[]))
			GROUP BY o.id),
		open AS (
			SELECT ts.* FROM training_sessions ts JOIN offers ON offers.id = ts.offer_id
			WHERE ts.start_at > ? AND ts.registration = 'ouverte'),
		local AS (
			SELECT ts.id FROM open ts JOIN communes c ON c.code_insee = ts.code_insee
			WHERE NOT ts.remote AND `+geo+`),
		remote AS (
			SELECT ts.id, ts.offer_id, ts.start_at, ts.end_at FROM open ts WHERE ts.remote AND ?),
		keep AS (
			SELECT id FROM local
			UNION
			SELECT id FROM (SELECT id, row_number() OVER (PARTITION BY offer_id ORDER BY end_at, id) AS n FROM remote) x WHERE n = 1
			UNION
			SELECT id FROM (SELECT r.id, row_number() OVER (PARTITION BY ob.bloc_code ORDER BY r.start_at, r.id) AS n
				FROM remote r JOIN training_offer_blocs ob ON ob.offer_id = r.offer_id AND ob.bloc_code = ANY (?::text[])) y WHERE n <= ?)
		SELECT `+trainingSessionColumns+`, offers.structure_id, offers.title, offers.modality, offers.blocs
		FROM keep JOIN training_sessions ts ON ts.id = keep.id JOIN offers ON offers.id = ts.offer_id
		LEFT JOIN communes c ON c.code_insee = ts.code_insee
		ORDER BY ts.offer_id, ts.start_at, ts.id`, args...).Scan(ctx, &rows)
	if err != nil {
		return nil, err
	}
	byID := map[int64]*training.Offer{}
	var out []*training.Offer
	for i := range rows {
		r := &rows[i]
		o := byID[r.OfferID]
		if o == nil {
			o = &training.Offer{ID: r.OfferID, StructureID: r.StructureID, Title: r.Title, Modality: training.Modality(r.Modality), Blocs: r.Blocs}
			byID[r.OfferID] = o
			out = append(out, o)
		}
		o.Sessions = append(o.Sessions, r.domain())
		if r.CodeInsee != nil && r.Latitude != nil && r.Longitude != nil {
			coords[*r.CodeInsee] = [2]float64{*r.Latitude, *r.Longitude}
		}
	}
	return out, nil
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
