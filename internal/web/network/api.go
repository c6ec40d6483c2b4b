package network

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"maillage/internal/maillage"
	"maillage/internal/web/kit"
)

// The JSON API of the network (described in openapi.json beside this
// file). Every read of a profile goes through ProfileService with the
// viewer of the request, so Profile.ViewFor decides what each caller sees;
// writes go through the same domain rules as the forms, and their problems
// name the field by its path in the body.

// apiCommunes serves the commune autocomplete: ?q= name or postcode prefix.
func (n *Capability) apiCommunes(c *fiber.Ctx) error {
	q := kit.NewQuery(c)
	text := q.Text("q", 80)
	dep := q.Territory("departement")
	limit := c.QueryInt("limit", 10)
	if err := q.Err(); err != nil {
		return err
	}
	communes, err := n.d.Territories.FindCommunes(c.UserContext(), maillage.CommuneFilter{Prefix: text, CodeDepartement: dep, Limit: limit})
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"communes": communes})
}

// apiProfiles lists the profiles the caller may see, as ViewFor shows them.
// Filters on a field (territory, open to work, mentor) only match profiles
// whose field is visible to the caller, so a filter never reveals a hidden value.
func (n *Capability) apiProfiles(c *fiber.Ctx) error {
	q := kit.NewQuery(c)
	f := maillage.ProfileFilter{
		Viewer:          kit.Viewer(c),
		Kind:            maillage.ProfileKind(c.Query("kind")),
		CodeDepartement: q.Territory("departement"),
		CodeRegion:      q.Territory("region"),
		OpenToWork:      q.Bool("open_to_work"),
		MentorAvailable: q.Bool("mentor"),
	}
	if f.Kind != "" && !f.Kind.Valid() {
		q.Add("kind", maillage.KeyNotInList)
	}
	f.Limit, f.Offset = q.Page()
	if err := q.Err(); err != nil {
		return err
	}
	ps, total, err := n.d.Profiles.FindProfiles(c.UserContext(), f)
	if err != nil {
		return err
	}
	return kit.JSON(c, kit.NewList(ps, total, f.Limit, f.Offset))
}

// apiProfile returns one profile as the caller may see it; 404 when the
// caller may not see it at all (its existence is not revealed).
func (n *Capability) apiProfile(c *fiber.Ctx) error {
	id, err := kit.PathID(c, "id")
	if err != nil {
		return err
	}
	p, err := n.d.Profiles.FindProfileByID(c.UserContext(), kit.Viewer(c), id)
	if err != nil {
		return err
	}
	return kit.JSON(c, p)
}

// apiStructures lists structures (every field of a place is public data).
func (n *Capability) apiStructures(c *fiber.Ctx) error {
	q := kit.NewQuery(c)
	f := maillage.StructureFilter{
		CodeDepartement: q.Territory("departement"),
		CodeRegion:      q.Territory("region"),
		Role:            maillage.StructureRole(c.Query("role")),
	}
	if f.Role != "" && !f.Role.Valid() {
		q.Add("role", maillage.KeyNotInList)
	}
	f.Limit, f.Offset = q.Page()
	if err := q.Err(); err != nil {
		return err
	}
	sts, total, err := n.d.Structures.FindStructures(c.UserContext(), f)
	if err != nil {
		return err
	}
	return kit.JSON(c, kit.NewList(sts, total, f.Limit, f.Offset))
}

// apiStructure returns a structure with the members the caller may see.
func (n *Capability) apiStructure(c *fiber.Ctx) error {
	id, err := kit.PathID(c, "id")
	if err != nil {
		return err
	}
	st, err := n.d.Structures.FindStructureByID(c.UserContext(), id)
	if err != nil {
		return err
	}
	if st.Members, err = n.membersSeen(c, st); err != nil {
		return err
	}
	return kit.JSON(c, st)
}

// structureInput is the body of POST /api/structures. date_maj is accepted
// but set by the portal (the day of the change).
type structureInput struct {
	Lieu  lieuInput                `json:"lieu"`
	Roles []maillage.StructureRole `json:"roles"`
}

// lieuInput is a Lieu whose date_maj is ignored (its own field shadows it).
type lieuInput struct {
	maillage.Lieu
	DateMaj any `json:"date_maj"`
}

// claimBody is the answer when the pivot names a structure without a
// referent: nothing changed, a claim waits for a decision (202).
type claimBody struct {
	Claim     *maillage.Claim     `json:"claim"`
	Structure *maillage.Structure `json:"structure"`
}

// apiCreateStructure creates a structure with the caller as its referent
// (201), or records a claim on the known structure with the same SIRET/RNA
// that has no referent yet (202: nothing of it changes until the claim is
// granted).
func (n *Capability) apiCreateStructure(c *fiber.Ctx) error {
	var in structureInput
	if err := kit.DecodeJSON(c, &in); err != nil {
		return err
	}
	st, claim, err := n.d.Structures.CreateStructure(c.UserContext(), kit.User(c).ID, &maillage.Structure{Lieu: in.Lieu.Lieu, Roles: in.Roles})
	if err != nil {
		return err
	}
	if st.Members, err = n.membersSeen(c, st); err != nil {
		return err
	}
	if claim != nil {
		return c.Status(fiber.StatusAccepted).JSON(claimBody{Claim: claim, Structure: st})
	}
	c.Location("/api/structures/" + itoa(st.ID))
	return c.Status(fiber.StatusCreated).JSON(st)
}

