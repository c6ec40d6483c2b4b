// Package label holds the rules of the quality label of places of digital
// mediation: programmes (criteria → indicators, read from content/labels),
// the application workflow as a state machine (after Démarches
// Simplifiées), the rules of reviewers (« instructeurs »: scope, conflict of
// interest, decisions with a motivation), frozen revisions and their
// differences, the lifecycle of a granted label (expiry, reminders,
// renewal, withdrawal), evidence files and exports. It is pure: no
// database, no clock (now is a parameter).
package label

import (
	"slices"
	"time"
	_ "time/tzdata" // Europe/Paris on machines without a zoneinfo database

	"maillage/internal/maillage"
)

// The states of an application.
const (
	Brouillon        = "brouillon"           // being written by the applicant
	Deposee          = "deposee"             // submitted, waiting for a reviewer
	EnInstruction    = "en_instruction"      // being reviewed
	Correction       = "correction_demandee" // the applicant is asked to correct
	Acceptee         = "acceptee"            // label granted
	Refusee          = "refusee"             // label refused
	ClasseeSansSuite = "classee_sans_suite"  // closed without a decision on the merits
)

// States lists the states in workflow order (names: "label.state.<state>").
var States = []string{Brouillon, Deposee, EnInstruction, Correction, Acceptee, Refusee, ClasseeSansSuite}

// Decisions are the final states; each needs a motivation.
var Decisions = []string{Acceptee, Refusee, ClasseeSansSuite}

// Machine is the workflow of an application: brouillon → deposee →
// en_instruction ⇄ correction_demandee → acceptee | refusee |
// classee_sans_suite; a decision can be reopened (back to en_instruction).
// An application waiting for corrections can also be closed without
// follow-up (the applicant never answered). Every move is recorded with
// its actor, time and motivation (storage: transition()).
var Machine = maillage.Machine{
	Name:   "label_application",
	States: States,
	Next: map[string][]string{
		Brouillon:        {Deposee},
		Deposee:          {EnInstruction},
		EnInstruction:    {Correction, Acceptee, Refusee, ClasseeSansSuite},
		Correction:       {EnInstruction, ClasseeSansSuite},
		Acceptee:         {EnInstruction},
		Refusee:          {EnInstruction},
		ClasseeSansSuite: {EnInstruction},
	},
}

// IsDecision reports whether state is a decision.
func IsDecision(state string) bool { return slices.Contains(Decisions, state) }

// Treated reports whether an application in state is « traitée » (the
// reviewers' tab): decided.
func Treated(state string) bool { return IsDecision(state) }

// The states of a granted label.
const (
	LabelActif    = "actif"    // granted, until its expiry
	LabelRetire   = "retire"   // withdrawn before its expiry (with a reason)
	LabelRemplace = "remplace" // replaced by the label of its renewal
)

// LabelMachine: a granted label is withdrawn with a reason (by a reviewer,
// or because its decision was reopened), or replaced by the label its
// renewal grants. Expiry is a date, not a move.
var LabelMachine = maillage.Machine{
	Name:   "label",
	States: []string{LabelActif, LabelRetire, LabelRemplace},
	Next:   map[string][]string{LabelActif: {LabelRetire, LabelRemplace}},
}

// MoveNeedsMotivation reports whether moving to state to needs a
// motivation: every decision, reopening a decision, a request for
// corrections (it says what to correct). Submitting and starting the
// review do not.
func MoveNeedsMotivation(from, to string) bool {
	return IsDecision(to) || to == Correction || (IsDecision(from) && to == EnInstruction)
}

// CheckMove is the rule of every move of an application: allowed by the
// machine (else ECONFLICT) and, when it needs one, with a motivation of at
// most 5,000 characters (else a problem on "motivation").
func CheckMove(from, to, motivation string) error {
	if err := Machine.Check(from, to); err != nil {
		return err
	}
	var ps maillage.Problems
	if MoveNeedsMotivation(from, to) && len([]rune(trimmed(motivation))) == 0 {
		ps.Add("motivation", "label.motivation.required")
	}
	maillage.CheckText(&ps, "motivation", motivation, 2000, true)
	return ps.Err()
}

// Grades of an indicator by a reviewer.
const (
	Conforme      = "conforme"
	Mineure       = "non_conformite_mineure"
	Majeure       = "non_conformite_majeure"
	NonApplicable = "non_applicable"
)

// Grades lists the grades (names: "label.grade.<grade>").
var Grades = []string{Conforme, Mineure, Majeure, NonApplicable}

// ValidGrade reports whether g is a grade.
func ValidGrade(g string) bool { return slices.Contains(Grades, g) }

// DueDate is when the review of an application deposited at deposit
// should be finished: the programme's delay after the deposit.
func DueDate(deposit time.Time, days int) time.Time {
	if days <= 0 {
		days = DefaultDueDays
	}
	return deposit.AddDate(0, 0, days)
}

// DefaultDueDays is the review delay of a programme that names none (two months).
const DefaultDueDays = 60

// DaysLeft is the number of whole days from now to due (negative when
// late; 0 on the day itself).
func DaysLeft(now, due time.Time) int {
	d := due.Sub(now)
	days := int(d.Hours() / 24)
	if d < 0 && d%(24*time.Hour) != 0 {
		days--
	}
	return days
}

func trimmed(s string) string {
	for len(s) > 0 && (s[0] == ' ' || s[0] == '\n' || s[0] == '\r' || s[0] == '\t') {
		s = s[1:]
	}
	for len(s) > 0 && (s[len(s)-1] == ' ' || s[len(s)-1] == '\n' || s[len(s)-1] == '\r' || s[len(s)-1] == '\t') {
		s = s[:len(s)-1]
	}
	return s
}

// Search types of the capability (internal/search): the applications, in
// an index only reviewers reach, and the public register of labels.
const (
	SearchApplication = "application"
	SearchLabel       = "label"
)
