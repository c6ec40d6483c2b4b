package charter

import (
	"github.com/gofiber/fiber/v2"

	"maillage/internal/charter"
	"maillage/internal/maillage"
	"maillage/internal/web/kit"
)

// textData is what the charter's text pages show.
type textData struct {
	Version  charter.Version
	Current  charter.Version
	Versions []charter.Version
	// Previous is the version before (nil for the first), Changes what
	// Version changed since it.
	Previous *charter.Version
	Changes  []charter.Change
	// Standing is the signed-in person's (nil when anonymous).
	Standing *charter.MyStanding
}

func (h *Capability) textData(c *fiber.Ctx, number int) (*textData, error) {
	ctx := c.UserContext()
	cur, err := h.d.Charter.Current(ctx, h.Now())
	if err != nil {
		return nil, err
	}
	vs, err := h.d.Charter.Versions(ctx)
	if err != nil {
		return nil, err
	}
	d := &textData{Current: cur, Versions: vs, Version: cur}
	if number != 0 {
		found := false
		for _, v := range vs {
			if v.Number == number && !v.PublishedAt.After(h.Now()) {
				d.Version, found = v, true
			}
		}
		if !found {
			return nil, maillage.Errorf(maillage.ENOTFOUND, "charter.version.not_found")
		}
	}
	for i := range vs {
		if vs[i].Number == d.Version.Number-1 {
			prev := vs[i]
			d.Previous = &prev
			if d.Changes, err = charter.Changes(prev, d.Version); err != nil {
				return nil, err
			}
		}
	}
	if u := kit.User(c); u != nil {
		st, err := h.d.Charter.Standing(ctx, u.ID, h.Now())
		if err != nil {
			return nil, err
		}
		d.Standing = &st
	}
	return d, nil
}

// current is the charter in force: public, readable on a phone, printable.
func (h *Capability) current(c *fiber.Ctx) error {
	d, err := h.textData(c, 0)
	if err != nil {
		return err
	}
	return h.Render(c, fiber.StatusOK, "charter/text", h.Page(c, "charter.title", "charter", d))
}

// version is one version, the current one or an earlier one, with what it
// changed.
func (h *Capability) version(c *fiber.Ctx) error {
	n, err := kit.PathID(c, "id")
	if err != nil {
		return err
	}
	if n > 1<<20 {
		return maillage.Errorf(maillage.ENOTFOUND, "charter.version.not_found")
	}
	d, err := h.textData(c, int(n))
	if err != nil {
		return err
	}
	p := h.Page(c, "", "charter", d)
	p.Title = p.T("charter.version.title", "Version", d.Version.Number)
	return h.Render(c, fiber.StatusOK, "charter/text", p)
}

// versions lists every published version with what each changed.
func (h *Capability) versions(c *fiber.Ctx) error {
	d, err := h.textData(c, 0)
	if err != nil {
		return err
	}
	var published []charter.Version
	for i := len(d.Versions) - 1; i >= 0; i-- {
		if !d.Versions[i].PublishedAt.After(h.Now()) {
			published = append(published, d.Versions[i])
		}
	}
	d.Versions = published
	return h.Render(c, fiber.StatusOK, "charter/versions", h.Page(c, "charter.versions.title", "charter", d))
}
