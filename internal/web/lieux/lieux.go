// Package lieux is the places of the national standard on the web: the
// open exports (/lieux.csv, /lieux.json) and the import page of
// administrators and coordinators.
package lieux

import (
	"bytes"
	"embed"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"maillage/internal/auth"
	"maillage/internal/lieux"
	"maillage/internal/maillage"
	"maillage/internal/web/kit"
)

//go:embed *.yaml
var messages embed.FS

// Deps are the services of the places pages.
type Deps struct {
	Structures  maillage.StructureService
	Territories maillage.TerritoryService
	Users       maillage.UserService
	Imports     *lieux.Service
}

// Capability serves the places pages.
type Capability struct {
	*kit.Kit
	d Deps
}

// New returns the capability.
func New(d Deps) *Capability { return &Capability{d: d} }

// Name implements kit.Capability.
func (l *Capability) Name() string { return "lieux" }

// Messages implements kit.Capability.
func (l *Capability) Messages() fs.FS { return messages }

// Mount implements kit.Capability.
func (l *Capability) Mount(r *kit.Router) {
	l.Kit = r.Kit()
	r.Get("/lieux.csv", auth.PermPublic, l.exportCSV)
	r.Get("/lieux.json", auth.PermPublic, l.exportJSON)
	r.Get("/admin/lieux/import", auth.PermImportLieux, l.importForm)
	r.Post("/admin/lieux/import", auth.PermImportLieux, l.importUpload)
	r.Get("/admin/lieux/import/:id", auth.PermImportLieux, l.importJob)
	r.Get("/admin/lieux/import/:id/rapport.csv", auth.PermImportLieux, l.importReport)
	r.Menu(kit.MenuItem{Key: "lieux_import", Label: "lieux.nav.import", Href: "/admin/lieux/import", Perm: auth.PermImportLieux, Order: 80})
}

var departementCode = regexp.MustCompile(`^(\d{2}|2[AB]|\d{3})$`)

func (l *Capability) exportCSV(c *fiber.Ctx) error  { return l.export(c, lieux.FormatCSV) }
func (l *Capability) exportJSON(c *fiber.Ctx) error { return l.export(c, lieux.FormatJSON) }

// export writes every place (of a département with ?departement=) in the
// schema's column order; the file is open data.
func (l *Capability) export(c *fiber.Ctx, format lieux.Format) error {
	dep := c.Query("departement")
	if dep != "" && !departementCode.MatchString(dep) {
		return maillage.Invalid("departement", "error.api.territory")
	}
	ls, err := l.d.Structures.AllLieux(c.UserContext(), maillage.StructureFilter{CodeDepartement: dep})
	if err != nil {
		return err
	}
	var b bytes.Buffer
	name := "lieux-mediation-numerique"
	if dep != "" {
		name += "-" + dep
	}
	if format == lieux.FormatJSON {
		err = lieux.WriteJSON(&b, ls)
		c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
		name += ".json"
	} else {
		err = lieux.WriteCSV(&b, ls)
		c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
		name += ".csv"
	}
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+name+`"`)
	return c.Send(b.Bytes())
}

// maxImportSize is the largest file of places the upload page takes.
const maxImportSize = 10 << 20

func (l *Capability) importPage(c *fiber.Ctx, status int, f *kit.Form) error {
	p := l.Page(c, "lieux.import.title", "lieux_import", nil)
	if f == nil {
		f = l.NewForm(c)
	}
	p.Form = f
	return l.Render(c, status, "lieux/import", p)
}

// importForm shows the upload form.
func (l *Capability) importForm(c *fiber.Ctx) error { return l.importPage(c, fiber.StatusOK, nil) }

