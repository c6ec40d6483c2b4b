package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"maillage/internal/demo"
	"maillage/internal/maillage"
)

// DemoStore reads what the demo network is drawn from and writes it with
// bulk inserts (implements demo.Store). It bypasses the services for speed
// and does what they would: e-mail identities, role grants, and a
// search_outbox row for every profile and structure, in the same
// transaction.
type DemoStore struct{ db *DB }

// NewDemoStore returns the demo store.
func NewDemoStore(db *DB) *DemoStore { return &DemoStore{db: db} }

var _ demo.Store = (*DemoStore)(nil)

// demoBatch is the number of rows per INSERT.
const demoBatch = 1000

// DemoReferential reads the communes, competencies and certifications.
func (s *DemoStore) DemoReferential(ctx context.Context) (*demo.Referential, error) {
	ref := &demo.Referential{}
	var communes []struct {
		CodeInsee       string   `bun:"code_insee"`
		Nom             string   `bun:"nom"`
		CodeDepartement string   `bun:"code_departement"`
		CodeRegion      string   `bun:"code_region"`
		CodesPostaux    []string `bun:"codes_postaux,array"`
		Population      int      `bun:"population"`
		Latitude        float64  `bun:"latitude"`
		Longitude       float64  `bun:"longitude"`
	}
	if err := s.db.NewRaw(`SELECT code_insee, nom, code_departement, code_region, codes_postaux, coalesce(population, 0) AS population,
		latitude, longitude FROM communes ORDER BY code_insee`).Scan(ctx, &communes); err != nil {
		return nil, fmt.Errorf("demo communes: %w", err)
	}
	for _, c := range communes {
		ref.Communes = append(ref.Communes, demo.Commune{Code: c.CodeInsee, Nom: c.Nom, Departement: c.CodeDepartement, Region: c.CodeRegion,
			Postcodes: c.CodesPostaux, Population: c.Population, Latitude: c.Latitude, Longitude: c.Longitude})
	}
	if err := s.db.NewRaw("SELECT code FROM competences WHERE retired_at IS NULL ORDER BY code").Scan(ctx, &ref.Competences); err != nil {
		return nil, fmt.Errorf("demo competences: %w", err)
	}
	var certs []struct {
		Code  string   `bun:"code"`
		Blocs []string `bun:"blocs,array"`
	}
	if err := s.db.NewRaw(`SELECT c.code, coalesce(array_agg(b.code ORDER BY b.rank) FILTER (WHERE b.code IS NOT NULL), '{}') AS blocs
		FROM certifications c LEFT JOIN blocs b ON b.certification_code = c.code AND b.retired_at IS NULL
		WHERE c.retired_at IS NULL GROUP BY c.code ORDER BY c.code`).Scan(ctx, &certs); err != nil {
		return nil, fmt.Errorf("demo certifications: %w", err)
	}
	for _, c := range certs {
		ref.Certifications = append(ref.Certifications, demo.Certification{Code: c.Code, Blocs: c.Blocs})
	}
	return ref, nil
}

// CountProfiles returns the number of profiles.
func (s *DemoStore) CountProfiles(ctx context.Context) (int, error) {
	var n int
	err := s.db.NewRaw("SELECT count(*) FROM profiles").Scan(ctx, &n)
	return n, err
}

