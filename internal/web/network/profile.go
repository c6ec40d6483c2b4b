package network

import (
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"maillage/internal/maillage"
	"maillage/internal/web/kit"
)

func itoa(id int64) string { return strconv.FormatInt(id, 10) }

// profileLists is what the profile form offers.
type profileLists struct {
	Kinds          []maillage.ProfileKind
	Domains        []*maillage.Domain
	Competences    []*maillage.Competence
	Levels         []*maillage.Level
	Certifications []*maillage.Certification
	Fields         []string
	Visibilities   []maillage.Visibility
	Radii          []int
	Candidates     []*maillage.Commune
	Evidence       map[string]maillage.EvidenceKind // competence code → how it was earned, when not declared
	Exists         bool
	ProfileID      int64
}

func (n *Capability) profileLists(c *fiber.Ctx) (*profileLists, error) {
	ctx := c.UserContext()
	d := &profileLists{Kinds: maillage.ProfileKinds, Fields: maillage.ProfileFields, Visibilities: maillage.Visibilities,
		Radii: maillage.MentorRadii, Evidence: map[string]maillage.EvidenceKind{}}
	var err error
	if d.Domains, err = n.d.Referential.FindDomains(ctx); err != nil {
		return nil, err
	}
	if d.Competences, _, err = n.d.Referential.FindCompetences(ctx, maillage.CompetenceFilter{}); err != nil {
		return nil, err
	}
	if d.Levels, err = n.d.Referential.FindLevels(ctx); err != nil {
		return nil, err
	}
	if d.Certifications, _, err = n.d.Referential.FindCertifications(ctx, maillage.CertificationFilter{Limit: 100}); err != nil {
		return nil, err
	}
	return d, nil
}

// profileForm is the profile editor. Its input names are the field paths
// of ProfileUpdate.Validate (the JSON body of PUT /api/moi/profil):
// kind, display_name, code_insee, bio, pix_level, open_to_work,
// mentor.available, mentor.capacity, mentor.radius_km, mentor.remote,
// mentor.themes, competences.<code>.level, titles, visibility.<field>.
type profileForm struct{ *kit.Form }

// fill sets the form from a stored profile (nil: a new one).
func (f profileForm) fill(u *maillage.User, p *maillage.Profile) {
	f.Set("display_name", u.DisplayName)
	f.Set("kind", string(maillage.KindConseiller))
	f.Set("mentor.radius_km", "20")
	f.Set("mentor.capacity", "0")
	for _, field := range maillage.ProfileFields {
		f.Set("visibility."+field, string(maillage.DefaultVisibility[field]))
	}
	if p == nil {
		return
	}
	f.Set("kind", string(p.Kind))
	f.Set("display_name", p.DisplayName)
	f.Set("bio", p.Bio)
	if p.CodeInsee != "" {
		f.Set("code_insee", p.Commune+" ("+p.CodeInsee+")")
	}
	if p.PixLevel != nil {
		f.Set("pix_level", strconv.Itoa(*p.PixLevel))
	}
	if p.OpenToWork != nil && *p.OpenToWork {
		f.Set("open_to_work", "on")
	}
	if m := p.Mentor; m != nil {
		if m.Available {
			f.Set("mentor.available", "on")
		}
		if m.Remote {
			f.Set("mentor.remote", "on")
		}
		f.Set("mentor.capacity", strconv.Itoa(m.Capacity))
		f.Set("mentor.radius_km", strconv.Itoa(m.RadiusKm))
		f.Set("mentor.themes", strings.Join(m.Themes, ", "))
	}
	for _, c := range p.Competences {
		f.Set("competences."+c.Code+".level", strconv.Itoa(c.Level))
	}
	var titles []string
	for _, t := range p.Titles {
		titles = append(titles, maillage.TitleRef(t))
	}
	f.Set("titles", titles...)
	for _, field := range maillage.ProfileFields {
		f.Set("visibility."+field, string(p.Vis(field)))
	}
}

