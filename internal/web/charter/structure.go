package charter

import (
	"github.com/gofiber/fiber/v2"

	"maillage/internal/charter"
	"maillage/internal/web/kit"
)

// structurePage is a structure's referents' view: each active member, the
// version they signed and its status, and invitations to sign.
func (h *Capability) structurePage(c *fiber.Ctx, status int, id int64, f *kit.Form) error {
	view, err := h.d.Charter.StructureSigners(c.UserContext(), kit.Viewer(c), id, h.Now())
	if err != nil {
		return err
	}
	p := h.Page(c, "", "charter", view)
	p.Title = p.T("charter.structure.title", "Name", view.Structure.Nom)
	p.Form = f
	return h.Render(c, status, "charter/structure", p)
}

func (h *Capability) structure(c *fiber.Ctx) error {
	id, err := kit.PathID(c, "id")
	if err != nil {
		return err
	}
	return h.structurePage(c, fiber.StatusOK, id, h.NewForm(c))
}

// invite sends an invitation to sign to an address (input names: email,
// message, the fields of charter.InviteInput). The answer is the same
// whether or not the address has an account.
func (h *Capability) invite(c *fiber.Ctx) error {
	id, err := kit.PathID(c, "id")
	if err != nil {
		return err
	}
	f := h.PostedForm(c)
	if !f.HasErrors() {
		err := h.d.Charter.Invite(c.UserContext(), kit.Viewer(c), id, charter.InviteInput{Email: f.Value("email"), Message: f.Raw("message")}, kit.Lang(c))
		if err == nil {
			return h.RedirectFlash(c, "/charte/structures/"+itoa(id), "charter.flash.invited")
		}
		if !f.Fail(err) {
			return err
		}
	}
	return h.structurePage(c, fiber.StatusUnprocessableEntity, id, f)
}
