package training

import (
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"maillage/internal/maillage"
	"maillage/internal/training"
	"maillage/internal/web/kit"
)

// sessionLists is what the session form offers.
type sessionLists struct {
	O          *training.OfferView
	SessionID  int64
	States     []training.RegistrationState
	Candidates []*maillage.Commune
}

// sessionForm is the session editor. Its input names are the field paths
// of training.Session.Validate: start, end (date and time, Europe/Paris),
// place.remote, place.code_insee (the commune, typed and resolved),
// place.postcode, place.address, seats, seats_left, registration,
// registration_url.
type sessionForm struct{ *kit.Form }

// dateTimeLayout is what an <input type="datetime-local"> sends.
const dateTimeLayout = "2006-01-02T15:04"

func (f sessionForm) fill(s *training.Session) {
	f.Set("start", s.Start.In(maillage.Paris).Format(dateTimeLayout))
	f.Set("end", s.End.In(maillage.Paris).Format(dateTimeLayout))
	if s.Place.Remote {
		f.Set("place.remote", "on")
	}
	if s.Place.CodeInsee != "" {
		f.Set("place.code_insee", s.Place.City+" ("+s.Place.CodeInsee+")")
	}
	f.Set("place.postcode", s.Place.Postcode)
	f.Set("place.address", s.Place.Address)
	f.Set("seats", strconv.Itoa(s.Seats))
	f.Set("seats_left", strconv.Itoa(s.SeatsLeft))
	f.Set("registration", string(s.Registration))
	f.Set("registration_url", s.RegistrationURL)
}

// moment reads a date and time typed in Paris time (a date alone is the
// start of the day, or its end for the end of a session).
func moment(f *kit.Form, name string, end bool) time.Time {
	v := f.Value(name)
	if v == "" {
		return time.Time{}
	}
	if t, err := time.ParseInLocation(dateTimeLayout, v, maillage.Paris); err == nil {
		return t
	}
	if t, err := time.ParseInLocation(time.DateOnly, v, maillage.Paris); err == nil {
		if end {
			return t.Add(24*time.Hour - time.Minute)
		}
		return t
	}
	f.Add(name, "training.field.datetime")
	return time.Time{}
}

// session reads the posted form into a session; the commune typed is
// resolved (one commune, or candidates to choose from).
func (t *Capability) session(c *fiber.Ctx, f sessionForm, lists *sessionLists) *training.Session {
	s := &training.Session{Start: moment(f.Form, "start", false), End: moment(f.Form, "end", true),
		Seats: number(f.Form, "seats"), SeatsLeft: number(f.Form, "seats_left"),
		Registration: training.RegistrationState(f.Value("registration")), RegistrationURL: f.Value("registration_url")}
	s.Place = training.Place{Remote: f.On("place.remote"), Postcode: f.Value("place.postcode"), Address: f.Raw("place.address")}
	var got *maillage.Commune
	if pick := f.Value("place.commune_choice"); pick != "" {
		got, _ = t.d.Territories.FindCommuneByCode(c.UserContext(), pick)
	} else if text := f.Value("place.code_insee"); text != "" {
		var cands []*maillage.Commune
		var err error
		got, cands, err = t.d.Territories.ResolveCommune(c.UserContext(), text)
		switch {
		case err != nil:
			f.Add("place.code_insee", maillage.KeyInternal)
		case got == nil && len(cands) > 0:
			lists.Candidates = cands
			f.Add("place.code_insee", "training.commune.choose")
		case got == nil:
			f.Add("place.code_insee", "training.commune.unknown")
		}
	}
	if got != nil {
		s.Place.CodeInsee, s.Place.City = got.CodeInsee, got.Nom
		f.Set("place.code_insee", got.Nom+" ("+got.CodeInsee+")")
		if s.Place.Postcode == "" && len(got.CodesPostaux) == 1 {
			s.Place.Postcode = got.CodesPostaux[0]
			f.Set("place.postcode", s.Place.Postcode)
		}
	}
	return s
}

func (t *Capability) renderSessionForm(c *fiber.Ctx, status int, lists *sessionLists, f *kit.Form) error {
	title := "training.session.new.title"
	if lists.SessionID != 0 {
		title = "training.session.edit.title"
	}
	p := t.Page(c, title, "", lists)
	p.Form = f
	return t.Render(c, status, "training/session_form", p)
}

