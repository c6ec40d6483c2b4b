package network

import (
	"maillage/internal/lieux"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"maillage/internal/maillage"
	"maillage/internal/web/kit"
)

// structureLists are the closed lists a structure form offers.
type structureLists struct {
	Roles       []maillage.StructureRole
	Multi       []multiField
	MemberRoles []string
	Candidates  []*maillage.Commune
	StructureID int64
}

type multiField struct {
	Name, Label string
	Values      []string
}

func newStructureLists() *structureLists {
	return &structureLists{
		Roles: maillage.StructureRoles, MemberRoles: maillage.MemberRoles,
		Multi: []multiField{
			{"lieu.services", "network.structure.services", maillage.LieuServices},
			{"lieu.publics_specifiquement_adresses", "network.structure.publics", maillage.LieuPublics},
			{"lieu.prise_en_charge_specifique", "network.structure.prise_en_charge", maillage.LieuPrisesEnCharge},
			{"lieu.frais_a_charge", "network.structure.frais", maillage.LieuFrais},
			{"lieu.modalites_acces", "network.structure.modalites_acces", maillage.LieuModalitesAcces},
			{"lieu.modalites_accompagnement", "network.structure.modalites_accompagnement", maillage.LieuModalitesAccompagnement},
			{"lieu.dispositif_programmes_nationaux", "network.structure.dispositifs", maillage.LieuDispositifs},
		},
	}
}

// structureForm is the structure editor. Its inputs are named by the
// field paths of the API body and of the domain's problems: lieu.<field of
// the national standard>, and roles.
type structureForm struct{ *kit.Form }

