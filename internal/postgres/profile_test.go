package postgres_test

import (
	"context"
	"encoding/json"
	"testing"

	"maillage/internal/maillage"
	"maillage/internal/postgres"
	"maillage/internal/testenv"
)

func ptr[T any](v T) *T { return &v }

type profileFixture struct {
	users    *postgres.UserService
	profiles *postgres.ProfileService
}

func newProfileFixture(t *testing.T) profileFixture {
	db := testenv.Get(t).DB(t)
	return profileFixture{postgres.NewUserService(db), postgres.NewProfileService(db)}
}

// newFreshProfileFixture works on a database of the test's own, for the
// tests that count people (FreshDB).
func newFreshProfileFixture(t *testing.T) profileFixture {
	db := testenv.Get(t).FreshDB(t)
	return profileFixture{postgres.NewUserService(db), postgres.NewProfileService(db)}
}

// person creates an account and a profile with the given update.
func (f profileFixture) person(t *testing.T, email string, u maillage.ProfileUpdate) (*maillage.User, *maillage.Profile) {
	t.Helper()
	ctx := context.Background()
	out, err := f.users.SignInEmail(ctx, email)
	if err != nil {
		t.Fatal(err)
	}
	if u.Kind == nil {
		u.Kind = ptr(maillage.KindConseiller)
	}
	if u.DisplayName == nil {
		u.DisplayName = ptr("Personne " + email)
	}
	p, err := f.profiles.SaveProfile(ctx, out.User.ID, u)
	if err != nil {
		t.Fatal(err)
	}
	return out.User, p
}

// TestVisibility: a field is shown only to who may see it, through the one
// ViewFor, in reads and in listings.
func TestVisibility(t *testing.T) {
	f := newFreshProfileFixture(t) // counts the people of the Rhône
	ctx := context.Background()
	owner, p := f.person(t, "visible@exemple.fr", maillage.ProfileUpdate{
		Bio: ptr("Bio secrète xyzzy"), Commune: ptr("69123"), PixLevel: ptr(ptr(5)),
		Competences: &[]maillage.ProfileCompetence{{Code: "1.1", Level: 4}},
		Visibility: map[string]maillage.Visibility{
			maillage.FieldProfile: maillage.VisPublic, maillage.FieldBio: maillage.VisPrivate,
			maillage.FieldCompetences: maillage.VisMembers, maillage.FieldPix: maillage.VisPublic,
		},
	})
	member, _ := f.person(t, "membre@exemple.fr", maillage.ProfileUpdate{})
	tests := []struct {
		name                      string
		viewer                    maillage.Viewer
		bio, competences, commune bool
	}{
		{"anonymous", maillage.Anonymous, false, false, true},
		{"member", maillage.Viewer{UserID: member.ID}, false, true, true},
		{"owner", maillage.Viewer{UserID: owner.ID}, true, true, true},
		// Private means « vous seul »: not even an administrator (issue 10, item 6).
		{"admin", maillage.Viewer{UserID: member.ID, Admin: true}, false, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := f.profiles.FindProfileByID(ctx, tt.viewer, p.ID)
			if err != nil {
				t.Fatal(err)
			}
			if (got.Bio != "") != tt.bio || (len(got.Competences) > 0) != tt.competences || (got.Commune != "") != tt.commune {
				t.Fatalf("bio=%q competences=%v commune=%q", got.Bio, got.Competences, got.Commune)
			}
			if got.PixLevel == nil || *got.PixLevel != 5 {
				t.Fatalf("public pix level hidden: %v", got.PixLevel)
			}
			list, _, err := f.profiles.FindProfiles(ctx, maillage.ProfileFilter{Viewer: tt.viewer, CodeDepartement: "69"})
			if err != nil {
				t.Fatal(err)
			}
			for _, x := range list {
				if x.ID == p.ID && (x.Bio != "") != tt.bio {
					t.Fatalf("listing leaks or hides the bio: %q", x.Bio)
				}
			}
		})
	}

	// The whole profile made private: gone for others, everywhere.
	if _, err := f.profiles.SaveProfile(ctx, owner.ID, maillage.ProfileUpdate{Visibility: map[string]maillage.Visibility{maillage.FieldProfile: maillage.VisPrivate}}); err != nil {
		t.Fatal(err)
	}
	for _, v := range []maillage.Viewer{maillage.Anonymous, {UserID: member.ID}} {
		if _, err := f.profiles.FindProfileByID(ctx, v, p.ID); maillage.ErrorCode(err) != maillage.ENOTFOUND {
			t.Fatalf("private profile seen by %+v: %v", v, err)
		}
		list, n, err := f.profiles.FindProfiles(ctx, maillage.ProfileFilter{Viewer: v})
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range list {
			if x.ID == p.ID {
				t.Fatalf("private profile listed for %+v (total %d)", v, n)
			}
		}
		counts, err := f.profiles.CountByDepartement(ctx, v, "84")
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range counts {
			if c.Code == "69" && c.People != 0 {
				t.Fatalf("private profile counted in the directory: %+v", c)
			}
		}
	}
	if got, err := f.profiles.FindProfileByID(ctx, maillage.Viewer{UserID: owner.ID}, p.ID); err != nil || got.Bio == "" {
		t.Fatalf("owner no longer sees their profile: %v", err)
	}
}

