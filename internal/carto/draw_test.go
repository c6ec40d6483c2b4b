package carto_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"maillage/internal/carto"
)

func place(name, commune string, lon, lat float64) carto.Point {
	return carto.Point{At: carto.LonLat{Lon: lon, Lat: lat}, Kind: carto.KindPlace, Label: name, URL: "/structures/" + name, Group: commune}
}

func TestDrawNational(t *testing.T) {
	a := atlas(t)
	pts := []carto.Point{
		place("Médiathèque Lumière", "Lyon", 4.8357, 45.764),
		place("EPN Croix-Rousse", "Lyon", 4.832, 45.774),
		{At: carto.LonLat{Lon: 4.85, Lat: 45.76}, Kind: carto.KindPerson, Label: "Jérôme", URL: "/profils/1", Group: "Lyon"},
		place("Cyber-base", "Brest", -4.486, 48.390),
		place("Maison France services", "Fort-de-France", -61.07, 14.61),
		place("Case numérique", "Nouméa", 166.45, -22.27),
		place("Station", "Île de Clipperton", -109.21, 10.30),
	}
	d, err := a.Draw(carto.Map{Scope: carto.France(), ID: "m", Title: "Carte des lieux", Desc: "7 lieux", Points: pts})
	if err != nil {
		t.Fatal(err)
	}
	svg := string(d.SVG)
	dump(t, "national", svg)
	for _, want := range []string{
		`role="img"`, `aria-labelledby="m-titre m-desc"`, `<title id="m-titre">Carte des lieux</title>`, `<desc id="m-desc">7 lieux</desc>`,
		`data-code="69"`, `data-code="2A"`, `data-code="971"`, `data-code="976"`, `<title lang="fr">Rhône</title>`,
		`data-code="988"`, // a collectivity with a point gets its inset
		`data-frame="metro" data-mercator="`,
	} {
		if !strings.Contains(svg, want) {
			t.Errorf("national map lacks %s", want)
		}
	}
	if strings.Contains(svg, `data-code="987"`) {
		t.Error("Polynésie drawn without a point there")
	}
	// Lyon's three points are one marker; Brest, Fort-de-France and
	// Nouméa one each; Clipperton cannot be drawn.
	var got []string
	for _, m := range d.Markers {
		got = append(got, fmt.Sprintf("%d %s %d", m.N, m.Group, m.Count()))
	}
	want := []string{"1 Brest 1", "2 Lyon 3", "3 Fort-de-France 1", "4 Nouméa 1"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("markers (-want +got):\n%s", diff)
	}
	if len(d.Outside) != 1 || d.Outside[0].Label != "Station" || d.Total != 7 {
		t.Errorf("outside = %v, total %d", d.Outside, d.Total)
	}
	if d.Markers[1].Counts[carto.KindPlace] != 2 || d.Markers[1].Counts[carto.KindPerson] != 1 {
		t.Errorf("Lyon counts = %v", d.Markers[1].Counts)
	}
	// Markers are drawn in the metropolitan frame where Lyon is.
	if n := strings.Count(svg, "<circle"); n != 4 {
		t.Errorf("%d circles, want 4", n)
	}
}

func TestDrawEscapesTexts(t *testing.T) {
	d, err := atlas(t).Draw(carto.Map{Scope: carto.Dep("69"), Title: `<script>alert(1)</script>`, Desc: `"&'`, ID: `x"y`})
	if err != nil {
		t.Fatal(err)
	}
	if s := string(d.SVG); strings.Contains(s, "<script>") || strings.Contains(s, `x"y`) || !strings.Contains(s, "&lt;script&gt;") {
		t.Errorf("texts not escaped: %.300s", s)
	}
}

