package postgres_test

import (
	"context"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"maillage/internal/maillage"
	"maillage/internal/postgres"
	"maillage/internal/testenv"
)

func TestFindCommunes(t *testing.T) {
	svc := postgres.NewTerritoryService(testenv.Get(t).DB(t))
	ctx := context.Background()
	tests := []struct {
		name   string
		filter maillage.CommuneFilter
		first  string // INSEE code expected first
	}{
		{"name prefix, biggest first", maillage.CommuneFilter{Prefix: "lyo"}, "69123"},
		{"accents ignored", maillage.CommuneFilter{Prefix: "orleans"}, "45234"},
		{"case ignored", maillage.CommuneFilter{Prefix: "MARSEILLE"}, "13055"},
		{"hyphen or space", maillage.CommuneFilter{Prefix: "saint etienne"}, "42218"},
		{"curly apostrophe", maillage.CommuneFilter{Prefix: "L’Abergement-C"}, "01001"},
		{"postcode", maillage.CommuneFilter{Prefix: "69001"}, "69123"},
		{"insee code", maillage.CommuneFilter{Prefix: "2A004"}, "2A004"},
		{"overseas", maillage.CommuneFilter{Prefix: "saint-denis", CodeDepartement: "974"}, "97411"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := svc.FindCommunes(ctx, tt.filter)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) == 0 {
				t.Fatalf("no commune for %+v", tt.filter)
			}
			if got[0].CodeInsee != tt.first {
				t.Fatalf("first = %s %s, want %s", got[0].CodeInsee, got[0].Nom, tt.first)
			}
		})
	}
}

func TestFindCommuneByCode(t *testing.T) {
	svc := postgres.NewTerritoryService(testenv.Get(t).DB(t))
	ctx := context.Background()
	c, err := svc.FindCommuneByCode(ctx, "69123")
	if err != nil {
		t.Fatal(err)
	}
	pop := c.Population
	c.Population = nil
	want := &maillage.Commune{CodeInsee: "69123", Nom: "Lyon", CodeDepartement: "69", CodeRegion: "84", Latitude: 45.758, Longitude: 4.8351}
	c.CodesPostaux = nil
	if diff := cmp.Diff(want, c); diff != "" {
		t.Fatalf("Lyon (-want +got):\n%s", diff)
	}
	if pop == nil || *pop < 500000 {
		t.Fatalf("Lyon population %v", pop)
	}
	if _, err := svc.FindCommuneByCode(ctx, "00000"); maillage.ErrorCode(err) != maillage.ENOTFOUND {
		t.Fatalf("unknown commune: got %v, want ENOTFOUND", err)
	}
	n, err := svc.CountCommunes(ctx)
	if err != nil || n != 34969 {
		t.Fatalf("CountCommunes = %d, %v; want 34969", n, err)
	}
}

func TestPostcodeIndex(t *testing.T) {
	svc := postgres.NewTerritoryService(testenv.Get(t).DB(t))
	ix, err := svc.PostcodeIndex(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		code     string
		ok       bool
		contains string
	}{
		{"69123", true, "69003"},
		{"69383", true, "69003"}, // Lyon 3e arrondissement → Lyon
		{"75116", true, "75016"}, // Paris 16e
		{"13201", true, "13001"}, // Marseille 1er
		{"2A004", true, "20000"}, // Ajaccio
		{"97411", true, "97400"}, // Saint-Denis (La Réunion)
		{"69390", false, ""},
		{"00000", false, ""},
	}
	for _, tt := range tests {
		cps, ok := ix.PostcodesOf(tt.code)
		if ok != tt.ok || (tt.ok && !slices.Contains(cps, tt.contains)) {
			t.Errorf("PostcodesOf(%s) = %v, %v; want %v with %s", tt.code, cps, ok, tt.ok, tt.contains)
		}
	}
}

