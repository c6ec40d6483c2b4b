package web

import (
	"encoding/csv"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"maillage/internal/maillage"
)

// directoryExport downloads the people of a département as CSV, with only
// what the viewer may see (the same views as the pages and the API).
func (s *Server) directoryExport(c *fiber.Ctx) error {
	code := strings.TrimSuffix(c.Params("code"), ".csv")
	ctx := c.UserContext()
	var rows [][]string
	rows = append(rows, []string{"id", "nom", "type", "commune", "code_insee", "departement", "presentation", "competences", "titres", "niveau_pix", "mentor_disponible", "ouvert_aux_opportunites", "url"})
	for off := 0; ; off += 1000 {
		people, total, err := s.Profiles.FindProfiles(ctx, maillage.ProfileFilter{Viewer: viewerOf(c), CodeDepartement: code, Offset: off, Limit: 1000})
		if err != nil {
			return err
		}
		for _, p := range people {
			var comps, titles []string
			for _, x := range p.Competences {
				comps = append(comps, x.Code+":"+strconv.Itoa(x.Level))
			}
			for _, x := range p.Titles {
				t := x.CertificationCode
				if x.BlocCode != "" {
					t = x.BlocCode
				}
				titles = append(titles, t)
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
			rows = append(rows, []string{strconv.FormatInt(p.ID, 10), p.DisplayName, string(p.Kind), p.Commune, p.CodeInsee, p.CodeDepartement,
				p.Bio, strings.Join(comps, "|"), strings.Join(titles, "|"), pix, mentor, open, s.cfg.BaseURL.String() + "/profils/" + strconv.FormatInt(p.ID, 10)})
		}
		if off+1000 >= total {
			break
		}
	}
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="maillage-annuaire-`+code+`.csv"`)
	w := csv.NewWriter(c)
	if err := w.WriteAll(rows); err != nil {
		return err
	}
	return nil
}