// insertJSON inserts rows given as a JSON array through jsonb_to_recordset
// (one statement per batch), scanning what RETURNING gives into dest when
// it is not nil.
func insertJSON[T any](ctx context.Context, tx bun.Tx, query string, rows []T, dest func(ctx context.Context, q *bun.RawQuery) error) error {
	for start := 0; start < len(rows); start += demoBatch {
		b, err := json.Marshal(rows[start:min(start+demoBatch, len(rows))])
		if err != nil {
			return err
		}
		q := tx.NewRaw(query, string(b))
		if dest != nil {
			err = dest(ctx, q)
		} else {
			_, err = q.Exec(ctx)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

type idKey struct {
	ID  int64  `bun:"id"`
	Key string `bun:"key"`
}

// WriteNetwork stores a network in one transaction. It refuses (ECONFLICT)
// when profiles exist: the demo goes only into an empty network.
func (s *DemoStore) WriteNetwork(ctx context.Context, n *demo.Network) error {
	return s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock(hashtext('maillage demo'))"); err != nil {
			return err
		}
		var exists bool
		if err := tx.NewRaw("SELECT EXISTS (SELECT 1 FROM profiles)").Scan(ctx, &exists); err != nil {
			return err
		}
		if exists {
			return maillage.Errorf(maillage.ECONFLICT, "home.demo.not_empty")
		}

		// Accounts, with an e-mail identity (as SignInEmail makes) and their role.
		type userIn struct {
			Email string `json:"email"`
			Name  string `json:"display_name"`
		}
		users := make([]userIn, len(n.People))
		for i, p := range n.People {
			users[i] = userIn{p.Email, p.Profile.DisplayName}
		}
		userIDs := map[string]int64{}
		if err := insertJSON(ctx, tx, `INSERT INTO users (email, email_verified, display_name)
			SELECT email, true, display_name FROM jsonb_to_recordset(?::jsonb) AS x(email text, display_name text)
			RETURNING id, email AS key`, users, func(ctx context.Context, q *bun.RawQuery) error {
			var got []idKey
			if err := q.Scan(ctx, &got); err != nil {
				return translate(err, "error.not_found")
			}
			for _, g := range got {
				userIDs[g.Key] = g.ID
			}
			return nil
		}); err != nil {
			return err
		}
		type grantIn struct {
			UserID     int64  `json:"user_id"`
			Email      string `json:"email"`
			Role       string `json:"role"`
			ScopeKind  string `json:"scope_kind"`
			ScopeValue string `json:"scope_value"`
		}
		grants := make([]grantIn, len(n.People))
		for i, p := range n.People {
			grants[i] = grantIn{userIDs[p.Email], p.Email, string(p.Grant.Role), p.Grant.ScopeKind, p.Grant.ScopeValue}
		}
		if err := insertJSON(ctx, tx, `INSERT INTO identities (user_id, provider, subject, email)
			SELECT user_id, 'email', email, email FROM jsonb_to_recordset(?::jsonb) AS x(user_id bigint, email text)`, grants, nil); err != nil {
			return err
		}
		if err := insertJSON(ctx, tx, `INSERT INTO role_grants (user_id, role, scope_kind, scope_value)
			SELECT user_id, role, scope_kind, scope_value FROM jsonb_to_recordset(?::jsonb) AS x(user_id bigint, role text, scope_kind text, scope_value text)`, grants, nil); err != nil {
			return translate(err, "error.not_found")
		}

		// Profiles.
		type profileIn struct {
			UserID          int64                          `json:"user_id"`
			Kind            string                         `json:"kind"`
			DisplayName     string                         `json:"display_name"`
			Bio             string                         `json:"bio"`
			CodeInsee       string                         `json:"code_insee"`
			PixLevel        *int                           `json:"pix_level"`
			OpenToWork      bool                           `json:"open_to_work"`
			MentorAvailable bool                           `json:"mentor_available"`
			MentorCapacity  int                            `json:"mentor_capacity"`
			MentorRadiusKm  int                            `json:"mentor_radius_km"`
			MentorRemote    bool                           `json:"mentor_remote"`
			MentorThemes    []string                       `json:"mentor_themes"`
			Visibility      map[string]maillage.Visibility `json:"visibility"`
		}
		profiles := make([]profileIn, len(n.People))
		for i, p := range n.People {
			pr := p.Profile
			m := pr.Mentor
			if m == nil {
				m = &maillage.MentorSettings{RadiusKm: 20}
			}
			profiles[i] = profileIn{UserID: userIDs[p.Email], Kind: string(pr.Kind), DisplayName: pr.DisplayName, Bio: pr.Bio, CodeInsee: pr.CodeInsee,
				PixLevel: pr.PixLevel, OpenToWork: pr.OpenToWork != nil && *pr.OpenToWork, MentorAvailable: m.Available, MentorCapacity: m.Capacity,
				MentorRadiusKm: m.RadiusKm, MentorRemote: m.Remote, MentorThemes: append([]string{}, m.Themes...), Visibility: pr.Visibility}
		}
		profileIDs := map[int64]int64{} // user id → profile id
		if err := insertJSON(ctx, tx, `INSERT INTO profiles (user_id, kind, display_name, bio, code_insee, pix_level, open_to_work,
				mentor_available, mentor_capacity, mentor_radius_km, mentor_remote, mentor_themes, visibility)
			SELECT user_id, kind, display_name, bio, code_insee, pix_level, open_to_work,
				mentor_available, mentor_capacity, mentor_radius_km, mentor_remote, mentor_themes, visibility
			FROM jsonb_to_recordset(?::jsonb) AS x(user_id bigint, kind text, display_name text, bio text, code_insee text, pix_level int,
				open_to_work bool, mentor_available bool, mentor_capacity int, mentor_radius_km int, mentor_remote bool, mentor_themes text[], visibility jsonb)
			RETURNING id, user_id::text AS key`, profiles, func(ctx context.Context, q *bun.RawQuery) error {
			var got []idKey
			if err := q.Scan(ctx, &got); err != nil {
				return translate(err, "error.not_found")
			}
			for _, g := range got {
				uid, err := strconv.ParseInt(g.Key, 10, 64)
				if err != nil {
					return err
				}
				profileIDs[uid] = g.ID
			}
			return nil
		}); err != nil {
			return err
		}
		type compIn struct {
			ProfileID int64  `json:"profile_id"`
			Code      string `json:"code"`
			Level     int    `json:"level"`
			Evidence  string `json:"evidence"`
		}
		type titleIn struct {
			ProfileID  int64   `json:"profile_id"`
			Cert       string  `json:"certification_code"`
			Bloc       *string `json:"bloc_code"`
			ObtainedOn *string `json:"obtained_on"`
		}
		var comps []compIn
		var titles []titleIn
		var pids []int64
		for _, p := range n.People {
			pid := profileIDs[userIDs[p.Email]]
			pids = append(pids, pid)
			for _, c := range p.Profile.Competences {
				comps = append(comps, compIn{pid, c.Code, c.Level, string(c.Evidence)})
			}
			for _, t := range p.Profile.Titles {
				ti := titleIn{ProfileID: pid, Cert: t.CertificationCode}
				if t.BlocCode != "" {
					ti.Bloc = &t.BlocCode
				}
				if t.ObtainedOn != nil {
					d := t.ObtainedOn.Format(time.DateOnly)
					ti.ObtainedOn = &d
				}
				titles = append(titles, ti)
			}
		}
		if err := insertJSON(ctx, tx, `INSERT INTO profile_competences (profile_id, competence_code, level, evidence)
			SELECT profile_id, code, level, evidence FROM jsonb_to_recordset(?::jsonb) AS x(profile_id bigint, code text, level int, evidence text)`, comps, nil); err != nil {
			return translate(err, "error.not_found")
		}
		if err := insertJSON(ctx, tx, `INSERT INTO profile_titles (profile_id, certification_code, bloc_code, obtained_on)
			SELECT profile_id, certification_code, bloc_code, obtained_on FROM jsonb_to_recordset(?::jsonb)
			AS x(profile_id bigint, certification_code text, bloc_code text, obtained_on date)`, titles, nil); err != nil {
			return translate(err, "error.not_found")
		}

		// Structures: the columns of the national standard, as lieuValues writes them.
		structs := make([]map[string]any, len(n.Structures))
		for i, st := range n.Structures {
			row := lieuJSON(&st.Lieu)
			roles := make([]string, len(st.Roles))
			for j, r := range st.Roles {
				roles[j] = string(r)
			}
			row["roles"] = roles
			row["commune_insee"] = maillage.CityOfArrondissement(st.Lieu.CodeInsee)
			structs[i] = row
		}
		var defs []string
		colNames := append(append([]string{}, lieuColumns...), "roles", "commune_insee")
		for _, c := range colNames {
			defs = append(defs, c+" "+structureColumnTypes[c])
		}
		cols := strings.Join(colNames, ", ")
		structIDs := map[string]int64{}
		if err := insertJSON(ctx, tx, "INSERT INTO structures ("+cols+") SELECT "+cols+" FROM jsonb_to_recordset(?::jsonb) AS x("+strings.Join(defs, ", ")+
			") RETURNING id, lieu_id AS key", structs, func(ctx context.Context, q *bun.RawQuery) error {
			var got []idKey
			if err := q.Scan(ctx, &got); err != nil {
				return translate(err, "error.not_found")
			}
			for _, g := range got {
				structIDs[g.Key] = g.ID
			}
			return nil
		}); err != nil {
			return err
		}
		var sids []int64
		for _, st := range n.Structures {
			sids = append(sids, structIDs[st.Lieu.ID])
		}
		type memberIn struct {
			StructureID int64  `json:"structure_id"`
			UserID      int64  `json:"user_id"`
			Role        string `json:"role"`
			StartedOn   string `json:"started_on"`
		}
		members := make([]memberIn, len(n.Memberships))
		for i, m := range n.Memberships {
			members[i] = memberIn{sids[m.Structure], userIDs[n.People[m.Person].Email], m.Role, m.StartedOn.Format(time.DateOnly)}
		}
		if err := insertJSON(ctx, tx, `INSERT INTO memberships (structure_id, user_id, role, started_on)
			SELECT structure_id, user_id, role, started_on FROM jsonb_to_recordset(?::jsonb) AS x(structure_id bigint, user_id bigint, role text, started_on date)`, members, nil); err != nil {
			return translate(err, "error.not_found")
		}

		// Search outbox, as the services write it.
		if _, err := tx.NewRaw(`INSERT INTO search_outbox (entity, entity_id)
			SELECT 'profile', unnest(?::bigint[]) UNION ALL SELECT 'structure', unnest(?::bigint[])`, pgdialectArray(pids), pgdialectArray(sids)).Exec(ctx); err != nil {
			return err
		}
		c := n.Counts()
		return auditTx(ctx, tx, maillage.AuditEntry{Action: "demo.loaded", Details: map[string]any{
			"seed": n.Seed, "profiles": c.People, "structures": c.Structures, "memberships": c.Memberships}})
	})
}