// structure reads the form into a structure; the commune typed is resolved.
func (n *Capability) structure(c *fiber.Ctx, f structureForm, lists *structureLists, stored *maillage.Structure) *maillage.Structure {
	st := &maillage.Structure{}
	if stored != nil {
		// What the form does not show (coordinates, typology, labels and
		// trainings, source, access…, often from the national data) stays
		// as stored: the form changes only its own fields.
		st.Lieu = stored.Lieu
	}
	l := &st.Lieu
	l.Pivot, l.Nom, l.Adresse, l.ComplementAdresse = f.Value("lieu.pivot"), f.Value("lieu.nom"), f.Value("lieu.adresse"), f.Value("lieu.complement_adresse")
	l.CodePostal, l.Telephone, l.Horaires = f.Value("lieu.code_postal"), f.Value("lieu.telephone"), f.Value("lieu.horaires")
	l.PresentationResume, l.PresentationDetail = f.Value("lieu.presentation_resume"), f.Value("lieu.presentation_detail")
	l.Courriels, l.SiteWeb = splitList(f.Value("lieu.courriels")), splitList(f.Value("lieu.site_web"))
	l.Services, l.PublicsSpecifiquementAdresses = f.List("lieu.services"), f.List("lieu.publics_specifiquement_adresses")
	l.PriseEnChargeSpecifique, l.FraisACharge = f.List("lieu.prise_en_charge_specifique"), f.List("lieu.frais_a_charge")
	l.ModalitesAcces, l.ModalitesAccompagnement = f.List("lieu.modalites_acces"), f.List("lieu.modalites_accompagnement")
	l.DispositifProgrammesNationaux = f.List("lieu.dispositif_programmes_nationaux")
	for _, r := range f.List("roles") {
		st.Roles = append(st.Roles, maillage.StructureRole(r))
	}
	var got *maillage.Commune
	if pick := f.Value("lieu.commune_choice"); pick != "" {
		got, _ = n.d.Territories.FindCommuneByCode(c.UserContext(), pick)
	} else if text := f.Value("lieu.commune"); text != "" {
		var cands []*maillage.Commune
		var err error
		got, cands, err = n.d.Territories.ResolveCommune(c.UserContext(), text)
		switch {
		case err != nil:
			f.Add("lieu.commune", "error.internal")
		case got == nil && len(cands) > 0:
			lists.Candidates = cands
			f.Add("lieu.commune", "network.commune.choose")
		case got == nil:
			f.Add("lieu.commune", "network.commune.unknown")
		}
	} else {
		f.Add("lieu.commune", "network.structure.commune.required")
	}
	if got != nil {
		if stored != nil && stored.Lieu.CodeInsee != got.CodeInsee {
			l.Latitude, l.Longitude = nil, nil // they were those of the old commune
		}
		l.Commune, l.CodeInsee = got.Nom, got.CodeInsee
		f.Set("lieu.commune", got.Nom+" ("+got.CodeInsee+")")
		if l.CodePostal == "" && len(got.CodesPostaux) == 1 {
			l.CodePostal = got.CodesPostaux[0]
		}
	}
	return st
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

// fill sets the form from a stored structure.
func (f structureForm) fill(st *maillage.Structure) {
	l := st.Lieu
	for name, v := range map[string]string{"pivot": l.Pivot, "nom": l.Nom, "adresse": l.Adresse, "complement_adresse": l.ComplementAdresse,
		"code_postal": l.CodePostal, "telephone": l.Telephone, "horaires": l.Horaires, "presentation_resume": l.PresentationResume,
		"presentation_detail": l.PresentationDetail, "courriels": strings.Join(l.Courriels, ", "), "site_web": strings.Join(l.SiteWeb, ", ")} {
		f.Set("lieu."+name, v)
	}
	if l.CodeInsee != "" {
		f.Set("lieu.commune", l.Commune+" ("+l.CodeInsee+")")
	} else {
		f.Set("lieu.commune", l.Commune)
	}
	f.Set("lieu.services", l.Services...)
	f.Set("lieu.publics_specifiquement_adresses", l.PublicsSpecifiquementAdresses...)
	f.Set("lieu.prise_en_charge_specifique", l.PriseEnChargeSpecifique...)
	f.Set("lieu.frais_a_charge", l.FraisACharge...)
	f.Set("lieu.modalites_acces", l.ModalitesAcces...)
	f.Set("lieu.modalites_accompagnement", l.ModalitesAccompagnement...)
	f.Set("lieu.dispositif_programmes_nationaux", l.DispositifProgrammesNationaux...)
	var roles []string
	for _, r := range st.Roles {
		roles = append(roles, string(r))
	}
	f.Set("roles", roles...)
}

func (n *Capability) structureNew(c *fiber.Ctx) error {
	p := n.Page(c, "network.structure.new.title", "", newStructureLists())
	p.Form = n.NewForm(c)
	p.Form.Set("roles", string(maillage.StructureLieu))
	return n.Render(c, fiber.StatusOK, "network/structure_form", p)
}

// structureCreate creates a structure, or records a claim when one with
// that pivot exists without a referent (nothing of it changes then).
func (n *Capability) structureCreate(c *fiber.Ctx) error {
	lists := newStructureLists()
	f := structureForm{n.PostedForm(c)}
	st := n.structure(c, f, lists, nil)
	if !f.HasErrors() {
		created, claim, err := n.d.Structures.CreateStructure(c.UserContext(), kit.User(c).ID, st)
		if err == nil {
			if claim != nil {
				return n.RedirectFlash(c, "/structures/revendications", "network.flash.claim_requested")
			}
			return n.RedirectFlash(c, "/structures/"+itoa(created.ID), "network.flash.structure_saved")
		}
		if !f.Fail(err) {
			return err
		}
	}
	p := n.Page(c, "network.structure.new.title", "", lists)
	p.Form = f.Form
	return n.Render(c, fiber.StatusUnprocessableEntity, "network/structure_form", p)
}

// membersSeen keeps the members whose profile shows the structure to the
// viewer (Structure.MembersSeenBy, the rule the API follows too).
func (n *Capability) membersSeen(c *fiber.Ctx, st *maillage.Structure) ([]maillage.Member, error) {
	var ids []int64
	for _, m := range st.Members {
		if m.ProfileID != nil {
			ids = append(ids, *m.ProfileID)
		}
	}
	var views []*maillage.Profile
	if len(ids) > 0 {
		var err error
		if views, _, err = n.d.Profiles.FindProfiles(c.UserContext(), maillage.ProfileFilter{Viewer: kit.Viewer(c), IDs: ids, Limit: min(len(ids), 1000)}); err != nil {
			return nil, err
		}
	}
	return st.MembersSeenBy(views), nil
}

type structurePage struct {
	S           *maillage.Structure
	Members     []maillage.Member
	Invitations []*maillage.Invitation
	CanEdit     bool
	Lists       *structureLists
	// Hours are the opening hours written in the page's language; nil
	// when they do not follow the OpenStreetMap syntax (shown as typed).
	Hours []lieux.HoursLine
}

func (n *Capability) structurePage(c *fiber.Ctx, status int, st *maillage.Structure, f *kit.Form) error {
	v := kit.Viewer(c)
	d := structurePage{S: st, CanEdit: st.CanEdit(v), Lists: newStructureLists()}
	if sch, err := lieux.ParseHoraires(st.Lieu.Horaires); err == nil {
		d.Hours = lieux.DescribeHours(sch, func(key string, args ...any) string { return n.T(c, key, args...) })
	}
	var err error
	if d.CanEdit {
		// Those who manage the structure see every active member and the
		// invitations waiting for an answer.
		d.Members = st.Members
		if d.Invitations, err = n.d.Structures.FindStructureInvitations(c.UserContext(), st.ID); err != nil {
			return err
		}
	} else if d.Members, err = n.membersSeen(c, st); err != nil {
		return err
	}
	p := n.Page(c, "", "", d)
	p.Title = st.Lieu.Nom
	if f == nil {
		f = n.NewForm(c)
	}
	p.Form = f
	return n.Render(c, status, "network/structure_show", p)
}

// structureShow is the public page of a structure.
func (n *Capability) structureShow(c *fiber.Ctx) error {
	id, err := kit.PathID(c, "id")
	if err != nil {
		return err
	}
	st, err := n.d.Structures.FindStructureByID(c.UserContext(), id)
	if err != nil {
		return err
	}
	return n.structurePage(c, fiber.StatusOK, st, nil)
}

// editable returns the structure of the path when the viewer may edit it
// (Structure.CanEdit, the one rule; 403 otherwise, for GET as for POST).
func (n *Capability) editable(c *fiber.Ctx) (*maillage.Structure, error) {
	id, err := kit.PathID(c, "id")
	if err != nil {
		return nil, err
	}
	st, err := n.d.Structures.FindStructureByID(c.UserContext(), id)
	if err != nil {
		return nil, err
	}
	if !st.CanEdit(kit.Viewer(c)) {
		return nil, maillage.Errorf(maillage.EFORBIDDEN, "network.structure.edit.forbidden")
	}
	return st, nil
}

func (n *Capability) structureEdit(c *fiber.Ctx) error {
	st, err := n.editable(c)
	if err != nil {
		return err
	}
	lists := newStructureLists()
	lists.StructureID = st.ID
	p := n.Page(c, "network.structure.edit.title", "", lists)
	f := structureForm{n.NewForm(c)}
	f.fill(st)
	p.Form = f.Form
	return n.Render(c, fiber.StatusOK, "network/structure_form", p)
}

func (n *Capability) structureUpdate(c *fiber.Ctx) error {
	cur, err := n.editable(c)
	if err != nil {
		return err
	}
	lists := newStructureLists()
	lists.StructureID = cur.ID
	f := structureForm{n.PostedForm(c)}
	st := n.structure(c, f, lists, cur)
	if !f.HasErrors() {
		_, err := n.d.Structures.UpdateStructure(c.UserContext(), kit.Viewer(c), cur.ID, st)
		if err == nil {
			return n.RedirectFlash(c, "/structures/"+itoa(cur.ID), "network.flash.structure_saved")
		}
		if !f.Fail(err) {
			return err
		}
	}
	p := n.Page(c, "network.structure.edit.title", "", lists)
	p.Form = f.Form
	return n.Render(c, fiber.StatusUnprocessableEntity, "network/structure_form", p)
}

// structureInvite invites a person (by e-mail) to join the structure. The
// answer is the same whether or not the address has an account.
func (n *Capability) structureInvite(c *fiber.Ctx) error {
	st, err := n.editable(c)
	if err != nil {
		return err
	}
	f := n.PostedForm(c)
	in := maillage.InvitationInput{Email: f.Value("email"), Role: f.Value("role")}
	if d := f.Value("started_on"); d != "" {
		t, err := time.Parse(time.DateOnly, d)
		if err != nil {
			f.Add("started_on", "error.field.date")
		} else {
			in.StartedOn = &t
		}
	}
	if !f.HasErrors() {
		_, err := n.d.Structures.Invite(c.UserContext(), kit.Viewer(c), st.ID, in, kit.Lang(c))
		if err == nil {
			return n.RedirectFlash(c, "/structures/"+itoa(st.ID), "network.flash.invitation_sent")
		}
		if !f.Fail(err) {
			return err
		}
	}
	return n.structurePage(c, fiber.StatusUnprocessableEntity, st, f)
}

func (n *Capability) invitationCancel(c *fiber.Ctx) error {
	id, err := kit.PathID(c, "id")
	if err != nil {
		return err
	}
	structureID, err := n.d.Structures.CancelInvitation(c.UserContext(), kit.Viewer(c), id)
	if err != nil {
		return err
	}
	return n.RedirectFlash(c, "/structures/"+itoa(structureID), "network.flash.invitation_cancelled")
}

// structureEndMember ends a membership and goes back to the structure's
// page (never to an address taken from the request).
func (n *Capability) structureEndMember(c *fiber.Ctx) error {
	id, err := kit.PathID(c, "id")
	if err != nil {
		return err
	}
	structureID, err := n.d.Structures.EndMember(c.UserContext(), kit.Viewer(c), id)
	if err != nil {
		return err
	}
	return n.RedirectFlash(c, "/structures/"+itoa(structureID), "network.flash.member_ended")
}

// invitations lists the invitations made to the person's address.
func (n *Capability) invitations(c *fiber.Ctx) error {
	u := kit.User(c)
	var invs []*maillage.Invitation
	if u.EmailVerified && u.Email != "" {
		var err error
		if invs, err = n.d.Structures.FindInvitations(c.UserContext(), u.Email); err != nil {
			return err
		}
	}
	return n.Render(c, fiber.StatusOK, "network/invitations", n.Page(c, "network.invitations.title", "", invs))
}

func (n *Capability) invitationRespond(c *fiber.Ctx) error {
	id, err := kit.PathID(c, "id")
	if err != nil {
		return err
	}
	f := n.PostedForm(c)
	accept := f.Value("reponse") == "accepter"
	inv, err := n.d.Structures.RespondInvitation(c.UserContext(), kit.User(c), id, accept)
	if err != nil {
		return err
	}
	if accept {
		return n.RedirectFlash(c, "/structures/"+itoa(inv.StructureID), "network.flash.invitation_accepted")
	}
	return n.RedirectFlash(c, "/invitations", "network.flash.invitation_declined")
}
