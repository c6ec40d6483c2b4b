package postgres

import (
	"context"
	"net/url"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"

	"maillage/internal/maillage"
)

// Claims: becoming the referent of a structure that has none is a request
// (issue 10, item 2). Nothing of the structure changes until the claim is
// granted by a coordinator of its territory or an administrator, or
// proved by the link sent to the structure's contact address (the first
// of its courriels, from the national data).

const claimSelect = `SELECT c.id, c.structure_id, s.nom AS structure_nom, coalesce(co.code_departement, '') AS code_departement,
	coalesce(co.code_region, '') AS code_region, c.user_id, coalesce(nullif(u.display_name, ''), u.email, '') AS claimant_name,
	coalesce(u.email, '') AS claimant_email, c.status, coalesce(c.token_email, '') AS link_sent_to, c.created_at, c.decided_at
	FROM structure_claims c JOIN structures s ON s.id = c.structure_id JOIN users u ON u.id = c.user_id
	LEFT JOIN communes co ON co.code_insee = s.commune_insee`

type claimRow struct {
	ID              int64
	StructureID     int64
	StructureNom    string
	CodeDepartement string
	CodeRegion      string
	UserID          int64
	ClaimantName    string
	ClaimantEmail   string
	Status          string
	LinkSentTo      string
	CreatedAt       time.Time
	DecidedAt       *time.Time
}

func (r claimRow) domain() *maillage.Claim {
	c := &maillage.Claim{ID: r.ID, StructureID: r.StructureID, StructureNom: r.StructureNom, CodeDepartement: r.CodeDepartement,
		CodeRegion: r.CodeRegion, UserID: r.UserID, ClaimantName: r.ClaimantName, ClaimantEmail: r.ClaimantEmail, Status: r.Status,
		CreatedAt: r.CreatedAt, DecidedAt: r.DecidedAt}
	if r.LinkSentTo != "" {
		c.LinkSentTo = maillage.MaskEmail(r.LinkSentTo)
	}
	return c
}

// openClaim records a claim (or returns the open one of that person).
func (s *StructureService) openClaim(ctx context.Context, tx bun.IDB, structureID, userID int64) (int64, error) {
	var id int64
	err := tx.NewRaw("SELECT id FROM structure_claims WHERE structure_id = ? AND user_id = ? AND status = ?", structureID, userID, maillage.ClaimPending).Scan(ctx, &id)
	if err == nil {
		return id, nil
	}
	if !isNoRows(err) {
		return 0, err
	}
	if err := tx.NewRaw("INSERT INTO structure_claims (structure_id, user_id) VALUES (?, ?) RETURNING id", structureID, userID).Scan(ctx, &id); err != nil {
		return 0, translate(err, "network.claim.not_found")
	}
	if err := transition(ctx, tx, maillage.ClaimMachine, id, "", maillage.ClaimPending, &userID, ""); err != nil {
		return 0, err
	}
	return id, auditTx(ctx, tx, maillage.AuditEntry{ActorID: &userID, Action: "structure.claim_requested", TargetID: &userID,
		Details: map[string]any{"structure_id": structureID, "claim_id": id}})
}

// FindClaim returns a claim.
func (s *StructureService) FindClaim(ctx context.Context, id int64) (*maillage.Claim, error) {
	var r claimRow
	if err := s.db.NewRaw(claimSelect+" WHERE c.id = ?", id).Scan(ctx, &r); err != nil {
		return nil, translate(err, "network.claim.not_found")
	}
	return r.domain(), nil
}

// FindClaims lists claims, newest first: a person's own, or those a
// coordinator or an administrator may decide (the same rule as
// Claim.CanDecide, in SQL: their territory's, not their own).
func (s *StructureService) FindClaims(ctx context.Context, f maillage.ClaimFilter) ([]*maillage.Claim, error) {
	q := claimSelect + " WHERE TRUE"
	var args []any
	if f.Status != "" {
		q += " AND c.status = ?"
		args = append(args, f.Status)
	}
	if f.UserID != 0 {
		q += " AND c.user_id = ?"
		args = append(args, f.UserID)
	}
	if u := f.DecidableBy; u != nil {
		q += " AND c.user_id <> ?" // nobody decides their own claim
		args = append(args, u.ID)
	}
	if u := f.DecidableBy; u != nil && !u.Has(maillage.RoleAdministrateur) {
		deps, regs := u.CoordinatedTerritories()
		if len(deps)+len(regs) == 0 {
			return nil, nil
		}
		q += " AND (co.code_departement IN (?) OR co.code_region IN (?))"
		args = append(args, bun.In(append(deps, "")), bun.In(append(regs, "")))
	}
	limit := f.Limit
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	var rows []claimRow
	if err := s.db.NewRaw(q+" ORDER BY c.created_at DESC, c.id DESC LIMIT ?", append(args, limit)...).Scan(ctx, &rows); err != nil {
		return nil, err
	}
	out := make([]*maillage.Claim, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
	}
	return out, nil
}

