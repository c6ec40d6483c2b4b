package web

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"maillage/internal/maillage"
)

// apiMyProfile returns the caller's own profile, whole (with its visibility settings).
func (s *Server) apiMyProfile(c *fiber.Ctx) error {
	p, err := s.Profiles.FindProfileByUserID(c.UserContext(), currentUser(c).ID)
	if maillage.ErrorCode(err) == maillage.ENOTFOUND {
		return maillage.Errorf(maillage.ENOTFOUND, "Vous n'avez pas encore de profil : créez-le avec PUT /api/moi/profil (kind et display_name sont requis la première fois).")
	}
	if err != nil {
		return err
	}
	return c.JSON(p)
}

// nullableInt tells an absent field (leave as is) from null (clear).
type nullableInt struct {
	Set   bool
	Value *int
}

func (n *nullableInt) UnmarshalJSON(b []byte) error {
	n.Set = true
	if string(b) == "null" {
		n.Value = nil
		return nil
	}
	return json.Unmarshal(b, &n.Value)
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

// update turns the body into a ProfileUpdate, with a message per field at fault.
func (in *profileInput) update() (maillage.ProfileUpdate, map[string]string) {
	fields := map[string]string{}
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
		for _, x := range *in.Titles {
			t := maillage.ProfileTitle{CertificationCode: strings.TrimSpace(x.CertificationCode), BlocCode: strings.TrimSpace(x.BlocCode)}
			if x.ObtainedOn != "" {
				d, err := time.Parse(time.DateOnly, x.ObtainedOn)
				if err != nil {
					fields["titles"] = fmt.Sprintf("Date d'obtention %q illisible : format attendu AAAA-MM-JJ, par exemple 2025-06-30.", x.ObtainedOn)
					continue
				}
				t.ObtainedOn = &d
			}
			ts = append(ts, t)
		}
		u.Titles = &ts
	}
	for f := range in.Visibility {
		if !slices.Contains(maillage.ProfileFields, f) {
			fields["visibility."+f] = "Champ inconnu. Champs possibles : " + strings.Join(maillage.ProfileFields, ", ") + "."
		}
	}
	return u, fields
}

// apiFields renames the form field names of SaveProfile's errors to their
// path in the JSON body.
func apiFields(err error) error {
	fields := errorFields(err)
	if fields == nil {
		return err
	}
	out := make(map[string]string, len(fields))
	for k, v := range fields {
		switch {
		case k == "commune":
			k = "code_insee"
		case strings.HasPrefix(k, "mentor_"):
			k = "mentor." + strings.TrimPrefix(k, "mentor_")
		case strings.HasPrefix(k, "vis_"):
			k = "visibility." + strings.TrimPrefix(k, "vis_")
		case strings.HasPrefix(k, "competence_"):
			k = "competences." + strings.TrimPrefix(k, "competence_")
		}
		out[k] = v
	}
	return invalidMap(out)
}

// apiUpdateMyProfile creates or changes the caller's profile and returns it whole.
func (s *Server) apiUpdateMyProfile(c *fiber.Ctx) error {
	var in profileInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	u, fields := in.update()
	if u.Competences != nil && len(*u.Competences) > 0 {
		codes := make([]string, len(*u.Competences))
		for i, x := range *u.Competences {
			codes[i] = x.Code
		}
		known, _, err := s.Referential.FindCompetences(c.UserContext(), maillage.CompetenceFilter{Codes: codes})
		if err != nil {
			return err
		}
		for _, code := range codes {
			if !slices.Contains(competenceCodes(known), code) {
				fields["competences."+code] = "Compétence inconnue : utilisez un code de GET /api/referentiel/competences (par exemple 1.1)."
			}
		}
	}
	if len(fields) > 0 {
		return invalidMap(fields)
	}
	p, err := s.Profiles.SaveProfile(c.UserContext(), currentUser(c).ID, u)
	if err != nil {
		return apiFields(err)
	}
	return c.JSON(p)
}

func competenceCodes(cs []*maillage.Competence) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.Code
	}
	return out
}
