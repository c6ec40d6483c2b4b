package search

import (
	"context"
	"strconv"
	"time"

	"maillage/internal/maillage"
	"maillage/internal/recruiting"
)

// JobStore is what the jobs type reads (internal/postgres).
type JobStore interface {
	// Jobs returns offers by id, with their wants, whatever their state;
	// missing ids are absent.
	Jobs(ctx context.Context, ids []int64) ([]*recruiting.Offer, error)
}

// JobDoc is a job offer in the search index. Only offers that take
// applications have one: a draft, a filled, closed or expired offer, or
// one past its closing day, is absent (deleted from the index).
type JobDoc struct {
	ID            int64    `json:"id"`
	Type          string   `json:"type"`
	Title         string   `json:"title"`
	Structure     string   `json:"structure"`
	Description   string   `json:"description,omitempty"`
	Contract      string   `json:"job_contract"`
	ContractLabel string   `json:"contract_label"`
	Remote        string   `json:"job_remote"`
	RemoteLabel   string   `json:"remote_label"`
	Blocs         []string `json:"job_blocs,omitempty"` // codes of the titles and blocs wanted
	BlocsLabels   []string `json:"blocs_labels,omitempty"`
	Start         string   `json:"job_start"` // « janvier 2027 », or « Dès que possible »
	StartOn       int64    `json:"start_on,omitempty"`
	ClosesOn      int64    `json:"closes_on"`
	CodeInsee     string   `json:"code_insee,omitempty"`
	Commune       string   `json:"commune,omitempty"`
	Departement   string   `json:"departement,omitempty"`
	Region        string   `json:"region,omitempty"`
	Geo           *Geo     `json:"_geo,omitempty"`
	PublishedAt   int64    `json:"published_at"`
	UpdatedAt     int64    `json:"updated_at"`
}

// Jobs is the job offers type: one public index (a published offer is
// public), with facets on contract, département, titles and blocs wanted,
// remote work and start month, and the offer's commune as _geo for « près
// de » (a few thousand offers: the cost of _geo measured on 100k profiles
// does not apply).
func Jobs(store JobStore, labels Labels, synonyms map[string][]string) *Type {
	return &Type{
		Name: recruiting.SearchType, Table: "job_offers",
		Indexes: []*IndexSpec{{
			Name: "jobs", Audience: AudiencePublic, PrimaryKey: "id",
			Searchable:   []string{"title", "structure", "contract_label", "blocs_labels", "job_blocs", "commune", "remote_label", "description"},
			Filterable:   []string{"type", "job_contract", "departement", "region", "job_blocs", "job_remote", "job_start", "closes_on", "start_on", "_geo"},
			Sortable:     []string{"title", "published_at", "closes_on", "start_on", "updated_at", "_geo"},
			Facets:       []string{"type", "job_contract", "region", "departement", "job_blocs", "job_remote", "job_start"},
			Highlight:    []string{"title", "description", "commune"},
			Crop:         []string{"description"},
			RankingRules: rankingRules, Synonyms: synonyms,
		}},
		Facets:    []string{"job_contract", "region", "departement", "job_blocs", "job_remote", "job_start"},
		ValueKeys: map[string]string{"job_contract": "recruiting.contract.", "job_remote": "recruiting.remote."},
		Documents: func(ctx context.Context, ids []int64) (map[string]map[int64]any, error) {
			offers, err := store.Jobs(ctx, ids)
			if err != nil {
				return nil, err
			}
			out := map[string]map[int64]any{AudiencePublic: {}}
			now := time.Now()
			for _, o := range offers {
				if d := JobDocument(o, now, labels); d != nil {
					out[AudiencePublic][o.ID] = d
				}
			}
			return out, nil
		},
		Hit: func(doc Fields, h *maillage.SearchHit) error {
			var d JobDoc
			if err := doc.Decode(&d, "id", "job_contract", "job_remote", "structure", "job_blocs"); err != nil {
				return err
			}
			h.SubtitleKeys = []string{"recruiting.contract." + d.Contract}
			if d.Remote != string(recruiting.RemoteNone) {
				h.SubtitleKeys = append(h.SubtitleKeys, "recruiting.remote."+d.Remote)
			}
			h.Tags = first(append([]string{d.Structure}, d.Blocs...), 4)
			h.URL = "/emploi/offres/" + strconv.FormatInt(d.ID, 10)
			return nil
		},
	}
}

// JobDocument builds the document of an offer, or nil when the offer does
// not take applications on the day of now (it must then be absent from the
// index).
func JobDocument(o *recruiting.Offer, now time.Time, labels Labels) *JobDoc {
	if !o.Open(now) {
		return nil
	}
	d := &JobDoc{ID: o.ID, Type: recruiting.SearchType, Title: clean(o.Title()), Structure: clean(o.StructureNom),
		Description: clean(o.Description), Contract: string(o.Contract), ContractLabel: labels("recruiting.contract." + string(o.Contract)),
		Remote: string(o.Remote), RemoteLabel: labels("recruiting.remote." + string(o.Remote)), ClosesOn: o.ClosesOn.Unix(),
		CodeInsee: o.CodeInsee, Commune: clean(o.Commune), Departement: o.CodeDepartement, Region: o.CodeRegion,
		UpdatedAt: o.UpdatedAt.Unix()}
	if o.PublishedAt != nil {
		d.PublishedAt = o.PublishedAt.Unix()
	}
	if o.StartOn != nil && o.StartOn.After(maillage.Today(now)) {
		d.StartOn = o.StartOn.Unix()
		d.Start = labels("recruiting.search.start_month", "Month", labels("format.month."+strconv.Itoa(int(o.StartOn.Month()))), "Year", o.StartOn.Year())
	} else {
		d.Start = labels("recruiting.search.start_now")
	}
	for _, w := range o.Wants {
		d.Blocs = append(d.Blocs, clean(w.Code()))
		if w.Label != "" {
			d.BlocsLabels = append(d.BlocsLabels, clean(w.Label))
		}
	}
	d.Geo = geo(o.Latitude, o.Longitude)
	return d
}
