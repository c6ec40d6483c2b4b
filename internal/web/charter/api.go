package charter

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"maillage/internal/charter"
	"maillage/internal/web/kit"
)

// apiVersion is a version in the API (schema CharterVersion).
type apiVersion struct {
	Number      int       `json:"number"`
	PublishedAt time.Time `json:"published_at"`
	Summary     string    `json:"summary"`
	Source      string    `json:"source"`
	Licence     string    `json:"licence"`
	SHA256      string    `json:"sha256"`
	Current     bool      `json:"current"`
	URL         string    `json:"url"`
	// HTML is the text as shown (its SHA-256 is sha256); in /api/charte only.
	HTML string `json:"html,omitempty"`
}

func (h *Capability) apiVersionOf(v charter.Version, current int, withHTML bool) apiVersion {
	out := apiVersion{Number: v.Number, PublishedAt: v.PublishedAt, Summary: v.Summary, Source: v.Source, Licence: v.Licence,
		SHA256: v.SHA256, Current: v.Number == current, URL: h.Config.BaseURL.String() + "/charte/versions/" + itoa(int64(v.Number))}
	if withHTML {
		out.HTML = string(v.HTML)
	}
	return out
}

// apiCurrent is the version in force, with its text.
func (h *Capability) apiCurrent(c *fiber.Ctx) error {
	cur, err := h.d.Charter.Current(c.UserContext(), h.Now())
	if err != nil {
		return err
	}
	return kit.JSON(c, h.apiVersionOf(cur, cur.Number, true))
}

// apiVersions lists the published versions, newest first.
func (h *Capability) apiVersions(c *fiber.Ctx) error {
	ctx := c.UserContext()
	cur, err := h.d.Charter.Current(ctx, h.Now())
	if err != nil {
		return err
	}
	vs, err := h.d.Charter.Versions(ctx)
	if err != nil {
		return err
	}
	var items []apiVersion
	for i := len(vs) - 1; i >= 0; i-- {
		if !vs[i].PublishedAt.After(h.Now()) {
			items = append(items, h.apiVersionOf(vs[i], cur.Number, false))
		}
	}
	return kit.JSON(c, kit.NewList(items, len(items), 0, 0))
}

// apiVerify confirms or denies a code: only the name typed, the version,
// the date and the status (schema CharterVerification).
func (h *Capability) apiVerify(c *fiber.Ctx) error {
	res, err := h.d.Charter.Verify(c.UserContext(), c.Params("code"), h.Now())
	if err != nil {
		return err
	}
	return kit.JSON(c, res)
}

// apiRegistry is the head of the chain and the dated history of heads
// (schema CharterRegistry).
func (h *Capability) apiRegistry(c *fiber.Ctx) error {
	d, err := h.registryData(c)
	if err != nil {
		return err
	}
	heads := d.Heads
	if heads == nil {
		heads = []charter.Head{}
	}
	return kit.JSON(c, struct {
		Head    charter.Head   `json:"head"`
		History []charter.Head `json:"history"`
	}{d.Head, heads})
}

// apiMine is where the caller stands (schema MyCharter).
func (h *Capability) apiMine(c *fiber.Ctx) error {
	st, err := h.d.Charter.Standing(c.UserContext(), kit.User(c).ID, h.Now())
	if err != nil {
		return err
	}
	out := struct {
		CurrentVersion int                   `json:"current_version"`
		Signed         bool                  `json:"signed"`
		MustSign       bool                  `json:"must_sign"`
		Signature      *charter.Verification `json:"signature,omitempty"`
	}{CurrentVersion: st.Current.Number, Signed: st.Signed, MustSign: st.MustSign()}
	if st.Signed {
		v := charter.Verification{Code: st.Signature.SignatureCode, TypedName: st.Signature.TypedName,
			Version: st.Signature.Version, SignedAt: st.Signature.At, Status: st.Status}
		out.Signature = &v
	}
	return kit.JSON(c, out)
}
