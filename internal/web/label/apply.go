package label

import (
	"io"
	"mime/multipart"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"maillage/internal/label"
	"maillage/internal/maillage"
	"maillage/internal/web/kit"
)

// homePage is the label's page: the programmes, the register, and for a
// signed-in person their applications and the structures that may apply.
type homePage struct {
	Programmes []*label.Programme
	Mine       []*label.Application
	Structures []*maillage.Structure
	Reviewer   bool
}

func (l *Capability) home(c *fiber.Ctx) error {
	return l.homeWith(c, fiber.StatusOK, nil)
}

func (l *Capability) homeWith(c *fiber.Ctx, status int, f *kit.Form) error {
	ctx := c.UserContext()
	ps, err := l.d.Labels.Programmes(ctx)
	if err != nil {
		return err
	}
	d := homePage{Programmes: ps}
	if u := kit.User(c); u != nil {
		if d.Mine, err = l.d.Labels.Mine(ctx, u); err != nil {
			return err
		}
		if d.Structures, err = l.d.Labels.Eligible(ctx, u); err != nil {
			return err
		}
		d.Reviewer = label.IsReviewer(u)
	}
	p := l.Page(c, "label.home.title", "label", d)
	if f == nil {
		f = l.NewForm(c)
	}
	p.Form = f
	return l.Render(c, status, "label/home", p)
}

func (l *Capability) programme(c *fiber.Ctx) error {
	p, err := l.d.Labels.Programme(c.UserContext(), c.Params("code"))
	if err != nil {
		return err
	}
	page := l.Page(c, "", "label", p)
	page.Title = p.Title
	return l.Render(c, fiber.StatusOK, "label/programme", page)
}

// start opens an application (a referent, for one of their structures).
func (l *Capability) start(c *fiber.Ctx) error {
	f := l.PostedForm(c)
	if f.HasErrors() {
		return l.homeWith(c, fiber.StatusUnprocessableEntity, f)
	}
	sid, _ := strconv.ParseInt(f.Value("structure_id"), 10, 64)
	if sid <= 0 {
		f.Add("structure_id", "label.structure.choose")
		return l.homeWith(c, fiber.StatusUnprocessableEntity, f)
	}
	a, err := l.d.Labels.Start(c.UserContext(), kit.User(c), sid, f.Value("programme"))
	if err != nil {
		if f.Fail(err) {
			return l.homeWith(c, fiber.StatusUnprocessableEntity, f)
		}
		if maillage.ErrorCode(err) == maillage.ECONFLICT {
			f.Add("structure_id", "label.application.exists")
			return l.homeWith(c, fiber.StatusConflict, f)
		}
		return err
	}
	return l.RedirectFlash(c, dossierURL(a.ID), "label.flash.started")
}

// indicatorView is one indicator of the dossier page.
type indicatorView struct {
	In         label.Indicator
	Applies    bool
	Answer     string
	Files      []label.Evidence
	Assessment *label.Assessment
	Change     *label.Change
}

type criterionView struct {
	C          label.Criterion
	Indicators []indicatorView
}

// dossierPage is what the dossier page shows.
type dossierPage struct {
	D        *label.Dossier
	Criteria []criterionView
	Now      time.Time
	DaysLeft int
	HasDue   bool
	Moves    []string // states a reviewer may move the application to from here
	Majors   []label.Assessment
	Changed  int
	// Renewable: the label this application granted may be renewed now.
	Renewable bool
	Grades    []string
	Exts      string
	MaxMB     int
}

