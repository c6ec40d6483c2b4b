package label

import (
	"bytes"
	"io"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"maillage/internal/label"
	"maillage/internal/maillage"
	"maillage/internal/web/kit"
)

// The reviewers' pages.

// tab is one tab of the queue.
type tab struct {
	Key     string
	URL     string
	Count   int
	Current bool
}

// queuePage is what the queue shows.
type queuePage struct {
	Apps        []*label.Application
	Total       int
	F           label.Filter
	Tabs        []tab
	Programmes  []*label.Programme
	States      []string
	Sorts       []string
	Team        []label.TeamMember
	Lead        bool
	Columns     []string
	Defaults    []string
	Page, Pages int
	Prev, Next  string
	Hidden      url.Values // the filter, for the bulk and export forms
	Degraded    bool
	Done        int
	Skipped     int
	Now         time.Time
	Actions     []string
}

// filterOf reads the queue's filter from the query (or a posted form).
func (l *Capability) filterOf(c *fiber.Ctx, get func(string) string) label.Filter {
	f := label.Filter{Viewer: kit.User(c), Tab: get("onglet"), Programme: get("programme"), State: get("etat"),
		Departement: get("departement"), Query: get("q"), Sort: get("tri")}
	if n, err := strconv.Atoi(get("page")); err == nil && n > 1 && n < 10000 {
		f.Offset = (n - 1) * 25
	}
	f.Limit = 25
	f.Normalize()
	return f
}

// search resolves the text of a filter through the restricted index; when
// the engine cannot be reached, storage searches the names (degraded).
func (l *Capability) search(c *fiber.Ctx, f *label.Filter) (degraded bool, err error) {
	if f.Query == "" || l.d.Search == nil {
		return false, nil
	}
	found, err := l.d.Search.SearchApplications(c.UserContext(), f.Viewer, f.Query)
	switch maillage.ErrorCode(err) {
	case "":
		f.IDs, f.HasIDs = found, true
		return false, nil
	case maillage.EUNAVAILABLE:
		return true, nil
	}
	return false, err
}

func hidden(f label.Filter) url.Values {
	v := url.Values{}
	for k, x := range map[string]string{"onglet": f.Tab, "programme": f.Programme, "etat": f.State, "departement": f.Departement, "q": f.Query, "tri": f.Sort} {
		if x != "" {
			v.Set(k, x)
		}
	}
	return v
}

func (l *Capability) queue(c *fiber.Ctx) error {
	return l.queueWith(c, fiber.StatusOK, l.filterOf(c, func(k string) string { return c.Query(k) }), nil)
}

func (l *Capability) queueWith(c *fiber.Ctx, status int, f label.Filter, form *kit.Form) error {
	ctx, u := c.UserContext(), kit.User(c)
	if !label.IsReviewer(u) {
		return maillage.Errorf(maillage.EFORBIDDEN, "label.review.forbidden")
	}
	degraded, err := l.search(c, &f)
	if err != nil {
		return err
	}
	apps, total, err := l.d.Labels.Queue(ctx, f)
	if err != nil {
		return err
	}
	counts, err := l.d.Labels.Counts(ctx, u)
	if err != nil {
		return err
	}
	v := &queuePage{Apps: apps, Total: total, F: f, States: label.States[1:], Sorts: label.Sorts, Columns: label.ExportColumns,
		Defaults: label.DefaultExportColumns, Degraded: degraded, Hidden: hidden(f), Actions: label.BulkActions, Now: l.Now()}
	v.Done, _ = strconv.Atoi(c.Query("fait"))
	v.Skipped, _ = strconv.Atoi(c.Query("ignores"))
	for _, t := range label.Tabs {
		q := hidden(f)
		q.Set("onglet", t)
		q.Del("page")
		v.Tabs = append(v.Tabs, tab{Key: t, URL: "/labels/instruction?" + q.Encode(), Count: counts[t], Current: t == f.Tab})
	}
	all, err := l.d.Labels.Programmes(ctx)
	if err != nil {
		return err
	}
	seen := map[int64]bool{}
	for _, p := range all {
		if !label.Reviews(u, p.Code) {
			continue
		}
		v.Programmes = append(v.Programmes, p)
		team, err := l.d.Labels.Team(ctx, u, p.Code)
		if err != nil {
			return err
		}
		for _, m := range team {
			if !seen[m.UserID] {
				seen[m.UserID] = true
				v.Team = append(v.Team, m)
			}
			if m.UserID == u.ID && m.Lead {
				v.Lead = true
			}
		}
	}
	v.Lead = v.Lead || u.Has(maillage.RoleAdministrateur)
	v.Page = f.Offset/f.Limit + 1
	v.Pages = (total + f.Limit - 1) / f.Limit
	pageURL := func(n int) string {
		q := hidden(f)
		q.Set("page", strconv.Itoa(n))
		return "/labels/instruction?" + q.Encode()
	}
	if v.Page > 1 {
		v.Prev = pageURL(v.Page - 1)
	}
	if v.Page < v.Pages {
		v.Next = pageURL(v.Page + 1)
	}
	p := l.Page(c, "label.queue.title", "label", v)
	if form == nil {
		form = l.NewForm(c)
		form.Set("colonnes", label.DefaultExportColumns...)
	}
	p.Form = form
	return l.Render(c, status, "label/queue", p)
}

