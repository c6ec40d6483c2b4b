package network

import (
	"encoding/csv"
	"html/template"
	"regexp"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"maillage/internal/carto"
	"maillage/internal/maillage"
	"maillage/internal/web/carto/mapview"
	"maillage/internal/web/kit"
)

var territoryCode = regexp.MustCompile(`^[0-9][0-9AB][0-9]?$`)

type directoryData struct {
	Code, Nom   string
	Counts      []maillage.DirectoryCount
	Total       maillage.DirectoryCount
	People      []*maillage.Profile
	PeopleTotal int
	Places      []*maillage.Structure
	PlacesTotal int
	Kinds       []maillage.ProfileKind
	Kind        string
	Page, Pages int
	// Map shows every place of the département (up to mapPlaces), not
	// only the page's.
	Map template.HTML
}

func sum(cs []maillage.DirectoryCount) maillage.DirectoryCount {
	t := maillage.DirectoryCount{ByKind: map[maillage.ProfileKind]int{}}
	for _, c := range cs {
		t.People += c.People
		t.Places += c.Places
		for k, n := range c.ByKind {
			t.ByKind[k] += n
		}
	}
	return t
}

// directory lists the régions with their counts of people and places.
func (n *Capability) directory(c *fiber.Ctx) error {
	counts, err := n.d.Profiles.CountByRegion(c.UserContext(), kit.Viewer(c))
	if err != nil {
		return err
	}
	d := directoryData{Counts: counts, Total: sum(counts), Kinds: maillage.ProfileKinds}
	return n.Render(c, fiber.StatusOK, "network/directory", n.Page(c, "network.directory.title", "directory", d))
}

// directoryRegion lists the départements of a région.
func (n *Capability) directoryRegion(c *fiber.Ctx) error {
	code := c.Params("code")
	regions, err := n.d.Territories.FindRegions(c.UserContext())
	if err != nil {
		return err
	}
	d := directoryData{Code: code, Kinds: maillage.ProfileKinds}
	for _, r := range regions {
		if r.Code == code {
			d.Nom = r.Nom
		}
	}
	if d.Nom == "" {
		return maillage.Errorf(maillage.ENOTFOUND, "network.directory.region.unknown")
	}
	if d.Counts, err = n.d.Profiles.CountByDepartement(c.UserContext(), kit.Viewer(c), code); err != nil {
		return err
	}
	d.Total = sum(d.Counts)
	p := n.Page(c, "", "directory", d)
	p.Title = d.Nom
	return n.Render(c, fiber.StatusOK, "network/directory_region", p)
}

const directoryPageSize = 50

// directoryMaxPage bounds the page asked for: a page past the end shows
// nothing, and one so far that its offset would overflow is the same.
const directoryMaxPage = kit.APIMaxOffset / directoryPageSize

// directoryDepartement lists the people and places of a département.
func (n *Capability) directoryDepartement(c *fiber.Ctx) error {
	code := c.Params("code")
	ctx := c.UserContext()
	deps, err := n.d.Territories.FindDepartements(ctx)
	if err != nil {
		return err
	}
	d := directoryData{Code: code, Kinds: maillage.ProfileKinds, Kind: c.Query("kind")}
	for _, dep := range deps {
		if dep.Code == code {
			d.Nom = dep.Nom
		}
	}
	if d.Nom == "" {
		return maillage.Errorf(maillage.ENOTFOUND, "network.directory.departement.unknown")
	}
	if d.Kind != "" && !maillage.ProfileKind(d.Kind).Valid() {
		d.Kind = ""
	}
	d.Page = min(max(c.QueryInt("page", 1), 1), directoryMaxPage)
	off := (d.Page - 1) * directoryPageSize
	if d.People, d.PeopleTotal, err = n.d.Profiles.FindProfiles(ctx, maillage.ProfileFilter{Viewer: kit.Viewer(c), CodeDepartement: code, Kind: maillage.ProfileKind(d.Kind), Offset: off, Limit: directoryPageSize, Brief: true}); err != nil {
		return err
	}
	// The map shows every place of the département (up to mapPlaces):
	// the page's places are read from the same answer when they are in it.
	all, total, err := n.d.Structures.FindStructures(ctx, maillage.StructureFilter{CodeDepartement: code, Limit: mapPlaces, Brief: true})
	if err != nil {
		return err
	}
	d.PlacesTotal = total
	switch {
	case off < len(all):
		d.Places = all[off:min(off+directoryPageSize, len(all))]
	case off < total:
		if d.Places, _, err = n.d.Structures.FindStructures(ctx, maillage.StructureFilter{CodeDepartement: code, Offset: off, Limit: directoryPageSize, Brief: true}); err != nil {
			return err
		}
	}
	d.Pages = (max(d.PeopleTotal, d.PlacesTotal) + directoryPageSize - 1) / directoryPageSize
	p := n.Page(c, "", "directory", &d)
	p.Title = d.Nom
	if d.Map, err = n.placesMap(p, &d, all); err != nil {
		return err
	}
	return n.Render(c, fiber.StatusOK, "network/directory_departement", p)
}

