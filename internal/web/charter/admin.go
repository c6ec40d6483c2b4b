package charter

import (
	"net/url"

	"github.com/gofiber/fiber/v2"

	"maillage/internal/charter"
	"maillage/internal/web/kit"
)

// adminData is the administrators' page: a signature found by its code,
// with its whole evidence and what ended it, and the head of the chain.
type adminData struct {
	Head      headView
	Signature *charter.Event
	Later     []charter.Event
	Status    charter.SignatureStatus
}

func (h *Capability) adminRender(c *fiber.Ctx, status int, f *kit.Form, code string) error {
	ctx := c.UserContext()
	head, err := h.d.Charter.Head(ctx)
	if err != nil {
		return err
	}
	d := adminData{Head: viewOf(head)}
	if code != "" {
		sig, later, err := h.d.Charter.Signature(ctx, code)
		switch {
		case err == nil:
			cur, err := h.d.Charter.Current(ctx, h.Now())
			if err != nil {
				return err
			}
			d.Signature, d.Later, d.Status = &sig, later, charter.Status(sig, later, cur.Number)
			if _, typed := f.Values["code"]; !typed || f.Value("code") == code {
				f.Set("code", sig.SignatureCode)
			}
		case f.Fail(err):
			if status == fiber.StatusOK {
				status = fiber.StatusNotFound
			}
		default:
			return err
		}
	}
	p := h.Page(c, "charter.admin.title", "admin", d)
	p.Form = f
	return h.Render(c, status, "charter/admin", p)
}

// adminPage finds a signature by its code (?code=).
func (h *Capability) adminPage(c *fiber.Ctx) error {
	f := h.NewForm(c)
	code := c.Query("code")
	f.Set("code", code)
	return h.adminRender(c, fiber.StatusOK, f, code)
}

// revoke records a revocation with its reason (audited).
func (h *Capability) revoke(c *fiber.Ctx) error {
	f := h.PostedForm(c)
	code := f.Value("code")
	if !f.HasErrors() {
		e, err := h.d.Charter.Revoke(c.UserContext(), code, h.origin(c), f.Raw("reason"))
		if err == nil {
			return h.RedirectFlash(c, "/admin/charte?code="+url.QueryEscape(e.SignatureCode), "charter.flash.revoked")
		}
		if !f.Fail(err) {
			return err
		}
	}
	if _, ok := charter.NormalizeCode(code); !ok || f.Error("code") != "" {
		code = ""
	}
	return h.adminRender(c, fiber.StatusUnprocessableEntity, f, code)
}
