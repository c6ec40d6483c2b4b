package training

import (
	"bytes"
	"io"
	"path/filepath"
	"strings"

	"github.com/gofiber/fiber/v2"

	"maillage/internal/maillage"
	"maillage/internal/training"
	"maillage/internal/web/kit"
)

// myBodies lists the structures the person manages as training bodies (or
// may declare as such).
func (t *Capability) myBodies(c *fiber.Ctx) error {
	orgs, err := t.d.Training.ManagedOrganisations(c.UserContext(), kit.User(c).ID)
	if err != nil {
		return err
	}
	return t.Render(c, fiber.StatusOK, "training/bodies_mine", t.Page(c, "training.bodies.title", "", orgs))
}

// managePage is a training body's own page: its declaration, offers,
// sessions, LHEO import (with the last report) and exports.
type managePage struct {
	Org    *training.Organisation
	Offers []*training.OfferView
	Report *training.ImportResult
	Issues []reportIssue
}

type reportIssue struct {
	Formation int
	Element   string
	Line      int
	Message   string
}

// managed returns the structure of the path as a training body the viewer
// manages (403 otherwise, for GET as for POST).
func (t *Capability) managed(c *fiber.Ctx) (*training.Organisation, error) {
	id, err := kit.PathID(c, "id")
	if err != nil {
		return nil, err
	}
	ok, err := t.d.Training.CanManageStructure(c.UserContext(), kit.Viewer(c), id)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, maillage.Errorf(maillage.EFORBIDDEN, training.KeyBodyForbidden)
	}
	return t.d.Training.FindOrganisation(c.UserContext(), id)
}

func (t *Capability) managePage(c *fiber.Ctx, status int, org *training.Organisation, f *kit.Form, rep *training.ImportResult) error {
	d := &managePage{Org: org, Report: rep}
	if org.Declared {
		var err error
		if d.Offers, _, err = t.d.Training.FindOffers(c.UserContext(), training.OfferFilter{StructureID: org.Body.StructureID, Withdrawn: true, Limit: 500}); err != nil {
			return err
		}
	}
	if rep != nil && rep.Report != nil {
		for _, is := range rep.Report.Issues {
			d.Issues = append(d.Issues, reportIssue{Formation: is.Formation, Element: is.Element, Line: is.Line, Message: t.T(c, is.Key, is.Args...)})
		}
	}
	p := t.Page(c, "", "", d)
	p.Title = org.Body.Name
	if f == nil {
		f = t.NewForm(c)
		fillBody(f, org)
	}
	p.Form = f
	return t.Render(c, status, "training/body_manage", p)
}

func fillBody(f *kit.Form, org *training.Organisation) {
	b := org.Body
	f.Set("activity_number", b.ActivityNumber)
	if b.Qualiopi {
		f.Set("qualiopi", "on")
	}
	if b.LegalName != b.Name {
		f.Set("legal_name", b.LegalName)
	}
	f.Set("contact.name", b.Contact.Name)
	f.Set("contact.email", b.Contact.Email)
	f.Set("contact.phone", b.Contact.Phone)
}

// bodyManage is GET /organismes/:id/gestion.
func (t *Capability) bodyManage(c *fiber.Ctx) error {
	org, err := t.managed(c)
	if err != nil {
		return err
	}
	return t.managePage(c, fiber.StatusOK, org, nil, nil)
}

// bodyDeclare records or updates the declaration of a training body.
func (t *Capability) bodyDeclare(c *fiber.Ctx) error {
	org, err := t.managed(c)
	if err != nil {
		return err
	}
	f := t.PostedForm(c)
	in := training.BodyInput{ActivityNumber: f.Value("activity_number"), Qualiopi: f.On("qualiopi"), LegalName: f.Value("legal_name"),
		Contact: training.Contact{Name: f.Value("contact.name"), Email: f.Value("contact.email"), Phone: f.Value("contact.phone")}}
	if !f.HasErrors() {
		_, err := t.d.Training.DeclareBody(c.UserContext(), kit.Viewer(c), org.Body.StructureID, in)
		if err == nil {
			return t.RedirectFlash(c, "/organismes/"+itoa(org.Body.StructureID)+"/gestion", "training.flash.body_saved")
		}
		if !f.Fail(err) {
			return err
		}
	}
	return t.managePage(c, fiber.StatusUnprocessableEntity, org, f, nil)
}

// maxLHEOSize bounds an uploaded LHEO file.
const maxLHEOSize = 10 << 20

// bodyImport imports a training body's own LHEO file (its formations
// only) and shows the report on the body's page.
func (t *Capability) bodyImport(c *fiber.Ctx) error {
	org, err := t.managed(c)
	if err != nil {
		return err
	}
	f := t.NewForm(c)
	fillBody(f, org)
	fail := func(key string, args ...any) error {
		f.Add("file", key, args...)
		return t.managePage(c, fiber.StatusUnprocessableEntity, org, f, nil)
	}
	if !org.Declared {
		return fail(training.KeyNotBody)
	}
	fh, err := c.FormFile("file")
	if err != nil {
		return fail("training.upload.missing")
	}
	if fh.Size > maxLHEOSize {
		return fail("training.upload.too_large", "Max", maxLHEOSize>>20)
	}
	if ext := strings.ToLower(filepath.Ext(fh.Filename)); ext != ".xml" {
		return fail("training.upload.format")
	}
	file, err := fh.Open()
	if err != nil {
		return err
	}
	defer file.Close()
	data, err := io.ReadAll(io.LimitReader(file, maxLHEOSize+1))
	if err != nil {
		return err
	}
	res, err := t.d.Training.ImportLHEO(c.UserContext(), training.ImportRequest{File: bytes.NewReader(data), Actor: kit.Viewer(c), StructureID: org.Body.StructureID})
	if err != nil {
		if f.Fail(err) {
			return t.managePage(c, fiber.StatusUnprocessableEntity, org, f, nil)
		}
		return err
	}
	status := fiber.StatusOK
	if res.Report.Fatal {
		status = fiber.StatusUnprocessableEntity
		if len(res.Report.Issues) > 0 {
			is := res.Report.Issues[0]
			f.Add("file", is.Key, is.Args...)
		}
	}
	return t.managePage(c, status, org, f, res)
}
