package postgres

import (
	"bytes"
	"context"
	"fmt"

	"maillage/internal/demo"
	"maillage/internal/label"
	"maillage/internal/maillage"
)

// LoadDemo writes the label's demonstration data through the service: a
// review team for the programme of places (a lead and two reviewers), and
// applications of demo places in every state, three of them labelled.
func (s *LabelService) LoadDemo(ctx context.Context, n *demo.Network, users maillage.UserService) error {
	ps, err := s.Programmes(ctx)
	if err != nil || len(ps) == 0 {
		return err
	}
	p := ps[0]
	team := map[string]string{"responsable.label@demo.maillage.fr": "Hélène Garnier", "instructrice.label@demo.maillage.fr": "Sonia Benali",
		"instructeur.label@demo.maillage.fr": "Marc Lefèvre"}
	var reviewers []*maillage.User
	for _, email := range []string{"responsable.label@demo.maillage.fr", "instructrice.label@demo.maillage.fr", "instructeur.label@demo.maillage.fr"} {
		out, err := users.SignInEmail(ctx, email)
		if err != nil {
			return err
		}
		if err := users.UpdateDisplayName(ctx, out.User.ID, team[email]); err != nil {
			return err
		}
		if _, err := users.GrantRole(ctx, out.User.ID, maillage.RoleGrant{UserID: out.User.ID, Role: maillage.RoleInstructeur,
			ScopeKind: maillage.ScopeProgramme, ScopeValue: p.Code}, "127.0.0.1"); err != nil && maillage.ErrorCode(err) != maillage.ECONFLICT {
			return err
		}
		u, err := users.FindUserByID(ctx, out.User.ID)
		if err != nil {
			return err
		}
		reviewers = append(reviewers, u)
	}
	lead, rev := reviewers[0], reviewers[1]
	if _, err := s.db.NewRaw("INSERT INTO label_leads (programme_code, user_id) VALUES (?, ?) ON CONFLICT DO NOTHING", p.Code, lead.ID).Exec(ctx); err != nil {
		return err
	}

	// Demo places with a referent, in the network's order.
	type place struct {
		structureID int64
		referent    *maillage.User
	}
	var places []place
	seen := map[int64]bool{}
	for _, m := range n.Memberships {
		if m.Role != maillage.MemberReferent || len(places) >= 12 {
			continue
		}
		st := n.Structures[m.Structure]
		if !st.Has(maillage.StructureLieu) {
			continue
		}
		var sid int64
		if err := s.db.NewRaw("SELECT id FROM structures WHERE lieu_id = ?", st.Lieu.ID).Scan(ctx, &sid); err != nil || seen[sid] {
			continue
		}
		u, err := users.FindUserByEmail(ctx, n.People[m.Person].Email)
		if err != nil {
			continue
		}
		seen[sid] = true
		places = append(places, place{sid, u})
	}
	pdf := []byte("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")
	plan := []string{label.Brouillon, label.Deposee, label.Deposee, label.EnInstruction, label.EnInstruction, label.Correction,
		label.Acceptee, label.Acceptee, label.Acceptee, label.Refusee, label.ClasseeSansSuite, "corrige"}
	for i, pl := range places {
		a, err := s.Start(ctx, pl.referent, pl.structureID, p.Code)
		if err != nil {
			if maillage.ErrorCode(err) == maillage.ECONFLICT || maillage.ErrorCode(err) == maillage.EINVALID {
				continue
			}
			return fmt.Errorf("demo label start: %w", err)
		}
		d, err := s.Find(ctx, pl.referent, a.ID)
		if err != nil {
			return err
		}
		answers := map[string]string{}
		for _, in := range p.Indicators() {
			if in.AppliesTo(d.Kinds) && d.Revision.Answers[in.Code] == "" {
				answers[in.Code] = "Oui : " + in.Expected
			}
		}
		if err := s.SaveAnswers(ctx, pl.referent, a.ID, answers); err != nil {
			return err
		}
		if _, err := s.AddFile(ctx, pl.referent, a.ID, "3.1", label.Upload{Name: "attestations-charte.pdf", Body: bytes.NewReader(pdf)}); err != nil {
			return err
		}
		state := plan[i%len(plan)]
		if state == label.Brouillon {
			continue
		}
		if err := s.Submit(ctx, pl.referent, a.ID); err != nil {
			return fmt.Errorf("demo label submit: %w", err)
		}
		steps := map[string][]string{
			label.EnInstruction:    {label.EnInstruction},
			label.Correction:       {label.EnInstruction, label.Correction},
			label.Acceptee:         {label.EnInstruction, label.Acceptee},
			label.Refusee:          {label.EnInstruction, label.Refusee},
			label.ClasseeSansSuite: {label.EnInstruction, label.ClasseeSansSuite},
			"corrige":              {label.EnInstruction, label.Correction},
		}[state]
		motivations := map[string]string{
			label.Correction:       "Merci de joindre la liste des signataires de la charte de l'aidant numérique et de préciser les horaires d'ouverture du samedi.",
			label.Acceptee:         "Tous les critères sont remplis ; l'accueil du public et l'accompagnement en autonomie sont exemplaires.",
			label.Refusee:          "Le lieu n'a pas encore d'équipe formée ni de procédure d'orientation : une nouvelle candidature est possible dans un an.",
			label.ClasseeSansSuite: "La structure a fermé son espace numérique au public.",
		}
		if len(steps) > 0 {
			if _, err := s.Assign(ctx, rev, []int64{a.ID}, rev.ID); err != nil {
				return err
			}
		}
		for _, to := range steps {
			if to == label.Acceptee {
				var as []label.Assessment
				for _, in := range p.Indicators() {
					if in.AppliesTo(d.Kinds) {
						as = append(as, label.Assessment{Indicator: in.Code, Grade: label.Conforme})
					}
				}
				if err := s.Assess(ctx, rev, a.ID, as); err != nil {
					return err
				}
				if err := s.AddNote(ctx, rev, a.ID, "Visite du lieu faite le mardi : équipe accueillante, matériel adapté présent."); err != nil {
					return err
				}
			}
			if err := s.Move(ctx, rev, a.ID, to, motivations[to]); err != nil {
				return fmt.Errorf("demo label %s: %w", to, err)
			}
		}
		if state == "corrige" {
			if err := s.SaveAnswers(ctx, pl.referent, a.ID, map[string]string{"1.1": "Du lundi au vendredi de 9 h à 17 h, et le samedi matin de 9 h à 12 h."}); err != nil {
				return err
			}
			if err := s.Submit(ctx, pl.referent, a.ID); err != nil {
				return err
			}
			if err := s.AskOpinion(ctx, rev, a.ID, lead.ID, "Les nouveaux horaires du samedi vous semblent-ils suffisants pour le critère 1 ?", true); err != nil {
				return err
			}
		}
	}
	return nil
}
