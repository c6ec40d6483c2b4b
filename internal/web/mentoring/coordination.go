package mentoring

import (
	"encoding/csv"
	"sort"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"maillage/internal/maillage"
	"maillage/internal/mentoring"
	"maillage/internal/web/kit"
)

// coverageRow is a territory's coverage as a table shows it.
type coverageRow struct {
	mentoring.Coverage
	Percent string
}

func coverageRows(lang string, cs []mentoring.Coverage) []coverageRow {
	out := make([]coverageRow, len(cs))
	for i, c := range cs {
		out[i] = coverageRow{c, percent(lang, c.Percent())}
	}
	return out
}

// scopeOf reads the scope asked (?departement= or ?region=), else the
// person's first territory (national for an administrator), and checks it.
func (m *Capability) scopeOf(c *fiber.Ctx, get func(string) string) (mentoring.Scope, string, []mentoring.Territory, error) {
	u := kit.User(c)
	ctx := c.UserContext()
	scopes, err := m.d.Mentoring.Scopes(ctx, u)
	if err != nil {
		return mentoring.Scope{}, "", nil, err
	}
	if len(scopes) == 0 {
		return mentoring.Scope{}, "", nil, maillage.Errorf(maillage.EFORBIDDEN, "mentoring.scope.forbidden")
	}
	sc := mentoring.Scope{Departement: strings.ToUpper(maillage.StripControl(get("departement"))), Region: maillage.StripControl(get("region"))}
	if sc.Departement != "" {
		sc.Region = ""
	}
	if sc.National() && get("national") == "" {
		sc = scopes[0].Scope()
	}
	nom, err := m.d.Mentoring.CheckScope(ctx, u, sc)
	return sc, nom, scopes, err
}

type lonelyRow struct {
	mentoring.Lonely
	Nearest string
}

type coordinationData struct {
	Scope       mentoring.Scope
	Nom         string
	Scopes      []mentoring.Territory
	Total       coverageRow
	Rows        []coverageRow
	Lonely      []lonelyRow
	Loads       []mentoring.Load
	Waiting     []*mentoring.Request
	Map         *coverageMap
	Query       string
	ScopeChoice string
}

func scopeQuery(sc mentoring.Scope) string {
	switch {
	case sc.Departement != "":
		return "departement=" + sc.Departement
	case sc.Region != "":
		return "region=" + sc.Region
	}
	return "national=1"
}

// coordination is the coordinator's dashboard for a territory of their
// scope (national for administrators): coverage per département (table
// and map), conseillers alone since when with the nearest mentor, mentors'
// load, requests waiting.
func (m *Capability) coordination(c *fiber.Ctx) error {
	if v := c.Query("territoire"); v != "" {
		// The territory select of the page: "departement:69", "region:84", "national".
		kind, code, _ := strings.Cut(maillage.StripControl(v), ":")
		return kit.Redirect(c, "/mentorat/coordination?"+scopeQuery(mentoring.Territory{Kind: kind, Code: code}.Scope()))
	}
	sc, nom, scopes, err := m.scopeOf(c, queryOf(c))
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	u := kit.User(c)
	lang := kit.Lang(c)
	d := coordinationData{Scope: sc, Nom: nom, Scopes: scopes, Query: scopeQuery(sc)}
	d.ScopeChoice = "national"
	if sc.Departement != "" {
		d.ScopeChoice = maillage.ScopeDepartement + ":" + sc.Departement
	} else if sc.Region != "" {
		d.ScopeChoice = maillage.ScopeRegion + ":" + sc.Region
	}
	cov, err := m.d.Mentoring.Coverage(ctx, kit.Viewer(c), sc)
	if err != nil {
		return err
	}
	d.Rows = coverageRows(lang, cov)
	total := mentoring.Sum("", nom, cov)
	d.Total = coverageRow{total, percent(lang, total.Percent())}
	lonely, err := m.d.Mentoring.Lonely(ctx, u, sc)
	if err != nil {
		return err
	}
	for _, l := range lonely {
		row := lonelyRow{Lonely: l}
		if l.NearestKm != nil {
			row.Nearest = km(lang, *l.NearestKm)
		}
		d.Lonely = append(d.Lonely, row)
	}
	if d.Loads, err = m.d.Mentoring.Loads(ctx, u, sc); err != nil {
		return err
	}
	if d.Waiting, err = m.d.Mentoring.Waiting(ctx, u, sc); err != nil {
		return err
	}
	if d.Map, err = m.drawCoverage(c, cov, sc); err != nil {
		return err
	}
	page := m.Page(c, "mentoring.coordination.title", "mentoring", d)
	return m.Render(c, fiber.StatusOK, "mentoring/coordination", page)
}

