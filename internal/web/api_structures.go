package web

import (
	"slices"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"maillage/internal/maillage"
)

// apiStructures lists structures (every field of a place is public data).
func (s *Server) apiStructures(c *fiber.Ctx) error {
	q := newQuery(c)
	f := maillage.StructureFilter{
		CodeDepartement: q.territory("departement"),
		CodeRegion:      q.territory("region"),
		Role:            maillage.StructureRole(c.Query("role")),
	}
	if _, ok := structureRoleLabels[f.Role]; f.Role != "" && !ok {
		q.fields["role"] = "Valeurs possibles : lieu, employeur, organisme_formation, hub."
	}
	f.Limit, f.Offset = q.page()
	if err := q.err(); err != nil {
		return err
	}
	sts, total, err := s.Structures.FindStructures(c.UserContext(), f)
	if err != nil {
		return err
	}
	return c.JSON(newList(sts, total, f.Limit, f.Offset))
}

// apiStructure returns a structure with the members the caller may see.
func (s *Server) apiStructure(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	st, err := s.Structures.FindStructureByID(c.UserContext(), id)
	if err != nil {
		return err
	}
	if err := s.seeMembers(c, st); err != nil {
		return err
	}
	return c.JSON(st)
}

// seeMembers keeps the members whose profile shows the structure to the
// caller: member names come from profiles, whose visibility is the person's choice.
func (s *Server) seeMembers(c *fiber.Ctx, st *maillage.Structure) error {
	var ids []int64
	for _, m := range st.Members {
		if m.ProfileID != nil {
			ids = append(ids, *m.ProfileID)
		}
	}
	var views []*maillage.Profile
	if len(ids) > 0 {
		var err error
		views, _, err = s.Profiles.FindProfiles(c.UserContext(), maillage.ProfileFilter{Viewer: viewerOf(c), IDs: ids, Limit: min(len(ids), 1000)})
		if err != nil {
			return err
		}
	}
	st.Members = st.MembersSeenBy(views)
	return nil
}

// structureInput is the body of POST /api/structures. date_maj is accepted
// but set by the portal (the day of the change).
type structureInput struct {
	Lieu struct {
		maillage.Lieu
		DateMaj any `json:"date_maj"`
	} `json:"lieu"`
	Roles []maillage.StructureRole `json:"roles"`
}

// apiCreateStructure creates a structure with the caller as its referent,
// or claims the known structure with the same SIRET/RNA that has no
// referent yet: 201 when created, 200 when claimed.
func (s *Server) apiCreateStructure(c *fiber.Ctx) error {
	var in structureInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	st, claimed, err := s.Structures.CreateStructure(c.UserContext(), currentUser(c).ID, &maillage.Structure{Lieu: in.Lieu.Lieu, Roles: in.Roles})
	if err != nil {
		return prefixFields(err, "lieu.", "roles")
	}
	if err := s.seeMembers(c, st); err != nil {
		return err
	}
	status := fiber.StatusCreated
	if claimed {
		status = fiber.StatusOK
	}
	c.Location("/api/structures/" + strconv.FormatInt(st.ID, 10))
	return c.Status(status).JSON(st)
}

// prefixFields renames the fields of a validation error to their path in
// the JSON body (code_postal → lieu.code_postal), except those kept as is.
func prefixFields(err error, prefix string, keep ...string) error {
	fields := errorFields(err)
	if fields == nil {
		return err
	}
	out := make(map[string]string, len(fields))
	for k, v := range fields {
		if !slices.Contains(keep, k) {
			k = prefix + k
		}
		out[k] = v
	}
	return invalidMap(out)
}
