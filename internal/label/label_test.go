package label_test

import (
	"bytes"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"maillage/content"
	"maillage/internal/label"
	"maillage/internal/maillage"
)

// TestMachineEveryPair: the machine allows exactly the listed moves.
func TestMachineEveryPair(t *testing.T) {
	allowed := map[[2]string]bool{
		{label.Brouillon, label.Deposee}:              true,
		{label.Deposee, label.EnInstruction}:          true,
		{label.EnInstruction, label.Correction}:       true,
		{label.EnInstruction, label.Acceptee}:         true,
		{label.EnInstruction, label.Refusee}:          true,
		{label.EnInstruction, label.ClasseeSansSuite}: true,
		{label.Correction, label.EnInstruction}:       true,
		{label.Correction, label.ClasseeSansSuite}:    true,
		{label.Acceptee, label.EnInstruction}:         true,
		{label.Refusee, label.EnInstruction}:          true,
		{label.ClasseeSansSuite, label.EnInstruction}: true,
	}
	for _, from := range label.States {
		for _, to := range label.States {
			want := allowed[[2]string{from, to}]
			if got := label.Machine.Can(from, to); got != want {
				t.Errorf("Can(%s, %s) = %v, want %v", from, to, got, want)
			}
			err := label.Machine.Check(from, to)
			if (err == nil) != want || (err != nil && maillage.ErrorCode(err) != maillage.ECONFLICT) {
				t.Errorf("Check(%s, %s) = %v", from, to, err)
			}
		}
	}
	for _, to := range label.States {
		if label.LabelMachine.Can(label.LabelRetire, to) {
			t.Errorf("a withdrawn label moves to %s", to)
		}
	}
}

// TestDecisionNeedsMotivation: every decision, reopening and request for
// corrections needs a motivation; deposit and instruction do not.
func TestDecisionNeedsMotivation(t *testing.T) {
	for _, tc := range []struct {
		from, to string
		need     bool
	}{
		{label.EnInstruction, label.Acceptee, true},
		{label.EnInstruction, label.Refusee, true},
		{label.EnInstruction, label.ClasseeSansSuite, true},
		{label.Correction, label.ClasseeSansSuite, true},
		{label.EnInstruction, label.Correction, true},
		{label.Acceptee, label.EnInstruction, true},
		{label.Brouillon, label.Deposee, false},
		{label.Deposee, label.EnInstruction, false},
		{label.Correction, label.EnInstruction, false},
	} {
		for _, m := range []string{"", "   \n "} {
			err := label.CheckMove(tc.from, tc.to, m)
			if tc.need {
				if maillage.ErrorProblems(err).Key("motivation") != "label.motivation.required" {
					t.Errorf("%s → %s without motivation: %v", tc.from, tc.to, err)
				}
			} else if err != nil {
				t.Errorf("%s → %s: %v", tc.from, tc.to, err)
			}
		}
		if err := label.CheckMove(tc.from, tc.to, "Dossier complet, critères remplis."); err != nil {
			t.Errorf("%s → %s with a motivation: %v", tc.from, tc.to, err)
		}
	}
	if err := label.CheckMove(label.Brouillon, label.Acceptee, "oui"); maillage.ErrorCode(err) != maillage.ECONFLICT {
		t.Errorf("brouillon → acceptee: %v", err)
	}
}

func mustProgramme(t *testing.T) *label.Programme {
	t.Helper()
	ps, err := label.LoadProgrammes(content.FS(), "labels")
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 1 {
		t.Fatalf("%d programmes in content/labels", len(ps))
	}
	return ps[0]
}