// coordinationExport downloads the figures of the dashboard as CSV:
// ?table=couverture (per département, the default), seuls (conseillers
// alone) or mentors (their load); every cell neutralised (CSVCell).
func (m *Capability) coordinationExport(c *fiber.Ctx) error {
	sc, _, _, err := m.scopeOf(c, queryOf(c))
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	u := kit.User(c)
	var rows [][]string
	name := "couverture"
	switch c.Query("table") {
	case "seuls":
		name = "seuls"
		lonely, err := m.d.Mentoring.Lonely(ctx, u, sc)
		if err != nil {
			return err
		}
		rows = append(rows, []string{"profil", "nom", "commune", "departement", "seul_depuis", "mentor_le_plus_proche_km", "demandes_en_attente"})
		for _, l := range lonely {
			near := ""
			if l.NearestKm != nil {
				near = strconv.FormatFloat(*l.NearestKm, 'f', 1, 64)
			}
			rows = append(rows, []string{itoa(l.ProfileID), l.Name, l.Commune, l.Departement, l.Since.Format("2006-01-02"), near, strconv.Itoa(l.Waiting)})
		}
	case "mentors":
		name = "mentors"
		loads, err := m.d.Mentoring.Loads(ctx, u, sc)
		if err != nil {
			return err
		}
		rows = append(rows, []string{"profil", "nom", "departement", "capacite", "binomes_actifs", "demandes_en_attente", "en_pause"})
		for _, l := range loads {
			rows = append(rows, []string{itoa(l.ProfileID), l.Name, l.Departement, strconv.Itoa(l.Capacity), strconv.Itoa(l.Active), strconv.Itoa(l.Waiting), strconv.FormatBool(l.Paused)})
		}
	default:
		cov, err := m.d.Mentoring.Coverage(ctx, kit.Viewer(c), sc)
		if err != nil {
			return err
		}
		rows = coverageCSV("departement", cov, nil)
	}
	return writeCSV(c, "maillage-mentorat-"+name+".csv", rows)
}

// coverageCSV writes coverage rows (the open-data columns).
func coverageCSV(level string, cov []mentoring.Coverage, rows [][]string) [][]string {
	if rows == nil {
		rows = [][]string{{"niveau", "code", "nom", "conseillers", "conseillers_accompagnes", "conseillers_seuls", "taux_couverture",
			"mentors", "places", "places_libres", "demandes_en_attente"}}
	}
	for _, r := range cov {
		rows = append(rows, []string{level, r.Code, r.Nom, strconv.Itoa(r.Conseillers), strconv.Itoa(r.Covered), strconv.Itoa(r.Alone()),
			strconv.FormatFloat(r.Percent(), 'f', 1, 64), strconv.Itoa(r.Mentors), strconv.Itoa(r.Places), strconv.Itoa(r.PlacesLeft), strconv.Itoa(r.Waiting)})
	}
	return rows
}

func writeCSV(c *fiber.Ctx, filename string, rows [][]string) error {
	for _, row := range rows {
		for i := range row {
			row[i] = maillage.CSVCell(row[i])
		}
	}
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+filename+`"`)
	if kit.User(c) != nil {
		kit.NoStore(c)
	}
	return csv.NewWriter(c).WriteAll(rows)
}

