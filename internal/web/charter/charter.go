// Package charter is the aidant charter's room of the web layer: the
// current charter (public, printable) and its earlier versions, the signing
// form, « Mon attestation » (status, PDF, withdrawal, badge choice), the
// public verification of a code and the published head of the chain, the
// structures' view (who signed which version, invitations to sign), the
// administrators' revocation, and their JSON API. It asks the signers of an
// older version to sign again (a notice on every page) and adds the badge
// to profile pages when the person allows it.
package charter

import (
	"embed"
	"encoding/base64"
	"encoding/json"
	"io/fs"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"maillage/internal/auth"
	"maillage/internal/charter"
	"maillage/internal/maillage"
	"maillage/internal/web/kit"
)

//go:embed *.yaml
var messages embed.FS

//go:embed openapi.json
var openapi []byte

// Deps are the services of the charter pages.
type Deps struct {
	Charter  charter.Service
	Profiles maillage.ProfileService
}

// Capability serves the charter pages and API.
type Capability struct {
	*kit.Kit
	d Deps
}

// New returns the capability.
func New(d Deps) *Capability { return &Capability{d: d} }

// Name implements kit.Capability.
func (h *Capability) Name() string { return "charter" }

// Messages implements kit.Capability.
func (h *Capability) Messages() fs.FS { return messages }

// Mount implements kit.Capability.
func (h *Capability) Mount(r *kit.Router) {
	h.Kit = r.Kit()
	pub, signed, admin := auth.PermPublic, auth.PermSignedIn, auth.PermAdmin

	r.Get("/charte", pub, h.current)
	r.Get("/charte/versions", pub, h.versions)
	r.Get("/charte/versions/:id", pub, h.version)
	r.Get("/charte/verifier", pub, h.verifyForm)
	r.Get("/charte/verifier/:code", pub, h.verify)
	r.Get("/charte/registre", pub, h.registry)

	r.Get("/charte/signer", signed, h.signForm)
	r.Post("/charte/signer", signed, h.sign)
	r.Get("/charte/mon-attestation", signed, h.mine)
	r.Get("/charte/mon-attestation.pdf", signed, h.attestation)
	r.Post("/charte/retirer", signed, h.withdraw)
	r.Post("/charte/badge", signed, h.badge)
	r.Get("/charte/structures/:id", signed, h.structure)
	r.Post("/charte/structures/:id/invitations", signed, h.invite)

	r.Get("/admin/charte", admin, h.adminPage)
	r.Post("/admin/charte/revoquer", admin, h.revoke)

	r.Get("/api/charte", pub, h.apiCurrent)
	r.Get("/api/charte/versions", pub, h.apiVersions)
	r.Get("/api/charte/verifier/:code", pub, h.apiVerify)
	r.Get("/api/charte/registre", pub, h.apiRegistry)
	r.Get("/api/moi/charte", signed, h.apiMine)
	r.OpenAPI(openapi)

	r.Menu(kit.MenuItem{Key: "charter", Label: "charter.nav", Href: "/charte", Perm: pub, Order: 30})
	r.Steps(h.steps)
	r.Notices(h.notices)
	r.ProfileBadges(h.badges)
}

// steps: sign (an aidant who never signed), sign again (a newer version),
// the attestation, and each structure the person is a referent of.
func (h *Capability) steps(c *fiber.Ctx, u *maillage.User) ([]kit.Step, error) {
	ctx := c.UserContext()
	st, err := h.d.Charter.Standing(ctx, u.ID, h.Now())
	if maillage.ErrorCode(err) == maillage.ENOTFOUND {
		return nil, nil // no version published yet
	}
	if err != nil {
		return nil, err
	}
	var out []kit.Step
	p, err := h.d.Profiles.FindProfileByUserID(ctx, u.ID)
	if err != nil && maillage.ErrorCode(err) != maillage.ENOTFOUND {
		return nil, err
	}
	switch {
	case st.Signed && st.Status == charter.StatusSuperseded:
		out = append(out, kit.Step{Key: "charter.step.resign", Text: "charter.step.resign.text", Href: "/charte/signer",
			Args: []any{"Version", st.Current.Number}, Order: 3})
	case st.Signed && st.Status == charter.StatusValid:
		out = append(out, kit.Step{Key: "charter.step.attestation", Href: "/charte/mon-attestation", Order: 80})
	case u.Has(maillage.RoleAidant) || (p != nil && p.Kind == maillage.KindAidant):
		out = append(out, kit.Step{Key: "charter.step.sign", Text: "charter.step.sign.text", Href: "/charte/signer", Order: 15})
	}
	if p != nil {
		seen := map[int64]bool{}
		for _, s := range p.Structures {
			if s.EndedOn == nil && s.Role == maillage.MemberReferent && !seen[s.StructureID] {
				seen[s.StructureID] = true
				out = append(out, kit.Step{Key: "charter.step.structure", Href: "/charte/structures/" + itoa(s.StructureID),
					Args: []any{"Name", s.Nom}, Order: 45})
			}
		}
	}
	return out, nil
}

