// Package network is the people and places of the network: profiles,
// structures (claims, invitations, members), the directory by territory,
// and their JSON API (with the referentials and the communes).
package network

import (
	"embed"
	"io/fs"

	"github.com/gofiber/fiber/v2"

	"maillage/internal/auth"
	"maillage/internal/maillage"
	"maillage/internal/web/kit"
)

//go:embed *.yaml
var messages embed.FS

//go:embed openapi.json
var openapi []byte

// Deps are the services of the network pages.
type Deps struct {
	Profiles    maillage.ProfileService
	Structures  maillage.StructureService
	Referential maillage.ReferentialService
	Territories maillage.TerritoryService
}

// Capability serves the network pages and API.
type Capability struct {
	*kit.Kit
	d Deps
}

// New returns the capability.
func New(d Deps) *Capability { return &Capability{d: d} }

// Name implements kit.Capability.
func (n *Capability) Name() string { return "network" }

// Messages implements kit.Capability.
func (n *Capability) Messages() fs.FS { return messages }

// Mount implements kit.Capability.
func (n *Capability) Mount(r *kit.Router) {
	n.Kit = r.Kit()
	pub, signed := auth.PermPublic, auth.PermSignedIn

	r.Get("/annuaire", pub, n.directory)
	r.Get("/annuaire/regions/:code", pub, n.directoryRegion)
	r.Get("/annuaire/departements/:code", pub, n.directoryDepartement)
	r.Get("/annuaire/departements/:code/personnes.csv", pub, n.directoryExport)

	r.Get("/profil", signed, n.profileEdit)
	r.Post("/profil", signed, n.profileSave)
	r.Get("/profils/:id", pub, n.profileShow)

	r.Get("/structures/nouvelle", signed, n.structureNew)
	r.Post("/structures/nouvelle", signed, n.structureCreate)
	r.Get("/structures/revendications", signed, n.claims)
	r.Get("/structures/revendications/confirmer", signed, n.claimConfirm)
	r.Post("/structures/revendications/:id/lien", signed, n.claimSendLink)
	r.Post("/structures/revendications/:id/decision", signed, n.claimDecide)
	r.Post("/structures/revendications/:id/annuler", signed, n.claimCancel)
	r.Get("/structures/:id", pub, n.structureShow)
	r.Get("/structures/:id/modifier", signed, n.structureEdit)
	r.Post("/structures/:id/modifier", signed, n.structureUpdate)
	r.Post("/structures/:id/invitations", signed, n.structureInvite)
	r.Post("/structures/invitations/:id/annuler", signed, n.invitationCancel)
	r.Post("/structures/membres/:id/terminer", signed, n.structureEndMember)
	r.Get("/invitations", signed, n.invitations)
	r.Post("/invitations/:id/reponse", signed, n.invitationRespond)

	r.Get("/api/communes", pub, n.apiCommunes)
	r.Get("/api/profils", pub, n.apiProfiles)
	r.Get("/api/profils/:id", pub, n.apiProfile)
	r.Get("/api/structures", pub, n.apiStructures)
	r.Post("/api/structures", signed, n.apiCreateStructure)
	r.Get("/api/structures/:id", pub, n.apiStructure)
	r.Get("/api/referentiel/competences", pub, n.apiCompetences)
	r.Get("/api/referentiel/certifications", pub, n.apiCertifications)
	r.Get("/api/moi/profil", signed, n.apiMyProfile)
	r.Put("/api/moi/profil", signed, n.apiUpdateMyProfile)
	r.OpenAPI(openapi)

	r.Menu(kit.MenuItem{Key: "directory", Label: "network.nav.directory", Href: "/annuaire", Perm: pub, Order: 20})
	r.Menu(kit.MenuItem{Key: "profile", Label: "network.nav.profile", Href: "/profil", Perm: signed, Order: 40})
	r.Steps(n.steps)
}

// steps are the network's next steps on a person's dashboard, for what
// they are: a profile to complete, invitations to answer, a structure to
// declare or claim, claims to decide for a coordinator.
func (n *Capability) steps(c *fiber.Ctx, u *maillage.User) ([]kit.Step, error) {
	ctx := c.UserContext()
	var out []kit.Step
	p, err := n.d.Profiles.FindProfileByUserID(ctx, u.ID)
	switch {
	case maillage.ErrorCode(err) == maillage.ENOTFOUND:
		out = append(out, kit.Step{Key: "network.step.profile.create", Text: "network.step.profile.create.text", Href: "/profil", Order: 10})
	case err != nil:
		return nil, err
	default:
		if p.CodeInsee == "" || len(p.Competences) == 0 {
			out = append(out, kit.Step{Key: "network.step.profile.complete", Text: "network.step.profile.complete.text", Href: "/profil", Order: 10})
		}
		out = append(out, kit.Step{Key: "network.step.profile.see", Href: "/profils/" + itoa(p.ID), Order: 90})
		active := 0
		for _, s := range p.Structures {
			if s.EndedOn == nil {
				active++
				if s.Role == maillage.MemberReferent {
					out = append(out, kit.Step{Key: "network.step.structure.manage", Href: "/structures/" + itoa(s.StructureID), Args: []any{"Name", s.Nom}, Order: 40})
				}
			}
		}
		if active == 0 {
			out = append(out, kit.Step{Key: "network.step.structure.declare", Text: "network.step.structure.declare.text", Href: "/structures/nouvelle", Order: 50})
		}
	}
	if u.EmailVerified && u.Email != "" {
		invs, err := n.d.Structures.FindInvitations(ctx, u.Email)
		if err != nil {
			return nil, err
		}
		if len(invs) > 0 {
			out = append(out, kit.Step{Key: "network.step.invitations", Href: "/invitations", Args: []any{"Count", len(invs)}, Order: 5})
		}
	}
	if u.Has(maillage.RoleCoordinateur) || u.Has(maillage.RoleAdministrateur) {
		cl, err := n.d.Structures.FindClaims(ctx, maillage.ClaimFilter{Status: maillage.ClaimPending, DecidableBy: u})
		if err != nil {
			return nil, err
		}
		if len(cl) > 0 {
			out = append(out, kit.Step{Key: "network.step.claims", Href: "/structures/revendications", Args: []any{"Count", len(cl)}, Order: 20})
		}
	}
	mine, err := n.d.Structures.FindClaims(ctx, maillage.ClaimFilter{Status: maillage.ClaimPending, UserID: u.ID})
	if err != nil {
		return nil, err
	}
	if len(mine) > 0 {
		out = append(out, kit.Step{Key: "network.step.my_claims", Href: "/structures/revendications", Args: []any{"Count", len(mine)}, Order: 25})
	}
	return out, nil
}
