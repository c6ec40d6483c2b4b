package postgres

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/uptrace/bun"

	"maillage/internal/maillage"
	"maillage/internal/training"
)

// TrainingService implements training.Service: training bodies (the
// training-body role of a structure and its declaration), their offers and
// sessions, LHEO import and export, RNCP imports, and training paths.
// Every change is checked against training.CanManage on the stored
// structure, validated by the domain inside the transaction, and marks the
// search documents of the sessions it touches (outbox "training").
type TrainingService struct {
	db         *DB
	structures *StructureService
	profiles   *ProfileService
	referents  *ReferentialService
	// Log receives the worker's warnings (nil: slog.Default()).
	Log *slog.Logger

	certMu sync.Mutex
	certIx *training.CertIndex
	certAt time.Time

	communeMu sync.Mutex
	communes  map[string]trainingCommune // code → commune, for imports and paths
	byPostal  map[string][]string        // postcode → codes

	// The index of upcoming sessions that answers paths (sessionIndex).
	pathMu       sync.Mutex
	pathIx       *training.SessionIndex
	pathCerts    *training.CertIndex
	pathAt       time.Time
	pathSessions int
}

// trainingCommune is what the training service keeps of a commune.
type trainingCommune struct {
	Code, Nom, Departement string
	Postcodes              []string
	Lat, Lng               float64
}

// NewTrainingService returns the training service.
func NewTrainingService(db *DB) *TrainingService {
	return &TrainingService{db: db, structures: NewStructureService(db), profiles: NewProfileService(db), referents: NewReferentialService(db)}
}

var _ training.Service = (*TrainingService)(nil)

// trainingEntity is the search_outbox entity of a session's document.
const trainingEntity = "training"

func (s *TrainingService) log() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return slog.Default()
}

// trainingCertCache is how long the certifications are kept in memory: the
// referential changes with a content sync or an RNCP import (which clears
// the cache of its own process).
const trainingCertCache = time.Minute

// Certifications returns every certification with its blocs, retired ones
// included (offers may point to them), as an index.
func (s *TrainingService) Certifications(ctx context.Context) (*training.CertIndex, error) {
	s.certMu.Lock()
	defer s.certMu.Unlock()
	if s.certIx != nil && time.Since(s.certAt) < trainingCertCache {
		return s.certIx, nil
	}
	certs, _, err := s.referents.FindCertifications(ctx, maillage.CertificationFilter{IncludeRetired: true})
	if err != nil {
		return nil, err
	}
	s.certIx, s.certAt = training.NewCertIndex(certs), time.Now()
	return s.certIx, nil
}

func (s *TrainingService) forgetCertifications() {
	s.certMu.Lock()
	s.certIx = nil
	s.certMu.Unlock()
}

// loadCommunes reads every commune once (35k rows, a few MB).
func (s *TrainingService) loadCommunes(ctx context.Context) (map[string]trainingCommune, map[string][]string, error) {
	s.communeMu.Lock()
	defer s.communeMu.Unlock()
	if s.communes != nil {
		return s.communes, s.byPostal, nil
	}
	var rows []struct {
		CodeInsee       string   `bun:"code_insee"`
		Nom             string   `bun:"nom"`
		CodeDepartement string   `bun:"code_departement"`
		CodesPostaux    []string `bun:"codes_postaux,array"`
		Latitude        float64  `bun:"latitude"`
		Longitude       float64  `bun:"longitude"`
	}
	if err := s.db.NewRaw("SELECT code_insee, nom, code_departement, codes_postaux, latitude, longitude FROM communes").Scan(ctx, &rows); err != nil {
		return nil, nil, fmt.Errorf("load communes: %w", err)
	}
	out := make(map[string]trainingCommune, len(rows))
	byPostal := map[string][]string{}
	for _, r := range rows {
		out[r.CodeInsee] = trainingCommune{Code: r.CodeInsee, Nom: r.Nom, Departement: r.CodeDepartement, Postcodes: r.CodesPostaux, Lat: r.Latitude, Lng: r.Longitude}
		for _, p := range r.CodesPostaux {
			byPostal[p] = append(byPostal[p], r.CodeInsee)
		}
	}
	s.communes, s.byPostal = out, byPostal
	return out, byPostal, nil
}

// communeByPostcode finds the commune of a postcode and a city name (LHEO
// files often give no INSEE code): the only commune of the postcode, or
// the one of that name.
func (s *TrainingService) communeByPostcode(ctx context.Context, postcode, city string) (string, bool) {
	communes, byPostal, err := s.loadCommunes(ctx)
	if err != nil {
		return "", false
	}
	codes := byPostal[postcode]
	if len(codes) == 1 {
		return codes[0], true
	}
	want := maillage.CommuneKey(city)
	for _, c := range codes {
		if maillage.CommuneKey(communes[c].Nom) == want {
			return c, true
		}
	}
	return "", false
}