// schemaOf describes what the migrations build in the public schema, one
// line per column, constraint, index, trigger, function, type and sequence
// (bun's own tables and the objects of extensions left out), sorted.
func schemaOf(t *testing.T, db *postgres.DB) []string {
	t.Helper()
	var out []string
	err := db.NewRaw(`
	SELECT 'column ' || table_name || '.' || column_name || ' ' || data_type || ' ' || udt_name || ' null=' || is_nullable ||
		' default=' || coalesce(column_default, '') || ' generated=' || coalesce(generation_expression, '')
	FROM information_schema.columns WHERE table_schema = 'public' AND table_name NOT LIKE 'bun\_%'
	UNION ALL
	SELECT 'constraint ' || c.conrelid::regclass || ' ' || c.conname || ' ' || pg_get_constraintdef(c.oid)
	FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
	WHERE n.nspname = 'public' AND c.conrelid <> 0 AND c.conrelid::regclass::text NOT LIKE 'bun\_%'
	UNION ALL
	SELECT 'index ' || indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename NOT LIKE 'bun\_%'
	UNION ALL
	SELECT 'trigger ' || tg.tgrelid::regclass || ' ' || pg_get_triggerdef(tg.oid)
	FROM pg_trigger tg JOIN pg_class c ON c.oid = tg.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
	WHERE n.nspname = 'public' AND NOT tg.tgisinternal
	UNION ALL
	SELECT 'function ' || p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ') ' || md5(pg_get_functiondef(p.oid))
	FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
	WHERE n.nspname = 'public' AND p.prokind IN ('f', 'p')
		AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')
	UNION ALL
	SELECT 'type ' || t.typname || ' ' || t.typtype::text || ' ' || coalesce((SELECT string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = t.oid), '')
	FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
	WHERE n.nspname = 'public' AND t.typtype IN ('e', 'd')
		AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_type'::regclass AND d.objid = t.oid AND d.deptype = 'e')
	UNION ALL
	SELECT 'sequence ' || sequence_name || ' ' || data_type FROM information_schema.sequences WHERE sequence_schema = 'public' AND sequence_name NOT LIKE 'bun\_%'
	UNION ALL
	SELECT 'view ' || table_name || ' ' || md5(view_definition) FROM information_schema.views WHERE table_schema = 'public'
	ORDER BY 1`).Scan(context.Background(), &out)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestMigrateDownUp migrates a database of its own (created empty on the
// server, not cloned from the template) up one migration at a time, then
// down one at a time, checking after each down migration that the schema is
// what it was before its up migration; then up again, all at once, to the
// same schema as the first time.
func TestMigrateDownUp(t *testing.T) {
	db := testenv.Get(t).EmptyDB(t)
	ctx := context.Background()
	if _, err := postgres.MigrateStatus(ctx, db); err != nil { // creates bun's tables
		t.Fatal(err)
	}
	schemas := [][]string{schemaOf(t, db)} // schemas[k]: after the first k migrations
	if len(schemas[0]) != 0 {
		t.Fatalf("a new database already holds %v", schemas[0])
	}
	var names []string
	for {
		name, err := postgres.MigrateUpOne(ctx, db)
		if err != nil {
			t.Fatalf("up: %v", err)
		}
		if name == "" {
			break
		}
		names = append(names, name)
		schemas = append(schemas, schemaOf(t, db))
	}
	st, err := postgres.MigrateStatus(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	if len(names) == 0 || len(names) != len(st) {
		t.Fatalf("up applied %d migrations of %d", len(names), len(st))
	}
	up := schemas[len(names)]
	if len(up) < 100 {
		t.Fatalf("the migrated schema has only %d objects", len(up))
	}

	for k := len(names); k > 0; k-- {
		down, err := postgres.MigrateDown(ctx, db)
		if err != nil {
			t.Fatalf("down: %v", err)
		}
		if len(down) != 1 || down[0] != names[k-1] {
			t.Fatalf("down rolled back %v, want %s", down, names[k-1])
		}
		if diff := cmp.Diff(schemas[k-1], schemaOf(t, db)); diff != "" {
			t.Errorf("%s: the down migration does not undo the up one (-before up +after down):\n%s", names[k-1], diff)
		}
	}
	if down, err := postgres.MigrateDown(ctx, db); err != nil || len(down) != 0 {
		t.Fatalf("down past the first migration: %v, %v", down, err)
	}
	if st, err = postgres.MigrateStatus(ctx, db); err != nil {
		t.Fatal(err)
	}
	for _, s := range st {
		if s.Applied {
			t.Errorf("migration %s still applied after migrating down", s.Name)
		}
	}

	if _, err := postgres.MigrateUp(ctx, db); err != nil {
		t.Fatalf("up again: %v", err)
	}
	if diff := cmp.Diff(up, schemaOf(t, db)); diff != "" {
		t.Errorf("schema after down and up differs from the first up (-first +again):\n%s", diff)
	}
	again, err := postgres.MigrateUp(ctx, db)
	if err != nil || len(again) != 0 {
		t.Fatalf("second up applied %v, %v", again, err)
	}
}

// TestResolveCommune runs the one commune resolver on the real referential
// of the test database (issue 10, item 20): a name several communes bear
// offers them all, a qualifier or a postcode says which, St/Ste and accents
// do not matter, an arrondissement is its city (the referential holds the
// cities: 69123 for Lyon, 75056 for Paris), and nothing is guessed.
func TestResolveCommune(t *testing.T) {
	svc := postgres.NewTerritoryService(testenv.Get(t).DB(t))
	ctx := context.Background()
	tests := []struct {
		in      string
		one     string   // the commune resolved, "" when none
		choices []string // among the candidates (when one is "")
	}{
		{in: "Saint-Denis", choices: []string{"93066", "97411"}},
		{in: "Saint-Denis (93)", one: "93066"},
		{in: "Saint-Denis (974)", one: "97411"},
		{in: "Saint-Denis 97400", one: "97411"},
		{in: "Saint-Denis (97400)", one: "97411"},
		{in: "Saint-Denis 93200", one: "93066"},
		{in: "St-Etienne", one: "42218"},
		{in: "Saint Étienne", one: "42218"},
		{in: "ST ETIENNE", one: "42218"},
		{in: "saint-étienne (42)", one: "42218"},
		{in: "Ste-Marie (974)", one: "97418"},
		{in: "L’Abergement-Clémenciat", one: "01001"},
		{in: "Lyon 3e", one: "69123"},
		{in: "Lyon 3ème", one: "69123"},
		{in: "Lyon 3eme", one: "69123"},
		{in: "Lyon 1er", one: "69123"},
		{in: "Paris 15e", one: "75056"},
		{in: "Paris 15e arrondissement", one: "75056"},
		{in: "Marseille 1er", one: "13055"},
		{in: "Lyon (69123)", one: "69123"}, // what the forms write back
		{in: "Lyon (69383)", one: "69123"}, // an arrondissement's code
		{in: "69123", one: "69123"},
		{in: "2A004", one: "2A004"},
		{in: "75015", one: "75056"}, // a postcode alone
		// 69003 is Lyon 3e's postcode and the INSEE code of
		// Albigny-sur-Saône: a name says which, else both are offered.
		{in: "69003", choices: []string{"69123", "69003"}},
		{in: "Lyon 69003", one: "69123"},
		{in: "Lyon (69003)", one: "69123"},
		{in: "Albigny-sur-Saône (69003)", one: "69003"},
		{in: "13001", choices: []string{"13055", "13001"}}, // Marseille 1er, Aix-en-Provence
		// « Lyn » is not silently Lynde: the communes it begins, to choose from.
		{in: "Lyn", choices: []string{"59366"}},
		{in: "Lynde", one: "59366"},
		{in: "Zzzville-sur-Rien"},
		{in: "Saint-Denis (Réunion)"},
		{in: ""},
		{in: "\x00"},
		{in: "Lyon\x00", one: "69123"}, // control characters are dropped from what is only read
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			c, cands, err := svc.ResolveCommune(ctx, tt.in)
			if err != nil {
				t.Fatal(err)
			}
			var codes []string
			for _, x := range cands {
				codes = append(codes, x.CodeInsee)
			}
			switch {
			case tt.one != "":
				if c == nil || c.CodeInsee != tt.one || len(cands) != 0 {
					t.Fatalf("ResolveCommune(%q) = %v, candidates %v; want %s", tt.in, c, codes, tt.one)
				}
				return
			case c != nil:
				t.Fatalf("ResolveCommune(%q) = %s %s, want no commune (candidates %v)", tt.in, c.CodeInsee, c.Nom, tt.choices)
			}
			for _, w := range tt.choices {
				if !slices.Contains(codes, w) {
					t.Errorf("ResolveCommune(%q): candidates %v lack %s", tt.in, codes, w)
				}
			}
			if len(tt.choices) == 0 && len(cands) != 0 {
				t.Errorf("ResolveCommune(%q): candidates %v, want none", tt.in, codes)
			}
		})
	}
}

// TestTerritoryFollowsTheCommune: the département and région stored on
// profiles and structures (what the directory filters and counts on) are
// the commune's, after a save, a move, and a reload of the official list
// that moves the commune itself; nobody can write them otherwise.
func TestTerritoryFollowsTheCommune(t *testing.T) {
	db := testenv.Get(t).FreshDB(t) // moves a commune, counts people
	ctx := context.Background()
	f := profileFixture{postgres.NewUserService(db), postgres.NewProfileService(db)}
	structures := postgres.NewStructureService(db)
	public := map[string]maillage.Visibility{maillage.FieldProfile: maillage.VisPublic, maillage.FieldCommune: maillage.VisPublic}
	owner, p := f.person(t, "territoire@exemple.fr", maillage.ProfileUpdate{Commune: ptr("69123"), Visibility: public})
	st, _, err := structures.CreateStructure(ctx, owner.ID, newPlace("73282932000074"))
	if err != nil {
		t.Fatal(err)
	}
	anyone := maillage.Viewer{}
	where := func() (profileDep, profileReg, placeDep, placeReg string) {
		t.Helper()
		for _, x := range []struct {
			dst   *string
			table string
			id    int64
			col   string
		}{{&profileDep, "profiles", p.ID, "code_departement"}, {&profileReg, "profiles", p.ID, "code_region"},
			{&placeDep, "structures", st.ID, "code_departement"}, {&placeReg, "structures", st.ID, "code_region"}} {
			var v *string
			if err := db.NewRaw("SELECT "+x.col+" FROM "+x.table+" WHERE id = ?", x.id).Scan(ctx, &v); err != nil {
				t.Fatal(err)
			}
			*x.dst = str(v)
		}
		return
	}
	listed := func(dep, reg string) (people, places int) {
		t.Helper()
		_, n, err := f.profiles.FindProfiles(ctx, maillage.ProfileFilter{Viewer: anyone, CodeDepartement: dep})
		if err != nil {
			t.Fatal(err)
		}
		_, m, err := structures.FindStructures(ctx, maillage.StructureFilter{CodeDepartement: dep})
		if err != nil {
			t.Fatal(err)
		}
		counts, err := f.profiles.CountByDepartement(ctx, anyone, reg)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range counts {
			if c.Code == dep && (c.People != n || c.Places != m) {
				t.Fatalf("département %s: counted %d people %d places, listed %d and %d", dep, c.People, c.Places, n, m)
			}
		}
		return n, m
	}

	if a, b, c, d := where(); a != "69" || b != "84" || c != "69" || d != "84" {
		t.Fatalf("after the first save: profile %s/%s, place %s/%s", a, b, c, d)
	}
	if n, m := listed("69", "84"); n != 1 || m != 1 {
		t.Fatalf("Rhône lists %d people and %d places, want 1 and 1", n, m)
	}

	// The person moves to Paris.
	if _, err := f.profiles.SaveProfile(ctx, owner.ID, maillage.ProfileUpdate{Commune: ptr("75056")}); err != nil {
		t.Fatal(err)
	}
	if a, b, _, _ := where(); a != "75" || b != "11" {
		t.Fatalf("after the move: profile %s/%s, want 75/11", a, b)
	}
	if n, _ := listed("69", "84"); n != 0 {
		t.Fatalf("the Rhône still lists %d people after the move", n)
	}
	if n, _ := listed("75", "11"); n != 1 {
		t.Fatalf("Paris lists %d people after the move, want 1", n)
	}

	// Nobody writes the territory by hand: it stays the commune's.
	if _, err := db.NewRaw("UPDATE profiles SET code_departement = '01', code_region = '84' WHERE id = ?", p.ID).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	if a, b, _, _ := where(); a != "75" || b != "11" {
		t.Fatalf("a written territory stuck: %s/%s", a, b)
	}

	// The official list moves Lyon to the Ain (as a reload would): the
	// place goes with it; a reload that changes nothing touches nothing.
	moved, err := postgres.NewTerritoryService(db).FindCommuneByCode(ctx, "69123")
	if err != nil {
		t.Fatal(err)
	}
	moved.CodeDepartement = "01"
	content := postgres.NewContentStore(db)
	if err := content.SyncTerritories(ctx, "test-moved", nil, nil, []*maillage.Commune{moved}); err != nil {
		t.Fatal(err)
	}
	if _, _, c, d := where(); c != "01" || d != "84" {
		t.Fatalf("after Lyon moved: place %s/%s, want 01/84", c, d)
	}
	if _, m := listed("01", "84"); m != 1 {
		t.Fatalf("the Ain lists %d places after Lyon moved, want 1", m)
	}
	if _, m := listed("69", "84"); m != 0 {
		t.Fatalf("the Rhône still lists %d places after Lyon moved", m)
	}
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
