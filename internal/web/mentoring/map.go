package mentoring

import (
	"html/template"

	"github.com/gofiber/fiber/v2"

	"maillage/internal/mentoring"
)

// coverageMap draws the départements coloured by coverage (server-side
// SVG). link, when not "", makes each département a link (link + code).
func (m *Capability) coverageMap(c *fiber.Ctx, cov []mentoring.Coverage, link string) (template.HTML, error) {
	return "", nil
}
