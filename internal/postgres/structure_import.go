package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"maillage/internal/lieux"
	"maillage/internal/maillage"
)

// This file stores imported places: in batches (one INSERT … SELECT FROM
// jsonb_to_recordset and one UPDATE … FROM per batch, one outbox insert),
// and runs imports in the background (table lieux_imports).

var (
	_ lieux.Store    = (*StructureService)(nil)
	_ lieux.JobStore = (*ImportStore)(nil)
)

// Communes loads the communes referential into memory (about 35,000 rows,
// one query, kept for the life of the service: the referential changes
// only with a new version of content/, loaded at start-up): imports and
// forms resolve the commune of every place without a round trip.
func (s *StructureService) Communes(ctx context.Context) (lieux.Communes, error) {
	s.communesMu.Lock()
	defer s.communesMu.Unlock()
	if s.communes == nil {
		ix, err := loadCommunes(ctx, s.db)
		if err != nil {
			return nil, err
		}
		s.communes = ix
	}
	return s.communes, nil
}

func loadCommunes(ctx context.Context, db *DB) (*lieux.CommuneIndex, error) {
	var rows []struct {
		CodeInsee       string   `bun:"code_insee"`
		Nom             string   `bun:"nom"`
		CodeDepartement string   `bun:"code_departement"`
		CodesPostaux    []string `bun:"codes_postaux,array"`
		Population      *int     `bun:"population"`
		Latitude        float64  `bun:"latitude"`
		Longitude       float64  `bun:"longitude"`
	}
	if err := db.NewRaw("SELECT code_insee, nom, code_departement, codes_postaux, population, latitude, longitude FROM communes").Scan(ctx, &rows); err != nil {
		return nil, fmt.Errorf("load communes: %w", err)
	}
	cs := make([]lieux.Commune, len(rows))
	for i, r := range rows {
		cs[i] = lieux.Commune{CodeInsee: r.CodeInsee, Nom: r.Nom, CodeDepartement: r.CodeDepartement, CodesPostaux: r.CodesPostaux,
			Latitude: r.Latitude, Longitude: r.Longitude}
		if r.Population != nil {
			cs[i].Population = *r.Population
		}
	}
	return lieux.NewCommuneIndex(cs), nil
}

// UpsertLieux imports places given whole (every field present): see
// StoreBatch. It resolves their communes itself.
func (s *StructureService) UpsertLieux(ctx context.Context, ls []maillage.Lieu, source string) (created, updated int, err error) {
	communes, err := s.Communes(ctx)
	if err != nil {
		return 0, 0, err
	}
	rep := &lieux.Report{}
	for i := range ls {
		// date_maj is required by the schema: a place stored without it
		// would make the open export refuse the whole file.
		if ls[i].DateMaj.IsZero() {
			ls[i].DateMaj = maillage.Today(time.Now())
		}
		insee, _ := lieux.ResolveCommune(&ls[i], communes)
		rep.Rows = append(rep.Rows, lieux.Row{Line: i + 1, Lieu: ls[i], Present: lieux.Columns(), CommuneInsee: insee})
	}
	b := lieux.NewBatch(rep, source, lieux.Territory{})
	for i := 0; i < len(rep.Rows); i += lieux.BatchSize {
		b.Rows = rep.Rows[i:min(i+lieux.BatchSize, len(rep.Rows))]
		st, err := s.StoreBatch(ctx, b)
		if err != nil {
			return created, updated, err
		}
		created, updated = created+st.Created, updated+st.Updated
	}
	return created, updated, nil
}

// StoreBatch implements lieux.Store, in one transaction.
func (s *StructureService) StoreBatch(ctx context.Context, b *lieux.Batch) (lieux.Stored, error) {
	var st lieux.Stored
	err := s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var err error
		st, err = storeBatch(ctx, tx, b)
		return err
	})
	return st, err
}

func realPivot(p string) bool {
	k := maillage.PivotKind(p)
	return k == maillage.PivotSIRET || k == maillage.PivotRNA || k == maillage.PivotRIDET
}

