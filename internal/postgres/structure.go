package postgres

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"strings"
	"sync"
	"time"

	"github.com/uptrace/bun"

	"maillage/internal/lieux"
	"maillage/internal/maillage"
)

// StructureService implements maillage.StructureService.
type StructureService struct {
	db *DB
	// BaseURL starts the links of the mails it writes (proof of a claim,
	// invitation); Texts writes them in the recipient's language.
	BaseURL string
	Texts   maillage.Texts

	communesMu sync.Mutex
	communes   *lieux.CommuneIndex
}

// NewStructureService returns the structure service.
func NewStructureService(db *DB) *StructureService { return &StructureService{db: db} }

var _ maillage.StructureService = (*StructureService)(nil)

type structureRow struct {
	ID                            int64     `bun:"id"`
	LieuID                        string    `bun:"lieu_id"`
	Pivot                         string    `bun:"pivot"`
	Nom                           string    `bun:"nom"`
	Commune                       string    `bun:"commune"`
	CodePostal                    string    `bun:"code_postal"`
	CodeInsee                     string    `bun:"code_insee"`
	Adresse                       string    `bun:"adresse"`
	ComplementAdresse             string    `bun:"complement_adresse"`
	Latitude                      *float64  `bun:"latitude"`
	Longitude                     *float64  `bun:"longitude"`
	Typologie                     []string  `bun:"typologie,array"`
	Telephone                     string    `bun:"telephone"`
	Courriels                     []string  `bun:"courriels,array"`
	SiteWeb                       []string  `bun:"site_web,array"`
	Horaires                      string    `bun:"horaires"`
	PresentationResume            string    `bun:"presentation_resume"`
	PresentationDetail            string    `bun:"presentation_detail"`
	Source                        string    `bun:"source"`
	Itinerance                    []string  `bun:"itinerance,array"`
	StructureParente              string    `bun:"structure_parente"`
	DateMaj                       time.Time `bun:"date_maj"`
	Services                      []string  `bun:"services,array"`
	PublicsSpecifiquementAdresses []string  `bun:"publics_specifiquement_adresses,array"`
	PriseEnChargeSpecifique       []string  `bun:"prise_en_charge_specifique,array"`
	FraisACharge                  []string  `bun:"frais_a_charge,array"`
	DispositifProgrammesNationaux []string  `bun:"dispositif_programmes_nationaux,array"`
	FormationsLabels              []string  `bun:"formations_labels,array"`
	AutresFormationsLabels        string    `bun:"autres_formations_labels"`
	ModalitesAcces                []string  `bun:"modalites_acces,array"`
	ModalitesAccompagnement       []string  `bun:"modalites_accompagnement,array"`
	FicheAccesLibre               string    `bun:"fiche_acces_libre"`
	PriseRDV                      string    `bun:"prise_rdv"`
	Roles                         []string  `bun:"roles,array"`
	CommuneInsee                  *string   `bun:"commune_insee"`
	CodeDepartement               *string   `bun:"code_departement"`
	CodeRegion                    *string   `bun:"code_region"`
	CreatedAt                     time.Time `bun:"created_at"`
	UpdatedAt                     time.Time `bun:"updated_at"`
}

// structureColumns lists what a structureRow reads; coordinates fall back
// to the commune's centre when the place has none (exportColumns keeps them as given).
var structureColumns = func(latlng string) string {
	cols := []string{"s.id", "s.roles", "s.commune_insee", "s.created_at", "s.updated_at", "c.code_departement", "c.code_region"}
	for _, c := range lieuColumns {
		if c == "latitude" || c == "longitude" {
			continue
		}
		if c == "autres_formations_labels" { // with the labels granted by the portal (migration 20261202130000)
			cols = append(cols, "label_autres_formations_labels(s.id, s.autres_formations_labels) AS autres_formations_labels")
			continue
		}
		cols = append(cols, "s."+c)
	}
	return strings.Join(cols, ", ") + ", " + latlng
}

