package demo_test

import (
	"bytes"
	"context"
	"os"
	"slices"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"maillage/internal/demo"
	"maillage/internal/lieux"
	"maillage/internal/maillage"
	"maillage/internal/postgres"
	"maillage/internal/testenv"
)

func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }

var (
	refOnce sync.Once
	ref     *demo.Referential
	refErr  error
)

// referential reads the referential of the package database once.
func referential(t *testing.T) *demo.Referential {
	t.Helper()
	refOnce.Do(func() {
		db, err := postgres.Open(context.Background(), testenv.Get(t).DatabaseURL)
		if err != nil {
			refErr = err
			return
		}
		defer db.Close()
		ref, refErr = postgres.NewDemoStore(db).DemoReferential(context.Background())
	})
	if refErr != nil {
		t.Fatal(refErr)
	}
	return ref
}

func generate(t *testing.T, seed uint64) *demo.Network {
	t.Helper()
	n, err := demo.Generate(referential(t), demo.Options{Seed: seed})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestSameSeedSameNetwork(t *testing.T) {
	a, b := generate(t, demo.DefaultSeed), generate(t, demo.DefaultSeed)
	if diff := cmp.Diff(a, b); diff != "" {
		t.Fatalf("two generations with the same seed differ (-first +second):\n%s", diff)
	}
	c := generate(t, demo.DefaultSeed+1)
	if a.People[0].Profile.DisplayName == c.People[0].Profile.DisplayName && a.People[0].Profile.CodeInsee == c.People[0].Profile.CodeInsee &&
		a.Structures[0].Lieu.Nom == c.Structures[0].Lieu.Nom {
		t.Errorf("another seed gives the same first person and structure")
	}
}

func TestGeneratedNetwork(t *testing.T) {
	n := generate(t, demo.DefaultSeed)
	c := n.Counts()
	if c.People != 3000 || c.Structures != 500 {
		t.Fatalf("counts %+v, want 3000 people and 500 structures", c)
	}
	// Kinds near 55/25/15/5 %.
	for kind, want := range map[maillage.ProfileKind]int{maillage.KindConseiller: 1650, maillage.KindMediateur: 750, maillage.KindAidant: 450, maillage.KindCoordinateur: 150} {
		if got := c.ByKind[kind]; got < want*8/10 || got > want*12/10 {
			t.Errorf("%s: %d, want about %d", kind, got, want)
		}
	}
	communes := map[string]demo.Commune{}
	for _, cm := range referential(t).Communes {
		communes[cm.Code] = cm
	}
	emails := map[string]bool{}
	vis := map[maillage.Visibility]int{}
	perDep := map[string]int{}
	overseas := 0
	for _, p := range n.People {
		cm, ok := communes[p.Profile.CodeInsee]
		if !ok || cm.Nom != p.Profile.Commune || cm.Departement != p.Profile.CodeDepartement {
			t.Fatalf("%s: commune %s %q is not in the referential", p.Email, p.Profile.CodeInsee, p.Profile.Commune)
		}
		if emails[p.Email] {
			t.Fatalf("e-mail %s twice", p.Email)
		}
		emails[p.Email] = true
		vis[p.Profile.Vis(maillage.FieldProfile)]++
		perDep[p.Profile.CodeDepartement]++
		if len(p.Profile.CodeDepartement) == 3 {
			overseas++
		}
		if m := p.Profile.Mentor; m.Available && (p.Profile.Kind != maillage.KindMediateur || m.Capacity < 1 || m.Capacity > 5 || !slices.Contains(maillage.MentorRadii, m.RadiusKm)) {
			t.Errorf("%s: mentor settings %+v", p.Email, m)
		}
		if len(p.Profile.Bio) == 0 || len(p.Profile.Competences) < 3 {
			t.Errorf("%s: bio %q, %d competences", p.Email, p.Profile.Bio, len(p.Profile.Competences))
		}
	}
	for _, v := range maillage.Visibilities {
		if vis[v] == 0 {
			t.Errorf("no profile with visibility %s (%v)", v, vis)
		}
	}
	// Rhône (1.9 million people of 68) should hold about 85 of 3,000.
	if got := perDep["69"]; got < 50 || got > 130 {
		t.Errorf("département 69: %d people, want about 85", got)
	}
	// Overseas (about 2.2 million people) about 100.
	if overseas < 50 || overseas > 170 {
		t.Errorf("overseas: %d people, want about 100", overseas)
	}
	pivots := map[string]bool{}
	var ls []maillage.Lieu
	for _, st := range n.Structures {
		l := st.Lieu
		if !maillage.ValidSIRET(l.Pivot) || pivots[l.Pivot] {
			t.Errorf("%s: SIRET %s invalid or repeated", l.Nom, l.Pivot)
		}
		pivots[l.Pivot] = true
		if errs := lieux.Validate(l, nil); len(errs) > 0 {
			t.Errorf("%s breaks the national standard: %v", l.Nom, errs)
		}
		if _, ok := communes[l.CodeInsee]; !ok {
			t.Errorf("%s: commune %s unknown", l.Nom, l.CodeInsee)
		}
		ls = append(ls, l)
	}
	var csv bytes.Buffer
	if err := lieux.WriteCSV(&csv, ls); err != nil {
		t.Fatal(err)
	}
	if errs := lieux.ValidateCSVAgainstSchema(&csv); len(errs) > 0 {
		t.Errorf("export of the demo places: %v", errs[:min(len(errs), 5)])
	}
}

func TestLoadIntoDatabase(t *testing.T) {
	ctx := context.Background()
	db := testenv.Get(t).DB(t)
	store := postgres.NewDemoStore(db)
	n, err := demo.LoadIfEmpty(ctx, store, demo.Options{Seed: demo.DefaultSeed})
	if err != nil || n == nil {
		t.Fatalf("LoadIfEmpty on an empty database = %v, %v", n, err)
	}
	if want := generate(t, demo.DefaultSeed); !cmp.Equal(want, n) {
		t.Fatal("the loaded network is not the one the seed generates")
	}
	count := func(q string) int {
		t.Helper()
		var c int
		if err := db.NewRaw(q).Scan(ctx, &c); err != nil {
			t.Fatal(err)
		}
		return c
	}
	for q, want := range map[string]int{
		"SELECT count(*) FROM profiles":                                               3000,
		"SELECT count(*) FROM users WHERE email LIKE '%@demo.maillage.fr'":            3000,
		"SELECT count(*) FROM identities WHERE provider = 'email'":                    3000,
		"SELECT count(*) FROM role_grants":                                            3000,
		"SELECT count(*) FROM structures":                                             500,
		"SELECT count(*) FROM search_outbox WHERE entity = 'profile'":                 3000,
		"SELECT count(*) FROM search_outbox WHERE entity = 'structure'":               500,
		"SELECT count(*) FROM profiles p JOIN communes c USING (code_insee)":          3000,
		"SELECT count(*) FROM structures WHERE commune_insee IS NOT NULL":             500,
		"SELECT count(DISTINCT visibility->>'profile') FROM profiles":                 3,
		"SELECT count(*) FROM audit_log WHERE action = 'demo.loaded'":                 1,
		"SELECT count(*) FROM profiles WHERE kind = 'mediateur' AND mentor_available": n.Counts().Mentors,
	} {
		if got := count(q); got != want {
			t.Errorf("%s = %d, want %d", q, got, want)
		}
	}
	referents := 0
	for _, m := range n.Memberships {
		if m.Role == maillage.MemberReferent {
			referents++
		}
	}
	if got := count("SELECT count(*) FROM memberships WHERE role = 'referent'"); got != referents || got < 490 {
		t.Errorf("%d referents, want %d (nearly one per structure)", got, referents)
	}
	if count("SELECT count(*) FROM memberships") != len(n.Memberships) {
		t.Errorf("memberships differ from the network")
	}
	if count("SELECT count(*) FROM profile_competences") != n.Counts().Competences || count("SELECT count(*) FROM profile_titles") != n.Counts().Titles {
		t.Errorf("competences or titles differ from the network")
	}

	// What the services read back: the first person as written, visibility enforced.
	profiles := postgres.NewProfileService(db)
	deps, err := profiles.CountByDepartement(ctx, maillage.Viewer{Admin: true}, "84")
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range deps {
		if d.Code == "69" && (d.People < 50 || d.Places < 1) {
			t.Errorf("Rhône: %d people, %d places", d.People, d.Places)
		}
	}
	_, public, err := profiles.FindProfiles(ctx, maillage.ProfileFilter{Viewer: maillage.Anonymous})
	if err != nil {
		t.Fatal(err)
	}
	var all int // every profile, private ones included (nobody but their owner sees those)
	if err := db.NewRaw("SELECT count(*) FROM profiles").Scan(ctx, &all); err != nil {
		t.Fatal(err)
	}
	if all != 3000 || public >= all || public < all/2 {
		t.Errorf("anonymous sees %d of %d profiles, want most but not all", public, all)
	}
	ls, err := postgres.NewStructureService(db).AllLieux(ctx, maillage.StructureFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(n.Structures[0].Lieu, ls[0], cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("first place read back (-generated +stored):\n%s", diff)
	}

	// A second load does nothing; a forced one is refused.
	again, err := demo.LoadIfEmpty(ctx, store, demo.Options{Seed: demo.DefaultSeed})
	if err != nil || again != nil {
		t.Errorf("LoadIfEmpty on a loaded database = %v, %v; want nothing", again, err)
	}
	if _, err := demo.Load(ctx, store, demo.Options{Seed: 1}); maillage.ErrorCode(err) != maillage.ECONFLICT {
		t.Errorf("Load on a loaded database: %v, want ECONFLICT", err)
	}
}