// ---------------------------------------------------------------- bodies

type trainingBodyRow struct {
	ID              int64    `bun:"id"`
	Pivot           string   `bun:"pivot"`
	Nom             string   `bun:"nom"`
	Adresse         string   `bun:"adresse"`
	Complement      string   `bun:"complement_adresse"`
	CodePostal      string   `bun:"code_postal"`
	Commune         string   `bun:"commune"`
	CommuneInsee    *string  `bun:"commune_insee"`
	Telephone       string   `bun:"telephone"`
	Courriels       []string `bun:"courriels,array"`
	Roles           []string `bun:"roles,array"`
	CodeDepartement *string  `bun:"code_departement"`
	Declared        bool     `bun:"declared"`
	ActivityNumber  string   `bun:"activity_number"`
	Qualiopi        bool     `bun:"qualiopi"`
	LegalName       string   `bun:"legal_name"`
	ContactName     string   `bun:"contact_name"`
	ContactEmail    string   `bun:"contact_email"`
	ContactPhone    string   `bun:"contact_phone"`
	Offers          int      `bun:"offers"`
}

const trainingBodySelect = `SELECT s.id, s.pivot, s.nom, s.adresse, s.complement_adresse, s.code_postal, s.commune,
		s.commune_insee, s.telephone, s.courriels, s.roles, c.code_departement,
		(b.structure_id IS NOT NULL AND 'organisme_formation' = ANY (s.roles)) AS declared,
		coalesce(b.activity_number, '') AS activity_number, coalesce(b.qualiopi, false) AS qualiopi,
		coalesce(b.legal_name, '') AS legal_name, coalesce(b.contact_name, '') AS contact_name,
		coalesce(b.contact_email, '') AS contact_email, coalesce(b.contact_phone, '') AS contact_phone,
		(SELECT count(*) FROM training_offers o WHERE o.structure_id = s.id AND o.withdrawn_at IS NULL) AS offers
	FROM structures s LEFT JOIN communes c ON c.code_insee = s.commune_insee
	LEFT JOIN training_bodies b ON b.structure_id = s.id`

func (r *trainingBodyRow) domain() *training.Organisation {
	b := training.Body{StructureID: r.ID, SIRET: r.Pivot, Name: r.Nom, LegalName: r.LegalName, ActivityNumber: r.ActivityNumber,
		Qualiopi: r.Qualiopi, Contact: training.Contact{Name: r.ContactName, Email: r.ContactEmail, Phone: r.ContactPhone}}
	if b.LegalName == "" {
		b.LegalName = trainingCut(r.Nom, training.MaxBodyName)
	}
	if b.Contact.Email == "" && len(r.Courriels) > 0 {
		b.Contact.Email = r.Courriels[0]
	}
	if b.Contact.Phone == "" {
		b.Contact.Phone = r.Telephone
	}
	b.Address = training.Place{CodeInsee: str(r.CommuneInsee), Postcode: r.CodePostal, City: trainingCut(r.Commune, training.MaxCity),
		Address: trainingAddressLines(r.Adresse, r.Complement)}
	return &training.Organisation{Body: b, Declared: r.Declared, Role: slices.Contains(r.Roles, string(maillage.StructureFormation)),
		CodeDepartement: str(r.CodeDepartement), Offers: r.Offers}
}

// trainingAddressLines writes a street address as LHEO lines: at most 4 lines of
// 50 characters, cut between words.
func trainingAddressLines(parts ...string) string {
	var lines []string
	for _, p := range parts {
		line := ""
		for _, w := range strings.Fields(p) {
			w = trainingCut(w, training.MaxAddressLine)
			switch {
			case line == "":
				line = w
			case utf8.RuneCountInString(line)+1+utf8.RuneCountInString(w) <= training.MaxAddressLine:
				line += " " + w
			default:
				lines = append(lines, line)
				line = w
			}
		}
		if line != "" {
			lines = append(lines, line)
		}
	}
	if len(lines) > training.MaxAddressLines {
		lines = lines[:training.MaxAddressLines]
	}
	return strings.Join(lines, "\n")
}

func trainingCut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

// FindOrganisation returns a structure as a training body (declared or not).
func (s *TrainingService) FindOrganisation(ctx context.Context, structureID int64) (*training.Organisation, error) {
	var r trainingBodyRow
	if err := s.db.NewRaw(trainingBodySelect+" WHERE s.id = ?", structureID).Scan(ctx, &r); err != nil {
		return nil, translate(err, training.KeyBodyNotFound)
	}
	return r.domain(), nil
}

