package app

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"maillage/internal/demo"
	"maillage/internal/maillage"
	"maillage/internal/recruiting"
)

// loadRecruitingDemo writes the recruiting demo through the recruiting
// service, so that its rules, transitions, outbox and mails apply: employers
// (referents of employer structures of the demo network) with published
// offers and one filled, people open to opportunities nearby who applied,
// one application at the interview stage, and one contact request waiting
// for its answer.
func (a *App) loadRecruitingDemo(ctx context.Context, n *demo.Network) error {
	svc := a.Recruiting
	now := svc.Now()
	today := maillage.Today(now)
	byEmail := func(email string) (*maillage.User, error) { return a.Users.FindUserByEmail(ctx, email) }
	type employer struct {
		structure int // index in n.Structures
		referent  int // index in n.People
	}
	// The employer structures, one per département, the biggest first.
	var employers []employer
	seen := map[string]bool{}
	for _, m := range n.Memberships {
		st := n.Structures[m.Structure]
		if m.Role != maillage.MemberReferent || !st.Has(maillage.StructureEmployeur) || seen[st.CodeDepartement] || st.Lieu.Latitude == nil {
			continue
		}
		seen[st.CodeDepartement] = true
		employers = append(employers, employer{m.Structure, m.Person})
		if len(employers) == 4 {
			break
		}
	}
	if len(employers) == 0 {
		return nil
	}
	offers := []struct {
		feminine, masculine, description string
		contract                         recruiting.Contract
		months, hours                    int
		remote                           recruiting.Remote
		salary                           []int
		wants                            []recruiting.Want
		filled                           bool
	}{
		{"Médiatrice numérique", "Médiateur numérique", "Accueillir les habitants, les accompagner dans leurs démarches en ligne et animer des ateliers collectifs (smartphone, messagerie, sécurité).",
			recruiting.ContractCDI, 0, 35, recruiting.RemoteNone, []int{1900, 2200},
			[]recruiting.Want{{Ref: "REMN/REMN-B1", Required: true}, {Ref: "REMN/REMN-B2"}}, false},
		{"Conseillère numérique", "Conseiller numérique", "Accompagner vers l'autonomie numérique des publics variés, en permanence et hors les murs, en lien avec les partenaires sociaux.",
			recruiting.ContractCDD, 18, 35, recruiting.RemotePartial, []int{1850, 2000},
			[]recruiting.Want{{Ref: "REMN/REMN-B1", Required: true}}, false},
		{"Volontaire en service civique", "Volontaire en service civique", "Aider aux ateliers numériques de la structure et au prêt de matériel, avec un tuteur.",
			recruiting.ContractServiceCivique, 8, 24, recruiting.RemoteNone, nil, nil, false},
		{"Coordinatrice de médiation numérique", "Coordinateur de médiation numérique", "Coordonner l'équipe de médiation, suivre les partenariats et le pilotage du réseau local.",
			recruiting.ContractCDI, 0, 35, recruiting.RemoteNone, []int{2400, 2800},
			[]recruiting.Want{{Ref: "REMN", Required: true}, {Ref: "MN"}}, true},
	}
	messages := []string{
		"Bonjour, médiatrice depuis trois ans dans une médiathèque, j'anime des ateliers démarches en ligne. Je suis disponible rapidement.",
		"Bonjour, conseiller numérique formé au bloc 1, je souhaite rejoindre une équipe de proximité. Je reste à votre disposition pour un échange.",
		"Bonjour, votre offre correspond à ce que je fais aujourd'hui ; je serais ravie d'en parler avec vous.",
	}
	applied := 0
	for i, e := range employers {
		st := n.Structures[e.structure]
		boss, err := byEmail(n.People[e.referent].Email)
		if err != nil {
			return fmt.Errorf("employer %s: %w", n.People[e.referent].Email, err)
		}
		found, _, err := a.Structures.FindStructures(ctx, maillage.StructureFilter{Pivot: st.Lieu.Pivot, Limit: 1})
		if err != nil || len(found) == 0 {
			return fmt.Errorf("structure %s: %v", st.Lieu.Nom, err)
		}
		spec := offers[i%len(offers)]
		start := today.AddDate(0, 1, 0)
		in := recruiting.OfferInput{StructureID: found[0].ID, TitleFeminine: spec.feminine, TitleMasculine: spec.masculine,
			Description: spec.description, CodeInsee: maillage.CityOfArrondissement(st.Lieu.CodeInsee), Remote: spec.remote,
			Contract: spec.contract, DurationMonths: spec.months, HoursPerWeek: spec.hours, Wants: spec.wants,
			StartOn: start.Format(recruiting.DateLayout), ClosesOn: today.AddDate(0, 0, 21+7*i).Format(recruiting.DateLayout),
			HowToApply: "Candidature par le portail : un message et, si vous le souhaitez, votre CV en PDF."}
		if spec.salary != nil {
			in.Salary = &recruiting.Salary{Min: &spec.salary[0], Max: &spec.salary[1], Period: recruiting.PeriodMonth}
		}
		o, err := svc.CreateOffer(ctx, boss, in)
		if err != nil {
			return fmt.Errorf("offer of %s: %w", st.Lieu.Nom, err)
		}
		if _, err := svc.MoveOffer(ctx, boss, o.ID, recruiting.OfferPublished); err != nil {
			return err
		}
		// People open to opportunities nearest to the structure apply.
		near := nearestOpen(n, *st.Lieu.Latitude, *st.Lieu.Longitude, e.referent, 3)
		var apps []*recruiting.Application
		for j, p := range near {
			u, err := byEmail(n.People[p].Email)
			if err != nil {
				return err
			}
			if j == 0 {
				from := today.AddDate(0, 0, 10+5*i)
				if err := svc.SetAvailability(ctx, u.ID, &from); err != nil {
					return err
				}
			}
			if j == 2 {
				// The third is contacted rather than applying.
				if _, err := svc.Contact(ctx, boss, recruiting.ContactInput{StructureID: found[0].ID, ProfileID: profileID(ctx, a, u), OfferID: &o.ID,
					Message: "Bonjour, votre profil nous intéresse pour notre équipe de médiation : seriez-vous d'accord pour en parler ?"}); err != nil &&
					maillage.ErrorCode(err) != maillage.ENOTFOUND {
					return err
				}
				continue
			}
			ap, err := svc.Apply(ctx, u, o.ID, recruiting.ApplicationInput{Message: messages[(i+j)%len(messages)]}, nil)
			if err != nil {
				if maillage.ErrorCode(err) == maillage.ECONFLICT || maillage.ErrorCode(err) == maillage.EINVALID {
					continue // an employer of the structure, or applied already
				}
				return err
			}
			apps = append(apps, ap)
			applied++
		}
		switch {
		case spec.filled && len(apps) > 0:
			if _, err := svc.FindApplication(ctx, boss, apps[0].ID); err != nil { // seen
				return err
			}
			if _, err := svc.MoveApplication(ctx, boss, apps[0].ID, recruiting.ApplicationHired, "Bienvenue dans l'équipe !"); err != nil {
				return err
			}
			if _, err := svc.MoveOffer(ctx, boss, o.ID, recruiting.OfferFilled); err != nil {
				return err
			}
		case i == 0 && len(apps) > 0:
			if _, err := svc.FindApplication(ctx, boss, apps[0].ID); err != nil { // seen
				return err
			}
			if _, err := svc.MoveApplication(ctx, boss, apps[0].ID, recruiting.ApplicationInterview,
				"Nous vous proposons un entretien la semaine prochaine ; nous vous appelons pour fixer l'heure."); err != nil {
				return err
			}
		}
	}
	a.Log.Info("recruiting demo loaded", "employers", len(employers), "applications", applied, "at", now.Format(time.DateOnly))
	return nil
}

