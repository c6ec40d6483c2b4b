package app

import (
	"context"
	"fmt"
	"time"

	"maillage/internal/charter"
	"maillage/internal/demo"
	"maillage/internal/i18n"
	"maillage/internal/maillage"
)

// demoCharter signs the charter for aidants of the demo network, through
// the charter service (the chain, its heads, the consent sentence): some
// signed version 1 only and stand « à re-signer », some signed version 1
// and then the current version, others the current version alone, one
// withdrew. Signing times are set in the days each version was in force,
// oldest first, so the chain reads in time order; those who signed the
// current version show their badge to members.
func (a *App) demoCharter(ctx context.Context, n *demo.Network) error {
	vs, err := a.Charter.Versions(ctx)
	if err != nil {
		return err
	}
	now := time.Now().UTC()
	cur, ok := charter.Current(vs, now)
	if !ok || cur.Number < 2 {
		return nil // nothing to sign again yet
	}
	prev := vs[cur.Number-2]
	var aidants []demo.Person
	for _, p := range n.People {
		if p.Profile.Kind == maillage.KindAidant && len(aidants) < 20 {
			aidants = append(aidants, p)
		}
	}
	consent := a.Catalog.T(i18n.FR, "charter.sign.consent")
	// Moments within [from, to), spread evenly, in order.
	spread := func(from, to time.Time, i, count int) time.Time {
		if to.Before(from) {
			to = from
		}
		return from.Add(time.Duration(i+1) * to.Sub(from) / time.Duration(count+2))
	}
	sign := func(p demo.Person, v charter.Version, at time.Time) (*maillage.User, error) {
		u, err := a.Users.FindUserByEmail(ctx, p.Email)
		if err != nil {
			return nil, fmt.Errorf("demo aidant %s: %w", p.Email, err)
		}
		in := charter.SignInput{Version: v.Number, TextSHA256: v.SHA256, ConsentSHA256: charter.ConsentSHA256(consent), Consent: true,
			TypedName: p.Profile.DisplayName}
		if mine, err := a.Charter.Structures(ctx, u.ID); err != nil {
			return nil, err
		} else if len(mine) > 0 {
			in.StructureID = &mine[0].ID
		}
		o := charter.Origin{At: at, UserID: u.ID, IP: "192.0.2.1", UserAgent: "Maillage (démonstration)", AuthMethod: "demo",
			SessionHash: maillage.HashToken("demo:" + p.Email)}
		_, err = a.Charter.Sign(ctx, in, consent, i18n.FR, o)
		return u, err
	}
	// Version 1 (the previous one): the first ten, while it was in force.
	first := min(10, len(aidants))
	for i := 0; i < first; i++ {
		if _, err := sign(aidants[i], prev, spread(prev.PublishedAt, cur.PublishedAt, i, first)); err != nil {
			return err
		}
	}
	// The current version: four of them again, then the others.
	var current []demo.Person
	current = append(current, aidants[min(6, len(aidants)):first]...)
	current = append(current, aidants[first:]...)
	var last *maillage.User
	for i, p := range current {
		u, err := sign(p, cur, spread(cur.PublishedAt, now, i, len(current)+1))
		if err != nil {
			return err
		}
		if err := a.Charter.SetBadge(ctx, u.ID, maillage.VisMembers); err != nil {
			return err
		}
		last = u
	}
	if last == nil {
		return nil
	}
	o := charter.Origin{At: spread(cur.PublishedAt, now, len(current), len(current)+1), UserID: last.ID, IP: "192.0.2.1",
		UserAgent: "Maillage (démonstration)", AuthMethod: "demo", SessionHash: maillage.HashToken("demo:" + last.Email)}
	_, err = a.Charter.Withdraw(ctx, o, "Démonstration : la personne a changé de mission.")
	return err
}