// lockClaim reads a claim under lock.
func lockClaim(ctx context.Context, tx bun.IDB, id int64) (*claimRow, error) {
	var r claimRow
	if err := tx.NewRaw(claimSelect+" WHERE c.id = ? FOR UPDATE OF c", id).Scan(ctx, &r); err != nil {
		return nil, translate(err, "network.claim.not_found")
	}
	return &r, nil
}

// DecideClaim grants or refuses a claim (a coordinator of the
// structure's territory or an administrator), with a motivation. Granting
// makes the claimant referent, unless the structure got a referent
// meanwhile (then the claim is refused for that reason).
func (s *StructureService) DecideClaim(ctx context.Context, actor *maillage.User, id int64, grant bool, motivation string) (*maillage.Claim, error) {
	motivation = maillage.CleanText(motivation)
	var ps maillage.Problems
	if !grant && motivation == "" {
		ps.Add("motivation", "network.claim.motivation.required")
	}
	maillage.CheckText(&ps, "motivation", motivation, 2000, true)
	if err := ps.Err(); err != nil {
		return nil, err
	}
	err := s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		r, err := lockClaim(ctx, tx, id)
		if err != nil {
			return err
		}
		if !r.domain().CanDecide(actor) {
			return maillage.Errorf(maillage.EFORBIDDEN, "network.claim.decide.forbidden")
		}
		to := maillage.ClaimRefused
		if grant {
			to = maillage.ClaimGranted
		}
		return s.moveClaim(ctx, tx, r, to, actor.ID, motivation)
	})
	if err != nil {
		return nil, err
	}
	return s.FindClaim(ctx, id)
}

// CancelClaim withdraws a person's own open claim.
func (s *StructureService) CancelClaim(ctx context.Context, userID, id int64) error {
	return s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		r, err := lockClaim(ctx, tx, id)
		if err != nil {
			return err
		}
		if r.UserID != userID {
			return maillage.Errorf(maillage.ENOTFOUND, "network.claim.not_found")
		}
		return s.moveClaim(ctx, tx, r, maillage.ClaimCancelled, userID, "")
	})
}

// moveClaim applies a transition; a granted claim makes the claimant
// referent (if the structure still has none).
func (s *StructureService) moveClaim(ctx context.Context, tx bun.IDB, r *claimRow, to string, actorID int64, motivation string) error {
	if to == maillage.ClaimGranted {
		var referents int
		if err := tx.NewRaw(`SELECT count(*) FROM memberships WHERE structure_id = ? AND role = 'referent' AND ended_on IS NULL`, r.StructureID).Scan(ctx, &referents); err != nil {
			return err
		}
		if referents > 0 {
			return maillage.Errorf(maillage.ECONFLICT, "network.claim.has_referent")
		}
	}
	if err := transition(ctx, tx, maillage.ClaimMachine, r.ID, r.Status, to, &actorID, motivation); err != nil {
		return err
	}
	if _, err := tx.NewRaw("UPDATE structure_claims SET status = ?, decided_at = now(), token_hash = NULL WHERE id = ?", to, r.ID).Exec(ctx); err != nil {
		return err
	}
	if to == maillage.ClaimGranted {
		if _, err := tx.NewRaw("INSERT INTO memberships (structure_id, user_id, role, started_on) VALUES (?, ?, 'referent', "+maillage.TodaySQL+")", r.StructureID, r.UserID).Exec(ctx); err != nil {
			return translate(err, "network.member.not_found")
		}
		// Other open claims on the structure are refused: it has a referent.
		var others []claimRow
		if err := tx.NewRaw(claimSelect+" WHERE c.structure_id = ? AND c.status = ? AND c.id <> ? FOR UPDATE OF c", r.StructureID, maillage.ClaimPending, r.ID).Scan(ctx, &others); err != nil {
			return err
		}
		for i := range others {
			if err := transition(ctx, tx, maillage.ClaimMachine, others[i].ID, others[i].Status, maillage.ClaimRefused, &actorID, "network.claim.refused_other"); err != nil {
				return err
			}
			if _, err := tx.NewRaw("UPDATE structure_claims SET status = ?, decided_at = now(), token_hash = NULL WHERE id = ?", maillage.ClaimRefused, others[i].ID).Exec(ctx); err != nil {
				return err
			}
		}
		if err := touchProfile(ctx, tx, r.UserID); err != nil {
			return err
		}
		if err := outbox(ctx, tx, "structure", r.StructureID); err != nil {
			return err
		}
	}
	return auditTx(ctx, tx, maillage.AuditEntry{ActorID: &actorID, Action: "structure.claim_" + to, TargetID: &r.UserID,
		Details: map[string]any{"structure_id": r.StructureID, "claim_id": r.ID, "motivation": motivation}})
}

