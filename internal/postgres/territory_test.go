package postgres_test

import (
	"context"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"maillage/internal/app"
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

func TestMigrateDownUp(t *testing.T) {
	db := testenv.Get(t).DB(t)
	ctx := context.Background()
	st, err := postgres.MigrateStatus(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range st {
		if !s.Applied {
			t.Fatalf("migration %s not applied in the template", s.Name)
		}
	}
	// Roll every group back, then up again: each down migration must undo
	// its up migration exactly.
	for i := 0; i < len(st); i++ {
		names, err := postgres.MigrateDown(ctx, db)
		if err != nil {
			t.Fatalf("down: %v", err)
		}
		if len(names) == 0 {
			break
		}
	}
	var tables int
	if err := db.NewRaw("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public' AND table_name NOT LIKE 'bun_%'").Scan(ctx, &tables); err != nil {
		t.Fatal(err)
	}
	if tables != 0 {
		t.Fatalf("%d tables left after migrating down", tables)
	}
	if _, err := postgres.MigrateUp(ctx, db); err != nil {
		t.Fatalf("up again: %v", err)
	}
	again, err := postgres.MigrateUp(ctx, db)
	if err != nil || len(again) != 0 {
		t.Fatalf("second up applied %v, %v", again, err)
	}
	// The package database is shared: load the content again so the tests
	// that run after this one find the referentials and territories.
	if err := app.Prepare(ctx, db, testenv.Logger(t)); err != nil {
		t.Fatalf("reload content: %v", err)
	}
}
