package charter

import (
	"bytes"

	"github.com/gofiber/fiber/v2"

	"maillage/internal/charter"
	"maillage/internal/maillage"
	"maillage/internal/web/kit"
)

// mineData is « Mon attestation »: where the person stands, the code and
// its verification page, the badge choice.
type mineData struct {
	Standing     charter.MyStanding
	VerifyURL    string
	Badge        maillage.Visibility
	Visibilities []maillage.Visibility
}

func (h *Capability) minePage(c *fiber.Ctx, status int, f *kit.Form) error {
	ctx := c.UserContext()
	u := kit.User(c)
	st, err := h.d.Charter.Standing(ctx, u.ID, h.Now())
	if err != nil {
		return err
	}
	badge, err := h.d.Charter.Badge(ctx, u.ID)
	if err != nil {
		return err
	}
	d := mineData{Standing: st, Badge: badge, Visibilities: maillage.Visibilities}
	if st.Signed {
		d.VerifyURL = h.verifyURL(st.Signature.SignatureCode)
	}
	if _, ok := f.Values["badge"]; !ok {
		f.Set("badge", string(badge))
	}
	p := h.Page(c, "charter.mine.title", "charter", d)
	p.Form = f
	return h.Render(c, status, "charter/mine", p)
}

// mine is « Mon attestation ».
func (h *Capability) mine(c *fiber.Ctx) error { return h.minePage(c, fiber.StatusOK, h.NewForm(c)) }

// withdraw records the withdrawal of the person's signature (reason
// optional).
func (h *Capability) withdraw(c *fiber.Ctx) error {
	f := h.PostedForm(c)
	if f.HasErrors() {
		return h.minePage(c, fiber.StatusUnprocessableEntity, f)
	}
	_, err := h.d.Charter.Withdraw(c.UserContext(), h.origin(c), f.Raw("reason"))
	switch {
	case err == nil:
		return h.RedirectFlash(c, "/charte/mon-attestation", "charter.flash.withdrawn")
	case f.Fail(err):
		return h.minePage(c, fiber.StatusUnprocessableEntity, f)
	case maillage.ErrorCode(err) == maillage.ECONFLICT || maillage.ErrorCode(err) == maillage.ENOTFOUND:
		f.FailMessage(err)
		return h.minePage(c, fiber.StatusConflict, f)
	}
	return err
}

// badge records who may see the badge on the person's profile.
func (h *Capability) badge(c *fiber.Ctx) error {
	f := h.PostedForm(c)
	if !f.HasErrors() {
		err := h.d.Charter.SetBadge(c.UserContext(), kit.User(c).ID, maillage.Visibility(f.Value("badge")))
		if err == nil {
			return h.RedirectFlash(c, "/charte/mon-attestation", "charter.flash.badge_saved")
		}
		if !f.Fail(err) {
			return err
		}
	}
	return h.minePage(c, fiber.StatusUnprocessableEntity, f)
}

// attestation is the PDF of the person's latest signature: the statement,
// the code with a QR code to its verification page, the evidence in clear
// and attached as JSON (charter.Attestation).
func (h *Capability) attestation(c *fiber.Ctx) error {
	u := kit.User(c)
	sig, html, consent, err := h.d.Charter.Attestation(c.UserContext(), u.ID)
	if err != nil {
		return err
	}
	lang := kit.Lang(c)
	t := func(key string, args ...any) string { return h.Catalog.T(lang, "charter.attestation."+key, args...) }
	signedAt := h.dateTime(lang, sig.At)
	d := charter.AttestationData{
		Signature: sig, CharterHTML: html, ConsentText: consent, VerifyURL: h.verifyURL(sig.SignatureCode),
		SignedAt: signedAt, Lang: lang, CreatedAt: sig.At,
		Labels: charter.AttestationLabels{
			Title: t("title"), Subtitle: t("subtitle"),
			Statement: t("statement", "Name", sig.TypedName, "Version", sig.Version, "Date", signedAt),
			Code:      t("code"), VerifyURL: t("verify_url"), TypedName: t("typed_name"), Email: t("email"),
			Version: t("version"), SignedAt: t("signed_at"), TextSHA256: t("text_sha256"), Consent: t("consent"),
			ConsentSHA256: t("consent_sha256"), EventHash: t("event_hash"), Seq: t("seq"), QRCaption: t("qr_caption"),
			Evidence: t("evidence", "File", charter.EvidenceFileName(sig.SignatureCode)), AttachmentDescription: t("attachment_description"),
		},
	}
	var b bytes.Buffer
	if err := charter.Attestation(&b, d); err != nil {
		return err
	}
	kit.NoStore(c)
	c.Set(fiber.HeaderContentType, "application/pdf")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="attestation-charte-`+sig.SignatureCode+`.pdf"`)
	return c.Send(b.Bytes())
}
