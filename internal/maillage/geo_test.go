package maillage_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"maillage/internal/maillage"
)

// sphereKm is an independent formula for the same distance (Vincenty's
// formula on a sphere, with atan2: well conditioned everywhere).
func sphereKm(lat1, lng1, lat2, lng2 float64) float64 {
	const rad = math.Pi / 180
	p1, p2, dl := lat1*rad, lat2*rad, (lng2-lng1)*rad
	y := math.Hypot(math.Cos(p2)*math.Sin(dl), math.Cos(p1)*math.Sin(p2)-math.Sin(p1)*math.Cos(p2)*math.Cos(dl))
	x := math.Sin(p1)*math.Sin(p2) + math.Cos(p1)*math.Cos(p2)*math.Cos(dl)
	return maillage.EarthRadiusKm * math.Atan2(y, x)
}

func TestDistanceKm(t *testing.T) {
	if maillage.EarthRadiusKm != 6371.0088 {
		t.Fatalf("EarthRadiusKm = %v, want the IUGG mean radius 6371.0088", maillage.EarthRadiusKm)
	}
	tests := []struct {
		name                   string
		lat1, lng1, lat2, lng2 float64
		want                   float64 // km
		tol                    float64 // km
	}{
		{"same point", 45.764, 4.8357, 45.764, 4.8357, 0, 0},
		{"a degree of the equator", 0, 0, 0, 1, 2 * math.Pi * 6371.0088 / 360, 1e-9},
		{"a degree of a meridian", 10, 3, 11, 3, 2 * math.Pi * 6371.0088 / 360, 1e-9},
		{"pole to pole", 90, 0, -90, 0, math.Pi * 6371.0088, 1e-6},
		{"antipodes", 0, 0, 0, 180, math.Pi * 6371.0088, 1e-6},
		{"across the antimeridian", 0, 179.5, 0, -179.5, 2 * math.Pi * 6371.0088 / 360, 1e-9},
		{"Paris – Lyon", 48.8566, 2.3522, 45.7640, 4.8357, 391.5, 0.5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := maillage.DistanceKm(tt.lat1, tt.lng1, tt.lat2, tt.lng2)
			if math.IsNaN(got) || math.Abs(got-tt.want) > tt.tol {
				t.Errorf("DistanceKm = %.6f, want %.6f ± %g", got, tt.want, tt.tol)
			}
			if back := maillage.DistanceKm(tt.lat2, tt.lng2, tt.lat1, tt.lng1); math.Abs(back-got) > 1e-9 {
				t.Errorf("not symmetric: %.9f one way, %.9f back", got, back)
			}
		})
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 10000 {
		lat1, lng1 := rng.Float64()*180-90, rng.Float64()*360-180
		lat2, lng2 := rng.Float64()*180-90, rng.Float64()*360-180
		got, want := maillage.DistanceKm(lat1, lng1, lat2, lng2), sphereKm(lat1, lng1, lat2, lng2)
		if math.Abs(got-want) > 1e-3 { // a metre
			t.Fatalf("DistanceKm(%v, %v, %v, %v) = %.6f, another formula gives %.6f", lat1, lng1, lat2, lng2, got, want)
		}
	}
}
