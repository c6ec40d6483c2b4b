package label

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/sergi/go-diff/diffmatchpatch"

	"maillage/internal/maillage"
)

// Application is a structure's application to a programme.
type Application struct {
	ID               int64      `json:"id"`
	ProgrammeID      int64      `json:"-"`
	ProgrammeCode    string     `json:"programme"`
	ProgrammeVersion int        `json:"programme_version"`
	ProgrammeTitle   string     `json:"programme_titre"`
	StructureID      int64      `json:"structure_id"`
	StructureNom     string     `json:"structure_nom"`
	Commune          string     `json:"commune,omitempty"`
	CodeDepartement  string     `json:"code_departement,omitempty"`
	CodeRegion       string     `json:"code_region,omitempty"`
	ApplicantID      int64      `json:"-"`
	ApplicantName    string     `json:"demandeur"`
	State            string     `json:"etat"`
	RenewalOf        *int64     `json:"renouvellement_de,omitempty"`
	Revision         int        `json:"revision"`
	CreatedAt        time.Time  `json:"cree_le"`
	UpdatedAt        time.Time  `json:"modifie_le"`
	DepositedAt      *time.Time `json:"depose_le,omitempty"`
	DueAt            *time.Time `json:"echeance,omitempty"`
	DecidedAt        *time.Time `json:"decide_le,omitempty"`
	// Motivation is the motivation of the last move (a decision, a
	// request for corrections), shown to the applicant.
	Motivation string     `json:"motivation,omitempty"`
	Reviewers  []Reviewer `json:"instructeurs"`
	// OpenMajors and OpenMinors count the indicators graded « non-conformité
	// majeure » / « mineure » in the current assessments (reviewers only).
	OpenMajors int `json:"-"`
	OpenMinors int `json:"-"`
}

// Reviewer is a reviewer following an application.
type Reviewer struct {
	UserID int64  `json:"-"`
	Name   string `json:"nom"`
}

// Follows reports whether userID follows (is assigned to) the application.
func (a *Application) Follows(userID int64) bool {
	for _, r := range a.Reviewers {
		if r.UserID == userID {
			return true
		}
	}
	return false
}

// CanApply is the rule for who starts, writes, submits and corrects an
// application of a structure: its active referents.
func CanApply(v maillage.Viewer, s *maillage.Structure) bool { return s.IsReferent(v.UserID) }

// Reviews reports whether u reviews applications of a programme: an
// « instructeur » whose role is scoped to that programme, or an
// administrator.
func Reviews(u *maillage.User, programme string) bool {
	return u.Has(maillage.RoleAdministrateur) || u.HasScoped(maillage.RoleInstructeur, maillage.ScopeProgramme, programme)
}

// ReviewedProgrammes lists the programmes u reviews (nil for an
// administrator, who reviews every programme; empty for anyone else).
func ReviewedProgrammes(u *maillage.User) (codes []string, all bool) {
	if u.Has(maillage.RoleAdministrateur) {
		return nil, true
	}
	for _, g := range u.Grants {
		if g.Role == maillage.RoleInstructeur && g.ScopeKind == maillage.ScopeProgramme && !slices.Contains(codes, g.ScopeValue) {
			codes = append(codes, g.ScopeValue)
		}
	}
	return codes, false
}

// IsReviewer reports whether u reviews some programme.
func IsReviewer(u *maillage.User) bool {
	codes, all := ReviewedProgrammes(u)
	return all || len(codes) > 0
}

// ReviewerSees is the one rule for a reviewer's access to an application:
// a reviewer of its programme, once it is submitted (drafts belong to the
// applicant alone).
func ReviewerSees(u *maillage.User, a *Application) bool {
	return a.State != Brouillon && Reviews(u, a.ProgrammeCode)
}

// ReviewsApplication is the one rule for reviewing an application (its
// assessments, private notes and opinions, seen or written): a reviewer
// who sees it, unless they are on its applicant side — applicant says
// whether u is a referent of its structure —, who see and act on it as its
// applicant only. Administrators review every application, as they move
// one despite a conflict of interest.
func ReviewsApplication(u *maillage.User, a *Application, applicant bool) bool {
	return ReviewerSees(u, a) && (!applicant || u.Has(maillage.RoleAdministrateur))
}

// Tie links a reviewer to a structure: a membership (any role, ended or
// not) or a link the reviewer declared (a board seat, a family tie…).
type Tie struct {
	StructureID int64
	Pivot       string
}

