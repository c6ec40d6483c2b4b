package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"maillage/internal/maillage"
	"maillage/internal/search"
)

var _ search.TrainingStore = (*SearchStore)(nil)

// TrainingSessions returns sessions by id with their offer, body and place
// (search.TrainingStore); missing ids are absent.
func (s *SearchStore) TrainingSessions(ctx context.Context, ids []int64) ([]*search.TrainingSession, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	var rows []struct {
		trainingSessionRow
		Departement *string `bun:"code_departement"`
		Region      *string `bun:"code_region"`
		Commune     *string `bun:"commune"`
	}
	if err := s.db.NewRaw(`SELECT `+trainingSessionColumns+`, c.code_departement, c.code_region, c.nom AS commune
		FROM training_sessions ts LEFT JOIN communes c ON c.code_insee = ts.code_insee
		WHERE ts.id IN (?) ORDER BY ts.id`, bun.In(ids)).Scan(ctx, &rows); err != nil {
		return nil, fmt.Errorf("load training sessions: %w", err)
	}
	if len(rows) == 0 {
		return nil, nil
	}
	var offerIDs []int64
	seen := map[int64]bool{}
	for _, r := range rows {
		if !seen[r.OfferID] {
			seen[r.OfferID] = true
			offerIDs = append(offerIDs, r.OfferID)
		}
	}
	var orows []struct {
		trainingOfferRow
		Body           string   `bun:"body"`
		Qualiopi       bool     `bun:"qualiopi"`
		CertTitles     []string `bun:"cert_titles,array"`
		BlocLabels     []string `bun:"bloc_labels,array"`
		WithdrawnOffer bool     `bun:"withdrawn"`
	}
	q := `SELECT o.*, st.nom AS body, coalesce(b.qualiopi, false) AS qualiopi, o.withdrawn_at IS NOT NULL AS withdrawn,
			coalesce((SELECT array_agg(ce.title ORDER BY x.rank) FROM training_offer_certifications x
				JOIN certifications ce ON ce.code = x.certification_code WHERE x.offer_id = o.id), '{}') AS cert_titles,
			coalesce((SELECT array_agg(bl.code || ' — ' || bl.label ORDER BY x.rank) FROM training_offer_blocs x
				JOIN blocs bl ON bl.code = x.bloc_code WHERE x.offer_id = o.id), '{}') AS bloc_labels
		FROM (` + trainingOfferSelect + ` WHERE o.id IN (?)) o
		JOIN structures st ON st.id = o.structure_id LEFT JOIN training_bodies b ON b.structure_id = o.structure_id`
	if err := s.db.NewRaw(q, bun.In(offerIDs)).Scan(ctx, &orows); err != nil {
		return nil, fmt.Errorf("load training offers: %w", err)
	}
	offers := map[int64]*search.TrainingSession{}
	for i := range orows {
		o, _ := orows[i].domain()
		offers[o.ID] = &search.TrainingSession{Offer: o, Withdrawn: orows[i].WithdrawnOffer, Body: orows[i].Body, Qualiopi: orows[i].Qualiopi,
			Certifications: orows[i].CertTitles, Blocs: orows[i].BlocLabels}
	}
	out := make([]*search.TrainingSession, 0, len(rows))
	for i := range rows {
		r := &rows[i]
		base := offers[r.OfferID]
		if base == nil {
			continue
		}
		ts := *base
		ts.Session = r.domain()
		ts.Commune, ts.Departement, ts.Region = str(r.Commune), str(r.Departement), str(r.Region)
		ts.Lat, ts.Lng = r.Latitude, r.Longitude
		out = append(out, &ts)
	}
	return out, nil
}

// The PostgreSQL fallback of the trainings type: upcoming sessions of
// offers not withdrawn, with the facets it can apply (certification and
// bloc by their names, modality, funding, département, région). It cannot
// filter on the month of start: a query that does leaves the type out.
func init() {
	fallbackParts[search.SearchTraining] = func(s *SearchFallback, v maillage.Viewer) fallbackPart {
		p := fallbackPart{id: "ts.id",
			from: `training_sessions ts JOIN training_offers o ON o.id = ts.offer_id JOIN structures st ON st.id = o.structure_id
				LEFT JOIN communes c ON c.code_insee = ts.code_insee`,
			where: "ts.start_at > now() AND o.withdrawn_at IS NULL", title: "o.title", subtitle: "o.modality",
			snippet: "left(o.objectives, 200)", commune: "c.nom", dep: "c.code_departement", lat: "c.latitude", lng: "c.longitude",
			facets: []string{"departement"}, subtitleKeys: "training.modality.", url: "/formations/sessions/"}
		p.doc = "o.title || ' ' || st.nom || ' ' || o.objectives || ' ' || coalesce(c.nom, '')"
		p.filters = map[string]string{"modality": "o.modality", "departement": "c.code_departement", "region": "c.code_region"}
		p.arrays = map[string]string{
			"funding": "o.funding",
			"certification": `coalesce((SELECT array_agg(ce.title) FROM training_offer_certifications x
				JOIN certifications ce ON ce.code = x.certification_code WHERE x.offer_id = o.id), '{}')`,
			"bloc": `coalesce((SELECT array_agg(bl.code || ' — ' || bl.label) FROM training_offer_blocs x
				JOIN blocs bl ON bl.code = x.bloc_code WHERE x.offer_id = o.id), '{}')`,
		}
		return p
	}
}

// UnindexPastSessions marks the sessions that have started since the last
// run and queues their search documents for removal (a past session stays
// on its offer's page, shown as past, but leaves the search index).
func (s *TrainingService) UnindexPastSessions(ctx context.Context) (int, error) {
	var n int
	err := s.db.NewRaw(`WITH past AS (
			UPDATE training_sessions SET unindexed_at = now() WHERE start_at <= now() AND unindexed_at IS NULL RETURNING id),
		queued AS (INSERT INTO search_outbox (entity, entity_id) SELECT ?, id FROM past RETURNING 1)
		SELECT count(*) FROM queued`, trainingEntity).Scan(ctx, &n)
	return n, err
}

// pastSessionsEvery is how often sessions that started leave the index.
const pastSessionsEvery = 5 * time.Minute

// RunPastSessions is the worker that takes started sessions out of the
// search index, every few minutes until ctx is done.
func (s *TrainingService) RunPastSessions(ctx context.Context) {
	t := time.NewTicker(pastSessionsEvery)
	defer t.Stop()
	for {
		if n, err := s.UnindexPastSessions(ctx); err != nil && ctx.Err() == nil {
			s.log().Warn("past training sessions", "err", err)
		} else if n > 0 {
			s.log().Info("past training sessions left the search index", "sessions", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
