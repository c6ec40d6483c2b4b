package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/uptrace/bun"

	"maillage/internal/maillage"
)

// ProfileService implements maillage.ProfileService.
type ProfileService struct{ db *DB }

// NewProfileService returns the profile service.
func NewProfileService(db *DB) *ProfileService { return &ProfileService{db: db} }

var _ maillage.ProfileService = (*ProfileService)(nil)

type profileRow struct {
	ID              int64     `bun:"id"`
	UserID          int64     `bun:"user_id"`
	Kind            string    `bun:"kind"`
	DisplayName     string    `bun:"display_name"`
	Bio             string    `bun:"bio"`
	CodeInsee       *string   `bun:"code_insee"`
	Commune         *string   `bun:"commune"`
	CodeDepartement *string   `bun:"code_departement"`
	CodeRegion      *string   `bun:"code_region"`
	Latitude        *float64  `bun:"latitude"`
	Longitude       *float64  `bun:"longitude"`
	PixLevel        *int      `bun:"pix_level"`
	OpenToWork      bool      `bun:"open_to_work"`
	MentorAvailable bool      `bun:"mentor_available"`
	MentorCapacity  int       `bun:"mentor_capacity"`
	MentorRadiusKm  int       `bun:"mentor_radius_km"`
	MentorRemote    bool      `bun:"mentor_remote"`
	MentorThemes    []string  `bun:"mentor_themes,array"`
	Visibility      []byte    `bun:"visibility"`
	CreatedAt       time.Time `bun:"created_at"`
	UpdatedAt       time.Time `bun:"updated_at"`
}

const profileSelect = `SELECT p.id, p.user_id, p.kind, p.display_name, p.bio, p.code_insee, c.nom AS commune,
	c.code_departement, c.code_region, c.latitude, c.longitude, p.pix_level, p.open_to_work, p.mentor_available,
	p.mentor_capacity, p.mentor_radius_km, p.mentor_remote, p.mentor_themes, p.visibility, p.created_at, p.updated_at
	FROM profiles p LEFT JOIN communes c ON c.code_insee = p.code_insee`

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func (r *profileRow) domain() *maillage.Profile {
	open := r.OpenToWork
	p := &maillage.Profile{ID: r.ID, UserID: r.UserID, Kind: maillage.ProfileKind(r.Kind), DisplayName: r.DisplayName, Bio: r.Bio,
		CodeInsee: str(r.CodeInsee), Commune: str(r.Commune), CodeDepartement: str(r.CodeDepartement), CodeRegion: str(r.CodeRegion),
		Latitude: r.Latitude, Longitude: r.Longitude, PixLevel: r.PixLevel, OpenToWork: &open,
		Mentor:    &maillage.MentorSettings{Available: r.MentorAvailable, Capacity: r.MentorCapacity, RadiusKm: r.MentorRadiusKm, Remote: r.MentorRemote, Themes: r.MentorThemes},
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, Visibility: decodeVisibility(r.Visibility)}
	return p
}

// visibilities keeps the visibility objects already decoded, by their
// JSON: people share a few hundred combinations, and decoding each row's
// JSON was a tenth of the directory page's time. Each profile gets its
// own copy of the map.
var visibilities struct {
	m sync.Map // JSON → map[string]maillage.Visibility
	n atomic.Int64
}

const maxVisibilities = 4096

func decodeVisibility(raw []byte) map[string]maillage.Visibility {
	if v, ok := visibilities.m.Load(string(raw)); ok {
		return maps.Clone(v.(map[string]maillage.Visibility))
	}
	out := map[string]maillage.Visibility{}
	if err := json.Unmarshal(raw, &out); err != nil || out == nil {
		return map[string]maillage.Visibility{}
	}
	if visibilities.n.Load() < maxVisibilities {
		if _, had := visibilities.m.LoadOrStore(string(raw), maps.Clone(out)); !had {
			visibilities.n.Add(1)
		}
	}
	return out
}