func (t *Capability) sessionNew(c *fiber.Ctx) error {
	v, _, err := t.editable(c)
	if err != nil {
		return err
	}
	f := t.NewForm(c)
	f.Set("registration", string(training.RegistrationOpen))
	if v.Modality == training.ModalityDistanciel {
		f.Set("place.remote", "on")
	}
	return t.renderSessionForm(c, fiber.StatusOK, &sessionLists{O: v, States: training.RegistrationStates}, f)
}

func (t *Capability) sessionCreate(c *fiber.Ctx) error {
	v, _, err := t.editable(c)
	if err != nil {
		return err
	}
	lists := &sessionLists{O: v, States: training.RegistrationStates}
	f := sessionForm{t.PostedForm(c)}
	s := t.session(c, f, lists)
	if !f.HasErrors() {
		_, err := t.d.Training.CreateSession(c.UserContext(), kit.Viewer(c), v.ID, s)
		if err == nil {
			return t.RedirectFlash(c, "/formations/"+itoa(v.ID), "training.flash.session_saved")
		}
		if !f.Fail(err) {
			return err
		}
	}
	return t.renderSessionForm(c, fiber.StatusUnprocessableEntity, lists, f.Form)
}

// sessionEditable returns the session of the path and its offer when the
// viewer manages its body.
func (t *Capability) sessionEditable(c *fiber.Ctx) (*training.Session, *training.OfferView, error) {
	id, err := kit.PathID(c, "id")
	if err != nil {
		return nil, nil, err
	}
	s, v, err := t.d.Training.FindSession(c.UserContext(), id)
	if err != nil {
		return nil, nil, err
	}
	ok, err := t.d.Training.CanManageStructure(c.UserContext(), kit.Viewer(c), v.StructureID)
	if err != nil {
		return nil, nil, err
	}
	if !ok {
		return nil, nil, maillage.Errorf(maillage.EFORBIDDEN, training.KeyBodyForbidden)
	}
	return s, v, nil
}

func (t *Capability) sessionEdit(c *fiber.Ctx) error {
	s, v, err := t.sessionEditable(c)
	if err != nil {
		return err
	}
	if s.Past(t.Now()) {
		return t.RedirectFlash(c, "/formations/sessions/"+itoa(s.ID), "training.flash.session_past")
	}
	f := sessionForm{t.NewForm(c)}
	f.fill(s)
	return t.renderSessionForm(c, fiber.StatusOK, &sessionLists{O: v, SessionID: s.ID, States: training.RegistrationStates}, f.Form)
}

func (t *Capability) sessionUpdate(c *fiber.Ctx) error {
	cur, v, err := t.sessionEditable(c)
	if err != nil {
		return err
	}
	lists := &sessionLists{O: v, SessionID: cur.ID, States: training.RegistrationStates}
	f := sessionForm{t.PostedForm(c)}
	s := t.session(c, f, lists)
	if !f.HasErrors() {
		_, err := t.d.Training.UpdateSession(c.UserContext(), kit.Viewer(c), cur.ID, s)
		if err == nil {
			return t.RedirectFlash(c, "/formations/"+itoa(v.ID), "training.flash.session_saved")
		}
		if !f.Fail(err) {
			if maillage.ErrorCode(err) != maillage.ECONFLICT {
				return err
			}
			f.FailMessage(err)
		}
	}
	return t.renderSessionForm(c, fiber.StatusUnprocessableEntity, lists, f.Form)
}

func (t *Capability) sessionDelete(c *fiber.Ctx) error {
	id, err := kit.PathID(c, "id")
	if err != nil {
		return err
	}
	offerID, err := t.d.Training.DeleteSession(c.UserContext(), kit.Viewer(c), id)
	if err != nil {
		if maillage.ErrorCode(err) == maillage.ECONFLICT {
			return t.RedirectFlash(c, "/formations/sessions/"+itoa(id), "training.flash.session_past")
		}
		return err
	}
	return t.RedirectFlash(c, "/formations/"+itoa(offerID), "training.flash.session_deleted")
}
