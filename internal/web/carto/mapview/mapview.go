// Package mapview puts points on a map in a page: it places search hits
// and structures (internal/carto draws), and renders the map with its
// text alternative (the numbered list of its markers, with links). The
// search page, the directory and the embeddable map (/carte) share it.
// Its texts are the "carto." keys of the carto capability's catalogue.
package mapview

import (
	"bytes"
	"context"
	_ "embed"
	"html/template"
	"math"
	"net/url"
	"strconv"

	lru "github.com/hashicorp/golang-lru/v2"

	"maillage/internal/carto"
	"maillage/internal/maillage"
	"maillage/internal/web/kit"
)

// Places gives structures by id (postgres.SearchStore).
type Places interface {
	Structures(ctx context.Context, ids []int64) ([]*maillage.Structure, error)
}

// HitPoints places search hits: a place at its coordinates (or its
// commune's centre), a person at the centre of their commune when the hit
// names it — a hit holds only what its viewer may see, so a person whose
// commune is hidden from the viewer is not placed. It returns how many
// hits could not be placed.
func HitPoints(ctx context.Context, a *carto.Atlas, places Places, hits []maillage.SearchHit) ([]carto.Point, int, error) {
	var ids []int64
	for _, h := range hits {
		if h.Type == maillage.SearchStructure {
			ids = append(ids, h.ID)
		}
	}
	where := map[int64]*maillage.Structure{}
	if len(ids) > 0 {
		ss, err := places.Structures(ctx, ids)
		if err != nil {
			return nil, 0, err
		}
		for _, s := range ss {
			where[s.ID] = s
		}
	}
	var out []carto.Point
	unplaced := 0
	for _, h := range hits {
		p := carto.Point{Label: h.Title, URL: h.URL, Group: h.Commune}
		ok := false
		switch h.Type {
		case maillage.SearchStructure:
			p.Kind = carto.KindPlace
			if s := where[h.ID]; s != nil {
				p.At, ok = structurePosition(a, s)
			}
		case maillage.SearchProfile:
			p.Kind = carto.KindPerson
			if h.Commune != "" && h.Departement != "" {
				p.At, ok = a.CommuneByName(h.Departement, h.Commune)
			}
		}
		if !ok {
			unplaced++
			continue
		}
		out = append(out, p)
	}
	return out, unplaced, nil
}

// StructurePoints places structures (the places of a territory); it
// returns how many have no position.
func StructurePoints(a *carto.Atlas, ss []*maillage.Structure) ([]carto.Point, int) {
	var out []carto.Point
	unplaced := 0
	for _, s := range ss {
		at, ok := structurePosition(a, s)
		if !ok {
			unplaced++
			continue
		}
		out = append(out, carto.Point{At: at, Kind: carto.KindPlace, Label: s.Lieu.Nom, URL: "/structures/" + strconv.FormatInt(s.ID, 10), Group: s.Lieu.Commune})
	}
	return out, unplaced
}

func structurePosition(a *carto.Atlas, s *maillage.Structure) (carto.LonLat, bool) {
	if l := s.Lieu; l.Latitude != nil && l.Longitude != nil {
		return carto.LonLat{Lon: *l.Longitude, Lat: *l.Latitude}, true
	}
	if s.Lieu.CodeInsee != "" {
		return a.CommuneByCode(s.Lieu.CodeInsee)
	}
	return carto.LonLat{}, false
}

// Options say what map to render.
type Options struct {
	ID          string // prefix of element ids
	Scope       carto.Scope
	Title, Desc string // translated: the SVG's <title> and <desc>
	Heading     int    // level of the text alternative's heading (2 or 3)
	// Unplaced is how many things have no position (listed as a count).
	Unplaced int
	// Tiles, when set, lets web/static/js/carte.js show tiles under the
	// SVG (MAILLAGE_TILE_URL), with their credit.
	Tiles       *url.URL
	Attribution string
	// Embed opens links in a new window (the map is in another site's
	// frame).
	Embed bool
	// MaxPerMarker is how many points a marker's entry lists (0: 12).
	MaxPerMarker int
}

