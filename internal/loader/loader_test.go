package loader_test

import (
	"context"
	"io/fs"
	"os"
	"testing"
	"testing/fstest"

	"maillage/content"
	"maillage/internal/loader"
	"maillage/internal/postgres"
	"maillage/internal/testenv"
	"maillage/internal/testenv/csvtest"
)

func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }

func TestSyncIsIdempotent(t *testing.T) {
	db := testenv.Get(t).DB(t)
	ctx := context.Background()
	l := &loader.Loader{FS: content.FS(), Store: postgres.NewContentStore(db)}

	// The template already holds the content: nothing to do.
	res, err := l.Sync(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if !r.Skipped {
			t.Fatalf("unchanged content was synced again: %+v", res)
		}
	}

	// A changed file is synced: names are updated, nothing is duplicated.
	orig, err := os.ReadFile("../../content/territoires/communes.csv")
	if err != nil {
		t.Fatal(err)
	}
	changed := []byte(string(orig[:0]) + "code_insee,nom,code_departement,code_region,codes_postaux,population,latitude,longitude\n01001,L'Abergement-Clémenciat (renommée),01,84,01400,861,46.1517,4.9306\n")
	l.FS = contentWith(t, map[string]string{"territoires/communes.csv": string(changed)})
	res, err = l.Sync(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if res[0].Skipped || res[0].Rows != 26+109+1 {
		t.Fatalf("changed content: %+v", res)
	}
	svc := postgres.NewTerritoryService(db)
	c, err := svc.FindCommuneByCode(ctx, "01001")
	if err != nil || c.Nom != "L'Abergement-Clémenciat (renommée)" || *c.Population != 861 {
		t.Fatalf("commune not updated: %+v %v", c, err)
	}
	if n, _ := svc.CountCommunes(ctx); n != 34969 {
		t.Fatalf("communes = %d after a partial file, want 34969 (nothing deleted)", n)
	}
	// Same changed content again: skipped.
	if res, _ = l.Sync(ctx); !res[0].Skipped {
		t.Fatal("second sync of the same content was not skipped")
	}
}

// contentWith returns a copy of content/ in memory with some files replaced.
func contentWith(t *testing.T, files map[string]string) fstest.MapFS {
	t.Helper()
	fsys := fstest.MapFS{}
	err := fs.WalkDir(content.FS(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(content.FS(), p)
		fsys[p] = &fstest.MapFile{Data: b}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range files {
		fsys[name] = &fstest.MapFile{Data: []byte(data)}
	}
	return fsys
}

func TestParseRejectsBadNumbers(t *testing.T) {
	header := []string{"code_insee", "nom", "code_departement", "code_region", "codes_postaux", "population", "latitude", "longitude"}
	fsys := fstest.MapFS{"c.csv": {Data: csvtest.CSV(header, []string{"01001", "X", "01", "84", "01400", "abc", "1", "2"})}}
	if _, err := loader.ParseCommunes(fsys, "c.csv"); err == nil {
		t.Fatal("population abc accepted")
	}
	fsys = fstest.MapFS{"c.csv": {Data: csvtest.CSV([]string{"code_insee", "nom"}, []string{"01001", "X"})}}
	if _, err := loader.ParseCommunes(fsys, "c.csv"); err == nil {
		t.Fatal("missing columns accepted")
	}
}
