package web

import (
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"maillage/internal/maillage"
)

// structureLists are the closed lists a structure form offers.
type structureLists struct {
	Roles       []maillage.StructureRole
	RoleLabels  map[maillage.StructureRole]string
	Multi       []multiField
	MemberRoles map[string]string
	Candidates  []*maillage.Commune
	StructureID int64
}

type multiField struct {
	Name, Label string
	Values      []string
}

func newStructureLists() *structureLists {
	return &structureLists{
		Roles: maillage.StructureRoles, RoleLabels: structureRoleLabels, MemberRoles: memberRoleLabels,
		Multi: []multiField{
			{"services", "network.structure.services", maillage.LieuServices},
			{"publics_specifiquement_adresses", "network.structure.publics", maillage.LieuPublics},
			{"prise_en_charge_specifique", "network.structure.prise_en_charge", maillage.LieuPrisesEnCharge},
			{"frais_a_charge", "network.structure.frais", maillage.LieuFrais},
			{"modalites_acces", "network.structure.modalites_acces", maillage.LieuModalitesAcces},
			{"modalites_accompagnement", "network.structure.modalites_accompagnement", maillage.LieuModalitesAccompagnement},
			{"dispositif_programmes_nationaux", "network.structure.dispositifs", maillage.LieuDispositifs},
		},
	}
}

// structureForm reads the posted form: the typed values (to show again)
// and the structure they describe. Multi-value fields are checkboxes named
// "<field>" with one value each.
func (s *Server) structureForm(c *fiber.Ctx, lists *structureLists) (map[string]string, *maillage.Structure, map[string]string, error) {
	vals := map[string]string{}
	multi := map[string][]string{}
	c.Context().PostArgs().VisitAll(func(k, v []byte) {
		key, val := string(k), string(v)
		if key == csrfField {
			return
		}
		multi[key] = append(multi[key], val)
		vals[key] = val
	})
	for k, vs := range multi {
		if len(vs) > 1 {
			vals[k] = strings.Join(vs, "|")
		}
	}
	errs := map[string]string{}
	st := &maillage.Structure{}
	l := &st.Lieu
	l.Pivot, l.Nom, l.Adresse, l.ComplementAdresse = vals["pivot"], strings.TrimSpace(vals["nom"]), strings.TrimSpace(vals["adresse"]), strings.TrimSpace(vals["complement_adresse"])
	l.CodePostal, l.Telephone, l.Horaires = strings.TrimSpace(vals["code_postal"]), strings.TrimSpace(vals["telephone"]), strings.TrimSpace(vals["horaires"])
	l.PresentationResume, l.PresentationDetail = strings.TrimSpace(vals["presentation_resume"]), strings.TrimSpace(vals["presentation_detail"])
	l.Courriels = splitList(vals["courriels"])
	l.SiteWeb = splitList(vals["site_web"])
	l.Services, l.PublicsSpecifiquementAdresses, l.PriseEnChargeSpecifique = multi["services"], multi["publics_specifiquement_adresses"], multi["prise_en_charge_specifique"]
	l.FraisACharge, l.ModalitesAcces, l.ModalitesAccompagnement = multi["frais_a_charge"], multi["modalites_acces"], multi["modalites_accompagnement"]
	l.DispositifProgrammesNationaux = multi["dispositif_programmes_nationaux"]
	for _, r := range multi["roles"] {
		st.Roles = append(st.Roles, maillage.StructureRole(r))
	}
	if text := strings.TrimSpace(vals["commune"]); text != "" {
		got, cands, err := s.Territories.ResolveCommune(c.UserContext(), text)
		if err != nil {
			return nil, nil, nil, err
		}
		if got == nil && vals["commune_choice"] != "" {
			got, _ = s.Territories.FindCommuneByCode(c.UserContext(), vals["commune_choice"])
		}
		switch {
		case got != nil:
			l.Commune, l.CodeInsee = got.Nom, got.CodeInsee
			vals["commune"] = got.Nom + " (" + got.CodeInsee + ")"
			if l.CodePostal == "" && len(got.CodesPostaux) == 1 {
				l.CodePostal = got.CodesPostaux[0]
			}
		case len(cands) > 0:
			lists.Candidates = cands
			errs["commune"] = "Plusieurs communes correspondent : choisissez la bonne dans la liste."
		default:
			errs["commune"] = "Aucune commune ne porte ce nom : vérifiez l'orthographe."
		}
	} else {
		errs["commune"] = "Indiquez la commune de la structure."
	}
	return vals, st, errs, nil
}

