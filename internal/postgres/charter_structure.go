package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"maillage/internal/charter"
	"maillage/internal/maillage"
)

// A structure's view of the charter: its referents (and administrators)
// see which of its active members signed which version, and invite
// aidants by e-mail to sign.

// mayManage checks that viewer is an active referent of the structure or
// an administrator, and returns the structure's name.
func mayManage(ctx context.Context, db bun.IDB, viewer maillage.Viewer, structureID int64) (string, error) {
	var rows []struct {
		Nom      string
		Referent bool
	}
	if err := db.NewRaw(`SELECT s.nom, EXISTS (SELECT 1 FROM memberships m WHERE m.structure_id = s.id AND m.user_id = ?
			AND m.role = ? AND m.ended_on IS NULL) AS referent
		FROM structures s WHERE s.id = ?`, viewer.UserID, maillage.MemberReferent, structureID).Scan(ctx, &rows); err != nil {
		return "", err
	}
	if len(rows) == 0 {
		return "", maillage.Errorf(maillage.ENOTFOUND, "charter.structure.not_found")
	}
	if !viewer.Admin && !rows[0].Referent {
		return "", maillage.Errorf(maillage.EFORBIDDEN, "charter.structure.forbidden")
	}
	return rows[0].Nom, nil
}

// StructureSigners implements charter.Service.
func (s *CharterService) StructureSigners(ctx context.Context, viewer maillage.Viewer, structureID int64, now time.Time) (*charter.StructureView, error) {
	nom, err := mayManage(ctx, s.db.DB, viewer, structureID)
	if err != nil {
		return nil, err
	}
	view, err := structureSigners(ctx, s.db.DB, structureID, now)
	if err != nil {
		return nil, err
	}
	view.Structure.Nom = nom
	if err := s.db.NewRaw(`SELECT i.email, coalesce(nullif(u.display_name, ''), u.email, '') AS invited_by, i.created_at
		FROM charter_invitations i JOIN users u ON u.id = i.invited_by
		WHERE i.structure_id = ? ORDER BY i.created_at DESC, i.id DESC LIMIT 50`, structureID).Scan(ctx, &view.Invitations); err != nil {
		return nil, fmt.Errorf("charter invitations of %d: %w", structureID, err)
	}
	return view, nil
}

// InviteInterval is how long before the same structure, or the same
// inviter for any structure, may invite the same address again (anyone may
// create structures: a window per structure alone let one person mail an
// address once per structure they created).
const InviteInterval = 24 * time.Hour

// Invite implements charter.Service: the invitation and its mail in one
// transaction. The mail says who invites, for which structure, why, and
// where to sign; the answer is the same whether or not the address has an
// account (the person signs in, or creates an account by signing in).
func (s *CharterService) Invite(ctx context.Context, viewer maillage.Viewer, structureID int64, in charter.InviteInput, lang string) error {
	if err := in.Validate().Err(); err != nil {
		return err
	}
	return s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		nom, err := mayManage(ctx, tx, viewer, structureID)
		if err != nil {
			return err
		}
		var recent struct{ Structure, Inviter bool }
		if err := tx.NewRaw(`SELECT coalesce(bool_or(structure_id = ?), false) AS structure, coalesce(bool_or(invited_by = ?), false) AS inviter
			FROM charter_invitations WHERE (structure_id = ? OR invited_by = ?) AND email = ? AND created_at > now() - ?::interval`,
			structureID, viewer.UserID, structureID, viewer.UserID, in.Email, InviteInterval.String()).Scan(ctx, &recent); err != nil {
			return err
		}
		switch {
		case recent.Structure:
			return maillage.Invalid("email", "charter.invite.already")
		case recent.Inviter:
			return maillage.Invalid("email", "charter.invite.already_yours")
		}
		var id int64
		if err := tx.NewRaw("INSERT INTO charter_invitations (structure_id, email, invited_by) VALUES (?, ?, ?) RETURNING id",
			structureID, in.Email, viewer.UserID).Scan(ctx, &id); err != nil {
			return err
		}
		var inviter string
		if err := tx.NewRaw("SELECT coalesce(nullif(display_name, ''), email, '') FROM users WHERE id = ?", viewer.UserID).Scan(ctx, &inviter); err != nil && !isNoRows(err) {
			return err
		}
		m := &maillage.Mail{To: in.Email, Kind: "charter_invitation", Lang: lang,
			Subject: s.Texts.T(lang, "charter.mail.invite.subject", "Inviter", inviter, "Structure", nom),
			Text: s.Texts.T(lang, "charter.mail.invite.body", "Inviter", inviter, "Structure", nom, "Message", in.Message,
				"Link", s.BaseURL+"/charte/signer", "Charter", s.BaseURL+"/charte")}
		if err := EnqueueMail(ctx, tx, m); err != nil {
			return err
		}
		actor := viewer.UserID
		return auditTx(ctx, tx, maillage.AuditEntry{ActorID: &actor, Action: "charter.invitation_sent",
			Details: map[string]any{"structure_id": structureID, "invitation_id": id}})
	})
}

