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

type importData struct {
	File     string
	Report   *maillage.ImportReport
	Warnings int
	Errors   int
}

func (l *Capability) importPage(c *fiber.Ctx, status int, f *kit.Form, data importData) error {
	p := l.Page(c, "lieux.import.title", "lieux_import", data)
	if f == nil {
		f = l.NewForm(c)
	}
	p.Form = f
	return l.Render(c, status, "lieux/import", p)
}

// importForm shows the upload form.
func (l *Capability) importForm(c *fiber.Ctx) error {
	return l.importPage(c, fiber.StatusOK, nil, importData{})
}

// importUpload imports an uploaded file of places and shows the report:
// the same as `maillage import lieux FILE`.
func (l *Capability) importUpload(c *fiber.Ctx) error {
	f := l.NewForm(c)
	fail := func(key string, args ...any) error {
		f.Add("fichier", key, args...)
		return l.importPage(c, fiber.StatusUnprocessableEntity, f, importData{})
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
	head := make([]byte, 512)
	n, _ := io.ReadFull(file, head)
	if n == 0 {
		return fail("lieux.upload.empty")
	}
	if !strings.HasPrefix(http.DetectContentType(head[:n]), "text/") {
		return fail("lieux.upload.not_text")
	}
	if _, err := file.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("rewind upload: %w", err)
	}
	ctx := c.UserContext()
	communes, err := l.d.Territories.PostcodeIndex(ctx)
	if err != nil {
		return err
	}
	rep, err := lieux.Import(ctx, io.LimitReader(file, maxImportSize), lieux.DetectFormat(name, head[:n]), lieux.Options{Communes: communes}, l.d.Structures, "Import "+name)
	if err != nil {
		if maillage.ErrorCode(err) == maillage.EINVALID {
			key, args := maillage.ErrorKey(err)
			return fail(key, args...)
		}
		return err
	}
	u := kit.User(c)
	if err := l.d.Users.Audit(ctx, maillage.AuditEntry{ActorID: &u.ID, Action: "lieux.imported", IP: c.IP(), Details: map[string]any{
		"file": name, "total": rep.Total, "created": rep.Created, "updated": rep.Updated, "rejected": rep.Rejected}}); err != nil {
		return err
	}
	data := importData{File: name, Report: rep}
	for _, line := range rep.Lines {
		if line.Warning {
			data.Warnings++
		} else {
			data.Errors++
		}
	}
	return l.importPage(c, fiber.StatusOK, nil, data)
}
