// Package auth signs people in (goth providers, OpenID Connect with nonce,
// PKCE and signed ID tokens; e-mail links), keeps their sessions, and holds
// the one policy that says who may do what.
package auth

import "maillage/internal/maillage"

// Permission is what a route requires. Every route declares one.
type Permission string

// The permissions of the portal.
const (
	// PermPublic: anyone, signed in or not.
	PermPublic Permission = "public"
	// PermSignedIn: any signed-in person.
	PermSignedIn Permission = "signed_in"
	// PermAdmin: administrators (roles, referentials, audit log).
	PermAdmin Permission = "admin"
	// PermImportLieux: administrators and coordinators (import of places).
	PermImportLieux Permission = "import_lieux"
	// PermDevMailbox: the development mailbox (never in production).
	PermDevMailbox Permission = "dev_mailbox"
)

// Permissions lists every permission (the authorization-matrix test walks them).
var Permissions = []Permission{PermPublic, PermSignedIn, PermAdmin, PermImportLieux, PermDevMailbox}

// Allowed is the one policy: whether user (nil when anonymous) holds perm.
// Decisions about a particular resource (this profile, this structure) are
// taken by the services with the resource in hand; this says whether the
// route is reachable at all.
func Allowed(u *maillage.User, perm Permission) bool {
	switch perm {
	case PermPublic, PermDevMailbox:
		return true
	case PermSignedIn:
		return u != nil
	case PermAdmin:
		return u.Has(maillage.RoleAdministrateur)
	case PermImportLieux:
		return u.Has(maillage.RoleAdministrateur) || u.Has(maillage.RoleCoordinateur)
	}
	return false
}
