package postgres

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"maillage/internal/maillage"
	"maillage/internal/mentoring"
)

// Coordination: what a coordinator sees of their territory (national for
// administrators) and the optimal matching. Every figure counts only the
// people whose profile and commune the reader may see (visibleSQL), so
// the public observatory counts what is public and a coordinator what
// members see; nobody is named in the figures.

// coveredSQL: the conseiller of profile row p has an active pairing with a
// mentor who still has a profile.
const coveredSQL = `EXISTS (SELECT 1 FROM mentoring_pairings x JOIN profiles pm ON pm.user_id = x.mentor_id
	WHERE x.mentee_id = p.user_id AND x.status = 'active')`

// pausedSQL: the person of profile row p is on pause.
const pausedSQL = `EXISTS (SELECT 1 FROM mentor_pauses mp WHERE mp.user_id = p.user_id AND (mp.until IS NULL OR mp.until >= ` + maillage.TodaySQL + `))`

// scopeSQL is the condition of a scope on the commune row c.
func scopeSQL(sc mentoring.Scope) (string, []any) {
	switch {
	case sc.Departement != "":
		return "c.code_departement = ?", []any{sc.Departement}
	case sc.Region != "":
		return "c.code_region = ?", []any{sc.Region}
	}
	return "TRUE", nil
}