// importColumns are the columns of structures written from a row, with
// their type in jsonb_to_recordset.
var importColumns = func() [][2]string {
	arrays := map[string]bool{"typologie": true, "courriels": true, "site_web": true, "itinerance": true, "services": true,
		"publics_specifiquement_adresses": true, "prise_en_charge_specifique": true, "frais_a_charge": true,
		"dispositif_programmes_nationaux": true, "formations_labels": true, "modalites_acces": true, "modalites_accompagnement": true}
	var out [][2]string
	for _, c := range lieuColumns {
		t := "text"
		switch {
		case arrays[c]:
			t = "text[]"
		case c == "latitude" || c == "longitude":
			t = "double precision"
		case c == "date_maj":
			t = "date"
		}
		out = append(out, [2]string{c, t})
	}
	return out
}()

// field is the schema field a column holds (lieu_id is id).
func field(column string) string {
	if column == "lieu_id" {
		return "id"
	}
	return column
}

var (
	recordType = func() string {
		var cols []string
		for _, c := range importColumns {
			cols = append(cols, c[0]+" "+c[1])
		}
		return "r(" + strings.Join(cols, ", ") + ", present text[], target_id bigint, commune_insee text)"
	}()
	insertSQL = func() string {
		var cols []string
		for _, c := range importColumns {
			cols = append(cols, c[0])
		}
		return "INSERT INTO structures (" + strings.Join(cols, ", ") + ", commune_insee) SELECT " + strings.Join(cols, ", ") +
			", nullif(commune_insee, '') FROM jsonb_to_recordset(?::jsonb) AS " + recordType + " RETURNING id"
	}()
	updateSQL = func() string {
		var set []string
		for _, c := range importColumns {
			if c[0] == "lieu_id" {
				continue // a matched place keeps the id it is published with
			}
			set = append(set, fmt.Sprintf("%s = CASE WHEN '%s' = ANY (r.present) THEN r.%s ELSE s.%s END", c[0], field(c[0]), c[0], c[0]))
		}
		set = append(set, "commune_insee = nullif(r.commune_insee, '')", "updated_at = now()")
		return "UPDATE structures s SET " + strings.Join(set, ", ") + " FROM jsonb_to_recordset(?::jsonb) AS " + recordType + " WHERE s.id = r.target_id"
	}()
)

// record is one row as jsonb_to_recordset reads it.
func importRecord(r *lieux.Row, source string, target int64) map[string]any {
	l := &r.Lieu
	vals := lieuJSON(l)
	if l.Source == "" {
		vals["source"] = source
	}
	vals["present"] = r.Present
	if target > 0 {
		vals["target_id"] = target
	}
	vals["commune_insee"] = r.CommuneInsee
	return vals
}

