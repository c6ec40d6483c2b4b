package recruiting_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"maillage/internal/maillage"
	"maillage/internal/recruiting"
)

var now = time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)

func intp(n int) *int { return &n }

var refs = recruiting.OfferRefs{
	Communes: map[string]bool{"69123": true, "69266": true},
	Titles:   map[string]bool{"MN": true, "REMN": true, "REMN/REMN-B1": true, "REMN/REMN-B2": true, "REMN/REMN-B3": true},
}

// validInput is an offer every rule accepts.
func validInput() recruiting.OfferInput {
	return recruiting.OfferInput{
		StructureID: 7, TitleFeminine: "Médiatrice numérique", TitleMasculine: "Médiateur numérique",
		Description: "Ateliers et accompagnement individuel.", CodeInsee: "69123", Contract: recruiting.ContractCDD,
		DurationMonths: 12, HoursPerWeek: 35, StartOn: "2027-01-04", ClosesOn: "2026-12-20",
		Salary: &recruiting.Salary{Min: intp(1900), Max: intp(2200), Period: recruiting.PeriodMonth},
		Wants:  []recruiting.Want{{Ref: "REMN/REMN-B1", Required: true}, {Ref: "MN"}},
	}
}

// TestOfferValidate: each bad input gets its message on its field (the
// field path is the name of the form's input and the JSON path of the API).
func TestOfferValidate(t *testing.T) {
	for _, tt := range []struct {
		name   string
		change func(in *recruiting.OfferInput)
		want   map[string]string // field → key
	}{
		{"valid", func(*recruiting.OfferInput) {}, map[string]string{}},
		{"closing day today is still valid", func(in *recruiting.OfferInput) { in.ClosesOn = "2026-12-03" }, map[string]string{}},
		{"closing date in the past", func(in *recruiting.OfferInput) { in.ClosesOn = "2026-12-02" },
			map[string]string{"closes_on": "recruiting.offer.closes.past"}},
		{"closing date too far", func(in *recruiting.OfferInput) { in.ClosesOn = "2028-01-01" },
			map[string]string{"closes_on": "recruiting.offer.closes.far"}},
		{"closing date missing", func(in *recruiting.OfferInput) { in.ClosesOn = "" },
			map[string]string{"closes_on": "recruiting.offer.closes.required"}},
		{"dates not in ISO form", func(in *recruiting.OfferInput) { in.ClosesOn, in.StartOn = "20/12/2026", "demain" },
			map[string]string{"closes_on": recruiting.KeyDay, "start_on": recruiting.KeyDay}},
		{"salary min above max", func(in *recruiting.OfferInput) { in.Salary.Min, in.Salary.Max = intp(2500), intp(2000) },
			map[string]string{"salary.min": "recruiting.offer.salary.order"}},
		{"salary without period", func(in *recruiting.OfferInput) { in.Salary.Period = "" },
			map[string]string{"salary.period": "recruiting.offer.salary.period"}},
		{"negative salary", func(in *recruiting.OfferInput) { in.Salary.Max = intp(-1); in.Salary.Min = nil },
			map[string]string{"salary.max": "recruiting.offer.salary.range"}},
		{"no salary is fine", func(in *recruiting.OfferInput) { in.Salary = &recruiting.Salary{} }, map[string]string{}},
		{"CDD without duration", func(in *recruiting.OfferInput) { in.DurationMonths = 0 },
			map[string]string{"duration_months": "recruiting.offer.duration.required"}},
		{"CDI with a duration", func(in *recruiting.OfferInput) { in.Contract = recruiting.ContractCDI },
			map[string]string{"duration_months": "recruiting.offer.duration.cdi"}},
		{"civic service of 3 months", func(in *recruiting.OfferInput) {
			in.Contract, in.DurationMonths = recruiting.ContractServiceCivique, 3
		}, map[string]string{"duration_months": "recruiting.offer.duration.civique"}},
		{"unknown contract", func(in *recruiting.OfferInput) { in.Contract = "interim" },
			map[string]string{"contract": "recruiting.offer.contract.invalid"}},
		{"no hours", func(in *recruiting.OfferInput) { in.HoursPerWeek = 0 },
			map[string]string{"hours_per_week": "recruiting.offer.hours.range"}},
		{"no commune on site", func(in *recruiting.OfferInput) { in.CodeInsee = "" },
			map[string]string{"code_insee": "recruiting.offer.commune.required"}},
		{"no commune, fully remote", func(in *recruiting.OfferInput) { in.CodeInsee, in.Remote = "", recruiting.RemoteFull }, map[string]string{}},
		{"unknown commune", func(in *recruiting.OfferInput) { in.CodeInsee = "99999" },
			map[string]string{"code_insee": "recruiting.offer.commune.unknown"}},
		{"unknown remote share", func(in *recruiting.OfferInput) { in.Remote = "souvent" },
			map[string]string{"remote": "error.field.not_in_list"}},
		{"titles missing", func(in *recruiting.OfferInput) { in.TitleFeminine, in.TitleMasculine = "", "" },
			map[string]string{"title_feminine": "error.field.required", "title_masculine": "error.field.required"}},
		{"title too long", func(in *recruiting.OfferInput) { in.TitleMasculine = strings.Repeat("é", 121) },
			map[string]string{"title_masculine": "error.field.too_long"}},
		{"control character", func(in *recruiting.OfferInput) { in.Description = "a\x00b" },
			map[string]string{"description": "error.field.control"}},
		{"unknown bloc", func(in *recruiting.OfferInput) { in.Wants = append(in.Wants, recruiting.Want{Ref: "REMN/REMN-B9"}) },
			map[string]string{"wants.REMN/REMN-B9": "recruiting.offer.want.unknown"}},
		{"bloc twice", func(in *recruiting.OfferInput) {
			in.Wants = append(in.Wants, recruiting.Want{Ref: "MN", Required: true})
		},
			map[string]string{"wants.MN": "recruiting.offer.want.twice"}},
		{"application address not a web address", func(in *recruiting.OfferInput) { in.ApplyURL = "javascript:alert(1)" },
			map[string]string{"apply_url": "recruiting.offer.apply_url.invalid"}},
		{"no structure", func(in *recruiting.OfferInput) { in.StructureID = 0 },
			map[string]string{"structure_id": "error.field.required"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			in := validInput()
			tt.change(&in)
			in.Normalize()
			got := map[string]string{}
			for _, p := range in.Validate(now, refs) {
				got[p.Field] = p.Key
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("problems (-want +got):\n%s", diff)
			}
		})
	}
}

