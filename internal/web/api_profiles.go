package web

import (
	"github.com/gofiber/fiber/v2"

	"maillage/internal/maillage"
)

// apiProfiles lists the profiles the caller may see, as ViewFor shows them.
// Filters on a field (territory, open to work, mentor) only match profiles
// whose field is visible to the caller, so a filter never reveals a hidden value.
func (s *Server) apiProfiles(c *fiber.Ctx) error {
	q := newQuery(c)
	f := maillage.ProfileFilter{
		Viewer:          viewerOf(c),
		Kind:            maillage.ProfileKind(c.Query("kind")),
		CodeDepartement: q.territory("departement"),
		CodeRegion:      q.territory("region"),
		OpenToWork:      q.boolean("open_to_work"),
		MentorAvailable: q.boolean("mentor"),
	}
	if _, ok := kindLabels[f.Kind]; f.Kind != "" && !ok {
		q.fields["kind"] = "Valeurs possibles : conseiller, mediateur, aidant, coordinateur."
	}
	f.Limit, f.Offset = q.page()
	if err := q.err(); err != nil {
		return err
	}
	ps, total, err := s.Profiles.FindProfiles(c.UserContext(), f)
	if err != nil {
		return err
	}
	return c.JSON(newList(ps, total, f.Limit, f.Offset))
}

// apiProfile returns one profile as the caller may see it; 404 when the
// caller may not see it at all (its existence is not revealed).
func (s *Server) apiProfile(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	p, err := s.Profiles.FindProfileByID(c.UserContext(), viewerOf(c), id)
	if err != nil {
		return err
	}
	return c.JSON(p)
}
