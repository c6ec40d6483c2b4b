// Package mentoring is the mentoring room of the web layer: « Trouver un
// mentor », requests and answers, « Mes mentorés », pairings with their
// meeting log, the coordinator's dashboard with the optimal proposals, the
// public observatory of coverage with its map, and their JSON API.
package mentoring

import (
	"embed"
	"io/fs"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"maillage/internal/auth"
	"maillage/internal/i18n"
	"maillage/internal/maillage"
	"maillage/internal/mentoring"
	"maillage/internal/web/kit"
)

//go:embed *.yaml
var messages embed.FS

//go:embed openapi.json
var openapi []byte

// Deps are the services of the mentoring pages.
type Deps struct {
	Mentoring   mentoring.Service
	Profiles    maillage.ProfileService
	Referential maillage.ReferentialService
	Territories maillage.TerritoryService
}

// Capability serves the mentoring pages and API.
type Capability struct {
	*kit.Kit
	d Deps
}

// New returns the capability.
func New(d Deps) *Capability { return &Capability{d: d} }

// Name implements kit.Capability.
func (m *Capability) Name() string { return "mentoring" }

// Messages implements kit.Capability.
func (m *Capability) Messages() fs.FS { return messages }

// Mount implements kit.Capability.
func (m *Capability) Mount(r *kit.Router) {
	m.Kit = r.Kit()
	pub, signed := auth.PermPublic, auth.PermSignedIn

	r.Get("/mentorat", signed, m.hub)
	r.Get("/mentorat/trouver", signed, m.find)
	r.Get("/mentorat/mentors/:id/demande", signed, m.requestForm)
	r.Post("/mentorat/mentors/:id/demande", signed, m.requestSend)
	r.Get("/mentorat/demandes", signed, m.myRequests)
	r.Post("/mentorat/demandes/:id/annuler", signed, m.requestCancel)
	r.Post("/mentorat/demandes/:id/reponse", signed, m.requestAnswer)
	r.Get("/mentorat/mentores", signed, m.myMentees)
	r.Post("/mentorat/pause", signed, m.pause)
	r.Post("/mentorat/reprise", signed, m.resume)
	r.Get("/mentorat/binomes/:id", signed, m.pairing)
	r.Post("/mentorat/binomes/:id/rencontres", signed, m.meetingLog)
	r.Post("/mentorat/binomes/:id/terminer", signed, m.pairingEnd)
	// Coordination: signed in, then the territory is checked by
	// MentoringService.CheckScope (User.Coordinates).
	r.Get("/mentorat/coordination", signed, m.coordination)
	r.Get("/mentorat/coordination/export.csv", signed, m.coordinationExport)
	r.Get("/mentorat/coordination/propositions", signed, m.proposals)
	r.Post("/mentorat/coordination/propositions", signed, m.proposalsConfirm)
	r.Get("/observatoire", pub, m.observatory)
	r.Get("/observatoire/couverture.csv", pub, m.observatoryCSV)
	r.Get("/observatoire/couverture.json", pub, m.observatoryJSON)

	r.Get("/api/mentorat/mentors", signed, m.apiMentors)
	r.Get("/api/mentorat/demandes", signed, m.apiRequests)
	r.Post("/api/mentorat/demandes", signed, m.apiSendRequest)
	r.Get("/api/mentorat/demandes/:id", signed, m.apiRequest)
	r.Post("/api/mentorat/demandes/:id/reponse", signed, m.apiAnswer)
	r.Post("/api/mentorat/demandes/:id/annulation", signed, m.apiCancel)
	r.Get("/api/mentorat/binomes", signed, m.apiPairings)
	r.Post("/api/mentorat/binomes/:id/fin", signed, m.apiEnd)
	r.Get("/api/mentorat/binomes/:id/rencontres", signed, m.apiMeetings)
	r.Post("/api/mentorat/binomes/:id/rencontres", signed, m.apiLogMeeting)
	r.Get("/api/mentorat/couverture", pub, m.apiCoverage)
	r.OpenAPI(openapi)

	r.Menu(kit.MenuItem{Key: "mentoring", Label: "mentoring.nav.mentoring", Href: "/mentorat", Perm: signed, Order: 35})
	r.Menu(kit.MenuItem{Key: "observatory", Label: "mentoring.nav.observatory", Href: "/observatoire", Perm: pub, Order: 25})
	r.Steps(m.steps)
}

