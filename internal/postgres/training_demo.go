package postgres

import (
	"context"
	"fmt"
	"slices"
	"time"

	"maillage/internal/demo"
	"maillage/internal/maillage"
	"maillage/internal/training"
)

// LoadDemo writes the training part of the demo network through the
// service (the same rules, outbox and checks as real use): every structure
// with the training-body role is declared, plus one structure of each
// overseas département that has none, so that offers exist across France;
// each body gets offers towards the current title with blocs, with
// sessions in its commune and in communes of conseillers of its
// département (so that demo conseillers see paths), some remote, some past.
func (s *TrainingService) LoadDemo(ctx context.Context, n *demo.Network) error {
	admin := maillage.Viewer{Admin: true}
	ix, err := s.Certifications(ctx)
	if err != nil {
		return err
	}
	communes, _, err := s.loadCommunes(ctx)
	if err != nil {
		return err
	}
	place := func(code string) (training.Place, bool) {
		c, ok := communes[maillage.CityOfArrondissement(code)]
		if !ok || len(c.Postcodes) == 0 {
			return training.Place{}, false
		}
		return training.Place{CodeInsee: c.Code, Postcode: c.Postcodes[0], City: trainingCut(c.Nom, training.MaxCity)}, true
	}
	// Where conseillers live, by département.
	byDep := map[string][]string{}
	for _, p := range n.People {
		if p.Profile.Kind == maillage.KindConseiller && p.Profile.CodeInsee != "" && len(byDep[p.Profile.CodeDepartement]) < 6 {
			if !slices.Contains(byDep[p.Profile.CodeDepartement], p.Profile.CodeInsee) {
				byDep[p.Profile.CodeDepartement] = append(byDep[p.Profile.CodeDepartement], p.Profile.CodeInsee)
			}
		}
	}
	var picked []maillage.Structure
	overseas := map[string]bool{}
	for _, st := range n.Structures {
		if st.Has(maillage.StructureFormation) {
			picked = append(picked, st)
			overseas[st.CodeDepartement] = true
		}
	}
	for _, st := range n.Structures {
		if len(st.CodeDepartement) == 3 && !overseas[st.CodeDepartement] && maillage.ValidSIRET(st.Lieu.Pivot) {
			picked = append(picked, st)
			overseas[st.CodeDepartement] = true
		}
	}
	bodies, offers := 0, 0
	for _, st := range picked {
		var id int64
		if err := s.db.NewRaw("SELECT id FROM structures WHERE lieu_id = ?", st.Lieu.ID).Scan(ctx, &id); err != nil {
			return fmt.Errorf("demo structure %s: %w", st.Lieu.ID, err)
		}
		in := training.BodyInput{ActivityNumber: training.DemoActivityNumber(st.CodeRegion, id), Qualiopi: id%4 != 0,
			Contact: training.Contact{Name: "Accueil formation"}}
		if _, err := s.DeclareBody(ctx, admin, id, in); err != nil {
			if maillage.ErrorCode(err) == maillage.EINVALID {
				continue // an RNA pivot: not a training body for LHEO
			}
			return fmt.Errorf("demo body %s: %w", st.Lieu.Nom, err)
		}
		bodies++
		b := training.DemoBody{StructureID: id, Name: st.Lieu.Nom}
		if p, ok := place(st.Lieu.CodeInsee); ok {
			b.Places = append(b.Places, p)
		}
		for _, code := range byDep[st.CodeDepartement] {
			if p, ok := place(code); ok {
				b.Places = append(b.Places, p)
			}
		}
		for _, o := range training.DemoOffers(n.Seed, time.Now(), b, ix.Certifications()) {
			if _, err := s.CreateOffer(ctx, admin, id, o); err != nil {
				return fmt.Errorf("demo offer of %s: %w", st.Lieu.Nom, err)
			}
			offers++
		}
	}
	s.log().Info("demo training bodies loaded", "bodies", bodies, "offers", offers)
	return nil
}
