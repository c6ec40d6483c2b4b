package maillage

import "math"

// EarthRadiusKm is the mean radius of the Earth (IUGG), in kilometres.
const EarthRadiusKm = 6371.0088

// DistanceKm returns the great-circle distance in kilometres between two
// points given in degrees (haversine formula, exact on a sphere of radius
// EarthRadiusKm and accurate at every distance that matters here: the
// formula loses precision only near antipodal points).
func DistanceKm(lat1, lng1, lat2, lng2 float64) float64 {
	const rad = math.Pi / 180
	sdLat := math.Sin((lat2 - lat1) * rad / 2)
	sdLng := math.Sin((lng2 - lng1) * rad / 2)
	a := sdLat*sdLat + math.Cos(lat1*rad)*math.Cos(lat2*rad)*sdLng*sdLng
	return 2 * EarthRadiusKm * math.Asin(math.Sqrt(min(a, 1)))
}
