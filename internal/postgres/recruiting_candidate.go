package postgres

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"maillage/internal/maillage"
	"maillage/internal/recruiting"
)

// Candidates: the people who ticked « ouvert aux opportunités » on their
// profile, as an employer may see them. SQL only narrows the rows with
// visibleSQL (so counts and distances never use a hidden field); every
// candidate is then read through ProfileService, that is Profile.ViewFor
// of the employer, and matched and ranked from that view alone
// (recruiting.SeekerOf), so a hidden field can neither be shown nor
// match nor rank.

// jobViewer is the viewer a user reads profiles as.
func jobViewer(u *maillage.User) maillage.Viewer {
	if u == nil {
		return maillage.Anonymous
	}
	return maillage.Viewer{UserID: u.ID, Admin: u.Has(maillage.RoleAdministrateur)}
}

// Availability is the day a person said they are available from.
func (s *RecruitingService) Availability(ctx context.Context, userID int64) (*time.Time, error) {
	var d []*time.Time
	if err := s.db.NewRaw("SELECT available_from FROM job_seekers WHERE user_id = ?", userID).Scan(ctx, &d); err != nil {
		return nil, fmt.Errorf("availability: %w", err)
	}
	if len(d) == 0 {
		return nil, nil
	}
	return d[0], nil
}

// SetAvailability records (or clears, with nil) the day a person is
// available from.
func (s *RecruitingService) SetAvailability(ctx context.Context, userID int64, from *time.Time) error {
	_, err := s.db.NewRaw(`INSERT INTO job_seekers (user_id, available_from) VALUES (?, ?)
		ON CONFLICT (user_id) DO UPDATE SET available_from = excluded.available_from, updated_at = now()`, userID, from).Exec(ctx)
	return err
}

func (s *RecruitingService) availabilities(ctx context.Context, userIDs []int64) (map[int64]*time.Time, error) {
	out := map[int64]*time.Time{}
	if len(userIDs) == 0 {
		return out, nil
	}
	var rows []struct {
		UserID        int64
		AvailableFrom *time.Time
	}
	if err := s.db.NewRaw("SELECT user_id, available_from FROM job_seekers WHERE user_id IN (?)", bun.In(userIDs)).Scan(ctx, &rows); err != nil {
		return nil, fmt.Errorf("availabilities: %w", err)
	}
	for _, r := range rows {
		out[r.UserID] = r.AvailableFrom
	}
	return out, nil
}

// mustEmploy refuses a person who is no employer of any structure.
func (s *RecruitingService) mustEmploy(ctx context.Context, u *maillage.User) error {
	if u == nil {
		return maillage.Errorf(maillage.EUNAUTHORIZED, "error.signin_required")
	}
	ids, err := s.employerOf(ctx, u)
	if err != nil {
		return err
	}
	if len(ids) == 0 {
		return maillage.Errorf(maillage.EFORBIDDEN, "recruiting.employer.required")
	}
	return nil
}

// candidateQuery is the SQL narrowing of a candidate search: open to
// opportunities, that field and the profile visible to v, and each filtered
// field visible; near (lat, lng) within km when given.
type candidateQuery struct {
	v        maillage.Viewer
	exclude  int64
	lat, lng *float64
	km       int
	certs    []string
	minPix   *int
	availBy  *time.Time
	limit    int
}