// TestShippedProgramme: the programme of places covers the themes of the
// label, each indicator with its evidence, and is valid.
func TestShippedProgramme(t *testing.T) {
	p := mustProgramme(t)
	if p.Code != "lieu-mediation-numerique" || p.Version != 1 || p.ValidityYears() != 3 || p.DueDays != 60 || len(p.SHA256) != 64 {
		t.Errorf("programme = %s v%d, %d years, %d days, sha %q", p.Code, p.Version, p.ValidityYears(), p.DueDays, p.SHA256)
	}
	var titles []string
	for _, c := range p.Criteria {
		titles = append(titles, c.Title)
	}
	all := strings.ToLower(strings.Join(titles, " | "))
	for _, theme := range []string{"accessibilité", "faire avec", "données", "charte de l'aidant", "formée", "partenariats", "pix", "handicap"} {
		if !strings.Contains(all, theme) {
			t.Errorf("no criterion about %q in %s", theme, all)
		}
	}
	if n := len(p.Indicators()); n < 14 {
		t.Errorf("%d indicators", n)
	}
	// Kinds: a fixed place answers 1.2 (premises), not 1.3 (itinerant stops).
	fixed := &maillage.Structure{Roles: []maillage.StructureRole{maillage.StructureLieu}, Lieu: maillage.Lieu{Itinerance: []string{"Fixe"}}}
	mobile := &maillage.Structure{Roles: []maillage.StructureRole{maillage.StructureLieu}, Lieu: maillage.Lieu{Itinerance: []string{"Itinérant"}}}
	i12, _ := p.Indicator("1.2")
	i13, _ := p.Indicator("1.3")
	if !i12.AppliesTo(label.KindsOf(fixed)) || i13.AppliesTo(label.KindsOf(fixed)) || i12.AppliesTo(label.KindsOf(mobile)) || !i13.AppliesTo(label.KindsOf(mobile)) {
		t.Error("kinds of structure are not applied")
	}
	employer := &maillage.Structure{Roles: []maillage.StructureRole{maillage.StructureEmployeur}}
	if !p.Eligible(fixed) || p.Eligible(employer) {
		t.Error("eligibility")
	}
	i11, _ := p.Indicator("1.1")
	if got := i11.PrefillFrom(&maillage.Structure{Lieu: maillage.Lieu{Horaires: "Mo-Fr 09:00-17:00"}}); got != "Mo-Fr 09:00-17:00" {
		t.Errorf("prefill = %q", got)
	}
}

