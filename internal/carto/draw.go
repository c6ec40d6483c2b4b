package carto

import (
	"fmt"
	"html/template"
	"math"
	"slices"
	"strconv"
	"strings"
)

// ScopeKind says what territory a map shows.
type ScopeKind int

const (
	// National is France: metropolitan départements, overseas as insets.
	National ScopeKind = iota
	// OfRegion is a région and its départements.
	OfRegion
	// OfDepartement is one département (its neighbours in grey).
	OfDepartement
)

// Scope is the territory a map shows.
type Scope struct {
	Kind ScopeKind
	Code string
}

// France, Region and Dep name the scope of a map.
func France() Scope            { return Scope{Kind: National} }
func Region(code string) Scope { return Scope{Kind: OfRegion, Code: code} }
func Dep(code string) Scope    { return Scope{Kind: OfDepartement, Code: code} }

// Kinds of points (their colour).
const (
	KindPlace  = "place"
	KindPerson = "person"
)

// Point is something to show on the map.
type Point struct {
	At    LonLat
	Kind  string // KindPlace, KindPerson
	Label string // its name (the text alternative lists it)
	URL   string // where its name links to ("" for none)
	Group string // where it is (a commune's name): names the marker
}

// Map is what to draw. Texts are given translated: the package writes
// none of its own.
type Map struct {
	Scope Scope
	// ID prefixes the ids of the SVG's elements (several maps on a page).
	ID          string
	Title, Desc string
	Points      []Point
	// Classes colours départements: département code → class index in
	// Palette (Classes builds it from values); nil draws them plain.
	Classes map[string]int
	// Width is the nominal width in pixels (marker sizes); 0 means 640.
	Width float64
}

// Marker is one or several points drawn as one numbered circle; the text
// alternative lists markers by number.
type Marker struct {
	N      int
	X, Y   float64 // in the SVG's coordinates
	R      float64
	Points []Point
	Group  string         // the most frequent Group of its points
	Counts map[string]int // points per kind
}

// Count is how many points the marker stands for.
func (m *Marker) Count() int { return len(m.Points) }

// Drawing is a drawn map.
type Drawing struct {
	SVG     template.HTML
	Markers []Marker
	// Outside are the points the map cannot show: no position in any
	// frame (Clipperton, TAAF, wrong coordinates) or outside its territory.
	Outside []Point
	// Total is the number of points asked for.
	Total int
}

// Colours. Palette is a sequential colour-blind-safe scale (ColorBrewer
// BuGn, 5 classes) for Classes.
var Palette = []string{"#edf8fb", "#b2e2e2", "#66c2a4", "#2ca25f", "#006d2c"}

const (
	landFill      = "#e3e9ef"
	landStroke    = "#5d6b7a"
	contextFill   = "#f4f5f7"
	contextStroke = "#c3cad2"
	insetStroke   = "#8a96a3"
)

var kindFill = map[string]string{KindPlace: "#a4271b", KindPerson: "#1b4f8a"}

const mixedFill = "#5b3a87"

// placed is a frame laid out in the output: output = scale·plane + offset.
type placed struct {
	frame *frame
	k     float64
	dx    float64
	dy    float64
	view  Box      // the part of the plane shown
	clip  Box      // where it lands in the output
	deps  []string // départements drawn in scope
	ctx   []string // neighbours drawn for context
	label string   // inset caption (national map)
}

func (p *placed) out(q XY) XY { return XY{q.X*p.k + p.dx, q.Y*p.k + p.dy} }