//go:embed map.html
var mapHTML string

var mapTemplate = template.Must(template.New("map").Funcs(template.FuncMap{
	"take": func(n int, ps []carto.Point) []carto.Point { return ps[:min(n, len(ps))] },
	"sub":  func(a, b int) int { return a - b },
}).Parse(mapHTML))

// rendered keeps maps already rendered, by everything their HTML depends on
// (renderKey): the directory page of a département draws the same map for
// every visitor until a place changes, and drawing it was a fifth of that
// page's time. The key is the content itself, so a kept map is never an
// old one.
var rendered, _ = lru.New[kit.Key, template.HTML](128)

// maxKept is the largest map kept (a national map of thousands of places
// is drawn each time rather than crowd out the others).
const maxKept = 256 << 10

// renderKey digests the language, the options and every point.
func renderKey(lang string, o Options, pts []carto.Point) kit.Key {
	d := kit.NewDigest()
	tiles := ""
	if o.Tiles != nil {
		tiles = o.Tiles.String()
	}
	d.Str(lang)
	d.Str(o.ID)
	d.Num(uint64(o.Scope.Kind))
	d.Str(o.Scope.Code)
	d.Str(o.Title)
	d.Str(o.Desc)
	d.Num(uint64(o.Heading))
	d.Num(uint64(o.Unplaced))
	d.Str(tiles)
	d.Str(o.Attribution)
	d.Bool(o.Embed)
	d.Num(uint64(o.MaxPerMarker))
	d.Num(uint64(len(pts)))
	for _, p := range pts {
		d.Num(math.Float64bits(p.At.Lon))
		d.Num(math.Float64bits(p.At.Lat))
		d.Str(p.Kind)
		d.Str(p.Label)
		d.Str(p.URL)
		d.Str(p.Group)
	}
	return d.Sum()
}

// Render draws the points and renders the map with its text alternative.
func Render(p *kit.Page, o Options, pts []carto.Point) (template.HTML, error) {
	key := renderKey(p.Lang, o, pts)
	if h, ok := rendered.Get(key); ok {
		return h, nil
	}
	h, err := render(p, o, pts)
	if err == nil && len(h) <= maxKept {
		rendered.Add(key, h)
	}
	return h, err
}

func render(p *kit.Page, o Options, pts []carto.Point) (template.HTML, error) {
	a, err := carto.Default()
	if err != nil {
		return "", err
	}
	d, err := a.Draw(carto.Map{Scope: o.Scope, ID: o.ID, Title: o.Title, Desc: o.Desc, Points: pts})
	if err != nil {
		return "", err
	}
	if o.MaxPerMarker <= 0 {
		o.MaxPerMarker = 12
	}
	var tiles string
	if o.Tiles != nil {
		tiles = o.Tiles.String()
		// url.URL escapes the braces of the template.
		tiles = unescapeBraces(tiles)
	}
	var b bytes.Buffer
	err = mapTemplate.Execute(&b, struct {
		P      *kit.Page
		O      Options
		D      *carto.Drawing
		Placed int
		Tiles  string
		Place  string
		Person string
	}{p, o, d, d.Total - len(d.Outside), tiles, carto.KindPlace, carto.KindPerson})
	if err != nil {
		return "", err
	}
	return template.HTML(b.String()), nil
}

func unescapeBraces(s string) string {
	var b bytes.Buffer
	for i := 0; i < len(s); i++ {
		if i+2 < len(s) && s[i] == '%' && (s[i+1:i+3] == "7B" || s[i+1:i+3] == "7b") {
			b.WriteByte('{')
			i += 2
		} else if i+2 < len(s) && s[i] == '%' && (s[i+1:i+3] == "7D" || s[i+1:i+3] == "7d") {
			b.WriteByte('}')
			i += 2
		} else {
			b.WriteByte(s[i])
		}
	}
	return b.String()
}
