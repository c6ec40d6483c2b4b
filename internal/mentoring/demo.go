package mentoring

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"maillage/internal/demo"
	"maillage/internal/maillage"
)

// Demo accounts that the mentoring demo adds to the network, so that a
// newcomer can try the whole journey under `make run` (README): a
// coordinator of the Rhône, a conseillère of Villeurbanne alone, and a
// mentor of Lyon with free places.
const (
	DemoCoordinator = "coordination.rhone@demo.maillage.fr"
	DemoConseillere = "nadia.conseillere@demo.maillage.fr"
	DemoMentor      = "marc.mentor@demo.maillage.fr"
)

// DemoDeps are the services the demo writes through. At returns the
// mentoring service with its clock at a moment (a request sent weeks ago
// is sent by the service at that time, through the same rules).
type DemoDeps struct {
	At       func(now time.Time) Service
	Users    maillage.UserService
	Profiles maillage.ProfileService
}

// Load is the demo step of the capability (app.DemoSteps): LoadDemo at
// the current time.
func (d DemoDeps) Load(ctx context.Context, n *demo.Network) error {
	_, err := LoadDemo(ctx, d, n, time.Now())
	return err
}

// DemoCounts say what the demo wrote.
type DemoCounts struct {
	Pairings, Pending, Declined, Ended, Meetings, Alone int
}