// Draw draws a map.
func (a *Atlas) Draw(m Map) (*Drawing, error) {
	if m.Width <= 0 {
		m.Width = 640
	}
	if m.ID == "" {
		m.ID = "carte"
	}
	// Where each point goes.
	type located struct {
		p     Point
		frame string
		at    XY
	}
	var pts []located
	d := &Drawing{Total: len(m.Points)}
	usedFrames := map[string]bool{}
	for _, p := range m.Points {
		f, at, ok := a.Locate(p.At)
		if !ok || math.IsNaN(p.At.Lat) || math.IsNaN(p.At.Lon) {
			d.Outside = append(d.Outside, p)
			continue
		}
		pts = append(pts, located{p, f, at})
		usedFrames[f] = true
	}
	layout, w, h, err := a.layout(m.Scope, usedFrames)
	if err != nil {
		return nil, err
	}
	s := w / m.Width // output units per pixel
	// Markers gather within a frame, never across an inset's border;
	// they are numbered frame by frame (metropolitan France first), top
	// to bottom.
	dots := make([][]dot, len(layout))
	for _, lp := range pts {
		i := slices.IndexFunc(layout, func(pl *placed) bool { return pl.frame.Code == lp.frame })
		if i < 0 || !layout[i].view.Contains(lp.at) {
			d.Outside = append(d.Outside, lp.p)
			continue
		}
		o := layout[i].out(lp.at)
		dots[i] = append(dots[i], dot{x: o.X / s, y: o.Y / s, p: lp.p})
	}
	for _, frameDots := range dots {
		var ms []Marker
		for _, c := range cluster(frameDots) {
			mk := Marker{X: c.x * s, Y: c.y * s, R: radius(len(c.points)) * s, Counts: map[string]int{}}
			groups := map[string]int{}
			for _, p := range c.points {
				mk.Points = append(mk.Points, p)
				mk.Counts[p.Kind]++
				groups[p.Group]++
			}
			best := -1
			for g, n := range groups {
				if g != "" && (n > best || n == best && g < mk.Group) {
					mk.Group, best = g, n
				}
			}
			ms = append(ms, mk)
		}
		slices.SortStableFunc(ms, func(x, y Marker) int {
			if c := cmpFloat(x.Y, y.Y); c != 0 {
				return c
			}
			return cmpFloat(x.X, y.X)
		})
		d.Markers = append(d.Markers, ms...)
	}
	for i := range d.Markers {
		d.Markers[i].N = i + 1
	}
	d.SVG = template.HTML(a.svg(m, layout, w, h, s, d.Markers))
	return d, nil
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// layout places the frames of a scope in the output and returns its size.
func (a *Atlas) layout(sc Scope, used map[string]bool) ([]*placed, float64, float64, error) {
	switch sc.Kind {
	case National:
		metro := a.byFrame[Metro]
		pad := 6.0
		main := &placed{frame: metro, k: 1, view: metro.Box.Grow(2)}
		for _, c := range a.codes {
			if a.deps[c].Frame == Metro {
				main.deps = append(main.deps, c)
			}
		}
		var insets []*placed
		for _, f := range a.frames {
			if f.Code == Metro {
				continue
			}
			dep := a.deps[f.Code]
			if dep == nil {
				continue
			}
			// The five overseas départements are always shown; the
			// collectivities when a point lies there.
			if len(dep.Code) == 3 && dep.Region != "" && len(dep.Region) == 3 && !used[f.Code] {
				continue
			}
			insets = append(insets, &placed{frame: f, view: f.Box.Grow(math.Max(f.Box.W(), f.Box.H()) * 0.06), deps: []string{f.Code}, label: dep.Nom})
		}
		const size, gap, caption = 92.0, 8.0, 13.0
		perCol := 5
		cols := (len(insets) + perCol - 1) / perCol
		colW := float64(cols) * (size + gap)
		for i, in := range insets {
			col, row := i/perCol, i%perCol
			x0, y0 := pad+float64(col)*(size+gap), pad+float64(row)*(size+gap)
			inner := Box{XY{x0 + 3, y0 + caption}, XY{x0 + size - 3, y0 + size - 3}}
			in.k = math.Min(inner.W()/in.view.W(), inner.H()/in.view.H())
			in.dx = (inner.Min.X+inner.Max.X)/2 - in.k*(in.view.Min.X+in.view.Max.X)/2
			in.dy = (inner.Min.Y+inner.Max.Y)/2 - in.k*(in.view.Min.Y+in.view.Max.Y)/2
			in.clip = Box{XY{x0, y0}, XY{x0 + size, y0 + size}}
		}
		main.dx, main.dy = pad+colW-main.view.Min.X, pad-main.view.Min.Y
		main.clip = Box{main.out(main.view.Min), main.out(main.view.Max)}
		w := pad*2 + colW + main.view.W()
		h := pad*2 + math.Max(main.view.H(), float64(min(len(insets), perCol))*(size+gap)-gap)
		return append([]*placed{main}, insets...), w, h, nil
	case OfRegion, OfDepartement:
		var codes []string
		if sc.Kind == OfRegion {
			codes = a.regions[sc.Code]
		} else if _, ok := a.deps[sc.Code]; ok {
			codes = []string{sc.Code}
		}
		if len(codes) == 0 {
			return nil, 0, 0, fmt.Errorf("carto: no outline for %v %q", sc.Kind, sc.Code)
		}
		f := a.byFrame[a.deps[codes[0]].Frame]
		box := emptyBox()
		for _, c := range codes {
			box = box.Union(a.deps[c].Box)
		}
		view := box.Grow(math.Max(box.W(), box.H()) * 0.05)
		pl := &placed{frame: f, view: view, deps: codes}
		for _, c := range a.codes {
			if dep := a.deps[c]; dep.Frame == f.Code && !slices.Contains(codes, c) && dep.Box.Intersects(view) {
				pl.ctx = append(pl.ctx, c)
			}
		}
		// Output in units of about a pixel at the nominal width, so that
		// rounding is uniform whatever the territory's size.
		pl.k = 640 / view.W()
		pl.dx, pl.dy = -view.Min.X*pl.k, -view.Min.Y*pl.k
		pl.clip = Box{XY{0, 0}, XY{view.W() * pl.k, view.H() * pl.k}}
		return []*placed{pl}, pl.clip.Max.X, pl.clip.Max.Y, nil
	}
	return nil, 0, 0, fmt.Errorf("carto: unknown scope %v", sc.Kind)
}

func (a *Atlas) svg(m Map, layout []*placed, w, h, s float64, markers []Marker) string {
	var b strings.Builder
	esc := template.HTMLEscapeString
	id := esc(m.ID)
	num := func(v float64) string { return strconv.FormatFloat(math.Round(v*10)/10, 'f', -1, 64) }
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" class="carto" viewBox="0 0 %s %s" role="img" aria-labelledby="%s-titre %s-desc" font-family="sans-serif">`, num(w), num(h), id, id)
	fmt.Fprintf(&b, `<title id="%s-titre">%s</title><desc id="%s-desc">%s</desc>`, id, esc(m.Title), id, esc(m.Desc))
	for i, pl := range layout {
		full := pl.frame.Affine.Then(Affine{pl.k, 0, pl.dx, 0, pl.k, pl.dy})
		coef := make([]string, 6)
		for j, v := range full {
			coef[j] = strconv.FormatFloat(v, 'g', 10, 64)
		}
		clipID := fmt.Sprintf("%s-cadre-%d", id, i)
		fmt.Fprintf(&b, `<clipPath id="%s"><rect x="%s" y="%s" width="%s" height="%s"/></clipPath>`, clipID, num(pl.clip.Min.X), num(pl.clip.Min.Y), num(pl.clip.W()), num(pl.clip.H()))
		fmt.Fprintf(&b, `<g class="carto-frame" data-frame="%s" data-mercator="%s" clip-path="url(#%s)">`, esc(pl.frame.Code), strings.Join(coef, " "), clipID)
		if pl.label != "" {
			fmt.Fprintf(&b, `<rect x="%s" y="%s" width="%s" height="%s" fill="#ffffff" stroke="%s" stroke-width="1" vector-effect="non-scaling-stroke"/>`, num(pl.clip.Min.X), num(pl.clip.Min.Y), num(pl.clip.W()), num(pl.clip.H()), insetStroke)
		}
		b.WriteString(`<g class="carto-tiles"></g>`)
		for _, c := range pl.ctx {
			a.path(&b, pl, c, contextFill, contextStroke, 0.6)
		}
		for _, c := range pl.deps {
			fill := landFill
			if k, ok := m.Classes[c]; ok && m.Classes != nil {
				fill = Palette[max(0, min(k, len(Palette)-1))]
			}
			a.path(&b, pl, c, fill, landStroke, 0.7)
		}
		if pl.label != "" {
			fmt.Fprintf(&b, `<text x="%s" y="%s" font-size="10" fill="#1f2933" lang="fr">%s</text>`, num(pl.clip.Min.X+4), num(pl.clip.Min.Y+10), esc(pl.label))
		}
		b.WriteString(`</g>`)
	}
	b.WriteString(`<g class="carto-markers">`)
	for _, mk := range markers {
		fill := mixedFill
		if len(mk.Counts) == 1 {
			for k := range mk.Counts {
				if f, ok := kindFill[k]; ok {
					fill = f
				}
			}
		}
		fmt.Fprintf(&b, `<circle cx="%s" cy="%s" r="%s" fill="%s" fill-opacity="0.9" stroke="#ffffff" stroke-width="1.5" vector-effect="non-scaling-stroke"/>`, num(mk.X), num(mk.Y), num(mk.R), fill)
		label := strconv.Itoa(mk.N)
		size := 9.0
		if len(label) > 2 {
			size = 7.5
		}
		fmt.Fprintf(&b, `<text x="%s" y="%s" font-size="%s" font-weight="bold" fill="#ffffff" text-anchor="middle" dominant-baseline="central">%s</text>`, num(mk.X), num(mk.Y), num(size*s), label)
	}
	b.WriteString(`</g></svg>`)
	return b.String()
}

// path writes a département's outline in the output's coordinates.
// pathKey is what an outline's SVG depends on.
type pathKey struct {
	frame        *frame
	k, dx, dy    float64
	code         string
	fill, stroke string
	width        float64
}

// maxPaths bounds the outlines kept: the scopes, insets and fills of the
// portal's maps make a few hundred.
const maxPaths = 4096

func (a *Atlas) path(b *strings.Builder, pl *placed, code, fill, stroke string, width float64) {
	key := pathKey{pl.frame, pl.k, pl.dx, pl.dy, code, fill, stroke, width}
	if s, ok := a.paths.Load(key); ok {
		b.WriteString(s.(string))
		return
	}
	var out strings.Builder
	a.drawPath(&out, pl, code, fill, stroke, width)
	if a.npath.Load() < maxPaths {
		if _, had := a.paths.LoadOrStore(key, out.String()); !had {
			a.npath.Add(1)
		}
	}
	b.WriteString(out.String())
}

func (a *Atlas) drawPath(b *strings.Builder, pl *placed, code, fill, stroke string, width float64) {
	dep := a.deps[code]
	b.WriteString(`<path d="`)
	for _, r := range dep.Rings {
		var lx, ly int64
		first := true
		for _, p := range r {
			o := pl.out(p)
			x, y := int64(math.Round(o.X*10)), int64(math.Round(o.Y*10))
			if first {
				fmt.Fprintf(b, "M%s %s", tenth(x), tenth(y))
				first = false
			} else if x != lx || y != ly {
				fmt.Fprintf(b, "l%s %s", tenth(x-lx), tenth(y-ly))
			}
			lx, ly = x, y
		}
		b.WriteByte('z')
	}
	fmt.Fprintf(b, `" fill="%s" stroke="%s" stroke-width="%s" stroke-linejoin="round" vector-effect="non-scaling-stroke" data-code="%s"><title lang="fr">%s</title></path>`,
		fill, stroke, strconv.FormatFloat(width, 'f', -1, 64), template.HTMLEscapeString(code), template.HTMLEscapeString(dep.Nom))
}

// tenth writes v/10 with at most one decimal.
func tenth(v int64) string {
	s := strconv.FormatInt(v/10, 10)
	if v < 0 && v/10 == 0 {
		s = "-0"
	}
	if r := v % 10; r != 0 {
		if r < 0 {
			r = -r
		}
		s += "." + strconv.FormatInt(r, 10)
	}
	return s
}