var (
	structureSelect = "SELECT " + structureColumns("coalesce(s.latitude, c.latitude) AS latitude, coalesce(s.longitude, c.longitude) AS longitude") +
		" FROM structures s LEFT JOIN communes c ON c.code_insee = s.commune_insee"
	exportSelect = "SELECT " + structureColumns("s.latitude, s.longitude") +
		" FROM structures s LEFT JOIN communes c ON c.code_insee = s.commune_insee"
	// briefSelect reads what StructureFilter.Brief promises, the rest of
	// the row left empty.
	briefSelect = `SELECT s.id, s.roles, s.commune_insee, s.created_at, s.updated_at, s.code_departement, s.code_region,
		s.nom, s.commune, s.code_postal, s.code_insee, coalesce(s.latitude, c.latitude) AS latitude, coalesce(s.longitude, c.longitude) AS longitude
		FROM structures s LEFT JOIN communes c ON c.code_insee = s.commune_insee`
)

func (r *structureRow) domain() *maillage.Structure {
	st := &maillage.Structure{ID: r.ID, CodeDepartement: str(r.CodeDepartement), CodeRegion: str(r.CodeRegion), CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
	for _, x := range r.Roles {
		st.Roles = append(st.Roles, maillage.StructureRole(x))
	}
	st.Lieu = maillage.Lieu{ID: r.LieuID, Pivot: r.Pivot, Nom: r.Nom, Commune: r.Commune, CodePostal: r.CodePostal, CodeInsee: r.CodeInsee,
		Adresse: r.Adresse, ComplementAdresse: r.ComplementAdresse, Latitude: r.Latitude, Longitude: r.Longitude, Typologie: r.Typologie,
		Telephone: r.Telephone, Courriels: r.Courriels, SiteWeb: r.SiteWeb, Horaires: r.Horaires, PresentationResume: r.PresentationResume,
		PresentationDetail: r.PresentationDetail, Source: r.Source, Itinerance: r.Itinerance, StructureParente: r.StructureParente,
		DateMaj: r.DateMaj.UTC(), Services: r.Services, PublicsSpecifiquementAdresses: r.PublicsSpecifiquementAdresses,
		PriseEnChargeSpecifique: r.PriseEnChargeSpecifique, FraisACharge: r.FraisACharge, DispositifProgrammesNationaux: r.DispositifProgrammesNationaux,
		FormationsLabels: r.FormationsLabels, AutresFormationsLabels: r.AutresFormationsLabels, ModalitesAcces: r.ModalitesAcces,
		ModalitesAccompagnement: r.ModalitesAccompagnement, FicheAccesLibre: r.FicheAccesLibre, PriseRDV: r.PriseRDV}
	return st
}

// lieuColumns are the columns written from a Lieu, in order.
var lieuColumns = []string{"lieu_id", "pivot", "nom", "commune", "code_postal", "code_insee", "adresse", "complement_adresse",
	"latitude", "longitude", "typologie", "telephone", "courriels", "site_web", "horaires", "presentation_resume",
	"presentation_detail", "source", "itinerance", "structure_parente", "date_maj", "services", "publics_specifiquement_adresses",
	"prise_en_charge_specifique", "frais_a_charge", "dispositif_programmes_nationaux", "formations_labels",
	"autres_formations_labels", "modalites_acces", "modalites_accompagnement", "fiche_acces_libre", "prise_rdv"}

func lieuValues(l *maillage.Lieu) []any {
	a := func(s []string) any { return pgArray(s) }
	return []any{l.ID, l.Pivot, l.Nom, l.Commune, l.CodePostal, l.CodeInsee, l.Adresse, l.ComplementAdresse,
		l.Latitude, l.Longitude, a(l.Typologie), l.Telephone, a(l.Courriels), a(l.SiteWeb), l.Horaires, l.PresentationResume,
		l.PresentationDetail, l.Source, a(l.Itinerance), l.StructureParente, l.DateMaj, a(l.Services), a(l.PublicsSpecifiquementAdresses),
		a(l.PriseEnChargeSpecifique), a(l.FraisACharge), a(l.DispositifProgrammesNationaux), a(l.FormationsLabels),
		l.AutresFormationsLabels, a(l.ModalitesAcces), a(l.ModalitesAccompagnement), l.FicheAccesLibre, l.PriseRDV}
}

// communeOf resolves the commune of a place: its INSEE code (municipal
// arrondissements of Paris, Lyon and Marseille map to the city), else its
// postcode and name.
const communeOf = `(SELECT code_insee FROM communes WHERE code_insee = CASE
		WHEN ?::text BETWEEN '75101' AND '75120' THEN '75056'
		WHEN ?::text BETWEEN '69381' AND '69389' THEN '69123'
		WHEN ?::text BETWEEN '13201' AND '13216' THEN '13055'
		ELSE ?::text END
	UNION ALL
	(SELECT code_insee FROM communes WHERE ?::text = ANY (codes_postaux)
		ORDER BY (search_name = lower(immutable_unaccent(?::text))) DESC, population DESC NULLS LAST LIMIT 1)
	LIMIT 1)`

func communeArgs(l *maillage.Lieu) []any {
	return []any{l.CodeInsee, l.CodeInsee, l.CodeInsee, l.CodeInsee, l.CodePostal, l.Commune}
}

func (s *StructureService) insert(ctx context.Context, tx bun.IDB, l *maillage.Lieu, roles []maillage.StructureRole) (int64, error) {
	cols := append(append([]string{}, lieuColumns...), "roles", "commune_insee")
	ph := strings.TrimSuffix(strings.Repeat("?, ", len(lieuColumns)+1), ", ")
	rs := make([]string, len(roles))
	for i, r := range roles {
		rs[i] = string(r)
	}
	if len(rs) == 0 {
		rs = []string{string(maillage.StructureLieu)}
	}
	args := append(lieuValues(l), pgArray(rs))
	args = append(args, communeArgs(l)...)
	var id int64
	err := tx.NewRaw("INSERT INTO structures ("+strings.Join(cols, ", ")+") VALUES ("+ph+", "+communeOf+") RETURNING id", args...).Scan(ctx, &id)
	if err != nil {
		return 0, translate(err, "network.structure.not_found")
	}
	return id, outbox(ctx, tx, "structure", id)
}

func (s *StructureService) update(ctx context.Context, tx bun.IDB, id int64, l *maillage.Lieu, roles []maillage.StructureRole) error {
	set := make([]string, 0, len(lieuColumns)+3)
	for _, c := range lieuColumns {
		set = append(set, c+" = ?")
	}
	args := lieuValues(l)
	set = append(set, "commune_insee = "+communeOf, "updated_at = now()")
	args = append(args, communeArgs(l)...)
	if roles != nil {
		rs := make([]string, len(roles))
		for i, r := range roles {
			rs[i] = string(r)
		}
		set = append(set, "roles = ?")
		args = append(args, pgArray(rs))
	}
	args = append(args, id)
	if _, err := tx.NewRaw("UPDATE structures SET "+strings.Join(set, ", ")+" WHERE id = ?", args...).Exec(ctx); err != nil {
		return translate(err, "network.structure.not_found")
	}
	return outbox(ctx, tx, "structure", id)
}

// FindStructureByID returns a structure with its active members.
func (s *StructureService) FindStructureByID(ctx context.Context, id int64) (*maillage.Structure, error) {
	var r structureRow
	if err := s.db.NewRaw(structureSelect+" WHERE s.id = ?", id).Scan(ctx, &r); err != nil {
		return nil, translate(err, "network.structure.not_found")
	}
	st := r.domain()
	var ms []struct {
		ID          int64
		StructureID int64
		UserID      int64
		ProfileID   *int64
		DisplayName string
		Role        string
		StartedOn   *time.Time
		EndedOn     *time.Time
	}
	if err := s.db.NewRaw(`SELECT m.id, m.structure_id, m.user_id, p.id AS profile_id,
		coalesce(p.display_name, nullif(u.display_name, ''), 'Membre') AS display_name, m.role, m.started_on, m.ended_on
		FROM memberships m JOIN users u ON u.id = m.user_id LEFT JOIN profiles p ON p.user_id = m.user_id
		WHERE m.structure_id = ? AND m.ended_on IS NULL ORDER BY m.role, display_name`, id).Scan(ctx, &ms); err != nil {
		return nil, err
	}
	for _, m := range ms {
		st.Members = append(st.Members, maillage.Member{ID: m.ID, StructureID: m.StructureID, UserID: m.UserID, ProfileID: m.ProfileID,
			DisplayName: m.DisplayName, Role: m.Role, StartedOn: m.StartedOn, EndedOn: m.EndedOn})
	}
	return st, nil
}

func structureWhere(f maillage.StructureFilter) (string, []any) {
	conds := []string{"TRUE"}
	var args []any
	if f.CodeDepartement != "" {
		conds = append(conds, "s.code_departement = ?")
		args = append(args, f.CodeDepartement)
	}
	if f.CodeRegion != "" {
		conds = append(conds, "s.code_region = ?")
		args = append(args, f.CodeRegion)
	}
	if f.Role != "" {
		conds = append(conds, "? = ANY (s.roles)")
		args = append(args, string(f.Role))
	}
	if f.Pivot != "" {
		conds = append(conds, "s.pivot = ?")
		args = append(args, f.Pivot)
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

// FindStructures lists structures (public data: every field of a place is public).
func (s *StructureService) FindStructures(ctx context.Context, f maillage.StructureFilter) ([]*maillage.Structure, int, error) {
	where, args := structureWhere(f)
	var total int
	if err := s.db.NewRaw("SELECT count(*) FROM structures s"+where, args...).Scan(ctx, &total); err != nil {
		return nil, 0, err
	}
	limit := f.Limit
	if limit <= 0 || limit > 5000 {
		limit = 50
	}
	sel := structureSelect
	if f.Brief {
		sel = briefSelect
	}
	var rows []structureRow
	if err := s.db.NewRaw(sel+where+" ORDER BY s.nom COLLATE \"fr-x-icu\", s.id LIMIT ? OFFSET ?", append(args, limit, f.Offset)...).Scan(ctx, &rows); err != nil {
		return nil, 0, err
	}
	out := make([]*maillage.Structure, len(rows))
	for i := range rows {
		out[i] = rows[i].domain()
	}
	return out, total, nil
}

// AllLieux returns every matching place in the national standard (export).
func (s *StructureService) AllLieux(ctx context.Context, f maillage.StructureFilter) ([]maillage.Lieu, error) {
	where, args := structureWhere(f)
	var rows []structureRow
	// Export the coordinates as given (not the commune fallback).
	q := exportSelect + where + " ORDER BY s.id"
	if err := s.db.NewRaw(q, args...).Scan(ctx, &rows); err != nil {
		return nil, err
	}
	out := make([]maillage.Lieu, len(rows))
	for i := range rows {
		out[i] = rows[i].domain().Lieu
	}
	return out, nil
}

// validateStructure is the one check of a structure typed in a form or
// sent to the API: what was typed put in the stored form (lieux.Normalize),
// the national standard for its place (lieux.Validate, under "lieu."), then
// Structure.Validate (a real pivot, known roles).
func (s *StructureService) validateStructure(ctx context.Context, st *maillage.Structure) error {
	communes, err := s.Communes(ctx)
	if err != nil {
		return err
	}
	lieux.Normalize(&st.Lieu)
	ps := lieux.RowErrors(lieux.Validate(st.Lieu, communes)).Problems("lieu.")
	ps.Extend("", st.Validate())
	return ps.Err()
}

func randomLieuID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return "maillage-" + hex.EncodeToString(b)
}

// CreateStructure creates a structure with its creator as referent, under a
// new id of Maillage (st.Lieu.ID is not read). When
// a structure with the same real pivot already exists, nothing of it
// changes: if it has no referent, a claim is recorded (ErrClaimed's
// Claim), to be granted by a coordinator of its territory, an
// administrator, or the link sent to its contact address; otherwise the
// pivot is refused next to the field.
func (s *StructureService) CreateStructure(ctx context.Context, userID int64, st *maillage.Structure) (*maillage.Structure, *maillage.Claim, error) {
	st.Lieu.Pivot = strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(st.Lieu.Pivot), " ", ""))
	// A structure a person creates gets an id of Maillage's own, whatever
	// was sent: only imports carry the ids of the national data, and an
	// import updates the place with its id (members kept). A chosen id
	// would let anyone become the referent of a place not imported yet.
	st.Lieu.ID = randomLieuID()
	if st.Lieu.DateMaj.IsZero() {
		st.Lieu.DateMaj = maillage.Today(time.Now())
	}
	if err := s.validateStructure(ctx, st); err != nil {
		return nil, nil, err
	}
	var id, claimID int64
	err := s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var existing []struct {
			ID        int64
			Referents int
		}
		if err := tx.NewRaw(`SELECT s.id, (SELECT count(*) FROM memberships m WHERE m.structure_id = s.id AND m.role = 'referent' AND m.ended_on IS NULL) AS referents
			FROM structures s WHERE s.pivot = ? ORDER BY s.id FOR UPDATE`, st.Lieu.Pivot).Scan(ctx, &existing); err != nil {
			return err
		}
		if len(existing) > 0 {
			if existing[0].Referents > 0 {
				return maillage.Invalid("lieu.pivot", "network.structure.pivot.taken")
			}
			id = existing[0].ID
			var err error
			claimID, err = s.openClaim(ctx, tx, id, userID)
			return err
		}
		var err error
		if id, err = s.insert(ctx, tx, &st.Lieu, st.Roles); err != nil {
			return err
		}
		if _, err := tx.NewRaw("INSERT INTO memberships (structure_id, user_id, role, started_on) VALUES (?, ?, 'referent', "+maillage.TodaySQL+")", id, userID).Exec(ctx); err != nil {
			return translate(err, "network.member.not_found")
		}
		return auditTx(ctx, tx, maillage.AuditEntry{ActorID: &userID, Action: "structure.created",
			TargetID: &userID, Details: map[string]any{"structure_id": id, "pivot": st.Lieu.Pivot}})
	})
	if err != nil {
		return nil, nil, err
	}
	out, err := s.FindStructureByID(ctx, id)
	if err != nil || claimID == 0 {
		return out, nil, err
	}
	c, err := s.FindClaim(ctx, claimID)
	return out, c, err
}

