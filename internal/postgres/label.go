package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/uptrace/bun"

	"maillage/internal/label"
	"maillage/internal/maillage"
)

// LabelService implements label.Service: programmes, applications,
// reviews, labels and their register. Evidence files and large exports are
// stored under FilesDir (outside the web root), named by their SHA-256.
type LabelService struct {
	db *DB
	// FilesDir holds the evidence files and exports (MAILLAGE_FILES_DIR).
	FilesDir string
	// BaseURL starts the links of its mails; Texts writes them.
	BaseURL string
	Texts   maillage.Texts
	// Users loads the person of a background export.
	Users maillage.UserService
	Log   *slog.Logger
	// Now is the clock (tests move it to check expiries and reminders).
	Now func() time.Time

	mu    sync.Mutex
	progs map[int64]*label.Programme
}

var _ label.Service = (*LabelService)(nil)

// NewLabelService returns the label service.
func NewLabelService(db *DB, filesDir string) *LabelService {
	return &LabelService{db: db, FilesDir: filesDir, Now: time.Now, Log: slog.Default()}
}

func (s *LabelService) now() time.Time {
	if s.Now == nil {
		return time.Now()
	}
	return s.Now()
}

// Search entities of the capability (search_outbox.entity).
const (
	labelEntityApplication = label.SearchApplication
	labelEntityLabel       = label.SearchLabel
)

// SyncProgrammes records the programmes read from content/labels (one row
// per code and version; a changed file updates its row). Idempotent.
func (s *LabelService) SyncProgrammes(ctx context.Context, ps []*label.Programme) error {
	for _, p := range ps {
		def, err := json.Marshal(p)
		if err != nil {
			return err
		}
		if _, err := s.db.NewRaw(`INSERT INTO label_programmes (code, version, title, definition, sha256) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (code, version) DO UPDATE SET title = excluded.title, definition = excluded.definition, sha256 = excluded.sha256, loaded_at = now()
			WHERE label_programmes.sha256 <> excluded.sha256`, p.Code, p.Version, p.Title, string(def), p.SHA256).Exec(ctx); err != nil {
			return fmt.Errorf("sync label programme %s v%d: %w", p.Code, p.Version, err)
		}
	}
	s.mu.Lock()
	s.progs = nil
	s.mu.Unlock()
	return nil
}

// programmes returns every stored version, by id.
func (s *LabelService) programmes(ctx context.Context) (map[int64]*label.Programme, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.progs != nil {
		return s.progs, nil
	}
	var rows []struct {
		ID         int64
		Definition json.RawMessage `bun:"definition,type:jsonb"`
	}
	if err := s.db.NewRaw("SELECT id, definition FROM label_programmes ORDER BY code, version").Scan(ctx, &rows); err != nil {
		return nil, err
	}
	out := map[int64]*label.Programme{}
	for _, r := range rows {
		var p label.Programme
		if err := json.Unmarshal(r.Definition, &p); err != nil {
			return nil, fmt.Errorf("label programme %d: %w", r.ID, err)
		}
		out[r.ID] = &p
	}
	s.progs = out
	return out, nil
}

func (s *LabelService) programmeByID(ctx context.Context, id int64) (*label.Programme, error) {
	ps, err := s.programmes(ctx)
	if err != nil {
		return nil, err
	}
	p, ok := ps[id]
	if !ok {
		return nil, maillage.Errorf(maillage.ENOTFOUND, "label.programme.not_found")
	}
	return p, nil
}

// currentProgramme returns the id and latest version of a programme.
func (s *LabelService) currentProgramme(ctx context.Context, code string) (int64, *label.Programme, error) {
	ps, err := s.programmes(ctx)
	if err != nil {
		return 0, nil, err
	}
	var id int64
	var cur *label.Programme
	for pid, p := range ps {
		if p.Code == code && (cur == nil || p.Version > cur.Version) {
			id, cur = pid, p
		}
	}
	if cur == nil {
		return 0, nil, maillage.Errorf(maillage.ENOTFOUND, "label.programme.not_found")
	}
	return id, cur, nil
}

// Programmes lists the latest version of each programme, by title.
func (s *LabelService) Programmes(ctx context.Context) ([]*label.Programme, error) {
	ps, err := s.programmes(ctx)
	if err != nil {
		return nil, err
	}
	latest := map[string]*label.Programme{}
	for _, p := range ps {
		if cur, ok := latest[p.Code]; !ok || p.Version > cur.Version {
			latest[p.Code] = p
		}
	}
	out := make([]*label.Programme, 0, len(latest))
	for _, p := range latest {
		out = append(out, p)
	}
	sortProgrammes(out)
	return out, nil
}

