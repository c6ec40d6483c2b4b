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
	)
	pub, signed, admin := auth.PermPublic, auth.PermSignedIn, auth.PermAdmin

	s.route(get, "/healthz", pub, s.healthz)
	s.route(get, "/readyz", pub, s.readyz)
	s.route(get, "/", pub, s.home)
	s.route(get, "/a-propos/donnees", pub, s.aboutData)
	s.route(get, "/api/communes", pub, s.apiCommunes)
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

	// Administration.
	s.route(get, "/admin/roles", admin, s.adminRoles)
	s.route(post, "/admin/roles", admin, s.adminGrantRole)
	s.route(post, "/admin/roles/:id/revoquer", admin, s.adminRevokeRole)
	s.route(get, "/admin/journal", admin, s.adminAudit)
}