func (q candidateQuery) ids(ctx context.Context, db bun.IDB) ([]int64, error) {
	conds := []string{"p.open_to_work", visibleSQL(q.v, maillage.FieldProfile), visibleSQL(q.v, maillage.FieldOpenToWork), "p.user_id <> ?"}
	args := []any{q.exclude}
	order := "p.display_name, p.id"
	if q.lat != nil && q.lng != nil {
		conds = append(conds, visibleSQL(q.v, maillage.FieldCommune), "c.latitude IS NOT NULL",
			"earth_distance(ll_to_earth(c.latitude, c.longitude), ll_to_earth(?, ?)) <= ?")
		args = append(args, *q.lat, *q.lng, q.km*1000)
		order = fmt.Sprintf("earth_distance(ll_to_earth(c.latitude, c.longitude), ll_to_earth(%f, %f)), p.id", *q.lat, *q.lng)
	}
	if len(q.certs) > 0 {
		conds = append(conds, visibleSQL(q.v, maillage.FieldTitles),
			"EXISTS (SELECT 1 FROM profile_titles t WHERE t.profile_id = p.id AND t.certification_code IN (?))")
		args = append(args, bun.In(q.certs))
	}
	if q.minPix != nil {
		conds = append(conds, visibleSQL(q.v, maillage.FieldPix), "p.pix_level >= ?")
		args = append(args, *q.minPix)
	}
	if q.availBy != nil {
		conds = append(conds, "EXISTS (SELECT 1 FROM job_seekers js WHERE js.user_id = p.user_id AND js.available_from <= ?)")
		args = append(args, *q.availBy)
	}
	var ids []int64
	err := db.NewRaw(`SELECT p.id FROM profiles p LEFT JOIN communes c ON c.code_insee = p.code_insee WHERE `+
		strings.Join(conds, " AND ")+" ORDER BY "+order+" LIMIT ?", append(args, q.limit)...).Scan(ctx, &ids)
	if err != nil {
		return nil, fmt.Errorf("candidates: %w", err)
	}
	return ids, nil
}

// seekers reads the profiles (as v may see them, in the order of ids) and
// builds their seekers with the availability the views allow.
func (s *RecruitingService) seekers(ctx context.Context, v maillage.Viewer, ids []int64) ([]recruiting.Seeker, error) {
	var views []*maillage.Profile
	for start := 0; start < len(ids); start += 1000 {
		chunk := ids[start:min(start+1000, len(ids))]
		ps, _, err := s.profiles.FindProfiles(ctx, maillage.ProfileFilter{Viewer: v, IDs: chunk, Limit: len(chunk)})
		if err != nil {
			return nil, err
		}
		views = append(views, ps...)
	}
	rank := map[int64]int{}
	for i, id := range ids {
		rank[id] = i
	}
	slices.SortFunc(views, func(a, b *maillage.Profile) int { return rank[a.ID] - rank[b.ID] })
	userIDs := make([]int64, len(views))
	for i, p := range views {
		userIDs[i] = p.UserID
	}
	avail, err := s.availabilities(ctx, userIDs)
	if err != nil {
		return nil, err
	}
	out := make([]recruiting.Seeker, 0, len(views))
	for _, p := range views {
		if p.OpenToWork == nil || !*p.OpenToWork {
			continue // not visible as open to opportunities: not a candidate for this viewer
		}
		out = append(out, recruiting.SeekerOf(p, avail[p.UserID]))
	}
	return out, nil
}

// maxCandidates bounds what one search or ranking reads.
const maxCandidates = 2000

// FindCandidates searches the people open to opportunities for an
// employer: the titles and blocs they hold, near a point, available by a
// day, a Pix level. Nearest first when near a point, else by name.
func (s *RecruitingService) FindCandidates(ctx context.Context, u *maillage.User, f recruiting.CandidateFilter) ([]recruiting.Seeker, int, error) {
	if err := s.mustEmploy(ctx, u); err != nil {
		return nil, 0, err
	}
	if f.RadiusKm <= 0 {
		f.RadiusKm = recruiting.DefaultRadius
	}
	q := candidateQuery{v: jobViewer(u), exclude: u.ID, lat: f.NearLat, lng: f.NearLng, km: f.RadiusKm, minPix: f.MinPix,
		availBy: f.AvailableBy, limit: maxCandidates}
	for _, ref := range f.Holds {
		cert, _, _ := strings.Cut(ref, "/")
		if !slices.Contains(q.certs, cert) {
			q.certs = append(q.certs, cert)
		}
	}
	ids, err := q.ids(ctx, s.db.DB)
	if err != nil {
		return nil, 0, err
	}
	all, err := s.seekers(ctx, q.v, ids)
	if err != nil {
		return nil, 0, err
	}
	blocs, err := s.Blocs(ctx)
	if err != nil {
		return nil, 0, err
	}
	var out []recruiting.Seeker
	for _, sk := range all {
		if f.Match(sk, blocs) {
			out = append(out, sk)
		}
	}
	total := len(out)
	limit := f.Limit
	if limit <= 0 || limit > 100 {
		limit = 20
	}
	from := min(max(f.Offset, 0), total)
	return out[from:min(from+limit, total)], total, nil
}