// load fills competences, titles and structures of profiles.
func (s *ProfileService) load(ctx context.Context, ps ...*maillage.Profile) error {
	if len(ps) == 0 {
		return nil
	}
	ids := make([]int64, len(ps))
	byID := map[int64]*maillage.Profile{}
	userIDs := make([]int64, len(ps))
	byUser := map[int64]*maillage.Profile{}
	for i, p := range ps {
		ids[i], userIDs[i] = p.ID, p.UserID
		byID[p.ID], byUser[p.UserID] = p, p
	}
	var comps []struct {
		ProfileID   int64
		Code        string
		Label       string
		Level       int
		Evidence    string
		ValidatedBy *int64
	}
	if err := s.db.NewRaw(`SELECT pc.profile_id, pc.competence_code AS code, c.label, pc.level, pc.evidence, pc.validated_by
		FROM profile_competences pc JOIN competences c ON c.code = pc.competence_code
		WHERE pc.profile_id IN (?) ORDER BY pc.competence_code`, bun.In(ids)).Scan(ctx, &comps); err != nil {
		return fmt.Errorf("load competences: %w", err)
	}
	for _, c := range comps {
		p := byID[c.ProfileID]
		p.Competences = append(p.Competences, maillage.ProfileCompetence{Code: c.Code, Label: c.Label, Level: c.Level, Evidence: maillage.EvidenceKind(c.Evidence), ValidatedBy: c.ValidatedBy})
	}
	var titles []struct {
		ProfileID         int64
		CertificationCode string
		BlocCode          *string
		Label             string
		ObtainedOn        *time.Time
	}
	if err := s.db.NewRaw(`SELECT t.profile_id, t.certification_code, t.bloc_code, coalesce(b.label, c.title) AS label, t.obtained_on
		FROM profile_titles t JOIN certifications c ON c.code = t.certification_code LEFT JOIN blocs b ON b.code = t.bloc_code
		WHERE t.profile_id IN (?) ORDER BY t.certification_code, t.bloc_code NULLS FIRST`, bun.In(ids)).Scan(ctx, &titles); err != nil {
		return fmt.Errorf("load titles: %w", err)
	}
	for _, t := range titles {
		byID[t.ProfileID].Titles = append(byID[t.ProfileID].Titles, maillage.ProfileTitle{CertificationCode: t.CertificationCode, BlocCode: str(t.BlocCode), Label: t.Label, ObtainedOn: t.ObtainedOn})
	}
	var members []struct {
		UserID      int64
		StructureID int64
		Nom         string
		Role        string
		StartedOn   *time.Time
		EndedOn     *time.Time
	}
	if err := s.db.NewRaw(`SELECT m.user_id, m.structure_id, s.nom, m.role, m.started_on, m.ended_on
		FROM memberships m JOIN structures s ON s.id = m.structure_id
		WHERE m.user_id IN (?) ORDER BY m.ended_on NULLS FIRST, s.nom`, bun.In(userIDs)).Scan(ctx, &members); err != nil {
		return fmt.Errorf("load structures: %w", err)
	}
	for _, m := range members {
		byUser[m.UserID].Structures = append(byUser[m.UserID].Structures, maillage.ProfileStructure{StructureID: m.StructureID, Nom: m.Nom, Role: m.Role, StartedOn: m.StartedOn, EndedOn: m.EndedOn})
	}
	return nil
}

// FindProfileByID returns the profile as viewer may see it (ENOTFOUND when
// the viewer may not see it at all, so its existence is not revealed).
func (s *ProfileService) FindProfileByID(ctx context.Context, viewer maillage.Viewer, id int64) (*maillage.Profile, error) {
	p, err := s.findOne(ctx, "p.id = ?", id)
	if err != nil {
		return nil, err
	}
	view := p.ViewFor(viewer)
	if view == nil {
		return nil, maillage.Errorf(maillage.ENOTFOUND, "network.profile.not_found")
	}
	return view, nil
}

// FindProfileByUserID returns a person's own profile, whole.
func (s *ProfileService) FindProfileByUserID(ctx context.Context, userID int64) (*maillage.Profile, error) {
	return s.findOne(ctx, "p.user_id = ?", userID)
}

func (s *ProfileService) findOne(ctx context.Context, where string, arg any) (*maillage.Profile, error) {
	var r profileRow
	if err := s.db.NewRaw(profileSelect+" WHERE "+where, arg).Scan(ctx, &r); err != nil {
		return nil, translate(err, "network.profile.not_found")
	}
	p := r.domain()
	return p, s.load(ctx, p)
}

