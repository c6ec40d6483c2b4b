package web

import (
	"bytes"
	"regexp"

	"github.com/gofiber/fiber/v2"

	"maillage/internal/lieux"
	"maillage/internal/maillage"
)

var departementCode = regexp.MustCompile(`^(\d{2}|2[AB]|\d{3})$`)

// lieuxCSV exports the places in the national standard (CSV).
func (s *Server) lieuxCSV(c *fiber.Ctx) error { return s.exportLieux(c, lieux.FormatCSV) }

// lieuxJSON exports the places in the national standard (JSON).
func (s *Server) lieuxJSON(c *fiber.Ctx) error { return s.exportLieux(c, lieux.FormatJSON) }

// exportLieux writes every place (of a département with ?departement=) in
// the schema's column order; the file is open data.
func (s *Server) exportLieux(c *fiber.Ctx, format lieux.Format) error {
	dep := c.Query("departement")
	if dep != "" && !departementCode.MatchString(dep) {
		return invalidMap(map[string]string{"departement": "Code de département invalide : indiquez par exemple 69, 2A ou 974."})
	}
	ls, err := s.Structures.AllLieux(c.UserContext(), maillage.StructureFilter{CodeDepartement: dep})
	if err != nil {
		return err
	}
	var b bytes.Buffer
	name := "lieux-mediation-numerique"
	if dep != "" {
		name += "-" + dep
	}
	if format == lieux.FormatJSON {
		err = lieux.WriteJSON(&b, ls)
		c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
		name += ".json"
	} else {
		err = lieux.WriteCSV(&b, ls)
		c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
		name += ".csv"
	}
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+name+`"`)
	return c.Send(b.Bytes())
}
