package web

import (
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"maillage/internal/maillage"
)

type profileEditData struct {
	Kinds          []maillage.ProfileKind
	KindLabels     map[maillage.ProfileKind]string
	Domains        []*maillage.Domain
	Competences    []*maillage.Competence
	Levels         []*maillage.Level
	Certifications []*maillage.Certification
	Fields         []string
	Visibilities   []maillage.Visibility
	VisLabels      map[maillage.Visibility]string
	Radii          []int
	Candidates     []*maillage.Commune
	Exists         bool
	ProfileID      int64
}

func (s *Server) profileEditData(c *fiber.Ctx) (*profileEditData, error) {
	ctx := c.UserContext()
	d := &profileEditData{Kinds: maillage.ProfileKinds, KindLabels: kindLabels, Fields: maillage.ProfileFields,
		Visibilities: maillage.Visibilities, VisLabels: visLabels, Radii: maillage.MentorRadii}
	var err error
	if d.Domains, err = s.Referential.FindDomains(ctx); err != nil {
		return nil, err
	}
	if d.Competences, _, err = s.Referential.FindCompetences(ctx, maillage.CompetenceFilter{}); err != nil {
		return nil, err
	}
	if d.Levels, err = s.Referential.FindLevels(ctx); err != nil {
		return nil, err
	}
	if d.Certifications, _, err = s.Referential.FindCertifications(ctx, maillage.CertificationFilter{Limit: 100}); err != nil {
		return nil, err
	}
	return d, nil
}

// profileFormValues turns a stored profile into form values.
func profileFormValues(u *maillage.User, p *maillage.Profile) map[string]string {
	v := map[string]string{"display_name": u.DisplayName, "kind": string(maillage.KindConseiller), "mentor_radius_km": "20", "mentor_capacity": "0"}
	for _, f := range maillage.ProfileFields {
		v["vis_"+f] = string(maillage.DefaultVisibility[f])
	}
	if p == nil {
		return v
	}
	v["kind"], v["display_name"], v["bio"] = string(p.Kind), p.DisplayName, p.Bio
	if p.CodeInsee != "" {
		v["commune"] = p.Commune + " (" + p.CodeInsee + ")"
	}
	if p.PixLevel != nil {
		v["pix_level"] = strconv.Itoa(*p.PixLevel)
	}
	if p.OpenToWork != nil && *p.OpenToWork {
		v["open_to_work"] = "on"
	}
	if m := p.Mentor; m != nil {
		if m.Available {
			v["mentor_available"] = "on"
		}
		if m.Remote {
			v["mentor_remote"] = "on"
		}
		v["mentor_capacity"], v["mentor_radius_km"], v["mentor_themes"] = strconv.Itoa(m.Capacity), strconv.Itoa(m.RadiusKm), strings.Join(m.Themes, ", ")
	}
	for _, c := range p.Competences {
		v["competence_"+c.Code] = strconv.Itoa(c.Level)
		if c.Evidence != maillage.EvidenceDeclared {
			v["evidence_"+c.Code] = string(c.Evidence)
		}
	}
	for _, t := range p.Titles {
		code := t.CertificationCode
		if t.BlocCode != "" {
			code = t.BlocCode
		}
		v["title_"+code] = "on"
	}
	for _, f := range maillage.ProfileFields {
		v["vis_"+f] = string(p.Vis(f))
		if x, ok := p.Visibility[f]; ok {
			v["vis_"+f] = string(x)
		}
	}
	return v
}

// profileEdit shows "my profile".
func (s *Server) profileEdit(c *fiber.Ctx) error {
	u := currentUser(c)
	d, err := s.profileEditData(c)
	if err != nil {
		return err
	}
	p, err := s.Profiles.FindProfileByUserID(c.UserContext(), u.ID)
	if err != nil && maillage.ErrorCode(err) != maillage.ENOTFOUND {
		return err
	}
	if p != nil {
		d.Exists, d.ProfileID = true, p.ID
	} else {
		p = nil
	}
	page := s.page(c, "network.profile.edit.title", "profile", d)
	page.Form = &Form{Values: profileFormValues(u, p), Errors: map[string]string{}}
	return s.render(c, fiber.StatusOK, "profile_edit", page)
}