// FindProfiles lists profiles the viewer may see, as views.
func (s *ProfileService) FindProfiles(ctx context.Context, f maillage.ProfileFilter) ([]*maillage.Profile, int, error) {
	var fields []string
	if f.CodeDepartement != "" || f.CodeRegion != "" {
		fields = append(fields, maillage.FieldCommune)
	}
	if f.OpenToWork != nil {
		fields = append(fields, maillage.FieldOpenToWork)
	}
	if f.MentorAvailable != nil {
		fields = append(fields, maillage.FieldMentor)
	}
	where, args := visibleWhere(f.Viewer, fields...)
	conds := []string{where}
	if f.Kind != "" {
		conds = append(conds, "p.kind = ?")
		args = append(args, string(f.Kind))
	}
	if f.CodeDepartement != "" {
		conds = append(conds, "p.code_departement = ?")
		args = append(args, f.CodeDepartement)
	}
	if f.CodeRegion != "" {
		conds = append(conds, "p.code_region = ?")
		args = append(args, f.CodeRegion)
	}
	if f.OpenToWork != nil {
		conds = append(conds, "p.open_to_work = ?")
		args = append(args, *f.OpenToWork)
	}
	if f.MentorAvailable != nil {
		conds = append(conds, "p.mentor_available = ?")
		args = append(args, *f.MentorAvailable)
	}
	if len(f.IDs) > 0 {
		conds = append(conds, "p.id IN (?)")
		args = append(args, bun.In(f.IDs))
	}
	// The conditions read the profile row only (its territory is stored
	// on it, migration 20261202160000): counting needs no join.
	whereSQL := " WHERE " + strings.Join(conds, " AND ")
	var total int
	if err := s.db.NewRaw("SELECT count(*) FROM profiles p"+whereSQL, args...).Scan(ctx, &total); err != nil {
		return nil, 0, err
	}
	limit := f.Limit
	if limit <= 0 || limit > 1000 {
		limit = 50
	}
	var rows []profileRow
	if err := s.db.NewRaw(profileSelect+whereSQL+" ORDER BY p.display_name COLLATE \"fr-x-icu\", p.id LIMIT ? OFFSET ?", append(args, limit, f.Offset)...).Scan(ctx, &rows); err != nil {
		return nil, 0, err
	}
	ps := make([]*maillage.Profile, len(rows))
	for i := range rows {
		ps[i] = rows[i].domain()
	}
	if !f.Brief {
		if err := s.load(ctx, ps...); err != nil {
			return nil, 0, err
		}
	}
	out := make([]*maillage.Profile, 0, len(ps))
	for _, p := range ps {
		if v := p.ViewFor(f.Viewer); v != nil {
			out = append(out, v)
		}
	}
	return out, total, nil
}