// apiCompetences lists the competencies of the CRCN (Pix), optionally of one domain.
func (n *Capability) apiCompetences(c *fiber.Ctx) error {
	q := kit.NewQuery(c)
	domain := q.Text("domaine", 10)
	if err := q.Err(); err != nil {
		return err
	}
	cs, total, err := n.d.Referential.FindCompetences(c.UserContext(), maillage.CompetenceFilter{DomainCode: domain})
	if err != nil {
		return err
	}
	return c.JSON(kit.NewList(cs, total, 0, 0))
}

// apiCertifications lists the titles (RNCP) and certifications (RS) with their blocs.
func (n *Capability) apiCertifications(c *fiber.Ctx) error {
	q := kit.NewQuery(c)
	kind := maillage.CertificationKind(c.Query("kind"))
	if kind != "" && !kind.Valid() {
		q.Add("kind", maillage.KeyNotInList)
	}
	if err := q.Err(); err != nil {
		return err
	}
	cs, total, err := n.d.Referential.FindCertifications(c.UserContext(), maillage.CertificationFilter{Kind: kind})
	if err != nil {
		return err
	}
	return c.JSON(kit.NewList(cs, total, 0, 0))
}

// apiMyProfile returns the caller's own profile, whole (with its visibility settings).
func (n *Capability) apiMyProfile(c *fiber.Ctx) error {
	p, err := n.d.Profiles.FindProfileByUserID(c.UserContext(), kit.User(c).ID)
	if maillage.ErrorCode(err) == maillage.ENOTFOUND {
		return maillage.Errorf(maillage.ENOTFOUND, "network.api.no_profile")
	}
	if err != nil {
		return err
	}
	return kit.JSON(c, p)
}

// nullableInt tells an absent field (leave as is) from null (clear).
type nullableInt struct {
	Set   bool
	Value *int
}

func (v *nullableInt) UnmarshalJSON(b []byte) error {
	v.Set = true
	if string(b) == "null" {
		v.Value = nil
		return nil
	}
	return json.Unmarshal(b, &v.Value)
}

// profileInput is the body of PUT /api/moi/profil: absent fields are left
// as they are; lists and mentor settings are replaced whole.
type profileInput struct {
	Kind        *maillage.ProfileKind          `json:"kind"`
	DisplayName *string                        `json:"display_name"`
	Bio         *string                        `json:"bio"`
	CodeInsee   *string                        `json:"code_insee"` // "" clears the commune
	PixLevel    nullableInt                    `json:"pix_level"`  // null clears it
	OpenToWork  *bool                          `json:"open_to_work"`
	Mentor      *maillage.MentorSettings       `json:"mentor"`
	Competences *[]competenceInput             `json:"competences"`
	Titles      *[]titleInput                  `json:"titles"`
	Visibility  map[string]maillage.Visibility `json:"visibility"`
}

type competenceInput struct {
	Code  string `json:"code"`
	Level int    `json:"level"`
}

type titleInput struct {
	CertificationCode string `json:"certification_code"`
	BlocCode          string `json:"bloc_code"`
	ObtainedOn        string `json:"obtained_on"` // YYYY-MM-DD
}

// update turns the body into a ProfileUpdate; only what JSON cannot say
// (a date's format) is checked here: every rule is ProfileUpdate.Validate.
func (in *profileInput) update() (maillage.ProfileUpdate, maillage.Problems) {
	var ps maillage.Problems
	u := maillage.ProfileUpdate{Kind: in.Kind, DisplayName: in.DisplayName, Bio: in.Bio, Commune: in.CodeInsee,
		OpenToWork: in.OpenToWork, Mentor: in.Mentor, Visibility: in.Visibility}
	if in.PixLevel.Set {
		u.PixLevel = &in.PixLevel.Value
	}
	if in.Competences != nil {
		cs := make([]maillage.ProfileCompetence, 0, len(*in.Competences))
		for _, x := range *in.Competences {
			cs = append(cs, maillage.ProfileCompetence{Code: strings.TrimSpace(x.Code), Level: x.Level, Evidence: maillage.EvidenceDeclared})
		}
		u.Competences = &cs
	}
	if in.Titles != nil {
		ts := make([]maillage.ProfileTitle, 0, len(*in.Titles))
		for i, x := range *in.Titles {
			t := maillage.ProfileTitle{CertificationCode: strings.TrimSpace(x.CertificationCode), BlocCode: strings.TrimSpace(x.BlocCode)}
			if x.ObtainedOn != "" {
				d, err := time.Parse(time.DateOnly, x.ObtainedOn)
				if err != nil {
					ps.Add("titles."+itoaInt(i)+".obtained_on", "error.field.date")
					continue
				}
				t.ObtainedOn = &d
			}
			ts = append(ts, t)
		}
		u.Titles = &ts
	}
	return u, ps
}

func itoaInt(i int) string { return itoa(int64(i)) }

// apiUpdateMyProfile creates or changes the caller's profile and returns it whole.
func (n *Capability) apiUpdateMyProfile(c *fiber.Ctx) error {
	var in profileInput
	if err := kit.DecodeJSON(c, &in); err != nil {
		return err
	}
	u, ps := in.update()
	if err := ps.Err(); err != nil {
		return err
	}
	p, err := n.d.Profiles.SaveProfile(c.UserContext(), kit.User(c).ID, u)
	if err != nil {
		return err
	}
	return kit.JSON(c, p)
}
