package network

import (
	"github.com/gofiber/fiber/v2"

	"maillage/internal/maillage"
	"maillage/internal/web/kit"
)

type claimsData struct {
	Mine     []*maillage.Claim
	ToDecide []*maillage.Claim
	// Decide says the viewer decides claims (a coordinator or an administrator).
	Decide bool
}

// claims lists the person's claims and, for a coordinator or an
// administrator, those of their territory waiting for a decision.
func (n *Capability) claims(c *fiber.Ctx) error { return n.claimsPage(c, fiber.StatusOK, nil, 0) }

func (n *Capability) claimsPage(c *fiber.Ctx, status int, f *kit.Form, formClaim int64) error {
	u := kit.User(c)
	ctx := c.UserContext()
	d := claimsData{Decide: u.Has(maillage.RoleCoordinateur) || u.Has(maillage.RoleAdministrateur)}
	var err error
	if d.Mine, err = n.d.Structures.FindClaims(ctx, maillage.ClaimFilter{UserID: u.ID, Limit: 50}); err != nil {
		return err
	}
	if d.Decide {
		if d.ToDecide, err = n.d.Structures.FindClaims(ctx, maillage.ClaimFilter{Status: maillage.ClaimPending, DecidableBy: u}); err != nil {
			return err
		}
	}
	p := n.Page(c, "network.claims.title", "", d)
	if f == nil {
		f = n.NewForm(c)
	}
	f.Set("claim", itoa(formClaim))
	p.Form = f
	return n.Render(c, status, "network/claims", p)
}

// claimSendLink sends the proof link to the structure's contact address.
func (n *Capability) claimSendLink(c *fiber.Ctx) error {
	id, err := kit.PathID(c, "id")
	if err != nil {
		return err
	}
	if _, err := n.d.Structures.SendClaimLink(c.UserContext(), kit.User(c).ID, id, kit.Lang(c)); err != nil {
		return err
	}
	return n.RedirectFlash(c, "/structures/revendications", "network.flash.claim_link_sent")
}

// claimConfirm is the proof link: the claimant, signed in, becomes referent.
func (n *Capability) claimConfirm(c *fiber.Ctx) error {
	claim, err := n.d.Structures.ConfirmClaimLink(c.UserContext(), kit.User(c).ID, c.Query("jeton"))
	if err != nil {
		return err
	}
	return n.RedirectFlash(c, "/structures/"+itoa(claim.StructureID), "network.flash.claim_granted")
}

// claimDecide grants or refuses a claim, with a motivation (required to refuse).
func (n *Capability) claimDecide(c *fiber.Ctx) error {
	id, err := kit.PathID(c, "id")
	if err != nil {
		return err
	}
	f := n.PostedForm(c)
	grant := f.Value("decision") == "accepter"
	_, err = n.d.Structures.DecideClaim(c.UserContext(), kit.User(c), id, grant, f.Raw("motivation"))
	if err != nil {
		if f.Fail(err) {
			return n.claimsPage(c, fiber.StatusUnprocessableEntity, f, id)
		}
		return err
	}
	flash := "network.flash.claim_refused"
	if grant {
		flash = "network.flash.claim_granted"
	}
	return n.RedirectFlash(c, "/structures/revendications", flash)
}

func (n *Capability) claimCancel(c *fiber.Ctx) error {
	id, err := kit.PathID(c, "id")
	if err != nil {
		return err
	}
	if err := n.d.Structures.CancelClaim(c.UserContext(), kit.User(c).ID, id); err != nil {
		return err
	}
	return n.RedirectFlash(c, "/structures/revendications", "network.flash.claim_cancelled")
}