// TestSecondProgrammeNeedsNoCode: a second programme is one more file.
func TestSecondProgrammeNeedsNoCode(t *testing.T) {
	ps, err := label.LoadProgrammes(os.DirFS("testdata"), "programmes")
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 1 {
		t.Fatalf("%d programmes", len(ps))
	}
	p := ps[0]
	if p.Code != "tiers-lieu-numerique" || p.Version != 2 || p.ValidityYears() != 2 || len(p.Indicators()) != 2 || !slices.Equal(p.ReminderDays(), []int{90, 30}) {
		t.Errorf("programme = %+v", p)
	}
	hub := &maillage.Structure{Roles: []maillage.StructureRole{maillage.StructureHub}}
	if !p.Eligible(hub) {
		t.Error("a hub may apply to the second programme")
	}
	// A programme that breaks the rules is refused with where and why.
	for name, body := range map[string]string{
		"unknown field": "code: x\nversion: 1\ninconnu: 1\n",
		"no evidence":   strings.Replace(readFixture(t), `preuves: "Planning."`, `preuves: ""`, 1),
		"bad kind":      strings.Replace(readFixture(t), "[lieu, hub]", "[lieu, gare]", 1),
		"twice a code":  strings.Replace(readFixture(t), `code: "A.2"`, `code: "A.1"`, 1),
	} {
		if _, err := label.ParseProgramme(name+".yaml", []byte(body)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func readFixture(t *testing.T) string {
	b, err := os.ReadFile("testdata/programmes/tiers-lieu-numerique.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestConflictOfInterest: the applicant, a member of the structure, a
// member of the same legal entity (SIREN) or a declared tie cannot review.
func TestConflictOfInterest(t *testing.T) {
	a := &label.Application{StructureID: 10, ApplicantID: 1}
	pivot := "13002526500013"
	for _, tc := range []struct {
		name     string
		reviewer int64
		ties     []label.Tie
		want     bool
	}{
		{"the applicant", 1, nil, true},
		{"a member", 2, []label.Tie{{StructureID: 10, Pivot: pivot}}, true},
		{"same legal entity", 3, []label.Tie{{StructureID: 11, Pivot: "13002526500021"}}, true},
		{"declared tie", 4, []label.Tie{{StructureID: 10}}, true},
		{"another structure", 5, []label.Tie{{StructureID: 12, Pivot: "40483304800022"}}, false},
		{"an association", 6, []label.Tie{{StructureID: 13, Pivot: "W751212517"}}, false},
		{"no tie", 7, nil, false},
	} {
		if got := label.Conflict(tc.reviewer, a, pivot, tc.ties); got != tc.want {
			t.Errorf("%s: conflict = %v, want %v", tc.name, got, tc.want)
		}
	}
}

// TestReviewerScope: a reviewer of programme A does not review B; drafts
// are never seen by reviewers.
func TestReviewerScope(t *testing.T) {
	u := &maillage.User{ID: 5, Grants: []maillage.RoleGrant{{Role: maillage.RoleInstructeur, ScopeKind: maillage.ScopeProgramme, ScopeValue: "a"}}}
	admin := &maillage.User{ID: 6, Grants: []maillage.RoleGrant{{Role: maillage.RoleAdministrateur}}}
	for _, tc := range []struct {
		u     *maillage.User
		prog  string
		state string
		want  bool
	}{
		{u, "a", label.Deposee, true}, {u, "b", label.Deposee, false}, {u, "a", label.Brouillon, false},
		{admin, "b", label.EnInstruction, true}, {admin, "b", label.Brouillon, false}, {nil, "a", label.Deposee, false},
	} {
		if got := label.ReviewerSees(tc.u, &label.Application{ProgrammeCode: tc.prog, State: tc.state}); got != tc.want {
			t.Errorf("%v sees %s/%s = %v", tc.u, tc.prog, tc.state, got)
		}
	}
	codes, all := label.ReviewedProgrammes(u)
	if all || !slices.Equal(codes, []string{"a"}) {
		t.Errorf("programmes = %v %v", codes, all)
	}
}

// TestOpinionVisibility: never the applicant; a confidential opinion is
// seen by the two reviewers concerned and administrators only.
func TestOpinionVisibility(t *testing.T) {
	o := &label.Opinion{RequestedBy: 1, ReviewerID: 2, Confidential: true}
	other := &maillage.User{ID: 3}
	if !o.SeenBy(&maillage.User{ID: 1}, true) || !o.SeenBy(&maillage.User{ID: 2}, true) || o.SeenBy(other, true) {
		t.Error("confidential opinion")
	}
	if o.SeenBy(&maillage.User{ID: 1}, false) {
		t.Error("an applicant sees an opinion")
	}
	o.Confidential = false
	if !o.SeenBy(other, true) || o.SeenBy(other, false) {
		t.Error("open opinion")
	}
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	o.CreatedAt = now.Add(-8 * 24 * time.Hour)
	if !o.ReminderDue(now) {
		t.Error("an 8-day-old opinion is not reminded")
	}
	r := now.Add(-time.Hour)
	o.RemindedAt = &r
	if o.ReminderDue(now) {
		t.Error("reminded an hour ago, reminded again")
	}
}

// TestFrozenRevisionsAndDiff: a submitted revision is frozen; the diff
// names what changed, text and files.
func TestFrozenRevisionsAndDiff(t *testing.T) {
	p := mustProgramme(t)
	sub := time.Now()
	prev := &label.Revision{Number: 1, SubmittedAt: &sub, Answers: map[string]string{"1.1": "Du lundi au vendredi.", "2.1": "Nous faisons avec."},
		Files: []label.Evidence{{Indicator: "1.1", Name: "horaires.pdf", SHA256: "a"}, {Indicator: "3.1", Name: "charte.pdf", SHA256: "b"}}}
	cur := &label.Revision{Number: 2, Answers: map[string]string{"1.1": "Du lundi au samedi.", "2.1": "Nous faisons avec."},
		Files: []label.Evidence{{Indicator: "1.1", Name: "horaires.pdf", SHA256: "a"}, {Indicator: "3.1", Name: "charte.pdf", SHA256: "c"}}}
	if !prev.Frozen() || cur.Frozen() {
		t.Error("frozen")
	}
	changes := label.Diff(p, prev, cur)
	var got []string
	for _, c := range changes {
		got = append(got, c.Indicator)
	}
	if diff := cmp.Diff([]string{"1.1", "3.1"}, got); diff != "" {
		t.Fatalf("changed indicators (-want +got):\n%s", diff)
	}
	var del, ins string
	for _, op := range changes[0].Ops {
		switch op.Kind {
		case "delete":
			del += op.Text
		case "insert":
			ins += op.Text
		}
	}
	if !strings.Contains(del, "vendredi") || !strings.Contains(ins, "samedi") {
		t.Errorf("ops = %+v", changes[0].Ops)
	}
	if !slices.Equal(changes[1].FilesAdded, []string{"charte.pdf"}) || !slices.Equal(changes[1].FilesRemoved, []string{"charte.pdf"}) {
		t.Errorf("files = %+v", changes[1])
	}
	// Completeness: every indicator that applies needs an answer.
	fixed := label.KindsOf(&maillage.Structure{Roles: []maillage.StructureRole{maillage.StructureLieu}})
	ps := label.CheckComplete(p, fixed, cur)
	if ps.Key("reponses.1.1") != "" || ps.Key("reponses.1.2") != "label.answer.required" || ps.Key("reponses.1.3") != "" || ps.Key("reponses.3.1") != "" {
		t.Errorf("problems = %v", ps.Fields())
	}
}

// TestLabelLifecycle: three years by default, reminders at 90 and 30 days,
// renewal from six months before, withdrawal needs a reason.
func TestLabelLifecycle(t *testing.T) {
	decided := time.Date(2026, 12, 3, 23, 30, 0, 0, time.UTC) // 4 December in Paris
	start, end := label.Validity(decided, 3)
	if !start.Equal(time.Date(2026, 12, 4, 0, 0, 0, 0, time.UTC)) || !end.Equal(time.Date(2029, 12, 4, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("validity %v – %v", start, end)
	}
	l := &label.Label{Status: label.LabelActif, StartsOn: start, ExpiresOn: end}
	// Active from the Paris day of the decision: 23:30 UTC is already
	// 4 December there; 22:00 UTC on 3 December is still 3 December.
	if !l.Active(decided) || !l.Active(start) || l.Active(end) || l.Active(start.Add(-2*time.Hour)) || !l.Active(end.Add(-2*time.Hour)) {
		t.Error("active")
	}
	if l.CanRenew(start) || !l.CanRenew(end.AddDate(0, -5, 0)) || !l.CanRenew(end.AddDate(0, 1, 0)) {
		t.Error("renewal window")
	}
	th := []int{90, 30}
	for _, tc := range []struct {
		now  time.Time
		sent []int
		want int
		ok   bool
	}{
		{end.AddDate(0, 0, -120), nil, 0, false},
		{end.AddDate(0, 0, -90), nil, 90, true},
		{end.AddDate(0, 0, -60), []int{90}, 0, false},
		{end.AddDate(0, 0, -20), []int{90}, 30, true},
		{end.AddDate(0, 0, -20), nil, 30, true}, // the worker was down: one reminder
		{end.AddDate(0, 0, -10), []int{90, 30}, 0, false},
		{end.AddDate(0, 0, 1), nil, 0, false},
	} {
		got, ok := label.ReminderDue(tc.now, end, th, tc.sent)
		if got != tc.want || ok != tc.ok {
			t.Errorf("ReminderDue(%v, sent %v) = %d %v, want %d %v", tc.now, tc.sent, got, ok, tc.want, tc.ok)
		}
	}
	l.Status = label.LabelRetire
	if l.CanRenew(end) || l.Active(start) {
		t.Error("a withdrawn label")
	}
	if maillage.ErrorProblems(label.CheckWithdrawal(" ")).Key("motif") != "label.withdraw.reason_required" || label.CheckWithdrawal("Fermeture du lieu.") != nil {
		t.Error("withdrawal reason")
	}
	if got := label.RegisterText("Label X", end); got != "Label X (jusqu'au 03/12/2029)" {
		t.Errorf("register text = %q", got)
	}
	due := label.DueDate(start, 60)
	if label.DaysLeft(start, due) != 60 || label.DaysLeft(due.Add(time.Hour), due) != -1 {
		t.Errorf("days left %d %d", label.DaysLeft(start, due), label.DaysLeft(due.Add(time.Hour), due))
	}
}

// TestEvidenceFiles: the type is sniffed from the content; a lying
// extension, an unknown type, an empty or too big file are refused.
func TestEvidenceFiles(t *testing.T) {
	pdf := []byte("%PDF-1.7\n1 0 obj\n<<>>\nendobj\n")
	png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
	for _, tc := range []struct {
		name string
		size int64
		head []byte
		ct   string
		key  string
	}{
		{"charte.pdf", int64(len(pdf)), pdf, "application/pdf", ""},
		{"photo.PNG", int64(len(png)), png, "image/png", ""},
		{"bilan.txt", 12, []byte("Bilan 2026\n"), "text/plain; charset=utf-8", ""},
		{"charte.pdf", int64(len(png)), png, "", "label.evidence.mismatch"},
		{"script.pdf", 20, []byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00"), "", "label.evidence.type"},
		{"archive.zip", 30, []byte("PK\x03\x04\x14\x00\x00\x00"), "", "label.evidence.type"},
		{"vide.pdf", 0, nil, "", "label.evidence.empty"},
		{"gros.pdf", label.MaxEvidenceSize + 1, pdf, "", "label.evidence.too_big"},
		{"", 10, pdf, "", "label.evidence.name"},
	} {
		ct, ps := label.CheckEvidence("f", tc.name, tc.size, tc.head)
		if ct != tc.ct || ps.Key("f") != tc.key {
			t.Errorf("%s: %q %v, want %q %q", tc.name, ct, ps, tc.ct, tc.key)
		}
	}
}

// TestExportColumnsAndXLSX: private columns for reviewers only; the XLSX
// file reads back with its header and values.
func TestExportColumnsAndXLSX(t *testing.T) {
	if got := label.ExportColumnsFor([]string{"notes", "structure", "inconnue", "id"}, false); !slices.Equal(got, []string{"id", "structure"}) {
		t.Errorf("applicant columns = %v", got)
	}
	if got := label.ExportColumnsFor([]string{"notes", "structure"}, true); !slices.Equal(got, []string{"structure", "notes"}) {
		t.Errorf("reviewer columns = %v", got)
	}
	cols := []string{"id", "structure", "notes"}
	rows := []label.ExportRow{{"id": "1", "structure": "=Espace", "notes": "Visite prévue"}, {"id": "2", "structure": "Médiathèque"}}
	var b bytes.Buffer
	if err := label.WriteXLSX(&b, cols, []string{"N°", "Structure", "Notes"}, rows); err != nil {
		t.Fatal(err)
	}
	got, err := label.ReadXLSX(&b)
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{{"N°", "Structure", "Notes"}, {"1", "=Espace", "Visite prévue"}, {"2", "Médiathèque"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("xlsx (-want +got):\n%s", diff)
	}
	b.Reset()
	if err := label.WriteCSV(&b, cols, []string{"N°", "Structure", "Notes"}, rows); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "'=Espace") {
		t.Errorf("csv = %q", b.String())
	}
}

// TestTeamCharterText: the prefill of « charte_equipe » in words.
func TestTeamCharterText(t *testing.T) {
	day := func(d time.Time) string { return d.Format("2/1/2006") }
	on := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		name string
		in   label.TeamCharter
		want string
	}{
		{"no version in force", label.TeamCharter{Members: 3}, ""},
		{"no member", label.TeamCharter{Version: 2}, "Charte de l'aidant numérique, version 2 en vigueur\u00a0: la structure n'a pas encore de membre sur Maillage."},
		{"nobody signed", label.TeamCharter{Version: 2, Members: 4}, "Charte de l'aidant numérique, version 2 en vigueur\u00a0: aucune des 4 personnes de l'équipe ne l'a encore signée sur Maillage."},
		{"two of three", label.TeamCharter{Version: 1, Members: 3, Signed: []label.TeamSigner{{"Ana", on}, {"Bo", on}}},
			"Charte de l'aidant numérique, version 1 en vigueur\u00a0: 2 personnes de l'équipe sur 3 l'ont signée sur Maillage.\nSignatures\u00a0: Ana (1/12/2026)\u00a0; Bo (1/12/2026)."},
	} {
		if got := tt.in.Text(day); got != tt.want {
			t.Errorf("%s:\n%q\nwant\n%q", tt.name, got, tt.want)
		}
	}
}