func (l *Capability) dossierData(d *label.Dossier) *dossierPage {
	v := &dossierPage{D: d, Now: l.Now(), Grades: label.Grades, Exts: strings.Join(label.EvidenceExtensions(), ", "), MaxMB: label.MaxEvidenceSize >> 20}
	if d.App.DueAt != nil && !label.IsDecision(d.App.State) {
		v.HasDue, v.DaysLeft = true, label.DaysLeft(v.Now, *d.App.DueAt)
	}
	v.Renewable = d.Label != nil && d.Label.CanRenew(v.Now)
	changes := map[string]label.Change{}
	if d.Reviewer && d.Previous != nil && d.Revision.Frozen() {
		for _, ch := range label.Diff(d.Programme, d.Previous, d.Revision) {
			changes[ch.Indicator] = ch
		}
		v.Changed = len(changes)
	}
	for _, cr := range d.Programme.Criteria {
		cv := criterionView{C: cr}
		for _, in := range cr.Indicators {
			iv := indicatorView{In: in, Applies: in.AppliesTo(d.Kinds), Answer: d.Revision.Answers[in.Code], Files: d.Revision.FilesOf(in.Code)}
			if d.Reviewer {
				iv.Assessment = d.Assessment(in.Code)
				if ch, ok := changes[in.Code]; ok {
					iv.Change = &ch
				}
			}
			cv.Indicators = append(cv.Indicators, iv)
		}
		v.Criteria = append(v.Criteria, cv)
	}
	if d.Reviewer && !d.Conflict {
		for _, to := range label.Machine.Next[d.App.State] {
			if !label.IsDecision(to) {
				v.Moves = append(v.Moves, to)
			}
		}
		v.Majors = label.OpenMajors(d.Programme, d.Assessments)
	}
	return v
}

// dossier is the page of an application, for its applicant or a reviewer.
func (l *Capability) dossier(c *fiber.Ctx) error { return l.dossierWith(c, fiber.StatusOK, nil, "") }

// dossierWith renders the dossier page with a form being redrawn (its
// typed values kept) and the anchor of the section it belongs to.
func (l *Capability) dossierWith(c *fiber.Ctx, status int, f *kit.Form, _ string) error {
	id, err := kit.PathID(c, "id")
	if err != nil {
		return err
	}
	d, err := l.d.Labels.Find(c.UserContext(), kit.User(c), id)
	if err != nil {
		return err
	}
	v := l.dossierData(d)
	p := l.Page(c, "", "label", v)
	p.Title = l.T(c, "label.dossier.title", "Name", d.App.StructureNom)
	if f == nil {
		f = l.NewForm(c)
	}
	for code, text := range d.Revision.Answers {
		if _, typed := f.Values[label.AnswerField(code)]; !typed {
			f.Set(label.AnswerField(code), text)
		}
	}
	for _, as := range d.Assessments {
		k := "appreciations." + as.Indicator
		if _, typed := f.Values[k+".appreciation"]; !typed {
			f.Set(k+".appreciation", as.Grade)
			f.Set(k+".commentaire", as.Comment)
		}
	}
	p.Form = f
	return l.Render(c, status, "label/dossier", p)
}

// uploads lists the files of a multipart field.
func uploads(c *fiber.Ctx, field string) ([]*multipart.FileHeader, error) {
	mf, err := c.MultipartForm()
	if err != nil {
		return nil, nil // not multipart: no file
	}
	var out []*multipart.FileHeader
	for _, fh := range mf.File[field] {
		if fh.Filename != "" || fh.Size > 0 {
			out = append(out, fh)
		}
	}
	return out, nil
}

// upload opens a file of a form as a label.Upload.
func upload(fh *multipart.FileHeader) (label.Upload, io.Closer, error) {
	r, err := fh.Open()
	if err != nil {
		return label.Upload{}, nil, err
	}
	return label.Upload{Name: fh.Filename, Body: r}, r, nil
}