// ManagedOrganisations lists the structures a user may manage as training
// bodies: those with the training-body role where they are a referent or
// an employee, and the others where they are a referent (to declare them).
func (s *TrainingService) ManagedOrganisations(ctx context.Context, userID int64) ([]*training.Organisation, error) {
	var rows []trainingBodyRow
	err := s.db.NewRaw(trainingBodySelect+` WHERE s.id IN (SELECT m.structure_id FROM memberships m
			WHERE m.user_id = ? AND m.ended_on IS NULL
			AND (m.role = 'referent' OR (m.role = 'salarie' AND 'organisme_formation' = ANY (s.roles))))
		ORDER BY declared DESC, s.nom, s.id`, userID).Scan(ctx, &rows)
	if err != nil {
		return nil, err
	}
	out := make([]*training.Organisation, len(rows))
	for i := range rows {
		out[i] = rows[i].domain()
	}
	return out, nil
}

// CanManageStructure applies training.CanManage to the stored structure.
func (s *TrainingService) CanManageStructure(ctx context.Context, actor maillage.Viewer, structureID int64) (bool, error) {
	st, err := s.structures.FindStructureByID(ctx, structureID)
	if err != nil {
		return false, err
	}
	return training.CanManage(st, actor), nil
}

func (s *TrainingService) mayManage(ctx context.Context, actor maillage.Viewer, structureID int64) error {
	ok, err := s.CanManageStructure(ctx, actor, structureID)
	if err != nil {
		return err
	}
	if !ok {
		return maillage.Errorf(maillage.EFORBIDDEN, training.KeyBodyForbidden)
	}
	return nil
}

// DeclareBody gives a structure the training-body role with its
// declaration (numéro d'activité, Qualiopi, raison sociale, contact), or
// updates the declaration. LHEO identifies a body by its SIRET: a
// structure known by an RNA number cannot be declared.
func (s *TrainingService) DeclareBody(ctx context.Context, actor maillage.Viewer, structureID int64, in training.BodyInput) (*training.Organisation, error) {
	if err := s.mayManage(ctx, actor, structureID); err != nil {
		return nil, err
	}
	in.Normalize()
	org, err := s.FindOrganisation(ctx, structureID)
	if err != nil {
		return nil, err
	}
	ps := in.Validate()
	if !maillage.ValidSIRET(org.Body.SIRET) {
		ps.Add("siret", training.KeySIRET)
	}
	if err := ps.Err(); err != nil {
		return nil, err
	}
	err = s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		return declareTrainingBody(ctx, tx, structureID, in)
	})
	if err != nil {
		return nil, err
	}
	return s.FindOrganisation(ctx, structureID)
}

func declareTrainingBody(ctx context.Context, tx bun.IDB, structureID int64, in training.BodyInput) error {
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
	if err != nil {
		return translate(err, training.KeyBodyNotFound)
	}
	// Session documents carry the body's name and Qualiopi.
	return outboxTrainingOffers(ctx, tx, "o.structure_id = ?", structureID)
}

// outboxTrainingOffers marks the documents of every session of the offers matching
// where (on training_offers o).
func outboxTrainingOffers(ctx context.Context, tx bun.IDB, where string, args ...any) error {
	_, err := tx.NewRaw(`INSERT INTO search_outbox (entity, entity_id)
		SELECT ?, ts.id FROM training_sessions ts JOIN training_offers o ON o.id = ts.offer_id
		WHERE ts.unindexed_at IS NULL AND `+where, append([]any{trainingEntity}, args...)...).Exec(ctx)
	return err
}

// ---------------------------------------------------------------- offers

type trainingOfferRow struct {
	ID             int64      `bun:"id"`
	StructureID    int64      `bun:"structure_id"`
	Title          string     `bun:"title"`
	Description    string     `bun:"description"`
	Objectives     string     `bun:"objectives"`
	Modality       string     `bun:"modality"`
	Hours          int        `bun:"hours"`
	PriceCents     int64      `bun:"price_cents"`
	Funding        []string   `bun:"funding,array"`
	ContactName    string     `bun:"contact_name"`
	ContactEmail   string     `bun:"contact_email"`
	ContactPhone   string     `bun:"contact_phone"`
	WithdrawnAt    *time.Time `bun:"withdrawn_at"`
	CreatedAt      time.Time  `bun:"created_at"`
	UpdatedAt      time.Time  `bun:"updated_at"`
	Certifications []string   `bun:"certifications,array"`
	Blocs          []string   `bun:"blocs,array"`
}