func splitList(s string) []string {
	var out []string
	for _, x := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' || r == '|' || r == '\n' }) {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}

func structureValues(st *maillage.Structure) map[string]string {
	l := st.Lieu
	v := map[string]string{"pivot": l.Pivot, "nom": l.Nom, "adresse": l.Adresse, "complement_adresse": l.ComplementAdresse,
		"code_postal": l.CodePostal, "telephone": l.Telephone, "horaires": l.Horaires, "presentation_resume": l.PresentationResume,
		"presentation_detail": l.PresentationDetail, "courriels": strings.Join(l.Courriels, ", "), "site_web": strings.Join(l.SiteWeb, ", ")}
	if l.CodeInsee != "" {
		v["commune"] = l.Commune + " (" + l.CodeInsee + ")"
	} else {
		v["commune"] = l.Commune
	}
	join := func(xs []string) string { return strings.Join(xs, "|") }
	v["services"], v["publics_specifiquement_adresses"], v["prise_en_charge_specifique"] = join(l.Services), join(l.PublicsSpecifiquementAdresses), join(l.PriseEnChargeSpecifique)
	v["frais_a_charge"], v["modalites_acces"], v["modalites_accompagnement"] = join(l.FraisACharge), join(l.ModalitesAcces), join(l.ModalitesAccompagnement)
	v["dispositif_programmes_nationaux"] = join(l.DispositifProgrammesNationaux)
	var roles []string
	for _, r := range st.Roles {
		roles = append(roles, string(r))
	}
	v["roles"] = join(roles)
	return v
}

func (s *Server) structureNew(c *fiber.Ctx) error {
	p := s.page(c, "network.structure.new.title", "", newStructureLists())
	p.Form = &Form{Values: map[string]string{"roles": "lieu"}, Errors: map[string]string{}}
	return s.render(c, fiber.StatusOK, "structure_form", p)
}

// structureCreate creates a structure (or claims it by its pivot).
func (s *Server) structureCreate(c *fiber.Ctx) error {
	lists := newStructureLists()
	vals, st, errs, err := s.structureForm(c, lists)
	if err != nil {
		return err
	}
	if len(errs) == 0 {
		created, claimed, err := s.Structures.CreateStructure(c.UserContext(), currentUser(c).ID, st)
		if err == nil {
			flash := "structure_saved"
			if claimed {
				flash = "structure_claimed"
			}
			return s.redirectFlash(c, "/structures/"+strconv.FormatInt(created.ID, 10), flash)
		}
		if errs = errorFields(err); errs == nil {
			return err
		}
	}
	p := s.page(c, "network.structure.new.title", "", lists)
	p.Form = &Form{Values: vals, Errors: errs}
	return s.render(c, fiber.StatusUnprocessableEntity, "structure_form", p)
}

func (s *Server) structureID(c *fiber.Ctx) (int64, error) {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil {
		return 0, fiber.ErrNotFound
	}
	return id, nil
}

// structureShow is the public page of a structure.
func (s *Server) structureShow(c *fiber.Ctx) error {
	id, err := s.structureID(c)
	if err != nil {
		return err
	}
	st, err := s.Structures.FindStructureByID(c.UserContext(), id)
	if err != nil {
		return err
	}
	canEdit := false
	if u := currentUser(c); u != nil {
		canEdit = u.Has(maillage.RoleAdministrateur)
		if !canEdit {
			if canEdit, err = s.Structures.IsReferent(c.UserContext(), u.ID, id); err != nil {
				return err
			}
		}
	}
	// Members are shown by name only when their profile is visible to the
	// viewer (one query for all of them).
	var ids []int64
	for _, m := range st.Members {
		if m.ProfileID != nil {
			ids = append(ids, *m.ProfileID)
		}
	}
	visible := map[int64]bool{}
	if len(ids) > 0 {
		ps, _, err := s.Profiles.FindProfiles(c.UserContext(), maillage.ProfileFilter{Viewer: viewerOf(c), IDs: ids, Limit: min(len(ids), 1000)})
		if err != nil {
			return err
		}
		for _, p := range ps {
			visible[p.ID] = true
		}
	}
	var members []maillage.Member
	for _, m := range st.Members {
		if (m.ProfileID != nil && visible[*m.ProfileID]) || canEdit {
			members = append(members, m)
		}
	}
	lists := newStructureLists()
	p := s.page(c, "", "", struct {
		S       *maillage.Structure
		Members []maillage.Member
		CanEdit bool
		Lists   *structureLists
	}{st, members, canEdit, lists})
	p.Title = st.Lieu.Nom
	p.Form = &Form{Values: map[string]string{}, Errors: map[string]string{}}
	return s.render(c, fiber.StatusOK, "structure_show", p)
}

func (s *Server) structureEdit(c *fiber.Ctx) error {
	id, err := s.structureID(c)
	if err != nil {
		return err
	}
	st, err := s.Structures.FindStructureByID(c.UserContext(), id)
	if err != nil {
		return err
	}
	lists := newStructureLists()
	lists.StructureID = id
	p := s.page(c, "network.structure.edit.title", "", lists)
	p.Form = &Form{Values: structureValues(st), Errors: map[string]string{}}
	return s.render(c, fiber.StatusOK, "structure_form", p)
}

func (s *Server) structureUpdate(c *fiber.Ctx) error {
	id, err := s.structureID(c)
	if err != nil {
		return err
	}
	lists := newStructureLists()
	lists.StructureID = id
	vals, st, errs, err := s.structureForm(c, lists)
	if err != nil {
		return err
	}
	if len(errs) == 0 {
		_, err := s.Structures.UpdateStructure(c.UserContext(), viewerOf(c), id, st)
		if err == nil {
			return s.redirectFlash(c, "/structures/"+strconv.FormatInt(id, 10), "structure_saved")
		}
		if errs = errorFields(err); errs == nil {
			return err
		}
	}
	p := s.page(c, "network.structure.edit.title", "", lists)
	p.Form = &Form{Values: vals, Errors: errs}
	return s.render(c, fiber.StatusUnprocessableEntity, "structure_form", p)
}

// structureAddMember adds a person (by e-mail) to the structure.
func (s *Server) structureAddMember(c *fiber.Ctx) error {
	id, err := s.structureID(c)
	if err != nil {
		return err
	}
	var started *time.Time
	if d := strings.TrimSpace(c.FormValue("started_on")); d != "" {
		t, err := time.Parse("2006-01-02", d)
		if err != nil {
			return invalidMap(map[string]string{"started_on": "Date au format AAAA-MM-JJ."})
		}
		started = &t
	}
	err = s.Structures.AddMember(c.UserContext(), viewerOf(c), id, c.FormValue("email"), c.FormValue("role"), started)
	if err != nil {
		if fields := errorFields(err); fields != nil {
			st, ferr := s.Structures.FindStructureByID(c.UserContext(), id)
			if ferr != nil {
				return ferr
			}
			p := s.page(c, "", "", struct {
				S       *maillage.Structure
				Members []maillage.Member
				CanEdit bool
				Lists   *structureLists
			}{st, st.Members, true, newStructureLists()})
			p.Title = st.Lieu.Nom
			p.Form = &Form{Values: map[string]string{"email": c.FormValue("email"), "role": c.FormValue("role"), "started_on": c.FormValue("started_on")}, Errors: fields}
			return s.render(c, fiber.StatusUnprocessableEntity, "structure_show", p)
		}
		return err
	}
	return s.redirectFlash(c, "/structures/"+strconv.FormatInt(id, 10), "member_added")
}

func (s *Server) structureEndMember(c *fiber.Ctx) error {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil {
		return fiber.ErrNotFound
	}
	if err := s.Structures.EndMember(c.UserContext(), viewerOf(c), id); err != nil {
		return err
	}
	to := c.FormValue("retour")
	if !strings.HasPrefix(to, "/structures/") || strings.ContainsAny(to, "\\?#") {
		to = "/annuaire"
	}
	return s.redirectFlash(c, to, "member_ended")
}
