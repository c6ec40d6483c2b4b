package web

import (
	"github.com/gofiber/fiber/v2"

	"maillage/internal/maillage"
)

// apiCommunes serves the commune autocomplete: ?q= name or postcode prefix.
func (s *Server) apiCommunes(c *fiber.Ctx) error {
	q := c.Query("q")
	if len([]rune(q)) > 80 {
		return invalidMap(map[string]string{"q": "La recherche de commune fait au plus 80 caractères."})
	}
	limit := c.QueryInt("limit", 10)
	communes, err := s.Territories.FindCommunes(c.UserContext(), maillage.CommuneFilter{Prefix: q, CodeDepartement: c.Query("departement"), Limit: limit})
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"communes": communes})
}
