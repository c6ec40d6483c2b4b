// Package label is the quality label on the web: the programmes and the
// public register of labelled places, the applicant's side (a structure's
// referent applies with evidence, follows, corrects) and the reviewers'
// side (« instructeurs »: queue with tabs, filters, search, assignment,
// assessments, private notes, opinions, messages, decisions, bulk actions,
// exports), with their JSON API.
package label

import (
	"context"
	"embed"
	"io/fs"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"maillage/internal/auth"
	"maillage/internal/label"
	"maillage/internal/maillage"
	"maillage/internal/web/kit"
)

//go:embed *.yaml
var messages embed.FS

//go:embed openapi.json
var openapi []byte

// Search is the restricted search of applications (internal/search): the
// server adds the reviewer's filter.
type Search interface {
	SearchApplications(ctx context.Context, u *maillage.User, q string) ([]int64, error)
}

// Deps are the services of the label pages.
type Deps struct {
	Labels label.Service
	Search Search
}

// Capability serves the label pages and API.
type Capability struct {
	*kit.Kit
	d Deps
}

// New returns the capability.
func New(d Deps) *Capability { return &Capability{d: d} }

// Name implements kit.Capability.
func (l *Capability) Name() string { return "label" }

// Messages implements kit.Capability.
func (l *Capability) Messages() fs.FS { return messages }

// Mount implements kit.Capability. Reviewer routes are open to signed-in
// people at the gate; the service checks the reviewer's programme (and
// answers not found for an application one may not see).
func (l *Capability) Mount(r *kit.Router) {
	l.Kit = r.Kit()
	pub, signed := auth.PermPublic, auth.PermSignedIn

	r.Get("/labels", pub, l.home)
	r.Get("/labels/programmes/:code", pub, l.programme)
	r.Get("/labels/registre", pub, l.register)
	r.Get("/labels/registre/:id", pub, l.registerEntry)

	r.Post("/labels/dossiers", signed, l.start)
	r.Get("/labels/dossiers/:id", signed, l.dossier)
	r.Post("/labels/dossiers/:id/reponses", signed, l.saveAnswers)
	r.Post("/labels/dossiers/:id/pieces/:file/retirer", signed, l.removeFile)
	r.Post("/labels/dossiers/:id/messages", signed, l.postMessage)
	r.Get("/labels/fichiers/:id", signed, l.file)

	r.Get("/labels/instruction", signed, l.queue)
	r.Post("/labels/instruction/lot", signed, l.bulk)
	r.Post("/labels/instruction/export", signed, l.export)
	r.Get("/labels/exports/:id", signed, l.exportFile)
	r.Post("/labels/dossiers/:id/suivre", signed, l.follow)
	r.Post("/labels/dossiers/:id/assigner", signed, l.assign)
	r.Post("/labels/dossiers/:id/ne-plus-suivre", signed, l.unfollow)
	r.Post("/labels/dossiers/:id/etat", signed, l.move)
	r.Get("/labels/dossiers/:id/decision", signed, l.decisionPage)
	r.Post("/labels/dossiers/:id/decision", signed, l.decide)
	r.Post("/labels/dossiers/:id/appreciations", signed, l.assess)
	r.Post("/labels/dossiers/:id/notes", signed, l.addNote)
	r.Post("/labels/dossiers/:id/avis", signed, l.askOpinion)
	r.Post("/labels/avis/:id/reponse", signed, l.answerOpinion)
	r.Post("/labels/avis/:id/relance", signed, l.remindOpinion)
	r.Post("/labels/attributions/:id/retrait", signed, l.withdraw)
	r.Get("/labels/equipe/:code", signed, l.team)
	r.Post("/labels/equipe/:code/responsables", signed, l.setLead)
	r.Post("/labels/liens", signed, l.declareTie)

	r.Get("/api/labels", pub, l.apiRegister)
	r.Get("/api/labels/programmes", pub, l.apiProgrammes)
	r.Get("/api/labels/dossiers", signed, l.apiQueue)
	r.Get("/api/labels/dossiers/:id", signed, l.apiDossier)
	r.Post("/api/labels/dossiers/:id/etat", signed, l.apiMove)
	r.OpenAPI(openapi)

	r.Menu(kit.MenuItem{Key: "label", Label: "label.nav", Href: "/labels", Perm: pub, Order: 60})
	r.Steps(l.steps)
}

// steps: a referent's applications waiting for them, a label to apply
// for; a reviewer's queue.
func (l *Capability) steps(c *fiber.Ctx, u *maillage.User) ([]kit.Step, error) {
	ctx := c.UserContext()
	var out []kit.Step
	mine, err := l.d.Labels.Mine(ctx, u)
	if err != nil {
		return nil, err
	}
	for _, a := range mine {
		switch a.State {
		case label.Brouillon:
			out = append(out, kit.Step{Key: "label.step.draft", Href: dossierURL(a.ID), Args: []any{"Name", a.StructureNom}, Order: 30})
		case label.Correction:
			out = append(out, kit.Step{Key: "label.step.correction", Href: dossierURL(a.ID), Args: []any{"Name", a.StructureNom}, Order: 15})
		}
	}
	if len(mine) == 0 {
		if sts, err := l.d.Labels.Eligible(ctx, u); err == nil && len(sts) > 0 {
			out = append(out, kit.Step{Key: "label.step.apply", Text: "label.step.apply.text", Href: "/labels", Order: 60})
		}
	}
	if label.IsReviewer(u) {
		counts, err := l.d.Labels.Counts(ctx, u)
		if err != nil {
			return nil, err
		}
		out = append(out, kit.Step{Key: "label.step.queue", Href: "/labels/instruction", Args: []any{"Count", counts[label.TabToFollow], "Followed", counts[label.TabFollowed]}, Order: 20})
	}
	return out, nil
}

func dossierURL(id int64) string { return "/labels/dossiers/" + strconv.FormatInt(id, 10) }

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// ids reads the repeated "ids" field (checkboxes).
func ids(vs []string) []int64 {
	var out []int64
	for _, v := range vs {
		for _, part := range strings.Split(v, ",") {
			if n, err := strconv.ParseInt(strings.TrimSpace(part), 10, 64); err == nil && n > 0 {
				out = append(out, n)
			}
		}
	}
	return out
}
