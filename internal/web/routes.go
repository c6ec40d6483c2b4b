package web

import (
	"github.com/gofiber/fiber/v2"

	"maillage/internal/auth"
)

// routes declares every route with its permission (see route in session.go).
func (s *Server) routes() {
	const (
		get  = fiber.MethodGet
		post = fiber.MethodPost
		put  = fiber.MethodPut
	)
	pub, signed, admin := auth.PermPublic, auth.PermSignedIn, auth.PermAdmin

	s.route(get, "/healthz", pub, s.healthz)
	s.route(get, "/readyz", pub, s.readyz)
	s.route(get, "/", pub, s.home)
	s.route(get, "/a-propos/donnees", pub, s.aboutData)

	// The JSON API (internal/web/api*.go), described in openapi.go.
	s.route(get, "/api/openapi.json", pub, s.apiOpenAPI)
	s.route(get, "/api/communes", pub, s.apiCommunes)
	s.route(get, "/api/profils", pub, s.apiProfiles)
	s.route(get, "/api/profils/:id", pub, s.apiProfile)
	s.route(get, "/api/structures", pub, s.apiStructures)
	s.route(post, "/api/structures", signed, s.apiCreateStructure)
	s.route(get, "/api/structures/:id", pub, s.apiStructure)
	s.route(get, "/api/referentiel/competences", pub, s.apiCompetences)
	s.route(get, "/api/referentiel/certifications", pub, s.apiCertifications)
	s.route(get, "/api/moi/profil", signed, s.apiMyProfile)
	s.route(put, "/api/moi/profil", signed, s.apiUpdateMyProfile)

	// Places in the national standard: open export, import for coordinators.
	s.route(get, "/lieux.csv", pub, s.lieuxCSV)
	s.route(get, "/lieux.json", pub, s.lieuxJSON)
	s.route(get, "/admin/lieux/import", auth.PermImportLieux, s.adminLieuxImport)
	s.route(post, "/admin/lieux/import", auth.PermImportLieux, s.adminLieuxImportUpload)
	s.route(get, "/recherche", pub, s.search)
	s.route(get, "/api/recherche", pub, s.apiSearch)

	// Signing in and out.
	s.route(get, "/connexion", pub, s.signIn)
	s.route(post, "/connexion/email", pub, s.signInEmailRequest)
	s.route(get, "/connexion/email/envoye", pub, s.signInEmailSent)
	s.route(get, "/connexion/email/verifier", pub, s.signInEmailConfirm)
	s.route(post, "/connexion/email/verifier", pub, s.signInEmailVerify)
	s.route(get, "/auth/:provider", pub, s.signInProvider)
	s.route(get, "/auth/:provider/callback", pub, s.signInCallback)
	s.route(post, "/deconnexion", signed, s.signOut)
	s.route(get, "/dev/courriels", auth.PermDevMailbox, s.devMails)

	// My account.
	s.route(get, "/tableau-de-bord", signed, s.dashboard)
	s.route(get, "/compte", signed, s.account)
	s.route(post, "/compte/nom", signed, s.accountName)
	s.route(post, "/compte/sessions/revoquer-tout", signed, s.accountRevokeAll)
	s.route(post, "/compte/sessions/:id/revoquer", signed, s.accountRevokeSession)
	s.route(post, "/compte/liaisons/:id/confirmer", signed, s.accountConfirmLink)
	s.route(post, "/compte/identites/:id/retirer", signed, s.accountRemoveIdentity)
	s.route(get, "/compte/export", signed, s.accountExport)
	s.route(get, "/compte/supprimer", signed, s.accountDeleteForm)
	s.route(post, "/compte/supprimer", signed, s.accountDelete)
	s.route(get, "/compte/jetons", signed, s.accountTokens)
	s.route(post, "/compte/jetons", signed, s.accountTokenCreate)
	s.route(post, "/compte/jetons/:id/revoquer", signed, s.accountTokenRevoke)

	// The network.
	s.route(get, "/annuaire", pub, s.directory)
	s.route(get, "/annuaire/regions/:code", pub, s.directoryRegion)
	s.route(get, "/annuaire/departements/:code", pub, s.directoryDepartement)
	s.route(get, "/annuaire/departements/:code/personnes.csv", pub, s.directoryExport)
	s.route(get, "/profil", signed, s.profileEdit)
	s.route(post, "/profil", signed, s.profileSave)
	s.route(get, "/profils/:id", pub, s.profileShow)
	s.route(get, "/structures/nouvelle", signed, s.structureNew)
	s.route(post, "/structures/nouvelle", signed, s.structureCreate)
	s.route(get, "/structures/:id", pub, s.structureShow)
	s.route(get, "/structures/:id/modifier", signed, s.structureEdit)
	s.route(post, "/structures/:id/modifier", signed, s.structureUpdate)
	s.route(post, "/structures/:id/membres", signed, s.structureAddMember)
	s.route(post, "/structures/membres/:id/terminer", signed, s.structureEndMember)

	// Administration.
	s.route(get, "/admin/roles", admin, s.adminRoles)
	s.route(post, "/admin/roles", admin, s.adminGrantRole)
	s.route(post, "/admin/roles/:id/revoquer", admin, s.adminRevokeRole)
	s.route(get, "/admin/journal", admin, s.adminAudit)
}
