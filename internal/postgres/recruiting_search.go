package postgres

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"maillage/internal/maillage"
	"maillage/internal/recruiting"
	"maillage/internal/search"
)

var _ search.JobStore = (*RecruitingService)(nil)

// Jobs returns offers by id with their wants, whatever their state (the
// search type keeps only those that take applications).
func (s *RecruitingService) Jobs(ctx context.Context, ids []int64) ([]*recruiting.Offer, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	return s.offers(ctx, s.db.DB, "o.id IN (?) ORDER BY o.id", bun.In(ids))
}

// sqlText quotes a text for SQL built here (labels from the catalogue).
func sqlText(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// jobFallback is the job offers' part of the PostgreSQL search: the
// offers that take applications (published, closing day not past in
// Paris), with the filters of the jobs type.
func jobFallback(s *SearchFallback, _ maillage.Viewer) fallbackPart {
	title := "CASE WHEN o.title_feminine = o.title_masculine THEN o.title_masculine ELSE o.title_feminine || ' / ' || o.title_masculine END"
	var contract strings.Builder
	contract.WriteString("CASE o.contract")
	for _, c := range recruiting.Contracts {
		fmt.Fprintf(&contract, " WHEN '%s' THEN %s", c, sqlText(s.labels("recruiting.contract."+string(c))))
	}
	contract.WriteString(" ELSE '' END")
	// The start month as the jobs index names it (« janvier 2027 »), for
	// the months an offer may start in.
	var month strings.Builder
	month.WriteString("CASE WHEN o.start_on IS NULL OR o.start_on <= " + maillage.TodaySQL + " THEN ")
	month.WriteString(sqlText(s.labels("recruiting.search.start_now")) + " ELSE CASE to_char(o.start_on, 'YYYY-MM')")
	for y := time.Now().Year() - 1; y <= time.Now().Year()+3; y++ {
		for m := 1; m <= 12; m++ {
			label := s.labels("recruiting.search.start_month", "Month", s.labels("format.month."+strconv.Itoa(m)), "Year", y)
			fmt.Fprintf(&month, " WHEN '%04d-%02d' THEN %s", y, m, sqlText(label))
		}
	}
	month.WriteString(" END END")
	start := month.String()
	p := fallbackPart{id: "o.id",
		from:  "job_offers o JOIN structures s ON s.id = o.structure_id LEFT JOIN communes c ON c.code_insee = o.code_insee",
		where: "o.status = 'publiee' AND o.closes_on >= " + maillage.TodaySQL,
		title: title, subtitle: "o.contract", snippet: "left(o.description, 200)", commune: "c.nom", dep: "c.code_departement",
		lat: "c.latitude", lng: "c.longitude", facets: []string{"departement"}, subtitleKeys: "recruiting.contract.", url: "/emploi/offres/"}
	p.doc = title + " || ' ' || s.nom || ' ' || " + contract.String() + " || ' ' || o.description || ' ' || coalesce(c.nom, '')"
	p.filters = map[string]string{"job_contract": "o.contract", "departement": "c.code_departement", "region": "c.code_region",
		"job_remote": "o.remote", "job_start": start}
	p.arrays = map[string]string{"job_blocs": "ARRAY(SELECT coalesce(w.bloc_code, w.certification_code) FROM job_offer_wants w WHERE w.offer_id = o.id)"}
	return p
}