// mapPlaces is how many places the département's map shows.
const mapPlaces = 3000

// placesMap draws the places of the département on its map (the same
// drawing as the embeddable /carte?departement=…).
func (n *Capability) placesMap(p *kit.Page, d *directoryData, ss []*maillage.Structure) (template.HTML, error) {
	a, err := carto.Default()
	if err != nil {
		return "", err
	}
	if _, ok := a.Departement(d.Code); !ok || d.PlacesTotal == 0 {
		return "", nil // TAAF, Clipperton: no outline
	}
	pts, unplaced := mapview.StructurePoints(a, ss)
	return mapview.Render(p, mapview.Options{
		ID: "carte-departement", Scope: carto.Dep(d.Code), Heading: 3, Unplaced: unplaced,
		Title: p.T("carto.directory.title", "Name", d.Nom),
		Desc:  p.T("carto.directory.desc", "Count", len(ss), "Total", p.Int(len(ss)), "Name", d.Nom),
		Tiles: n.Config.TileURL, Attribution: n.Config.TileAttribution,
	}, pts)
}

// directoryExport downloads the people of a département as CSV, with only
// what the viewer may see (the same views as the pages and the API), every
// cell neutralised against formula injection.
func (n *Capability) directoryExport(c *fiber.Ctx) error {
	code := strings.TrimSuffix(c.Params("code"), ".csv")
	if !territoryCode.MatchString(code) {
		return maillage.Errorf(maillage.ENOTFOUND, "network.directory.departement.unknown")
	}
	ctx := c.UserContext()
	rows := [][]string{{"id", "nom", "type", "commune", "code_insee", "departement", "presentation", "competences", "titres", "niveau_pix", "mentor_disponible", "ouvert_aux_opportunites", "url"}}
	for off := 0; ; off += 1000 {
		people, total, err := n.d.Profiles.FindProfiles(ctx, maillage.ProfileFilter{Viewer: kit.Viewer(c), CodeDepartement: code, Offset: off, Limit: 1000})
		if err != nil {
			return err
		}
		for _, p := range people {
			var comps, titles []string
			for _, x := range p.Competences {
				comps = append(comps, x.Code+":"+strconv.Itoa(x.Level))
			}
			for _, x := range p.Titles {
				titles = append(titles, maillage.TitleRef(x))
			}
			pix, mentor, open := "", "", ""
			if p.PixLevel != nil {
				pix = strconv.Itoa(*p.PixLevel)
			}
			if p.Mentor != nil {
				mentor = strconv.FormatBool(p.Mentor.Available)
			}
			if p.OpenToWork != nil {
				open = strconv.FormatBool(*p.OpenToWork)
			}
			row := []string{itoa(p.ID), p.DisplayName, string(p.Kind), p.Commune, p.CodeInsee, p.CodeDepartement,
				p.Bio, strings.Join(comps, "|"), strings.Join(titles, "|"), pix, mentor, open, n.Config.BaseURL.String() + "/profils/" + itoa(p.ID)}
			for i := range row {
				row[i] = maillage.CSVCell(row[i])
			}
			rows = append(rows, row)
		}
		if off+1000 >= total {
			break
		}
	}
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="maillage-annuaire-`+code+`.csv"`)
	if kit.User(c) != nil {
		kit.NoStore(c)
	}
	w := csv.NewWriter(c)
	return w.WriteAll(rows)
}
