package label

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"maillage/internal/label"
	"maillage/internal/maillage"
	"maillage/internal/web/kit"
)

// The public register of labelled places, and the JSON API.

type registerPage struct {
	Labels      []*label.Label
	Total       int
	Departement string
	Prev, Next  string
}

func (l *Capability) register(c *fiber.Ctx) error {
	q := kit.NewQuery(c)
	dep := q.Territory("departement")
	if err := q.Err(); err != nil {
		return err
	}
	page, _ := strconv.Atoi(c.Query("page"))
	if page < 1 || page > 10000 {
		page = 1
	}
	ls, total, err := l.d.Labels.Register(c.UserContext(), dep, (page-1)*50, 50)
	if err != nil {
		return err
	}
	v := registerPage{Labels: ls, Total: total, Departement: dep}
	base := "/labels/registre?"
	if dep != "" {
		base += "departement=" + dep + "&"
	}
	if page > 1 {
		v.Prev = base + "page=" + strconv.Itoa(page-1)
	}
	if page*50 < total {
		v.Next = base + "page=" + strconv.Itoa(page+1)
	}
	return l.Render(c, fiber.StatusOK, "label/register", l.Page(c, "label.register.title", "label", v))
}

// registerEntry is one label of the register (or one no longer valid:
// the page says so).
func (l *Capability) registerEntry(c *fiber.Ctx) error {
	id, err := kit.PathID(c, "id")
	if err != nil {
		return err
	}
	found, err := l.d.Labels.Label(c.UserContext(), id)
	if err != nil {
		return err
	}
	p := l.Page(c, "", "label", struct {
		L      *label.Label
		Active bool
	}{found, found.Active(l.Now())})
	p.Title = found.StructureNom
	return l.Render(c, fiber.StatusOK, "label/register_entry", p)
}

// apiRegister is GET /api/labels: the places holding a label today.
func (l *Capability) apiRegister(c *fiber.Ctx) error {
	q := kit.NewQuery(c)
	dep := q.Territory("departement")
	limit, offset := q.Page()
	if err := q.Err(); err != nil {
		return err
	}
	ls, total, err := l.d.Labels.Register(c.UserContext(), dep, offset, limit)
	if err != nil {
		return err
	}
	return kit.JSON(c, kit.NewList(ls, total, limit, offset))
}

// apiProgrammes is GET /api/labels/programmes.
func (l *Capability) apiProgrammes(c *fiber.Ctx) error {
	ps, err := l.d.Labels.Programmes(c.UserContext())
	if err != nil {
		return err
	}
	return kit.JSON(c, kit.NewList(ps, len(ps), 0, 0))
}

// apiQueue is GET /api/labels/dossiers: a reviewer's queue (the same
// parameters as the page).
func (l *Capability) apiQueue(c *fiber.Ctx) error {
	u := kit.User(c)
	if !label.IsReviewer(u) {
		return maillage.Errorf(maillage.EFORBIDDEN, "label.review.forbidden")
	}
	q := kit.NewQuery(c)
	limit, offset := q.Page()
	if err := q.Err(); err != nil {
		return err
	}
	f := l.filterOf(c, func(k string) string { return c.Query(k) })
	f.Limit, f.Offset = limit, offset
	if _, err := l.search(c, &f); err != nil {
		return err
	}
	apps, total, err := l.d.Labels.Queue(c.UserContext(), f)
	if err != nil {
		return err
	}
	return kit.JSON(c, kit.NewList(apps, total, limit, offset))
}

// apiDossier is GET /api/labels/dossiers/:id: what the person may see of
// an application (reviewers' parts only for reviewers).
func (l *Capability) apiDossier(c *fiber.Ctx) error {
	id, err := kit.PathID(c, "id")
	if err != nil {
		return err
	}
	d, err := l.d.Labels.Find(c.UserContext(), kit.User(c), id)
	if err != nil {
		return err
	}
	body := fiber.Map{"dossier": d.App, "revision": d.Revision, "messages": nonNil(d.Messages), "historique": moves(d.History)}
	if d.Label != nil {
		body["label"] = d.Label
	}
	if d.Reviewer {
		body["appreciations"] = nonNil(d.Assessments)
		body["notes"] = nonNil(d.Notes)
		body["avis"] = nonNil(d.Opinions)
	}
	return kit.JSON(c, body)
}

func nonNil[T any](xs []T) []T {
	if xs == nil {
		return []T{}
	}
	return xs
}

func moves(ms []label.Move) []fiber.Map {
	out := []fiber.Map{}
	for _, m := range ms {
		out = append(out, fiber.Map{"de": m.From, "vers": m.To, "par": m.ActorName, "motivation": m.Motivation, "le": m.At})
	}
	return out
}

// apiMove is POST /api/labels/dossiers/:id/etat {"etat", "motivation"}.
func (l *Capability) apiMove(c *fiber.Ctx) error {
	id, err := kit.PathID(c, "id")
	if err != nil {
		return err
	}
	var in struct {
		Etat       string `json:"etat"`
		Motivation string `json:"motivation"`
	}
	if err := kit.DecodeJSON(c, &in); err != nil {
		return err
	}
	if err := l.d.Labels.Move(c.UserContext(), kit.User(c), id, in.Etat, in.Motivation); err != nil {
		return err
	}
	d, err := l.d.Labels.Find(c.UserContext(), kit.User(c), id)
	if err != nil {
		return err
	}
	return kit.JSON(c, d.App)
}