// LoadDemo makes the demo network's mentoring alive: the optimal matching
// of the whole country (as an administrator would run it) gives the pairs;
// most become pairings (sent and accepted in the past weeks, some with
// meetings and validated competencies), some stay waiting, a few are
// declined, a few pairings ended; the rest of the conseillers stay alone.
// It adds the coordinator and the two newcomer accounts (DemoCoordinator,
// DemoConseillere, DemoMentor). Deterministic for a network's seed.
func LoadDemo(ctx context.Context, d DemoDeps, n *demo.Network, now time.Time) (DemoCounts, error) {
	var out DemoCounts
	rng := rand.New(rand.NewPCG(n.Seed, n.Seed^0x6d656e746f72))
	svc := d.At(now)
	admin := &maillage.User{Grants: []maillage.RoleGrant{{Role: maillage.RoleAdministrateur}}}
	pr, err := svc.Propose(ctx, admin, Scope{})
	if err != nil {
		return out, fmt.Errorf("demo proposals: %w", err)
	}
	profileOf := map[int64]int64{}
	for id, m := range pr.Mentors {
		profileOf[id] = m.ProfileID
	}
	// Draw every pair's story first (deterministic), then write them on a
	// few connections at once: the pairs of an optimal matching respect
	// every capacity together, so the order does not matter.
	type story struct {
		p              Proposal
		in             RequestInput
		sent, answered time.Time
		roll           int
		meetings       []MeetingInput
		authors        []int64
		end            bool
	}
	var stories []story
	for _, p := range pr.Result.Proposals {
		mentee := pr.Mentees[p.MenteeID]
		if mentee.Departement == "69" && rng.IntN(100) < 35 {
			out.Alone++
			continue // the Rhône keeps conseillers alone for its coordinator
		}
		st := story{p: p, roll: rng.IntN(100)}
		if st.roll < 5 {
			out.Alone++
			continue
		}
		st.sent = now.Add(-time.Duration(2+rng.IntN(120*24)) * time.Hour)
		if st.roll < 13 {
			st.sent = now.Add(-time.Duration(2+rng.IntN(10*24)) * time.Hour) // still waiting
		}
		st.answered = st.sent.Add(time.Duration(1+rng.IntN(72)) * time.Hour)
		st.in = RequestInput{MentorID: profileOf[p.MentorID], MaxKm: DefaultMenteeKm, Remote: p.Remote,
			Message: demoMessages[rng.IntN(len(demoMessages))]}
		started := maillage.Today(st.answered)
		days := int(maillage.Today(now).Sub(started).Hours() / 24)
		for k := range rng.IntN(4) {
			if days <= 0 {
				break
			}
			day := started.AddDate(0, 0, 1+rng.IntN(days))
			if day.After(maillage.Today(now)) {
				day = maillage.Today(now)
			}
			m := MeetingInput{Date: day, DurationMin: []int{30, 45, 60, 90}[rng.IntN(4)], Format: MeetingFormats[rng.IntN(3)],
				Topics: []string{demoTopics[rng.IntN(len(demoTopics))]}, Notes: demoNotes[rng.IntN(len(demoNotes))]}
			author := p.MenteeID
			if k%2 == 1 {
				author = p.MentorID
				if rng.IntN(3) == 0 {
					m.Validations = []Validation{{Code: m.Topics[0], Level: 3 + rng.IntN(2)}}
				}
			}
			st.meetings, st.authors = append(st.meetings, m), append(st.authors, author)
		}
		st.end = rng.IntN(100) < 5
		stories = append(stories, st)
	}
	var mu sync.Mutex
	var firstErr error
	fail := func(err error) {
		mu.Lock()
		defer mu.Unlock()
		if firstErr == nil {
			firstErr = err
		}
	}
	tell := func(f func(c *DemoCounts)) {
		mu.Lock()
		defer mu.Unlock()
		f(&out)
	}
	var touched []int64
	var wg sync.WaitGroup
	work := make(chan story)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for st := range work {
				p := st.p
				r, err := d.At(st.sent).SendRequest(ctx, p.MenteeID, st.in, "fr")
				if err != nil {
					if len(maillage.ErrorProblems(err)) == 0 {
						fail(fmt.Errorf("demo request: %w", err))
					}
					continue // the rules refused it
				}
				tell(func(c *DemoCounts) { touched = append(touched, p.MenteeID, p.MentorID) })
				switch {
				case st.roll < 13:
					tell(func(c *DemoCounts) { c.Pending++ })
					continue
				case st.roll < 16:
					if _, err := d.At(st.answered).AnswerRequest(ctx, p.MentorID, r.ID, AnswerInput{Message: "Je suis déjà très pris ce trimestre, désolé."}, "fr"); err != nil {
						fail(fmt.Errorf("demo decline: %w", err))
					}
					tell(func(c *DemoCounts) { c.Declined++ })
					continue
				}
				r, err = d.At(st.answered).AnswerRequest(ctx, p.MentorID, r.ID, AnswerInput{Accept: true, Message: "Avec plaisir, appelons-nous cette semaine."}, "fr")
				if err != nil {
					if len(maillage.ErrorProblems(err)) == 0 {
						fail(fmt.Errorf("demo accept: %w", err))
					}
					continue
				}
				tell(func(c *DemoCounts) { c.Pairings++ })
				for i, m := range st.meetings {
					if _, err := svc.LogMeeting(ctx, st.authors[i], *r.PairingID, m); err != nil {
						fail(fmt.Errorf("demo meeting: %w", err))
					}
					tell(func(c *DemoCounts) { c.Meetings++ })
				}
				if st.end {
					if _, err := svc.EndPairing(ctx, p.MenteeID, *r.PairingID, EndInput{Reason: "Je change de poste et de territoire."}, "fr"); err != nil {
						fail(fmt.Errorf("demo end: %w", err))
					}
					tell(func(c *DemoCounts) { c.Ended++ })
				}
			}
		}()
	}
	for _, st := range stories {
		if ctx.Err() != nil {
			break
		}
		work <- st
	}
	close(work)
	wg.Wait()
	if firstErr != nil {
		return out, firstErr
	}
	// What happened before today is not news: the dashboard notices start
	// empty, except for the newcomer accounts.
	for _, id := range touched {
		if err := svc.MarkRead(ctx, id, NotificationKinds...); err != nil {
			return out, err
		}
	}
	out.Alone += pr.Alone - len(pr.Result.Proposals)
	// The newcomers come after the matching, so that it leaves them be.
	if err := demoAccounts(ctx, d); err != nil {
		return out, err
	}
	return out, demoNewcomers(ctx, d, svc, now)
}