// update reads the posted form into a profile update; the commune typed
// is resolved (one commune, or candidates to choose from).
func (n *Capability) update(c *fiber.Ctx, f profileForm, lists *profileLists) maillage.ProfileUpdate {
	kind := maillage.ProfileKind(f.Value("kind"))
	name, bio := f.Value("display_name"), f.Raw("bio")
	u := maillage.ProfileUpdate{Kind: &kind, DisplayName: &name, Bio: &bio}

	code := ""
	if pick := f.Value("code_insee_choice"); pick != "" {
		got, err := n.d.Territories.FindCommuneByCode(c.UserContext(), pick)
		switch {
		case err == nil:
			code = got.CodeInsee
			f.Set("code_insee", got.Nom+" ("+got.CodeInsee+")")
		case maillage.ErrorCode(err) == maillage.ENOTFOUND:
			// A choice no commune has (a stale page, an edited form):
			// said next to the field, never a commune cleared silently.
			f.Add("code_insee", "network.commune.unknown")
		default:
			f.Add("code_insee", "error.internal")
		}
	} else if text := f.Value("code_insee"); text != "" {
		got, cands, err := n.d.Territories.ResolveCommune(c.UserContext(), text)
		switch {
		case err != nil:
			f.Add("code_insee", "error.internal")
		case got != nil:
			code = got.CodeInsee
			f.Set("code_insee", got.Nom+" ("+got.CodeInsee+")")
		case len(cands) > 0:
			lists.Candidates = cands
			f.Add("code_insee", "network.commune.choose")
		default:
			f.Add("code_insee", "network.commune.unknown")
		}
	}
	u.Commune = &code

	var pix *int
	if x := f.Value("pix_level"); x != "" {
		if v, err := strconv.Atoi(x); err != nil {
			f.Add("pix_level", "network.profile.pix_level.range", "Max", maillage.MaxPixLevel)
		} else {
			pix = &v
		}
	}
	u.PixLevel = &pix
	open := f.On("open_to_work")
	u.OpenToWork = &open

	m := maillage.MentorSettings{Available: f.On("mentor.available"), Remote: f.On("mentor.remote")}
	var err error
	if m.Capacity, err = strconv.Atoi(f.Value("mentor.capacity")); err != nil {
		f.Add("mentor.capacity", "network.profile.mentor.capacity.range", "Max", maillage.MaxCapacity)
	}
	if m.RadiusKm, err = strconv.Atoi(f.Value("mentor.radius_km")); err != nil {
		f.Add("mentor.radius_km", "network.profile.mentor.radius.invalid")
	}
	m.Themes = strings.Split(f.Value("mentor.themes"), ",")
	u.Mentor = &m

	var comps []maillage.ProfileCompetence
	for _, comp := range lists.Competences {
		field := "competences." + comp.Code + ".level"
		if x := f.Value(field); x != "" && x != "0" {
			level, err := strconv.Atoi(x)
			if err != nil {
				f.Add(field, "network.profile.competence.level")
				continue
			}
			comps = append(comps, maillage.ProfileCompetence{Code: comp.Code, Level: level})
		}
	}
	u.Competences = &comps

	var titles []maillage.ProfileTitle
	for _, ref := range f.List("titles") {
		cert, bloc, _ := strings.Cut(ref, "/")
		titles = append(titles, maillage.ProfileTitle{CertificationCode: cert, BlocCode: bloc})
	}
	u.Titles = &titles

	u.Visibility = map[string]maillage.Visibility{}
	for _, field := range maillage.ProfileFields {
		if x := f.Value("visibility." + field); x != "" {
			u.Visibility[field] = maillage.Visibility(x)
		}
	}
	return u
}

// profileEdit shows "my profile".
func (n *Capability) profileEdit(c *fiber.Ctx) error {
	u := kit.User(c)
	lists, err := n.profileLists(c)
	if err != nil {
		return err
	}
	p, err := n.d.Profiles.FindProfileByUserID(c.UserContext(), u.ID)
	if err != nil && maillage.ErrorCode(err) != maillage.ENOTFOUND {
		return err
	}
	f := profileForm{n.NewForm(c)}
	if p != nil {
		lists.Exists, lists.ProfileID = true, p.ID
		for _, comp := range p.Competences {
			if comp.Evidence != maillage.EvidenceDeclared {
				lists.Evidence[comp.Code] = comp.Evidence
			}
		}
	}
	f.fill(u, p)
	page := n.Page(c, "network.profile.edit.title", "profile", lists)
	page.Form = f.Form
	return n.Render(c, fiber.StatusOK, "network/profile_edit", page)
}

// profileSave validates and stores "my profile"; on error the form comes
// back with what was typed and a message next to each field.
func (n *Capability) profileSave(c *fiber.Ctx) error {
	u := kit.User(c)
	ctx := c.UserContext()
	lists, err := n.profileLists(c)
	if err != nil {
		return err
	}
	f := profileForm{n.PostedForm(c)}
	upd := n.update(c, f, lists)
	if !f.HasErrors() {
		_, err := n.d.Profiles.SaveProfile(ctx, u.ID, upd)
		if err == nil {
			return n.RedirectFlash(c, "/profil", "network.flash.profile_saved")
		}
		if !f.Fail(err) {
			return err
		}
	}
	if p, err := n.d.Profiles.FindProfileByUserID(ctx, u.ID); err == nil {
		lists.Exists, lists.ProfileID = true, p.ID
	}
	page := n.Page(c, "network.profile.edit.title", "profile", lists)
	page.Form = f.Form
	return n.Render(c, fiber.StatusUnprocessableEntity, "network/profile_edit", page)
}

// profileShow is a person's page, as the viewer may see it.
func (n *Capability) profileShow(c *fiber.Ctx) error {
	id, err := kit.PathID(c, "id")
	if err != nil {
		return err
	}
	p, err := n.d.Profiles.FindProfileByID(c.UserContext(), kit.Viewer(c), id)
	if err != nil {
		return err
	}
	owner := p.Owner(kit.Viewer(c))
	if owner {
		kit.NoStore(c)
	}
	// Badges of other capabilities (the charter signed…), as the viewer may see them.
	badges, err := n.ProfileBadges(c, p)
	if err != nil {
		return err
	}
	page := n.Page(c, "", "", struct {
		P      *maillage.Profile
		Owner  bool
		Now    time.Time
		Badges []kit.Badge
	}{p, owner, n.Now(), badges})
	page.Title = p.DisplayName
	return n.Render(c, fiber.StatusOK, "network/profile_show", page)
}