// proposalRow is one proposal as the coordinator reviews it.
type proposalRow struct {
	Mentee   mentoring.Lonely
	Mentor   mentoring.Candidate
	Value    string // "mentee-mentor" user ids, the checkbox value
	Why      string
	Distance string
}

type proposalsData struct {
	Scope        mentoring.Scope
	Nom          string
	Query        string
	Rows         []proposalRow
	Uncovered    []mentoring.Lonely
	Alone        int
	Offering     int
	Covered      int
	DistanceKm   string
	Stats        mentoring.Stats
	Sent         []*mentoring.Request
	Refused      []refusalRow
	Confirmation bool
}

type refusalRow struct {
	Mentee, Mentor string
	Why            string
}

// proposals computes the optimal matching of the territory: proposals
// with their explanations, to confirm some or all.
func (m *Capability) proposals(c *fiber.Ctx) error {
	sc, nom, _, err := m.scopeOf(c, queryOf(c))
	if err != nil {
		return err
	}
	d, err := m.proposalsData(c, sc, nom)
	if err != nil {
		return err
	}
	return m.Render(c, fiber.StatusOK, "mentoring/proposals", m.Page(c, "mentoring.proposals.title", "mentoring", d))
}

func (m *Capability) proposalsData(c *fiber.Ctx, sc mentoring.Scope, nom string) (*proposalsData, error) {
	lang := kit.Lang(c)
	pr, err := m.d.Mentoring.Propose(c.UserContext(), kit.User(c), sc)
	if err != nil {
		return nil, err
	}
	d := &proposalsData{Scope: sc, Nom: nom, Query: scopeQuery(sc), Alone: pr.Alone, Offering: pr.Offering,
		Covered: pr.Result.Covered, DistanceKm: km(lang, pr.Result.DistanceKm), Stats: pr.Result.Stats}
	for _, p := range pr.Result.Proposals {
		d.Rows = append(d.Rows, proposalRow{Mentee: pr.Mentees[p.MenteeID], Mentor: pr.Mentors[p.MentorID],
			Value: itoa(p.MenteeID) + "-" + itoa(p.MentorID), Distance: km(lang, p.DistanceKm),
			Why: m.explain(lang, mentoring.Explain(p, pr.Mentors[p.MentorID].Mentor.Capacity, mentoring.ForCoordinator))})
	}
	for _, id := range pr.Result.Uncovered {
		d.Uncovered = append(d.Uncovered, pr.Mentees[id])
	}
	sort.SliceStable(d.Uncovered, func(a, b int) bool { return d.Uncovered[a].Since.Before(d.Uncovered[b].Since) })
	return d, nil
}

// proposalsConfirm turns the chosen proposals into requests sent to the
// mentors, and says which could not be sent and why.
func (m *Capability) proposalsConfirm(c *fiber.Ctx) error {
	f := m.PostedForm(c)
	sc, nom, _, err := m.scopeOf(c, f.Value)
	if err != nil {
		return err
	}
	var pairs []mentoring.Pair
	for _, v := range f.List("pairs") {
		a, b, ok := strings.Cut(v, "-")
		e, err1 := strconv.ParseInt(a, 10, 64)
		mt, err2 := strconv.ParseInt(b, 10, 64)
		if ok && err1 == nil && err2 == nil {
			pairs = append(pairs, mentoring.Pair{MenteeID: e, MentorID: mt})
		}
	}
	if len(pairs) == 0 {
		d, err := m.proposalsData(c, sc, nom)
		if err != nil {
			return err
		}
		page := m.Page(c, "mentoring.proposals.title", "mentoring", d)
		page.Form = f
		f.Add("pairs", "mentoring.proposal.none_chosen")
		return m.Render(c, fiber.StatusUnprocessableEntity, "mentoring/proposals", page)
	}
	sent, refused, err := m.d.Mentoring.ConfirmProposals(c.UserContext(), kit.User(c), sc, pairs, kit.Lang(c))
	if err != nil {
		return err
	}
	lang := kit.Lang(c)
	d := &proposalsData{Scope: sc, Nom: nom, Query: scopeQuery(sc), Sent: sent, Confirmation: true}
	names := map[int64]string{}
	if pr, err := m.d.Mentoring.Propose(c.UserContext(), kit.User(c), sc); err == nil {
		for id, l := range pr.Mentees {
			names[id] = l.Name
		}
		for id, mt := range pr.Mentors {
			names[id] = mt.Name
		}
	}
	for _, r := range refused {
		d.Refused = append(d.Refused, refusalRow{Mentee: names[r.Pair.MenteeID], Mentor: names[r.Pair.MentorID],
			Why: m.Catalog.T(lang, r.Problem.Key, r.Problem.Args...)})
	}
	page := m.Page(c, "mentoring.proposals.done", "mentoring", d)
	return m.Render(c, fiber.StatusOK, "mentoring/proposals", page)
}