// notices: a person who signed an older version is asked to sign the
// current one, on every page but the signing form itself, until they do.
func (h *Capability) notices(c *fiber.Ctx, u *maillage.User) ([]kit.Notice, error) {
	if strings.HasPrefix(c.Path(), "/charte/signer") {
		return nil, nil
	}
	st, err := h.d.Charter.Standing(c.UserContext(), u.ID, h.Now())
	if maillage.ErrorCode(err) == maillage.ENOTFOUND {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if !st.Signed || st.Status != charter.StatusSuperseded {
		return nil, nil
	}
	return []kit.Notice{{Key: "charter.notice.resign", Args: []any{"Signed", st.Signature.Version, "Version", st.Current.Number},
		Href: "/charte/signer", Link: "charter.notice.resign_link"}}, nil
}

// badgeField names the badge in the visibility rule.
const badgeField = "charter_badge"

// badges: « Signataire de la charte » on the profile page, when the
// person's signature of the current version is valid and they chose who
// may see it. The choice goes through the one visibility rule
// (Profile.CanSee): the viewer already sees the profile, so the badge is
// never wider than it.
func (h *Capability) badges(c *fiber.Ctx, p *maillage.Profile) ([]kit.Badge, error) {
	ctx := c.UserContext()
	vis, err := h.d.Charter.Badge(ctx, p.UserID)
	if err != nil {
		return nil, err
	}
	rule := &maillage.Profile{UserID: p.UserID, Visibility: map[string]maillage.Visibility{maillage.FieldProfile: maillage.VisPublic, badgeField: vis}}
	if !rule.CanSee(kit.Viewer(c), badgeField) {
		return nil, nil
	}
	st, err := h.d.Charter.Standing(ctx, p.UserID, h.Now())
	if maillage.ErrorCode(err) == maillage.ENOTFOUND {
		return nil, nil
	}
	if err != nil || !st.Signed || st.Status != charter.StatusValid {
		return nil, err
	}
	return []kit.Badge{{Key: "charter.badge", Args: []any{"Version", st.Signature.Version},
		Href: "/charte/verifier/" + st.Signature.SignatureCode}}, nil
}

// origin is who acts, from the request: the account, the session (its
// hash, how it was opened and at which level), the address (c.IP() is
// the trusted-proxy-aware one), the browser, and the server's clock. The
// e-mail recorded is the account's verified one (storage reads it again).
func (h *Capability) origin(c *fiber.Ctx) charter.Origin {
	u := kit.User(c)
	o := charter.Origin{At: h.Now().UTC(), IP: c.IP(), UserAgent: strings.Clone(c.Get(fiber.HeaderUserAgent))}
	if u != nil {
		o.UserID = u.ID
		if u.EmailVerified {
			o.Email = u.Email
		}
	}
	if s := kit.Session(c); s != nil {
		o.AuthMethod, o.AuthLevel, o.SessionHash = s.AuthMethod, acrOf(s.IDToken), s.IDHash
	}
	return o
}

// acrOf reads the assurance level (acr) of the ID token a session was
// opened with: the token was verified at sign-in; "" without one.
func acrOf(idToken string) string {
	parts := strings.Split(idToken, ".")
	if len(parts) != 3 {
		return ""
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return ""
	}
	var claims struct {
		Acr string `json:"acr"`
	}
	if json.Unmarshal(b, &claims) != nil {
		return ""
	}
	return claims.Acr
}

func itoa(id int64) string { return strconv.FormatInt(id, 10) }

// verifyURL is the public verification page of a code.
func (h *Capability) verifyURL(code string) string {
	return h.Config.BaseURL.String() + "/charte/verifier/" + code
}

// dateTime formats a moment as the charter's texts do (« 1er décembre 2026
// à 9 h 05 », Paris time): the attestation's date.
func (h *Capability) dateTime(lang string, t time.Time) string {
	return h.Catalog.T(lang, charter.KeyDateTime, charter.DateTimeArgs(t, h.Catalog.T(lang, charter.MonthKey(t)))...)
}
