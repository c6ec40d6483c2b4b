package carto

import "math"

// Ring is a closed polygon ring (the last point joins the first).
type Ring []XY

// Box is an axis-aligned rectangle.
type Box struct{ Min, Max XY }

// emptyBox is the identity of Extend.
func emptyBox() Box {
	return Box{XY{math.Inf(1), math.Inf(1)}, XY{math.Inf(-1), math.Inf(-1)}}
}

// Extend returns b grown to hold p.
func (b Box) Extend(p XY) Box {
	return Box{XY{math.Min(b.Min.X, p.X), math.Min(b.Min.Y, p.Y)}, XY{math.Max(b.Max.X, p.X), math.Max(b.Max.Y, p.Y)}}
}

// Union returns the box holding b and o.
func (b Box) Union(o Box) Box { return b.Extend(o.Min).Extend(o.Max) }

// Empty reports whether b holds nothing.
func (b Box) Empty() bool { return b.Min.X > b.Max.X }

// W and H are the box's width and height.
func (b Box) W() float64 { return b.Max.X - b.Min.X }
func (b Box) H() float64 { return b.Max.Y - b.Min.Y }

// Contains reports whether p is in b.
func (b Box) Contains(p XY) bool {
	return p.X >= b.Min.X && p.X <= b.Max.X && p.Y >= b.Min.Y && p.Y <= b.Max.Y
}

// Intersects reports whether b and o overlap.
func (b Box) Intersects(o Box) bool {
	return b.Min.X <= o.Max.X && o.Min.X <= b.Max.X && b.Min.Y <= o.Max.Y && o.Min.Y <= b.Max.Y
}

// Grow returns b with a margin of m on every side.
func (b Box) Grow(m float64) Box {
	return Box{XY{b.Min.X - m, b.Min.Y - m}, XY{b.Max.X + m, b.Max.Y + m}}
}

func boxOf(rings []Ring) Box {
	b := emptyBox()
	for _, r := range rings {
		for _, p := range r {
			b = b.Extend(p)
		}
	}
	return b
}

// Inside reports whether p lies inside the polygon made of rings (even-odd
// rule: holes and islands alike).
func Inside(rings []Ring, p XY) bool {
	in := false
	for _, r := range rings {
		for i, j := 0, len(r)-1; i < len(r); j, i = i, i+1 {
			a, b := r[j], r[i]
			if (b.Y > p.Y) != (a.Y > p.Y) && p.X < (a.X-b.X)*(p.Y-b.Y)/(a.Y-b.Y)+b.X {
				in = !in
			}
		}
	}
	return in
}

// Nearest returns the point of the rings' outline nearest to p, and its
// distance.
func Nearest(rings []Ring, p XY) (XY, float64) {
	best, bestD := XY{}, math.Inf(1)
	for _, r := range rings {
		for i, j := 0, len(r)-1; i < len(r); j, i = i, i+1 {
			a, b := r[j], r[i]
			dx, dy := b.X-a.X, b.Y-a.Y
			t := 0.0
			if l := dx*dx + dy*dy; l > 0 {
				t = math.Max(0, math.Min(1, ((p.X-a.X)*dx+(p.Y-a.Y)*dy)/l))
			}
			q := XY{a.X + t*dx, a.Y + t*dy}
			if d := math.Hypot(p.X-q.X, p.Y-q.Y); d < bestD {
				best, bestD = q, d
			}
		}
	}
	return best, bestD
}

// Distance is how far p lies outside the polygon (0 inside).
func Distance(rings []Ring, p XY) float64 {
	if Inside(rings, p) {
		return 0
	}
	_, d := Nearest(rings, p)
	return d
}

// centroid is the area centroid of the polygon.
func centroid(rings []Ring) XY {
	var a, cx, cy float64
	for _, r := range rings {
		for i := range r {
			p, q := r[i], r[(i+1)%len(r)]
			c := p.X*q.Y - q.X*p.Y
			a += c
			cx += (p.X + q.X) * c
			cy += (p.Y + q.Y) * c
		}
	}
	if a == 0 {
		return boxCenter(boxOf(rings))
	}
	return XY{cx / (3 * a), cy / (3 * a)}
}

func boxCenter(b Box) XY { return XY{(b.Min.X + b.Max.X) / 2, (b.Min.Y + b.Max.Y) / 2} }

// simplify is Douglas–Peucker on a closed ring with tolerance tol.
func simplify(r Ring, tol float64) Ring {
	if len(r) < 4 {
		return r
	}
	keep := make([]bool, len(r))
	keep[0], keep[len(r)-1] = true, true
	var rec func(i, j int)
	rec = func(i, j int) {
		far, at := 0.0, -1
		for k := i + 1; k < j; k++ {
			if d := segDist(r[k], r[i], r[j]); d > far {
				far, at = d, k
			}
		}
		if at >= 0 && far > tol {
			keep[at] = true
			rec(i, at)
			rec(at, j)
		}
	}
	// Split the ring at its farthest point from the first so both halves
	// are open polylines.
	far, at := 0.0, 1
	for k := 1; k < len(r); k++ {
		if d := math.Hypot(r[k].X-r[0].X, r[k].Y-r[0].Y); d > far {
			far, at = d, k
		}
	}
	keep[at] = true
	rec(0, at)
	rec(at, len(r)-1)
	var out Ring
	for k, p := range r {
		if keep[k] {
			out = append(out, p)
		}
	}
	return out
}

func segDist(p, a, b XY) float64 {
	dx, dy := b.X-a.X, b.Y-a.Y
	l := dx*dx + dy*dy
	if l == 0 {
		return math.Hypot(p.X-a.X, p.Y-a.Y)
	}
	t := math.Max(0, math.Min(1, ((p.X-a.X)*dx+(p.Y-a.Y)*dy)/l))
	return math.Hypot(p.X-(a.X+t*dx), p.Y-(a.Y+t*dy))
}