// SaveProfile validates and stores a profile (created on first save), and
// records it in the search outbox in the same transaction. The rules are
// ProfileUpdate.Validate, checked here against the referentials inside the
// transaction, so the form, the API and any command share them.
func (s *ProfileService) SaveProfile(ctx context.Context, userID int64, u maillage.ProfileUpdate) (*maillage.Profile, error) {
	u.Normalize()
	if u.Mentor != nil && u.Mentor.Themes == nil {
		u.Mentor.Themes = []string{}
	}
	var profileID int64
	err := s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		err := tx.NewRaw("SELECT id FROM profiles WHERE user_id = ? FOR UPDATE", userID).Scan(ctx, &profileID)
		if err != nil && !isNoRows(err) {
			return err
		}
		creating := isNoRows(err)
		refs, err := profileRefs(ctx, tx, &u)
		if err != nil {
			return err
		}
		if err := u.Validate(refs, creating).Err(); err != nil {
			return err
		}
		if creating {
			vis, _ := json.Marshal(maillage.DefaultVisibility)
			if err := tx.NewRaw("INSERT INTO profiles (user_id, kind, display_name, visibility) VALUES (?, ?, ?, ?) RETURNING id",
				userID, string(*u.Kind), *u.DisplayName, string(vis)).Scan(ctx, &profileID); err != nil {
				return translate(err, "network.profile.not_found")
			}
		}
		set := []string{"updated_at = now()"}
		var args []any
		add := func(expr string, v any) { set = append(set, expr); args = append(args, v) }
		if u.Kind != nil {
			add("kind = ?", string(*u.Kind))
		}
		if u.DisplayName != nil {
			add("display_name = ?", *u.DisplayName)
		}
		if u.Bio != nil {
			add("bio = ?", *u.Bio)
		}
		if u.Commune != nil {
			if *u.Commune == "" {
				set = append(set, "code_insee = NULL")
			} else {
				add("code_insee = ?", *u.Commune)
			}
		}
		if u.PixLevel != nil {
			add("pix_level = ?", *u.PixLevel)
		}
		if u.OpenToWork != nil {
			add("open_to_work = ?", *u.OpenToWork)
		}
		if m := u.Mentor; m != nil {
			add("mentor_available = ?", m.Available)
			add("mentor_capacity = ?", m.Capacity)
			add("mentor_radius_km = ?", m.RadiusKm)
			add("mentor_remote = ?", m.Remote)
			add("mentor_themes = ?", pgArray(m.Themes))
		}
		if len(u.Visibility) > 0 {
			b, _ := json.Marshal(u.Visibility)
			add("visibility = visibility || ?::jsonb", string(b))
		}
		args = append(args, profileID)
		if _, err := tx.NewRaw("UPDATE profiles SET "+strings.Join(set, ", ")+" WHERE id = ?", args...).Exec(ctx); err != nil {
			return translate(err, "network.profile.not_found")
		}
		if u.DisplayName != nil {
			// One name: the account shows the profile's.
			if _, err := tx.NewRaw("UPDATE users SET display_name = ?, updated_at = now() WHERE id = ?", *u.DisplayName, userID).Exec(ctx); err != nil {
				return err
			}
		}
		if u.Competences != nil {
			// Self-declared competencies are replaced; validated or certified ones stay.
			if _, err := tx.NewRaw("DELETE FROM profile_competences WHERE profile_id = ? AND evidence = 'declared'", profileID).Exec(ctx); err != nil {
				return err
			}
			for _, c := range *u.Competences {
				if _, err := tx.NewRaw(`INSERT INTO profile_competences (profile_id, competence_code, level, evidence)
					VALUES (?, ?, ?, 'declared') ON CONFLICT (profile_id, competence_code) DO NOTHING`, profileID, c.Code, c.Level).Exec(ctx); err != nil {
					return err
				}
			}
		}
		if u.Titles != nil {
			if _, err := tx.NewRaw("DELETE FROM profile_titles WHERE profile_id = ?", profileID).Exec(ctx); err != nil {
				return err
			}
			for _, t := range *u.Titles {
				var bloc any
				if t.BlocCode != "" {
					bloc = t.BlocCode
				}
				if _, err := tx.NewRaw(`INSERT INTO profile_titles (profile_id, certification_code, bloc_code, obtained_on) VALUES (?, ?, ?, ?)
					ON CONFLICT DO NOTHING`, profileID, t.CertificationCode, bloc, t.ObtainedOn).Exec(ctx); err != nil {
					return translate(err, "network.profile.title.not_found")
				}
			}
		}
		return outbox(ctx, tx, "profile", profileID)
	})
	if err != nil {
		return nil, err
	}
	return s.FindProfileByUserID(ctx, userID)
}

// profileRefs reads which of the codes an update names exist (live rows
// only), for ProfileUpdate.Validate.
func profileRefs(ctx context.Context, tx bun.IDB, u *maillage.ProfileUpdate) (maillage.ProfileRefs, error) {
	refs := maillage.ProfileRefs{Communes: map[string]bool{}, Competences: map[string]bool{}, Titles: map[string]bool{}, Today: time.Now()}
	if u.Commune != nil && *u.Commune != "" {
		var codes []string
		if err := tx.NewRaw("SELECT code_insee FROM communes WHERE code_insee = ?", *u.Commune).Scan(ctx, &codes); err != nil {
			return refs, err
		}
		for _, c := range codes {
			refs.Communes[c] = true
		}
	}
	if u.Competences != nil && len(*u.Competences) > 0 {
		var want, codes []string
		for _, c := range *u.Competences {
			if utf8.ValidString(c.Code) && !maillage.HasControl(c.Code, false) {
				want = append(want, c.Code)
			}
		}
		if len(want) > 0 {
			if err := tx.NewRaw("SELECT code FROM competences WHERE code IN (?) AND retired_at IS NULL", bun.In(want)).Scan(ctx, &codes); err != nil {
				return refs, err
			}
		}
		for _, c := range codes {
			refs.Competences[c] = true
		}
	}
	if u.Titles != nil && len(*u.Titles) > 0 {
		var rows []struct{ Cert, Bloc string }
		if err := tx.NewRaw(`SELECT c.code AS cert, coalesce(b.code, '') AS bloc FROM certifications c
			LEFT JOIN blocs b ON b.certification_code = c.code AND b.retired_at IS NULL
			WHERE c.retired_at IS NULL`).Scan(ctx, &rows); err != nil {
			return refs, err
		}
		for _, r := range rows {
			refs.Titles[r.Cert] = true
			if r.Bloc != "" {
				refs.Titles[r.Cert+"/"+r.Bloc] = true
			}
		}
	}
	return refs, nil
}