// mayEdit applies Structure.CanEdit, the one rule, to the stored structure.
func (s *StructureService) mayEdit(ctx context.Context, actor maillage.Viewer, structureID int64) error {
	st, err := s.FindStructureByID(ctx, structureID)
	if err != nil {
		return err
	}
	if !st.CanEdit(actor) {
		return maillage.Errorf(maillage.EFORBIDDEN, "network.structure.edit.forbidden")
	}
	return nil
}

// UpdateStructure changes a structure (its referents or an administrator).
// Its SIRET/RNA may not become one another structure holds (pivotFree).
func (s *StructureService) UpdateStructure(ctx context.Context, actor maillage.Viewer, id int64, st *maillage.Structure) (*maillage.Structure, error) {
	if err := s.mayEdit(ctx, actor, id); err != nil {
		return nil, err
	}
	cur, err := s.FindStructureByID(ctx, id)
	if err != nil {
		return nil, err
	}
	st.Lieu.ID = cur.Lieu.ID
	st.Lieu.Pivot = strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(st.Lieu.Pivot), " ", ""))
	st.Lieu.DateMaj = maillage.Today(time.Now())
	if err := s.validateStructure(ctx, st); err != nil {
		return nil, err
	}
	if err := s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if st.Lieu.Pivot != cur.Lieu.Pivot {
			if err := pivotFree(ctx, tx, id, st.Lieu.Pivot); err != nil {
				return err
			}
		}
		return s.update(ctx, tx, id, &st.Lieu, st.Roles)
	}); err != nil {
		return nil, err
	}
	return s.FindStructureByID(ctx, id)
}