// Conflict is the conflict-of-interest rule: a reviewer may not review the
// application of a structure they are tied to — the applicant themselves,
// a member of the structure, a member of a structure of the same legal
// entity (same SIREN: the first 9 digits of the SIRET), or a declared tie.
func Conflict(reviewerID int64, a *Application, pivot string, ties []Tie) bool {
	if reviewerID == a.ApplicantID {
		return true
	}
	siren := func(p string) string {
		if maillage.PivotKind(p) == maillage.PivotSIRET && len(p) == 14 {
			return p[:9]
		}
		return ""
	}
	for _, t := range ties {
		if t.StructureID == a.StructureID {
			return true
		}
		if s := siren(t.Pivot); s != "" && s == siren(pivot) {
			return true
		}
	}
	return false
}

// Revision is one version of the answers of an application. The first is
// written before the deposit; each request for corrections opens a new one,
// started from the previous. A submitted revision is frozen.
type Revision struct {
	ID            int64             `json:"-"`
	ApplicationID int64             `json:"-"`
	Number        int               `json:"numero"`
	SubmittedAt   *time.Time        `json:"soumise_le,omitempty"`
	Answers       map[string]string `json:"reponses"` // indicator code → text
	Files         []Evidence        `json:"pieces"`
}

// Frozen reports whether the revision was submitted (it then never changes).
func (r *Revision) Frozen() bool { return r.SubmittedAt != nil }

// FilesOf lists the files attached to an indicator.
func (r *Revision) FilesOf(indicator string) []Evidence {
	var out []Evidence
	for _, f := range r.Files {
		if f.Indicator == indicator {
			out = append(out, f)
		}
	}
	return out
}

// AnswerField is the field path of an indicator's answer (the JSON path of
// the API body and the name of the form input).
func AnswerField(indicator string) string { return "reponses." + indicator }

// FileField is the field path of an indicator's files.
func FileField(indicator string) string { return "pieces." + indicator }

// MaxAnswer is the longest answer to an indicator, in characters.
const MaxAnswer = 10000

// CheckAnswers checks answers as typed (saving a draft): known indicators,
// text rules. Nothing is required yet.
func CheckAnswers(p *Programme, answers map[string]string) maillage.Problems {
	var ps maillage.Problems
	for code, text := range answers {
		if _, ok := p.Indicator(code); !ok {
			ps.Add(AnswerField(code), maillage.KeyUnknown)
			continue
		}
		maillage.CheckText(&ps, AnswerField(code), text, MaxAnswer, true)
	}
	return ps
}

// CheckComplete is the rule of a submission: every indicator that applies
// to the structure has an answer (a text, or at least one file).
func CheckComplete(p *Programme, kinds []string, r *Revision) maillage.Problems {
	ps := CheckAnswers(p, r.Answers)
	for _, in := range p.Indicators() {
		if !in.AppliesTo(kinds) {
			continue
		}
		if strings.TrimSpace(r.Answers[in.Code]) == "" && len(r.FilesOf(in.Code)) == 0 {
			ps.Add(AnswerField(in.Code), "label.answer.required")
		}
	}
	return ps
}

// Change is what changed for one indicator between two revisions.
type Change struct {
	Indicator    string   `json:"indicateur"`
	Before       string   `json:"avant"`
	After        string   `json:"apres"`
	Ops          []DiffOp `json:"-"`
	FilesAdded   []string `json:"pieces_ajoutees,omitempty"`
	FilesRemoved []string `json:"pieces_retirees,omitempty"`
}

// DiffOp is a piece of text kept, inserted or deleted.
type DiffOp struct {
	Kind string // "equal", "insert", "delete"
	Text string
}

// Diff lists what changed from prev to cur, indicator by indicator in the
// programme's order: the text (with a word-level diff) and the files
// (by name and content hash).
func Diff(p *Programme, prev, cur *Revision) []Change {
	var out []Change
	dmp := diffmatchpatch.New()
	for _, in := range p.Indicators() {
		c := Change{Indicator: in.Code, Before: prev.Answers[in.Code], After: cur.Answers[in.Code]}
		if c.Before != c.After {
			for _, d := range wordDiff(dmp, c.Before, c.After) {
				kind := "equal"
				switch d.Type {
				case diffmatchpatch.DiffInsert:
					kind = "insert"
				case diffmatchpatch.DiffDelete:
					kind = "delete"
				}
				c.Ops = append(c.Ops, DiffOp{Kind: kind, Text: d.Text})
			}
		}
		key := func(f Evidence) string { return f.Name + "\x00" + f.SHA256 }
		was, is := map[string]bool{}, map[string]bool{}
		for _, f := range prev.FilesOf(in.Code) {
			was[key(f)] = true
		}
		for _, f := range cur.FilesOf(in.Code) {
			is[key(f)] = true
			if !was[key(f)] {
				c.FilesAdded = append(c.FilesAdded, f.Name)
			}
		}
		for _, f := range prev.FilesOf(in.Code) {
			if !is[key(f)] {
				c.FilesRemoved = append(c.FilesRemoved, f.Name)
			}
		}
		if c.Before != c.After || len(c.FilesAdded)+len(c.FilesRemoved) > 0 {
			out = append(out, c)
		}
	}
	return out
}