// profileSave validates and stores "my profile"; on error the form comes
// back with what was typed and a message next to each field.
func (s *Server) profileSave(c *fiber.Ctx) error {
	u := currentUser(c)
	ctx := c.UserContext()
	d, err := s.profileEditData(c)
	if err != nil {
		return err
	}
	vals := map[string]string{}
	c.Context().PostArgs().VisitAll(func(k, v []byte) { vals[string(k)] = string(v) })
	delete(vals, csrfField)
	errs := map[string]string{}

	kind := maillage.ProfileKind(vals["kind"])
	name := vals["display_name"]
	bio := vals["bio"]
	upd := maillage.ProfileUpdate{Kind: &kind, DisplayName: &name, Bio: &bio}

	commune := ""
	if text := strings.TrimSpace(vals["commune"]); text != "" {
		got, cands, err := s.Territories.ResolveCommune(ctx, text)
		if err != nil {
			return err
		}
		switch {
		case got != nil:
			commune = got.CodeInsee
			vals["commune"] = got.Nom + " (" + got.CodeInsee + ")"
		case len(cands) > 0:
			d.Candidates = cands
			errs["commune"] = "Plusieurs communes correspondent : choisissez la vôtre dans la liste ci-dessous."
		default:
			errs["commune"] = "Aucune commune ne porte ce nom : vérifiez l'orthographe ou saisissez le code postal."
		}
	}
	if pick := vals["commune_choice"]; pick != "" && commune == "" {
		if got, err := s.Territories.FindCommuneByCode(ctx, pick); err == nil {
			commune = got.CodeInsee
			vals["commune"] = got.Nom + " (" + got.CodeInsee + ")"
			delete(errs, "commune")
			d.Candidates = nil
		}
	}
	upd.Commune = &commune

	var pix *int
	if x := vals["pix_level"]; x != "" {
		n, err := strconv.Atoi(x)
		if err != nil {
			errs["pix_level"] = "Le niveau Pix va de 0 à 8."
		} else {
			pix = &n
		}
	}
	upd.PixLevel = &pix
	open := vals["open_to_work"] == "on"
	upd.OpenToWork = &open

	m := maillage.MentorSettings{Available: vals["mentor_available"] == "on", Remote: vals["mentor_remote"] == "on"}
	if m.Capacity, err = strconv.Atoi(strings.TrimSpace(vals["mentor_capacity"])); err != nil {
		errs["mentor_capacity"] = "Indiquez un nombre de 0 à 20."
	}
	if m.RadiusKm, err = strconv.Atoi(vals["mentor_radius_km"]); err != nil {
		errs["mentor_radius_km"] = "Choisissez un rayon dans la liste."
	}
	for _, t := range strings.Split(vals["mentor_themes"], ",") {
		if t = strings.TrimSpace(t); t != "" {
			m.Themes = append(m.Themes, t)
		}
	}
	if len(m.Themes) > 10 {
		errs["mentor_themes"] = "Dix thèmes au plus, séparés par des virgules."
	}
	upd.Mentor = &m

	var comps []maillage.ProfileCompetence
	for _, comp := range d.Competences {
		if x := vals["competence_"+comp.Code]; x != "" && x != "0" {
			n, err := strconv.Atoi(x)
			if err != nil {
				errs["competence_"+comp.Code] = "Choisissez un niveau dans la liste."
				continue
			}
			comps = append(comps, maillage.ProfileCompetence{Code: comp.Code, Level: n})
		}
	}
	upd.Competences = &comps

	var titles []maillage.ProfileTitle
	for _, cert := range d.Certifications {
		if vals["title_"+cert.Code] == "on" {
			titles = append(titles, maillage.ProfileTitle{CertificationCode: cert.Code})
		}
		for _, b := range cert.Blocs {
			if vals["title_"+b.Code] == "on" {
				titles = append(titles, maillage.ProfileTitle{CertificationCode: cert.Code, BlocCode: b.Code})
			}
		}
	}
	upd.Titles = &titles

	upd.Visibility = map[string]maillage.Visibility{}
	for _, f := range maillage.ProfileFields {
		if x, ok := vals["vis_"+f]; ok {
			upd.Visibility[f] = maillage.Visibility(x)
		}
	}

	if len(errs) == 0 {
		_, err := s.Profiles.SaveProfile(ctx, u.ID, upd)
		if err == nil {
			return s.redirectFlash(c, "/profil", "profile_saved")
		}
		fields := errorFields(err)
		if fields == nil {
			return err
		}
		errs = fields
	}
	if p, err := s.Profiles.FindProfileByUserID(ctx, u.ID); err == nil {
		d.Exists, d.ProfileID = true, p.ID
	}
	page := s.page(c, "network.profile.edit.title", "profile", d)
	page.Form = &Form{Values: vals, Errors: errs}
	return s.render(c, fiber.StatusUnprocessableEntity, "profile_edit", page)
}

// profileShow is a person's page, as the viewer may see it.
func (s *Server) profileShow(c *fiber.Ctx) error {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil {
		return fiber.ErrNotFound
	}
	p, err := s.Profiles.FindProfileByID(c.UserContext(), viewerOf(c), id)
	if err != nil {
		return err
	}
	page := s.page(c, "", "", struct {
		P           *maillage.Profile
		KindLabels  map[maillage.ProfileKind]string
		MemberRoles map[string]string
		Owner       bool
		Now         time.Time
	}{p, kindLabels, memberRoleLabels, currentUser(c) != nil && currentUser(c).ID == p.UserID, time.Now()})
	page.Title = p.DisplayName
	return s.render(c, fiber.StatusOK, "profile_show", page)
}