func sortProgrammes(ps []*label.Programme) {
	for i := 1; i < len(ps); i++ {
		for j := i; j > 0 && ps[j].Title < ps[j-1].Title; j-- {
			ps[j], ps[j-1] = ps[j-1], ps[j]
		}
	}
}

// Programme returns the latest version of a programme.
func (s *LabelService) Programme(ctx context.Context, code string) (*label.Programme, error) {
	_, p, err := s.currentProgramme(ctx, code)
	return p, err
}

// applicationSelect reads an application with its structure, applicant,
// reviewers and counts of non-conformities.
const applicationSelect = `SELECT a.id, a.programme_id, a.programme_code, p.version AS programme_version, p.title AS programme_title,
	a.structure_id, s.nom AS structure_nom, s.commune, coalesce(c.code_departement, '') AS code_departement,
	coalesce(c.code_region, '') AS code_region, coalesce(a.applicant_id, 0) AS applicant_id,
	coalesce(nullif(u.display_name, ''), u.email, '') AS applicant_name, a.state, a.renewal_of, a.revision,
	a.created_at, a.updated_at, a.deposited_at, a.due_at, a.decided_at, a.motivation,
	coalesce((SELECT jsonb_agg(jsonb_build_object('id', r.id, 'name', coalesce(nullif(r.display_name, ''), r.email, '')) ORDER BY la.assigned_at, r.id)
		FROM label_assignments la JOIN users r ON r.id = la.reviewer_id WHERE la.application_id = a.id), '[]') AS reviewers,
	(SELECT count(*) FROM label_assessments x WHERE x.application_id = a.id AND x.grade = 'non_conformite_majeure') AS open_majors,
	(SELECT count(*) FROM label_assessments x WHERE x.application_id = a.id AND x.grade = 'non_conformite_mineure') AS open_minors
	FROM label_applications a JOIN label_programmes p ON p.id = a.programme_id JOIN structures s ON s.id = a.structure_id
	LEFT JOIN communes c ON c.code_insee = s.commune_insee LEFT JOIN users u ON u.id = a.applicant_id`

type applicationRow struct {
	ID               int64
	ProgrammeID      int64
	ProgrammeCode    string
	ProgrammeVersion int
	ProgrammeTitle   string
	StructureID      int64
	StructureNom     string
	Commune          string
	CodeDepartement  string
	CodeRegion       string
	ApplicantID      int64
	ApplicantName    string
	State            string
	RenewalOf        *int64
	Revision         int
	CreatedAt        time.Time
	UpdatedAt        time.Time
	DepositedAt      *time.Time
	DueAt            *time.Time
	DecidedAt        *time.Time
	Motivation       string
	Reviewers        json.RawMessage `bun:"reviewers,type:jsonb"`
	OpenMajors       int
	OpenMinors       int
}

func (r *applicationRow) domain() *label.Application {
	a := &label.Application{ID: r.ID, ProgrammeID: r.ProgrammeID, ProgrammeCode: r.ProgrammeCode, ProgrammeVersion: r.ProgrammeVersion,
		ProgrammeTitle: r.ProgrammeTitle, StructureID: r.StructureID, StructureNom: r.StructureNom, Commune: r.Commune,
		CodeDepartement: r.CodeDepartement, CodeRegion: r.CodeRegion, ApplicantID: r.ApplicantID, ApplicantName: r.ApplicantName,
		State: r.State, RenewalOf: r.RenewalOf, Revision: r.Revision, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt,
		DepositedAt: r.DepositedAt, DueAt: r.DueAt, DecidedAt: r.DecidedAt, Motivation: r.Motivation,
		OpenMajors: r.OpenMajors, OpenMinors: r.OpenMinors, Reviewers: []label.Reviewer{}}
	var rs []struct {
		ID   int64  `json:"id"`
		Name string `json:"name"`
	}
	_ = json.Unmarshal(r.Reviewers, &rs)
	for _, x := range rs {
		a.Reviewers = append(a.Reviewers, label.Reviewer{UserID: x.ID, Name: x.Name})
	}
	return a
}

// findApplication reads one application (lock: FOR UPDATE of the row).
func findApplication(ctx context.Context, idb bun.IDB, id int64, lock bool) (*label.Application, error) {
	q := applicationSelect + " WHERE a.id = ?"
	if lock {
		q += " FOR UPDATE OF a"
	}
	var r applicationRow
	if err := idb.NewRaw(q, id).Scan(ctx, &r); err != nil {
		return nil, translate(err, "label.application.not_found")
	}
	return r.domain(), nil
}