// structureColumnTypes are the SQL types of the structure columns written
// from JSON.
var structureColumnTypes = func() map[string]string {
	m := map[string]string{"latitude": "double precision", "longitude": "double precision", "date_maj": "date", "roles": "text[]", "commune_insee": "text"}
	for _, c := range []string{"typologie", "courriels", "site_web", "itinerance", "services", "publics_specifiquement_adresses",
		"prise_en_charge_specifique", "frais_a_charge", "dispositif_programmes_nationaux", "formations_labels", "modalites_acces", "modalites_accompagnement"} {
		m[c] = "text[]"
	}
	for _, c := range lieuColumns {
		if m[c] == "" {
			m[c] = "text"
		}
	}
	return m
}()

// lieuJSON is a lieu keyed by column (lieuColumns), for jsonb_to_recordset.
func lieuJSON(l *maillage.Lieu) map[string]any {
	arr := func(ss []string) []string {
		if ss == nil {
			return []string{}
		}
		return ss
	}
	return map[string]any{
		"lieu_id": l.ID, "pivot": l.Pivot, "nom": l.Nom, "commune": l.Commune, "code_postal": l.CodePostal, "code_insee": l.CodeInsee,
		"adresse": l.Adresse, "complement_adresse": l.ComplementAdresse, "latitude": l.Latitude, "longitude": l.Longitude,
		"typologie": arr(l.Typologie), "telephone": l.Telephone, "courriels": arr(l.Courriels), "site_web": arr(l.SiteWeb),
		"horaires": l.Horaires, "presentation_resume": l.PresentationResume, "presentation_detail": l.PresentationDetail,
		"source": l.Source, "itinerance": arr(l.Itinerance), "structure_parente": l.StructureParente,
		"date_maj": l.DateMaj.Format(time.DateOnly), "services": arr(l.Services),
		"publics_specifiquement_adresses": arr(l.PublicsSpecifiquementAdresses), "prise_en_charge_specifique": arr(l.PriseEnChargeSpecifique),
		"frais_a_charge": arr(l.FraisACharge), "dispositif_programmes_nationaux": arr(l.DispositifProgrammesNationaux),
		"formations_labels": arr(l.FormationsLabels), "autres_formations_labels": l.AutresFormationsLabels,
		"modalites_acces": arr(l.ModalitesAcces), "modalites_accompagnement": arr(l.ModalitesAccompagnement),
		"fiche_acces_libre": l.FicheAccesLibre, "prise_rdv": l.PriseRDV,
	}
}