// DeleteProfile removes a person's profile (and from search, via the outbox).
func (s *ProfileService) DeleteProfile(ctx context.Context, userID int64) error {
	return s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		return deleteProfileTx(ctx, tx, userID)
	})
}

func deleteProfileTx(ctx context.Context, tx bun.Tx, userID int64) error {
	var id int64
	err := tx.NewRaw("DELETE FROM profiles WHERE user_id = ? RETURNING id", userID).Scan(ctx, &id)
	if isNoRows(err) {
		return nil
	}
	if err != nil {
		return err
	}
	return outbox(ctx, tx, "profile", id)
}

// CountByRegion counts visible people and places per région.
func (s *ProfileService) CountByRegion(ctx context.Context, viewer maillage.Viewer) ([]maillage.DirectoryCount, error) {
	return s.count(ctx, viewer, "code_region", "regions", "")
}

// CountByDepartement counts visible people and places per département (of a région, or all).
func (s *ProfileService) CountByDepartement(ctx context.Context, viewer maillage.Viewer, codeRegion string) ([]maillage.DirectoryCount, error) {
	return s.count(ctx, viewer, "code_departement", "departements", codeRegion)
}

func (s *ProfileService) count(ctx context.Context, viewer maillage.Viewer, col, table, region string) ([]maillage.DirectoryCount, error) {
	where, args := visibleWhere(viewer, maillage.FieldCommune)
	// Every row carries its territory (migration 20261202160000): no join
	// with the communes, and a région's page reads only the région's rows.
	people, places, all := "", "", ""
	if region != "" {
		people, places, all = " AND p.code_region = ?", " AND s.code_region = ?", " WHERE t.code_region = ?"
	}
	q := fmt.Sprintf(`WITH people AS (
			SELECT p.%[1]s AS code, p.kind, count(*) AS n FROM profiles p
			WHERE p.%[1]s IS NOT NULL AND %[2]s%[4]s GROUP BY 1, 2),
		places AS MATERIALIZED (
			SELECT s.%[1]s AS code, count(*) AS n FROM structures s WHERE s.%[1]s IS NOT NULL%[5]s GROUP BY 1)
		SELECT t.code, t.nom, coalesce((SELECT sum(n) FROM people WHERE people.code = t.code), 0) AS people,
			coalesce((SELECT n FROM places WHERE places.code = t.code), 0) AS places,
			coalesce((SELECT jsonb_object_agg(kind, n) FROM people WHERE people.code = t.code), '{}') AS by_kind
		FROM %[3]s t%[6]s ORDER BY t.code`, col, where, table, people, places, all)
	if region != "" {
		args = append(args, region, region, region)
	}
	var rows []struct {
		Code   string
		Nom    string
		People int
		Places int
		ByKind []byte
	}
	if err := s.db.NewRaw(q, args...).Scan(ctx, &rows); err != nil {
		return nil, err
	}
	out := make([]maillage.DirectoryCount, len(rows))
	for i, r := range rows {
		out[i] = maillage.DirectoryCount{Code: r.Code, Nom: r.Nom, People: r.People, Places: r.Places, ByKind: map[maillage.ProfileKind]int{}}
		_ = json.Unmarshal(r.ByKind, &out[i].ByKind)
	}
	return out, nil
}

func pgArray(ss []string) any {
	if ss == nil {
		ss = []string{}
	}
	return pgdialectArray(ss)
}