const trainingOfferSelect = `SELECT o.id, o.structure_id, o.title, o.description, o.objectives, o.modality, o.hours, o.price_cents,
		o.funding, o.contact_name, o.contact_email, o.contact_phone, o.withdrawn_at, o.created_at, o.updated_at,
		coalesce((SELECT array_agg(x.certification_code ORDER BY x.rank) FROM training_offer_certifications x WHERE x.offer_id = o.id), '{}') AS certifications,
		coalesce((SELECT array_agg(x.bloc_code ORDER BY x.rank) FROM training_offer_blocs x WHERE x.offer_id = o.id), '{}') AS blocs
	FROM training_offers o`

func (r *trainingOfferRow) domain() (*training.Offer, *time.Time) {
	o := &training.Offer{ID: r.ID, StructureID: r.StructureID, Title: r.Title, Description: r.Description, Objectives: r.Objectives,
		Modality: training.Modality(r.Modality), Hours: r.Hours, PriceCents: r.PriceCents,
		Contact:        training.Contact{Name: r.ContactName, Email: r.ContactEmail, Phone: r.ContactPhone},
		Certifications: r.Certifications, Blocs: r.Blocs, Funding: []training.Funding{},
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, Sessions: []*training.Session{}}
	for _, f := range r.Funding {
		o.Funding = append(o.Funding, training.Funding(f))
	}
	if o.Certifications == nil {
		o.Certifications = []string{}
	}
	if o.Blocs == nil {
		o.Blocs = []string{}
	}
	return o, r.WithdrawnAt
}

type trainingSessionRow struct {
	ID              int64     `bun:"id"`
	OfferID         int64     `bun:"offer_id"`
	StartAt         time.Time `bun:"start_at"`
	EndAt           time.Time `bun:"end_at"`
	Remote          bool      `bun:"remote"`
	CodeInsee       *string   `bun:"code_insee"`
	Postcode        string    `bun:"postcode"`
	City            string    `bun:"city"`
	Address         string    `bun:"address"`
	Seats           int       `bun:"seats"`
	SeatsLeft       int       `bun:"seats_left"`
	Registration    string    `bun:"registration"`
	RegistrationURL string    `bun:"registration_url"`
	Latitude        *float64  `bun:"latitude"`
	Longitude       *float64  `bun:"longitude"`
}

const trainingSessionColumns = `ts.id, ts.offer_id, ts.start_at, ts.end_at, ts.remote, ts.code_insee, ts.postcode, ts.city, ts.address,
	ts.seats, ts.seats_left, ts.registration, ts.registration_url, c.latitude, c.longitude`

const trainingSessionSelect = "SELECT " + trainingSessionColumns + " FROM training_sessions ts LEFT JOIN communes c ON c.code_insee = ts.code_insee"

func (r *trainingSessionRow) domain() *training.Session {
	return &training.Session{ID: r.ID, OfferID: r.OfferID, Start: r.StartAt, End: r.EndAt,
		Place: training.Place{Remote: r.Remote, CodeInsee: str(r.CodeInsee), Postcode: r.Postcode, City: r.City, Address: r.Address},
		Seats: r.Seats, SeatsLeft: r.SeatsLeft, Registration: training.RegistrationState(r.Registration), RegistrationURL: r.RegistrationURL}
}

// views builds the views of offers: sessions, bodies, certification titles
// and bloc labels.
func (s *TrainingService) views(ctx context.Context, rows []trainingOfferRow) ([]*training.OfferView, error) {
	if len(rows) == 0 {
		return []*training.OfferView{}, nil
	}
	ix, err := s.Certifications(ctx)
	if err != nil {
		return nil, err
	}
	ids := make([]int64, len(rows))
	out := make([]*training.OfferView, len(rows))
	byID := map[int64]*training.OfferView{}
	var structures []int64
	for i := range rows {
		o, withdrawn := rows[i].domain()
		v := &training.OfferView{Offer: o, WithdrawnAt: withdrawn, BlocLabels: map[string]string{}}
		for _, code := range o.Certifications {
			if c := ix.Certification(code); c != nil {
				v.Certifications = append(v.Certifications, c)
			}
		}
		for _, code := range o.Blocs {
			if b := ix.Bloc(code); b != nil {
				v.BlocLabels[code] = b.Label
			}
		}
		ids[i], out[i], byID[o.ID] = o.ID, v, v
		if !slices.Contains(structures, o.StructureID) {
			structures = append(structures, o.StructureID)
		}
	}
	var srows []trainingSessionRow
	if err := s.db.NewRaw(trainingSessionSelect+" WHERE ts.offer_id IN (?) ORDER BY ts.start_at, ts.id", bun.In(ids)).Scan(ctx, &srows); err != nil {
		return nil, fmt.Errorf("load sessions: %w", err)
	}
	for i := range srows {
		v := byID[srows[i].OfferID]
		v.Sessions = append(v.Sessions, srows[i].domain())
	}
	var orgs []trainingBodyRow
	if err := s.db.NewRaw(trainingBodySelect+" WHERE s.id IN (?)", bun.In(structures)).Scan(ctx, &orgs); err != nil {
		return nil, fmt.Errorf("load training bodies: %w", err)
	}
	bodies := map[int64]training.Body{}
	for i := range orgs {
		bodies[orgs[i].ID] = orgs[i].domain().Body
	}
	for _, v := range out {
		v.Body = bodies[v.StructureID]
	}
	return out, nil
}

