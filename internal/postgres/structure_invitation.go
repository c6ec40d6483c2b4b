package postgres

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"maillage/internal/maillage"
)

// Invitations: a person is attached to a structure only when they accept
// (issue 10, item 3). Inviting answers the same whether or not the address
// has an account: the mail goes to the address, whose owner signs in (or
// creates their account by signing in) to answer.

const invitationSelect = `SELECT i.id, i.structure_id, s.nom AS structure_nom, i.email, i.role, i.started_on,
	coalesce(nullif(u.display_name, ''), '') AS invited_by, i.status, i.created_at, i.expires_at
	FROM structure_invitations i JOIN structures s ON s.id = i.structure_id LEFT JOIN users u ON u.id = i.invited_by`

type invitationRow struct {
	ID           int64
	StructureID  int64
	StructureNom string
	Email        string
	Role         string
	StartedOn    *time.Time
	InvitedBy    string
	Status       string
	CreatedAt    time.Time
	ExpiresAt    time.Time
}

func (r invitationRow) domain() *maillage.Invitation {
	return &maillage.Invitation{ID: r.ID, StructureID: r.StructureID, StructureNom: r.StructureNom, Email: r.Email, Role: r.Role,
		StartedOn: r.StartedOn, InvitedBy: r.InvitedBy, Status: r.Status, CreatedAt: r.CreatedAt, ExpiresAt: r.ExpiresAt}
}

// Invite records an invitation and its mail in one transaction; one
// inviter sends an address at most maillage.MaxInvitationsPerDay a day.
func (s *StructureService) Invite(ctx context.Context, actor maillage.Viewer, structureID int64, in maillage.InvitationInput, lang string) (*maillage.Invitation, error) {
	if err := in.Validate().Err(); err != nil {
		return nil, err
	}
	st, err := s.FindStructureByID(ctx, structureID)
	if err != nil {
		return nil, err
	}
	if !st.CanEdit(actor) {
		return nil, maillage.Errorf(maillage.EFORBIDDEN, "network.structure.edit.forbidden")
	}
	var id int64
	err = s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		// Already an active member in that role: say so (the inviter is a
		// referent of the structure, so this reveals nothing new to them).
		var member bool
		if err := tx.NewRaw(`SELECT EXISTS (SELECT 1 FROM memberships m JOIN users u ON u.id = m.user_id
			WHERE m.structure_id = ? AND m.role = ? AND m.ended_on IS NULL AND u.email = ?)`, structureID, in.Role, in.Email).Scan(ctx, &member); err != nil {
			return err
		}
		if member {
			return maillage.Invalid("email", "network.member.already")
		}
		var recent int
		if err := tx.NewRaw(`SELECT count(*) FROM structure_invitations WHERE invited_by = ? AND email = ? AND created_at > now() - interval '1 day'`,
			actor.UserID, in.Email).Scan(ctx, &recent); err != nil {
			return err
		}
		if recent >= maillage.MaxInvitationsPerDay {
			return maillage.Invalid("email", "network.invitation.too_many", "Max", maillage.MaxInvitationsPerDay)
		}
		err := tx.NewRaw(`INSERT INTO structure_invitations (structure_id, email, role, started_on, invited_by) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (structure_id, email, role) WHERE status = 'envoyee' DO NOTHING RETURNING id`,
			structureID, in.Email, in.Role, in.StartedOn, actor.UserID).Scan(ctx, &id)
		if isNoRows(err) {
			return maillage.Invalid("email", "network.invitation.already")
		}
		if err != nil {
			return err
		}
		actorID := actor.UserID
		if err := transition(ctx, tx, maillage.InvitationMachine, id, "", maillage.InvitationSent, &actorID, ""); err != nil {
			return err
		}
		var inviter string
		if err := tx.NewRaw("SELECT coalesce(nullif(display_name, ''), email, '') FROM users WHERE id = ?", actor.UserID).Scan(ctx, &inviter); err != nil && !isNoRows(err) {
			return err
		}
		link := s.BaseURL + "/invitations"
		role := s.Texts.T(lang, "domain.member_role."+in.Role)
		m := &maillage.Mail{To: in.Email, Kind: "structure_invitation", Lang: lang,
			Subject: s.Texts.T(lang, "network.mail.invitation.subject", "Structure", st.Lieu.Nom),
			Text:    s.Texts.T(lang, "network.mail.invitation.body", "Inviter", inviter, "Structure", st.Lieu.Nom, "Role", role, "Link", link)}
		if err := EnqueueMail(ctx, tx, m); err != nil {
			return err
		}
		return auditTx(ctx, tx, maillage.AuditEntry{ActorID: &actorID, Action: "structure.invitation_sent",
			Details: map[string]any{"structure_id": structureID, "invitation_id": id, "role": in.Role}})
	})
	if err != nil {
		return nil, err
	}
	return s.findInvitation(ctx, s.db.DB, id, false)
}

func (s *StructureService) findInvitation(ctx context.Context, db bun.IDB, id int64, lock bool) (*maillage.Invitation, error) {
	q := invitationSelect + " WHERE i.id = ?"
	if lock {
		q += " FOR UPDATE OF i"
	}
	var r invitationRow
	if err := db.NewRaw(q, id).Scan(ctx, &r); err != nil {
		return nil, translate(err, "network.invitation.not_found")
	}
	return r.domain(), nil
}

