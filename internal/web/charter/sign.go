package charter

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"maillage/internal/charter"
	"maillage/internal/maillage"
	"maillage/internal/web/kit"
)

// signData is what the signing form shows: the whole text of the current
// version, embedded unchanged (its SHA-256 is the one recorded), the
// consent sentence, the person's structures, and hidden fields carrying
// the version and the hashes of what was shown.
type signData struct {
	Version       charter.Version
	Consent       string
	ConsentSHA256 string
	Structures    []charter.StructureRef
	Standing      charter.MyStanding
	EmailVerified bool
}

// The signing form's input names are the fields of charter.SignInput (the
// paths of its problems): version, text_sha256, consent_sha256, consent,
// typed_name, structure_id.

func (h *Capability) signPage(c *fiber.Ctx, status int, f *kit.Form) error {
	ctx := c.UserContext()
	u := kit.User(c)
	st, err := h.d.Charter.Standing(ctx, u.ID, h.Now())
	if err != nil {
		return err
	}
	structures, err := h.d.Charter.Structures(ctx, u.ID)
	if err != nil {
		return err
	}
	consent := h.T(c, "charter.sign.consent")
	d := signData{Version: st.Current, Consent: consent, ConsentSHA256: charter.ConsentSHA256(consent), Structures: structures,
		Standing: st, EmailVerified: u.EmailVerified && u.Email != ""}
	p := h.Page(c, "", "charter", d)
	p.Title = p.T("charter.sign.title", "Version", st.Current.Number)
	p.Form = f
	return h.Render(c, status, "charter/sign", p)
}

// signForm shows the current version to sign.
func (h *Capability) signForm(c *fiber.Ctx) error { return h.signPage(c, fiber.StatusOK, h.NewForm(c)) }

// sign records the signature. A problem of the form (typed name, consent
// box, structure) comes back next to its field with what was typed; a
// version or a text that changed since the page was shown comes back with
// the current text to read again; a replayed form after signing says the
// signature is already recorded. Nothing stored is ever lost.
func (h *Capability) sign(c *fiber.Ctx) error {
	f := h.PostedForm(c)
	in := charter.SignInput{TypedName: f.Raw("typed_name"), Consent: f.On("consent"),
		TextSHA256: f.Value("text_sha256"), ConsentSHA256: f.Value("consent_sha256")}
	in.Version, _ = strconv.Atoi(f.Value("version"))
	if v := f.Value("structure_id"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			f.Add("structure_id", "charter.sign.structure_unknown")
		} else {
			in.StructureID = &id
		}
	}
	if f.HasErrors() {
		return h.signPage(c, fiber.StatusUnprocessableEntity, f)
	}
	_, err := h.d.Charter.Sign(c.UserContext(), in, h.T(c, "charter.sign.consent"), kit.Lang(c), h.origin(c))
	switch {
	case err == nil:
		return h.RedirectFlash(c, "/charte/mon-attestation", "charter.flash.signed")
	case f.Fail(err):
		return h.signPage(c, fiber.StatusUnprocessableEntity, f)
	case maillage.ErrorCode(err) == maillage.ECONFLICT:
		f.FailMessage(err)
		if key, _ := maillage.ErrorKey(err); key == "charter.sign.already_signed" {
			return h.minePage(c, fiber.StatusConflict, f)
		}
		// Read again: the form comes back with the current text; the box
		// is to be ticked again.
		f.Set("consent")
		return h.signPage(c, fiber.StatusConflict, f)
	case maillage.ErrorCode(err) == maillage.EFORBIDDEN:
		f.FailMessage(err)
		return h.signPage(c, fiber.StatusForbidden, f)
	}
	return err
}
