package maillage_test

import (
	"math"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"maillage/internal/maillage"
)

// FuzzSearchQueryNormalize: whatever the query string holds, Normalize
// gives a query the engines can take: bounded, valid UTF-8 texts without
// control characters, a page within MaxSearchResults, a radius offered,
// known types and facets; and normalizing again changes nothing.
func FuzzSearchQueryNormalize(f *testing.F) {
	f.Add("\x00", "\x00", 1, 20, 30, "", "profile", "kind", "\x00")
	f.Add("médiateur", "Lyon", 2, 10, 10, "distance", "profile,structure", "kind", "mediateur")
	f.Add("", "", 0, 0, 0, "nom", "", "", "")
	f.Add(strings.Repeat("é", 300), strings.Repeat("a", 100), -5, 1000, 7, "distance", "job,profile,profile", "couleur", "bleu")
	f.Add("a\u2028b", "\xffLyon", math.MaxInt, math.MaxInt, 30, "pertinence", "structure", "departement", " 69 ")
	f.Add("q", "", math.MaxInt/20+1, 20, 30, "", "", "departement", strings.Repeat("9", 201))
	f.Add("q", "Paris", math.MinInt, math.MinInt, math.MinInt, "distance", ",", "kind", "\t")
	types, facets := []string{maillage.SearchProfile, maillage.SearchStructure}, []string{"kind", "departement", "roles"}
	f.Fuzz(func(t *testing.T, q, near string, page, perPage, radius int, sort, typeList, facet, value string) {
		sq := maillage.SearchQuery{Q: q, Near: near, Page: page, PerPage: perPage, RadiusKm: radius, Sort: sort,
			Types: strings.Split(typeList, ","), Filters: map[string][]string{facet: {value, value + " ", "x"}, "kind": {value}}}
		sq.Normalize(types, facets)
		text := func(name, s string, max int) {
			t.Helper()
			if !utf8.ValidString(s) || maillage.HasControl(s, false) || utf8.RuneCountInString(s) > max || s != strings.TrimSpace(s) {
				t.Fatalf("%s = %q after Normalize", name, s)
			}
		}
		text("Q", sq.Q, 200)
		text("Near", sq.Near, 80)
		if sq.Page < 1 || sq.PerPage < 1 || sq.PerPage > 100 || sq.Page > maillage.MaxSearchResults/sq.PerPage {
			t.Fatalf("page %d of %d (from page %d of %d): past the %d results that can be paged", sq.Page, sq.PerPage, page, perPage, maillage.MaxSearchResults)
		}
		if !slices.Contains(maillage.SearchRadii, sq.RadiusKm) {
			t.Fatalf("radius %d", sq.RadiusKm)
		}
		if sq.Sort != "" && sq.Sort != "nom" && (sq.Sort != "distance" || sq.Near == "") {
			t.Fatalf("sort %q near %q", sq.Sort, sq.Near)
		}
		for i, ty := range sq.Types {
			if !slices.Contains(types, ty) || slices.Index(sq.Types, ty) != i {
				t.Fatalf("types %v", sq.Types)
			}
		}
		for k, vs := range sq.Filters {
			if !slices.Contains(facets, k) || len(vs) == 0 || len(vs) > 20 {
				t.Fatalf("filter %q = %v", k, vs)
			}
			for i, v := range vs {
				text("filter value", v, 200)
				if v == "" || slices.Index(vs, v) != i {
					t.Fatalf("filter %q = %q", k, vs)
				}
			}
		}
		again := sq
		again.Types = slices.Clone(sq.Types)
		again.Filters = map[string][]string{}
		for k, vs := range sq.Filters {
			again.Filters[k] = slices.Clone(vs)
		}
		again.Normalize(types, facets)
		if diff := cmp.Diff(sq, again); diff != "" {
			t.Fatalf("Normalize is not stable (-once +twice):\n%s", diff)
		}
	})
}
