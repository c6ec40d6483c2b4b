package web

import (
	"github.com/gofiber/fiber/v2"
)

type audience struct{ Title, Text string }

var audiences = []audience{
	{"home.aud.conseiller.title", "home.aud.conseiller.text"},
	{"home.aud.mediateur.title", "home.aud.mediateur.text"},
	{"home.aud.coordinateur.title", "home.aud.coordinateur.text"},
	{"home.aud.employeur.title", "home.aud.employeur.text"},
	{"home.aud.formation.title", "home.aud.formation.text"},
	{"home.aud.aidant.title", "home.aud.aidant.text"},
	{"home.aud.instructeur.title", "home.aud.instructeur.text"},
	{"home.aud.public.title", "home.aud.public.text"},
	{"home.aud.admin.title", "home.aud.admin.text"},
}

func (s *Server) home(c *fiber.Ctx) error {
	ctx := c.UserContext()
	n, err := s.Territories.CountCommunes(ctx)
	if err != nil {
		return err
	}
	deps, err := s.Territories.FindDepartements(ctx)
	if err != nil {
		return err
	}
	data := struct {
		Communes, Departements int
		Audiences              []audience
	}{n, len(deps), audiences}
	return s.render(c, fiber.StatusOK, "home", s.page(c, "", "home", data))
}

func (s *Server) aboutData(c *fiber.Ctx) error {
	return s.render(c, fiber.StatusOK, "about_data", s.page(c, "home.data.title", "", nil))
}
