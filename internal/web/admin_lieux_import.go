package web

import (
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"

	"github.com/gofiber/fiber/v2"

	"maillage/internal/lieux"
	"maillage/internal/maillage"
)

// maxImportSize is the largest file of places the upload page takes.
const maxImportSize = 10 << 20

type lieuxImportData struct {
	File     string
	Report   *maillage.ImportReport
	Warnings int
	Errors   int
}

func (s *Server) lieuxImportPage(c *fiber.Ctx, status int, form *Form, data lieuxImportData) error {
	p := s.page(c, "lieux.import.title", "lieux_import", data)
	if form == nil {
		form = &Form{Values: map[string]string{}}
	}
	p.Form = form
	return s.render(c, status, "admin_lieux_import", p)
}

// adminLieuxImport shows the upload form.
func (s *Server) adminLieuxImport(c *fiber.Ctx) error {
	return s.lieuxImportPage(c, fiber.StatusOK, nil, lieuxImportData{})
}

// adminLieuxImportUpload imports an uploaded file of places and shows the
// report: the same as `maillage import lieux FILE`.
func (s *Server) adminLieuxImportUpload(c *fiber.Ctx) error {
	fail := func(msg string) error {
		return s.lieuxImportPage(c, fiber.StatusUnprocessableEntity, &Form{Values: map[string]string{}, Errors: map[string]string{"fichier": msg}}, lieuxImportData{})
	}
	fh, err := c.FormFile("fichier")
	if err != nil {
		return fail("Choisissez le fichier de lieux à importer (CSV ou JSON).")
	}
	name := filepath.Base(fh.Filename)
	if fh.Size > maxImportSize {
		return fail(fmt.Sprintf("Le fichier fait %.1f Mo : 10 Mo au plus. Découpez-le (par département, par exemple) et importez chaque partie.", float64(fh.Size)/(1<<20)))
	}
	ext := strings.ToLower(filepath.Ext(name))
	if ext != ".csv" && ext != ".json" {
		return fail("Le fichier doit être au format CSV (.csv) ou JSON (.json) du standard national des lieux.")
	}
	f, err := fh.Open()
	if err != nil {
		return fmt.Errorf("open upload: %w", err)
	}
	defer f.Close()
	head := make([]byte, 512)
	n, _ := io.ReadFull(f, head)
	if n == 0 {
		return fail("Le fichier est vide : la première ligne doit contenir les noms des colonnes.")
	}
	if !strings.HasPrefix(http.DetectContentType(head[:n]), "text/") {
		return fail("Ce fichier n'est pas du texte : envoyez le fichier CSV ou JSON lui-même (pas un tableur .xlsx ni une archive).")
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("rewind upload: %w", err)
	}
	ctx := c.UserContext()
	communes, err := s.Territories.PostcodeIndex(ctx)
	if err != nil {
		return err
	}
	rep, err := lieux.Import(ctx, io.LimitReader(f, maxImportSize), lieux.DetectFormat(name, head[:n]), lieux.Options{Communes: communes}, s.Structures, "Import "+name)
	if err != nil {
		if maillage.ErrorCode(err) == maillage.EINVALID {
			return fail(errorMessage(err))
		}
		return err
	}
	u := currentUser(c)
	if err := s.Users.Audit(ctx, maillage.AuditEntry{ActorID: &u.ID, Action: "lieux.imported", IP: c.IP(), Details: map[string]any{
		"file": name, "total": rep.Total, "created": rep.Created, "updated": rep.Updated, "rejected": rep.Rejected}}); err != nil {
		return err
	}
	data := lieuxImportData{File: name, Report: rep}
	for _, l := range rep.Lines {
		if l.Warning {
			data.Warnings++
		} else {
			data.Errors++
		}
	}
	return s.lieuxImportPage(c, fiber.StatusOK, nil, data)
}