// nearestOpen returns up to k people open to opportunities (conseillers and
// médiateurs), nearest to a point first, leaving out one person.
func nearestOpen(n *demo.Network, lat, lng float64, except, k int) []int {
	var cands []int
	for i, p := range n.People {
		pr := p.Profile
		if i == except || pr.OpenToWork == nil || !*pr.OpenToWork || pr.Latitude == nil ||
			(pr.Kind != maillage.KindConseiller && pr.Kind != maillage.KindMediateur) ||
			pr.Visibility[maillage.FieldOpenToWork] == maillage.VisPrivate || pr.Visibility[maillage.FieldProfile] == maillage.VisPrivate {
			continue
		}
		cands = append(cands, i)
	}
	dist := func(i int) float64 {
		p := n.People[i].Profile
		return maillage.DistanceKm(lat, lng, *p.Latitude, *p.Longitude)
	}
	slices.SortStableFunc(cands, func(a, b int) int { return cmp.Compare(dist(a), dist(b)) })
	return cands[:min(k, len(cands))]
}

// profileID is the id of a demo person's profile (0 when none).
func profileID(ctx context.Context, a *App, u *maillage.User) int64 {
	p, err := a.Profiles.FindProfileByUserID(ctx, u.ID)
	if err != nil {
		return 0
	}
	return p.ID
}