// isReferent reports whether userID is an active referent of the structure.
func isReferent(ctx context.Context, idb bun.IDB, structureID, userID int64) (bool, error) {
	var ok bool
	err := idb.NewRaw(`SELECT EXISTS (SELECT 1 FROM memberships WHERE structure_id = ? AND user_id = ? AND role = 'referent' AND ended_on IS NULL)`,
		structureID, userID).Scan(ctx, &ok)
	return ok, err
}

// isLead reports whether u leads the reviewers of a programme (an
// administrator does).
func isLead(ctx context.Context, idb bun.IDB, u *maillage.User, programme string) (bool, error) {
	if u.Has(maillage.RoleAdministrateur) {
		return true, nil
	}
	if !label.Reviews(u, programme) {
		return false, nil
	}
	var ok bool
	err := idb.NewRaw("SELECT EXISTS (SELECT 1 FROM label_leads WHERE programme_code = ? AND user_id = ?)", programme, u.ID).Scan(ctx, &ok)
	return ok, err
}

// reviewsProgramme reports whether userID holds the instructeur role of a
// programme (or is an administrator), from the stored grants.
func reviewsProgramme(ctx context.Context, idb bun.IDB, userID int64, programme string) (bool, error) {
	var ok bool
	err := idb.NewRaw(`SELECT EXISTS (SELECT 1 FROM role_grants WHERE user_id = ? AND revoked_at IS NULL AND
		(role = 'administrateur' OR (role = 'instructeur' AND scope_kind = 'programme' AND scope_value = ?)))`, userID, programme).Scan(ctx, &ok)
	return ok, err
}

// ties lists the structures a reviewer is tied to: memberships (ended or
// not) and declared ties.
func ties(ctx context.Context, idb bun.IDB, reviewerID int64) ([]label.Tie, error) {
	var rows []struct {
		StructureID int64
		Pivot       string
	}
	err := idb.NewRaw(`SELECT m.structure_id, s.pivot FROM memberships m JOIN structures s ON s.id = m.structure_id WHERE m.user_id = ?
		UNION SELECT t.structure_id, s.pivot FROM label_ties t JOIN structures s ON s.id = t.structure_id WHERE t.reviewer_id = ?`,
		reviewerID, reviewerID).Scan(ctx, &rows)
	out := make([]label.Tie, len(rows))
	for i, r := range rows {
		out[i] = label.Tie{StructureID: r.StructureID, Pivot: r.Pivot}
	}
	return out, err
}

// conflicted applies label.Conflict to a reviewer and an application.
func conflicted(ctx context.Context, idb bun.IDB, reviewerID int64, a *label.Application) (bool, error) {
	ts, err := ties(ctx, idb, reviewerID)
	if err != nil {
		return false, err
	}
	var pivot string
	if err := idb.NewRaw("SELECT pivot FROM structures WHERE id = ?", a.StructureID).Scan(ctx, &pivot); err != nil {
		return false, err
	}
	return label.Conflict(reviewerID, a, pivot, ts), nil
}

// recipient is a person a mail goes to.
type recipient struct {
	ID    int64
	Email string
}

// referents are the active referents of a structure with an address.
func referents(ctx context.Context, idb bun.IDB, structureID int64) ([]recipient, error) {
	var out []recipient
	err := idb.NewRaw(`SELECT u.id, u.email FROM memberships m JOIN users u ON u.id = m.user_id
		WHERE m.structure_id = ? AND m.role = 'referent' AND m.ended_on IS NULL AND u.email IS NOT NULL ORDER BY u.id`, structureID).Scan(ctx, &out)
	return out, err
}

// usersByID are people with an address.
func usersByID(ctx context.Context, idb bun.IDB, ids []int64) ([]recipient, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	var out []recipient
	err := idb.NewRaw("SELECT id, email FROM users WHERE id IN (?) AND email IS NOT NULL ORDER BY id", bun.In(ids)).Scan(ctx, &out)
	return out, err
}

// mailLang is the language of mails to other people (recruiting, labels):
// the portal keeps no language per person yet, so they are written in
// French, the reference.
const mailLang = "fr"

// notify enqueues one mail per recipient (same transaction as the change).
// The catalogue keys are label.mail.<kind>.subject and .body; every mail
// carries the link to the application and its structure's name.
func (s *LabelService) notify(ctx context.Context, tx bun.IDB, to []recipient, except int64, kind string, a *label.Application, args ...any) error {
	link := s.BaseURL + "/labels/dossiers/" + strconv.FormatInt(a.ID, 10)
	args = append(args, "Structure", a.StructureNom, "Programme", a.ProgrammeTitle, "Link", link, "ID", a.ID)
	seen := map[string]bool{}
	for _, r := range to {
		if r.ID == except || r.Email == "" || seen[r.Email] {
			continue
		}
		seen[r.Email] = true
		m := &maillage.Mail{To: r.Email, Kind: "label_" + kind, Lang: mailLang,
			Subject: s.Texts.T(mailLang, "label.mail."+kind+".subject", args...),
			Text:    s.Texts.T(mailLang, "label.mail."+kind+".body", args...)}
		if err := EnqueueMail(ctx, tx, m); err != nil {
			return err
		}
	}
	return nil
}