// bulk applies one action to the applications ticked, or to every
// application matching the filter (across pages).
func (l *Capability) bulk(c *fiber.Ctx) error {
	form := l.PostedForm(c)
	f := l.filterOf(c, form.Value)
	if form.HasErrors() {
		return l.queueWith(c, fiber.StatusUnprocessableEntity, f, form)
	}
	ctx, u := c.UserContext(), kit.User(c)
	if !label.IsReviewer(u) {
		return maillage.Errorf(maillage.EFORBIDDEN, "label.review.forbidden")
	}
	action := form.Value("action")
	if !slices.Contains(label.BulkActions, action) {
		form.Add("action", "label.bulk.choose")
		return l.queueWith(c, fiber.StatusUnprocessableEntity, f, form)
	}
	var targets []int64
	if form.Value("tout") == "1" {
		all := f
		all.AllIDs = true
		if _, err := l.search(c, &all); err != nil {
			return err
		}
		apps, _, err := l.d.Labels.Queue(ctx, all)
		if err != nil {
			return err
		}
		for _, a := range apps {
			targets = append(targets, a.ID)
		}
	} else {
		targets = ids(form.List("ids"))
	}
	if len(targets) == 0 {
		form.Add("ids", "label.bulk.none")
		return l.queueWith(c, fiber.StatusUnprocessableEntity, f, form)
	}
	reviewer, _ := strconv.ParseInt(form.Value("instructeur"), 10, 64)
	res, err := l.d.Labels.Bulk(ctx, u, action, targets, reviewer, form.Raw("motivation"))
	if err != nil {
		if form.Fail(err) {
			return l.queueWith(c, fiber.StatusUnprocessableEntity, f, form)
		}
		return err
	}
	q := hidden(f)
	q.Set("fait", strconv.Itoa(res.Done))
	q.Set("ignores", strconv.Itoa(len(res.Skipped)))
	return l.RedirectFlash(c, "/labels/instruction?"+q.Encode(), "label.flash.bulk")
}

// export writes the applications matching the filter with the columns
// chosen, in CSV or XLSX; a large export is prepared in the background and
// its link sent by mail.
func (l *Capability) export(c *fiber.Ctx) error {
	form := l.PostedForm(c)
	f := l.filterOf(c, form.Value)
	ctx, u := c.UserContext(), kit.User(c)
	if !label.IsReviewer(u) {
		return maillage.Errorf(maillage.EFORBIDDEN, "label.review.forbidden")
	}
	format := form.Value("format")
	if format != label.FormatCSV && format != label.FormatXLSX {
		form.Add("format", "label.export.format")
		return l.queueWith(c, fiber.StatusUnprocessableEntity, f, form)
	}
	cols := label.ExportColumnsFor(form.List("colonnes"), true)
	if len(form.List("colonnes")) == 0 {
		form.Add("colonnes", "label.export.columns")
		return l.queueWith(c, fiber.StatusUnprocessableEntity, f, form)
	}
	if _, err := l.search(c, &f); err != nil {
		return err
	}
	count := f
	count.Limit = 1
	_, total, err := l.d.Labels.Queue(ctx, count)
	if err != nil {
		return err
	}
	if total > label.LargeExport {
		if _, err := l.d.Labels.StartExport(ctx, f, cols, format); err != nil {
			return err
		}
		return l.RedirectFlash(c, "/labels/instruction?"+hidden(f).Encode(), "label.flash.export_started")
	}
	rows, _, err := l.d.Labels.Export(ctx, f, cols)
	if err != nil {
		return err
	}
	header := make([]string, len(cols))
	for i, col := range cols {
		header[i] = l.T(c, "label.column."+col)
	}
	var b bytes.Buffer
	if format == label.FormatXLSX {
		err = label.WriteXLSX(&b, cols, header, rows)
	} else {
		err = label.WriteCSV(&b, cols, header, rows)
	}
	if err != nil {
		return err
	}
	return sendExport(c, format, b.Bytes())
}

