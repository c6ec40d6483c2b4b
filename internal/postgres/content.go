package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/uptrace/bun"

	"maillage/internal/maillage"
)

// ContentStore records which content sets are loaded and syncs them.
type ContentStore struct{ db *DB }

// NewContentStore returns the content store.
func NewContentStore(db *DB) *ContentStore { return &ContentStore{db: db} }

// ContentHash returns the SHA-256 last synced for the named content set ("" if never).
func (s *ContentStore) ContentHash(ctx context.Context, name string) (string, error) {
	var sha string
	err := s.db.NewRaw("SELECT sha256 FROM content_syncs WHERE name = ?", name).Scan(ctx, &sha)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return sha, err
}

func markSynced(ctx context.Context, tx bun.Tx, name, sha string, rows int) error {
	_, err := tx.NewRaw(`INSERT INTO content_syncs (name, sha256, rows, synced_at) VALUES (?, ?, ?, now())
		ON CONFLICT (name) DO UPDATE SET sha256 = EXCLUDED.sha256, rows = EXCLUDED.rows, synced_at = now()`,
		name, sha, rows).Exec(ctx)
	return err
}

// SyncTerritories upserts régions, départements and communes in one
// transaction and records the content hash. Nothing is deleted: a commune
// that disappears from the files stays referenced by what points to it.
func (s *ContentStore) SyncTerritories(ctx context.Context, sha string, regions []*maillage.Region, deps []*maillage.Departement, communes []*maillage.Commune) error {
	return s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if len(regions) > 0 {
			if _, err := tx.NewInsert().Model(&regions).ModelTableExpr("regions").
				On("CONFLICT (code) DO UPDATE").Set("nom = EXCLUDED.nom").Exec(ctx); err != nil {
				return fmt.Errorf("upsert regions: %w", err)
			}
		}
		if len(deps) > 0 {
			if _, err := tx.NewInsert().Model(&deps).ModelTableExpr("departements").
				On("CONFLICT (code) DO UPDATE").Set("nom = EXCLUDED.nom, code_region = EXCLUDED.code_region").Exec(ctx); err != nil {
				return fmt.Errorf("upsert departements: %w", err)
			}
		}
		const batch = 2000
		for start := 0; start < len(communes); start += batch {
			end := min(start+batch, len(communes))
			rows := make([]communeRow, 0, end-start)
			for _, c := range communes[start:end] {
				rows = append(rows, communeRow{CodeInsee: c.CodeInsee, Nom: c.Nom, CodeDepartement: c.CodeDepartement,
					CodeRegion: c.CodeRegion, CodesPostaux: c.CodesPostaux, Population: c.Population,
					Latitude: c.Latitude, Longitude: c.Longitude})
			}
			if _, err := tx.NewInsert().Model(&rows).ModelTableExpr("communes").
				On("CONFLICT (code_insee) DO UPDATE").
				Set("nom = EXCLUDED.nom, code_departement = EXCLUDED.code_departement, code_region = EXCLUDED.code_region, codes_postaux = EXCLUDED.codes_postaux, population = EXCLUDED.population, latitude = EXCLUDED.latitude, longitude = EXCLUDED.longitude").
				Exec(ctx); err != nil {
				return fmt.Errorf("upsert communes: %w", err)
			}
		}
		return markSynced(ctx, tx, "territoires", sha, len(regions)+len(deps)+len(communes))
	})
}
