package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"maillage/internal/maillage"
	"maillage/internal/mentoring"
)

// MentoringService stores requests, pairings, meetings, pauses and
// notifications (issue 11). Every move of a request or a pairing is checked
// against its machine and recorded by transition in the same transaction
// as its mails (EnqueueMail) and dashboard notifications.
type MentoringService struct {
	db *DB
	// Texts renders the mails (mentoring.mail.*); BaseURL makes their links.
	Texts   maillage.Texts
	BaseURL string
	// Now is the clock of the rules (tests set it).
	Now func() time.Time
	Log *slog.Logger
}

// NewMentoringService returns the service.
func NewMentoringService(db *DB) *MentoringService {
	return &MentoringService{db: db, Now: time.Now, Log: slog.Default()}
}

// mentorRow is a person who offers mentoring, as the rules need them.
type mentorRow struct {
	ProfileID   int64
	UserID      int64
	Name        string
	Commune     *string
	Departement *string
	Region      *string
	Latitude    *float64
	Longitude   *float64
	RadiusKm    int
	Remote      bool
	Capacity    int
	Themes      []string `bun:",array"`
	Available   bool
	Visible     bool // profile, commune and mentor seen by the viewer
	Paused      bool
	Active      int
	Levels      []byte // {"1.1": 4, …}
}

// mentorSelect reads people with their mentor settings; %s is the
// visibility condition for the viewer.
const mentorSelect = `SELECT p.id AS profile_id, p.user_id, p.display_name AS name, c.nom AS commune, c.code_departement AS departement,
	c.code_region AS region, c.latitude, c.longitude, p.mentor_radius_km AS radius_km, p.mentor_remote AS remote,
	p.mentor_capacity AS capacity, p.mentor_themes AS themes, p.mentor_available AS available, %s AS visible,
	EXISTS (SELECT 1 FROM mentor_pauses mp WHERE mp.user_id = p.user_id AND (mp.until IS NULL OR mp.until >= ` + maillage.TodaySQL + `)) AS paused,
	(SELECT count(*) FROM mentoring_pairings x WHERE x.mentor_id = p.user_id AND x.status = 'active') AS active,
	(SELECT coalesce(jsonb_object_agg(pc.competence_code, pc.level), '{}') FROM profile_competences pc WHERE pc.profile_id = p.id) AS levels
	FROM profiles p LEFT JOIN communes c ON c.code_insee = p.code_insee`

func levelsOf(b []byte) []maillage.ProfileCompetence {
	var m map[string]int
	_ = json.Unmarshal(b, &m)
	out := make([]maillage.ProfileCompetence, 0, len(m))
	for code, l := range m {
		out = append(out, maillage.ProfileCompetence{Code: code, Level: l})
	}
	return out
}

func (r *mentorRow) located() bool {
	return r.Latitude != nil && r.Longitude != nil && r.Departement != nil
}

// offers: available with a capacity, seen by the viewer.
func (r *mentorRow) offers() bool { return r.Available && r.Capacity > 0 && r.Visible }

func (r *mentorRow) mentor() mentoring.Mentor {
	m := mentoring.Mentor{ID: r.UserID, RadiusKm: r.RadiusKm, Remote: r.Remote, Capacity: max(r.Capacity-r.Active, 0),
		Competences: mentoring.Strengths(levelsOf(r.Levels))}
	if r.located() {
		m.Lat, m.Lng, m.Territory = *r.Latitude, *r.Longitude, mentoring.TerritoryOf(*r.Departement)
	}
	return m
}

func (r *mentorRow) person() mentoring.Person {
	return mentoring.Person{UserID: r.UserID, ProfileID: r.ProfileID, Name: r.Name, Departement: str(r.Departement), Region: str(r.Region)}
}

func (r *mentorRow) candidate() mentoring.Candidate {
	return mentoring.Candidate{Mentor: r.mentor(), ProfileID: r.ProfileID, Name: r.Name, Commune: str(r.Commune),
		Departement: str(r.Departement), Themes: r.Themes}
}

func (r *mentorRow) mentee(ref []string, maxKm int, remote bool) mentoring.Mentee {
	e := mentoring.Mentee{ID: r.UserID, MaxKm: maxKm, Remote: remote, Gaps: mentoring.Gaps(levelsOf(r.Levels), ref)}
	if r.located() {
		e.Lat, e.Lng, e.Territory = *r.Latitude, *r.Longitude, mentoring.TerritoryOf(*r.Departement)
	}
	return e
}

func (s *MentoringService) referential(ctx context.Context, db bun.IDB) ([]string, error) {
	var codes []string
	err := db.NewRaw("SELECT code FROM competences WHERE retired_at IS NULL ORDER BY code").Scan(ctx, &codes)
	return codes, err
}

// FindMentors lists the mentors a person may ask, ranked for them under
// the query (mentoring.Rank), with every theme offered. Only mentors whose
// profile, commune and mentor settings the person may see are listed, and
// not those who declined them, whose pairing with them ended, or already
// mentor them. A person without a commune gets no mentor and located
// false; without a profile, ENOTFOUND.
func (s *MentoringService) FindMentors(ctx context.Context, userID int64, q mentoring.Query) (ranked []mentoring.Ranked, themes []string, located bool, err error) {
	viewer := maillage.Viewer{UserID: userID}
	me, err := s.person(ctx, s.db.DB, viewer, userID)
	if err != nil {
		return nil, nil, false, err
	}
	ref, err := s.referential(ctx, s.db.DB)
	if err != nil {
		return nil, nil, false, err
	}
	rows, err := s.mentors(ctx, s.db.DB, viewer, "")
	if err != nil {
		return nil, nil, false, err
	}
	pending, err := s.pairsOf(ctx, s.db.DB, userID)
	if err != nil {
		return nil, nil, false, err
	}
	var cands []mentoring.Candidate
	for i := range rows {
		r := &rows[i]
		st := pending[r.UserID]
		if r.UserID == userID || !r.offers() || r.Paused || !r.located() || st.paired || st.refused {
			continue
		}
		c := r.candidate()
		c.Pending = st.pending
		cands = append(cands, c)
	}
	themes = mentoring.Themes(cands)
	if !me.located() {
		return nil, themes, false, nil
	}
	mentee := me.mentee(ref, q.MaxKm, q.Remote)
	return mentoring.Rank(mentee, cands, q, mentoring.DefaultGapWeight), themes, true, nil
}