// Badge implements charter.Service.
func (s *CharterService) Badge(ctx context.Context, userID int64) (maillage.Visibility, error) {
	var v []string
	if err := s.db.NewRaw("SELECT visibility FROM charter_badges WHERE user_id = ?", userID).Scan(ctx, &v); err != nil {
		return "", err
	}
	if len(v) == 0 {
		return maillage.VisPrivate, nil
	}
	return maillage.Visibility(v[0]), nil
}

// SetBadge implements charter.Service.
func (s *CharterService) SetBadge(ctx context.Context, userID int64, v maillage.Visibility) error {
	if !v.Valid() {
		return maillage.Invalid("badge", maillage.KeyNotInList)
	}
	_, err := s.db.NewRaw(`INSERT INTO charter_badges (user_id, visibility) VALUES (?, ?)
		ON CONFLICT (user_id) DO UPDATE SET visibility = EXCLUDED.visibility, updated_at = now()`, userID, string(v)).Exec(ctx)
	return err
}

// structureSigners is the standing of each active member of a structure
// with the version in force, without checking who asks (the callers do:
// StructureSigners for referents, the label application for its applicant).
func structureSigners(ctx context.Context, db bun.IDB, structureID int64, now time.Time) (*charter.StructureView, error) {
	cur, err := currentOf(ctx, db, now)
	if err != nil {
		return nil, err
	}
	var members []struct {
		UserID      int64
		ProfileID   *int64
		DisplayName string
		Role        string
	}
	// One line per person: a member in several roles shows the first
	// (referent, then salarié, then médiateur).
	if err := db.NewRaw(`SELECT * FROM (
			SELECT DISTINCT ON (m.user_id) m.user_id, p.id AS profile_id,
				coalesce(p.display_name, nullif(u.display_name, ''), u.email, '') AS display_name, m.role
			FROM memberships m JOIN users u ON u.id = m.user_id LEFT JOIN profiles p ON p.user_id = m.user_id
			WHERE m.structure_id = ? AND m.ended_on IS NULL AND u.deleted_at IS NULL
			ORDER BY m.user_id, array_position(ARRAY['referent', 'salarie', 'mediateur'], m.role)) x
		ORDER BY display_name, user_id`, structureID).Scan(ctx, &members); err != nil {
		return nil, fmt.Errorf("members of %d: %w", structureID, err)
	}
	view := &charter.StructureView{Structure: charter.StructureRef{ID: structureID}, Current: cur, Counts: map[string]int{}}
	ids := make([]int64, len(members))
	for i, m := range members {
		ids[i] = m.UserID
	}
	byUser := map[int64][]charter.Event{}
	if len(ids) > 0 {
		events, err := eventsWhere(ctx, db, "user_id IN (?)", bun.In(ids))
		if err != nil {
			return nil, err
		}
		for _, e := range events {
			byUser[e.UserID] = append(byUser[e.UserID], e)
		}
	}
	for _, m := range members {
		st := charter.StandingOf(byUser[m.UserID], m.UserID, cur.Number)
		sg := charter.Signer{UserID: m.UserID, ProfileID: m.ProfileID, DisplayName: m.DisplayName, Role: m.Role, Standing: st}
		if st.Signed {
			sg.ForStructure = st.Signature.StructureID != nil && *st.Signature.StructureID == structureID
			view.Counts[string(st.Status)]++
		} else {
			view.Counts["none"]++
		}
		view.Signers = append(view.Signers, sg)
	}
	return view, nil
}