// TestOfferDatesAndTitle: dates read back, both forms of the title.
func TestOfferDatesAndTitle(t *testing.T) {
	in := validInput()
	start, closes := in.Dates()
	if start == nil || start.Format(recruiting.DateLayout) != "2027-01-04" || closes.Format(recruiting.DateLayout) != "2026-12-20" {
		t.Fatalf("dates: %v %v", start, closes)
	}
	o := &recruiting.Offer{TitleFeminine: "Médiatrice numérique", TitleMasculine: "Médiateur numérique", Status: recruiting.OfferPublished, ClosesOn: closes}
	if o.Title() != "Médiatrice numérique / Médiateur numérique" {
		t.Errorf("title %q", o.Title())
	}
	if recruiting.BothForms("Volontaire", "Volontaire") != "Volontaire" {
		t.Error("one form when both are the same")
	}
	// Open until the end of its closing day in Paris (23:30 UTC on the
	// 20th is the 21st in Paris).
	if !o.Open(time.Date(2026, 12, 20, 22, 30, 0, 0, time.UTC)) || o.Open(time.Date(2026, 12, 20, 23, 30, 0, 0, time.UTC)) {
		t.Error("open until the end of the closing day, Paris time")
	}
	back := o.Input()
	if back.ClosesOn != "2026-12-20" {
		t.Errorf("input of an offer: %+v", back)
	}
}

// TestEmploys: only an employer of the structure edits its offers — a
// referent of an employer structure, or a member holding the employer role
// for it (or unscoped).
func TestEmploys(t *testing.T) {
	employer := &maillage.Structure{ID: 7, Roles: []maillage.StructureRole{maillage.StructureLieu, maillage.StructureEmployeur}}
	placeOnly := &maillage.Structure{ID: 8, Roles: []maillage.StructureRole{maillage.StructureLieu}}
	ended := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	member := func(s *maillage.Structure, uid int64, role string, end *time.Time) *maillage.Structure {
		c := *s
		c.Members = []maillage.Member{{UserID: uid, Role: role, EndedOn: end}}
		return &c
	}
	grant := func(uid int64, gs ...maillage.RoleGrant) *maillage.User { return &maillage.User{ID: uid, Grants: gs} }
	employerRole := maillage.RoleGrant{Role: maillage.RoleEmployeur}
	scoped := func(v string) maillage.RoleGrant {
		return maillage.RoleGrant{Role: maillage.RoleEmployeur, ScopeKind: maillage.ScopeStructure, ScopeValue: v}
	}
	admin := maillage.RoleGrant{Role: maillage.RoleAdministrateur}
	for _, tt := range []struct {
		name string
		u    *maillage.User
		s    *maillage.Structure
		want bool
	}{
		{"referent of an employer structure", grant(1), member(employer, 1, maillage.MemberReferent, nil), true},
		{"salaried member with the employer role", grant(1, employerRole), member(employer, 1, maillage.MemberSalarie, nil), true},
		{"member with the employer role scoped to it", grant(1, scoped("7")), member(employer, 1, maillage.MemberMediateur, nil), true},
		{"member with the employer role of another structure", grant(1, scoped("9")), member(employer, 1, maillage.MemberSalarie, nil), false},
		{"salaried member without the role", grant(1), member(employer, 1, maillage.MemberSalarie, nil), false},
		{"employer role, not a member", grant(1, employerRole), member(employer, 2, maillage.MemberReferent, nil), false},
		{"former referent", grant(1, employerRole), member(employer, 1, maillage.MemberReferent, &ended), false},
		{"referent of a structure that is not an employer", grant(1, employerRole), member(placeOnly, 1, maillage.MemberReferent, nil), false},
		{"administrator, not a member", grant(1, admin), member(employer, 2, maillage.MemberReferent, nil), false},
		{"anonymous", nil, member(employer, 1, maillage.MemberReferent, nil), false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := recruiting.Employs(tt.u, tt.s); got != tt.want {
				t.Errorf("Employs = %v, want %v", got, tt.want)
			}
			o := &recruiting.Offer{StructureID: tt.s.ID}
			if got := o.CanEdit(tt.u, tt.s); got != tt.want {
				t.Errorf("CanEdit = %v, want %v", got, tt.want)
			}
			other := &recruiting.Offer{StructureID: 99}
			if other.CanEdit(tt.u, tt.s) {
				t.Error("CanEdit with another structure than the offer's")
			}
		})
	}
}