// FindOffer returns an offer with its sessions (past ones included).
func (s *TrainingService) FindOffer(ctx context.Context, id int64) (*training.OfferView, error) {
	var rows []trainingOfferRow
	if err := s.db.NewRaw(trainingOfferSelect+" WHERE o.id = ?", id).Scan(ctx, &rows); err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, maillage.Errorf(maillage.ENOTFOUND, training.KeyOfferNotFound)
	}
	vs, err := s.views(ctx, rows)
	if err != nil {
		return nil, err
	}
	return vs[0], nil
}

// FindOffers lists offers, most recently changed first, with the total.
func (s *TrainingService) FindOffers(ctx context.Context, f training.OfferFilter) ([]*training.OfferView, int, error) {
	conds := []string{"TRUE"}
	var args []any
	if !f.Withdrawn {
		conds = append(conds, "o.withdrawn_at IS NULL")
	}
	if f.StructureID != 0 {
		conds = append(conds, "o.structure_id = ?")
		args = append(args, f.StructureID)
	}
	if f.Certification != "" {
		conds = append(conds, "EXISTS (SELECT 1 FROM training_offer_certifications x WHERE x.offer_id = o.id AND x.certification_code = ?)")
		args = append(args, f.Certification)
	}
	if f.Bloc != "" {
		conds = append(conds, "EXISTS (SELECT 1 FROM training_offer_blocs x WHERE x.offer_id = o.id AND x.bloc_code = ?)")
		args = append(args, f.Bloc)
	}
	if f.Upcoming || f.Departement != "" {
		now := f.Now
		if now.IsZero() {
			now = time.Now()
		}
		cond := "EXISTS (SELECT 1 FROM training_sessions ts LEFT JOIN communes c ON c.code_insee = ts.code_insee WHERE ts.offer_id = o.id"
		if f.Upcoming {
			cond += " AND ts.start_at > ?"
			args = append(args, now)
		}
		if f.Departement != "" {
			cond += " AND c.code_departement = ?"
			args = append(args, f.Departement)
		}
		conds = append(conds, cond+")")
	}
	where := " WHERE " + strings.Join(conds, " AND ")
	var total int
	if err := s.db.NewRaw("SELECT count(*) FROM training_offers o"+where, args...).Scan(ctx, &total); err != nil {
		return nil, 0, err
	}
	limit := f.Limit
	if limit <= 0 || limit > 1000 {
		limit = 50
	}
	var rows []trainingOfferRow
	if err := s.db.NewRaw(trainingOfferSelect+where+" ORDER BY o.updated_at DESC, o.id DESC LIMIT ? OFFSET ?", append(args, limit, f.Offset)...).Scan(ctx, &rows); err != nil {
		return nil, 0, err
	}
	vs, err := s.views(ctx, rows)
	return vs, total, err
}

// checkSessions adds the problems the domain cannot see: a commune that is
// not in the referential (municipal arrondissements count as their city,
// whose code is stored).
func (s *TrainingService) checkSessions(ctx context.Context, ps *maillage.Problems, prefix string, sessions []*training.Session) error {
	var communes map[string]trainingCommune
	for i, se := range sessions {
		p := &se.Place
		if p.Remote && p.CodeInsee == "" {
			continue
		}
		if communes == nil {
			var err error
			if communes, _, err = s.loadCommunes(ctx); err != nil {
				return err
			}
		}
		field := fmt.Sprintf("%s%d.place.code_insee", prefix, i)
		if prefix == "" {
			field = "place.code_insee"
		}
		if ps.Has(field) || p.CodeInsee == "" {
			continue
		}
		code := maillage.CityOfArrondissement(p.CodeInsee)
		if _, ok := communes[code]; !ok {
			ps.Add(field, training.KeyUnknownCommune, "Code", p.CodeInsee)
			continue
		}
		p.CodeInsee = code
	}
	return nil
}