// importUpload checks the uploaded file (size, extension, content sniffed
// as text) and queues its import: the import runs in the background
// (lieux.Service.RunImports) and its page shows the progress, then the
// report. The same as `maillage import lieux FILE`.
func (l *Capability) importUpload(c *fiber.Ctx) error {
	f := l.NewForm(c)
	fail := func(key string, args ...any) error {
		f.Add("fichier", key, args...)
		return l.importPage(c, fiber.StatusUnprocessableEntity, f)
	}
	fh, err := c.FormFile("fichier")
	if err != nil {
		return fail("lieux.upload.missing")
	}
	name := filepath.Base(fh.Filename)
	if fh.Size > maxImportSize {
		return fail("lieux.upload.too_large", "Size", fmt.Sprintf("%.1f", float64(fh.Size)/(1<<20)), "Max", maxImportSize>>20)
	}
	ext := strings.ToLower(filepath.Ext(name))
	if ext != ".csv" && ext != ".json" {
		return fail("lieux.upload.format")
	}
	file, err := fh.Open()
	if err != nil {
		return fmt.Errorf("open upload: %w", err)
	}
	defer file.Close()
	data, err := io.ReadAll(io.LimitReader(file, maxImportSize+1))
	if err != nil {
		return fmt.Errorf("read upload: %w", err)
	}
	if len(data) == 0 {
		return fail("lieux.upload.empty")
	}
	if !strings.HasPrefix(http.DetectContentType(data[:min(len(data), 512)]), "text/") {
		return fail("lieux.upload.not_text")
	}
	u := kit.User(c)
	id, err := l.d.Imports.StartImport(c.UserContext(), u.ID, name, data)
	if err != nil {
		if f.Fail(err) {
			return l.importPage(c, fiber.StatusUnprocessableEntity, f)
		}
		if maillage.ErrorCode(err) == maillage.EINVALID {
			key, args := maillage.ErrorKey(err)
			return fail(key, args...)
		}
		return err
	}
	if err := l.d.Users.Audit(c.UserContext(), maillage.AuditEntry{ActorID: &u.ID, Action: "lieux.imported", IP: c.IP(),
		Details: map[string]any{"file": name, "size": len(data), "job_id": id}}); err != nil {
		return err
	}
	return kit.Redirect(c, "/admin/lieux/import/"+strconv.FormatInt(id, 10))
}

// job returns the import of the path, for an administrator or the person
// who started it.
func (l *Capability) job(c *fiber.Ctx) (*lieux.Job, error) {
	id, err := kit.PathID(c, "id")
	if err != nil {
		return nil, err
	}
	j, err := l.d.Imports.FindImport(c.UserContext(), id)
	if err != nil {
		return nil, err
	}
	u := kit.User(c)
	if j.ActorID != u.ID && !u.Has(maillage.RoleAdministrateur) {
		return nil, maillage.Errorf(maillage.ENOTFOUND, "lieux.job.not_found")
	}
	return j, nil
}

// importJob shows an import: its progress while it runs (the page reloads
// itself every 2 seconds, with or without JavaScript), then its report —
// totals and, per kind of problem, the first lines — with the whole report
// to download.
func (l *Capability) importJob(c *fiber.Ctx) error {
	j, err := l.job(c)
	if err != nil {
		return err
	}
	if !j.Done() {
		c.Set("Refresh", "2")
	}
	p := l.Page(c, "lieux.import.title", "lieux_import", struct {
		Job       *lieux.Job
		StatusKey string
	}{j, lieux.JobStatusKeys[j.Status]})
	p.Form = l.NewForm(c)
	return l.Render(c, fiber.StatusOK, "lieux/job", p)
}

// importReport downloads the whole report of an import as CSV.
func (l *Capability) importReport(c *fiber.Ctx) error {
	j, err := l.job(c)
	if err != nil {
		return err
	}
	rep, err := l.d.Imports.ImportReport(c.UserContext(), j.ID)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="rapport-import-`+strconv.FormatInt(j.ID, 10)+`.csv"`)
	kit.NoStore(c)
	lang := kit.Lang(c)
	return lieux.WriteReportCSV(c, rep, func(key string, args ...any) string { return l.Catalog.T(lang, key, args...) })
}
