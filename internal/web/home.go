package web

import (
	"github.com/gofiber/fiber/v2"
)

type audience struct{ Title, Text string }

var audiences = []audience{
	{"aud.conseiller.title", "aud.conseiller.text"},
	{"aud.mediateur.title", "aud.mediateur.text"},
	{"aud.coordinateur.title", "aud.coordinateur.text"},
	{"aud.employeur.title", "aud.employeur.text"},
	{"aud.formation.title", "aud.formation.text"},
	{"aud.aidant.title", "aud.aidant.text"},
	{"aud.instructeur.title", "aud.instructeur.text"},
	{"aud.public.title", "aud.public.text"},
	{"aud.admin.title", "aud.admin.text"},
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
	return s.render(c, fiber.StatusOK, "about_data", s.page(c, "data.title", "", nil))
}
