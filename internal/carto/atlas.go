// Package carto draws maps of French territories as server-side SVG, with
// no tile server: the outline of France with its départements (overseas
// territories as insets), of a région or of a département, points placed
// on it (places, people's communes), gathered into sized, numbered markers
// where they are dense, and départements coloured by a value (Classes, for
// coverage maps). It is pure: the geometry comes from content/carto
// (Load), the texts from the caller, already translated.
//
// Projection: the base map of metropolitan France (the svg-maps package,
// see content/carto/SOURCE.md) is in spherical Mercator; the atlas file
// holds the affine map from Mercator onto its coordinates, fitted on the
// communes' centres. Each overseas territory has its own frame, a Mercator
// true to scale at its latitude. Web map tiles are in the same Mercator, so
// web/static/js/carte.js can lay them under the same points.
package carto

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"fmt"
	"io/fs"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// Departement is the outline of a département (or an overseas
// collectivity drawn as one).
type Departement struct {
	Code, Nom, Region string
	Frame             string // "metro" or the territory's own
	Rings             []Ring // in the frame's plane
	Box               Box
}

// Overseas reports whether the département has a frame of its own.
func (d *Departement) Overseas() bool { return d.Frame != Metro }

// Metro is the frame of metropolitan France.
const Metro = "metro"

type frame struct {
	Code   string
	Bounds [4]float64 // lon min, lat min, lon max, lat max: the points it shows
	Affine Affine     // Mercator → plane
	Box    Box        // the outlines' box in the plane
}

func (f *frame) holds(p LonLat) bool {
	return p.Lon >= f.Bounds[0] && p.Lat >= f.Bounds[1] && p.Lon <= f.Bounds[2] && p.Lat <= f.Bounds[3]
}

// Atlas is the reference geometry, loaded once.
type Atlas struct {
	frames  []*frame
	byFrame map[string]*frame
	deps    map[string]*Departement
	codes   []string            // départements in code order
	regions map[string][]string // région code → départements
	regNoms map[string]string
	byCode  map[string]*commune // LoadCommunes
	byName  map[string]*commune // département + lower-case name
	// paths keeps the outlines already written (path), which only the
	// geometry decides: a directory or map page draws the same ones again.
	paths sync.Map // pathKey → string
	npath atomic.Int64
}

// Load reads the atlas from the content files: carto/france.txt and the
// names of territoires/departements.csv and territoires/regions.csv.
func Load(fsys fs.FS) (*Atlas, error) {
	b, err := fs.ReadFile(fsys, "carto/france.txt")
	if err != nil {
		return nil, fmt.Errorf("carto: %w", err)
	}
	a, err := parseAtlas(b)
	if err != nil {
		return nil, err
	}
	names, err := readCSV(fsys, "territoires/departements.csv")
	if err != nil {
		return nil, err
	}
	for _, r := range names {
		if d := a.deps[r[0]]; d != nil && len(r) >= 3 {
			d.Nom, d.Region = r[1], r[2]
			a.regions[r[2]] = append(a.regions[r[2]], r[0])
		}
	}
	regs, err := readCSV(fsys, "territoires/regions.csv")
	if err != nil {
		return nil, err
	}
	for _, r := range regs {
		if len(r) >= 2 {
			a.regNoms[r[0]] = r[1]
		}
	}
	for _, c := range a.codes {
		if a.deps[c].Nom == "" {
			return nil, fmt.Errorf("carto: département %s has no name in territoires/departements.csv", c)
		}
	}
	return a, nil
}

func readCSV(fsys fs.FS, name string) ([][]string, error) {
	b, err := fs.ReadFile(fsys, name)
	if err != nil {
		return nil, fmt.Errorf("carto: %w", err)
	}
	rows, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil || len(rows) == 0 {
		return nil, fmt.Errorf("carto: %s: %v", name, err)
	}
	return rows[1:], nil
}

