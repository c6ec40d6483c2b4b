package search

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/meilisearch/meilisearch-go"

	"maillage/internal/label"
	"maillage/internal/maillage"
)

// ApplicationStore is what the applications type reads (internal/postgres).
type ApplicationStore interface {
	// ApplicationDocs returns submitted applications by id (drafts and
	// missing ids are absent).
	ApplicationDocs(ctx context.Context, ids []int64) ([]ApplicationSource, error)
}

// ApplicationSource is an application with the text of its latest answers.
type ApplicationSource struct {
	Application *label.Application
	Answers     string
}

// ApplicationDoc is a label application in the reviewers' index. It is
// never searched by the portal's search page (the type is Restricted):
// only through SearchRestricted, with the filter ApplicationFilter builds
// from the reviewer's scope, which the server always adds.
type ApplicationDoc struct {
	ID          int64    `json:"id"`
	Type        string   `json:"type"`
	Title       string   `json:"title"`
	Commune     string   `json:"commune,omitempty"`
	Departement string   `json:"departement,omitempty"`
	Region      string   `json:"region,omitempty"`
	Programme   string   `json:"programme"`
	State       string   `json:"state"`
	ReviewerIDs []int64  `json:"reviewer_ids"`
	Reviewers   []string `json:"reviewers,omitempty"`
	Applicant   string   `json:"applicant,omitempty"`
	Answers     string   `json:"answers,omitempty"`
	DepositedAt int64    `json:"deposited_at"`
}

// Applications is the label applications type: one index, read only by
// reviewers through SearchRestricted.
func Applications(store ApplicationStore, synonyms map[string][]string) *Type {
	return &Type{
		Name: label.SearchApplication, Table: "label_applications", Restricted: true,
		Indexes: []*IndexSpec{{
			Name: "label_applications", Audience: AudienceRestricted, PrimaryKey: "id",
			Searchable:   []string{"title", "commune", "applicant", "reviewers", "answers"},
			Filterable:   []string{"type", "programme", "state", "departement", "region", "reviewer_ids"},
			Sortable:     []string{"title", "deposited_at"},
			Highlight:    []string{"title"},
			RankingRules: rankingRules, Synonyms: synonyms,
		}},
		Documents: func(ctx context.Context, ids []int64) (map[string]map[int64]any, error) {
			as, err := store.ApplicationDocs(ctx, ids)
			if err != nil {
				return nil, err
			}
			out := map[string]map[int64]any{AudienceRestricted: {}}
			for _, src := range as {
				a := src.Application
				d := &ApplicationDoc{ID: a.ID, Type: label.SearchApplication, Title: clean(a.StructureNom), Commune: clean(a.Commune),
					Departement: a.CodeDepartement, Region: a.CodeRegion, Programme: a.ProgrammeCode, State: a.State,
					ReviewerIDs: []int64{}, Applicant: clean(a.ApplicantName), Answers: clean(src.Answers)}
				if a.DepositedAt != nil {
					d.DepositedAt = a.DepositedAt.Unix()
				}
				for _, r := range a.Reviewers {
					d.ReviewerIDs = append(d.ReviewerIDs, r.UserID)
					d.Reviewers = append(d.Reviewers, clean(r.Name))
				}
				out[AudienceRestricted][a.ID] = d
			}
			return out, nil
		},
		Hit: func(doc Fields, h *maillage.SearchHit) error {
			h.URL = "/labels/dossiers/" + strconv.FormatInt(h.ID, 10)
			return nil
		},
	}
}

// ApplicationFilter is the filter every search of applications carries:
// the programmes the reviewer reviews (none: no filter for an
// administrator; a person who reviews nothing gets "" and false).
func ApplicationFilter(u *maillage.User) (string, bool) {
	codes, all := label.ReviewedProgrammes(u)
	if all {
		return `type = "` + label.SearchApplication + `"`, true
	}
	if len(codes) == 0 {
		return "", false
	}
	qs := make([]string, len(codes))
	for i, c := range codes {
		qs[i] = quote(c)
	}
	return "programme IN [" + strings.Join(qs, ", ") + "]", true
}

// SearchApplications returns the ids of the applications a reviewer may
// see that match q, best first (at most MaxSearchResults): the filter of
// the reviewer's scope is always added here, on the server.
func (s *Service) SearchApplications(ctx context.Context, u *maillage.User, q string) ([]int64, error) {
	filter, ok := ApplicationFilter(u)
	if !ok {
		return nil, maillage.Errorf(maillage.EFORBIDDEN, "label.review.forbidden")
	}
	return s.SearchRestricted(ctx, label.SearchApplication, q, filter)
}

// SearchRestricted searches a restricted type's index with a filter the
// caller built from the viewer (never from the request), and returns the
// ids of the hits in order. Unreachable Meilisearch: EUNAVAILABLE (the
// caller falls back on its own database search).
func (s *Service) SearchRestricted(ctx context.Context, typeName, q, filter string) ([]int64, error) {
	t := s.Registry.Type(typeName)
	if t == nil || !t.Restricted || filter == "" {
		return nil, fmt.Errorf("search %s: not a restricted type, or no filter", typeName)
	}
	timeout := s.Timeout
	if timeout == 0 {
		timeout = 3 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	q = strings.TrimSpace(maillage.StripControl(q))
	if r := []rune(q); len(r) > 200 {
		q = string(r[:200])
	}
	res, err := s.Client.Manager().Index(s.Client.Index(t.Indexes[0].Name)).SearchWithContext(ctx, q, &meilisearch.SearchRequest{
		Filter: filter, Limit: maillage.MaxSearchResults, AttributesToRetrieve: []string{"id"},
	})
	if err != nil {
		return nil, maillage.Wrap(maillage.EUNAVAILABLE, err, "search.unavailable")
	}
	var docs []struct {
		ID int64 `json:"id"`
	}
	if err := res.Hits.Decode(&docs); err != nil {
		return nil, fmt.Errorf("search %s: %w", typeName, err)
	}
	ids := make([]int64, len(docs))
	for i, d := range docs {
		ids[i] = d.ID
	}
	return ids, nil
}
