package postgres

import (
	"context"

	"github.com/uptrace/bun"
)

// outbox records that a searchable entity changed (same transaction).
func outbox(ctx context.Context, tx bun.IDB, entity string, id int64) error {
	_, err := tx.NewRaw("INSERT INTO search_outbox (entity, entity_id) VALUES (?, ?)", entity, id).Exec(ctx)
	return err
}

// touchProfile queues the profile of a user for reindexing (a change of
// their memberships shows on it).
func touchProfile(ctx context.Context, tx bun.IDB, userID int64) error {
	_, err := tx.NewRaw("INSERT INTO search_outbox (entity, entity_id) SELECT 'profile', id FROM profiles WHERE user_id = ?", userID).Exec(ctx)
	return err
}
