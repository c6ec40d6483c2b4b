package web

import (
	"github.com/gofiber/fiber/v2"

	"maillage/internal/maillage"
)

type directoryData struct {
	Code, Nom   string
	Counts      []maillage.DirectoryCount
	Total       maillage.DirectoryCount
	People      []*maillage.Profile
	PeopleTotal int
	Places      []*maillage.Structure
	PlacesTotal int
	KindLabels  map[maillage.ProfileKind]string
	Kinds       []maillage.ProfileKind
	Page, Pages int
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
func (s *Server) directory(c *fiber.Ctx) error {
	counts, err := s.Profiles.CountByRegion(c.UserContext(), viewerOf(c))
	if err != nil {
		return err
	}
	d := directoryData{Counts: counts, Total: sum(counts), KindLabels: kindLabels, Kinds: maillage.ProfileKinds}
	return s.render(c, fiber.StatusOK, "directory", s.page(c, "network.directory.title", "directory", d))
}

// directoryRegion lists the départements of a région.
func (s *Server) directoryRegion(c *fiber.Ctx) error {
	code := c.Params("code")
	regions, err := s.Territories.FindRegions(c.UserContext())
	if err != nil {
		return err
	}
	d := directoryData{Code: code, KindLabels: kindLabels, Kinds: maillage.ProfileKinds}
	for _, r := range regions {
		if r.Code == code {
			d.Nom = r.Nom
		}
	}
	if d.Nom == "" {
		return maillage.Errorf(maillage.ENOTFOUND, "Région inconnue.")
	}
	if d.Counts, err = s.Profiles.CountByDepartement(c.UserContext(), viewerOf(c), code); err != nil {
		return err
	}
	d.Total = sum(d.Counts)
	p := s.page(c, "", "directory", d)
	p.Title = d.Nom
	return s.render(c, fiber.StatusOK, "directory_region", p)
}

const directoryPageSize = 50

// directoryDepartement lists the people and places of a département.
func (s *Server) directoryDepartement(c *fiber.Ctx) error {
	code := c.Params("code")
	ctx := c.UserContext()
	deps, err := s.Territories.FindDepartements(ctx)
	if err != nil {
		return err
	}
	d := directoryData{Code: code, KindLabels: kindLabels, Kinds: maillage.ProfileKinds}
	for _, dep := range deps {
		if dep.Code == code {
			d.Nom = dep.Nom
		}
	}
	if d.Nom == "" {
		return maillage.Errorf(maillage.ENOTFOUND, "Département inconnu.")
	}
	d.Page = c.QueryInt("page", 1)
	if d.Page < 1 {
		d.Page = 1
	}
	off := (d.Page - 1) * directoryPageSize
	if d.People, d.PeopleTotal, err = s.Profiles.FindProfiles(ctx, maillage.ProfileFilter{Viewer: viewerOf(c), CodeDepartement: code, Kind: maillage.ProfileKind(c.Query("kind")), Offset: off, Limit: directoryPageSize}); err != nil {
		return err
	}
	if d.Places, d.PlacesTotal, err = s.Structures.FindStructures(ctx, maillage.StructureFilter{CodeDepartement: code, Offset: off, Limit: directoryPageSize}); err != nil {
		return err
	}
	d.Pages = (max(d.PeopleTotal, d.PlacesTotal) + directoryPageSize - 1) / directoryPageSize
	p := s.page(c, "", "directory", d)
	p.Title = d.Nom
	return s.render(c, fiber.StatusOK, "directory_departement", p)
}