// validateOffer is the one check of an offer (with its sessions, if any).
func (s *TrainingService) validateOffer(ctx context.Context, o *training.Offer) error {
	ix, err := s.Certifications(ctx)
	if err != nil {
		return err
	}
	normalizeTrainingOffer(o)
	ps := o.Validate(ix)
	// Blocs and certifications may be given by their official codes.
	for i, code := range o.Blocs {
		if b := ix.Bloc(code); b != nil {
			o.Blocs[i] = b.Code
		}
	}
	if err := s.checkSessions(ctx, &ps, "sessions.", o.Sessions); err != nil {
		return err
	}
	return ps.Err()
}

func normalizeTrainingOffer(o *training.Offer) {
	o.Title = strings.TrimSpace(o.Title)
	o.Objectives = strings.TrimSpace(o.Objectives)
	o.Description = strings.TrimSpace(o.Description)
	if o.Certifications == nil {
		o.Certifications = []string{}
	}
	if o.Blocs == nil {
		o.Blocs = []string{}
	}
}

func trainingFunding(fs []training.Funding) any {
	ss := make([]string, len(fs))
	for i, f := range fs {
		ss[i] = string(f)
	}
	return pgArray(ss)
}

func insertTrainingOffer(ctx context.Context, tx bun.IDB, structureID int64, o *training.Offer) (int64, error) {
	var id int64
	err := tx.NewRaw(`INSERT INTO training_offers (structure_id, title, description, objectives, modality, hours, price_cents, funding,
			contact_name, contact_email, contact_phone, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, coalesce(?, now()), now()) RETURNING id`,
		structureID, o.Title, o.Description, o.Objectives, string(o.Modality), o.Hours, o.PriceCents, trainingFunding(o.Funding),
		o.Contact.Name, o.Contact.Email, o.Contact.Phone, trainingTime(o.CreatedAt)).Scan(ctx, &id)
	if err != nil {
		return 0, translate(err, training.KeyOfferNotFound)
	}
	return id, setTrainingOfferCodes(ctx, tx, id, o)
}

func trainingTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func updateTrainingOffer(ctx context.Context, tx bun.IDB, id int64, o *training.Offer) error {
	if _, err := tx.NewRaw(`UPDATE training_offers SET title = ?, description = ?, objectives = ?, modality = ?, hours = ?,
			price_cents = ?, funding = ?, contact_name = ?, contact_email = ?, contact_phone = ?, withdrawn_at = NULL, updated_at = now()
		WHERE id = ?`, o.Title, o.Description, o.Objectives, string(o.Modality), o.Hours, o.PriceCents, trainingFunding(o.Funding),
		o.Contact.Name, o.Contact.Email, o.Contact.Phone, id).Exec(ctx); err != nil {
		return translate(err, training.KeyOfferNotFound)
	}
	return setTrainingOfferCodes(ctx, tx, id, o)
}

// setTrainingOfferCodes replaces the certifications and blocs of an offer.
func setTrainingOfferCodes(ctx context.Context, tx bun.IDB, id int64, o *training.Offer) error {
	if _, err := tx.NewRaw("DELETE FROM training_offer_certifications WHERE offer_id = ?", id).Exec(ctx); err != nil {
		return err
	}
	if _, err := tx.NewRaw("DELETE FROM training_offer_blocs WHERE offer_id = ?", id).Exec(ctx); err != nil {
		return err
	}
	if len(o.Certifications) > 0 {
		if _, err := tx.NewRaw(`INSERT INTO training_offer_certifications (offer_id, certification_code, rank)
			SELECT ?, code, ord FROM unnest(?::text[]) WITH ORDINALITY AS x(code, ord)`, id, pgArray(o.Certifications)).Exec(ctx); err != nil {
			return translate(err, training.KeyOfferNotFound)
		}
	}
	if len(o.Blocs) > 0 {
		if _, err := tx.NewRaw(`INSERT INTO training_offer_blocs (offer_id, bloc_code, rank)
			SELECT ?, code, ord FROM unnest(?::text[]) WITH ORDINALITY AS x(code, ord)`, id, pgArray(o.Blocs)).Exec(ctx); err != nil {
			return translate(err, training.KeyOfferNotFound)
		}
	}
	return nil
}

