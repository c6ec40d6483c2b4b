package postgres

import (
	"context"

	"github.com/uptrace/bun"

	"maillage/internal/maillage"
)

func auditTx(ctx context.Context, idb bun.IDB, e maillage.AuditEntry) error {
	if e.Details == nil {
		e.Details = map[string]any{}
	}
	_, err := idb.NewInsert().Model(&auditRow{ActorID: e.ActorID, Action: e.Action, TargetID: e.TargetID, Details: e.Details, IP: e.IP}).Exec(ctx)
	return err
}

// transition moves a state machine's thing and records the move with its
// actor, time and motivation (state_transitions), in tx. from is the state
// read under lock in tx; the move is checked against the machine first.
func transition(ctx context.Context, tx bun.IDB, m maillage.Machine, id int64, from, to string, actorID *int64, motivation string) error {
	if from != "" {
		if err := m.Check(from, to); err != nil {
			return err
		}
	}
	_, err := tx.NewRaw(`INSERT INTO state_transitions (entity, entity_id, from_state, to_state, actor_id, motivation) VALUES (?, ?, ?, ?, ?, ?)`,
		m.Name, id, from, to, actorID, motivation).Exec(ctx)
	return err
}

// FindTransitions returns the recorded moves of a thing, oldest first.
func findTransitions(ctx context.Context, db bun.IDB, entity string, id int64) ([]maillage.Transition, error) {
	var rows []struct {
		FromState  string
		ToState    string
		ActorID    *int64
		Motivation string
	}
	if err := db.NewRaw("SELECT from_state, to_state, actor_id, motivation FROM state_transitions WHERE entity = ? AND entity_id = ? ORDER BY id", entity, id).Scan(ctx, &rows); err != nil {
		return nil, err
	}
	out := make([]maillage.Transition, len(rows))
	for i, r := range rows {
		out[i] = maillage.Transition{From: r.FromState, To: r.ToState, ActorID: r.ActorID, Motivation: r.Motivation}
	}
	return out, nil
}