func TestDrawDepartementAndRegion(t *testing.T) {
	a := atlas(t)
	pts := []carto.Point{place("Médiathèque", "Villeurbanne", 4.88, 45.77), place("Ailleurs", "Paris", 2.35, 48.85)}
	d, err := a.Draw(carto.Map{Scope: carto.Dep("69"), Title: "Rhône", Points: pts})
	if err != nil {
		t.Fatal(err)
	}
	svg := string(d.SVG)
	dump(t, "dep69", svg)
	if !strings.Contains(svg, `data-code="69"`) || !strings.Contains(svg, `data-code="01"`) || strings.Contains(svg, `data-code="29"`) {
		t.Error("the Rhône map should draw the Rhône and its neighbours (Ain), not Finistère")
	}
	if len(d.Markers) != 1 || len(d.Outside) != 1 || d.Outside[0].Label != "Ailleurs" {
		t.Errorf("markers %d, outside %v", len(d.Markers), d.Outside)
	}
	// The marker lies inside the Rhône's outline as drawn.
	vb := regexp.MustCompile(`viewBox="0 0 ([0-9.]+) ([0-9.]+)"`).FindStringSubmatch(svg)
	if vb == nil || d.Markers[0].X <= 0 || fmt.Sprint(d.Markers[0].X) > vb[1] {
		t.Errorf("viewBox %v, marker at %v,%v", vb, d.Markers[0].X, d.Markers[0].Y)
	}

	d, err = a.Draw(carto.Map{Scope: carto.Region("84"), Title: "Auvergne-Rhône-Alpes"})
	if err != nil {
		t.Fatal(err)
	}
	dump(t, "region84", string(d.SVG))
	for _, c := range a.Region("84") {
		if !strings.Contains(string(d.SVG), `data-code="`+c+`"`) {
			t.Errorf("région 84 lacks %s", c)
		}
	}
	if len(a.Region("84")) != 12 {
		t.Errorf("région 84 has %d départements", len(a.Region("84")))
	}
	d, err = a.Draw(carto.Map{Scope: carto.Dep("974"), Title: "La Réunion", Points: []carto.Point{place("Médiathèque", "Saint-Denis", 55.45, -20.88)}})
	if err != nil || len(d.Markers) != 1 {
		t.Fatalf("La Réunion: %v, %d markers", err, len(d.Markers))
	}
	dump(t, "dep974", string(d.SVG))
	if _, err := a.Draw(carto.Map{Scope: carto.Dep("00")}); err == nil {
		t.Error("unknown département drawn")
	}
}

func TestClusters(t *testing.T) {
	a := atlas(t)
	// 200 places within a few hundred metres become one marker; two
	// places 40 km apart on a département map stay apart.
	var dense []carto.Point
	for i := range 200 {
		dense = append(dense, place(fmt.Sprint(i), "Lyon", 4.83+float64(i%20)*0.0005, 45.76+float64(i/20)*0.0005))
	}
	d, err := a.Draw(carto.Map{Scope: carto.France(), Points: dense})
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Markers) != 1 || d.Markers[0].Count() != 200 {
		t.Fatalf("%d markers", len(d.Markers))
	}
	d, err = a.Draw(carto.Map{Scope: carto.Dep("69"), Points: []carto.Point{place("a", "Lyon", 4.83, 45.76), place("b", "Villefranche", 4.72, 45.99)}})
	if err != nil || len(d.Markers) != 2 {
		t.Fatalf("%v, %d markers", err, len(d.Markers))
	}
	// Markers never overlap.
	for i, m := range d.Markers {
		for _, o := range d.Markers[i+1:] {
			if dx, dy := m.X-o.X, m.Y-o.Y; dx*dx+dy*dy < (m.R+o.R)*(m.R+o.R) {
				t.Errorf("markers %d and %d overlap", m.N, o.N)
			}
		}
	}
}

func TestChoropleth(t *testing.T) {
	values := map[string]float64{"01": 0.1, "02": 0.5, "69": 0.9, "75": 1}
	got := carto.Classes(values, []float64{0.2, 0.4, 0.6, 0.8})
	want := map[string]int{"01": 0, "02": 2, "69": 4, "75": 4}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("classes (-want +got):\n%s", diff)
	}
	q := carto.Classes(map[string]float64{"a": 1, "b": 2, "c": 3, "d": 4, "e": 5}, nil)
	if diff := cmp.Diff(map[string]int{"a": 0, "b": 1, "c": 2, "d": 3, "e": 4}, q); diff != "" {
		t.Errorf("quantiles (-want +got):\n%s", diff)
	}
	d, breaks, err := atlas(t).Choropleth("Couverture", "Part des conseillers accompagnés", values, []float64{0.2, 0.4, 0.6, 0.8})
	if err != nil {
		t.Fatal(err)
	}
	if len(breaks) != 4 || !strings.Contains(string(d.SVG), `<title id="choroplethe-titre">Couverture</title>`) {
		t.Errorf("breaks %v", breaks)
	}
	dump(t, "choropleth", string(d.SVG))
	if !strings.Contains(string(d.SVG), `fill="`+carto.Palette[4]+`" stroke="#5d6b7a" stroke-width="0.7" stroke-linejoin="round" vector-effect="non-scaling-stroke" data-code="69"`) {
		t.Error("Rhône not in the last class's colour")
	}
}