func sendExport(c *fiber.Ctx, format string, b []byte) error {
	kit.NoStore(c)
	if format == label.FormatXLSX {
		c.Set(fiber.HeaderContentType, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	} else {
		c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	}
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="dossiers-label.`+format+`"`)
	return c.Send(b)
}

// exportFile serves a background export to its requester.
func (l *Capability) exportFile(c *fiber.Ctx) error {
	id, err := kit.PathID(c, "id")
	if err != nil {
		return err
	}
	format, r, err := l.d.Labels.ExportFile(c.UserContext(), kit.User(c), id)
	if err != nil {
		return err
	}
	defer r.Close()
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	return sendExport(c, format, b)
}

func (l *Capability) follow(c *fiber.Ctx) error {
	id, err := kit.PathID(c, "id")
	if err != nil {
		return err
	}
	u := kit.User(c)
	if _, err := l.d.Labels.Assign(c.UserContext(), u, []int64{id}, u.ID); err != nil {
		return err
	}
	return l.RedirectFlash(c, dossierURL(id), "label.flash.followed")
}

func (l *Capability) assign(c *fiber.Ctx) error {
	id, err := kit.PathID(c, "id")
	if err != nil {
		return err
	}
	f := l.PostedForm(c)
	reviewer, _ := strconv.ParseInt(f.Value("instructeur"), 10, 64)
	if reviewer <= 0 {
		f.Add("instructeur", "label.assign.choose")
		return l.dossierWith(c, fiber.StatusUnprocessableEntity, f, "suivi")
	}
	if _, err := l.d.Labels.Assign(c.UserContext(), kit.User(c), []int64{id}, reviewer); err != nil {
		if maillage.ErrorCode(err) == maillage.EFORBIDDEN {
			key, args := maillage.ErrorKey(err)
			f.Add("instructeur", key, args...)
			return l.dossierWith(c, fiber.StatusForbidden, f, "suivi")
		}
		return err
	}
	return l.RedirectFlash(c, dossierURL(id), "label.flash.assigned")
}

func (l *Capability) unfollow(c *fiber.Ctx) error {
	id, err := kit.PathID(c, "id")
	if err != nil {
		return err
	}
	f := l.PostedForm(c)
	u := kit.User(c)
	reviewer := u.ID
	if n, err := strconv.ParseInt(f.Value("instructeur"), 10, 64); err == nil && n > 0 {
		reviewer = n
	}
	if err := l.d.Labels.Unassign(c.UserContext(), u, id, reviewer); err != nil {
		return err
	}
	return l.RedirectFlash(c, dossierURL(id), "label.flash.unfollowed")
}

// move starts the review, asks for corrections or reopens a decision.
func (l *Capability) move(c *fiber.Ctx) error {
	id, err := kit.PathID(c, "id")
	if err != nil {
		return err
	}
	f := l.PostedForm(c)
	if f.HasErrors() {
		return l.dossierWith(c, fiber.StatusUnprocessableEntity, f, "etat")
	}
	to := f.Value("etat")
	if !slices.Contains(label.States, to) || label.IsDecision(to) {
		f.Add("etat", maillage.KeyNotInList)
		return l.dossierWith(c, fiber.StatusUnprocessableEntity, f, "etat")
	}
	if err := l.d.Labels.Move(c.UserContext(), kit.User(c), id, to, f.Raw("motivation")); err != nil {
		if f.Fail(err) {
			return l.dossierWith(c, fiber.StatusUnprocessableEntity, f, "etat")
		}
		return err
	}
	return l.RedirectFlash(c, dossierURL(id), "label.flash.moved")
}

// decisionPage lists every open major non-conformity before the decision.
func (l *Capability) decisionPage(c *fiber.Ctx) error { return l.decisionWith(c, fiber.StatusOK, nil) }

func (l *Capability) decisionWith(c *fiber.Ctx, status int, f *kit.Form) error {
	id, err := kit.PathID(c, "id")
	if err != nil {
		return err
	}
	d, err := l.d.Labels.Find(c.UserContext(), kit.User(c), id)
	if err != nil {
		return err
	}
	if !d.Reviewer {
		return maillage.Errorf(maillage.EFORBIDDEN, "label.review.forbidden")
	}
	v := l.dossierData(d)
	p := l.Page(c, "", "label", v)
	p.Title = l.T(c, "label.decision.title", "Name", d.App.StructureNom)
	if f == nil {
		f = l.NewForm(c)
	}
	p.Form = f
	return l.Render(c, status, "label/decision", p)
}

func (l *Capability) decide(c *fiber.Ctx) error {
	id, err := kit.PathID(c, "id")
	if err != nil {
		return err
	}
	f := l.PostedForm(c)
	if f.HasErrors() {
		return l.decisionWith(c, fiber.StatusUnprocessableEntity, f)
	}
	to := f.Value("decision")
	if !label.IsDecision(to) {
		f.Add("decision", "label.decision.choose")
		return l.decisionWith(c, fiber.StatusUnprocessableEntity, f)
	}
	if err := l.d.Labels.Move(c.UserContext(), kit.User(c), id, to, f.Raw("motivation")); err != nil {
		if f.Fail(err) {
			return l.decisionWith(c, fiber.StatusUnprocessableEntity, f)
		}
		return err
	}
	return l.RedirectFlash(c, dossierURL(id), "label.flash.decided")
}

// assess records the grades and comments of the indicators graded.
func (l *Capability) assess(c *fiber.Ctx) error {
	id, err := kit.PathID(c, "id")
	if err != nil {
		return err
	}
	f := l.PostedForm(c)
	if f.HasErrors() {
		return l.dossierWith(c, fiber.StatusUnprocessableEntity, f, "appreciations")
	}
	d, err := l.d.Labels.Find(c.UserContext(), kit.User(c), id)
	if err != nil {
		return err
	}
	var as []label.Assessment
	for _, in := range d.Programme.Indicators() {
		k := "appreciations." + in.Code
		if g := f.Value(k + ".appreciation"); g != "" {
			as = append(as, label.Assessment{Indicator: in.Code, Grade: g, Comment: f.Raw(k + ".commentaire")})
		}
	}
	if err := l.d.Labels.Assess(c.UserContext(), kit.User(c), id, as); err != nil {
		if f.Fail(err) {
			return l.dossierWith(c, fiber.StatusUnprocessableEntity, f, "appreciations")
		}
		return err
	}
	return l.RedirectFlash(c, dossierURL(id)+"#appreciations", "label.flash.assessed")
}

func (l *Capability) addNote(c *fiber.Ctx) error {
	id, err := kit.PathID(c, "id")
	if err != nil {
		return err
	}
	f := l.PostedForm(c)
	if f.HasErrors() {
		return l.dossierWith(c, fiber.StatusUnprocessableEntity, f, "notes")
	}
	if err := l.d.Labels.AddNote(c.UserContext(), kit.User(c), id, f.Raw("note")); err != nil {
		if f.Fail(err) {
			return l.dossierWith(c, fiber.StatusUnprocessableEntity, f, "notes")
		}
		return err
	}
	return l.RedirectFlash(c, dossierURL(id)+"#notes", "label.flash.note")
}

func (l *Capability) askOpinion(c *fiber.Ctx) error {
	id, err := kit.PathID(c, "id")
	if err != nil {
		return err
	}
	f := l.PostedForm(c)
	if f.HasErrors() {
		return l.dossierWith(c, fiber.StatusUnprocessableEntity, f, "avis")
	}
	reviewer, _ := strconv.ParseInt(f.Value("avis_de"), 10, 64)
	if err := l.d.Labels.AskOpinion(c.UserContext(), kit.User(c), id, reviewer, f.Raw("question"), f.On("confidentiel")); err != nil {
		if f.Fail(err) {
			return l.dossierWith(c, fiber.StatusUnprocessableEntity, f, "avis")
		}
		return err
	}
	return l.RedirectFlash(c, dossierURL(id)+"#avis", "label.flash.opinion_asked")
}

func (l *Capability) answerOpinion(c *fiber.Ctx) error {
	oid, err := kit.PathID(c, "id")
	if err != nil {
		return err
	}
	f := l.PostedForm(c)
	appID, err := l.d.Labels.AnswerOpinion(c.UserContext(), kit.User(c), oid, f.Raw("reponse"))
	if err != nil {
		if f.Fail(err) && appID > 0 {
			return l.dossierOf(c, appID, f)
		}
		return err
	}
	return l.RedirectFlash(c, dossierURL(appID)+"#avis", "label.flash.opinion_answered")
}

// dossierOf redraws the dossier page of an application whose id is not
// the route's (an opinion's form).
func (l *Capability) dossierOf(c *fiber.Ctx, appID int64, f *kit.Form) error {
	d, err := l.d.Labels.Find(c.UserContext(), kit.User(c), appID)
	if err != nil {
		return err
	}
	v := l.dossierData(d)
	p := l.Page(c, "", "label", v)
	p.Title = l.T(c, "label.dossier.title", "Name", d.App.StructureNom)
	p.Form = f
	return l.Render(c, fiber.StatusUnprocessableEntity, "label/dossier", p)
}

func (l *Capability) remindOpinion(c *fiber.Ctx) error {
	oid, err := kit.PathID(c, "id")
	if err != nil {
		return err
	}
	appID, err := l.d.Labels.RemindOpinion(c.UserContext(), kit.User(c), oid)
	if err != nil {
		return err
	}
	return l.RedirectFlash(c, dossierURL(appID)+"#avis", "label.flash.opinion_reminded")
}

func (l *Capability) withdraw(c *fiber.Ctx) error {
	lid, err := kit.PathID(c, "id")
	if err != nil {
		return err
	}
	f := l.PostedForm(c)
	app, _ := strconv.ParseInt(f.Value("dossier"), 10, 64)
	if err := l.d.Labels.Withdraw(c.UserContext(), kit.User(c), lid, f.Raw("motif")); err != nil {
		if f.Fail(err) && app > 0 {
			return l.dossierOf(c, app, f)
		}
		return err
	}
	if app > 0 {
		return l.RedirectFlash(c, dossierURL(app), "label.flash.withdrawn")
	}
	return l.RedirectFlash(c, "/labels/registre", "label.flash.withdrawn")
}

// teamPage is the reviewers of a programme.
type teamPage struct {
	Programme *label.Programme
	Team      []label.TeamMember
	Admin     bool
}

func (l *Capability) team(c *fiber.Ctx) error { return l.teamWith(c, fiber.StatusOK, nil) }

func (l *Capability) teamWith(c *fiber.Ctx, status int, f *kit.Form) error {
	ctx, u := c.UserContext(), kit.User(c)
	p, err := l.d.Labels.Programme(ctx, c.Params("code"))
	if err != nil {
		return err
	}
	team, err := l.d.Labels.Team(ctx, u, p.Code)
	if err != nil {
		return err
	}
	page := l.Page(c, "", "label", teamPage{Programme: p, Team: team, Admin: u.Has(maillage.RoleAdministrateur)})
	page.Title = l.T(c, "label.team.title", "Programme", p.Title)
	if f == nil {
		f = l.NewForm(c)
	}
	page.Form = f
	return l.Render(c, status, "label/team", page)
}

func (l *Capability) setLead(c *fiber.Ctx) error {
	f := l.PostedForm(c)
	uid, _ := strconv.ParseInt(f.Value("user_id"), 10, 64)
	code := c.Params("code")
	if err := l.d.Labels.SetLead(c.UserContext(), kit.User(c), code, uid, f.Value("responsable") == "true"); err != nil {
		if f.Fail(err) {
			return l.teamWith(c, fiber.StatusUnprocessableEntity, f)
		}
		return err
	}
	return l.RedirectFlash(c, "/labels/equipe/"+url.PathEscape(code), "label.flash.lead")
}

// declareTie records a reviewer's tie with a structure (conflict of interest).
func (l *Capability) declareTie(c *fiber.Ctx) error {
	f := l.PostedForm(c)
	sid, _ := strconv.ParseInt(f.Value("structure_id"), 10, 64)
	code := f.Value("programme")
	if sid <= 0 {
		f.Add("structure_id", "label.structure.choose")
		return l.redrawTeam(c, code, f)
	}
	if err := l.d.Labels.DeclareTie(c.UserContext(), kit.User(c), sid, f.Raw("motif")); err != nil {
		if f.Fail(err) {
			return l.redrawTeam(c, code, f)
		}
		return err
	}
	if code != "" {
		return l.RedirectFlash(c, "/labels/equipe/"+url.PathEscape(code), "label.flash.tie")
	}
	return l.RedirectFlash(c, "/labels/instruction", "label.flash.tie")
}

// redrawTeam shows the team page of a programme named in a form.
func (l *Capability) redrawTeam(c *fiber.Ctx, code string, f *kit.Form) error {
	ctx, u := c.UserContext(), kit.User(c)
	p, err := l.d.Labels.Programme(ctx, code)
	if err != nil {
		return maillage.Invalid("structure_id", "label.structure.choose")
	}
	team, err := l.d.Labels.Team(ctx, u, p.Code)
	if err != nil {
		return err
	}
	page := l.Page(c, "", "label", teamPage{Programme: p, Team: team, Admin: u.Has(maillage.RoleAdministrateur)})
	page.Title = l.T(c, "label.team.title", "Programme", p.Title)
	page.Form = f
	return l.Render(c, fiber.StatusUnprocessableEntity, "label/team", page)
}
