package postgres_test

import (
	"context"
	"testing"

	"maillage/internal/maillage"
	"maillage/internal/postgres"
	"maillage/internal/testenv"
)

func newPlace(pivot string) *maillage.Structure {
	return &maillage.Structure{Roles: []maillage.StructureRole{maillage.StructureLieu}, Lieu: maillage.Lieu{
		Pivot: pivot, Nom: "Espace numérique de la Croix-Rousse", Adresse: "12 rue d'Austerlitz",
		CodePostal: "69004", Commune: "Lyon", CodeInsee: "69123",
		Services: []string{"Aide aux démarches administratives"},
	}}
}

func TestCreateAndClaimStructure(t *testing.T) {
	db := testenv.Get(t).DB(t)
	users, structures := postgres.NewUserService(db), postgres.NewStructureService(db)
	ctx := context.Background()
	a, _ := users.SignInEmail(ctx, "referente@exemple.fr")
	b, _ := users.SignInEmail(ctx, "autre@exemple.fr")

	for _, tt := range []struct{ name, pivot, field string }{
		{"SIRET with a wrong key", "73282932000075", "lieu.pivot"},
		{"placeholder SIRET", "00000000000000", "lieu.pivot"},
		{"not a pivot", "abc", "lieu.pivot"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := structures.CreateStructure(ctx, a.User.ID, newPlace(tt.pivot))
			if !maillage.ErrorProblems(err).Has(tt.field) {
				t.Fatalf("want a message on %s, got %v", tt.field, err)
			}
		})
	}
	noAddress := newPlace("73282932000074")
	noAddress.Lieu.Adresse = ""
	if _, _, err := structures.CreateStructure(ctx, a.User.ID, noAddress); !maillage.ErrorProblems(err).Has("lieu.adresse") {
		t.Fatalf("missing address accepted: %v", err)
	}

	// A real SIRET: created, with its creator as referent, in the right département.
	st, claim, err := structures.CreateStructure(ctx, a.User.ID, newPlace("73282932000074"))
	if err != nil || claim != nil {
		t.Fatalf("create: %v claim=%v", err, claim)
	}
	if st.CodeDepartement != "69" || len(st.Members) != 1 || st.Members[0].Role != maillage.MemberReferent {
		t.Fatalf("created structure: dep %q members %+v", st.CodeDepartement, st.Members)
	}
	// The same pivot again while it has a referent: refused, next to the field.
	if _, _, err := structures.CreateStructure(ctx, b.User.ID, newPlace("73282932000074")); !maillage.ErrorProblems(err).Has("lieu.pivot") {
		t.Fatalf("second creation with the same pivot: %v", err)
	}
	// Only referents edit.
	if _, err := structures.UpdateStructure(ctx, maillage.Viewer{UserID: b.User.ID}, st.ID, newPlace("73282932000074")); maillage.ErrorCode(err) != maillage.EFORBIDDEN {
		t.Fatalf("non-referent edit: %v", err)
	}
	// The referent leaves: a claim can be asked for, but nothing changes
	// until it is granted (issue 10, item 2).
	if _, err := structures.EndMember(ctx, maillage.Viewer{UserID: a.User.ID}, st.Members[0].ID); err != nil {
		t.Fatal(err)
	}
	changed := newPlace("73282932000074")
	changed.Lieu.Nom = "Nom pris par un inconnu"
	got, claim, err := structures.CreateStructure(ctx, b.User.ID, changed)
	if err != nil || claim == nil || got.ID != st.ID || claim.Status != maillage.ClaimPending {
		t.Fatalf("claim: %v claim=%+v id=%d want %d", err, claim, got.ID, st.ID)
	}
	if got.Lieu.Nom == changed.Lieu.Nom || got.IsReferent(b.User.ID) {
		t.Fatalf("a claim changed the structure: %q, referent %v", got.Lieu.Nom, got.IsReferent(b.User.ID))
	}
	if _, err := structures.UpdateStructure(ctx, maillage.Viewer{UserID: b.User.ID}, st.ID, changed); maillage.ErrorCode(err) != maillage.EFORBIDDEN {
		t.Fatalf("a claimant edits before the claim is granted: %v", err)
	}
}