var words = regexp.MustCompile(`\s+|[^\s]+`)

// wordDiff diffs two texts word by word: each distinct word (or run of
// spaces) becomes one rune, the runes are diffed, and mapped back.
func wordDiff(dmp *diffmatchpatch.DiffMatchPatch, a, b string) []diffmatchpatch.Diff {
	index := map[string]rune{}
	var table []string
	encode := func(s string) string {
		var out []rune
		for _, w := range words.FindAllString(s, -1) {
			r, ok := index[w]
			if !ok {
				r = rune(0xE000 + len(table)) // private use: never in the texts' runes we build
				index[w] = r
				table = append(table, w)
			}
			out = append(out, r)
		}
		return string(out)
	}
	ea, eb := encode(a), encode(b)
	ds := dmp.DiffMain(ea, eb, false)
	for i := range ds {
		var sb strings.Builder
		for _, r := range ds[i].Text {
			sb.WriteString(table[r-0xE000])
		}
		ds[i].Text = sb.String()
	}
	return ds
}

// Assessment is a reviewer's grade of one indicator, with a comment.
type Assessment struct {
	Indicator    string    `json:"indicateur"`
	Grade        string    `json:"appreciation"`
	Comment      string    `json:"commentaire,omitempty"`
	ReviewerID   int64     `json:"-"`
	ReviewerName string    `json:"instructeur"`
	UpdatedAt    time.Time `json:"modifie_le"`
}

// Validate checks an assessment: a grade of the list, and a comment when
// the grade is a non-conformity (the applicant must be told what is wrong).
func (as *Assessment) Validate(p *Programme) maillage.Problems {
	var ps maillage.Problems
	field := "appreciations." + as.Indicator
	if _, ok := p.Indicator(as.Indicator); !ok {
		ps.Add(field+".appreciation", maillage.KeyUnknown)
	}
	if !ValidGrade(as.Grade) {
		ps.Add(field+".appreciation", maillage.KeyNotInList)
	}
	if (as.Grade == Majeure || as.Grade == Mineure) && strings.TrimSpace(as.Comment) == "" {
		ps.Add(field+".commentaire", "label.assessment.comment_required")
	}
	maillage.CheckText(&ps, field+".commentaire", as.Comment, 5000, true)
	return ps
}

// OpenMajors lists the indicators graded « non-conformité majeure », in the
// programme's order: what the decision page shows before a decision.
func OpenMajors(p *Programme, as []Assessment) []Assessment {
	var out []Assessment
	for _, in := range p.Indicators() {
		for _, a := range as {
			if a.Indicator == in.Code && a.Grade == Majeure {
				out = append(out, a)
			}
		}
	}
	return out
}

// Note is a reviewer's private note on an application: never shown to the
// applicant.
type Note struct {
	ID         int64     `json:"id"`
	AuthorID   int64     `json:"-"`
	AuthorName string    `json:"auteur"`
	Text       string    `json:"texte"`
	CreatedAt  time.Time `json:"cree_le"`
}

// Opinion is a request for an opinion (« avis ») from another reviewer.
// A confidential one is seen by the one who asked and the one asked only.
type Opinion struct {
	ID              int64      `json:"id"`
	RequestedBy     int64      `json:"-"`
	RequestedByName string     `json:"demande_par"`
	ReviewerID      int64      `json:"-"`
	ReviewerName    string     `json:"avis_de"`
	Question        string     `json:"question"`
	Answer          string     `json:"reponse,omitempty"`
	Confidential    bool       `json:"confidentiel"`
	CreatedAt       time.Time  `json:"cree_le"`
	AnsweredAt      *time.Time `json:"repondu_le,omitempty"`
	RemindedAt      *time.Time `json:"relance_le,omitempty"`
}

// SeenBy is the one rule of an opinion's visibility: reviewers of the
// programme only (never the applicant), and for a confidential one the
// reviewer who asked, the one asked and administrators.
func (o *Opinion) SeenBy(u *maillage.User, reviewer bool) bool {
	if !reviewer || u == nil {
		return false
	}
	return !o.Confidential || u.ID == o.RequestedBy || u.ID == o.ReviewerID || u.Has(maillage.RoleAdministrateur)
}