func reviewerIDs(a *label.Application) []int64 {
	out := make([]int64, len(a.Reviewers))
	for i, r := range a.Reviewers {
		out[i] = r.UserID
	}
	return out
}

// leads are the lead reviewers of a programme with an address.
func leads(ctx context.Context, idb bun.IDB, programme string) ([]recipient, error) {
	var out []recipient
	err := idb.NewRaw(`SELECT u.id, u.email FROM label_leads l JOIN users u ON u.id = l.user_id
		WHERE l.programme_code = ? AND u.email IS NOT NULL ORDER BY u.id`, programme).Scan(ctx, &out)
	return out, err
}

// ForgetAccount ends, in the transaction that deletes an account, what
// the label holds of it as a reviewer: it follows no application any more
// (they go back to « à suivre » when nobody else follows them), leads no
// programme, and its declared ties go. What it wrote in applications
// (answers, messages, notes, decisions) stays with its author shown as
// deleted: the structure's record must remain whole and traceable.
func (s *LabelService) ForgetAccount(ctx context.Context, tx bun.Tx, userID int64) error {
	var apps []int64
	if err := tx.NewRaw("DELETE FROM label_assignments WHERE reviewer_id = ? RETURNING application_id", userID).Scan(ctx, &apps); err != nil {
		return err
	}
	for _, id := range apps {
		if err := outbox(ctx, tx, labelEntityApplication, id); err != nil {
			return err
		}
	}
	if _, err := tx.NewRaw("DELETE FROM label_leads WHERE user_id = ?", userID).Exec(ctx); err != nil {
		return err
	}
	_, err := tx.NewRaw("DELETE FROM label_ties WHERE reviewer_id = ?", userID).Exec(ctx)
	return err
}

// ExportAccount gives what the label holds of a person, for the download
// of their data: the applications they started, the messages they wrote,
// and as a reviewer what they followed, assessed, noted and were asked.
func (s *LabelService) ExportAccount(ctx context.Context, userID int64) (string, any, error) {
	var started []applicationRow
	if err := s.db.NewRaw(applicationSelect+" WHERE a.applicant_id = ? ORDER BY a.id", userID).Scan(ctx, &started); err != nil {
		return "", nil, err
	}
	apps := make([]*label.Application, len(started))
	for i := range started {
		apps[i] = started[i].domain()
	}
	type written struct {
		ApplicationID int64     `json:"dossier_id"`
		Text          string    `json:"texte"`
		CreatedAt     time.Time `json:"cree_le"`
	}
	var messages, notes []written
	if err := s.db.NewRaw("SELECT application_id, text, created_at FROM label_messages WHERE author_id = ? ORDER BY id", userID).Scan(ctx, &messages); err != nil {
		return "", nil, err
	}
	if err := s.db.NewRaw("SELECT application_id, text, created_at FROM label_notes WHERE author_id = ? ORDER BY id", userID).Scan(ctx, &notes); err != nil {
		return "", nil, err
	}
	var assessments []struct {
		ApplicationID int64     `json:"dossier_id"`
		Indicator     string    `json:"indicateur"`
		Grade         string    `json:"appreciation"`
		Comment       string    `json:"commentaire"`
		UpdatedAt     time.Time `json:"modifie_le"`
	}
	if err := s.db.NewRaw("SELECT application_id, indicator, grade, comment, updated_at FROM label_assessments WHERE reviewer_id = ? ORDER BY application_id, indicator", userID).Scan(ctx, &assessments); err != nil {
		return "", nil, err
	}
	var followed []int64
	if err := s.db.NewRaw("SELECT application_id FROM label_assignments WHERE reviewer_id = ? ORDER BY 1", userID).Scan(ctx, &followed); err != nil {
		return "", nil, err
	}
	opinions, err := s.opinions(ctx, s.db.DB, "(o.requested_by = ? OR o.reviewer_id = ?)", userID, userID)
	if err != nil {
		return "", nil, err
	}
	return "label", map[string]any{"applications_started": apps, "messages": messages, "private_notes": notes,
		"assessments": assessments, "followed": followed, "opinions": opinions}, nil
}