func insertTrainingSession(ctx context.Context, tx bun.IDB, offerID int64, se *training.Session) (int64, error) {
	var id int64
	err := tx.NewRaw(`INSERT INTO training_sessions (offer_id, start_at, end_at, remote, code_insee, postcode, city, address,
			seats, seats_left, registration, registration_url)
		VALUES (?, ?, ?, ?, NULLIF(?, ''), ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		offerID, se.Start, se.End, se.Place.Remote, se.Place.CodeInsee, se.Place.Postcode, se.Place.City, se.Place.Address,
		se.Seats, se.SeatsLeft, string(se.Registration), se.RegistrationURL).Scan(ctx, &id)
	if err != nil {
		return 0, translate(err, training.KeySessionNotFound)
	}
	return id, outbox(ctx, tx, trainingEntity, id)
}

func updateTrainingSession(ctx context.Context, tx bun.IDB, id int64, se *training.Session) error {
	if _, err := tx.NewRaw(`UPDATE training_sessions SET start_at = ?, end_at = ?, remote = ?, code_insee = NULLIF(?, ''),
			postcode = ?, city = ?, address = ?, seats = ?, seats_left = ?, registration = ?, registration_url = ?,
			unindexed_at = CASE WHEN ? > now() THEN NULL ELSE unindexed_at END, updated_at = now()
		WHERE id = ?`, se.Start, se.End, se.Place.Remote, se.Place.CodeInsee, se.Place.Postcode, se.Place.City, se.Place.Address,
		se.Seats, se.SeatsLeft, string(se.Registration), se.RegistrationURL, se.Start, id).Exec(ctx); err != nil {
		return translate(err, training.KeySessionNotFound)
	}
	return outbox(ctx, tx, trainingEntity, id)
}

// bodyOf checks that a structure is a declared training body the actor
// may manage.
func (s *TrainingService) bodyOf(ctx context.Context, actor maillage.Viewer, structureID int64) (*training.Organisation, error) {
	if err := s.mayManage(ctx, actor, structureID); err != nil {
		return nil, err
	}
	org, err := s.FindOrganisation(ctx, structureID)
	if err != nil {
		return nil, err
	}
	if !org.Declared {
		return nil, maillage.Errorf(maillage.ECONFLICT, training.KeyNotBody)
	}
	return org, nil
}

// CreateOffer creates an offer of a training body (with its sessions, if
// given).
func (s *TrainingService) CreateOffer(ctx context.Context, actor maillage.Viewer, structureID int64, o *training.Offer) (*training.OfferView, error) {
	if _, err := s.bodyOf(ctx, actor, structureID); err != nil {
		return nil, err
	}
	if err := s.validateOffer(ctx, o); err != nil {
		return nil, err
	}
	var id int64
	err := s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var err error
		if id, err = insertTrainingOffer(ctx, tx, structureID, o); err != nil {
			return err
		}
		for _, se := range o.Sessions {
			if _, err := insertTrainingSession(ctx, tx, id, se); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.changed()
	return s.FindOffer(ctx, id)
}

// offerFor returns a stored offer the actor may manage.
func (s *TrainingService) offerFor(ctx context.Context, actor maillage.Viewer, id int64) (*training.OfferView, error) {
	v, err := s.FindOffer(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := s.mayManage(ctx, actor, v.StructureID); err != nil {
		return nil, err
	}
	return v, nil
}

// UpdateOffer changes what an offer says (its sessions are changed one by
// one); a withdrawn offer saved again is offered again.
func (s *TrainingService) UpdateOffer(ctx context.Context, actor maillage.Viewer, id int64, o *training.Offer) (*training.OfferView, error) {
	if _, err := s.offerFor(ctx, actor, id); err != nil {
		return nil, err
	}
	o.Sessions = nil
	if err := s.validateOffer(ctx, o); err != nil {
		return nil, err
	}
	err := s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewRaw("SELECT id FROM training_offers WHERE id = ? FOR UPDATE", id).Exec(ctx); err != nil {
			return err
		}
		if err := updateTrainingOffer(ctx, tx, id, o); err != nil {
			return err
		}
		return outboxTrainingOffers(ctx, tx, "o.id = ?", id)
	})
	if err != nil {
		return nil, err
	}
	s.changed()
	return s.FindOffer(ctx, id)
}

// DeleteOffer deletes an offer that never ran; an offer with past sessions
// is withdrawn instead (kept with them, its upcoming sessions deleted).
func (s *TrainingService) DeleteOffer(ctx context.Context, actor maillage.Viewer, id int64) (int64, error) {
	v, err := s.offerFor(ctx, actor, id)
	if err != nil {
		return 0, err
	}
	defer s.changed()
	return v.StructureID, s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if err := outboxTrainingOffers(ctx, tx, "o.id = ?", id); err != nil {
			return err
		}
		var past int
		if err := tx.NewRaw("SELECT count(*) FROM training_sessions WHERE offer_id = ? AND start_at <= now()", id).Scan(ctx, &past); err != nil {
			return err
		}
		if past == 0 {
			_, err := tx.NewRaw("DELETE FROM training_offers WHERE id = ?", id).Exec(ctx)
			return err
		}
		if _, err := tx.NewRaw("DELETE FROM training_sessions WHERE offer_id = ? AND start_at > now()", id).Exec(ctx); err != nil {
			return err
		}
		_, err := tx.NewRaw("UPDATE training_offers SET withdrawn_at = now(), updated_at = now() WHERE id = ?", id).Exec(ctx)
		return err
	})
}

// FindSession returns a session with its offer.
func (s *TrainingService) FindSession(ctx context.Context, id int64) (*training.Session, *training.OfferView, error) {
	var offerID int64
	if err := s.db.NewRaw("SELECT offer_id FROM training_sessions WHERE id = ?", id).Scan(ctx, &offerID); err != nil {
		return nil, nil, translate(err, training.KeySessionNotFound)
	}
	v, err := s.FindOffer(ctx, offerID)
	if err != nil {
		return nil, nil, err
	}
	for _, se := range v.Sessions {
		if se.ID == id {
			return se, v, nil
		}
	}
	return nil, nil, maillage.Errorf(maillage.ENOTFOUND, training.KeySessionNotFound)
}

// validateSession is the one check of a session typed in a form or sent
// to the API.
func (s *TrainingService) validateSession(ctx context.Context, se *training.Session) error {
	se.Place.City = strings.TrimSpace(se.Place.City)
	se.Place.Address = strings.TrimSpace(se.Place.Address)
	se.RegistrationURL = strings.TrimSpace(se.RegistrationURL)
	ps := se.Validate()
	if err := s.checkSessions(ctx, &ps, "", []*training.Session{se}); err != nil {
		return err
	}
	return ps.Err()
}

// CreateSession adds a session to an offer.
func (s *TrainingService) CreateSession(ctx context.Context, actor maillage.Viewer, offerID int64, se *training.Session) (*training.Session, error) {
	if _, err := s.offerFor(ctx, actor, offerID); err != nil {
		return nil, err
	}
	if err := s.validateSession(ctx, se); err != nil {
		return nil, err
	}
	var id int64
	err := s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var err error
		if id, err = insertTrainingSession(ctx, tx, offerID, se); err != nil {
			return err
		}
		_, err = tx.NewRaw("UPDATE training_offers SET updated_at = now() WHERE id = ?", offerID).Exec(ctx)
		return err
	})
	if err != nil {
		return nil, err
	}
	s.changed()
	out, _, err := s.FindSession(ctx, id)
	return out, err
}

// sessionFor returns a stored session the actor may manage, refusing a
// past one: it is kept as it ran.
func (s *TrainingService) sessionFor(ctx context.Context, actor maillage.Viewer, id int64) (*training.Session, error) {
	se, v, err := s.FindSession(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := s.mayManage(ctx, actor, v.StructureID); err != nil {
		return nil, err
	}
	if se.Past(time.Now()) {
		return nil, maillage.Errorf(maillage.ECONFLICT, training.KeySessionPast)
	}
	return se, nil
}

// UpdateSession changes an upcoming session.
func (s *TrainingService) UpdateSession(ctx context.Context, actor maillage.Viewer, id int64, se *training.Session) (*training.Session, error) {
	cur, err := s.sessionFor(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	if err := s.validateSession(ctx, se); err != nil {
		return nil, err
	}
	err = s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if err := updateTrainingSession(ctx, tx, id, se); err != nil {
			return err
		}
		_, err := tx.NewRaw("UPDATE training_offers SET updated_at = now() WHERE id = ?", cur.OfferID).Exec(ctx)
		return err
	})
	if err != nil {
		return nil, err
	}
	s.changed()
	out, _, err := s.FindSession(ctx, id)
	return out, err
}

// DeleteSession deletes an upcoming session (a past one is kept).
func (s *TrainingService) DeleteSession(ctx context.Context, actor maillage.Viewer, id int64) (int64, error) {
	cur, err := s.sessionFor(ctx, actor, id)
	if err != nil {
		return 0, err
	}
	defer s.changed()
	return cur.OfferID, s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewRaw("DELETE FROM training_sessions WHERE id = ? AND start_at > now()", id).Exec(ctx); err != nil {
			return err
		}
		return outbox(ctx, tx, trainingEntity, id)
	})
}
