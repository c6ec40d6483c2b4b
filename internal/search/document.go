package search

import (
	"context"
	"math"
	"strings"
)

// IDs pages through the ids of a table, ascending (internal/postgres).
type IDs interface {
	EntityIDs(ctx context.Context, table string, after int64, limit int) ([]int64, error)
}

// Geo is Meilisearch's _geo attribute.
type Geo struct {
	Lat float64 `json:"lat"`
	Lng float64 `json:"lng"`
}

// geo returns the point when both coordinates are real ones: a NaN cannot
// even be encoded in JSON, and an out-of-range value would put the place
// nowhere (left without _geo, it is still found by text and territory).
func geo(lat, lng *float64) *Geo {
	if lat == nil || lng == nil || math.IsNaN(*lat) || math.IsNaN(*lng) || math.Abs(*lat) > 90 || math.Abs(*lng) > 180 {
		return nil
	}
	return &Geo{Lat: *lat, Lng: *lng}
}

// clean removes the private-use characters used as highlight marks, so a
// value can never forge a highlight.
func clean(s string) string {
	if !strings.ContainsAny(s, markPre+markPost) {
		return s
	}
	return strings.NewReplacer(markPre, "", markPost, "").Replace(s)
}

func cleanAll(ss []string) []string {
	var out []string
	for _, s := range ss {
		if s = clean(strings.TrimSpace(s)); s != "" {
			out = append(out, s)
		}
	}
	return out
}
