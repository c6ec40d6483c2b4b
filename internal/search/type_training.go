package search

import (
	"context"
	"strconv"
	"strings"
	"time"

	"maillage/internal/maillage"
	"maillage/internal/training"
)

// SearchTraining is the result type (and search_outbox entity) of training
// sessions: one document per upcoming session of an offer.
const SearchTraining = "training"

// TrainingStore is what the trainings type reads (internal/postgres).
type TrainingStore interface {
	// TrainingSessions returns sessions by id with their offer; missing
	// ids are absent.
	TrainingSessions(ctx context.Context, ids []int64) ([]*TrainingSession, error)
}

// TrainingSession is a session with what its document says of its offer,
// its training body and its place.
type TrainingSession struct {
	Session        *training.Session
	Offer          *training.Offer
	Withdrawn      bool
	Body           string // name of the training body
	Qualiopi       bool
	Commune        string
	Departement    string
	Region         string
	Lat, Lng       *float64
	Certifications []string // titles
	Blocs          []string // "code — label"
}

// TrainingDoc is an upcoming session of a training offer (every field is
// public: training bodies publish their offers).
type TrainingDoc struct {
	ID             int64    `json:"id"` // the session
	Type           string   `json:"type"`
	Title          string   `json:"title"` // the offer's
	OfferID        int64    `json:"offer_id"`
	Body           string   `json:"body"`
	Qualiopi       bool     `json:"qualiopi"`
	Description    string   `json:"description,omitempty"`
	Certification  []string `json:"certification,omitempty"`
	Bloc           []string `json:"bloc,omitempty"`
	Modality       string   `json:"modality"`
	ModalityLabel  string   `json:"modality_label"`
	Funding        []string `json:"funding,omitempty"`
	FundingLabels  []string `json:"funding_labels,omitempty"`
	Remote         bool     `json:"remote"`
	Commune        string   `json:"commune,omitempty"`
	CodeInsee      string   `json:"code_insee,omitempty"`
	Departement    string   `json:"departement,omitempty"`
	Region         string   `json:"region,omitempty"`
	Geo            *Geo     `json:"_geo,omitempty"`
	Start          int64    `json:"start"`
	End            int64    `json:"end"`
	StartMonth     string   `json:"start_month"`
	StartDay       string   `json:"start_day"` // JJ/MM/AAAA, Europe/Paris
	EndDay         string   `json:"end_day"`
	RegistrationOK bool     `json:"registration_open"`
	UpdatedAt      int64    `json:"updated_at"`
}

// Trainings is the trainings type: one public index of upcoming sessions,
// with facets on the certification, the bloc, the modality, the funding,
// the territory and the month of start, and "près de" by _geo (a remote
// session has no place and is found without it). A session leaves the
// index once it has started (the past-sessions worker marks it).
func Trainings(store TrainingStore, labels Labels, synonyms map[string][]string) *Type {
	return &Type{
		Name: SearchTraining, Table: "training_sessions",
		Indexes: []*IndexSpec{{
			Name: "trainings", Audience: AudiencePublic, PrimaryKey: "id",
			Searchable:   []string{"title", "certification", "bloc", "body", "modality_label", "funding_labels", "commune", "description"},
			Filterable:   []string{"type", "certification", "bloc", "modality", "funding", "departement", "region", "start_month", "start", "remote", "qualiopi", "_geo"},
			Sortable:     []string{"title", "start", "updated_at", "_geo"},
			Facets:       []string{"type", "certification", "bloc", "modality", "funding", "region", "departement", "start_month"},
			Highlight:    []string{"title", "description", "commune", "certification"},
			Crop:         []string{"description"},
			RankingRules: rankingRules, Synonyms: synonyms,
		}},
		Facets:    []string{"certification", "bloc", "modality", "funding", "region", "departement", "start_month"},
		ValueKeys: map[string]string{"modality": "training.modality.", "funding": "training.funding."},
		Documents: func(ctx context.Context, ids []int64) (map[string]map[int64]any, error) {
			ss, err := store.TrainingSessions(ctx, ids)
			if err != nil {
				return nil, err
			}
			now := time.Now()
			out := map[string]map[int64]any{AudiencePublic: {}}
			for _, ts := range ss {
				if d := TrainingDocument(ts, labels, now); d != nil {
					out[AudiencePublic][ts.Session.ID] = d
				}
			}
			return out, nil
		},
		Hit: func(doc Fields, h *maillage.SearchHit) error {
			var d TrainingDoc
			if err := doc.Decode(&d, "id", "modality", "body", "start_day", "end_day"); err != nil {
				return err
			}
			h.SubtitleKeys = []string{"training.modality." + d.Modality}
			h.Tags = cleanAll([]string{d.Body, d.StartDay + " → " + d.EndDay})
			h.URL = "/formations/sessions/" + strconv.FormatInt(d.ID, 10)
			return nil
		},
	}
}

// TrainingDocument builds the document of a session; nil when it must not
// be in the index (started, or its offer withdrawn).
func TrainingDocument(ts *TrainingSession, labels Labels, now time.Time) *TrainingDoc {
	s, o := ts.Session, ts.Offer
	if s == nil || o == nil || ts.Withdrawn || s.Past(now) {
		return nil
	}
	start := s.Start.In(maillage.Paris)
	d := &TrainingDoc{ID: s.ID, Type: SearchTraining, Title: clean(o.Title), OfferID: o.ID, Body: clean(ts.Body), Qualiopi: ts.Qualiopi,
		Description: clean(strings.TrimSpace(o.Objectives + " " + o.Description)), Certification: cleanAll(ts.Certifications),
		Bloc: cleanAll(ts.Blocs), Modality: string(o.Modality), ModalityLabel: labels("training.modality." + string(o.Modality)),
		Remote: s.Place.Remote, Start: s.Start.Unix(), End: s.End.Unix(),
		StartMonth: labels("format.month."+strconv.Itoa(int(start.Month()))) + " " + strconv.Itoa(start.Year()),
		StartDay:   start.Format("02/01/2006"), EndDay: s.End.In(maillage.Paris).Format("02/01/2006"),
		RegistrationOK: s.Registration == training.RegistrationOpen, UpdatedAt: o.UpdatedAt.Unix()}
	for _, f := range o.Funding {
		d.Funding = append(d.Funding, string(f))
		d.FundingLabels = append(d.FundingLabels, labels("training.funding."+string(f)))
	}
	if !s.Place.Remote {
		d.Commune, d.CodeInsee, d.Departement, d.Region = clean(ts.Commune), s.Place.CodeInsee, ts.Departement, ts.Region
		d.Geo = geo(ts.Lat, ts.Lng)
	}
	return d
}