// observatoryData is the public observatory: aggregate figures only.
type observatoryData struct {
	Total        coverageRow
	Regions      []coverageRow
	Departements []coverageRow
	Map          *coverageMap
}

// observatory is the public page of coverage: per région and
// département, with the map; nobody is named.
func (m *Capability) observatory(c *fiber.Ctx) error {
	ctx := c.UserContext()
	lang := kit.Lang(c)
	deps, err := m.d.Mentoring.Coverage(ctx, maillage.Anonymous, mentoring.Scope{})
	if err != nil {
		return err
	}
	regs, err := m.d.Mentoring.RegionCoverage(ctx, maillage.Anonymous)
	if err != nil {
		return err
	}
	total := mentoring.Sum("", "", deps)
	d := observatoryData{Total: coverageRow{total, percent(lang, total.Percent())}, Regions: coverageRows(lang, regs), Departements: coverageRows(lang, deps)}
	if d.Map, err = m.drawCoverage(c, deps, mentoring.Scope{}); err != nil {
		return err
	}
	return m.Render(c, fiber.StatusOK, "mentoring/observatory", m.Page(c, "mentoring.observatory.title", "observatory", d))
}

// openCoverage is the open-data document of the observatory.
type openCoverage struct {
	Licence      string               `json:"licence"`
	Source       string               `json:"source"`
	Total        mentoring.Coverage   `json:"total"`
	Regions      []mentoring.Coverage `json:"regions"`
	Departements []mentoring.Coverage `json:"departements"`
}

func (m *Capability) openData(c *fiber.Ctx) (*openCoverage, error) {
	ctx := c.UserContext()
	deps, err := m.d.Mentoring.Coverage(ctx, maillage.Anonymous, mentoring.Scope{})
	if err != nil {
		return nil, err
	}
	regs, err := m.d.Mentoring.RegionCoverage(ctx, maillage.Anonymous)
	if err != nil {
		return nil, err
	}
	return &openCoverage{Licence: "Licence Ouverte 2.0", Source: m.Config.BaseURL.String() + "/observatoire",
		Total: mentoring.Sum("FR", "France", deps), Regions: regs, Departements: deps}, nil
}

// observatoryCSV is the open-data export of the observatory (régions,
// then départements).
func (m *Capability) observatoryCSV(c *fiber.Ctx) error {
	d, err := m.openData(c)
	if err != nil {
		return err
	}
	rows := coverageCSV("france", []mentoring.Coverage{d.Total}, nil)
	rows = coverageCSV("region", d.Regions, rows)
	rows = coverageCSV("departement", d.Departements, rows)
	return writeCSV(c, "maillage-observatoire-couverture.csv", rows)
}

// observatoryJSON is the same as JSON.
func (m *Capability) observatoryJSON(c *fiber.Ctx) error {
	d, err := m.openData(c)
	if err != nil {
		return err
	}
	return kit.JSON(c, d)
}

// queryOf reads query parameters as a form does.
func queryOf(c *fiber.Ctx) func(string) string {
	return func(k string) string { return c.Query(k) }
}