// pivotFree refuses a SIRET/RNA that another structure than id holds, as
// creating a structure with it does: with a referent, ask them; without
// one, claim it (nothing of it changes) rather than take its number.
func pivotFree(ctx context.Context, tx bun.IDB, id int64, pivot string) error {
	var others []struct {
		ID        int64
		Referents int
	}
	if err := tx.NewRaw(`SELECT s.id, (SELECT count(*) FROM memberships m WHERE m.structure_id = s.id AND m.role = 'referent' AND m.ended_on IS NULL) AS referents
		FROM structures s WHERE s.pivot = ? AND s.id <> ? ORDER BY s.id FOR UPDATE`, pivot, id).Scan(ctx, &others); err != nil {
		return err
	}
	if len(others) == 0 {
		return nil
	}
	if others[0].Referents > 0 {
		return maillage.Invalid("lieu.pivot", "network.structure.pivot.taken")
	}
	return maillage.Invalid("lieu.pivot", "network.structure.pivot.claim")
}

// EndMember ends a membership (today).
func (s *StructureService) EndMember(ctx context.Context, actor maillage.Viewer, memberID int64) (int64, error) {
	var m struct{ StructureID, UserID int64 }
	if err := s.db.NewRaw("SELECT structure_id, user_id FROM memberships WHERE id = ? AND ended_on IS NULL", memberID).Scan(ctx, &m); err != nil {
		return 0, translate(err, "network.member.not_found")
	}
	if err := s.mayEdit(ctx, actor, m.StructureID); err != nil {
		return 0, err
	}
	return m.StructureID, s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewRaw("UPDATE memberships SET ended_on = "+maillage.TodaySQL+" WHERE id = ?", memberID).Exec(ctx); err != nil {
			return err
		}
		if err := touchProfile(ctx, tx, m.UserID); err != nil {
			return err
		}
		return outbox(ctx, tx, "structure", m.StructureID)
	})
}
