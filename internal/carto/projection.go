package carto

import "math"

// LonLat is a position in WGS84 degrees.
type LonLat struct{ Lon, Lat float64 }

// XY is a position on a plane (a map's units; y grows downwards, as in SVG).
type XY struct{ X, Y float64 }

// Mercator is the spherical Mercator projection (EPSG:3857 without the
// Earth radius): x = λ, y = ln tan(π/4 + φ/2), both in radians. It is
// conformal, the projection of the base map of metropolitan France (see
// content/carto/SOURCE.md: the map's départements fit it, and not
// Lambert-93) and of web map tiles, so that tiles fall under the same
// points.
func Mercator(p LonLat) XY {
	lat := math.Max(-85, math.Min(85, p.Lat))
	return XY{p.Lon * math.Pi / 180, math.Log(math.Tan(math.Pi/4 + lat*math.Pi/360))}
}

// InverseMercator is the inverse of Mercator.
func InverseMercator(m XY) LonLat {
	return LonLat{m.X * 180 / math.Pi, (2*math.Atan(math.Exp(m.Y)) - math.Pi/2) * 180 / math.Pi}
}

// Affine is x' = A·x + B·y + C, y' = D·x + E·y + F.
type Affine [6]float64

// Apply maps p.
func (a Affine) Apply(p XY) XY {
	return XY{a[0]*p.X + a[1]*p.Y + a[2], a[3]*p.X + a[4]*p.Y + a[5]}
}

// Then is the affine map doing a, then b.
func (a Affine) Then(b Affine) Affine {
	return Affine{
		b[0]*a[0] + b[1]*a[3], b[0]*a[1] + b[1]*a[4], b[0]*a[2] + b[1]*a[5] + b[2],
		b[3]*a[0] + b[4]*a[3], b[3]*a[1] + b[4]*a[4], b[3]*a[2] + b[4]*a[5] + b[5],
	}
}

// Similar returns the map scaling by k then translating by (dx, dy).
func Similar(k, dx, dy float64) Affine { return Affine{k, 0, dx, 0, k, dy} }

// FitAffine is the least-squares affine map taking each src[i] to dst[i].
func FitAffine(src, dst []XY) Affine {
	var m [3][3]float64
	var bx, by [3]float64
	for i := range src {
		v := [3]float64{src[i].X, src[i].Y, 1}
		for r := 0; r < 3; r++ {
			for c := 0; c < 3; c++ {
				m[r][c] += v[r] * v[c]
			}
			bx[r] += v[r] * dst[i].X
			by[r] += v[r] * dst[i].Y
		}
	}
	x, y := solve3(m, bx), solve3(m, by)
	return Affine{x[0], x[1], x[2], y[0], y[1], y[2]}
}

// solve3 solves m·v = b by Cramer's rule (m is a 3×3 normal matrix).
func solve3(m [3][3]float64, b [3]float64) [3]float64 {
	det := func(m [3][3]float64) float64 {
		return m[0][0]*(m[1][1]*m[2][2]-m[1][2]*m[2][1]) - m[0][1]*(m[1][0]*m[2][2]-m[1][2]*m[2][0]) + m[0][2]*(m[1][0]*m[2][1]-m[1][1]*m[2][0])
	}
	d := det(m)
	var out [3]float64
	for k := 0; k < 3; k++ {
		mk := m
		for i := 0; i < 3; i++ {
			mk[i][k] = b[i]
		}
		out[k] = det(mk) / d
	}
	return out
}

// earthRadiusKm is the radius of the spherical Mercator (WGS84 a).
const earthRadiusKm = 6378.137

// LocalFrame is the affine map from Mercator to a plane in kilometres at
// latitude lat0 (true scale there), y downwards, origin at (lon0, lat0).
// Overseas territories are drawn in such a frame: a Mercator true to
// scale at their own latitude is conformal and close to exact over a
// territory of their size.
func LocalFrame(lon0, lat0 float64) Affine {
	k := earthRadiusKm * math.Cos(lat0*math.Pi/180)
	o := Mercator(LonLat{lon0, lat0})
	return Affine{k, 0, -k * o.X, 0, -k, k * o.Y}
}
