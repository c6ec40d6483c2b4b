package web

import (
	"github.com/gofiber/fiber/v2"

	"maillage/internal/maillage"
)

// apiCompetences lists the competencies of the CRCN (Pix), optionally of one domain.
func (s *Server) apiCompetences(c *fiber.Ctx) error {
	q := newQuery(c)
	domain := c.Query("domaine")
	if len(domain) > 10 {
		q.fields["domaine"] = "Code de domaine attendu, de 1 à 5."
	}
	if err := q.err(); err != nil {
		return err
	}
	cs, total, err := s.Referential.FindCompetences(c.UserContext(), maillage.CompetenceFilter{DomainCode: domain})
	if err != nil {
		return err
	}
	return c.JSON(newList(cs, total, 0, 0))
}

// apiCertifications lists the titles (RNCP) and certifications (RS) with their blocs.
func (s *Server) apiCertifications(c *fiber.Ctx) error {
	q := newQuery(c)
	kind := maillage.CertificationKind(c.Query("kind"))
	if kind != "" && !kind.Valid() {
		q.fields["kind"] = "Valeurs possibles : RNCP ou RS."
	}
	if err := q.err(); err != nil {
		return err
	}
	cs, total, err := s.Referential.FindCertifications(c.UserContext(), maillage.CertificationFilter{Kind: kind})
	if err != nil {
		return err
	}
	return c.JSON(newList(cs, total, 0, 0))
}