func (s *StructureService) findInvitations(ctx context.Context, where string, arg any) ([]*maillage.Invitation, error) {
	// Invitations past their date are expired first (the state says so).
	if err := s.expireInvitations(ctx); err != nil {
		return nil, err
	}
	var rows []invitationRow
	if err := s.db.NewRaw(invitationSelect+" WHERE "+where+" ORDER BY i.created_at DESC, i.id DESC LIMIT 200", arg, maillage.InvitationSent).Scan(ctx, &rows); err != nil {
		return nil, err
	}
	out := make([]*maillage.Invitation, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
	}
	return out, nil
}

// FindInvitations lists the open invitations of an address.
func (s *StructureService) FindInvitations(ctx context.Context, email string) ([]*maillage.Invitation, error) {
	return s.findInvitations(ctx, "i.email = ? AND i.status = ?", NormalizeEmail(email))
}

// FindStructureInvitations lists the open invitations of a structure.
func (s *StructureService) FindStructureInvitations(ctx context.Context, structureID int64) ([]*maillage.Invitation, error) {
	return s.findInvitations(ctx, "i.structure_id = ? AND i.status = ?", structureID)
}

// expireInvitations moves invitations past their date to expiree.
func (s *StructureService) expireInvitations(ctx context.Context) error {
	return s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var ids []int64
		if err := tx.NewRaw(`UPDATE structure_invitations SET status = 'expiree', responded_at = now()
			WHERE status = 'envoyee' AND expires_at < now() RETURNING id`).Scan(ctx, &ids); err != nil {
			return err
		}
		for _, id := range ids {
			if err := transition(ctx, tx, maillage.InvitationMachine, id, maillage.InvitationSent, maillage.InvitationExpired, nil, ""); err != nil {
				return err
			}
		}
		return nil
	})
}

// RespondInvitation accepts (the person becomes a member) or declines an
// invitation made to the person's verified address.
func (s *StructureService) RespondInvitation(ctx context.Context, u *maillage.User, id int64, accept bool) (*maillage.Invitation, error) {
	if err := s.expireInvitations(ctx); err != nil {
		return nil, err
	}
	err := s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		inv, err := s.findInvitation(ctx, tx, id, true)
		if err != nil {
			return err
		}
		// Only the owner of the invited address answers; anybody else is
		// told it does not exist.
		if !u.EmailVerified || NormalizeEmail(u.Email) != inv.Email {
			return maillage.Errorf(maillage.ENOTFOUND, "network.invitation.not_found")
		}
		to := maillage.InvitationDeclined
		if accept {
			to = maillage.InvitationAccepted
		}
		if err := transition(ctx, tx, maillage.InvitationMachine, id, inv.Status, to, &u.ID, ""); err != nil {
			return err
		}
		if _, err := tx.NewRaw("UPDATE structure_invitations SET status = ?, user_id = ?, responded_at = now() WHERE id = ?", to, u.ID, id).Exec(ctx); err != nil {
			return err
		}
		if !accept {
			return nil
		}
		if _, err := tx.NewRaw(`INSERT INTO memberships (structure_id, user_id, role, started_on) VALUES (?, ?, ?, coalesce(?, `+maillage.TodaySQL+`))
			ON CONFLICT DO NOTHING`, inv.StructureID, u.ID, inv.Role, inv.StartedOn).Exec(ctx); err != nil {
			return translate(err, "network.member.not_found")
		}
		if err := touchProfile(ctx, tx, u.ID); err != nil {
			return err
		}
		if err := outbox(ctx, tx, "structure", inv.StructureID); err != nil {
			return err
		}
		return auditTx(ctx, tx, maillage.AuditEntry{ActorID: &u.ID, Action: "structure.invitation_accepted", TargetID: &u.ID,
			Details: map[string]any{"structure_id": inv.StructureID, "invitation_id": id, "role": inv.Role}})
	})
	if err != nil {
		return nil, err
	}
	return s.findInvitation(ctx, s.db.DB, id, false)
}

// CancelInvitation withdraws an open invitation (the structure's referents
// and administrators).
func (s *StructureService) CancelInvitation(ctx context.Context, actor maillage.Viewer, id int64) (int64, error) {
	inv, err := s.findInvitation(ctx, s.db.DB, id, false)
	if err != nil {
		return 0, err
	}
	if err := s.mayEdit(ctx, actor, inv.StructureID); err != nil {
		return 0, err
	}
	return inv.StructureID, s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		cur, err := s.findInvitation(ctx, tx, id, true)
		if err != nil {
			return err
		}
		actorID := actor.UserID
		if err := transition(ctx, tx, maillage.InvitationMachine, id, cur.Status, maillage.InvitationCancelled, &actorID, ""); err != nil {
			return err
		}
		_, err = tx.NewRaw("UPDATE structure_invitations SET status = ?, responded_at = now() WHERE id = ?", maillage.InvitationCancelled, id).Exec(ctx)
		return err
	})
}