// mentors reads every person who offers mentoring (visible or not: the
// row says), optionally one profile (where "p.id = ?").
func (s *MentoringService) mentors(ctx context.Context, db bun.IDB, viewer maillage.Viewer, where string, args ...any) ([]mentorRow, error) {
	vis, _ := visibleWhere(viewer, maillage.FieldCommune, maillage.FieldMentor)
	q := fmt.Sprintf(mentorSelect, vis)
	if where == "" {
		q += " WHERE p.mentor_available AND p.mentor_capacity > 0"
	} else {
		q += " WHERE " + where
	}
	var rows []mentorRow
	if err := db.NewRaw(q+" ORDER BY p.id", args...).Scan(ctx, &rows); err != nil {
		return nil, fmt.Errorf("find mentors: %w", err)
	}
	return rows, nil
}

// person reads one person (by user id) with their mentor settings.
func (s *MentoringService) person(ctx context.Context, db bun.IDB, viewer maillage.Viewer, userID int64) (*mentorRow, error) {
	rows, err := s.mentors(ctx, db, viewer, "p.user_id = ?", userID)
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, maillage.Errorf(maillage.ENOTFOUND, "mentoring.profile.required")
	}
	return &rows[0], nil
}

type pairState struct{ pending, paired, refused, recent bool }

// pairsOf tells, for each mentor, what binds them to the mentee already.
func (s *MentoringService) pairsOf(ctx context.Context, db bun.IDB, menteeID int64) (map[int64]pairState, error) {
	var rows []struct {
		MentorID int64
		What     string
	}
	if err := db.NewRaw(`SELECT mentor_id, 'pending' AS what FROM mentoring_requests WHERE mentee_id = ?0 AND status = 'envoyee'
		UNION ALL SELECT mentor_id, 'refused' FROM mentoring_requests WHERE mentee_id = ?0 AND status = 'refusee'
		UNION ALL SELECT mentor_id, CASE status WHEN 'active' THEN 'paired' ELSE 'refused' END FROM mentoring_pairings WHERE mentee_id = ?0
		UNION ALL SELECT mentor_id, 'recent' FROM mentoring_requests WHERE mentee_id = ?0 AND created_at > ?1`,
		menteeID, s.Now().Add(-mentoring.AskAgainAfter)).Scan(ctx, &rows); err != nil {
		return nil, err
	}
	out := map[int64]pairState{}
	for _, r := range rows {
		st := out[r.MentorID]
		switch r.What {
		case "pending":
			st.pending = true
		case "paired":
			st.paired = true
		case "recent":
			st.recent = true
		default:
			st.refused = true
		}
		out[r.MentorID] = st
	}
	return out, nil
}

// requestSelect reads requests with both sides. The mentee's département
// and the distance are shown (to the mentor, a coordinator) only when the
// mentee's commune is visible to members.
var requestSelect = fmt.Sprintf(`SELECT r.id, r.status, r.message, r.answer, r.max_km, r.remote, r.distance_km, r.proposed_by, r.created_at,
	r.expires_at, r.answered_at, r.mentee_id, coalesce(pe.id, 0) AS mentee_profile_id, coalesce(pe.display_name, ue.display_name, '') AS mentee_name,
	coalesce(ce.code_departement, '') AS mentee_departement, coalesce(ce.code_region, '') AS mentee_region,
	r.mentor_id, coalesce(pm.id, 0) AS mentor_profile_id, coalesce(pm.display_name, um.display_name, '') AS mentor_name,
	coalesce(cm.code_departement, '') AS mentor_departement,
	(SELECT x.id FROM mentoring_pairings x WHERE x.request_id = r.id) AS pairing_id,
	%s AS mentee_located
	FROM mentoring_requests r
	JOIN users ue ON ue.id = r.mentee_id LEFT JOIN profiles pe ON pe.user_id = r.mentee_id LEFT JOIN communes ce ON ce.code_insee = pe.code_insee
	JOIN users um ON um.id = r.mentor_id LEFT JOIN profiles pm ON pm.user_id = r.mentor_id LEFT JOIN communes cm ON cm.code_insee = pm.code_insee`,
	"coalesce("+strings.ReplaceAll(visibleSQL(maillage.AnyMember, maillage.FieldCommune), "p.", "pe.")+", false)")

type requestRow struct {
	ID                int64
	Status            string
	Message           string
	Answer            string
	MaxKm             int
	Remote            bool
	DistanceKm        *float64
	ProposedBy        *int64
	CreatedAt         time.Time
	ExpiresAt         time.Time
	AnsweredAt        *time.Time
	MenteeID          int64
	MenteeProfileID   int64
	MenteeName        string
	MenteeDepartement string
	MenteeRegion      string
	MentorID          int64
	MentorProfileID   int64
	MentorName        string
	MentorDepartement string
	PairingID         *int64
	MenteeLocated     bool
}

func (r *requestRow) domain() *mentoring.Request {
	if !r.MenteeLocated {
		r.MenteeDepartement, r.MenteeRegion, r.DistanceKm = "", "", nil
	}
	return &mentoring.Request{ID: r.ID, Status: r.Status, Message: r.Message, Answer: r.Answer, MaxKm: r.MaxKm, Remote: r.Remote,
		DistanceKm: r.DistanceKm, ProposedBy: r.ProposedBy, Proposed: r.ProposedBy != nil, CreatedAt: r.CreatedAt, ExpiresAt: r.ExpiresAt,
		AnsweredAt: r.AnsweredAt, PairingID: r.PairingID,
		Mentee: mentoring.Person{UserID: r.MenteeID, ProfileID: r.MenteeProfileID, Name: r.MenteeName, Departement: r.MenteeDepartement, Region: r.MenteeRegion},
		Mentor: mentoring.Person{UserID: r.MentorID, ProfileID: r.MentorProfileID, Name: r.MentorName, Departement: r.MentorDepartement}}
}