// Scopes lists the territories a user coordinates (every région and
// département for an administrator, after the national scope, which is
// the zero Territory).
func (s *MentoringService) Scopes(ctx context.Context, u *maillage.User) ([]mentoring.Territory, error) {
	var out []mentoring.Territory
	admin := u.Has(maillage.RoleAdministrateur)
	deps, regs := u.CoordinatedTerritories()
	var rows []struct{ Kind, Code, Nom string }
	if err := s.db.NewRaw(`SELECT 'region' AS kind, code, nom FROM regions UNION ALL SELECT 'departement', code, nom FROM departements
		ORDER BY 1 DESC, 2`).Scan(ctx, &rows); err != nil {
		return nil, err
	}
	if admin {
		out = append(out, mentoring.Territory{})
	}
	for _, r := range rows {
		if admin || (r.Kind == maillage.ScopeRegion && contains(regs, r.Code)) || (r.Kind == maillage.ScopeDepartement && contains(deps, r.Code)) {
			out = append(out, mentoring.Territory{Kind: r.Kind, Code: r.Code, Nom: r.Nom})
		}
	}
	return out, nil
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// CheckScope is the one authorization of coordination: an administrator
// acts everywhere (the national scope included); a coordinator in a
// département or région of their grants (a région's coordinator in each
// of its départements), through maillage.User.Coordinates. A territory
// that does not exist is ENOTFOUND.
func (s *MentoringService) CheckScope(ctx context.Context, u *maillage.User, sc mentoring.Scope) (string, error) {
	var nom, region string
	switch {
	case sc.Departement != "":
		if err := s.db.NewRaw("SELECT nom, code_region FROM departements WHERE code = ?", sc.Departement).Scan(ctx, &nom, &region); err != nil {
			return "", translate(err, "mentoring.scope.unknown")
		}
	case sc.Region != "":
		if err := s.db.NewRaw("SELECT nom FROM regions WHERE code = ?", sc.Region).Scan(ctx, &nom); err != nil {
			return "", translate(err, "mentoring.scope.unknown")
		}
		region = sc.Region
	default:
		if !u.Has(maillage.RoleAdministrateur) {
			return "", maillage.Errorf(maillage.EFORBIDDEN, "mentoring.scope.forbidden")
		}
		return "", nil
	}
	if !u.Coordinates(sc.Departement, region) {
		return "", maillage.Errorf(maillage.EFORBIDDEN, "mentoring.scope.forbidden")
	}
	return nom, nil
}

func viewerOf(u *maillage.User) maillage.Viewer {
	if u == nil {
		return maillage.Anonymous
	}
	return maillage.Viewer{UserID: u.ID, Admin: u.Has(maillage.RoleAdministrateur)}
}

// Coverage counts, per département of the scope (all of them when
// national), the conseillers and those covered, the mentors, their
// places and the waiting requests, for what the viewer may see.
func (s *MentoringService) Coverage(ctx context.Context, viewer maillage.Viewer, sc mentoring.Scope) ([]mentoring.Coverage, error) {
	visC, _ := visibleWhere(viewer, maillage.FieldCommune)
	visM, _ := visibleWhere(viewer, maillage.FieldCommune, maillage.FieldMentor)
	where, args := "TRUE", []any{}
	switch {
	case sc.Departement != "":
		where, args = "d.code = ?", []any{sc.Departement}
	case sc.Region != "":
		where, args = "d.code_region = ?", []any{sc.Region}
	}
	q := fmt.Sprintf(`WITH con AS (
			SELECT c.code_departement AS dep, count(*) AS n, count(*) FILTER (WHERE %[1]s) AS covered,
				sum((SELECT count(*) FROM mentoring_requests r WHERE r.mentee_id = p.user_id AND r.status = 'envoyee')) AS waiting
			FROM profiles p JOIN communes c ON c.code_insee = p.code_insee
			WHERE p.kind = 'conseiller' AND %[2]s GROUP BY 1),
		men AS (
			SELECT c.code_departement AS dep, count(*) AS n, sum(p.mentor_capacity) AS places,
				sum(greatest(p.mentor_capacity - (SELECT count(*) FROM mentoring_pairings x WHERE x.mentor_id = p.user_id AND x.status = 'active'), 0)) AS places_left
			FROM profiles p JOIN communes c ON c.code_insee = p.code_insee
			WHERE p.mentor_available AND p.mentor_capacity > 0 AND NOT %[3]s AND %[4]s GROUP BY 1)
		SELECT d.code, d.nom, coalesce(con.n, 0) AS conseillers, coalesce(con.covered, 0) AS covered, coalesce(con.waiting, 0) AS waiting,
			coalesce(men.n, 0) AS mentors, coalesce(men.places, 0) AS places, coalesce(men.places_left, 0) AS places_left
		FROM departements d LEFT JOIN con ON con.dep = d.code LEFT JOIN men ON men.dep = d.code
		WHERE %[5]s ORDER BY d.code`, coveredSQL, visC, pausedSQL, visM, where)
	var rows []mentoring.Coverage
	if err := s.db.NewRaw(q, args...).Scan(ctx, &rows); err != nil {
		return nil, fmt.Errorf("coverage: %w", err)
	}
	return rows, nil
}

// RegionCoverage sums the coverage of the départements per région.
func (s *MentoringService) RegionCoverage(ctx context.Context, viewer maillage.Viewer) ([]mentoring.Coverage, error) {
	deps, err := s.Coverage(ctx, viewer, mentoring.Scope{})
	if err != nil {
		return nil, err
	}
	var regs []struct{ Code, Nom string }
	if err := s.db.NewRaw("SELECT code, nom FROM regions ORDER BY code").Scan(ctx, &regs); err != nil {
		return nil, err
	}
	var depRegion []struct{ Code, CodeRegion string }
	if err := s.db.NewRaw("SELECT code, code_region FROM departements").Scan(ctx, &depRegion); err != nil {
		return nil, err
	}
	regionOf := map[string]string{}
	for _, d := range depRegion {
		regionOf[d.Code] = d.CodeRegion
	}
	by := map[string][]mentoring.Coverage{}
	for _, d := range deps {
		by[regionOf[d.Code]] = append(by[regionOf[d.Code]], d)
	}
	out := make([]mentoring.Coverage, 0, len(regs))
	for _, r := range regs {
		out = append(out, mentoring.Sum(r.Code, r.Nom, by[r.Code]))
	}
	return out, nil
}

// menteeRow is a conseiller as coordination sees them.
type menteeRow struct {
	mentorRow
	CreatedAt time.Time
	Covered   bool
	LastEnd   *time.Time
	Waiting   int
	MaxKm     int
	WantsFar  bool // remote
}

// conseillers reads the conseillers of the scope whose profile and
// commune the viewer may see, with what the matching needs; alone only
// those without an active pairing.
func (s *MentoringService) conseillers(ctx context.Context, db bun.IDB, viewer maillage.Viewer, sc mentoring.Scope, alone bool) ([]menteeRow, error) {
	vis, _ := visibleWhere(viewer, maillage.FieldCommune)
	scope, args := scopeSQL(sc)
	q := fmt.Sprintf(mentorSelect, "TRUE") + fmt.Sprintf(` WHERE p.kind = 'conseiller' AND %s AND %s`, vis, scope)
	if alone {
		q += " AND NOT " + coveredSQL
	}
	// The mentor select gives the commune and competencies; the rest is
	// read next to it.
	q = `SELECT m.*, p.created_at, ` + coveredSQL + ` AS covered,
		(SELECT max(x.ended_at) FROM mentoring_pairings x WHERE x.mentee_id = p.user_id) AS last_end,
		(SELECT count(*) FROM mentoring_requests r WHERE r.mentee_id = p.user_id AND r.status = 'envoyee') AS waiting,
		coalesce((SELECT r.max_km FROM mentoring_requests r WHERE r.mentee_id = p.user_id ORDER BY r.created_at DESC, r.id DESC LIMIT 1), ?) AS max_km,
		coalesce((SELECT r.remote FROM mentoring_requests r WHERE r.mentee_id = p.user_id ORDER BY r.created_at DESC, r.id DESC LIMIT 1), false) AS wants_far
		FROM (` + q + `) m JOIN profiles p ON p.id = m.profile_id ORDER BY m.profile_id`
	var rows []menteeRow
	if err := db.NewRaw(q, append([]any{mentoring.DefaultMenteeKm}, args...)...).Scan(ctx, &rows); err != nil {
		return nil, fmt.Errorf("conseillers: %w", err)
	}
	return rows, nil
}

// offering reads the mentors with a free place whose profile, commune
// and mentor settings the viewer may see, not on pause, anywhere (a
// mentor of the next département may be the nearest).
func (s *MentoringService) offering(ctx context.Context, db bun.IDB, viewer maillage.Viewer) ([]mentorRow, error) {
	rows, err := s.mentors(ctx, db, viewer, "")
	if err != nil {
		return nil, err
	}
	out := rows[:0]
	for _, r := range rows {
		if r.offers() && !r.Paused && r.located() {
			out = append(out, r)
		}
	}
	return out, nil
}

// Lonely lists the conseillers of the scope who have no mentor (the
// longest alone first), with the distance to the nearest mentor with a
// free place. The caller has checked the scope (CheckScope).
func (s *MentoringService) Lonely(ctx context.Context, u *maillage.User, sc mentoring.Scope) ([]mentoring.Lonely, error) {
	v := viewerOf(u)
	rows, err := s.conseillers(ctx, s.db.DB, v, sc, true)
	if err != nil {
		return nil, err
	}
	ms, err := s.offering(ctx, s.db.DB, v)
	if err != nil {
		return nil, err
	}
	mentors := make([]mentoring.Mentor, 0, len(ms))
	for i := range ms {
		mentors = append(mentors, ms[i].mentor())
	}
	out := make([]mentoring.Lonely, 0, len(rows))
	for i := range rows {
		r := &rows[i]
		l := mentoring.Lonely{Person: r.person(), Commune: str(r.Commune), Since: r.CreatedAt, Waiting: r.Waiting}
		if r.LastEnd != nil && r.LastEnd.After(l.Since) {
			l.Since = *r.LastEnd
		}
		if r.located() {
			l.NearestKm = mentoring.Nearest(r.mentee(nil, 0, false), mentors)
		}
		out = append(out, l)
	}
	sort.SliceStable(out, func(a, b int) bool { return out[a].Since.Before(out[b].Since) })
	return out, nil
}

// Loads lists the mentors of the scope with their capacity, active
// pairings and waiting requests (the fullest first).
func (s *MentoringService) Loads(ctx context.Context, u *maillage.User, sc mentoring.Scope) ([]mentoring.Load, error) {
	vis, _ := visibleWhere(viewerOf(u), maillage.FieldCommune, maillage.FieldMentor)
	scope, args := scopeSQL(sc)
	var rows []struct {
		ProfileID   int64
		UserID      int64
		Name        string
		Departement string
		Capacity    int
		Active      int
		Waiting     int
		Paused      bool
	}
	if err := s.db.NewRaw(fmt.Sprintf(`SELECT p.id AS profile_id, p.user_id, p.display_name AS name, c.code_departement AS departement,
		p.mentor_capacity AS capacity,
		(SELECT count(*) FROM mentoring_pairings x WHERE x.mentor_id = p.user_id AND x.status = 'active') AS active,
		(SELECT count(*) FROM mentoring_requests r WHERE r.mentor_id = p.user_id AND r.status = 'envoyee') AS waiting, %s AS paused
		FROM profiles p JOIN communes c ON c.code_insee = p.code_insee
		WHERE p.mentor_available AND p.mentor_capacity > 0 AND %s AND %s`, pausedSQL, vis, scope), args...).Scan(ctx, &rows); err != nil {
		return nil, fmt.Errorf("loads: %w", err)
	}
	out := make([]mentoring.Load, len(rows))
	for i, r := range rows {
		out[i] = mentoring.Load{Person: mentoring.Person{UserID: r.UserID, ProfileID: r.ProfileID, Name: r.Name, Departement: r.Departement},
			Capacity: r.Capacity, Active: r.Active, Waiting: r.Waiting, Paused: r.Paused}
	}
	sort.SliceStable(out, func(a, b int) bool {
		x, y := out[a], out[b]
		if fx, fy := float64(x.Active)/float64(x.Capacity), float64(y.Active)/float64(y.Capacity); fx != fy {
			return fx > fy
		}
		return x.Name < y.Name
	})
	return out, nil
}

// Waiting lists the requests waiting for an answer whose mentee is in the
// scope, the oldest first.
func (s *MentoringService) Waiting(ctx context.Context, u *maillage.User, sc mentoring.Scope) ([]*mentoring.Request, error) {
	vis, _ := visibleWhere(viewerOf(u), maillage.FieldCommune)
	q := requestSelect + " WHERE r.status = 'envoyee' AND " + strings.ReplaceAll(vis, "p.", "pe.")
	var args []any
	switch {
	case sc.Departement != "":
		q += " AND ce.code_departement = ?"
		args = append(args, sc.Departement)
	case sc.Region != "":
		q += " AND ce.code_region = ?"
		args = append(args, sc.Region)
	}
	var rows []requestRow
	if err := s.db.NewRaw(q+" ORDER BY r.created_at, r.id LIMIT 500", args...).Scan(ctx, &rows); err != nil {
		return nil, fmt.Errorf("waiting requests: %w", err)
	}
	return requestsOf(rows), nil
}

// Instance builds the matching of a scope: its conseillers alone, every
// mentor with a free place of the territories they belong to (visible to
// the viewer, not on pause), and the pairs declined, ended or already
// waiting as forbidden. The caller has checked the scope.
func (s *MentoringService) Instance(ctx context.Context, u *maillage.User, sc mentoring.Scope) (mentoring.Instance, *mentoring.Proposals, error) {
	v := viewerOf(u)
	var in mentoring.Instance
	pr := &mentoring.Proposals{Mentees: map[int64]mentoring.Lonely{}, Mentors: map[int64]mentoring.Candidate{}}
	ref, err := s.referential(ctx, s.db.DB)
	if err != nil {
		return in, nil, err
	}
	rows, err := s.conseillers(ctx, s.db.DB, v, sc, true)
	if err != nil {
		return in, nil, err
	}
	territories := map[string]bool{}
	for i := range rows {
		r := &rows[i]
		if !r.located() {
			continue
		}
		e := r.mentee(ref, r.MaxKm, r.WantsFar)
		in.Mentees = append(in.Mentees, e)
		territories[e.Territory] = true
		pr.Mentees[r.UserID] = mentoring.Lonely{Person: r.person(), Commune: str(r.Commune), Since: r.CreatedAt, Waiting: r.Waiting}
	}
	pr.Alone = len(in.Mentees)
	ms, err := s.offering(ctx, s.db.DB, v)
	if err != nil {
		return in, nil, err
	}
	for i := range ms {
		m := ms[i].mentor()
		if !territories[m.Territory] || m.Capacity <= 0 {
			continue
		}
		in.Mentors = append(in.Mentors, m)
		pr.Mentors[m.ID] = ms[i].candidate()
	}
	pr.Offering = len(in.Mentors)
	var pairs []struct{ MenteeID, MentorID int64 }
	if err := s.db.NewRaw(`SELECT mentee_id, mentor_id FROM mentoring_requests WHERE status IN ('refusee', 'envoyee')
		UNION SELECT mentee_id, mentor_id FROM mentoring_pairings WHERE status = 'terminee'`).Scan(ctx, &pairs); err != nil {
		return in, nil, err
	}
	for _, p := range pairs {
		if _, ok := pr.Mentees[p.MenteeID]; ok {
			in.Forbidden = append(in.Forbidden, mentoring.Pair{MenteeID: p.MenteeID, MentorID: p.MentorID})
		}
	}
	return in, pr, nil
}

// Propose computes the optimal matching of a scope (mentoring.Match):
// proposals for the coordinator, nothing written.
func (s *MentoringService) Propose(ctx context.Context, u *maillage.User, sc mentoring.Scope) (*mentoring.Proposals, error) {
	in, pr, err := s.Instance(ctx, u, sc)
	if err != nil {
		return nil, err
	}
	if pr.Result, err = mentoring.Match(in, mentoring.DefaultOptions()); err != nil {
		return nil, err
	}
	pr.Offering = mentoring.Reachable(in)
	return pr, nil
}

// ConfirmProposals turns confirmed proposals (pairs of user ids) into
// requests sent to the mentors, on behalf of the coordinator: each is
// checked by the same rules as a mentee's request (a pair whose mentee is
// outside the scope is refused), one transaction each, so that one that
// became impossible meanwhile does not stop the others.
func (s *MentoringService) ConfirmProposals(ctx context.Context, u *maillage.User, sc mentoring.Scope, pairs []mentoring.Pair, lang string) ([]*mentoring.Request, []mentoring.Refusal, error) {
	if _, err := s.CheckScope(ctx, u, sc); err != nil {
		return nil, nil, err
	}
	in, _, err := s.Instance(ctx, u, sc)
	if err != nil {
		return nil, nil, err
	}
	mentees := map[int64]mentoring.Mentee{}
	for _, e := range in.Mentees {
		mentees[e.ID] = e
	}
	var sent []*mentoring.Request
	var refused []mentoring.Refusal
	for _, p := range pairs {
		e, ok := mentees[p.MenteeID]
		if !ok {
			refused = append(refused, mentoring.Refusal{Pair: p, Problem: maillage.Problem{Field: "pairs", Key: "mentoring.proposal.gone"}})
			continue
		}
		var mentorProfile int64
		if err := s.db.NewRaw("SELECT id FROM profiles WHERE user_id = ?", p.MentorID).Scan(ctx, &mentorProfile); err != nil {
			refused = append(refused, mentoring.Refusal{Pair: p, Problem: maillage.Problem{Field: "pairs", Key: "mentoring.request.mentor.unknown"}})
			continue
		}
		maxKm := e.MaxKm
		if maxKm < 0 || (maxKm == 0 && !e.Remote) {
			maxKm = mentoring.DefaultMenteeKm
		}
		coordinator := u.ID
		r, err := s.sendRequest(ctx, p.MenteeID, mentoring.RequestInput{MentorID: mentorProfile, MaxKm: maxKm, Remote: e.Remote}, &coordinator, lang)
		if err != nil {
			ps := maillage.ErrorProblems(err)
			if len(ps) == 0 {
				return sent, refused, err
			}
			refused = append(refused, mentoring.Refusal{Pair: p, Problem: ps[0]})
			continue
		}
		sent = append(sent, r)
	}
	return sent, refused, nil
}