// storeBatch writes a batch: it finds the stored place of each row (its id,
// else — for a real pivot — a place stored before this import with the same
// pivot and name whose id is not in the file), updates those in one
// statement, inserts the others in one, and queues them all for search.
func storeBatch(ctx context.Context, tx bun.IDB, b *lieux.Batch) (lieux.Stored, error) {
	var st lieux.Stored
	if len(b.Rows) == 0 {
		return st, nil
	}
	ids := make([]string, len(b.Rows))
	for i, r := range b.Rows {
		ids[i] = r.Lieu.ID
	}
	var byID []struct {
		ID     int64  `bun:"id"`
		LieuID string `bun:"lieu_id"`
	}
	if err := tx.NewRaw("SELECT id, lieu_id FROM structures WHERE lieu_id = ANY (?)", pgArray(ids)).Scan(ctx, &byID); err != nil {
		return st, fmt.Errorf("find stored places: %w", err)
	}
	target := make([]int64, len(b.Rows))
	stored := map[string]int64{}
	for _, r := range byID {
		stored[r.LieuID] = r.ID
	}
	var pivots, noms, adresses []string
	var ords []int64
	for i, r := range b.Rows {
		if id, ok := stored[r.Lieu.ID]; ok {
			target[i] = id
		} else if realPivot(r.Lieu.Pivot) {
			pivots, noms, adresses, ords = append(pivots, r.Lieu.Pivot), append(noms, r.Lieu.Nom), append(adresses, r.Lieu.Adresse), append(ords, int64(i))
		}
	}
	if len(pivots) > 0 {
		var candidates []matchCandidate
		if err := tx.NewRaw(`SELECT r.ord, s.id, s.lieu_id, s.nom, coalesce(c.code_departement, '') AS departement,
				lower(immutable_unaccent(s.adresse)) = lower(immutable_unaccent(r.adresse)) AS same_address
			FROM unnest(?::text[], ?::text[], ?::text[], ?::bigint[]) AS r(pivot, nom, adresse, ord)
			JOIN structures s ON s.pivot = r.pivot AND lower(immutable_unaccent(s.nom)) = lower(immutable_unaccent(r.nom))
			LEFT JOIN communes c ON c.code_insee = s.commune_insee
			WHERE s.lieu_id <> ALL (?::text[])
			ORDER BY r.ord, s.id`, pgArray(pivots), pgArray(noms), pgArray(adresses), pgdialectArray(ords), pgArray(b.FileIDs)).Scan(ctx, &candidates); err != nil {
			return st, fmt.Errorf("match stored places: %w", err)
		}
		if b.Within != nil {
			// A place outside the importer's territory is never changed:
			// the row becomes a place of its own.
			candidates = slices.DeleteFunc(candidates, func(c matchCandidate) bool { return !b.Within(c.Departement) })
		}
		for ord, cs := range groupCandidates(candidates) {
			r := b.Rows[ord]
			m, n := pickCandidate(cs, b.Claimed)
			switch {
			case m != nil:
				target[ord] = m.ID
				b.Claimed[m.ID] = true
				st.Matched = append(st.Matched, lieux.RowError{Line: r.Line, ID: r.Lieu.ID, Field: "pivot", Key: lieux.KeyMatched,
					Args: []any{"Structure", m.ID, "LieuID", m.LieuID, "Nom", m.Nom}})
			case n > 1:
				st.Matched = append(st.Matched, lieux.RowError{Line: r.Line, ID: r.Lieu.ID, Field: "pivot", Key: lieux.KeyMatchAmbiguous,
					Args: []any{"Count", n}})
			}
		}
		slices.SortStableFunc(st.Matched, func(a, b lieux.RowError) int { return a.Line - b.Line })
	}
	var updates, inserts []map[string]any
	var touched []int64
	for i := range b.Rows {
		if target[i] != 0 {
			updates = append(updates, importRecord(&b.Rows[i], b.Source, target[i]))
			touched = append(touched, target[i])
		} else {
			inserts = append(inserts, importRecord(&b.Rows[i], b.Source, 0))
		}
	}
	if len(updates) > 0 {
		data, err := json.Marshal(updates)
		if err != nil {
			return st, err
		}
		if _, err := tx.NewRaw(updateSQL, string(data)).Exec(ctx); err != nil {
			return st, fmt.Errorf("update places: %w", err)
		}
		st.Updated = len(updates)
	}
	if len(inserts) > 0 {
		data, err := json.Marshal(inserts)
		if err != nil {
			return st, err
		}
		var created []int64
		if err := tx.NewRaw(insertSQL, string(data)).Scan(ctx, &created); err != nil {
			return st, fmt.Errorf("insert places: %w", translate(err, "Structure"))
		}
		st.Created = len(created)
		touched = append(touched, created...)
	}
	slices.Sort(touched)
	if _, err := tx.NewRaw("INSERT INTO search_outbox (entity, entity_id) SELECT 'structure', unnest(?::bigint[])", pgdialectArray(touched)).Exec(ctx); err != nil {
		return st, fmt.Errorf("queue places for search: %w", err)
	}
	return st, nil
}

type matchCandidate struct {
	Ord         int64  `bun:"ord"`
	ID          int64  `bun:"id"`
	LieuID      string `bun:"lieu_id"`
	Nom         string `bun:"nom"`
	Departement string `bun:"departement"`
	SameAddress bool   `bun:"same_address"`
}

