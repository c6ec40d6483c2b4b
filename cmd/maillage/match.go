package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sort"
	"strings"
	"time"

	"maillage/internal/app"
	"maillage/internal/config"
	"maillage/internal/i18n"
	"maillage/internal/maillage"
	"maillage/internal/mentoring"
)

// cmdMatch: `maillage match --dry-run [--departement 69] [--region 84]`
// computes the optimal matching of a territory (the whole country by
// default) as an administrator would, and prints the figures and every
// proposal with its explanation. Nothing is written: proposals become
// requests when a coordinator confirms them in the portal.
func cmdMatch(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("match", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	dry := fs.Bool("dry-run", false, "")
	dep := fs.String("departement", "", "")
	region := fs.String("region", "", "")
	if err := fs.Parse(args); err != nil || !*dry || fs.NArg() > 0 || (*dep != "" && *region != "") {
		return config.Problems{{Var: "maillage match", Expect: "followed by --dry-run, and optionally --departement CODE or --region CODE"}}
	}
	cfg, err := config.Load(nil, config.Options{LocalServices: true})
	if err != nil {
		return err
	}
	if cfg.DatabaseURL == "" {
		return config.Problems{{Var: "DATABASE_URL", Expect: "a PostgreSQL URL for maillage match"}}
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	a, err := app.Open(ctx, cfg, log, app.Options{})
	if err != nil {
		return err
	}
	defer a.Close()
	sc := mentoring.Scope{Departement: strings.ToUpper(strings.TrimSpace(*dep)), Region: strings.TrimSpace(*region)}
	return printMatch(ctx, os.Stdout, a, sc)
}

// printMatch prints the proposals of a scope and the figures of the
// matching next to the greedy baseline.
func printMatch(ctx context.Context, w io.Writer, a *app.App, sc mentoring.Scope) error {
	admin := &maillage.User{Grants: []maillage.RoleGrant{{Role: maillage.RoleAdministrateur}}}
	t := a.Catalog.In(i18n.FR)
	nom, err := a.Mentoring.CheckScope(ctx, admin, sc)
	if err != nil {
		key, args := maillage.ErrorKey(err)
		return fmt.Errorf("%s", t.T(key, args...))
	}
	if nom == "" {
		nom = "France entière"
	}
	in, pr, err := a.Mentoring.Instance(ctx, admin, sc)
	if err != nil {
		return err
	}
	start := time.Now()
	res, err := mentoring.Match(in, mentoring.DefaultOptions())
	if err != nil {
		return err
	}
	took := time.Since(start)
	greedy, err := mentoring.Greedy(in, mentoring.DefaultOptions())
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "Appariement — %s (aucune écriture : --dry-run)\n", nom)
	fmt.Fprintf(w, "conseillers seuls : %d · mentors avec une place à portée : %d · paires possibles : %d\n", pr.Alone, mentoring.Reachable(in), res.Stats.Arcs)
	fmt.Fprintf(w, "optimal : %d accompagnés, %d sans proposition, distance totale %.0f km, coût %d, objectif %d (%s, %d résolutions)\n",
		res.Covered, len(res.Uncovered), res.DistanceKm, res.Cost, res.Objective, took.Round(time.Millisecond), res.Stats.Rounds)
	fmt.Fprintf(w, "glouton (le mentor libre le plus proche) : %d accompagnés, distance totale %.0f km\n", greedy.Covered, greedy.DistanceKm)
	rows := res.Proposals
	sort.SliceStable(rows, func(i, j int) bool {
		a, b := pr.Mentees[rows[i].MenteeID], pr.Mentees[rows[j].MenteeID]
		if a.Departement != b.Departement {
			return a.Departement < b.Departement
		}
		return a.Name < b.Name
	})
	for _, p := range rows {
		e, m := pr.Mentees[p.MenteeID], pr.Mentors[p.MentorID]
		fmt.Fprintf(w, "%s (%s, %s) → %s (%s, %s) · %s\n", e.Name, e.Commune, e.Departement, m.Name, m.Commune, m.Departement,
			explain(t, mentoring.Explain(p, m.Mentor.Capacity, mentoring.ForCoordinator)))
	}
	return nil
}

// explain writes an explanation in French (as the pages do).
func explain(t i18n.Translator, rs []mentoring.Reason) string {
	parts := make([]string, len(rs))
	for i, r := range rs {
		args := append([]any(nil), r.Args...)
		for j, v := range args {
			if d, ok := v.(mentoring.Distance); ok {
				args[j] = i18n.Km(t.Lang, float64(d)*1000)
			}
		}
		parts[i] = t.T(r.Key, args...)
	}
	return strings.Join(parts, " · ")
}