// CheckAnswer is the one rule of answering an opinion: by the reviewer
// asked, once (an answer is part of the review's record, never rewritten).
func (o *Opinion) CheckAnswer(u *maillage.User) error {
	switch {
	case u == nil || u.ID != o.ReviewerID:
		return maillage.Errorf(maillage.EFORBIDDEN, "label.opinion.not_yours")
	case o.AnsweredAt != nil:
		return maillage.Errorf(maillage.ECONFLICT, "label.opinion.answered")
	}
	return nil
}

// OpinionReminderAfter is how long an unanswered opinion waits before the
// reviewer asked is reminded (again).
const OpinionReminderAfter = 7 * 24 * time.Hour

// OpinionReminderDue reports whether an unanswered opinion should be
// reminded now.
func (o *Opinion) ReminderDue(now time.Time) bool {
	if o.AnsweredAt != nil {
		return false
	}
	last := o.CreatedAt
	if o.RemindedAt != nil {
		last = *o.RemindedAt
	}
	return now.Sub(last) >= OpinionReminderAfter
}

// OpinionRemindByHandAfter is how long after the request, or the last
// reminder, the reviewer asked may be reminded by hand (« Relancer »):
// each reminder is a mail.
const OpinionRemindByHandAfter = 24 * time.Hour

// CanRemind reports whether an unanswered opinion may be reminded by hand
// now.
func (o *Opinion) CanRemind(now time.Time) bool {
	last := o.CreatedAt
	if o.RemindedAt != nil {
		last = *o.RemindedAt
	}
	return o.AnsweredAt == nil && now.Sub(last) >= OpinionRemindByHandAfter
}

// Message is a message between the reviewers and the applicant, with
// attachments; both sides see it.
type Message struct {
	ID           int64      `json:"id"`
	AuthorID     int64      `json:"-"`
	AuthorName   string     `json:"auteur"`
	FromReviewer bool       `json:"de_l_instruction"`
	Text         string     `json:"texte"`
	CreatedAt    time.Time  `json:"cree_le"`
	Files        []Evidence `json:"pieces"`
}

// CheckText is the rule of a note, a question, an answer or a message:
// required, at most 5,000 characters.
func CheckText(field, text string) maillage.Problems {
	var ps maillage.Problems
	if strings.TrimSpace(text) == "" {
		ps.Add(field, maillage.KeyRequired)
	}
	maillage.CheckText(&ps, field, text, 5000, true)
	return ps
}

// Tabs of the reviewers' queue, after Démarches Simplifiées.
const (
	TabToFollow = "a_suivre" // submitted, followed by nobody
	TabFollowed = "suivis"   // followed by me, not decided
	TabTreated  = "traites"  // decided
	TabAll      = "tous"     // everything I may see
)

// Tabs lists the tabs in display order (names: "label.tab.<tab>").
var Tabs = []string{TabToFollow, TabFollowed, TabTreated, TabAll}

// Sorts of the queue.
const (
	SortAge = "anciennete" // oldest deposit first
	SortDue = "echeance"   // nearest due date first
)

// Sorts lists the sorts (names: "label.sort.<sort>").
var Sorts = []string{SortAge, SortDue}

// Filter selects applications in a reviewer's queue.
type Filter struct {
	Viewer *maillage.User
	Tab    string
	// Programme, State and Departement narrow the list ("" for all).
	Programme   string
	State       string
	Departement string
	// Query is text searched in the applications the viewer may see
	// (the restricted search index); IDs is what the search found.
	Query   string
	IDs     []int64
	HasIDs  bool
	Sort    string
	Offset  int
	Limit   int
	AllIDs  bool // return the ids of every match (bulk actions across pages)
	Applies bool // the applicant's own applications instead (Viewer is the applicant)
}

// Normalize bounds a filter.
func (f *Filter) Normalize() {
	if !slices.Contains(Tabs, f.Tab) {
		f.Tab = TabToFollow
	}
	if !slices.Contains(Sorts, f.Sort) {
		f.Sort = SortAge
	}
	if f.State != "" && !slices.Contains(States, f.State) {
		f.State = ""
	}
	// The filter comes from a query string: a programme or a département
	// that is no code (a NUL, a quote) filters nothing and never reaches
	// the SQL.
	if f.Programme != "" && !programmeCode.MatchString(f.Programme) {
		f.Programme = ""
	}
	if f.Departement != "" && !maillage.IsDepartementCode(f.Departement) {
		f.Departement = ""
	}
	if f.Limit <= 0 || f.Limit > 100 {
		f.Limit = 25
	}
	if f.Offset < 0 {
		f.Offset = 0
	}
	f.Query = strings.TrimSpace(maillage.StripControl(f.Query))
	if r := []rune(f.Query); len(r) > 200 {
		f.Query = string(r[:200])
	}
}

