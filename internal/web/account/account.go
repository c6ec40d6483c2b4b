// Package account is signing in and out (providers, e-mail links), the
// person's account (identities, sessions, export, deletion), API tokens and
// the development mailbox.
package account

import (
	"embed"
	"io/fs"

	"maillage/internal/auth"
	"maillage/internal/maillage"
	"maillage/internal/web/kit"
)

//go:embed *.yaml
var messages embed.FS

// Deps are the services of the account pages.
type Deps struct {
	Auth      *auth.Service
	Users     maillage.UserService
	Sessions  maillage.SessionService
	Profiles  maillage.ProfileService
	APITokens maillage.APITokenService
	// Mails is the mail outbox, which the development mailbox lists.
	Mails maillage.MailStore
}

// Capability serves the account pages.
type Capability struct {
	*kit.Kit
	d Deps
}

// New returns the capability.
func New(d Deps) *Capability { return &Capability{d: d} }

// Name implements kit.Capability.
func (a *Capability) Name() string { return "account" }

// Messages implements kit.Capability.
func (a *Capability) Messages() fs.FS { return messages }

// Mount implements kit.Capability.
func (a *Capability) Mount(r *kit.Router) {
	a.Kit = r.Kit()
	pub, signed := auth.PermPublic, auth.PermSignedIn

	r.Get("/connexion", pub, a.signIn)
	r.Post("/connexion/email", pub, a.signInEmailRequest)
	r.Get("/connexion/email/envoye", pub, a.signInEmailSent)
	r.Get("/connexion/email/verifier", pub, a.signInEmailConfirm)
	r.Post("/connexion/email/verifier", pub, a.signInEmailVerify)
	r.Get("/auth/:provider", pub, a.signInProvider)
	r.Get("/auth/:provider/callback", pub, a.signInCallback)
	r.Post("/deconnexion", signed, a.signOut)
	r.Get("/dev/courriels", auth.PermDevMailbox, a.devMails)

	r.Get("/compte", signed, a.account)
	r.Post("/compte/nom", signed, a.accountName)
	r.Post("/compte/sessions/revoquer-tout", signed, a.accountRevokeAll)
	r.Post("/compte/sessions/:id/revoquer", signed, a.accountRevokeSession)
	r.Post("/compte/liaisons/:id/confirmer", signed, a.accountConfirmLink)
	r.Post("/compte/identites/:id/retirer", signed, a.accountRemoveIdentity)
	r.Get("/compte/export", signed, a.accountExport)
	r.Get("/compte/supprimer", signed, a.accountDeleteForm)
	r.Post("/compte/supprimer", signed, a.accountDelete)
	r.Get("/compte/jetons", signed, a.tokens)
	r.Post("/compte/jetons", signed, a.tokenCreate)
	r.Post("/compte/jetons/:id/revoquer", signed, a.tokenRevoke)
}