func TestSaveProfileValidation(t *testing.T) {
	f := newProfileFixture(t)
	ctx := context.Background()
	u, _ := f.person(t, "valide@exemple.fr", maillage.ProfileUpdate{})
	tests := []struct {
		name  string
		upd   maillage.ProfileUpdate
		field string
	}{
		{"unknown kind", maillage.ProfileUpdate{Kind: ptr(maillage.ProfileKind("pilote"))}, "kind"},
		{"empty name", maillage.ProfileUpdate{DisplayName: ptr("  ")}, "display_name"},
		{"bio too long", maillage.ProfileUpdate{Bio: ptr(string(make([]byte, 2001)))}, "bio"},
		{"unknown commune", maillage.ProfileUpdate{Commune: ptr("99999")}, "code_insee"},
		{"pix out of range", maillage.ProfileUpdate{PixLevel: ptr(ptr(9))}, "pix_level"},
		{"radius not offered", maillage.ProfileUpdate{Mentor: &maillage.MentorSettings{RadiusKm: 33}}, "mentor.radius_km"},
		{"mentor without capacity", maillage.ProfileUpdate{Mentor: &maillage.MentorSettings{Available: true, RadiusKm: 20}}, "mentor.capacity"},
		{"competence level", maillage.ProfileUpdate{Competences: &[]maillage.ProfileCompetence{{Code: "1.1", Level: 9}}}, "competences.1.1.level"},
		{"unknown title", maillage.ProfileUpdate{Titles: &[]maillage.ProfileTitle{{CertificationCode: "NOPE"}}}, "titles.NOPE"},
		{"unknown competence", maillage.ProfileUpdate{Competences: &[]maillage.ProfileCompetence{{Code: "9.9", Level: 2}}}, "competences.9.9"},
		{"eleven mentor themes", maillage.ProfileUpdate{Mentor: &maillage.MentorSettings{RadiusKm: 20, Themes: []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k"}}}, "mentor.themes"},
		{"NUL in the bio", maillage.ProfileUpdate{Bio: ptr("bonjour\x00")}, "bio"},
		{"bad visibility", maillage.ProfileUpdate{Visibility: map[string]maillage.Visibility{"bio": "tous"}}, "visibility.bio"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := f.profiles.SaveProfile(ctx, u.ID, tt.upd)
			if !maillage.ErrorProblems(err).Has(tt.field) {
				t.Fatalf("want a problem on %s, got %v", tt.field, err)
			}
		})
	}
	// Nothing already saved was lost by the refused updates.
	p, err := f.profiles.FindProfileByUserID(ctx, u.ID)
	if err != nil || p.DisplayName != "Personne valide@exemple.fr" {
		t.Fatalf("profile after refused updates: %+v %v", p, err)
	}
}

func TestSaveProfileWritesOutbox(t *testing.T) {
	f := newProfileFixture(t)
	db := testenv.Get(t).DB(t)
	ctx := context.Background()
	_, p := f.person(t, "outbox@exemple.fr", maillage.ProfileUpdate{})
	var n int
	if err := db.NewRaw("SELECT count(*) FROM search_outbox WHERE entity = 'profile' AND entity_id = ?", p.ID).Scan(ctx, &n); err != nil || n == 0 {
		t.Fatalf("outbox rows for the profile: %d %v", n, err)
	}
}

// TestOneName: the name typed on the profile is the account's, and the
// other way round (issue 10, item 19: two « Nom affiché » that did not
// update each other).
func TestOneName(t *testing.T) {
	f := newProfileFixture(t)
	ctx := context.Background()
	u, p := f.person(t, "un.nom@exemple.fr", maillage.ProfileUpdate{DisplayName: ptr("Prénom Premier")})
	if _, err := f.profiles.SaveProfile(ctx, u.ID, maillage.ProfileUpdate{DisplayName: ptr("Prénom Profil")}); err != nil {
		t.Fatal(err)
	}
	if got, err := f.users.FindUserByID(ctx, u.ID); err != nil || got.DisplayName != "Prénom Profil" {
		t.Fatalf("account name after the profile changed it: %+v %v", got, err)
	}
	if err := f.users.UpdateDisplayName(ctx, u.ID, "Prénom Compte"); err != nil {
		t.Fatal(err)
	}
	if got, err := f.profiles.FindProfileByUserID(ctx, u.ID); err != nil || got.DisplayName != "Prénom Compte" || got.ID != p.ID {
		t.Fatalf("profile name after the account changed it: %+v %v", got, err)
	}
}

// TestVisibilitySQLAgreesWithViewFor: the SQL that listings, counts and the
// PostgreSQL search filter with (visibleSQL) decides like Profile.CanSee,
// the rule ViewFor applies, for every field × its visibility × the
// profile's visibility × viewer.
func TestVisibilitySQLAgreesWithViewFor(t *testing.T) {
	f := newProfileFixture(t)
	db := testenv.Get(t).DB(t)
	ctx := context.Background()
	owner, p := f.person(t, "regle.visibilite@exemple.fr", maillage.ProfileUpdate{})
	other, _ := f.person(t, "autre.visibilite@exemple.fr", maillage.ProfileUpdate{})
	viewers := map[string]maillage.Viewer{
		"anonymous": maillage.Anonymous, "any member": maillage.AnyMember, "owner": {UserID: owner.ID},
		"another member": {UserID: other.ID}, "administrator": {UserID: other.ID, Admin: true},
	}
	checked := 0
	for _, field := range maillage.ProfileFields {
		for _, fieldVis := range maillage.Visibilities {
			for _, profileVis := range maillage.Visibilities {
				vis := map[string]maillage.Visibility{maillage.FieldProfile: profileVis}
				if field != maillage.FieldProfile {
					vis[field] = fieldVis
				}
				b, _ := json.Marshal(vis)
				if _, err := db.NewRaw("UPDATE profiles SET visibility = ?::jsonb WHERE id = ?", string(b), p.ID).Exec(ctx); err != nil {
					t.Fatal(err)
				}
				prof, err := f.profiles.FindProfileByUserID(ctx, owner.ID)
				if err != nil {
					t.Fatal(err)
				}
				for name, v := range viewers {
					var sql bool
					if err := db.NewRaw("SELECT "+postgres.VisibilityCondition(v, field)+" FROM profiles p WHERE p.id = ?", p.ID).Scan(ctx, &sql); err != nil {
						t.Fatal(err)
					}
					if want := prof.CanSee(v, field); sql != want {
						t.Errorf("%s %s, profile %s, viewer %s: SQL says %v, CanSee %v", field, fieldVis, profileVis, name, sql, want)
					}
					checked++
				}
			}
		}
	}
	if checked != len(maillage.ProfileFields)*3*3*len(viewers) {
		t.Fatalf("checked %d cases", checked)
	}
}