func groupCandidates(cs []matchCandidate) map[int][]matchCandidate {
	out := map[int][]matchCandidate{}
	for _, c := range cs {
		out[int(c.Ord)] = append(out[int(c.Ord)], c)
	}
	return out
}

// pickCandidate chooses the stored place a row is matched to: the only one
// with its pivot and name not yet matched in this import, or among several
// the only one at the same address. Several without one at the same address
// are ambiguous: the row becomes a place of its own (n says how many).
func pickCandidate(cs []matchCandidate, claimed map[int64]bool) (*matchCandidate, int) {
	var free, same []*matchCandidate
	for i := range cs {
		if claimed[cs[i].ID] {
			continue
		}
		free = append(free, &cs[i])
		if cs[i].SameAddress {
			same = append(same, &cs[i])
		}
	}
	switch {
	case len(free) == 1:
		return free[0], 1
	case len(same) == 1:
		return same[0], 1
	}
	return nil, len(free)
}

// ImportStore keeps the background imports of places (lieux_imports) and
// stores their places.
type ImportStore struct {
	db *DB
}

// NewImportStore returns the store of background imports.
func NewImportStore(db *DB) *ImportStore { return &ImportStore{db: db} }

// NewImportService returns the service that runs imports of places in the
// background (its RunImports is a worker of the app).
func NewImportService(db *DB, log *slog.Logger) *lieux.Service {
	return &lieux.Service{Store: NewImportStore(db), Log: log}
}

// Communes implements lieux.JobStore.
func (s *ImportStore) Communes(ctx context.Context) (lieux.Communes, error) {
	return loadCommunes(ctx, s.db)
}

// Territory implements lieux.JobStore: an administrator imports anywhere;
// a coordinator in the départements of their scope (a région's included,
// User.Coordinates); anyone else nowhere. Stored maps every stored place's
// id to its département, for the rows that would update them.
func (s *ImportStore) Territory(ctx context.Context, actorID int64) (lieux.Territory, error) {
	nowhere := lieux.Territory{Holds: func(string) bool { return false }}
	u, err := NewUserService(s.db).FindUserByID(ctx, actorID)
	if maillage.ErrorCode(err) == maillage.ENOTFOUND {
		return nowhere, nil
	}
	if err != nil {
		return lieux.Territory{}, fmt.Errorf("importer %d: %w", actorID, err)
	}
	if u.Has(maillage.RoleAdministrateur) {
		return lieux.Territory{}, nil
	}
	if !u.Has(maillage.RoleCoordinateur) {
		return nowhere, nil
	}
	var deps []struct {
		Code       string `bun:"code"`
		CodeRegion string `bun:"code_region"`
	}
	if err := s.db.NewRaw("SELECT code, code_region FROM departements").Scan(ctx, &deps); err != nil {
		return lieux.Territory{}, fmt.Errorf("départements: %w", err)
	}
	held := map[string]bool{}
	for _, d := range deps {
		held[d.Code] = u.Coordinates(d.Code, d.CodeRegion)
	}
	var places []struct {
		LieuID      string `bun:"lieu_id"`
		Departement string `bun:"departement"`
	}
	if err := s.db.NewRaw(`SELECT s.lieu_id, coalesce(c.code_departement, '') AS departement
		FROM structures s LEFT JOIN communes c ON c.code_insee = s.commune_insee`).Scan(ctx, &places); err != nil {
		return lieux.Territory{}, fmt.Errorf("stored places: %w", err)
	}
	stored := make(map[string]string, len(places))
	for _, p := range places {
		stored[p.LieuID] = p.Departement
	}
	return lieux.Territory{Holds: func(dep string) bool { return held[dep] }, Stored: stored}, nil
}