// ClaimLinkTTL is how long the proof link sent to a structure stays valid.
const ClaimLinkTTL = 48 * time.Hour

// ClaimLinkResend is how long after a proof link another may be sent: each
// is a mail to the structure's contact address.
const ClaimLinkResend = time.Hour

// SendClaimLink sends a proof link to the structure's contact address
// (the first of its courriels, from the national data): whoever reads that
// mailbox speaks for the structure. It returns the masked address. Another
// link leaves ClaimLinkResend after the last one at the soonest.
func (s *StructureService) SendClaimLink(ctx context.Context, userID, id int64, lang string) (string, error) {
	var masked string
	err := s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		r, err := lockClaim(ctx, tx, id)
		if err != nil {
			return err
		}
		if r.UserID != userID {
			return maillage.Errorf(maillage.ENOTFOUND, "network.claim.not_found")
		}
		if r.Status != maillage.ClaimPending {
			return maillage.Machine.Check(maillage.ClaimMachine, r.Status, maillage.ClaimGranted)
		}
		var expires *time.Time
		if err := tx.NewRaw("SELECT token_expires FROM structure_claims WHERE id = ?", id).Scan(ctx, &expires); err != nil {
			return err
		}
		if expires != nil && time.Until(*expires) > ClaimLinkTTL-ClaimLinkResend {
			return maillage.Errorf(maillage.ETOOMANY, "network.claim.link.recent", "Minutes", int(ClaimLinkResend.Minutes()))
		}
		var emails []string
		if err := tx.NewRaw("SELECT courriels FROM structures WHERE id = ?", r.StructureID).Scan(ctx, pgdialect.Array(&emails)); err != nil {
			return err
		}
		if len(emails) == 0 || !maillage.ValidEmail(NormalizeEmail(emails[0])) {
			return maillage.Errorf(maillage.EINVALID, "network.claim.no_contact")
		}
		to := NormalizeEmail(emails[0])
		token := maillage.RandomToken(32)
		if _, err := tx.NewRaw("UPDATE structure_claims SET token_hash = ?, token_email = ?, token_expires = ? WHERE id = ?",
			maillage.HashToken(token), to, time.Now().Add(ClaimLinkTTL), id).Exec(ctx); err != nil {
			return err
		}
		link := s.BaseURL + "/structures/revendications/confirmer?jeton=" + url.QueryEscape(token)
		m := &maillage.Mail{To: to, Kind: "structure_claim_link", Lang: lang,
			Subject: s.Texts.T(lang, "network.mail.claim.subject", "Structure", r.StructureNom),
			Text: s.Texts.T(lang, "network.mail.claim.body", "Structure", r.StructureNom, "Claimant", r.ClaimantName,
				"Link", link, "Hours", int(ClaimLinkTTL.Hours()))}
		if err := EnqueueMail(ctx, tx, m); err != nil {
			return err
		}
		masked = maillage.MaskEmail(to)
		return nil
	})
	return masked, err
}

// ConfirmClaimLink grants the claim of a proof link, for the signed-in
// claimant who asked for it.
func (s *StructureService) ConfirmClaimLink(ctx context.Context, userID int64, token string) (*maillage.Claim, error) {
	var id int64
	err := s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var row struct {
			ID      int64
			UserID  int64
			Expires time.Time
		}
		if err := tx.NewRaw("SELECT id, user_id, token_expires AS expires FROM structure_claims WHERE token_hash = ? FOR UPDATE", maillage.HashToken(token)).Scan(ctx, &row); err != nil {
			if isNoRows(err) {
				return maillage.Errorf(maillage.ENOTFOUND, "network.claim.link.unknown")
			}
			return err
		}
		if row.UserID != userID {
			return maillage.Errorf(maillage.EFORBIDDEN, "network.claim.link.other")
		}
		if time.Now().After(row.Expires) {
			return maillage.Errorf(maillage.EUNAUTHORIZED, "network.claim.link.expired")
		}
		r, err := lockClaim(ctx, tx, row.ID)
		if err != nil {
			return err
		}
		id = r.ID
		return s.moveClaim(ctx, tx, r, maillage.ClaimGranted, userID, "network.claim.proved_by_link")
	})
	if err != nil {
		return nil, err
	}
	return s.FindClaim(ctx, id)
}