// Bulk actions on several applications at once.
const (
	BulkAssign      = "assigner"
	BulkInstruction = "instruire"
	BulkClassee     = "classer"
	BulkRefuse      = "refuser"
)

// BulkActions lists them (names: "label.bulk.<action>").
var BulkActions = []string{BulkAssign, BulkInstruction, BulkClassee, BulkRefuse}

// BulkTarget is the state a bulk action moves to ("" for assignment).
func BulkTarget(action string) string {
	switch action {
	case BulkInstruction:
		return EnInstruction
	case BulkClassee:
		return ClasseeSansSuite
	case BulkRefuse:
		return Refusee
	}
	return ""
}

// BulkResult says what a bulk action did.
type BulkResult struct {
	Done    int
	Skipped []BulkSkip // applications left as they were, with why
}

// BulkSkip is one application a bulk action left alone.
type BulkSkip struct {
	ID  int64
	Key string // catalogue key of the reason
}

// Label is a label granted to a structure by an accepted application.
type Label struct {
	ID               int64      `json:"id"`
	StructureID      int64      `json:"structure_id"`
	StructureNom     string     `json:"structure_nom"`
	ApplicationID    int64      `json:"dossier_id"`
	ProgrammeCode    string     `json:"programme"`
	ProgrammeTitle   string     `json:"programme_titre"`
	Status           string     `json:"statut"`
	StartsOn         time.Time  `json:"debut"`
	ExpiresOn        time.Time  `json:"fin"`
	WithdrawnAt      *time.Time `json:"retire_le,omitempty"`
	WithdrawalReason string     `json:"motif_retrait,omitempty"`
	Commune          string     `json:"commune,omitempty"`
	CodeDepartement  string     `json:"code_departement,omitempty"`
	CodeRegion       string     `json:"code_region,omitempty"`
	Latitude         *float64   `json:"latitude,omitempty"`
	Longitude        *float64   `json:"longitude,omitempty"`
}

// Active reports whether the label is valid on day now.
func (l *Label) Active(now time.Time) bool {
	today := maillage.Today(now)
	return l.Status == LabelActif && !today.Before(l.StartsOn) && today.Before(l.ExpiresOn)
}

// Validity returns the first day and the day after the last day of a label
// granted at decided (a day in Paris, stored as UTC midnight).
func Validity(decided time.Time, years int) (start, end time.Time) {
	start = maillage.Today(decided)
	return start, start.AddDate(years, 0, 0)
}

// ReminderDue returns the reminder to send now for a label expiring on
// expires, given the days-before-expiry thresholds (largest first) and the
// thresholds already sent: the smallest threshold crossed and not sent.
// Crossing several at once (the worker was down) sends one reminder.
func ReminderDue(now, expires time.Time, thresholds, sent []int) (int, bool) {
	left := DaysLeft(now, expires)
	if left < 0 {
		return 0, false
	}
	due, ok := 0, false
	for _, t := range thresholds {
		if left <= t {
			due, ok = t, true
		}
	}
	if !ok {
		return 0, false
	}
	for _, s := range sent {
		if s <= due {
			return 0, false
		}
	}
	return due, true
}

// RenewalOpensBefore is how long before its expiry a label can be renewed.
const RenewalOpensBefore = 180 * 24 * time.Hour

// CanRenew reports whether a label may be renewed on now: from six months
// before its expiry, and after (an expired label is renewed too); not a
// withdrawn one.
func (l *Label) CanRenew(now time.Time) bool {
	return l.Status == LabelActif && !maillage.Today(now).Before(l.ExpiresOn.Add(-RenewalOpensBefore))
}

// CheckWithdrawal is the rule of a withdrawal: a reason is required.
func CheckWithdrawal(reason string) error {
	var ps maillage.Problems
	if strings.TrimSpace(reason) == "" {
		ps.Add("motif", "label.withdraw.reason_required")
	}
	maillage.CheckText(&ps, "motif", reason, 2000, true)
	return ps.Err()
}

// RegisterText is how a label is written in the national data of places
// (autres_formations_labels): the programme's title and the last day.
func RegisterText(title string, expires time.Time) string {
	last := expires.AddDate(0, 0, -1)
	return fmt.Sprintf("%s (jusqu'au %02d/%02d/%d)", title, last.Day(), int(last.Month()), last.Year())
}
