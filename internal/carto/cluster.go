package carto

import (
	"math"
	"slices"
)

type dot struct {
	x, y float64 // in pixels at the nominal width
	p    Point
}

type clusterAt struct {
	x, y   float64
	points []Point
}

// radius is a marker's radius in pixels: its area grows with the number
// of points it stands for (7 px for one, 22 px at most).
func radius(n int) float64 { return math.Min(7+2*math.Sqrt(float64(n-1)), 22) }

// cluster gathers dots whose markers would overlap into one marker at
// their mean position, until no two markers overlap. Dots are first
// bucketed on a 4-pixel grid, so thousands of points cost little.
func cluster(dots []dot) []clusterAt {
	slices.SortStableFunc(dots, func(a, b dot) int {
		if c := cmpFloat(a.y, b.y); c != 0 {
			return c
		}
		return cmpFloat(a.x, b.x)
	})
	buckets := map[[2]int]*clusterAt{}
	var cs []*clusterAt
	for _, d := range dots {
		k := [2]int{int(math.Floor(d.x / 4)), int(math.Floor(d.y / 4))}
		c := buckets[k]
		if c == nil {
			c = &clusterAt{x: d.x, y: d.y}
			buckets[k] = c
			cs = append(cs, c)
		} else {
			n := float64(len(c.points))
			c.x, c.y = (c.x*n+d.x)/(n+1), (c.y*n+d.y)/(n+1)
		}
		c.points = append(c.points, d.p)
	}
	for {
		bi, bj, best := -1, -1, math.Inf(1)
		for i := range cs {
			for j := i + 1; j < len(cs); j++ {
				d := math.Hypot(cs[i].x-cs[j].x, cs[i].y-cs[j].y)
				if gap := d - (radius(len(cs[i].points)) + radius(len(cs[j].points)) + 1); gap < 0 && gap < best {
					bi, bj, best = i, j, gap
				}
			}
		}
		if bi < 0 {
			break
		}
		a, b := cs[bi], cs[bj]
		na, nb := float64(len(a.points)), float64(len(b.points))
		a.x, a.y = (a.x*na+b.x*nb)/(na+nb), (a.y*na+b.y*nb)/(na+nb)
		a.points = append(a.points, b.points...)
		cs = append(cs[:bj], cs[bj+1:]...)
	}
	out := make([]clusterAt, len(cs))
	for i, c := range cs {
		out[i] = *c
	}
	return out
}
