package training

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"maillage/internal/maillage"
	"maillage/internal/training"
	"maillage/internal/web/kit"
)

// pathPage is « Mon parcours » (or a shared path).
type pathPage struct {
	V        *training.PathView
	Radii    []int
	Shares   []*training.PathShare
	NewLink  string // a link just created, shown once
	Shared   bool   // seen through a share link
	NoTarget bool   // every bloc of the known titles is held
	Problem  string // why there is no path (no profile…), a catalogue key
	Base     string
}

// settings reads the path's settings from the query (or the posted form):
// certification, rayon, distance (remote sessions, on unless "0").
func settings(get func(string) string) training.PathSettings {
	s := training.PathSettings{Target: get("certification"), Remote: get("distance") != "0"}
	s.RadiusKm, _ = strconv.Atoi(get("rayon"))
	s.Normalize()
	return s
}

func (t *Capability) pathPage(c *fiber.Ctx, status int, set training.PathSettings, newLink string) error {
	u := kit.User(c)
	d := &pathPage{Radii: maillage.MentorRadii, NewLink: newLink, Base: t.Config.BaseURL.String()}
	v, err := t.d.Training.PathFor(c.UserContext(), u.ID, set, t.Now())
	switch {
	case err == nil:
		d.V = v
	case maillage.ErrorCode(err) == maillage.ENOTFOUND:
		key, _ := maillage.ErrorKey(err)
		d.NoTarget = key == training.KeyPathNoTarget
		d.Problem = key
		d.V = &training.PathView{Settings: set}
		// The settings still offer every title.
		if ix, ierr := t.d.Training.Certifications(c.UserContext()); ierr == nil {
			for _, ce := range ix.Certifications() {
				if ce.RetiredAt == nil && len(ce.Blocs) > 0 {
					d.V.Targets = append(d.V.Targets, ce)
				}
			}
		}
	case maillage.ErrorCode(err) == maillage.EINVALID:
		// A radius not in the list (typed in the address): the default.
		set = training.PathSettings{Target: set.Target, Remote: set.Remote}
		set.Normalize()
		if set.Validate().Err() != nil {
			set = training.PathSettings{Remote: true, RadiusKm: training.DefaultRadiusKm}
		}
		return t.pathPage(c, status, set, newLink)
	default:
		return err
	}
	if d.Shares, err = t.d.Training.PathShares(c.UserContext(), u.ID); err != nil {
		return err
	}
	p := t.Page(c, "training.path.title", "path", d)
	return t.Render(c, status, "training/path", p)
}

// path is GET /parcours: « Mon parcours ».
func (t *Capability) path(c *fiber.Ctx) error {
	return t.pathPage(c, fiber.StatusOK, settings(func(k string) string { return c.Query(k) }), "")
}

// pathShare creates a share link of the path with the settings shown and
// shows it once.
func (t *Capability) pathShare(c *fiber.Ctx) error {
	f := t.PostedForm(c)
	set := settings(f.Value)
	token, err := t.d.Training.SharePath(c.UserContext(), kit.User(c).ID, set)
	if err != nil {
		return err
	}
	return t.pathPage(c, fiber.StatusOK, set, t.Config.BaseURL.String()+"/parcours/partage/"+token)
}

// pathRevoke ends a share link of the person.
func (t *Capability) pathRevoke(c *fiber.Ctx) error {
	id, err := kit.PathID(c, "id")
	if err != nil {
		return err
	}
	if err := t.d.Training.RevokePathShare(c.UserContext(), kit.User(c).ID, id); err != nil {
		return err
	}
	return t.RedirectFlash(c, "/parcours", "training.flash.share_revoked")
}

// pathShared is the path a share link shows (read-only, never cached).
func (t *Capability) pathShared(c *fiber.Ctx) error {
	token := string([]byte(c.Params("token")))
	v, err := t.d.Training.SharedPath(c.UserContext(), token, t.Now())
	if err != nil {
		return err
	}
	kit.NoStore(c)
	c.Set("X-Robots-Tag", "noindex")
	p := t.Page(c, "training.path.shared.title", "", &pathPage{V: v, Shared: true})
	return t.Render(c, fiber.StatusOK, "training/path", p)
}

// Meters is a distance in kilometres as the page's Km helper takes it.
func (d *pathPage) Meters(km float64) int { return int(km*1000 + 0.5) }