// FindCandidate is one person open to opportunities as an employer may
// see them (ENOTFOUND when the profile, or its « ouvert aux opportunités »
// field, is not visible to them or not ticked), with their availability.
func (s *RecruitingService) FindCandidate(ctx context.Context, u *maillage.User, profileID int64) (*maillage.Profile, *time.Time, error) {
	if err := s.mustEmploy(ctx, u); err != nil {
		return nil, nil, err
	}
	view, err := s.profiles.FindProfileByID(ctx, jobViewer(u), profileID)
	if err != nil {
		return nil, nil, err
	}
	if view.OpenToWork == nil || !*view.OpenToWork || view.UserID == u.ID {
		return nil, nil, maillage.Errorf(maillage.ENOTFOUND, "recruiting.candidate.not_found")
	}
	avail, err := s.Availability(ctx, view.UserID)
	if err != nil {
		return nil, nil, err
	}
	return view, avail, nil
}

// RankCandidates ranks the people open to opportunities for an offer of
// u's: within radiusKm of its commune (unless the job is fully remote).
func (s *RecruitingService) RankCandidates(ctx context.Context, u *maillage.User, offerID int64, radiusKm, limit int) ([]recruiting.RankedSeeker, error) {
	o, err := s.offer(ctx, s.db.DB, offerID, false)
	if err != nil {
		return nil, err
	}
	if err := s.mayManage(ctx, u, o); err != nil {
		return nil, err
	}
	if radiusKm <= 0 {
		radiusKm = recruiting.DefaultRadius
	}
	q := candidateQuery{v: jobViewer(u), exclude: u.ID, km: radiusKm, limit: maxCandidates}
	if o.Remote != recruiting.RemoteFull {
		q.lat, q.lng = o.Latitude, o.Longitude
	}
	ids, err := q.ids(ctx, s.db.DB)
	if err != nil {
		return nil, err
	}
	ss, err := s.seekers(ctx, q.v, ids)
	if err != nil {
		return nil, err
	}
	blocs, err := s.Blocs(ctx)
	if err != nil {
		return nil, err
	}
	ranked := recruiting.RankSeekers(o, ss, blocs, s.Now())
	if limit > 0 && len(ranked) > limit {
		ranked = ranked[:limit]
	}
	return ranked, nil
}

// MatchingOffers ranks the open offers for u from their own profile
// (« offres qui vous correspondent »): offers within radiusKm of their
// commune or fully remote (all offers when their commune is not given),
// leaving out the offers of structures u employs for.
func (s *RecruitingService) MatchingOffers(ctx context.Context, u *maillage.User, radiusKm, limit int) ([]recruiting.RankedOffer, error) {
	if u == nil {
		return nil, nil
	}
	p, err := s.profiles.FindProfileByUserID(ctx, u.ID)
	if maillage.ErrorCode(err) == maillage.ENOTFOUND {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	avail, err := s.Availability(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	me := recruiting.SeekerOf(p.ViewFor(maillage.Viewer{UserID: u.ID}), avail)
	if radiusKm <= 0 {
		radiusKm = recruiting.DefaultRadius
	}
	mine, err := s.employerOf(ctx, u)
	if err != nil {
		return nil, err
	}
	where := "o.status = 'publiee' AND o.closes_on >= ?"
	args := []any{maillage.Today(s.Now())}
	if len(mine) > 0 {
		where += " AND o.structure_id NOT IN (?)"
		args = append(args, bun.In(mine))
	}
	if me.Latitude != nil && me.Longitude != nil {
		where += " AND (o.remote = 'total' OR (c.latitude IS NOT NULL AND earth_distance(ll_to_earth(c.latitude, c.longitude), ll_to_earth(?, ?)) <= ?))"
		args = append(args, *me.Latitude, *me.Longitude, radiusKm*1000)
	}
	offers, err := s.offers(ctx, s.db.DB, where+" ORDER BY o.closes_on, o.id LIMIT 500", args...)
	if err != nil {
		return nil, err
	}
	blocs, err := s.Blocs(ctx)
	if err != nil {
		return nil, err
	}
	ranked := recruiting.RankOffers(me, offers, blocs, s.Now())
	if limit > 0 && len(ranked) > limit {
		ranked = ranked[:limit]
	}
	return ranked, nil
}