// saveAnswers saves the answers typed and the files attached (a draft, or
// corrections), then submits when the person asked to. Texts are saved
// first: a refused file (type, size) is named next to its field and
// nothing typed is lost.
func (l *Capability) saveAnswers(c *fiber.Ctx) error {
	id, err := kit.PathID(c, "id")
	if err != nil {
		return err
	}
	ctx, u := c.UserContext(), kit.User(c)
	f := l.PostedForm(c)
	if f.HasErrors() {
		return l.dossierWith(c, fiber.StatusUnprocessableEntity, f, "reponses")
	}
	answers := map[string]string{}
	for name, vs := range f.Values {
		if code, ok := strings.CutPrefix(name, "reponses."); ok && len(vs) > 0 {
			answers[code] = vs[0]
		}
	}
	if err := l.d.Labels.SaveAnswers(ctx, u, id, answers); err != nil {
		if f.Fail(err) {
			return l.dossierWith(c, fiber.StatusUnprocessableEntity, f, "reponses")
		}
		return err
	}
	mf, _ := c.MultipartForm()
	if mf != nil {
		var fields []string
		for name := range mf.File {
			if strings.HasPrefix(name, "pieces.") {
				fields = append(fields, name)
			}
		}
		slices.Sort(fields)
		for _, name := range fields {
			fhs, _ := uploads(c, name)
			for _, fh := range fhs {
				up, closer, err := upload(fh)
				if err != nil {
					return err
				}
				_, err = l.d.Labels.AddFile(ctx, u, id, strings.TrimPrefix(name, "pieces."), up)
				closer.Close()
				if err != nil {
					if f.Fail(err) {
						return l.dossierWith(c, fiber.StatusUnprocessableEntity, f, "reponses")
					}
					return err
				}
			}
		}
	}
	if f.Value("action") != "deposer" {
		return l.RedirectFlash(c, dossierURL(id)+"#reponses", "label.flash.saved")
	}
	if err := l.d.Labels.Submit(ctx, u, id); err != nil {
		if f.Fail(err) {
			f.Message = l.T(c, "label.submit.incomplete")
			return l.dossierWith(c, fiber.StatusUnprocessableEntity, f, "reponses")
		}
		return err
	}
	return l.RedirectFlash(c, dossierURL(id), "label.flash.submitted")
}

func (l *Capability) removeFile(c *fiber.Ctx) error {
	id, err := kit.PathID(c, "id")
	if err != nil {
		return err
	}
	fid, err := kit.PathID(c, "file")
	if err != nil {
		return err
	}
	// The button is in the answers' form: what was typed beside it is
	// saved first, so removing a file loses nothing.
	f := l.PostedForm(c)
	answers := map[string]string{}
	for name, vs := range f.Values {
		if code, ok := strings.CutPrefix(name, "reponses."); ok && len(vs) > 0 {
			answers[code] = vs[0]
		}
	}
	if len(answers) > 0 && !f.HasErrors() {
		if err := l.d.Labels.SaveAnswers(c.UserContext(), kit.User(c), id, answers); err != nil {
			if f.Fail(err) {
				return l.dossierWith(c, fiber.StatusUnprocessableEntity, f, "reponses")
			}
			return err
		}
	}
	if err := l.d.Labels.RemoveFile(c.UserContext(), kit.User(c), id, fid); err != nil {
		return err
	}
	return l.RedirectFlash(c, dossierURL(id)+"#reponses", "label.flash.file_removed")
}

// postMessage adds a message with its attachments (either side).
func (l *Capability) postMessage(c *fiber.Ctx) error {
	id, err := kit.PathID(c, "id")
	if err != nil {
		return err
	}
	f := l.PostedForm(c)
	if f.HasErrors() {
		return l.dossierWith(c, fiber.StatusUnprocessableEntity, f, "messages")
	}
	fhs, _ := uploads(c, "pieces")
	var ups []label.Upload
	for _, fh := range fhs {
		up, closer, err := upload(fh)
		if err != nil {
			return err
		}
		defer closer.Close()
		ups = append(ups, up)
	}
	if err := l.d.Labels.PostMessage(c.UserContext(), kit.User(c), id, f.Raw("texte"), ups); err != nil {
		if f.Fail(err) {
			return l.dossierWith(c, fiber.StatusUnprocessableEntity, f, "messages")
		}
		return err
	}
	return l.RedirectFlash(c, dossierURL(id)+"#messages", "label.flash.message_sent")
}

// file serves an evidence file or an attachment to who may see its
// application, as a download, with the type sniffed at upload.
func (l *Capability) file(c *fiber.Ctx) error {
	id, err := kit.PathID(c, "id")
	if err != nil {
		return err
	}
	ev, r, err := l.d.Labels.File(c.UserContext(), kit.User(c), id)
	if err != nil {
		return err
	}
	defer r.Close()
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	kit.NoStore(c)
	c.Set(fiber.HeaderContentType, ev.ContentType)
	c.Set("X-Content-Type-Options", "nosniff")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename*=UTF-8''`+url.PathEscape(ev.Name))
	return c.Send(b)
}