// CreateJob implements lieux.JobStore.
func (s *ImportStore) CreateJob(ctx context.Context, j *lieux.Job, data []byte) (int64, error) {
	var id int64
	var actor *int64
	if j.ActorID != 0 {
		actor = &j.ActorID
	}
	err := s.db.NewRaw(`INSERT INTO lieux_imports (actor_id, file_name, size, sha256, data) VALUES (?, ?, ?, ?, ?) RETURNING id`,
		actor, j.FileName, j.Size, j.SHA256, data).Scan(ctx, &id)
	if err != nil {
		return 0, fmt.Errorf("create import: %w", err)
	}
	return id, nil
}

type jobRow struct {
	ID         int64           `bun:"id"`
	ActorID    *int64          `bun:"actor_id"`
	FileName   string          `bun:"file_name"`
	Size       int64           `bun:"size"`
	SHA256     string          `bun:"sha256"`
	Status     string          `bun:"status"`
	RowsDone   int             `bun:"rows_done"`
	RowsTotal  *int            `bun:"rows_total"`
	Created    int             `bun:"created"`
	Updated    int             `bun:"updated"`
	Matched    json.RawMessage `bun:"matched,type:jsonb"`
	Summary    json.RawMessage `bun:"summary,type:jsonb"`
	ErrorKey   string          `bun:"error_key"`
	ErrorArgs  json.RawMessage `bun:"error_args,type:jsonb"`
	CreatedAt  time.Time       `bun:"created_at"`
	StartedAt  *time.Time      `bun:"started_at"`
	FinishedAt *time.Time      `bun:"finished_at"`
	Data       []byte          `bun:"data"`
}

const jobColumns = "id, actor_id, file_name, size, sha256, status, rows_done, rows_total, created, updated, matched, summary, error_key, error_args, created_at, started_at, finished_at"

func (r *jobRow) domain() (*lieux.Job, error) {
	j := &lieux.Job{ID: r.ID, FileName: r.FileName, Size: r.Size, SHA256: r.SHA256, Status: lieux.JobStatus(r.Status), RowsDone: r.RowsDone,
		Created: r.Created, Updated: r.Updated, ErrorKey: r.ErrorKey, CreatedAt: r.CreatedAt, StartedAt: r.StartedAt, FinishedAt: r.FinishedAt}
	if r.ActorID != nil {
		j.ActorID = *r.ActorID
	}
	if r.RowsTotal != nil {
		j.RowsTotal = *r.RowsTotal
	}
	for _, part := range []struct {
		raw json.RawMessage
		to  any
	}{{r.Matched, &j.Matched}, {r.Summary, &j.Summary}, {r.ErrorArgs, &j.ErrorArgs}} {
		if len(part.raw) > 0 && string(part.raw) != "null" {
			if err := json.Unmarshal(part.raw, part.to); err != nil {
				return nil, fmt.Errorf("import %d: %w", r.ID, err)
			}
		}
	}
	return j, nil
}

// FindJob implements lieux.JobStore.
func (s *ImportStore) FindJob(ctx context.Context, id int64) (*lieux.Job, error) {
	var r jobRow
	if err := s.db.NewRaw("SELECT "+jobColumns+" FROM lieux_imports WHERE id = ?", id).Scan(ctx, &r); err != nil {
		if isNoRows(err) {
			return nil, maillage.Errorf(maillage.ENOTFOUND, lieux.KeyJobNotFound)
		}
		return nil, fmt.Errorf("find import %d: %w", id, err)
	}
	return r.domain()
}

// JobReport implements lieux.JobStore.
func (s *ImportStore) JobReport(ctx context.Context, id int64) (*maillage.ImportReport, error) {
	var raw string
	err := s.db.NewRaw("SELECT coalesce(report, 'null'::jsonb)::text FROM lieux_imports WHERE id = ?", id).Scan(ctx, &raw)
	if isNoRows(err) || err == nil && raw == "null" {
		return nil, maillage.Errorf(maillage.ENOTFOUND, lieux.KeyJobNotFound)
	} else if err != nil {
		return nil, fmt.Errorf("import report %d: %w", id, err)
	}
	var rep maillage.ImportReport
	if err := json.Unmarshal([]byte(raw), &rep); err != nil {
		return nil, fmt.Errorf("import report %d: %w", id, err)
	}
	return &rep, nil
}