// demoAccounts adds the coordinator of the Rhône (a profile of kind
// coordinateur in Lyon, the role scoped to département 69), the
// conseillère and the mentor.
func demoAccounts(ctx context.Context, d DemoDeps) error {
	lyon, villeurbanne := "69123", "69266"
	for _, a := range []struct {
		email string
		kind  maillage.ProfileKind
		name  string
		role  maillage.RoleGrant
		up    maillage.ProfileUpdate
	}{
		{DemoCoordinator, maillage.KindCoordinateur, "Camille Coordination", maillage.RoleGrant{Role: maillage.RoleCoordinateur,
			ScopeKind: maillage.ScopeDepartement, ScopeValue: "69"}, maillage.ProfileUpdate{Commune: &lyon}},
		{DemoConseillere, maillage.KindConseiller, "Nadia Benali", maillage.RoleGrant{Role: maillage.RoleConseiller},
			maillage.ProfileUpdate{Commune: &villeurbanne, Competences: &[]maillage.ProfileCompetence{{Code: "1.1", Level: 3}, {Code: "4.2", Level: 2}}}},
		{DemoMentor, maillage.KindMediateur, "Marc Lefèvre", maillage.RoleGrant{Role: maillage.RoleMediateur},
			maillage.ProfileUpdate{Commune: &lyon, Competences: &[]maillage.ProfileCompetence{{Code: "1.1", Level: 6}, {Code: "4.2", Level: 5}, {Code: "5.2", Level: 5}},
				Mentor: &maillage.MentorSettings{Available: true, Capacity: 3, RadiusKm: 20, Remote: true, Themes: []string{"Démarches en ligne", "Accueil des publics"}}}},
	} {
		out, err := d.Users.SignInEmail(ctx, a.email)
		if err != nil {
			return fmt.Errorf("demo account %s: %w", a.email, err)
		}
		g := a.role
		g.UserID = out.User.ID
		if _, err := d.Users.GrantRole(ctx, out.User.ID, g, ""); err != nil {
			return fmt.Errorf("demo role %s: %w", a.email, err)
		}
		up := a.up
		kind, name := a.kind, a.name
		up.Kind, up.DisplayName = &kind, &name
		up.Visibility = map[string]maillage.Visibility{maillage.FieldProfile: maillage.VisPublic}
		if _, err := d.Profiles.SaveProfile(ctx, out.User.ID, up); err != nil {
			return fmt.Errorf("demo profile %s: %w", a.email, err)
		}
	}
	return nil
}

// demoNewcomers gives the mentor one mentee already and leaves the
// conseillère alone, so that she can ask him.
func demoNewcomers(ctx context.Context, d DemoDeps, svc Service, now time.Time) error {
	mentor, err := d.Users.FindUserByEmail(ctx, DemoMentor)
	if err != nil {
		return err
	}
	mp, err := d.Profiles.FindProfileByUserID(ctx, mentor.ID)
	if err != nil {
		return err
	}
	// the first conseiller of Lyon alone takes a place
	pr, err := svc.Propose(ctx, &maillage.User{Grants: []maillage.RoleGrant{{Role: maillage.RoleAdministrateur}}}, Scope{Departement: "69"})
	if err != nil {
		return err
	}
	nadia, err := d.Users.FindUserByEmail(ctx, DemoConseillere)
	if err != nil {
		return err
	}
	ids := make([]int64, 0, len(pr.Mentees))
	for id := range pr.Mentees {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		if id == nadia.ID {
			continue
		}
		sent := now.Add(-20 * 24 * time.Hour)
		r, err := d.At(sent).SendRequest(ctx, id, RequestInput{MentorID: mp.ID, MaxKm: 40, Remote: true, Message: demoMessages[0]}, "fr")
		if err != nil {
			continue
		}
		if _, err := d.At(sent.Add(24*time.Hour)).AnswerRequest(ctx, mentor.ID, r.ID, AnswerInput{Accept: true}, "fr"); err != nil {
			return err
		}
		if err := svc.MarkRead(ctx, id, NotificationKinds...); err != nil {
			return err
		}
		return svc.MarkRead(ctx, mentor.ID, NotificationKinds...)
	}
	return nil
}

var demoMessages = []string{
	"Bonjour, je viens de prendre mon poste de conseiller numérique et j'aimerais être accompagné pour mes premiers ateliers.",
	"Bonjour, je cherche un mentor pour m'aider sur l'accompagnement aux démarches en ligne.",
	"Bonjour, j'anime seul un espace numérique et j'aimerais échanger sur mes pratiques.",
	"Bonjour, pourriez-vous m'accompagner quelques mois ? Je prépare aussi le titre professionnel.",
}

var demoNotes = []string{
	"Point sur l'organisation des permanences et la prise de rendez-vous.",
	"Préparation d'un atelier sur les démarches de santé en ligne.",
	"Retour sur une situation difficile : orienter vers un travailleur social.",
	"Échange sur la charte de l'aidant et la protection des mots de passe.",
	"",
}

var demoTopics = []string{"1.1", "1.2", "2.1", "2.2", "3.1", "4.1", "4.2", "5.1", "5.2"}
