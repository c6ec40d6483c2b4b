package testenv

import (
	"context"
	"testing"

	"maillage/internal/app"
	"maillage/internal/maillage"
)

// Join makes u a member of a structure the way the portal does: actor
// (a referent or an administrator) invites u's address, and u accepts.
func Join(t testing.TB, a *app.App, actor *maillage.User, structureID int64, u *maillage.User, role string) {
	t.Helper()
	ctx := context.Background()
	v := maillage.Viewer{UserID: actor.ID, Admin: actor.Has(maillage.RoleAdministrateur)}
	inv, err := a.Structures.Invite(ctx, v, structureID, maillage.InvitationInput{Email: u.Email, Role: role}, "fr")
	if err != nil {
		t.Fatalf("invite %s: %v", u.Email, err)
	}
	if _, err := a.Structures.RespondInvitation(ctx, u, inv.ID, true); err != nil {
		t.Fatalf("accept invitation of %s: %v", u.Email, err)
	}
}