// maxAttempts is how many times a job is taken up before it is failed.
const maxAttempts = 3

// ClaimJob implements lieux.JobStore.
func (s *ImportStore) ClaimJob(ctx context.Context, stale time.Duration) (*lieux.Job, []byte, error) {
	secs := stale.Seconds()
	if _, err := s.db.NewRaw(`UPDATE lieux_imports SET status = 'failed', error_key = ?, finished_at = now(), data = NULL
		WHERE status = 'running' AND heartbeat_at < now() - make_interval(secs => ?) AND attempts >= ?`, lieux.KeyJobInternal, secs, maxAttempts).Exec(ctx); err != nil {
		return nil, nil, fmt.Errorf("claim import: %w", err)
	}
	var rows []jobRow
	err := s.db.NewRaw(`UPDATE lieux_imports SET status = 'running', started_at = coalesce(started_at, now()), heartbeat_at = now(), attempts = attempts + 1
		WHERE id = (SELECT id FROM lieux_imports
			WHERE status = 'queued' OR status = 'running' AND heartbeat_at < now() - make_interval(secs => ?)
			ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED)
		RETURNING `+jobColumns+`, data`, secs).Scan(ctx, &rows)
	if err != nil {
		return nil, nil, fmt.Errorf("claim import: %w", err)
	}
	if len(rows) == 0 {
		return nil, nil, nil
	}
	j, err := rows[0].domain()
	return j, rows[0].Data, err
}

// SetJobTotal implements lieux.JobStore.
func (s *ImportStore) SetJobTotal(ctx context.Context, id int64, total int) error {
	_, err := s.db.NewRaw("UPDATE lieux_imports SET rows_total = ?, heartbeat_at = now() WHERE id = ?", total, id).Exec(ctx)
	return err
}

// StoreJobBatch implements lieux.JobStore.
func (s *ImportStore) StoreJobBatch(ctx context.Context, id int64, b *lieux.Batch, done int) (lieux.Stored, error) {
	var st lieux.Stored
	err := s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var err error
		if st, err = storeBatch(ctx, tx, b); err != nil {
			return err
		}
		matched, err := json.Marshal(st.Matched)
		if err != nil {
			return err
		}
		if st.Matched == nil {
			matched = []byte("[]")
		}
		_, err = tx.NewRaw(`UPDATE lieux_imports SET rows_done = ?, created = created + ?, updated = updated + ?,
			matched = matched || ?::jsonb, heartbeat_at = now() WHERE id = ?`, done, st.Created, st.Updated, string(matched), id).Exec(ctx)
		return err
	})
	return st, err
}

// FinishJob implements lieux.JobStore.
func (s *ImportStore) FinishJob(ctx context.Context, id int64, rep *maillage.ImportReport, sum *lieux.Summary) error {
	full, err := json.Marshal(rep)
	if err != nil {
		return err
	}
	short, err := json.Marshal(sum)
	if err != nil {
		return err
	}
	_, err = s.db.NewRaw(`UPDATE lieux_imports SET status = 'done', report = ?::jsonb, summary = ?::jsonb, data = NULL,
		finished_at = now(), heartbeat_at = now() WHERE id = ?`, string(full), string(short), id).Exec(ctx)
	return err
}

// FailJob implements lieux.JobStore.
func (s *ImportStore) FailJob(ctx context.Context, id int64, key string, args []any) error {
	a, err := json.Marshal(args)
	if err != nil {
		return err
	}
	_, err = s.db.NewRaw(`UPDATE lieux_imports SET status = 'failed', error_key = ?, error_args = ?::jsonb, data = NULL,
		finished_at = now(), heartbeat_at = now() WHERE id = ?`, key, string(a), id).Exec(ctx)
	return err
}

// RequeueJob implements lieux.JobStore.
func (s *ImportStore) RequeueJob(ctx context.Context, id int64) error {
	_, err := s.db.NewRaw(`UPDATE lieux_imports SET status = 'queued', attempts = greatest(attempts - 1, 0) WHERE id = ? AND status = 'running'`, id).Exec(ctx)
	return err
}