func itoa(id int64) string { return strconv.FormatInt(id, 10) }

// explain turns an explanation into a sentence of the language:
// « à 12 km · 3 compétences que vous n'avez pas encore · 1 place libre ».
func (m *Capability) explain(lang string, rs []mentoring.Reason) string {
	parts := make([]string, len(rs))
	for i, r := range rs {
		args := make([]any, len(r.Args))
		copy(args, r.Args)
		for j, a := range args {
			if d, ok := a.(mentoring.Distance); ok {
				args[j] = km(lang, float64(d))
			}
		}
		parts[i] = m.Catalog.T(lang, r.Key, args...)
	}
	return strings.Join(parts, " · ")
}

// km formats a distance in kilometres (« 4,8 km », « 12 km »).
func km(lang string, d float64) string { return i18n.Km(lang, d*1000) }

// percent formats a share (« 58 % »).
func percent(lang string, p float64) string { return i18n.Number(lang, p, 0) + "\u00a0%" }

// steps are mentoring's next steps on a person's dashboard: what happened
// (notifications), requests to answer, a mentor to find, a meeting to log,
// and the coordination dashboard.
func (m *Capability) steps(c *fiber.Ctx, u *maillage.User) ([]kit.Step, error) {
	ctx := c.UserContext()
	var out []kit.Step
	notes, err := m.d.Mentoring.FindNotifications(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	for _, n := range notes {
		href := "/mentorat/demandes"
		switch n.Kind {
		case "request_received", "request_expiring", "request_cancelled":
			href = "/mentorat/mentores"
		case "request_accepted", "pairing_ended":
			if n.PairingID != nil {
				href = "/mentorat/binomes/" + itoa(*n.PairingID)
			}
		}
		out = append(out, kit.Step{Key: "mentoring.notice." + n.Kind, Href: href, Args: []any{"Name", n.OtherName}, Order: 1})
	}
	received, err := m.d.Mentoring.FindRequests(ctx, mentoring.RequestFilter{MentorID: u.ID, Status: mentoring.RequestSent})
	if err != nil {
		return nil, err
	}
	if len(received) > 0 {
		out = append(out, kit.Step{Key: "mentoring.step.answer", Href: "/mentorat/mentores", Args: []any{"Count", len(received)}, Order: 3})
	}
	pairings, err := m.d.Mentoring.FindPairings(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	mentee := false
	for _, p := range pairings {
		if !p.Active() {
			continue
		}
		mentee = mentee || p.Mentee.UserID == u.ID
		out = append(out, kit.Step{Key: "mentoring.step.meeting", Href: "/mentorat/binomes/" + itoa(p.ID),
			Args: []any{"Name", p.Other(maillage.Viewer{UserID: u.ID}).Name}, Order: 12})
	}
	if !mentee {
		p, err := m.d.Profiles.FindProfileByUserID(ctx, u.ID)
		if err != nil && maillage.ErrorCode(err) != maillage.ENOTFOUND {
			return nil, err
		}
		if p != nil && p.Kind == maillage.KindConseiller {
			sent, err := m.d.Mentoring.FindRequests(ctx, mentoring.RequestFilter{MenteeID: u.ID, Status: mentoring.RequestSent})
			if err != nil {
				return nil, err
			}
			if len(sent) > 0 {
				out = append(out, kit.Step{Key: "mentoring.step.follow", Href: "/mentorat/demandes", Args: []any{"Count", len(sent)}, Order: 11})
			} else {
				out = append(out, kit.Step{Key: "mentoring.step.find", Text: "mentoring.step.find.text", Href: "/mentorat/trouver", Order: 11})
			}
		}
	}
	if u.Has(maillage.RoleCoordinateur) || u.Has(maillage.RoleAdministrateur) {
		out = append(out, kit.Step{Key: "mentoring.step.coordination", Text: "mentoring.step.coordination.text", Href: "/mentorat/coordination", Order: 21})
	}
	return out, nil
}