func requestsOf(rows []requestRow) []*mentoring.Request {
	out := make([]*mentoring.Request, len(rows))
	for i := range rows {
		out[i] = rows[i].domain()
	}
	return out
}

func (s *MentoringService) findRequest(ctx context.Context, db bun.IDB, id int64, lock bool) (*mentoring.Request, error) {
	q := requestSelect + " WHERE r.id = ?"
	if lock {
		q += " FOR UPDATE OF r"
	}
	var r requestRow
	if err := db.NewRaw(q, id).Scan(ctx, &r); err != nil {
		return nil, translate(err, "mentoring.request.not_found")
	}
	return r.domain(), nil
}

// FindRequest returns a request to one of its two sides (ENOTFOUND to
// anyone else: its existence is not revealed).
func (s *MentoringService) FindRequest(ctx context.Context, viewer maillage.Viewer, id int64) (*mentoring.Request, error) {
	r, err := s.findRequest(ctx, s.db.DB, id, false)
	if err != nil {
		return nil, err
	}
	if !r.Involves(viewer) {
		return nil, maillage.Errorf(maillage.ENOTFOUND, "mentoring.request.not_found")
	}
	return r, nil
}

// FindRequests lists requests, newest first.
func (s *MentoringService) FindRequests(ctx context.Context, f mentoring.RequestFilter) ([]*mentoring.Request, error) {
	q := requestSelect + " WHERE TRUE"
	var args []any
	if f.MenteeID != 0 {
		q += " AND r.mentee_id = ?"
		args = append(args, f.MenteeID)
	}
	if f.MentorID != 0 {
		q += " AND r.mentor_id = ?"
		args = append(args, f.MentorID)
	}
	if f.Status != "" {
		q += " AND r.status = ?"
		args = append(args, f.Status)
	}
	limit := f.Limit
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	var rows []requestRow
	if err := s.db.NewRaw(q+" ORDER BY r.created_at DESC, r.id DESC LIMIT ?", append(args, limit)...).Scan(ctx, &rows); err != nil {
		return nil, fmt.Errorf("find requests: %w", err)
	}
	return requestsOf(rows), nil
}

// SendRequest sends a mentee's request to a mentor (in.MentorID is the
// mentor's profile id), after mentoring.CheckRequest: a full mentor, a
// mentor on pause, oneself, a second request to the same mentor, a mentor
// too far away, one who declined before, a fourth open request are
// refused with a message on the field. The mentor gets a mail and a
// notification in the same transaction.
func (s *MentoringService) SendRequest(ctx context.Context, menteeID int64, in mentoring.RequestInput, lang string) (*mentoring.Request, error) {
	return s.sendRequest(ctx, menteeID, in, nil, lang)
}

func (s *MentoringService) sendRequest(ctx context.Context, menteeID int64, in mentoring.RequestInput, coordinator *int64, lang string) (*mentoring.Request, error) {
	in.Normalize()
	if err := in.Validate().Err(); err != nil {
		return nil, err
	}
	var id int64
	err := s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var err error
		id, err = s.sendRequestTx(ctx, tx, menteeID, in, coordinator, lang)
		return err
	})
	if err != nil {
		return nil, err
	}
	return s.findRequest(ctx, s.db.DB, id, false)
}