func parseAtlas(b []byte) (*Atlas, error) {
	a := &Atlas{byFrame: map[string]*frame{}, deps: map[string]*Departement{}, regions: map[string][]string{}, regNoms: map[string]string{}}
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	var dep *Departement
	line := 0
	for sc.Scan() {
		line++
		f := strings.Fields(sc.Text())
		if len(f) == 0 || strings.HasPrefix(f[0], "#") {
			continue
		}
		bad := func(what string) error { return fmt.Errorf("carto: france.txt line %d: %s", line, what) }
		switch f[0] {
		case "frame":
			if len(f) != 12 {
				return nil, bad("frame needs a code, 4 bounds and 6 coefficients")
			}
			fr := &frame{Code: f[1], Box: emptyBox()}
			for i := 0; i < 10; i++ {
				v, err := strconv.ParseFloat(f[2+i], 64)
				if err != nil {
					return nil, bad("bad number " + f[2+i])
				}
				if i < 4 {
					fr.Bounds[i] = v
				} else {
					fr.Affine[i-4] = v
				}
			}
			a.frames = append(a.frames, fr)
			a.byFrame[fr.Code] = fr
		case "dep":
			if len(f) != 3 || a.byFrame[f[2]] == nil {
				return nil, bad("dep needs a code and a known frame")
			}
			dep = &Departement{Code: f[1], Frame: f[2], Box: emptyBox()}
			a.deps[dep.Code] = dep
			a.codes = append(a.codes, dep.Code)
		case "ring":
			if dep == nil || len(f)%2 != 1 || len(f) < 7 {
				return nil, bad("ring needs a dep before it and at least 3 points")
			}
			var r Ring
			var x, y int64
			for i := 1; i < len(f); i += 2 {
				dx, err1 := strconv.ParseInt(f[i], 10, 64)
				dy, err2 := strconv.ParseInt(f[i+1], 10, 64)
				if err1 != nil || err2 != nil {
					return nil, bad("bad coordinate")
				}
				x, y = x+dx, y+dy
				p := XY{float64(x) / 100, float64(y) / 100}
				r = append(r, p)
				dep.Box = dep.Box.Extend(p)
			}
			dep.Rings = append(dep.Rings, r)
			fr := a.byFrame[dep.Frame]
			fr.Box = fr.Box.Union(dep.Box)
		default:
			return nil, bad("unknown line " + f[0])
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(a.deps) == 0 {
		return nil, fmt.Errorf("carto: france.txt holds no département")
	}
	// An overseas frame shows all its bounds (atolls the outlines leave
	// out included); metropolitan France its outlines.
	for _, f := range a.frames {
		if f.Code != Metro {
			for _, c := range [][2]float64{{f.Bounds[0], f.Bounds[1]}, {f.Bounds[2], f.Bounds[3]}} {
				f.Box = f.Box.Extend(f.Affine.Apply(Mercator(LonLat{c[0], c[1]})))
			}
		}
	}
	slices.Sort(a.codes)
	return a, nil
}

// Departement returns a département's outline.
func (a *Atlas) Departement(code string) (*Departement, bool) {
	d, ok := a.deps[code]
	return d, ok
}

// Departements lists the codes of every outline, in code order.
func (a *Atlas) Departements() []string { return slices.Clone(a.codes) }

// Region lists the départements of a région that have an outline.
func (a *Atlas) Region(code string) []string { return slices.Clone(a.regions[code]) }

// RegionName is a région's name ("" when unknown).
func (a *Atlas) RegionName(code string) string { return a.regNoms[code] }

// Locate projects a position into the plane of the frame that shows it:
// metropolitan France, or the overseas territory it lies in. ok is false
// for a position no frame shows.
func (a *Atlas) Locate(p LonLat) (frameCode string, at XY, ok bool) {
	for _, f := range a.frames {
		if f.holds(p) {
			return f.Code, f.Affine.Apply(Mercator(p)), true
		}
	}
	return "", XY{}, false
}

// Frame returns the affine map (Mercator → plane) of a frame.
func (a *Atlas) Frame(code string) (Affine, bool) {
	f, ok := a.byFrame[code]
	if !ok {
		return Affine{}, false
	}
	return f.Affine, true
}

// Shows reports whether a point of the plane of frameCode is within what
// the frame shows.
func (a *Atlas) Shows(frameCode string, at XY) bool {
	f, ok := a.byFrame[frameCode]
	return ok && f.Box.Contains(at)
}
