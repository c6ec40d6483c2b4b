package charter

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"maillage/internal/charter"
	"maillage/internal/web/kit"
)

// verifyData is the public verification page: the code typed and, when it
// names a signature, only the name typed, the version, the date and the
// status.
type verifyData struct {
	Result *charter.Verification
}

func (h *Capability) verifyPage(c *fiber.Ctx, status int, f *kit.Form, res *charter.Verification) error {
	p := h.Page(c, "charter.verify.title", "charter", verifyData{Result: res})
	p.Form = f
	return h.Render(c, status, "charter/verify", p)
}

// verifyForm asks for a code (?code= goes to its page).
func (h *Capability) verifyForm(c *fiber.Ctx) error {
	f := h.NewForm(c)
	typed := c.Query("code")
	if typed == "" {
		return h.verifyPage(c, fiber.StatusOK, f, nil)
	}
	if code, ok := charter.NormalizeCode(typed); ok {
		return kit.Redirect(c, "/charte/verifier/"+code)
	}
	f.Set("code", typed)
	f.Add("code", "charter.verify.code_invalid")
	return h.verifyPage(c, fiber.StatusUnprocessableEntity, f, nil)
}

// verify confirms or denies a code. A code that is malformed or names no
// signature comes back next to the field, with what was typed.
func (h *Capability) verify(c *fiber.Ctx) error {
	f := h.NewForm(c)
	typed := c.Params("code")
	f.Set("code", typed)
	res, err := h.d.Charter.Verify(c.UserContext(), typed, h.Now())
	if err != nil {
		if f.Fail(err) {
			return h.verifyPage(c, fiber.StatusNotFound, f, nil)
		}
		return err
	}
	f.Set("code", res.Code)
	return h.verifyPage(c, fiber.StatusOK, f, &res)
}

// registryData is the published state of the chain.
type registryData struct {
	Head  charter.Head
	Heads []charter.Head
}

// headView is a head as pages show it (counts are grouped: « 12 345 »).
type headView struct {
	Hash  string
	Count int
	At    time.Time
}

func viewOf(h charter.Head) headView { return headView{Hash: h.Hash, Count: int(h.Count), At: h.At} }

func viewsOf(hs []charter.Head) []headView {
	out := make([]headView, len(hs))
	for i, h := range hs {
		out[i] = viewOf(h)
	}
	return out
}

// registry publishes the head of the chain (count, hash of the last event,
// time) and the dated history of heads.
func (h *Capability) registry(c *fiber.Ctx) error {
	d, err := h.registryData(c)
	if err != nil {
		return err
	}
	view := struct {
		Head  headView
		Heads []headView
	}{viewOf(d.Head), viewsOf(d.Heads)}
	return h.Render(c, fiber.StatusOK, "charter/registry", h.Page(c, "charter.registry.title", "charter", view))
}

func (h *Capability) registryData(c *fiber.Ctx) (*registryData, error) {
	ctx := c.UserContext()
	head, err := h.d.Charter.Head(ctx)
	if err != nil {
		return nil, err
	}
	heads, err := h.d.Charter.Heads(ctx, 366)
	if err != nil {
		return nil, err
	}
	return &registryData{Head: head, Heads: heads}, nil
}