func (s *MentoringService) sendRequestTx(ctx context.Context, tx bun.Tx, menteeID int64, in mentoring.RequestInput, coordinator *int64, lang string) (int64, error) {
	// The mentor is who the mentee may see (a coordinator's proposal: who
	// the coordinator saw).
	viewer := maillage.Viewer{UserID: menteeID}
	if coordinator != nil {
		viewer = maillage.Viewer{UserID: *coordinator}
	}
	var mentorUser int64
	if err := tx.NewRaw("SELECT user_id FROM profiles WHERE id = ?", in.MentorID).Scan(ctx, &mentorUser); err != nil {
		if isNoRows(err) {
			return 0, maillage.Invalid("mentor_id", "mentoring.request.mentor.unknown")
		}
		return 0, err
	}
	// Lock both profiles in id order: two requests to the same mentor
	// (or of the same mentee) wait for each other.
	first, second := min(menteeID, mentorUser), max(menteeID, mentorUser)
	if _, err := tx.NewRaw("SELECT 1 FROM profiles WHERE user_id IN (?, ?) ORDER BY user_id FOR UPDATE", first, second).Exec(ctx); err != nil {
		return 0, err
	}
	me, err := s.person(ctx, tx, maillage.Viewer{UserID: menteeID}, menteeID)
	if maillage.ErrorCode(err) == maillage.ENOTFOUND {
		return 0, maillage.Invalid("mentor_id", "mentoring.profile.required") // no profile yet: said next to the request
	}
	if err != nil {
		return 0, err
	}
	mentor, err := s.person(ctx, tx, viewer, mentorUser)
	if err != nil {
		return 0, maillage.Invalid("mentor_id", "mentoring.request.mentor.unknown")
	}
	ref, err := s.referential(ctx, tx)
	if err != nil {
		return 0, err
	}
	st, err := s.pairsOf(ctx, tx, menteeID)
	if err != nil {
		return 0, err
	}
	var open int
	if err := tx.NewRaw("SELECT count(*) FROM mentoring_requests WHERE mentee_id = ? AND status = 'envoyee'", menteeID).Scan(ctx, &open); err != nil {
		return 0, err
	}
	rc := mentoring.RequestContext{
		Mentee: me.mentee(ref, in.MaxKm, in.Remote), Mentor: mentor.mentor(),
		MenteeUserID: menteeID, MentorUserID: mentorUser, MenteeLocated: me.located(), MentorLocated: mentor.located(),
		MentorOffers: mentor.offers(), MentorPaused: mentor.Paused, OpenRequests: open,
		Pending: st[mentorUser].pending, Paired: st[mentorUser].paired, Refused: st[mentorUser].refused,
		AskedRecently: st[mentorUser].recent, ByCoordinator: coordinator != nil,
	}
	if err := mentoring.CheckRequest(rc).Err(); err != nil {
		return 0, err
	}
	var dist *float64
	if me.located() && mentor.located() {
		d := maillage.DistanceKm(*me.Latitude, *me.Longitude, *mentor.Latitude, *mentor.Longitude)
		dist = &d
	}
	now := s.Now()
	var id int64
	if err := tx.NewRaw(`INSERT INTO mentoring_requests (mentee_id, mentor_id, message, max_km, remote, distance_km, proposed_by, created_at, expires_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, menteeID, mentorUser, in.Message, in.MaxKm, in.Remote, dist, coordinator,
		now, now.Add(mentoring.RequestTTL)).Scan(ctx, &id); err != nil {
		return 0, translate(err, "mentoring.request.not_found")
	}
	actor, motivation := &menteeID, ""
	if coordinator != nil {
		actor, motivation = coordinator, "mentoring.request.proposed"
	}
	if err := transition(ctx, tx, mentoring.RequestMachine, id, "", mentoring.RequestSent, actor, motivation); err != nil {
		return 0, err
	}
	if err := s.notify(ctx, tx, mentorUser, "request_received", menteeID, &id, nil); err != nil {
		return 0, err
	}
	if coordinator != nil {
		// The mentee is told that a request went in their name.
		if err := s.notify(ctx, tx, menteeID, "request_proposed", mentorUser, &id, nil); err != nil {
			return 0, err
		}
		if err := s.mail(ctx, tx, menteeID, lang, "request_proposed", "/mentorat/demandes", "Name", mentor.Name); err != nil {
			return 0, err
		}
	}
	return id, s.mail(ctx, tx, mentorUser, lang, "request_received", "/mentorat/mentores",
		"Name", me.Name, "Message", in.Message, "Days", int(mentoring.RequestTTL.Hours()/24))
}

// CancelRequest withdraws a mentee's waiting request.
func (s *MentoringService) CancelRequest(ctx context.Context, menteeID, id int64) (*mentoring.Request, error) {
	err := s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		r, err := s.findRequest(ctx, tx, id, true)
		if err != nil {
			return err
		}
		if !r.CanCancel(maillage.Viewer{UserID: menteeID}) {
			return maillage.Errorf(maillage.ENOTFOUND, "mentoring.request.not_found")
		}
		if err := s.moveRequest(ctx, tx, r, mentoring.RequestCancelled, &menteeID, ""); err != nil {
			return err
		}
		return s.notify(ctx, tx, r.Mentor.UserID, "request_cancelled", menteeID, &id, nil)
	})
	if err != nil {
		return nil, err
	}
	return s.findRequest(ctx, s.db.DB, id, false)
}

func (s *MentoringService) moveRequest(ctx context.Context, tx bun.IDB, r *mentoring.Request, to string, actor *int64, motivation string) error {
	if err := transition(ctx, tx, mentoring.RequestMachine, r.ID, r.Status, to, actor, motivation); err != nil {
		return err
	}
	var answered *time.Time
	if to == mentoring.RequestAccepted || to == mentoring.RequestDeclined {
		now := s.Now()
		answered = &now
	}
	_, err := tx.NewRaw("UPDATE mentoring_requests SET status = ?, answer = ?, answered_at = coalesce(?, answered_at) WHERE id = ?", to, motivation, answered, r.ID).Exec(ctx)
	return err
}

// AnswerRequest accepts (a pairing starts) or declines a request, with an
// optional message, by its mentor. Accepting needs a free place: a mentor
// who became full meanwhile gets a message on "accept" and nothing
// changes.
func (s *MentoringService) AnswerRequest(ctx context.Context, mentorID, id int64, in mentoring.AnswerInput, lang string) (*mentoring.Request, error) {
	err := s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewRaw("SELECT 1 FROM profiles WHERE user_id = ? FOR UPDATE", mentorID).Exec(ctx); err != nil {
			return err
		}
		r, err := s.findRequest(ctx, tx, id, true)
		if err != nil {
			return err
		}
		if !r.CanAnswer(maillage.Viewer{UserID: mentorID}) {
			return maillage.Errorf(maillage.ENOTFOUND, "mentoring.request.not_found")
		}
		if err := mentoring.RequestMachine.Check(r.Status, mentoring.RequestAccepted); err != nil {
			return err
		}
		var places int
		if err := tx.NewRaw(`SELECT p.mentor_capacity - (SELECT count(*) FROM mentoring_pairings x WHERE x.mentor_id = p.user_id AND x.status = 'active')
			FROM profiles p WHERE p.user_id = ?`, mentorID).Scan(ctx, &places); err != nil {
			return translate(err, "mentoring.profile.required")
		}
		if err := in.Validate(places).Err(); err != nil {
			return err
		}
		if !in.Accept {
			if err := s.moveRequest(ctx, tx, r, mentoring.RequestDeclined, &mentorID, in.Message); err != nil {
				return err
			}
			if err := s.notify(ctx, tx, r.Mentee.UserID, "request_declined", mentorID, &id, nil); err != nil {
				return err
			}
			return s.mail(ctx, tx, r.Mentee.UserID, lang, "request_declined", "/mentorat/trouver", "Name", r.Mentor.Name, "Message", in.Message)
		}
		if err := s.moveRequest(ctx, tx, r, mentoring.RequestAccepted, &mentorID, in.Message); err != nil {
			return err
		}
		var pid int64
		if err := tx.NewRaw(`INSERT INTO mentoring_pairings (request_id, mentee_id, mentor_id, started_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (mentee_id, mentor_id) WHERE status = 'active' DO NOTHING RETURNING id`, id, r.Mentee.UserID, mentorID, s.Now()).Scan(ctx, &pid); err != nil {
			if isNoRows(err) {
				return maillage.Invalid("accept", "mentoring.request.paired")
			}
			return err
		}
		if err := transition(ctx, tx, mentoring.PairingMachine, pid, "", mentoring.PairingActive, &mentorID, ""); err != nil {
			return err
		}
		if err := s.notify(ctx, tx, r.Mentee.UserID, "request_accepted", mentorID, &id, &pid); err != nil {
			return err
		}
		return s.mail(ctx, tx, r.Mentee.UserID, lang, "request_accepted", fmt.Sprintf("/mentorat/binomes/%d", pid), "Name", r.Mentor.Name, "Message", in.Message)
	})
	if err != nil {
		return nil, err
	}
	return s.findRequest(ctx, s.db.DB, id, false)
}

// pairingSelect reads pairings with both sides (the mentee's département
// only when their commune is visible to members).
var pairingSelect = fmt.Sprintf(`SELECT x.id, x.request_id, x.status, x.started_at, x.ended_at, x.end_reason,
	x.mentee_id, coalesce(pe.id, 0) AS mentee_profile_id, coalesce(pe.display_name, ue.display_name, '') AS mentee_name,
	coalesce(ce.code_departement, '') AS mentee_departement,
	x.mentor_id, coalesce(pm.id, 0) AS mentor_profile_id, coalesce(pm.display_name, um.display_name, '') AS mentor_name,
	coalesce(cm.code_departement, '') AS mentor_departement,
	(SELECT count(*) FROM mentoring_meetings m WHERE m.pairing_id = x.id) AS meetings, %s AS mentee_located
	FROM mentoring_pairings x
	JOIN users ue ON ue.id = x.mentee_id LEFT JOIN profiles pe ON pe.user_id = x.mentee_id LEFT JOIN communes ce ON ce.code_insee = pe.code_insee
	JOIN users um ON um.id = x.mentor_id LEFT JOIN profiles pm ON pm.user_id = x.mentor_id LEFT JOIN communes cm ON cm.code_insee = pm.code_insee`,
	"coalesce("+strings.ReplaceAll(visibleSQL(maillage.AnyMember, maillage.FieldCommune), "p.", "pe.")+", false)")

type pairingRow struct {
	ID                int64
	RequestID         *int64
	Status            string
	StartedAt         time.Time
	EndedAt           *time.Time
	EndReason         string
	MenteeID          int64
	MenteeProfileID   int64
	MenteeName        string
	MenteeDepartement string
	MentorID          int64
	MentorProfileID   int64
	MentorName        string
	MentorDepartement string
	Meetings          int
	MenteeLocated     bool
}

func (r *pairingRow) domain() *mentoring.Pairing {
	if !r.MenteeLocated {
		r.MenteeDepartement = ""
	}
	return &mentoring.Pairing{ID: r.ID, RequestID: r.RequestID, Status: r.Status, StartedAt: r.StartedAt, EndedAt: r.EndedAt,
		EndReason: r.EndReason, Meetings: r.Meetings,
		Mentee: mentoring.Person{UserID: r.MenteeID, ProfileID: r.MenteeProfileID, Name: r.MenteeName, Departement: r.MenteeDepartement},
		Mentor: mentoring.Person{UserID: r.MentorID, ProfileID: r.MentorProfileID, Name: r.MentorName, Departement: r.MentorDepartement}}
}

func (s *MentoringService) findPairing(ctx context.Context, db bun.IDB, id int64, lock bool) (*mentoring.Pairing, error) {
	q := pairingSelect + " WHERE x.id = ?"
	if lock {
		q += " FOR UPDATE OF x"
	}
	var r pairingRow
	if err := db.NewRaw(q, id).Scan(ctx, &r); err != nil {
		return nil, translate(err, "mentoring.pairing.not_found")
	}
	return r.domain(), nil
}

// FindPairing returns a pairing to its mentee or its mentor (ENOTFOUND
// to anyone else).
func (s *MentoringService) FindPairing(ctx context.Context, viewer maillage.Viewer, id int64) (*mentoring.Pairing, error) {
	p, err := s.findPairing(ctx, s.db.DB, id, false)
	if err != nil {
		return nil, err
	}
	if !p.Involves(viewer) {
		return nil, maillage.Errorf(maillage.ENOTFOUND, "mentoring.pairing.not_found")
	}
	return p, nil
}

// FindPairings lists a person's pairings as mentee or as mentor, active
// first, newest first.
func (s *MentoringService) FindPairings(ctx context.Context, userID int64) ([]*mentoring.Pairing, error) {
	var rows []pairingRow
	if err := s.db.NewRaw(pairingSelect+" WHERE x.mentee_id = ?0 OR x.mentor_id = ?0 ORDER BY x.status = 'active' DESC, x.started_at DESC, x.id DESC",
		userID).Scan(ctx, &rows); err != nil {
		return nil, fmt.Errorf("find pairings: %w", err)
	}
	out := make([]*mentoring.Pairing, len(rows))
	for i := range rows {
		out[i] = rows[i].domain()
	}
	return out, nil
}

// ForgetAccount is the mentoring part of deleting an account (a
// UserService.Forget): the person's open requests are cancelled and their
// active pairings ended, each transition recorded with the person as actor,
// and the other side is told (a mentee is alone again and counted so).
func (s *MentoringService) ForgetAccount(ctx context.Context, tx bun.Tx, userID int64) error {
	var reqs []int64
	if err := tx.NewRaw(`SELECT id FROM mentoring_requests WHERE status = ? AND (mentee_id = ?1 OR mentor_id = ?1) ORDER BY id FOR UPDATE`,
		mentoring.RequestSent, userID).Scan(ctx, &reqs); err != nil {
		return err
	}
	for _, id := range reqs {
		if err := transition(ctx, tx, mentoring.RequestMachine, id, mentoring.RequestSent, mentoring.RequestCancelled, &userID, accountDeleted); err != nil {
			return err
		}
		if _, err := tx.NewRaw("UPDATE mentoring_requests SET status = ? WHERE id = ?", mentoring.RequestCancelled, id).Exec(ctx); err != nil {
			return err
		}
	}
	var pairs []int64
	if err := tx.NewRaw(`SELECT id FROM mentoring_pairings WHERE status = ? AND (mentee_id = ?1 OR mentor_id = ?1) ORDER BY id FOR UPDATE`,
		mentoring.PairingActive, userID).Scan(ctx, &pairs); err != nil {
		return err
	}
	for _, id := range pairs {
		p, err := s.findPairing(ctx, tx, id, true)
		if err != nil {
			return err
		}
		if err := transition(ctx, tx, mentoring.PairingMachine, id, p.Status, mentoring.PairingEnded, &userID, accountDeleted); err != nil {
			return err
		}
		if _, err := tx.NewRaw("UPDATE mentoring_pairings SET status = ?, ended_at = ?, ended_by = ? WHERE id = ?",
			mentoring.PairingEnded, s.Now(), userID, id).Exec(ctx); err != nil {
			return err
		}
		other := p.Other(maillage.Viewer{UserID: userID})
		if err := s.notify(ctx, tx, other.UserID, "pairing_ended", userID, nil, &id); err != nil {
			return err
		}
	}
	return nil
}

// ExportAccount is the mentoring part of the download of a person's data
// (a UserService.Export): their requests, as mentee and as mentor, their
// pairings and the meetings logged in them.
func (s *MentoringService) ExportAccount(ctx context.Context, userID int64) (string, any, error) {
	asMentee, err := s.FindRequests(ctx, mentoring.RequestFilter{MenteeID: userID})
	if err != nil {
		return "", nil, err
	}
	asMentor, err := s.FindRequests(ctx, mentoring.RequestFilter{MentorID: userID})
	if err != nil {
		return "", nil, err
	}
	pairings, err := s.FindPairings(ctx, userID)
	if err != nil {
		return "", nil, err
	}
	meetings := map[int64][]*mentoring.Meeting{}
	for _, p := range pairings {
		if meetings[p.ID], err = s.FindMeetings(ctx, maillage.Viewer{UserID: userID}, p.ID); err != nil {
			return "", nil, err
		}
	}
	return "mentoring", map[string]any{"requests_sent": asMentee, "requests_received": asMentor, "pairings": pairings, "meetings": meetings}, nil
}

// accountDeleted is the motivation recorded in state_transitions when a
// deleted account ends a request or a pairing (the pages show no reason).
const accountDeleted = "account deleted"

// EndPairing ends an active pairing, by either side, with a reason; the
// mentee is alone again (and counted so). The other side gets a mail and
// a notification.
func (s *MentoringService) EndPairing(ctx context.Context, userID, id int64, in mentoring.EndInput, lang string) (*mentoring.Pairing, error) {
	if err := in.Validate().Err(); err != nil {
		return nil, err
	}
	err := s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		p, err := s.findPairing(ctx, tx, id, true)
		if err != nil {
			return err
		}
		v := maillage.Viewer{UserID: userID}
		if !p.Involves(v) {
			return maillage.Errorf(maillage.ENOTFOUND, "mentoring.pairing.not_found")
		}
		if err := transition(ctx, tx, mentoring.PairingMachine, id, p.Status, mentoring.PairingEnded, &userID, in.Reason); err != nil {
			return err
		}
		if _, err := tx.NewRaw("UPDATE mentoring_pairings SET status = ?, ended_at = ?, ended_by = ?, end_reason = ? WHERE id = ?",
			mentoring.PairingEnded, s.Now(), userID, in.Reason, id).Exec(ctx); err != nil {
			return err
		}
		other := p.Other(v)
		actorName := p.Mentor.Name
		if userID == p.Mentee.UserID {
			actorName = p.Mentee.Name
		}
		if err := s.notify(ctx, tx, other.UserID, "pairing_ended", userID, nil, &id); err != nil {
			return err
		}
		return s.mail(ctx, tx, other.UserID, lang, "pairing_ended", fmt.Sprintf("/mentorat/binomes/%d", id), "Name", actorName, "Reason", in.Reason)
	})
	if err != nil {
		return nil, err
	}
	return s.findPairing(ctx, s.db.DB, id, false)
}

// FindMeetings lists the meetings of a pairing, newest first, for its two
// sides only.
func (s *MentoringService) FindMeetings(ctx context.Context, viewer maillage.Viewer, pairingID int64) ([]*mentoring.Meeting, error) {
	if _, err := s.FindPairing(ctx, viewer, pairingID); err != nil {
		return nil, err
	}
	var rows []struct {
		ID          int64
		PairingID   int64
		AuthorID    *int64
		AuthorName  string
		HeldOn      time.Time
		DurationMin int
		Format      string
		Notes       string
		CreatedAt   time.Time
		Topics      []string `bun:",array"`
		Validated   []byte
	}
	if err := s.db.NewRaw(`SELECT m.id, m.pairing_id, m.author_id, coalesce(p.display_name, u.display_name, '') AS author_name, m.held_on,
		m.duration_min, m.format, m.notes, m.created_at,
		array(SELECT t.competence_code FROM mentoring_meeting_topics t WHERE t.meeting_id = m.id ORDER BY 1) AS topics,
		(SELECT coalesce(jsonb_agg(jsonb_build_object('code', v.competence_code, 'level', v.level) ORDER BY v.competence_code), '[]')
			FROM mentoring_validations v WHERE v.meeting_id = m.id) AS validated
		FROM mentoring_meetings m LEFT JOIN users u ON u.id = m.author_id LEFT JOIN profiles p ON p.user_id = m.author_id
		WHERE m.pairing_id = ? ORDER BY m.held_on DESC, m.id DESC`, pairingID).Scan(ctx, &rows); err != nil {
		return nil, fmt.Errorf("find meetings: %w", err)
	}
	out := make([]*mentoring.Meeting, len(rows))
	for i, r := range rows {
		m := &mentoring.Meeting{ID: r.ID, PairingID: r.PairingID, AuthorName: r.AuthorName, Date: r.HeldOn, DurationMin: r.DurationMin,
			Format: r.Format, Notes: r.Notes, CreatedAt: r.CreatedAt, Topics: r.Topics, Validated: []mentoring.Validation{}}
		if r.AuthorID != nil {
			m.AuthorID = *r.AuthorID
		}
		if m.Topics == nil {
			m.Topics = []string{}
		}
		_ = json.Unmarshal(r.Validated, &m.Validated)
		out[i] = m
	}
	return out, nil
}

// LogMeeting records a meeting of an active pairing, by either side
// (MeetingInput.Validate: not in the future, not before the pairing, a
// positive duration). The mentor may validate competencies of the mentee
// with it: each becomes evidence "validée par un mentor" on the mentee's
// profile (with who and when; a competency certified by a title stays
// certified), and the profile is queued for search.
func (s *MentoringService) LogMeeting(ctx context.Context, userID, pairingID int64, in mentoring.MeetingInput) (*mentoring.Meeting, error) {
	var id int64
	err := s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		p, err := s.findPairing(ctx, tx, pairingID, true)
		if err != nil {
			return err
		}
		v := maillage.Viewer{UserID: userID}
		if !p.Involves(v) {
			return maillage.Errorf(maillage.ENOTFOUND, "mentoring.pairing.not_found")
		}
		if !p.Active() {
			return maillage.Errorf(maillage.ECONFLICT, "mentoring.pairing.ended")
		}
		ref, err := s.referential(ctx, tx)
		if err != nil {
			return err
		}
		codes := map[string]bool{}
		for _, c := range ref {
			codes[c] = true
		}
		if err := in.Validate(mentoring.MeetingRules{Now: s.Now(), Started: p.StartedAt, Competences: codes, Mentor: userID == p.Mentor.UserID}).Err(); err != nil {
			return err
		}
		if err := tx.NewRaw(`INSERT INTO mentoring_meetings (pairing_id, author_id, held_on, duration_min, format, notes) VALUES (?, ?, ?, ?, ?, ?) RETURNING id`,
			pairingID, userID, in.Date, in.DurationMin, in.Format, in.Notes).Scan(ctx, &id); err != nil {
			return translate(err, "mentoring.pairing.not_found")
		}
		for _, t := range in.Topics {
			if _, err := tx.NewRaw("INSERT INTO mentoring_meeting_topics (meeting_id, competence_code) VALUES (?, ?)", id, t).Exec(ctx); err != nil {
				return err
			}
		}
		if len(in.Validations) == 0 {
			return nil
		}
		var profileID int64
		if err := tx.NewRaw("SELECT id FROM profiles WHERE user_id = ? FOR UPDATE", p.Mentee.UserID).Scan(ctx, &profileID); err != nil {
			return translate(err, "mentoring.profile.required")
		}
		for _, val := range in.Validations {
			if _, err := tx.NewRaw(`INSERT INTO mentoring_validations (meeting_id, competence_code, level, validated_by) VALUES (?, ?, ?, ?)`,
				id, val.Code, val.Level, userID).Exec(ctx); err != nil {
				return err
			}
			if _, err := tx.NewRaw(`INSERT INTO profile_competences (profile_id, competence_code, level, evidence, validated_by, validated_at)
				VALUES (?, ?, ?, 'validated', ?, now())
				ON CONFLICT (profile_id, competence_code) DO UPDATE SET level = EXCLUDED.level, evidence = 'validated',
					validated_by = EXCLUDED.validated_by, validated_at = now()
				WHERE profile_competences.evidence <> 'certified'`, profileID, val.Code, val.Level, userID).Exec(ctx); err != nil {
				return err
			}
		}
		if _, err := tx.NewRaw("UPDATE profiles SET updated_at = now() WHERE id = ?", profileID).Exec(ctx); err != nil {
			return err
		}
		return outbox(ctx, tx, "profile", profileID)
	})
	if err != nil {
		return nil, err
	}
	ms, err := s.FindMeetings(ctx, maillage.Viewer{UserID: userID}, pairingID)
	if err != nil {
		return nil, err
	}
	for _, m := range ms {
		if m.ID == id {
			return m, nil
		}
	}
	return nil, maillage.Errorf(maillage.ENOTFOUND, "mentoring.pairing.not_found")
}

// FindPause returns the person's current pause (nil when none).
func (s *MentoringService) FindPause(ctx context.Context, userID int64) (*mentoring.Pause, error) {
	var p mentoring.Pause
	err := s.db.NewRaw("SELECT since, until FROM mentor_pauses WHERE user_id = ? AND (until IS NULL OR until >= "+maillage.TodaySQL+")", userID).Scan(ctx, &p.Since, &p.Until)
	if isNoRows(err) {
		return nil, nil
	}
	return &p, err
}

// PauseMentor pauses a mentor's availability (no new request, no
// proposal) until a day or until they resume; pairings go on.
func (s *MentoringService) PauseMentor(ctx context.Context, userID int64, in mentoring.PauseInput) error {
	if err := in.Validate(s.Now()).Err(); err != nil {
		return err
	}
	_, err := s.db.NewRaw(`INSERT INTO mentor_pauses (user_id, until) VALUES (?, ?)
		ON CONFLICT (user_id) DO UPDATE SET since = now(), until = EXCLUDED.until`, userID, in.Until).Exec(ctx)
	return translate(err, "mentoring.profile.required")
}

// ResumeMentor ends a pause.
func (s *MentoringService) ResumeMentor(ctx context.Context, userID int64) error {
	_, err := s.db.NewRaw("DELETE FROM mentor_pauses WHERE user_id = ?", userID).Exec(ctx)
	return err
}

func (s *MentoringService) notify(ctx context.Context, tx bun.IDB, userID int64, kind string, otherID int64, requestID, pairingID *int64) error {
	var other *int64
	if otherID != 0 {
		other = &otherID
	}
	_, err := tx.NewRaw("INSERT INTO mentoring_notifications (user_id, kind, other_id, request_id, pairing_id) VALUES (?, ?, ?, ?, ?)",
		userID, kind, other, requestID, pairingID).Exec(ctx)
	return err
}

// FindNotifications lists a person's unread notifications, newest first.
func (s *MentoringService) FindNotifications(ctx context.Context, userID int64) ([]mentoring.Notification, error) {
	var out []mentoring.Notification
	err := s.db.NewRaw(`SELECT n.id, n.kind, coalesce(p.display_name, u.display_name, '') AS other_name, n.request_id, n.pairing_id, n.created_at
		FROM mentoring_notifications n LEFT JOIN users u ON u.id = n.other_id LEFT JOIN profiles p ON p.user_id = n.other_id
		WHERE n.user_id = ? AND n.read_at IS NULL ORDER BY n.created_at DESC, n.id DESC LIMIT 20`, userID).Scan(ctx, &out)
	return out, err
}

// MarkRead marks a person's notifications of those kinds read.
func (s *MentoringService) MarkRead(ctx context.Context, userID int64, kinds ...string) error {
	_, err := s.db.NewRaw("UPDATE mentoring_notifications SET read_at = now() WHERE user_id = ? AND read_at IS NULL AND kind IN (?)",
		userID, bun.In(kinds)).Exec(ctx)
	return err
}

// mail writes a mentoring mail to a person (none when their account has
// no address), rendered from mentoring.mail.<kind>.subject/.body with
// args plus Link.
func (s *MentoringService) mail(ctx context.Context, tx bun.IDB, userID int64, lang, kind, path string, args ...any) error {
	if s.Texts == nil {
		return fmt.Errorf("mentoring mail %s: MentoringService has no message catalogue (Texts)", kind)
	}
	var to *string
	if err := tx.NewRaw("SELECT email FROM users WHERE id = ?", userID).Scan(ctx, &to); err != nil {
		return err
	}
	if to == nil || *to == "" {
		return nil
	}
	if lang == "" {
		lang = "fr"
	}
	args = append(args, "Link", strings.TrimSuffix(s.BaseURL, "/")+path)
	return EnqueueMail(ctx, tx, &maillage.Mail{To: *to, Kind: "mentoring_" + kind, Lang: lang,
		Subject: s.Texts.T(lang, "mentoring.mail."+kind+".subject", args...),
		Text:    s.Texts.T(lang, "mentoring.mail."+kind+".body", args...)})
}

// ExpireRequests moves the requests unanswered for RequestTTL to expiree
// (the mentee is told) and reminds the mentors of requests that expire
// within ReminderBefore, once. It returns how many expired and how many
// reminders were sent.
func (s *MentoringService) ExpireRequests(ctx context.Context, now time.Time) (expired, reminded int, err error) {
	err = s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var ids []int64
		if err := tx.NewRaw(`SELECT id FROM mentoring_requests WHERE status = 'envoyee' AND expires_at <= ? ORDER BY id LIMIT 500 FOR UPDATE SKIP LOCKED`,
			now).Scan(ctx, &ids); err != nil {
			return err
		}
		for _, id := range ids {
			r, err := s.findRequest(ctx, tx, id, true)
			if err != nil {
				return err
			}
			if err := s.moveRequest(ctx, tx, r, mentoring.RequestExpired, nil, ""); err != nil {
				return err
			}
			if err := s.notify(ctx, tx, r.Mentee.UserID, "request_expired", r.Mentor.UserID, &id, nil); err != nil {
				return err
			}
			if err := s.mail(ctx, tx, r.Mentee.UserID, "fr", "request_expired", "/mentorat/trouver", "Name", r.Mentor.Name,
				"Days", int(mentoring.RequestTTL.Hours()/24)); err != nil {
				return err
			}
			expired++
		}
		var soon []int64
		if err := tx.NewRaw(`SELECT id FROM mentoring_requests WHERE status = 'envoyee' AND reminded_at IS NULL AND expires_at <= ?
			ORDER BY id LIMIT 500 FOR UPDATE SKIP LOCKED`, now.Add(mentoring.ReminderBefore)).Scan(ctx, &soon); err != nil {
			return err
		}
		for _, id := range soon {
			r, err := s.findRequest(ctx, tx, id, false)
			if err != nil {
				return err
			}
			if _, err := tx.NewRaw("UPDATE mentoring_requests SET reminded_at = ? WHERE id = ?", now, id).Exec(ctx); err != nil {
				return err
			}
			if err := s.notify(ctx, tx, r.Mentor.UserID, "request_expiring", r.Mentee.UserID, &id, nil); err != nil {
				return err
			}
			if err := s.mail(ctx, tx, r.Mentor.UserID, "fr", "request_expiring", "/mentorat/mentores", "Name", r.Mentee.Name,
				"Days", max(1, int(r.ExpiresAt.Sub(now).Hours()/24+0.5))); err != nil {
				return err
			}
			reminded++
		}
		return nil
	})
	return expired, reminded, err
}

// RunExpiry expires requests (ExpireRequests) every ten minutes until ctx
// is done: a background worker of the portal.
func (s *MentoringService) RunExpiry(ctx context.Context) {
	t := time.NewTicker(10 * time.Minute)
	defer t.Stop()
	for {
		if n, r, err := s.ExpireRequests(ctx, s.Now()); err != nil && ctx.Err() == nil {
			s.Log.Warn("mentoring expiry", "err", err)
		} else if n+r > 0 {
			s.Log.Info("mentoring expiry", "expired", n, "reminded", r)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

var _ mentoring.Service = (*MentoringService)(nil)

// At returns the service with its clock at now (the demo writes a history
// through it: requests sent and pairings started weeks ago).
func (s *MentoringService) At(now time.Time) mentoring.Service {
	c := *s
	c.Now = func() time.Time { return now }
	return &c
}
